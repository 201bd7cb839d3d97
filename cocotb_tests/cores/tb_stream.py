"""cocotb tests of the streaming cores bnnc_threshold, bnnc_argmax and bnnc_width_converter
(run through test_stream.py; each build runs only the tests of its core)."""

from __future__ import annotations

import os

import cocotb
import numpy as np

from compiler.arith import ceil_div
from compiler.bits import chunk_lanes, pack_lanes, unpack_lanes
from compiler.hw.builder import dwc_up_copy
from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, intervals, read_param

async def _stream_through(env: AxisEnv, beats, sb: Scoreboard, gap: float,  # type: ignore[no-untyped-def]
                          ready: float) -> tuple[AxisSource, AxisSink]:
    """Reset, send ``beats`` with random input gaps into s_axis, score m_axis under random backpressure."""
    src = AxisSource(env, "s_axis", gap_prob=gap)
    sink = AxisSink(env, "m_axis", ready_prob=ready, scoreboard=sb)
    await env.reset()
    src.send(beats)
    await env.run_until(lambda: sb.done, timeout_cycles=100)
    await env.cycles(10)  # extra beats after the last expected one are mismatches too
    sb.assert_done()
    return src, sink


# ---------------------------------------------------------------- bnnc_threshold


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
    src, sink = await _stream_through(env, [pack_lanes(r, in_bits) for r in x], sb, gap, ready)
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


# ---------------------------------------------------------------- bnnc_threshold_rom


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
    src, sink = await _stream_through(env, in_beats, sb, gap, ready)
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


# ---------------------------------------------------------------- bnnc_argmax


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
    src, sink = await _stream_through(env, beats, sb, gap, ready)
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


# ---------------------------------------------------------------- bnnc_width_converter


async def _wconv(dut, name: str, n_vec: int, gap: float, ready: float) -> tuple[AxisSource, AxisSink, int, int]:
    n = read_param(dut, "N")
    ew = read_param(dut, "EW")
    il = read_param(dut, "IN_LANES")
    ol = read_param(dut, "OUT_LANES")
    # the structure the core chose is the one the resource model prices
    assert read_param(dut, "IS_COPY") == int(dwc_up_copy(n, il, ol)), (n, il, ol)
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
    src, sink = await _stream_through(env, in_beats, sb, gap, ready)
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
