"""cocotb tests of bnnc_multithreshold (run through test_multithreshold.py)."""

from __future__ import annotations

import os

import cocotb
import numpy as np

from cocotb_tests.cores._stream_tb import stream_through
from compiler.arith import ceil_div
from compiler.bits import pack_lanes, unpack_lanes
from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, intervals, read_param


async def _multithreshold(dut, name: str, n: int, gap: float, ready: float) -> tuple[AxisSource, AxisSink]:
    lanes = read_param(dut, "LANES")
    in_bits = read_param(dut, "IN_BITS")
    out_bits = read_param(dut, "OUT_BITS")
    signed = read_param(dut, "IN_SIGNED") == 1
    data = np.load(os.environ["BNNC_TB_DATA"])
    thr, negate, out_lo = data["thresholds"].astype(np.int64), bool(data["negate"]), int(data["out_lo"])
    env = AxisEnv(dut, seed_name=f"multithreshold.{name}")
    rng = np.random.default_rng(env.seed)
    lo, hi = (-(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1) if signed else (0, (1 << in_bits) - 1)
    # Mostly values right around a threshold (both sides of each), plus the full range and both ends.
    near = rng.choice(-thr if negate else thr, size=(n, lanes)) + rng.integers(-2, 3, size=(n, lanes))
    x = np.clip(np.where(rng.random((n, lanes)) < 0.6, near, rng.integers(lo, hi + 1, size=(n, lanes))), lo, hi)
    x[0, :], x[1, :] = lo, hi
    val = -x if negate else x
    # the model: the definition, out_lo + #{k : val >= T_k}
    y = out_lo + (val[:, :, None] >= thr[None, None, :]).sum(axis=2)
    n_elems = read_param(dut, "N")
    if n_elems:  # vectors of N elements: the padding lanes of each vector's last beat must give 0
        nb = ceil_div(n_elems, lanes)
        last = n_elems - (nb - 1) * lanes
        y[(np.arange(n) % nb == nb - 1)[:, None] & (np.arange(lanes) >= last)[None, :]] = 0
    mask = (1 << out_bits) - 1
    sb = Scoreboard("m_axis", [pack_lanes([int(v) & mask for v in r], out_bits) for r in y],
                    fmt=lambda w: f"{w:#x} codes={unpack_lanes(w, lanes, out_bits)}")
    src, sink = await stream_through(env, [pack_lanes(r, in_bits) for r in x], sb, gap, ready)
    return src, sink


@cocotb.test()
async def multithreshold_random(dut) -> None:
    """Random gaps/backpressure: each output code equals out_lo + #{k : (negate ? -x : x) >= T_k}."""
    await _multithreshold(dut, "random", 300, gap=0.3, ready=0.5)


@cocotb.test()
async def multithreshold_throughput(dut) -> None:
    """No gaps, always ready: one beat per cycle."""
    src, sink = await _multithreshold(dut, "throughput", 64, gap=0.0, ready=1.0)
    assert set(intervals([c for c, _ in sink.beats])) == {1}
    assert set(intervals([c for c, _ in src.sent])) == {1}
