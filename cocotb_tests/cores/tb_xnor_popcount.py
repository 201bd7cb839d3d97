"""cocotb tests of bnnc_xnor_popcount (run through test_xnor_popcount.py).

A driver puts a new (x, w, en) on the inputs every cycle, a reference model
(numpy popcount of xnor, plus a LATENCY-deep shift register clocked by en)
predicts ``count`` for every cycle, and a scoreboard compares each cycle's
``count`` exactly. LATENCY is read back from the DUT.
"""

from __future__ import annotations

from collections import deque

import cocotb
import numpy as np
from cocotb.triggers import FallingEdge, Timer

from compiler.cores.mvtu import xnor_popcount_stages
from compiler.runtime.sim.axis import AxisEnv, Scoreboard, read_param


def xnor_popcount(x: int, w: int, width: int) -> int:
    """Reference: numpy popcount of xnor(x, w) over ``width`` lanes."""
    nbytes = (width + 7) // 8
    xa = np.frombuffer(x.to_bytes(nbytes, "little"), dtype=np.uint8)
    wa = np.frombuffer(w.to_bytes(nbytes, "little"), dtype=np.uint8)
    ma = np.frombuffer(((1 << width) - 1).to_bytes(nbytes, "little"), dtype=np.uint8)
    return int(np.bitwise_count(~(xa ^ wa) & ma).sum())


def _vectors(rng, width: int, n: int) -> list[tuple[int, int]]:
    """Corners (all lanes agree / disagree, single lanes) then random words of varying bias."""
    mask = (1 << width) - 1
    out = [(0, 0), (mask, mask), (0, mask), (mask, 0)]
    out += [(1 << i, 0) for i in range(min(width, 8))] + [(1 << (width - 1), 1 << (width - 1))]
    while len(out) < n:
        x = rng.getrandbits(width)
        kind = len(out) % 3
        if kind == 0:
            w = rng.getrandbits(width)
        else:  # w close to x (high counts) or to ~x (low counts)
            flips = 0
            for _ in range(rng.randint(0, 3)):
                flips |= 1 << rng.randrange(width)
            w = (x ^ flips) if kind == 1 else (~x ^ flips) & mask
        out.append((x, w))
    return out


def expected_latency(width: int, pipe: int) -> int:
    """Register ranks: stages 0..NS registered when (s + 1) % PIPE == 0, plus the count (PIPE >= 1)."""
    if pipe == 0:
        return 0
    return 1 + sum(1 for s in range(xnor_popcount_stages(width) + 1) if (s + 1) % pipe == 0)


@cocotb.test()
async def xnor_popcount_matches_model(dut) -> None:
    """count == popcount(xnor(x, w)), LATENCY enabled cycles later, every cycle, with a random clock enable."""
    width = read_param(dut, "WIDTH")
    pipe = read_param(dut, "PIPE")
    latency = read_param(dut, "LATENCY")
    assert latency == expected_latency(width, pipe), f"LATENCY {latency} for WIDTH={width} PIPE={pipe}"
    assert len(dut.count) == width.bit_length(), f"count has {len(dut.count)} bits, expected {width.bit_length()}"

    env = AxisEnv(dut, rst_n=None, seed_name=f"xnor_popcount.{width}.{pipe}")
    rng = env.rng("stimulus")
    vectors = _vectors(rng, width, 600)
    sb = Scoreboard("count", fmt=str)
    pipeline: deque[int | None] = deque([None] * latency)  # model registers, newest first
    dut.x.value = 0
    dut.w.value = 0
    dut.en.value = 0
    checked = 0
    driven = vectors + [(0, 0)] * (latency + 1)  # trailing words flush the pipeline
    for i, (x, w) in enumerate(driven):
        await FallingEdge(dut.clk)
        if latency == 0:
            await Timer(1, unit="ns")
        expected = pipeline[-1] if latency else (xnor_popcount(*driven[i - 1], width) if i else None)
        if expected is not None:
            sb.add_expected([expected])
            sb.check(int(dut.count.value), env.cycle)
            checked += 1
        en = 1 if pipe == 0 or rng.random() < 0.8 else 0
        dut.x.value = x
        dut.w.value = w
        dut.en.value = en
        if latency and en:  # the coming rising edge shifts the model pipeline
            pipeline.appendleft(xnor_popcount(x, w, width))
            pipeline.pop()
    sb.assert_done()
    assert checked >= len(vectors) * (0.7 if latency else 1.0), f"only {checked} cycles checked"
