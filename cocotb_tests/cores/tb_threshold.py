"""cocotb tests of bnnc_threshold (run through test_threshold.py)."""

from __future__ import annotations

import cocotb
import numpy as np

from cocotb_tests.cores._stream_tb import stream_through
from compiler.arith import ceil_div
from compiler.bits import pack_lanes, unpack_lanes
from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, intervals, read_param


async def _threshold(dut, name: str, n: int, gap: float, ready: float) -> tuple[AxisSource, AxisSink]:
    lanes = read_param(dut, "LANES")
    in_bits = read_param(dut, "IN_BITS")
    signed = read_param(dut, "IN_SIGNED") == 1
    thr = read_param(dut, "THRESHOLD", signed=True)
    negate = read_param(dut, "NEGATE") == 1
    env = AxisEnv(dut, seed_name=f"threshold.{name}")
    rng = np.random.default_rng(env.seed)
    lo, hi = (-(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1) if signed else (0, (1 << in_bits) - 1)
    # Mostly values right around the threshold (both signs), plus the full range.
    near = (-thr if negate else thr) + rng.integers(-2, 3, size=(n, lanes))
    x = np.where(rng.random((n, lanes)) < 0.6, near, rng.integers(lo, hi + 1, size=(n, lanes)))
    x = np.clip(x, lo, hi)
    x[0, :] = lo
    x[1, :] = hi
    val = -x if negate else x
    y = (val >= thr).astype(int)
    n_elems = read_param(dut, "N")
    if n_elems:  # vectors of N elements: the padding lanes of each vector's last beat must give 0
        nb = ceil_div(n_elems, lanes)
        last = n_elems - (nb - 1) * lanes
        y[(np.arange(n) % nb == nb - 1)[:, None] & (np.arange(lanes) >= last)[None, :]] = 0
    sb = Scoreboard("m_axis", [pack_lanes(r, 1) for r in y], fmt=lambda w: f"{w:#x} bits={unpack_lanes(w, lanes, 1)}")
    src, sink = await stream_through(env, [pack_lanes(r, in_bits) for r in x], sb, gap, ready)
    return src, sink


@cocotb.test()
async def threshold_random(dut) -> None:
    """Random gaps/backpressure: each output bit equals (NEGATE ? -x : x) >= THRESHOLD."""
    await _threshold(dut, "random", 300, gap=0.3, ready=0.5)


@cocotb.test()
async def threshold_throughput(dut) -> None:
    """No gaps, always ready: one beat per cycle."""
    src, sink = await _threshold(dut, "throughput", 64, gap=0.0, ready=1.0)
    assert set(intervals([c for c, _ in sink.beats])) == {1}
    assert set(intervals([c for c, _ in src.sent])) == {1}
