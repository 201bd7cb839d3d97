"""A network folded by ``hardware.target_fps`` on Verilator: every beat equals the reference's, and the
measured interval equals the predicted one, which meets the rate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import compiler
from compiler.codegen import write_output
from compiler.runtime.sim.runner import SIM_BUILD
from compiler.runtime.sim.simulate import simulate
from designs.netgen import fewbit, mlp, random_inputs

# 100 MHz / 2.5 M frames/s = 40 cycles per image: non-dividing foldings for 100-60-30-10 layers.
FPS = 2_500_000


@pytest.mark.xdist_group("networks")
@pytest.mark.parametrize("kind", ["w1a1", "w2a2"])
def test_target_fps_network_beats_and_interval(tmp_path: Path, kind: str) -> None:
    net = mlp(31, sizes=[100, 60, 30, 10], input_dtype="uint8", input_sign=127.5)
    if kind == "w2a2":  # ternary weights and activations: integer lanes, few-bit products, multi-threshold outputs
        net = mlp(31, sizes=[100, 60, 30, 10], input_dtype="uint8", input_sign=None)
        net = fewbit(net, 3, act=(2, True, True), weight_bits=2, weight_scale="channel")
    net.doc["hardware"] = {"clock_mhz": 100.0, "target_fps": FPS}
    net.write(tmp_path)
    folded = compiler.fold(net.path)
    write_output(folded, tmp_path / "rtl")
    manifest = json.loads((tmp_path / "rtl" / "manifest.json").read_text())
    assert manifest["interval_cycles"] <= 100e6 / FPS
    x = random_inputs(folded, 30, seed=5)
    bdir = SIM_BUILD / "networks" / f"target_fps_{kind}"
    rep = simulate(tmp_path / "rtl", x, engine="cocotb", gap_prob=0.3, ready_prob=0.6, seed=3, build_dir=bdir)
    assert rep.predictions == rep.expected == [int(v) for v in compiler.predict(folded, x)]
    rep = simulate(tmp_path / "rtl", x[:12], engine="cocotb", seed=4, build_dir=bdir)
    steady = rep.intervals[2:]
    assert steady and rep.interval_predicted == manifest["interval_cycles"]
    assert max(steady) == min(steady) == rep.interval_predicted, (rep.intervals, rep.interval_predicted)
    print("folding:", {r["name"]: (r["pe"], r["simd"]) for r in manifest["layers"] if "pe" in r},
          f"interval {rep.interval_predicted}")
