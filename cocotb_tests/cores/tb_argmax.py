"""cocotb tests of bnnc_argmax (run through test_argmax.py)."""

from __future__ import annotations

import cocotb
import numpy as np

from cocotb_tests.cores._stream_tb import stream_through
from compiler.arith import ceil_div
from compiler.bits import chunk_lanes, pack_lanes
from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, intervals, read_param


async def _argmax(dut, name: str, n_vec: int, gap: float, ready: float) -> tuple[AxisSource, AxisSink, int]:
    classes = read_param(dut, "NUM_CLASSES")
    lanes = read_param(dut, "LANES")
    in_bits = read_param(dut, "IN_BITS")
    env = AxisEnv(dut, seed_name=f"argmax.{name}")
    rng = np.random.default_rng(env.seed)
    lo, hi = -(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1
    scores = rng.integers(lo, hi + 1, size=(n_vec, classes))
    for v in range(n_vec):
        kind = v % 4
        if kind == 1:  # ties for the maximum: lowest index must win
            idx = rng.choice(classes, size=min(classes, 3), replace=False)
            scores[v, idx] = scores[v].max()
        elif kind == 2:  # all equal (often the extreme values)
            scores[v, :] = rng.choice([lo, hi, 0])
        elif kind == 3:  # small range: many ties
            scores[v] = rng.integers(-1, 2, size=classes)
    expected = [int(np.argmax(s)) for s in scores]
    beats = []
    for v in range(n_vec):
        vb = [pack_lanes(b, in_bits) for b in chunk_lanes(scores[v].tolist(), lanes)]
        pad = -classes % lanes
        if pad:  # junk in the padding lanes of the last beat: must be ignored
            vb[-1] |= pack_lanes([hi] * pad, in_bits) << ((lanes - pad) * in_bits)
        beats += vb
    sb = Scoreboard("m_axis", expected)
    src, sink = await stream_through(env, beats, sb, gap, ready)
    return src, sink, ceil_div(classes, lanes)


@cocotb.test()
async def argmax_random(dut) -> None:
    """Random scores with many ties, gaps and backpressure: index equals numpy's argmax."""
    await _argmax(dut, "random", 150, gap=0.3, ready=0.4)


@cocotb.test()
async def argmax_throughput(dut) -> None:
    """No gaps, always ready: one vector every ceil(NUM_CLASSES/LANES) cycles."""
    src, sink, beats = await _argmax(dut, "throughput", 40, gap=0.0, ready=1.0)
    assert set(intervals([c for c, _ in sink.beats])) == {beats}
    assert set(intervals([c for c, _ in src.sent])) == {1}
