"""cocotb test of bnnc_rom (run through test_rom.py).

A driver puts a random address and a random read enable on the inputs every cycle; the model
(the words of the same ROM image file the DUT loads) predicts
``q`` for every cycle: word ``addr`` in the same cycle when REGISTERED = 0, else the word of the
last enabled cycle's address; a scoreboard compares every cycle exactly. WIDTH, DEPTH and
REGISTERED are read back from the DUT.
"""

from __future__ import annotations

import os
from pathlib import Path

import cocotb
from cocotb.triggers import FallingEdge, Timer

from compiler.runtime.sim.axis import AxisEnv, Scoreboard, read_param


def rom_words(path: Path, width: int, depth: int) -> list[int]:
    """The ROM image: one hex word per line, masked to ``width`` bits."""
    words = [int(line, 16) & ((1 << width) - 1) for line in path.read_text().split()]
    assert len(words) == depth, f"{path} holds {len(words)} words, not DEPTH = {depth}"
    return words


@cocotb.test()
async def rom_matches_image(dut) -> None:
    """q equals the image's word at the address: combinational, or registered on en."""
    width = read_param(dut, "WIDTH")
    depth = read_param(dut, "DEPTH")
    registered = read_param(dut, "REGISTERED")
    words = rom_words(Path(os.environ["BNNC_TB_DATA"]), width, depth)
    env = AxisEnv(dut, rst_n=None, seed_name=f"rom.{width}.{depth}.{registered}")
    rng = env.rng("stimulus")
    sb = Scoreboard("q")
    # every address at least once in order (both ends included), then random ones
    addrs = list(range(depth)) + [rng.randrange(depth) for _ in range(4 * depth + 64)]
    held: int | None = None  # the registered word, once loaded
    dut.addr.value = 0
    dut.en.value = 0
    checked = 0
    for a in addrs:
        await FallingEdge(dut.clk)
        en = 1 if rng.random() < 0.7 else 0
        dut.addr.value = a
        dut.en.value = en
        await Timer(1, unit="ns")
        if registered:
            if held is not None:
                sb.add_expected([held])
                sb.check(int(dut.q.value), env.cycle)
                checked += 1
            if en:  # loads at the coming rising edge
                held = words[a]
        else:
            sb.add_expected([words[a]])
            sb.check(int(dut.q.value), env.cycle)
            checked += 1
    sb.assert_done()
    assert checked >= 0.6 * len(addrs), f"only {checked} cycles checked"
