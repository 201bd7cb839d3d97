"""The cocotb-engine check shared by the whole-network tests: every beat under gaps and backpressure, then the interval."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import compiler
from compiler.runtime.sim.simulate import SimReport, simulate


def check_beats_and_interval(rtl: Path, folded: compiler.ir.Graph, x: np.ndarray, build_dir: Path) -> SimReport:
    """Simulate ``x`` with random input gaps and output backpressure (every beat of every stream scored in the
    testbench, predictions equal to the reference's), then 12 images without either: the steady-state interval
    is the predicted one within the report's stated overhead. Returns the second report."""
    rep = simulate(rtl, x, engine="cocotb", gap_prob=0.3, ready_prob=0.6, seed=3, build_dir=build_dir)
    assert rep.images == len(x)
    assert rep.predictions == rep.expected  # every beat of every stream was scored in the testbench
    if folded.output == "argmax":
        assert rep.predictions == [int(v) for v in compiler.predict(folded, x)]
    rep = simulate(rtl, x[:12], engine="cocotb", seed=4, build_dir=build_dir)
    assert rep.predictions == rep.expected
    steady = rep.intervals[2:]
    assert steady, rep.intervals
    assert max(steady) <= rep.interval_predicted + rep.interval_overhead, (rep.intervals, rep.interval_predicted)
    assert min(steady) >= rep.interval_predicted - rep.interval_overhead, (rep.intervals, rep.interval_predicted)
    return rep
