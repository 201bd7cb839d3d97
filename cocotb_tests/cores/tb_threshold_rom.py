"""cocotb tests of bnnc_threshold_rom (run through test_threshold_rom.py)."""

from __future__ import annotations

import os

import cocotb
import numpy as np

from cocotb_tests.cores._stream_tb import stream_through
from compiler.arith import ceil_div
from compiler.bits import chunk_lanes, pack_lanes, unpack_lanes
from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, intervals, read_param


async def _threshold_rom(dut, name: str, n_vec: int, gap: float, ready: float) -> tuple[AxisSource, AxisSink, int]:
    lanes = read_param(dut, "LANES")
    in_bits = read_param(dut, "IN_BITS")
    signed = read_param(dut, "IN_SIGNED") == 1
    n = read_param(dut, "N")
    data = np.load(os.environ["BNNC_TB_DATA"])
    thr, neg = data["thresholds"], data["negate"]
    assert thr.shape == (n,), "the test data must match the DUT's N"
    env = AxisEnv(dut, seed_name=f"threshold_rom.{name}")
    rng = np.random.default_rng(env.seed)
    lo, hi = (-(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1) if signed else (0, (1 << in_bits) - 1)
    target = np.where(neg, -thr, thr)
    near = target[None, :] + rng.integers(-2, 3, size=(n_vec, n))
    x = np.clip(np.where(rng.random((n_vec, n)) < 0.6, near, rng.integers(lo, hi + 1, size=(n_vec, n))), lo, hi)
    y = (np.where(neg, -x, x) >= thr).astype(int)
    in_beats, out_beats = [], []
    for xv, yv in zip(x, y):
        ib = [pack_lanes(b, in_bits) for b in chunk_lanes(xv.tolist(), lanes)]
        pad = -n % lanes
        if pad:  # junk in the input padding lanes must not reach the output (padding lanes are 0)
            ib[-1] |= int(rng.integers(1, 1 << min(62, pad * in_bits))) << ((lanes - pad) * in_bits)
        in_beats += ib
        out_beats += [pack_lanes(b, 1) for b in chunk_lanes(yv.tolist(), lanes)]
    sb = Scoreboard("m_axis", out_beats, fmt=lambda w: f"{w:#x} bits={unpack_lanes(w, lanes, 1)}")
    src, sink = await stream_through(env, in_beats, sb, gap, ready)
    return src, sink, ceil_div(n, lanes)


@cocotb.test()
async def threshold_rom_random(dut) -> None:
    """Random gaps/backpressure: bit e of each vector equals (negate[e] ? -x : x) >= T[e]; padding lanes 0."""
    await _threshold_rom(dut, "random", 60, gap=0.3, ready=0.5)


@cocotb.test()
async def threshold_rom_throughput(dut) -> None:
    """No gaps, always ready: one beat per cycle across vector boundaries."""
    src, sink, _ = await _threshold_rom(dut, "throughput", 20, gap=0.0, ready=1.0)
    assert set(intervals([c for c, _ in sink.beats])) == {1}
    assert set(intervals([c for c, _ in src.sent])) == {1}
