"""bnnc_xnor_popcount's simulation-only form equals its structural form (compiler/runtime/sim/popcount_proof.py).

The compiled simulation engine swaps the structural Wallace tree (what synthesis gets)
for ``$countones`` and the same register ranks, only for designs whose every width is
in ``PROVEN``. These tests rerun the proof of every PROVEN entry (Yosys netlists of
both forms, checked against popcount(xnor(x, w)) as BDDs), check that it catches wrong
forms, and that PROVEN covers every example and the CNV designs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import compiler
from compiler.codegen import write_output
from compiler.runtime.sim import popcount_proof as pp

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("fast", [False, True], ids=["structural", "fast"])
def test_every_proven_width_is_proven(fast: bool) -> None:
    """Each form of every PROVEN (WIDTH, PIPE): enables, balanced ranks, LATENCY, and the count as a BDD."""
    pairs = sorted(pp.PROVEN)
    for (width, pipe), module in zip(pairs, pp.netlists(pairs, fast)):
        pp.check(module, width, pp.latency(width, pipe))


def _mutant(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, old: str, new: str) -> None:
    text = pp.CORE.read_text()
    assert old in text
    core = tmp_path / pp.CORE.name
    core.write_text(text.replace(old, new))
    monkeypatch.setattr(pp, "CORE", core)


@pytest.mark.parametrize(
    "old, new, fast, message",
    [
        ("T_C1 = 64'h8117177e177e7ee8", "T_C1 = 64'h8117177e177e7ee9", False, "differs from bit"),
        ("assign v = ones;", "assign v = ones ^ {{(CW-1){1'b0}}, x[0] & w[WIDTH-1]};", True, "differs from bit"),
        ("assign count = g_fast[LATENCY].v;", "assign count = g_fast[LATENCY - 1].v;", True, "register ranks"),
        ("if (en) begin\n                        q <= g_fast", "if (1'b1) begin\n                        q <= g_fast",
         True, r"of type \$_DFF_P_"),
    ],
    ids=["table", "fast_count", "fast_latency", "fast_enable"],
)
def test_proof_catches_a_wrong_form(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, old: str, new: str,
                                    fast: bool, message: str) -> None:
    _mutant(monkeypatch, tmp_path, old, new)
    with pytest.raises(pp.ProofFailure, match=message):
        pp.check(pp.netlist(20, 1, fast), 20, pp.latency(20, 1))


def test_latency_mirror_matches_the_core() -> None:
    """latency() mirrors the core's LATENCY: EXPECT_LATENCY is accepted at elaboration."""
    from compiler.runtime.sim.toolchain import run_lint

    for width, pipe in [(1, 1), (7, 2), (64, 1), (100, 3)]:
        proc = run_lint([pp.CORE], "bnnc_xnor_popcount",
                        {"WIDTH": width, "PIPE": pipe, "EXPECT_LATENCY": pp.latency(width, pipe)})
        assert proc.returncode == 0, proc.stdout + proc.stderr


def _designs(tmp: Path) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT / "bench"))
    from sim_engines import wide_lfc  # type: ignore[import-not-found]

    from designs.cnv import NON_DIVIDING, PYNQ_CNV_FOLDING, cnv

    nets = {ex.name: ex / "net.yaml" for ex in sorted((ROOT / "examples").glob("*")) if (ex / "net.yaml").is_file()}
    (tmp / "wide").mkdir()
    nets["lfc_wide"] = wide_lfc(tmp / "wide")
    nets["cnv"] = cnv(0).write(tmp / "cnv0").path
    nets["cnv7"] = cnv(7).write(tmp / "cnv7").path
    nets["cnv7_padding1_non_dividing"] = cnv(7, padding=1, folding=NON_DIVIDING).write(tmp / "cnv7pnd").path
    pynq = {k: {"pe": p, "simd": s} for k, (p, s) in PYNQ_CNV_FOLDING.items()}
    nets["cnv_pynq"] = cnv(0, folding=pynq).write(tmp / "cnvpynq").path
    return nets


def test_proven_covers_examples_and_cnv(tmp_path: Path) -> None:
    """Every example and CNV design is simulated with the proven behavioural form."""
    # Few-bit activations (or weights) run on the conditional-negate or signed-product
    # adder tree: these two examples have no layer with both sides bipolar, so no XNOR.
    no_xnor = {"conv_mnist_w2a2", "lfc_w1a2"}
    for name, net in _designs(tmp_path).items():
        out = tmp_path / f"rtl_{name}"
        write_output(compiler.fold(net), out)
        widths = pp.design_widths(sorted(out.glob("*.v")))
        if name in no_xnor:
            assert widths == set(), f"{name}: expected no XNOR-popcount, found {sorted(widths)}"
        else:
            assert widths and widths <= pp.PROVEN, f"{name}: unproven {sorted(widths - pp.PROVEN)}"


def test_unproven_or_unparsed_widths_fall_back(tmp_path: Path) -> None:
    top = tmp_path / "top.v"
    top.write_text("module top; bnnc_mvtu #(\n .MW(8),\n .SIMD(999),\n .BINARY_IN(1)\n ) u_fc1 (\n .clk(clk)); endmodule")
    assert pp.design_widths([top]) == {(999, 1)} and not pp.design_widths([top]) <= pp.PROVEN
    top.write_text("module top; bnnc_mvtu #(\n .SIMD(W),\n .BINARY_IN(1)\n ) u_fc1 (\n .clk(clk)); endmodule")
    assert (0, 0) in pp.design_widths([top])
    top.write_text("module top; bnnc_dot_lane #(.SIMD(8)) u (.x(x)); endmodule")
    assert (0, 0) in pp.design_widths([top])
    top.write_text("module top; bnnc_mvtu #(\n .SIMD(64),\n .BINARY_IN(0)\n ) u_fc1 (\n .clk(clk)); endmodule")
    assert pp.design_widths([top]) == set()
    named = tmp_path / "bnnc_net.v"  # a network named like a core is still read
    named.write_text("module bnnc_net; bnnc_mvtu #(\n .SIMD(999),\n .BINARY_IN(1)\n ) u (\n .clk(clk)); endmodule")
    assert pp.design_widths([named]) == {(999, 1)}
