"""cocotb test of the combinational core bnnc_popcount (run through test_popcount.py)."""

from __future__ import annotations

import random

import cocotb
from cocotb.triggers import Timer

from compiler.runtime.sim.axis import get_seed, read_param


async def _settle() -> None:
    await Timer(1, unit="ns")


@cocotb.test()
async def popcount_matches_model(dut) -> None:
    """count == number of ones, exhaustively for WIDTH <= 10, else 2000 random words plus corners."""
    width = read_param(dut, "WIDTH")
    rng = random.Random(get_seed("popcount"))
    if width <= 10:
        words = list(range(1 << width))
    else:
        words = [0, (1 << width) - 1, 0x5555555555555555 & ((1 << width) - 1)]
        words += [rng.getrandbits(width) for _ in range(2000)]
    for i, word in enumerate(words):
        dut.bits.value = word
        await _settle()
        got = int(dut.count.value)
        exp = word.bit_count()
        assert got == exp, f"popcount WIDTH={width}: input {i} {word:#x}: expected {exp}, actual {got}"
