"""cocotb tests of bnnc_width_converter (run through test_width_converter.py)."""

from __future__ import annotations

import cocotb
import numpy as np

from cocotb_tests.cores._stream_tb import stream_through
from compiler.arith import ceil_div
from compiler.bits import chunk_lanes, pack_lanes, unpack_lanes
from compiler.cores.width_converter import up_copy
from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, intervals, read_param


async def _wconv(dut, name: str, n_vec: int, gap: float, ready: float) -> tuple[AxisSource, AxisSink, int, int]:
    n = read_param(dut, "N")
    ew = read_param(dut, "EW")
    il = read_param(dut, "IN_LANES")
    ol = read_param(dut, "OUT_LANES")
    # the structure the core chose is the one the resource model prices
    assert read_param(dut, "IS_COPY") == int(up_copy(n, il, ol)), (n, il, ol)
    env = AxisEnv(dut, seed_name=f"wconv.{name}")
    rng = np.random.default_rng(env.seed)
    vecs = rng.integers(0, 1 << ew, size=(n_vec, n))
    in_beats, out_beats = [], []
    for vec in vecs:
        ib = [pack_lanes(b, ew) for b in chunk_lanes(vec.tolist(), il)]
        pad = -n % il
        if pad:  # junk in input padding lanes: must not leak into the output
            ib[-1] |= int(rng.integers(1, 1 << min(62, pad * ew))) << ((il - pad) * ew)
        in_beats += ib
        out_beats += [pack_lanes(b, ew) for b in chunk_lanes(vec.tolist(), ol)]
    sb = Scoreboard("m_axis", out_beats, fmt=lambda w: f"{w:#x} lanes={unpack_lanes(w, ol, ew)}")
    src, sink = await stream_through(env, in_beats, sb, gap, ready)
    return src, sink, ceil_div(n, il), ceil_div(n, ol)


@cocotb.test()
async def width_converter_random(dut) -> None:
    """Random gaps/backpressure: output beats equal the re-chunked vectors, padding lanes 0."""
    await _wconv(dut, "random", 80, gap=0.3, ready=0.5)


@cocotb.test()
async def width_converter_throughput(dut) -> None:
    """No gaps, always ready: each vector takes max(input beats, output beats) cycles."""
    src, sink, n_in, n_out = await _wconv(dut, "throughput", 40, gap=0.0, ready=1.0)
    per_vec = max(n_in, n_out)
    last_out = [sink.beats[(k + 1) * n_out - 1][0] for k in range(len(sink.beats) // n_out)]
    assert set(intervals(last_out)) == {per_vec}, f"output vector intervals {intervals(last_out)}, expected {per_vec}"
    # The input may run ahead while the buffer fills; after that it follows the output.
    first_in = [src.sent[k * n_in][0] for k in range(len(src.sent) // n_in)]
    steady = intervals(first_in)[3:]
    assert set(steady) == {per_vec}, f"input vector intervals {intervals(first_in)}, expected {per_vec} after fill"
