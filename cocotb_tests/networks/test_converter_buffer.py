"""Convolutions whose window converter stands in for their FIFO (compiler.cores.width_converter
``buffers_enough``) on Verilator: conv2 reads whole 72-element windows in one beat from an
UP_COPY converter (K = 9 beats of 8 lanes). With 20 neuron folds per window conv2 is the bottleneck;
with 11 = K + 2, the fewest that keep the converter ahead, conv1's window unit is. Every beat equals
the reference's, with random gaps and backpressure, and the measured interval equals the predicted one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.codegen import write_output
from compiler.ir import Graph
from compiler.lower import lower_to_hw
from compiler.runtime.sim.simulate import SimReport, simulate
from designs.netgen import cnn, random_inputs


@pytest.mark.xdist_group("networks")
@pytest.mark.parametrize("folds,interval,bottleneck", [(20, 720, "conv2"), (11, 576, "conv1")])
def test_converter_in_place_of_the_fifo_keeps_the_interval(tmp_path: Path, folds: int, interval: int,
                                                           bottleneck: str) -> None:
    net = cnn(5, input_shape=(10, 10, 2), filters=(8, folds), pool="none", classes=4)
    net.doc["hardware"] = {"folding": {"conv1": {"pe": 8, "simd": 18}, "conv2": {"pe": 1, "simd": 72}}}
    net.write(tmp_path)
    folded = compiler.fold(net.path)
    assert folded.timing == (interval, bottleneck)
    names = {m.name: m for m in lower_to_hw(folded).modules}
    conv = names["conv2_win_dwc"]
    assert (conv.params["IN_LANES"], conv.params["OUT_LANES"]) == (8, 72)
    assert "conv2_win_q" not in names  # the converter's registers are the buffer
    write_output(folded, tmp_path / "rtl")
    manifest = json.loads((tmp_path / "rtl" / "manifest.json").read_text())
    x = random_inputs(folded, 20, seed=7)
    rep = simulate_checked(tmp_path / "rtl", x, folded)
    steady = rep.intervals[2:]
    assert steady and rep.interval_predicted == manifest["interval_cycles"] == interval
    assert max(steady) == min(steady) == interval, (rep.intervals, interval)


def simulate_checked(rtl: Path, x: np.ndarray, folded: Graph) -> SimReport:
    """Simulate with gaps and backpressure (every beat checked), then without (the interval)."""
    rep = simulate(rtl, x, engine="verilator", gap_prob=0.3, ready_prob=0.6, seed=3)
    assert rep.predictions == rep.expected == [int(v) for v in compiler.predict(folded, x)]
    rep = simulate(rtl, x, engine="verilator", seed=4)
    assert rep.predictions == rep.expected
    return rep


@pytest.mark.parametrize("folds,fifo", [(10, True), (11, False)])
def test_the_fifo_stays_below_k_plus_two_folds(tmp_path: Path, folds: int, fifo: bool) -> None:
    """K = 9 input beats refill the converter and one cycle copies it: a consumer that takes fewer than
    K + 2 cycles per window keeps its FIFO."""
    net = cnn(5, input_shape=(10, 10, 2), filters=(8, folds), pool="none", classes=4)
    net.doc["hardware"] = {"folding": {"conv1": {"pe": 8, "simd": 18}, "conv2": {"pe": 1, "simd": 72}}}
    net.write(tmp_path)
    names = {m.name for m in lower_to_hw(compiler.fold(net.path)).modules}
    assert "conv2_win_dwc" in names and ("conv2_win_q" in names) == fifo
