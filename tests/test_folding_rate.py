"""Folding for a frame rate (hardware.target_fps, hardware.budget, bnnc compile --target-fps).

The search (compiler/passes/folding.py ``fold_for_interval``) must meet the interval that
the rate asks for, never cost more (in the resource model) than the balanced folding at
that interval, keep explicit per-layer folding, and refuse what no folding reaches.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import compiler
from compiler.cli import main
from compiler.config import Budget
from compiler.errors import BnncError
from compiler.ir import Graph
from compiler.lower import lower_to_hw, plan_context
from compiler.manifest import resource_manifest
from compiler.ops import OPS, MatrixOp, stages
from compiler.passes.folding import cheapest_folding, fastest_interval, fold_for_interval
from designs.netgen import cnn, fewbit, mlp


def _with(graph: Graph, **settings: Any) -> Graph:
    return graph.with_nodes(graph.nodes, config=graph.config.replace(**settings))


def _balanced(graph: Graph, interval: int) -> dict[str, tuple[int, int]]:
    """The balanced choice at ``interval``: each layer's fewest lanes that fit (the default pass's rule)."""
    out = {}
    for i, n in enumerate(graph.nodes):
        d = OPS[n.op]
        if isinstance(d, MatrixOp):
            mh, mw, px = d.dims(n)
            t = graph.input_type(i)
            out[n.name] = cheapest_folding(mh, mw, px, interval, cost=lambda p, s, n=n, d=d, t=t: d.cycles(n, t, p, s),
                                           extra_simd=d.simd_candidates(n, t))
    return out


def _cost(folded: Graph) -> int:
    return int(resource_manifest(lower_to_hw(folded), "xilinx")["cost"])


@pytest.fixture(scope="module")
def mlp4(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    net = mlp(21, sizes=[256, 128, 128, 64, 10], input_dtype="bipolar").write(tmp_path_factory.mktemp("mlp4"))
    return compiler.load(net.path)


@pytest.mark.parametrize("fps", [2_000, 50_000, 400_000, 3_000_000])
def test_target_fps_meets_the_interval_at_no_more_cost_than_balanced(mlp4: Graph, fps: int) -> None:
    g = _with(mlp4, target_fps=fps)
    folded = compiler.fold(g)
    interval = int(100e6 // fps)
    assert folded.timing is not None and folded.timing[0] <= interval
    assert all(n.attrs["cycles"] <= interval for n in folded.nodes if "cycles" in n.attrs)
    balanced = compiler.fold(_with(mlp4, folding=_balanced(folded, interval)))
    assert _cost(folded) <= _cost(balanced)


def test_conv_network_by_rate(tmp_path: Path) -> None:
    """Convolutions' cycles include their window unit; the chosen folding still meets the rate."""
    net = cnn(22, input_shape=(10, 10, 2), filters=(8, 8), hidden=(16,), classes=4).write(tmp_path)
    g = compiler.load(net.path)
    fastest = fastest_interval(g)
    for interval in (fastest, 3 * fastest, 40 * fastest):
        folded = compiler.fold(_with(g, target_fps=100e6 / interval))
        assert folded.timing[0] <= interval
        balanced = compiler.fold(_with(g, folding=_balanced(folded, interval)))
        assert _cost(folded) <= _cost(balanced)


@pytest.mark.parametrize("kind", ["w1a2", "w2a2", "w4a3"])
def test_few_bit_networks_by_rate(tmp_path: Path, kind: str) -> None:
    """Few-bit matrix units (integer lanes, few-bit weights, multi-threshold outputs) and pools on codes are priced
    by the search: every rate from the fastest to a slow one is met at no more modelled cost than the balanced
    folding, and the lowering builds the bnnc_mvtu parameters the search priced."""
    act, wbits = {"w1a2": ((2, True, True), 1), "w2a2": ((2, True, True), 2), "w4a3": ((3, False, False), 4)}[kind]
    base = cnn(23, input_shape=(10, 10, 2), filters=(8, 8), hidden=(16,), classes=4, pool="after_sign")
    net = fewbit(base, 5, act=act, weight_bits=wbits, weight_scale="channel").write(tmp_path)
    g = compiler.load(net.path)
    assert any(n.op == "quant" for n in g.nodes)
    fastest = fastest_interval(g)
    for interval in (fastest, 3 * fastest, 40 * fastest):
        folded = compiler.fold(_with(g, target_fps=100e6 / interval))
        assert folded.timing[0] <= interval
        assert {"multithreshold", "codepool"} <= {n.op for n in folded.nodes}
        balanced = compiler.fold(_with(g, folding=_balanced(folded, interval)))
        assert _cost(folded) <= _cost(balanced)
        modules = {m.name: m.params for m in lower_to_hw(folded).modules}
        for stage in stages(folded):
            op, node = OPS[stage.head.op], stage.head
            if isinstance(op, MatrixOp):
                priced = op.units(stage, op.folding(node), plan_context(folded, stage))[-1]
                built = modules[node.name]
                assert built == replace(priced, ROM_STYLE=built["ROM_STYLE"], PARAM_STYLE=built.get("PARAM_STYLE"))
                assert (built.get("WEIGHT_BITS") or 1) == wbits


def test_the_lowering_builds_the_plan_the_search_prices(tmp_path: Path) -> None:
    """Each matrix stage's units, as MatrixOp.units gives them to the folding search, are the modules the lowering
    builds (the same window unit at the lowering's pacing, glue and bnnc_mvtu; ROM styles are the memory plan's)."""
    net = cnn(22, input_shape=(10, 10, 2), filters=(8, 8), hidden=(16,), classes=4).write(tmp_path)
    g = compiler.load(net.path)
    folded = compiler.fold(_with(g, target_fps=100e6 / (3 * fastest_interval(g))))
    modules = {m.name: m.params for m in lower_to_hw(folded).modules}
    seen = 0
    for stage in stages(folded):
        op, node = OPS[stage.head.op], stage.head
        if not isinstance(op, MatrixOp):
            continue
        folding = op.folding(node)
        units = op.units(stage, folding, plan_context(folded, stage))
        built = modules[node.name]
        assert built == replace(units[-1], ROM_STYLE=built["ROM_STYLE"], PARAM_STYLE=built.get("PARAM_STYLE"))
        glue = [modules[f"{node.name}_win{suffix}"] for suffix in ("", "_dwc", "_q") if f"{node.name}_win{suffix}" in
                modules]
        assert glue == units[:-1], node.name
        seen += len(glue) > 0
    assert seen == 2  # both convolutions, window units and glue included


def test_explicit_folding_overrides(mlp4: Graph) -> None:
    folded = compiler.fold(_with(mlp4, target_fps=10_000, folding={"fc2": (3, 5)}))
    fc2 = next(n for n in folded.nodes if n.name == "fc2")
    assert (fc2.attrs["pe"], fc2.attrs["simd"]) == (3, 5)
    assert folded.timing[0] <= 10_000


def test_impossible_rate_is_refused_with_the_best_rate(mlp4: Graph) -> None:
    fastest = fastest_interval(mlp4)
    best = int(100e6 // fastest)
    with pytest.raises(BnncError, match=rf"hardware\.target_fps must be at most {best:,} \(the fastest folding at "
                                        r"100 MHz\), not 1000000000000"):
        compiler.fold(_with(mlp4, target_fps=1e12))
    compiler.fold(_with(mlp4, target_fps=best))  # the rate named is reachable


def test_requested_layer_limits_the_fastest_rate(mlp4: Graph) -> None:
    g = _with(mlp4, folding={"fc1": (1, 1)})
    assert fastest_interval(g) == 256 * 128
    with pytest.raises(BnncError, match=r"must be at most 3,051 \(the fastest folding"):
        compiler.fold(_with(g, target_fps=4000))


def test_budget(mlp4: Graph) -> None:
    """A budget alone gives the fastest folding within it; a target it cannot meet is refused."""
    base = compiler.fold(mlp4)  # the search runs on the integer graph
    fast = fold_for_interval(base, int(100e6 // 200_000), "xilinx").resources.lut
    lean = fold_for_interval(base, 128 * 256, "xilinx", limit={"lut": 1}).resources.lut
    assert lean < fast
    limit = (fast + lean) // 2
    within = compiler.fold(_with(mlp4, budget=Budget(lut=limit)))
    assert fold_for_interval(within, within.timing[0], "xilinx", limit={"lut": limit}).resources.lut <= limit
    assert within.timing[0] > 100e6 // 200_000
    with pytest.raises(BnncError, match=r"hardware\.budget\.lut must be at least [\d,]+ for 200,000 frames/s at "
                                        r"100 MHz \(the cheapest modelled folding; within it the fastest folding "
                                        rf"reaches {int(100e6 // within.timing[0]):,} frames/s\), not {limit:,}"):
        compiler.fold(_with(mlp4, target_fps=200_000, budget=Budget(lut=limit)))


def test_cli_prints_folding_rate_and_resources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = mlp(23, sizes=[64, 32, 10], input_dtype="bipolar").write(tmp_path / "n")
    assert main(["compile", str(net.path), "-o", str(tmp_path / "rtl"), "--target-fps", "1000000"]) == 0
    out = capsys.readouterr().out
    assert "bnnc: folding fc1 (PE " in out and "fc2 (PE " in out
    assert "frames/s at 100 MHz; modelled on xilinx: " in out and " LUT (" in out and " RAMB18" in out
    import json

    m = json.loads((tmp_path / "rtl" / "manifest.json").read_text())
    assert m["interval_cycles"] <= 100
    assert m["resources"]["target"] == "xilinx" and m["resources"]["total"]["lut"] > 0
    assert set(m["resources"]["modules"]) == {x["name"] for x in m["rtl"]["modules"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(2, 300), min_size=2, max_size=4), seed=st.integers(0, 1000),
       frac=st.floats(0.0, 1.0))
def test_property_random_layers(tmp_path_factory: pytest.TempPathFactory, sizes: list[int], seed: int,
                                frac: float) -> None:
    """Random layer sizes and rates between the fastest and the slowest folding: the interval is met, every
    layer's cycles fit, and the search's modelled cost is at most the balanced choice's."""
    net = mlp(seed, sizes=[*sizes, 5], input_dtype="bipolar").write(tmp_path_factory.mktemp("p"))
    g = compiler.load(net.path)
    fastest = fastest_interval(g)
    slowest = max(fastest, max(sizes) * max(sizes))
    interval = int(fastest + frac * (slowest - fastest))
    folded = compiler.fold(_with(g, target_fps=100e6 / interval))
    assert folded.timing[0] <= interval
    search = fold_for_interval(folded, interval, "xilinx")
    balanced = fold_for_interval(folded, interval, "xilinx", fixed=_balanced(folded, interval))
    assert search.resources.cost("xilinx") <= balanced.resources.cost("xilinx")
    assert _cost(folded) <= _cost(compiler.fold(_with(g, folding=_balanced(folded, interval))))


@pytest.mark.parametrize("fps,bram", [(20_000, 10), (400_000, 0), (400_000, 10), (2_000_000, 10), (2_000_000, 40)])
def test_block_budget_buys_lut_savings_with_idle_blocks(mlp4: Graph, tmp_path: Path, fps: int, bram: int) -> None:
    """Under hardware.budget.bram the search may put weight ROMs in block RAM: never more LUTs than
    without the budget (when that design fits it), blocks within it, and the lowering builds what it chose."""
    base = compiler.fold(mlp4)
    interval = int(100e6 // fps)
    free = fold_for_interval(base, interval, "xilinx")
    within = fold_for_interval(base, interval, "xilinx", limit={"bram": bram})
    assert within.resources.bram <= bram
    if free.resources.bram <= bram:
        assert within.resources.lut <= free.resources.lut
    if (fps, bram) in ((400_000, 10), (2_000_000, 40)):  # blocks that logic ROMs can use: fewer LUTs
        assert within.block_weights and within.resources.lut < free.resources.lut
    if bram == 0:
        assert not within.block_weights
    folded = compiler.fold(_with(mlp4, target_fps=fps, budget=Budget(bram=bram)))
    hw = lower_to_hw(folded)
    manifest = resource_manifest(hw, "xilinx")
    assert manifest["total"]["bram"] <= bram
    blocked = [n for n in folded.nodes if n.attrs.get("weight_rom") == "block"]
    chosen = {n.name: (n.attrs["pe"], n.attrs["simd"]) for n in folded.nodes if "pe" in n.attrs}
    if chosen == within.folding:  # else the balanced folding, lowered, cost less (choose_folding's last check)
        assert bool(blocked) == bool(within.block_weights)
    if (fps, bram) == (400_000, 10):
        assert blocked  # the block path below is exercised
    for n in blocked:  # the search's choice reaches the core
        (mod,) = [m for m in hw.modules if m.name == n.name]
        assert mod.params["ROM_STYLE"] == 1 and mod.roms["weights"].plan.style == "block"


def test_cli_names_the_weight_roms_the_search_puts_in_block_ram(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    gen = mlp(21, sizes=[256, 128, 128, 64, 10], input_dtype="bipolar")
    gen.doc["hardware"] = {"budget": {"bram": 10}}
    net = gen.write(tmp_path / "n")
    assert main(["compile", str(net.path), "-o", str(tmp_path / "rtl"), "--target-fps", "400000"]) == 0
    out = capsys.readouterr().out
    import json

    rows = json.loads((tmp_path / "rtl" / "manifest.json").read_text())["layers"]
    blocked = [r for r in rows if r.get("weight_rom") == "block"]
    assert blocked  # this rate and budget take the option (test above)
    for r in blocked:
        assert f"{r['name']} (PE {r['pe']}, SIMD {r['simd']}, {r['cycles']} cycles, weights in block RAM)" in out
    assert out.count("weights in block RAM") == len(blocked)


def test_budget_search_keeps_window_units_under_their_cycle_limit(tmp_path: Path) -> None:
    """A budget alone bisects up to the slowest folding's interval, here beyond bnnc_swu's 2**27-cycle limit: the
    convolution's candidates stay below the limit (they could not be built otherwise) instead of the search refusing."""
    from compiler.cores.swu import MAX_CYCLES

    rng = np.random.default_rng(0)
    arrays = {"conv1.weight": rng.normal(size=(64, 64, 3, 3)), "fc1.weight": rng.normal(size=(10, 31 * 31 * 64))}
    for bn, c in (("bn1", 64), ("bn2", 10)):
        arrays.update({f"{bn}.gamma": rng.uniform(0.5, 1.5, c), f"{bn}.beta": rng.normal(size=c),
                       f"{bn}.mean": 10 * rng.normal(size=c), f"{bn}.var": rng.uniform(1, 4, c)})
    np.savez(tmp_path / "weights.npz", **arrays)
    (tmp_path / "net.yaml").write_text(
        "name: giant\ninput: {shape: [64, 64, 64], dtype: int8}\nlayers:\n"
        "  - {name: conv1, op: conv2d, filters: 64, kernel: 3}\n  - {name: bn1, op: batchnorm}\n"
        "  - {name: act1, op: sign}\n  - {name: pool1, op: maxpool2d, kernel: 2}\n  - {name: flat, op: flatten}\n"
        "  - {name: fc1, op: dense, units: 10}\n  - {name: bn2, op: batchnorm}\nhardware:\n  budget: {lut: 2000000}\n")
    g = compiler.load(tmp_path / "net.yaml")
    conv = g.node("conv1")
    assert OPS["conv2d"].cycles(conv, g.input, 1, 1) >= MAX_CYCLES  # the bisection's upper end is beyond the limit
    folded = compiler.fold(g)
    assert folded.timing is not None and folded.timing[0] < MAX_CYCLES
    assert (folded.node("conv1").attrs["pe"], folded.node("conv1").attrs["simd"]) == (64, 64)
