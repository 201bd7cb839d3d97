"""cocotb tests of bnnc_affine_serial (run through test_affine_serial.py): the final affine on one shared unit."""

from __future__ import annotations

import os

import cocotb
import numpy as np

from compiler.bits import chunk_lanes, pack_lanes, unpack_lanes
from compiler.cores.affine_serial import affine_serial_model
from cocotb_tests.cores._stream_tb import stream_through
from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, intervals, read_param


def _wrap(v: int, bits: int) -> int:
    """The low ``bits`` bits of ``v`` as a two's complement value (what an OUT_BITS lane holds)."""
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


async def _run(dut, name: str, n_vec: int, gap: float, ready: float) -> tuple[AxisSource, AxisSink]:
    n = read_param(dut, "N")
    lanes = read_param(dut, "LANES")
    acc_bits = read_param(dut, "ACC_BITS")
    mode = read_param(dut, "MODE")
    a_shift = read_param(dut, "A_SHIFT")
    shift = read_param(dut, "SHIFT")
    out_bits = read_param(dut, "OUT_BITS")
    data = np.load(os.environ["BNNC_TB_DATA"])
    b = data["offset"]
    a = data["scale"] if mode == 1 else np.full(n, 1 << a_shift, dtype=np.int64)
    assert b.shape == a.shape == (n,), "the test data must match the DUT's N"
    env = AxisEnv(dut, seed_name=f"affine_serial.{name}")
    rng = np.random.default_rng(env.seed)
    lo, hi = -(1 << (acc_bits - 1)), (1 << (acc_bits - 1)) - 1
    acc = rng.integers(lo, hi + 1, size=(n_vec, n))
    acc[0, :], acc[1, :] = lo, hi  # the extremes of the accumulator range
    scores = affine_serial_model(acc, a[None, :], b[None, :], shift)
    in_beats = []
    for vec in acc:
        vb = [pack_lanes(x, acc_bits) for x in chunk_lanes(vec.tolist(), lanes)]
        pad = -n % lanes
        if pad:  # junk in the padding lanes of the last beat: must be ignored
            vb[-1] |= int(rng.integers(1, 1 << min(62, pad * acc_bits))) << ((lanes - pad) * acc_bits)
        in_beats += vb
    expected = [pack_lanes([_wrap(int(s), out_bits)], out_bits) for s in scores.reshape(-1)]
    sb = Scoreboard("m_axis", expected,
                    fmt=lambda w: f"{w:#x} score={unpack_lanes(w, 1, out_bits, signed=True)[0]}")
    return await stream_through(env, in_beats, sb, gap, ready)


@cocotb.test()
async def affine_serial_random(dut) -> None:
    """Random accumulators, input gaps and output backpressure: every score equals (A*acc + B) >> SHIFT."""
    await _run(dut, "random", 40, gap=0.3, ready=0.5)


@cocotb.test()
async def affine_serial_throughput(dut) -> None:
    """No gaps, always ready: one score per cycle, so a vector costs exactly N cycles."""
    _, sink = await _run(dut, "throughput", 12, gap=0.0, ready=1.0)
    assert set(intervals([c for c, _ in sink.beats])) == {1}
