"""cocotb test of the combinational core bnnc_dot_lane (run through test_dot_lane.py)."""

from __future__ import annotations

import random

import cocotb
from cocotb.triggers import Timer

from compiler.bits import pack_lanes
from compiler.runtime.sim.axis import get_seed, read_param


async def _settle() -> None:
    await Timer(1, unit="ns")


@cocotb.test()
async def dot_lane_matches_model(dut) -> None:
    """dot == sum over enabled lanes of xnor (binary) or w ? x : -x (integer; ONES: ~x), modulo 2**DOT_BITS; with
    WEIGHT_BITS >= 2 of x ? w : -w (binary) or x * w (integer), w a two's complement code."""
    simd = read_param(dut, "SIMD")
    binary = read_param(dut, "BINARY_IN") == 1
    in_bits = read_param(dut, "IN_BITS")
    signed = read_param(dut, "IN_SIGNED") == 1
    dot_bits = read_param(dut, "DOT_BITS")
    ones = read_param(dut, "ONES") == 1
    wb = read_param(dut, "WEIGHT_BITS")
    wlo, whi = (0, 1) if wb == 1 else (-(1 << (wb - 1)), (1 << (wb - 1)) - 1)
    rng = random.Random(get_seed("dot_lane"))
    mask = (1 << dot_bits) - 1
    if binary:
        lo, hi, lw = 0, 1, 1
    elif signed:
        lo, hi, lw = -(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1, in_bits
    else:
        lo, hi, lw = 0, (1 << in_bits) - 1, in_bits
    for i in range(1500):
        kind = i % 5
        x = [rng.choice((lo, hi)) if kind == 0 else rng.randint(lo, hi) for _ in range(simd)]
        w = [rng.choice((wlo, whi)) if kind == 0 else rng.randint(wlo, whi) for _ in range(simd)]
        en = [1] * simd if kind in (0, 1) else [rng.randint(0, 1) for _ in range(simd)]
        if wb >= 2:  # codes: x ? w : -w (binary, x = 1 is +1) or x * w
            exp = sum((b if a else -b) if binary else a * b for a, b, e in zip(x, w, en) if e)
        elif binary:
            exp = sum(1 for a, b, e in zip(x, w, en) if e and a == b)
        else:
            exp = sum((a if b else -a - ones) for a, b, e in zip(x, w, en) if e)  # ones: ~a = -a - 1
        dut.x.value = pack_lanes(x, lw)
        dut.w.value = pack_lanes(w, wb)
        dut.lane_en.value = pack_lanes(en, 1)
        await _settle()
        got = int(dut.dot.value)
        assert got == exp & mask, (
            f"dot_lane case {i}: x={x} w={w} en={en}: expected {exp} (mod 2**{dot_bits} = {exp & mask}), actual {got}"
        )
