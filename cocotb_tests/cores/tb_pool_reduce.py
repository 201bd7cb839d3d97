"""cocotb tests of bnnc_pool_reduce (run through test_pool_reduce.py).

Driver (AxisSource), monitor + scoreboard (AxisSink/Scoreboard) from compiler.runtime.sim.axis; the
model is compiler.kernels.pool_windows, with bits converted through compiler.bits (EW = 1: bipolar
maps, OR / AND; EW >= 2: EW-bit codes, two's complement when SIGNED, max / min). The DUT's parameters
are read back from the DUT, the pool geometry (kernel, stride, map) from the environment (BNNC_TB_POOL_*).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import cocotb
import numpy as np

from compiler import bits, kernels
from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, intervals, read_param


@dataclass
class PoolDut:
    ch: int
    win: int
    lanes: int
    and_mask: int
    k: int
    stride: int
    ifm_h: int
    ifm_w: int
    ew: int = 1
    signed: bool = False

    @property
    def cpb(self) -> int:
        return self.ch // self.lanes


def read_pool(dut) -> PoolDut:
    cfg = PoolDut(
        ch=read_param(dut, "CH"), win=read_param(dut, "WIN"), lanes=read_param(dut, "LANES"),
        and_mask=read_param(dut, "AND_MASK"), ew=read_param(dut, "EW"), signed=bool(read_param(dut, "SIGNED")),
        k=int(os.environ["BNNC_TB_POOL_K"]), stride=int(os.environ["BNNC_TB_POOL_S"]),
        ifm_h=int(os.environ["BNNC_TB_POOL_H"]), ifm_w=int(os.environ["BNNC_TB_POOL_W"]),
    )
    assert cfg.win == cfg.k * cfg.k, f"DUT WIN={cfg.win} but pool kernel {cfg.k}"
    cocotb.log.info(f"bnnc_pool_reduce {cfg}")
    return cfg


def pool_stimulus(cfg: PoolDut, rng: np.random.Generator, n_img: int) -> tuple[list[int], list[int], int]:
    """Random maps -> (input beats: each output pixel's WIN*CH elements in (position, channel) order,
    expected output beats, output pixels). EW = 1: bipolar maps, the model takes max (OR channels) or
    min (AND channels) of the pool_windows views in the bipolar domain; EW >= 2: EW-bit codes (the whole
    signed or unsigned range), max, or min in AND_MASK's channels."""
    shape = (n_img, cfg.ifm_h, cfg.ifm_w, cfg.ch)
    if cfg.ew == 1:
        # Biased maps so both the all-(-1) and all-(+1) windows occur for OR and AND.
        p1 = rng.choice([0.15, 0.5, 0.85], size=(1, 1, 1, cfg.ch))
        x = bits.from_bits((rng.random(shape) < p1).astype(np.uint8))
    else:
        lo, hi = (-(1 << (cfg.ew - 1)), (1 << (cfg.ew - 1)) - 1) if cfg.signed else (0, (1 << cfg.ew) - 1)
        # Per channel: the whole range, or a narrow band at either end (so the extremes win whole windows).
        band = rng.integers(0, 3, size=(1, 1, 1, cfg.ch))
        u = rng.integers(lo, hi + 1, size=shape)
        x = np.where(band == 1, np.minimum(u, lo + 1), np.where(band == 2, np.maximum(u, hi - 1), u))
    views = kernels.pool_windows(x, cfg.k, cfg.stride)            # WIN arrays (N, OH, OW, CH)
    stack = np.stack(views, axis=3)                               # (N, OH, OW, WIN, CH)
    and_ch = np.array([(cfg.and_mask >> c) & 1 for c in range(cfg.ch)], dtype=bool)
    y = np.where(and_ch, stack.min(axis=3), stack.max(axis=3))    # (N, OH, OW, CH)
    if cfg.ew == 1:
        pix_in = bits.to_bits(stack).reshape(-1, cfg.win * cfg.ch)
        pix_out = bits.to_bits(y).reshape(-1, cfg.ch)
    else:
        pix_in, pix_out = stack.reshape(-1, cfg.win * cfg.ch), y.reshape(-1, cfg.ch)
    in_beats = [bits.pack_lanes(b, cfg.ew) for v in pix_in for b in bits.chunk_lanes(v.tolist(), cfg.lanes)]
    out_beats = [bits.pack_lanes(b, cfg.ew) for v in pix_out for b in bits.chunk_lanes(v.tolist(), cfg.lanes)]
    return in_beats, out_beats, pix_out.shape[0]


async def _pool(dut, name: str, n_img: int, gap: float, ready: float) -> tuple[PoolDut, AxisSource, AxisSink, int]:
    cfg = read_pool(dut)
    env = AxisEnv(dut, seed_name=f"pool.{name}")
    rng = np.random.default_rng(env.seed)
    in_beats, out_beats, n_pix = pool_stimulus(cfg, rng, n_img)
    sb = Scoreboard("m_axis", out_beats, fmt=lambda w: f"{w:#x} lanes={bits.unpack_lanes(w, cfg.lanes, cfg.ew, cfg.signed)}")
    src = AxisSource(env, "s_axis", gap_prob=gap)
    sink = AxisSink(env, "m_axis", ready_prob=ready, scoreboard=sb)
    await env.reset()
    src.send(in_beats)
    await env.run_until(lambda: sb.done, timeout_cycles=200)
    await env.cycles(20)
    sb.assert_done()
    return cfg, src, sink, n_pix


@cocotb.test()
async def pool_random(dut) -> None:
    """Random gaps/backpressure: each output element is the AND/OR (min/max) of its pool window."""
    await _pool(dut, "random", n_img=3, gap=0.3, ready=0.5)


@cocotb.test()
async def pool_stall(dut) -> None:
    """Output mostly stalled while the input floods: nothing lost or duplicated."""
    await _pool(dut, "stall", n_img=1, gap=0.05, ready=0.15)


@cocotb.test()
async def pool_throughput(dut) -> None:
    """No gaps, always ready: one input beat per cycle, one output pixel every WIN*CH/LANES cycles."""
    cfg, src, sink, n_pix = await _pool(dut, "throughput", n_img=2, gap=0.0, ready=1.0)
    assert set(intervals([c for c, _ in src.sent])) == {1}
    last = [sink.beats[(k + 1) * cfg.cpb - 1][0] for k in range(n_pix)]
    assert set(intervals(last)) == {cfg.win * cfg.cpb}, f"pixel intervals {intervals(last)}"
    # Output beat b of a pixel leaves the cycle after input beat (WIN-1)*CPB + b.
    per_pix = cfg.win * cfg.cpb
    for k in range(n_pix):
        for b in range(cfg.cpb):
            assert sink.beats[k * cfg.cpb + b][0] == src.sent[k * per_pix + (cfg.win - 1) * cfg.cpb + b][0] + 1
