"""Mutation testing of bnnc's verification: do the cocotb tests and the formal proofs catch broken cores?

Each mutant is one small, systematic change to one core (templates/cores): a flipped comparison,
an off-by-one bound, a dropped tready term, a swapped lane order, a stuck bit, a one-cycle-early
valid, a reset value. For each, on a copy of templates/cores with that one change, it runs

* the core's formal proofs: the core's quick cases of formal/cases.py, the ones make test runs
  (formal/run.py; caught when a proof FAILs; ``--deep`` adds the deep ones), and
* the core's cocotb test: ``pytest cocotb_tests/cores/test_<core>.py::test_<core>`` with
  BNNC_CORES_DIR pointing at the copy and its own BNNC_SIM_BUILD (caught when it fails),

and reports which caught it. A mutant whose proofs end in ERROR (it does not elaborate) is
invalid, not caught, and so is one that Verilator's build rejects. Equivalent mutants (no behaviour changes) are listed in EQUIVALENT with the
reason, by hand. Results: build/mutate/report.json and a Markdown table on stdout (BENCHMARKS.md).

    python bench/mutate.py                  # every mutant, 2 at a time
    python bench/mutate.py --core bnnc_fifo --jobs 1
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formal.cases import CASES  # noqa: E402
from formal.run import CORES_DIR, run_case  # noqa: E402

OUT = ROOT / "build" / "mutate"
TIERS = {"quick"}  # the proof tiers run per mutant (--deep adds "deep")


@dataclass(frozen=True)
class Mutant:
    """One change to one core: ``old`` (which must occur exactly once) becomes ``new``."""

    core: str
    name: str
    kind: str
    old: str
    new: str


def _m(core: str, name: str, kind: str, old: str, new: str) -> Mutant:
    return Mutant(core, name, kind, old, new)


FLIP, OFF1, READY, LANES, STUCK, EARLY, RESET, DATA = (
    "flipped comparison", "off-by-one bound", "dropped tready term", "swapped lane order", "stuck bit",
    "one-cycle-early valid", "reset value", "wrong data path")

MUTANTS: list[Mutant] = [
    # ---- bnnc_fifo
    _m("bnnc_fifo", "ready_ignores_full", READY, "assign s_axis_tready = (ram_cnt != CNT_FULL);",
       "assign s_axis_tready = 1'b1;"),
    _m("bnnc_fifo", "out_free_ignores_ready", READY, "wire out_free = !out_valid || m_axis_tready;",
       "wire out_free = !out_valid;"),
    _m("bnnc_fifo", "out_free_always", READY, "wire out_free = !out_valid || m_axis_tready;", "wire out_free = 1'b1;"),
    _m("bnnc_fifo", "read_wrong_pointer", DATA, "out_data <= ram[rd_ptr];", "out_data <= ram[wr_ptr];"),
    _m("bnnc_fifo", "wrap_one_early", OFF1, "localparam integer PTR_LAST_I = RAM_DEPTH - 1;",
       "localparam integer PTR_LAST_I = RAM_DEPTH - 2;"),
    _m("bnnc_fifo", "full_one_early", OFF1, "localparam [CNT_W-1:0] CNT_FULL = RAM_DEPTH[CNT_W-1:0];",
       "localparam [CNT_W-1:0] CNT_FULL = RAM_DEPTH[CNT_W-1:0] - 1'b1;"),
    _m("bnnc_fifo", "valid_kept", EARLY, "end else if (m_axis_tready) begin\n                out_valid <= 1'b0;",
       "end else if (1'b0) begin\n                out_valid <= 1'b0;"),
    _m("bnnc_fifo", "stuck_data_bit", STUCK, "assign m_axis_tdata = out_data;",
       "assign m_axis_tdata = out_data | {{(WIDTH-1){1'b0}}, 1'b1};"),
    _m("bnnc_fifo", "no_reset_valid", RESET, "            out_valid <= 1'b0;\n            out_data <= {WIDTH{1'b0}};",
       "            out_data <= {WIDTH{1'b0}};"),
    # ---- bnnc_width_converter
    _m("bnnc_width_converter", "padding_not_cleared", DATA,
       "assign m_axis_tdata[j*EW +: EW] = out_last ? {EW{1'b0}} : raw[j*EW +: EW];",
       "assign m_axis_tdata[j*EW +: EW] = raw[j*EW +: EW];"),
    _m("bnnc_width_converter", "down_slot_swapped", LANES, "assign raw = slots[q];", "assign raw = slots[K_LAST - q];"),
    _m("bnnc_width_converter", "up_ready_ignores_full", READY, "            assign s_axis_tready = !full[wr];\n"
       "            assign m_axis_tvalid = full[rd];\n            assign raw = rd ? ent1 : ent0;",
       "            assign s_axis_tready = 1'b1;\n            assign m_axis_tvalid = full[rd];\n"
       "            assign raw = rd ? ent1 : ent0;"),
    _m("bnnc_width_converter", "up_registers_swapped", LANES, "assign raw = rd ? ent1 : ent0;",
       "assign raw = rd ? ent0 : ent1;"),
    _m("bnnc_width_converter", "general_out_early", EARLY, "assign m_axis_tvalid = (count >= out_n);",
       "assign m_axis_tvalid = (count + 1'b1 >= out_n);"),
    _m("bnnc_width_converter", "general_accept_past_room", OFF1, "assign s_axis_tready = (count <= IN_LIMIT_X);",
       "assign s_axis_tready = (count <= IN_LIMIT_X + 1'b1);"),
    _m("bnnc_width_converter", "copy_ready_dropped", READY, "assign s_axis_tready = !cmp || !ovalid;",
       "assign s_axis_tready = 1'b1;"),
    _m("bnnc_width_converter", "copy_valid_kept", EARLY, "ovalid <= copy || (ovalid && !out_fire);",
       "ovalid <= copy || ovalid;"),
    _m("bnnc_width_converter", "last_beat_off_by_one", OFF1, "assign out_last = (ob == NOB_LAST);",
       "assign out_last = (ob == NOB_LAST - 1'b1);"),
    # ---- bnnc_threshold
    _m("bnnc_threshold", "ge_to_gt", FLIP, "($signed(val) >= $signed(THR))", "($signed(val) > $signed(THR))"),
    _m("bnnc_threshold", "negate_off_by_one", OFF1, "assign val = ~ext + {{(CW - 1){1'b0}}, 1'b1};",
       "assign val = ~ext;"),
    _m("bnnc_threshold", "ready_ignores_consumer", READY, "assign s_axis_tready = !out_valid || m_axis_tready;",
       "assign s_axis_tready = !out_valid;"),
    _m("bnnc_threshold", "ready_always", READY, "assign s_axis_tready = !out_valid || m_axis_tready;",
       "assign s_axis_tready = 1'b1;"),
    _m("bnnc_threshold", "padding_lane_kept", OFF1, "wire real_lane = !last_beat || (i < LAST);",
       "wire real_lane = !last_beat || (i <= LAST);"),
    _m("bnnc_threshold", "lanes_reversed", LANES, "out_bits <= bits_now;",
       "for (int r = 0; r < LANES; r = r + 1) out_bits[r] <= bits_now[LANES - 1 - r];"),
    _m("bnnc_threshold", "valid_without_input", EARLY, "out_valid <= s_axis_tvalid;", "out_valid <= 1'b1;"),
    # ---- bnnc_threshold_rom
    _m("bnnc_threshold_rom", "ge_to_gt", FLIP, "(($signed(x_ext) >= $signed(t_ext)) ? 1'b1 : 1'b0) ^ inv",
       "(($signed(x_ext) > $signed(t_ext)) ? 1'b1 : 1'b0) ^ inv"),
    _m("bnnc_threshold_rom", "inv_ignored", STUCK, "(($signed(x_ext) >= $signed(t_ext)) ? 1'b1 : 1'b0) ^ inv",
       "(($signed(x_ext) >= $signed(t_ext)) ? 1'b1 : 1'b0)"),
    _m("bnnc_threshold_rom", "address_on_valid", DATA, "            if (take) begin\n                beat <=",
       "            if (s_axis_tvalid) begin\n                beat <="),
    _m("bnnc_threshold_rom", "unsigned_as_signed", FLIP, "assign x_ext = {{(CW - IN_BITS){1'b0}}, xi};",
       "assign x_ext = {{(CW - IN_BITS){xi[IN_BITS-1]}}, xi};"),
    _m("bnnc_threshold_rom", "ready_ignores_consumer", READY, "assign s_axis_tready = !out_valid || m_axis_tready;",
       "assign s_axis_tready = !out_valid;"),
    # ---- bnnc_multithreshold
    _m("bnnc_multithreshold", "ge_to_gt", FLIP, "assign hit[k] = ($signed(ext) >= $signed(T)) ^ (INV == 1);",
       "assign hit[k] = ($signed(ext) > $signed(T)) ^ (INV == 1);"),
    _m("bnnc_multithreshold", "inv_ignored", STUCK, "assign hit[k] = ($signed(ext) >= $signed(T)) ^ (INV == 1);",
       "assign hit[k] = ($signed(ext) >= $signed(T));"),
    _m("bnnc_multithreshold", "padding_lane_kept", OFF1, "wire real_lane = !last_beat || (i < LAST);",
       "wire real_lane = !last_beat || (i <= LAST);"),
    _m("bnnc_multithreshold", "ready_always", READY, "assign s_axis_tready = !out_valid || m_axis_tready;",
       "assign s_axis_tready = 1'b1;"),
    _m("bnnc_multithreshold", "valid_without_input", EARLY, "out_valid <= s_axis_tvalid;", "out_valid <= 1'b1;"),
    # ---- bnnc_argmax
    _m("bnnc_argmax", "tie_across_beats_to_later", FLIP, "($signed(beat_val) > $signed(best_val))",
       "($signed(beat_val) >= $signed(best_val))"),
    _m("bnnc_argmax", "tie_in_pair_to_higher", FLIP, "($signed(hi_v) > $signed(lo_v))", "($signed(hi_v) >= $signed(lo_v))"),
    _m("bnnc_argmax", "padding_lane_counted", OFF1, "assign cok[k] = !last_beat || (k < LAST_LANES);",
       "assign cok[k] = !last_beat || (k <= LAST_LANES);"),
    _m("bnnc_argmax", "ready_always", READY, "assign s_axis_tready = adv;", "assign s_axis_tready = 1'b1;"),
    _m("bnnc_argmax", "index_lanes_swapped", LANES, "assign cidx[k*LN_W +: LN_W] = k[LN_W-1:0];",
       "assign cidx[k*LN_W +: LN_W] = k[LN_W-1:0] ^ {{(LN_W-1){1'b0}}, 1'b1};"),
    # ---- bnnc_pool_reduce
    _m("bnnc_pool_reduce", "or_as_and", FLIP, "assign reduced = (mask & prev & x) | (~mask & (prev | x));",
       "assign reduced = (mask & (prev | x)) | (~mask & prev & x);"),
    _m("bnnc_pool_reduce", "max_as_min", FLIP, "assign reduced[g * G_EW +: G_EW] = (mask[g] ? !x_gt : x_gt) ? xl : pl;",
       "assign reduced[g * G_EW +: G_EW] = (mask[g] ? x_gt : !x_gt) ? xl : pl;"),
    _m("bnnc_pool_reduce", "ready_ignores_consumer", READY,
       "assign s_axis_tready = !last_pos || !out_valid || m_axis_tready;",
       "assign s_axis_tready = !last_pos || !out_valid;"),
    _m("bnnc_pool_reduce", "ready_always", READY, "assign s_axis_tready = !last_pos || !out_valid || m_axis_tready;",
       "assign s_axis_tready = 1'b1;"),
    _m("bnnc_pool_reduce", "signed_compare_dropped", FLIP, "wire x_gt = (xl ^ FLIP) > (pl ^ FLIP);",
       "wire x_gt = xl > pl;"),
    # ---- bnnc_affine_serial
    _m("bnnc_affine_serial", "ready_early_lane", OFF1, "assign s_axis_tready = adv && (!have || lane == lane_end);",
       "assign s_axis_tready = adv && (!have || lane + 1'b1 >= lane_end);"),
    _m("bnnc_affine_serial", "ready_ignores_consumer", READY,
       "assign s_axis_tready = adv && (!have || lane == lane_end);", "assign s_axis_tready = !have || lane == lane_end;"),
    _m("bnnc_affine_serial", "valid_one_stage_early", EARLY, "out_valid <= v2;", "out_valid <= v1;"),
    _m("bnnc_affine_serial", "score_lsb_flipped", STUCK, "out_q <= sum[SH +: OUT_BITS];",
       "out_q <= sum[SH +: OUT_BITS] ^ {{(OUT_BITS-1){1'b0}}, 1'b1};"),
    _m("bnnc_affine_serial", "class_wraps_early", OFF1, "cls <= (cls == CLASS_LAST) ? {AD_W{1'b0}} : cls + 1'b1;",
       "cls <= (cls + 1'b1 == CLASS_LAST) ? {AD_W{1'b0}} : cls + 1'b1;"),
    # ---- bnnc_mvtu
    _m("bnnc_mvtu", "ready_ignores_credits", READY,
       "wire go = !fold_start || (credits != CR_FULL);  // a started fold always finishes",
       "wire go = 1'b1;  // a started fold always finishes"),
    _m("bnnc_mvtu", "last_lanes_unmasked", OFF1,
       "assign lane_en = last1 ? {{(SIMD - LAST_SIMD){1'b0}}, {LAST_SIMD{1'b1}}} : {SIMD{1'b1}};",
       "assign lane_en = {SIMD{1'b1}};"),
    _m("bnnc_mvtu", "neuron_fold_stuck", STUCK, "nf <= (nf == NF_LAST) ? {NF_W{1'b0}} : nf + 1'b1;",
       "nf <= {NF_W{1'b0}};"),
    _m("bnnc_mvtu", "last_synapse_flag_early", OFF1, "last1 <= (sf == SF_LAST);", "last1 <= (sf + 1'b1 == SF_LAST);"),
    _m("bnnc_mvtu", "padding_neuron_kept", OFF1,
       "assign keep4[p*OLW +: OLW] = {OLW{(p < LAST_PE) || (nf4 != NF_LAST)}};",
       "assign keep4[p*OLW +: OLW] = {OLW{(p <= LAST_PE) || (nf4 != NF_LAST)}};"),
    _m("bnnc_mvtu", "credit_not_returned", STUCK, "credits <= credits - 1'b1;", "credits <= credits;"),
    # ---- bnnc_swu
    _m("bnnc_swu", "ready_ignores_room", READY, "assign s_axis_tready = !store || space_ok;",
       "assign s_axis_tready = 1'b1;"),
    _m("bnnc_swu", "issue_ignores_credits", READY, "wire issue = (credits != CR_FULL) && (!row_start || rows_ok);",
       "wire issue = (!row_start || rows_ok);"),
    _m("bnnc_swu", "issue_ignores_rows", EARLY, "wire issue = (credits != CR_FULL) && (!row_start || rows_ok);",
       "wire issue = (credits != CR_FULL);"),
    _m("bnnc_swu", "padding_value_stuck", STUCK, "wire [DW-1:0] pad_beat = {G_LANES{PAD_VAL[G_EW-1:0]}};",
       "wire [DW-1:0] pad_beat = {DW{1'b0}};"),
    _m("bnnc_swu", "credit_not_returned", STUCK, "            credits <= credits - 1'b1;",
       "            credits <= credits;"),
    # ---- bnnc_board_bridge
    _m("bnnc_board_bridge", "byte_ready_ignores_beat", READY, "assign s_byte_tready = !beat_valid && !pad;",
       "assign s_byte_tready = !pad;"),
    _m("bnnc_board_bridge", "beat_kept", EARLY, "            if (beat_fire) begin\n                beat_valid <= 1'b0;",
       "            if (1'b0) begin\n                beat_valid <= 1'b0;"),
    _m("bnnc_board_bridge", "bytes_swapped", LANES, "assign shifted = {s_byte_tdata, beat_buf[BUF_W-1:8]};",
       "assign shifted = {beat_buf[BUF_W-1:8], s_byte_tdata};"),
    _m("bnnc_board_bridge", "out_ready_dropped", READY, "assign s_axis_tready = !have;", "assign s_axis_tready = 1'b1;"),
    _m("bnnc_board_bridge", "padding_lanes_sent", OFF1,
       "wire [LNW-1:0] lanes_last = (vbeat == VB_LAST) ? LL_LAST : LN_LAST;",
       "wire [LNW-1:0] lanes_last = LN_LAST;"),
]

# Mutants that change no behaviour, found by hand (reason), so no check can catch them.
EQUIVALENT: dict[str, str] = {}

COCOTB = {m.core: f"cocotb_tests/cores/test_{m.core.removeprefix('bnnc_')}.py::test_{m.core.removeprefix('bnnc_')}"
          for m in MUTANTS}


def _apply(m: Mutant, folder: Path) -> None:
    shutil.copytree(CORES_DIR, folder)
    path = folder / f"{m.core}.v"
    text = path.read_text()
    if text.count(m.old) != 1:
        raise SystemExit(f"mutant {m.core}/{m.name}: its text must occur once in {m.core}.v, not {text.count(m.old)} times")
    path.write_text(text.replace(m.old, m.new))


_WORKERS: queue.Queue[int] = queue.Queue()


def run_mutant(m: Mutant) -> dict[str, object]:
    """Apply one mutant to a copy of the cores, run its core's proofs and cocotb test; what each said."""
    worker = _WORKERS.get()  # its own simulation build folder while it runs
    try:
        return _run_mutant(m, worker)
    finally:
        _WORKERS.put(worker)


def _run_mutant(m: Mutant, worker: int) -> dict[str, object]:
    base = OUT / f"{m.core}__{m.name}"
    if base.exists():
        shutil.rmtree(base)
    cores = base / "cores"
    _apply(m, cores)
    start = time.monotonic()
    proofs = []
    for case in (c for c in CASES if c.core == m.core and c.tier in TIERS):
        r = run_case(case, cores_dir=cores, build=base / "formal", timeout=900)
        proofs.append({"case": case.name, "tier": case.tier, "status": r.status, "prop": r.prop, "seconds": r.seconds})
    formal_s = time.monotonic() - start
    env = {**os.environ, "BNNC_CORES_DIR": str(cores), "BNNC_SIM_BUILD": str(OUT / f"sim_build_{worker}"),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:logging",
                           COCOTB[m.core]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    cocotb_s = time.monotonic() - start
    out = proc.stdout + proc.stderr
    # a mutant Verilator's -Wall build rejects says nothing of the tests' checks: invalid, like one that does not
    # elaborate in the proofs
    invalid = any(p["status"] == "ERROR" for p in proofs) or "%Error: Exiting due to" in out
    return {"core": m.core, "name": m.name, "kind": m.kind, "invalid": invalid,
            "formal": any(p["status"] == "FAIL" for p in proofs), "proofs": proofs,
            "cocotb": proc.returncode != 0, "cocotb_tail": out[-600:],
            "formal_s": round(formal_s, 1), "cocotb_s": round(cocotb_s, 1)}


def table(results: list[dict[str, object]]) -> str:
    """The BENCHMARKS.md table: per core, mutants, caught by cocotb, by the proofs, by either, survivors."""
    rows = ["| core | mutants | cocotb caught | formal caught | either | survived |", "|---|---:|---:|---:|---:|---|"]
    cores = list(dict.fromkeys(str(r["core"]) for r in results))
    total = [0, 0, 0, 0]
    for core in cores:
        rs = [r for r in results if r["core"] == core and not r["invalid"]]
        n, c, f = len(rs), sum(bool(r["cocotb"]) for r in rs), sum(bool(r["formal"]) for r in rs)
        e = sum(bool(r["cocotb"] or r["formal"]) for r in rs)
        surv = [str(r["name"]) for r in rs if not (r["cocotb"] or r["formal"])]
        rows.append(f"| {core} | {n} | {c} | {f} | {e} | {', '.join(surv) or '-'} |")
        total = [a + b for a, b in zip(total, (n, c, f, e))]
    rows.append(f"| **all** | **{total[0]}** | **{total[1]}** | **{total[2]}** | **{total[3]}** | |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--core", help="only this core's mutants")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--deep", action="store_true", help="also the deep proofs of each mutant's core")
    args = parser.parse_args()
    if args.deep:
        TIERS.add("deep")
    todo = [m for m in MUTANTS if args.core is None or m.core == args.core]
    OUT.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    for k in range(args.jobs):
        _WORKERS.put(k)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_mutant, m) for m in todo]
        results = []
        for f in futures:
            r = f.result()
            results.append(r)
            tag = "INVALID" if r["invalid"] else ("caught" if r["cocotb"] or r["formal"] else "SURVIVED")
            print(f"{tag:8s} {r['core']:20s} {r['name']:28s} cocotb {'x' if r['cocotb'] else '-'} "
                  f"formal {'x' if r['formal'] else '-'} ({r['formal_s']} s + {r['cocotb_s']} s)", flush=True)
    report = OUT / "report.json"
    if args.core and report.is_file():  # one core rerun: its results replace that core's in the whole report
        results = [r for r in json.loads(report.read_text()) if r["core"] != args.core] + results
        order = {(m.core, m.name): k for k, m in enumerate(MUTANTS)}
        results.sort(key=lambda r: order.get((str(r["core"]), str(r["name"])), 1 << 30))
    report.write_text(json.dumps(results, indent=1))
    print(f"\n{len(todo)} mutants in {time.monotonic() - start:.0f} s\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
