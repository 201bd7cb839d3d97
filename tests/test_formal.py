"""The cores' formal proofs (formal/): the quick set passes, and each property fails on a broken core.

Each quick case (formal/cases.py) is proven with SymbiYosys (a bounded check whose depth a cover
check shows reaches a whole image). The mutants below break one core in one small way each, on
a copy of templates/cores; the proof must fail with the named property and a counterexample
trace, so no property is vacuous. ``make formal`` runs the same quick set from the command line,
``make formal-deep`` the deep one.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from formal.cases import CASES, Case
from formal.run import CORES_DIR, run_case, select

# One worker runs them all, one proof after another: the other worker keeps its cores for the simulations, and
# Yosys's WebAssembly module is compiled once (a cold cache costs ~50 CPU-s per process that compiles it).
pytestmark = pytest.mark.xdist_group("formal")

QUICK = select("quick")


@pytest.mark.parametrize("case", QUICK, ids=[f"{c.core}-{c.name}" for c in QUICK])
def test_proof(case: Case, tmp_path: Path) -> None:
    """The case's properties hold to its depth, and the depth reaches a whole image."""
    result = run_case(case, build=tmp_path)
    assert result.status == "PASS", result.line()


def _case(core: str, name: str) -> Case:
    return next(c for c in CASES if c.core == core and c.name == name)


def _mutated_cores(tmp_path: Path, core: str, old: str, new: str) -> Path:
    """A copy of templates/cores under ``tmp_path`` with ``old`` (which must occur once) replaced by ``new`` in the core."""
    cores = tmp_path / "cores"
    shutil.copytree(CORES_DIR, cores)
    path = cores / f"{core}.v"
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} must occur once in {core}.v"
    path.write_text(text.replace(old, new))
    return cores


# (core, case, text in the core, its replacement, the property that must catch it)
MUTANTS = [
    # the hold rule: a FIFO whose output beat is withdrawn while it waits
    ("bnnc_fifo", "depth3_nobypass", "end else if (m_axis_tready) begin\n                out_valid <= 1'b0;",
     "end else begin\n                out_valid <= 1'b0;", "fv_bnnc_fifo.streams.hold"),
    # a FIFO whose output register reloads while its beat waits (a beat lost) holds more beats than its depth
    ("bnnc_fifo", "depth3_nobypass", "wire out_free = !out_valid || m_axis_tready;", "wire out_free = 1'b1;",
     "fv_bnnc_fifo.capacity"),
    # reset: the output valid not cleared
    ("bnnc_fifo", "depth2_bypass", "            out_valid <= 1'b0;\n            out_data <= {WIDTH{1'b0}};",
     "            out_data <= {WIDTH{1'b0}};", "fv_bnnc_fifo.streams.reset"),
    # a beat created: the threshold stage's output valid without an input beat
    ("bnnc_threshold", "unsigned", "out_valid <= s_axis_tvalid;", "out_valid <= 1'b1;",
     "fv_bnnc_threshold.streams.no_extra"),
    # no progress: a FIFO that never takes a beat
    ("bnnc_fifo", "depth3_nobypass", "assign s_axis_tready = (ram_cnt != CNT_FULL);", "assign s_axis_tready = 1'b0;",
     "fv_bnnc_fifo.streams.progress"),
    # order and data: the buffer read one entry off
    ("bnnc_fifo", "depth5_bypass", "out_data <= ram[rd_ptr];", "out_data <= ram[wr_ptr];",
     "fv_bnnc_fifo.in_order"),
    # capacity: a FIFO that takes a beat when full
    ("bnnc_fifo", "depth3_nobypass", "assign s_axis_tready = (ram_cnt != CNT_FULL);", "assign s_axis_tready = 1'b1;",
     "fv_bnnc_fifo.capacity"),
    # the threshold's compare: >= made >
    ("bnnc_threshold", "unsigned", "($signed(val) >= $signed(THR))", "($signed(val) > $signed(THR))",
     "fv_bnnc_threshold.compare"),
    # the multi-threshold's inversion ignored
    ("bnnc_multithreshold", "unsigned_negated", "^ (INV == 1)", "^ 1'b0", "fv_bnnc_multithreshold.codes"),
    # the width converter's padding lanes not cleared
    ("bnnc_width_converter", "down_padded", "= out_last ? {EW{1'b0}} : raw[j*EW +: EW];", "= raw[j*EW +: EW];",
     "fv_bnnc_width_converter.padding"),
    # the width converter's two output registers read in the wrong order
    ("bnnc_width_converter", "up_padded", "assign raw = rd ? ent1 : ent0;", "assign raw = rd ? ent0 : ent1;",
     "fv_bnnc_width_converter.element"),
    # pooling: OR and AND exchanged
    ("bnnc_pool_reduce", "bits_or_and", "assign reduced = (mask & prev & x) | (~mask & (prev | x));",
     "assign reduced = (mask & (prev | x)) | (~mask & prev & x);", "fv_bnnc_pool_reduce.reduce"),
    # the final affine's shift one bit off
    ("bnnc_affine_serial", "multiply_padded", "out_q <= sum[SH +: OUT_BITS];", "out_q <= sum[SH + 1 +: OUT_BITS];",
     "fv_bnnc_affine_serial.score"),
    # the MVTU's lanes past MW not masked on the last synapse fold
    ("bnnc_mvtu", "bin_pe2_simd2",
     "assign lane_en = last1 ? {{(SIMD - LAST_SIMD){1'b0}}, {LAST_SIMD{1'b1}}} : {SIMD{1'b1}};",
     "assign lane_en = {SIMD{1'b1}};", "fv_bnnc_mvtu.dot"),
    # the sliding window's padding value stuck at 0
    ("bnnc_swu", "k3_s2_pad1", "wire [DW-1:0] pad_beat = {G_LANES{PAD_VAL[G_EW-1:0]}};",
     "wire [DW-1:0] pad_beat = {DW{1'b0}};", "fv_bnnc_swu.padding"),
    # the board bridge's bytes assembled in the wrong order
    ("bnnc_board_bridge", "two_byte_beats", "assign shifted = {s_byte_tdata, beat_buf[BUF_W-1:8]};",
     "assign shifted = {beat_buf[BUF_W-1:8], s_byte_tdata};", "fv_bnnc_board_bridge.beat"),
    # argmax: a tie across beats goes to the later class
    ("bnnc_argmax", "c2_lanes1", "($signed(beat_val) > $signed(best_val))", "($signed(beat_val) >= $signed(best_val))",
     "fv_bnnc_argmax.index"),
]


@pytest.mark.parametrize("core, name, old, new, prop", MUTANTS, ids=[m[4].split(".")[-1] + "-" + m[0] for m in MUTANTS])
def test_property_catches_a_broken_core(core: str, name: str, old: str, new: str, prop: str, tmp_path: Path) -> None:
    """The proof of a mutated copy of the core fails with this property and leaves its counterexample trace."""
    cores = _mutated_cores(tmp_path, core, old, new)
    # a bounded check of the properties alone: with the induction lemmas, a lemma often fails a step earlier
    result = run_case(replace(_case(core, name), mode="bmc"), cores_dir=cores, build=tmp_path / "build", lemmas=False)
    assert result.status == "FAIL" and prop in result.prop.split(", "), result.line()
    assert Path(result.trace).is_file(), result.line()


# (core, case, text in the core, its replacement, the induction lemma that must catch it); the proof as make formal runs it
LEMMA_MUTANTS = [
    # a beat lost while the output waits: the FIFO's count of beats no longer the checker's
    ("bnnc_fifo", "depth3_nobypass", "wire out_free = !out_valid || m_axis_tready;", "wire out_free = 1'b1;",
     "fv_bnnc_fifo.inv_count"),
]


@pytest.mark.parametrize("core, name, old, new, prop", LEMMA_MUTANTS,
                         ids=[m[4].split(".")[-1] + "-" + m[0] for m in LEMMA_MUTANTS])
def test_lemma_catches_a_broken_core(core: str, name: str, old: str, new: str, prop: str, tmp_path: Path) -> None:
    """An induction lemma fails on a mutated copy of the core, with its counterexample trace."""
    cores = _mutated_cores(tmp_path, core, old, new)
    result = run_case(_case(core, name), cores_dir=cores, build=tmp_path / "build")
    assert result.status == "FAIL" and prop in result.prop.split(", "), result.line()
    assert Path(result.trace).is_file(), result.line()


@pytest.mark.parametrize("case", [c for c in QUICK if c.mode == "prove"][:1], ids=lambda c: f"{c.core}-{c.name}")
def test_induction_needs_the_lemmas(case: Case, tmp_path: Path) -> None:
    """Without its lemmas a k-induction case does not close (its step starts from unreachable states): the proof
    that passes is a real induction over the lemmas, not a bounded check that happens to be labelled prove."""
    result = run_case(case, build=tmp_path, lemmas=False)
    assert result.status == "UNKNOWN" and result.prop, result.line()
    assert Path(result.trace).is_file(), result.line()


# one case per core whose bound is above 1 (the first in formal/cases.py): the others were checked the same way when
# the bounds were stated (BENCHMARKS.md), and make test's time is short
TIGHT = list({c.core: c for c in reversed(QUICK) if int(c.params.get("LATENCY", 0)) > 1}.values())  # type: ignore[call-overload]


@pytest.mark.parametrize("case", TIGHT, ids=lambda c: f"{c.core}-{c.name}")
def test_latency_bound_is_tight(case: Case, tmp_path: Path) -> None:
    """One cycle under the core's stated latency bound (its ``latency_bound()``), the check fails ``latency``: the
    proven bound is the core's real worst case, not a loose one. (A bound of 1, the threshold stages' output
    register, cannot be lower.)"""
    lower = replace(case, params={**case.params, "LATENCY": int(case.params["LATENCY"]) - 1},  # type: ignore[call-overload]
                    mode="bmc")
    result = run_case(lower, build=tmp_path)
    assert result.status == "FAIL" and "streams.latency" in result.prop, result.line()
