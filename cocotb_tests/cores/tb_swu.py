"""cocotb tests of bnnc_swu, the sliding-window unit (run through test_swu.py).

Driver (AxisSource), monitor + scoreboard (AxisSink/Scoreboard) from compiler.runtime.sim.axis; the
model is compiler.kernels.im2col, with bits converted through compiler.bits. The DUT's parameters
are read back from the DUT.
"""

from __future__ import annotations

from dataclasses import dataclass

import cocotb
import numpy as np
from cocotb.triggers import ReadOnly, RisingEdge

from compiler import bits, kernels
from compiler.cores.swu import row_beats, swu_line_rows, work_width
from compiler.runtime.sim.axis import AxisEnv, AxisMonitor, AxisSink, AxisSource, Scoreboard, intervals, read_param


# ---------------------------------------------------------------- shared geometry (also used by test_swu.py)


@dataclass(frozen=True)
class SwuGeometry:
    """Everything bnnc_swu's documentation derives from its parameters."""

    ifm_h: int
    ifm_w: int
    ch: int
    k_h: int
    k_w: int
    stride: int
    pad: int
    lanes: int
    in_cycles: int = 0   # IN_CYCLES: the producer's cycles per image the ring is sized for (0: a beat a cycle)
    out_cycles: int = 0  # OUT_CYCLES: the consumer's

    @property
    def out_hw(self) -> tuple[int, int]:
        """(OH, OW)."""
        return kernels.conv_out_hw(self.ifm_h, self.ifm_w, self.k_h, self.k_w, self.stride, self.pad)

    @property
    def cpb(self) -> int:
        return self.ch // self.lanes

    @property
    def in_beats(self) -> int:
        """Input beats per image."""
        return self.ifm_h * self.ifm_w * self.cpb

    @property
    def out_beats(self) -> int:
        """Output beats per image."""
        oh, ow = self.out_hw
        return oh * ow * self.k_h * self.k_w * self.cpb

    @property
    def interval(self) -> int:
        """Steady-state cycles per image (input always valid, output always ready)."""
        return max(self.in_beats, self.out_beats)

    @property
    def paced_interval(self) -> int:
        """Steady-state cycles per image with a producer that needs IN_CYCLES per image and a consumer that
        needs OUT_CYCLES (each spreading its beats evenly, never catching up a beat it lost)."""
        return max(self.interval, self.in_cycles, self.out_cycles)

    @property
    def need0(self) -> int:
        """Image rows the first output row needs."""
        oh, _ = self.out_hw
        used = min(self.ifm_h, (oh - 1) * self.stride - self.pad + self.k_h)
        return min(used, self.k_h - self.pad)

    @property
    def latency(self) -> int:
        """Cycles from the first input beat taken to the first output beat valid (empty unit)."""
        return self.need0 * self.ifm_w * self.cpb + 3 if self.need0 > 0 else 4

    @property
    def touches(self) -> bool:
        """Some window covers an image row (bnnc_swu rejects parameters where every window is padding)."""
        oh, _ = self.out_hw
        used = min(self.ifm_h, (oh - 1) * self.stride - self.pad + self.k_h)
        return any(min(used, oy * self.stride - self.pad + self.k_h) > max(0, oy * self.stride - self.pad)
                   for oy in range(oh))

    @property
    def line_rows(self) -> int:
        """Rows of the line buffer ring."""
        return swu_line_rows(self.ifm_h, self.ifm_w, self.cpb, self.k_h, self.k_w, self.stride, self.pad,
                             self.in_cycles, self.out_cycles)



# ---------------------------------------------------------------- bnnc_swu


@dataclass
class SwuDut:
    geo: SwuGeometry
    ew: int
    pad_val: int


def read_swu(dut) -> SwuDut:
    geo = SwuGeometry(
        ifm_h=read_param(dut, "IFM_H"), ifm_w=read_param(dut, "IFM_W"), ch=read_param(dut, "CH"),
        k_h=read_param(dut, "K_H"), k_w=read_param(dut, "K_W"), stride=read_param(dut, "STRIDE"),
        pad=read_param(dut, "PAD"), lanes=read_param(dut, "LANES"),
        in_cycles=read_param(dut, "IN_CYCLES"), out_cycles=read_param(dut, "OUT_CYCLES"),
    )
    cfg = SwuDut(geo=geo, ew=read_param(dut, "EW"), pad_val=read_param(dut, "PAD_VAL"))
    rows = read_param(dut, "NROWS")  # the Verilog function's result equals the Python mirror's
    assert rows == geo.line_rows, f"DUT line buffer rows {rows}, swu_line_rows says {geo.line_rows}"
    # the resource model's mirrors of the working width and the row length (row_pipe_bits)
    shape = (geo.ifm_h, geo.ifm_w, geo.ch, geo.k_h, geo.k_w, geo.stride, geo.pad, geo.lanes)
    xw = work_width(*shape, geo.in_cycles, geo.out_cycles)
    assert read_param(dut, "XW") == xw, (read_param(dut, "XW"), xw)
    assert read_param(dut, "ROW_BEATS") == row_beats(*shape), (read_param(dut, "ROW_BEATS"), row_beats(*shape))
    cocotb.log.info(f"bnnc_swu {cfg}: out {geo.out_hw}, beats in/out {geo.in_beats}/{geo.out_beats}, "
                    f"line rows {geo.line_rows}")
    return cfg


def swu_stimulus(cfg: SwuDut, rng: np.random.Generator, n_img: int) -> tuple[list[int], list[int]]:
    """Random images -> (input beats, expected output beats).

    EW = 1: bipolar maps (bit 0 = -1), windows taken in the bipolar domain with the pad
    value from_bits(PAD_VAL), then back to bits. EW > 1: signed EW-bit values, pad value
    PAD_VAL read as two's complement.
    """
    g = cfg.geo
    shape = (n_img, g.ifm_h, g.ifm_w, g.ch)
    if cfg.ew == 1:
        x = bits.from_bits(rng.integers(0, 2, size=shape))
        cols = bits.to_bits(kernels.im2col(x, g.k_h, g.k_w, g.stride, g.pad, int(bits.from_bits(np.array(cfg.pad_val)))))
        x_lanes = bits.to_bits(x)
    else:
        lo, hi = -(1 << (cfg.ew - 1)), (1 << (cfg.ew - 1)) - 1
        x = rng.integers(lo, hi + 1, size=shape)
        x.reshape(n_img, -1)[:, :2] = [lo, hi]  # extremes in every image
        pv = bits.unpack_lanes(cfg.pad_val, 1, cfg.ew, signed=True)[0]
        cols = kernels.im2col(x, g.k_h, g.k_w, g.stride, g.pad, pv)
        x_lanes = x
    in_beats = [bits.pack_lanes(b, cfg.ew) for img in x_lanes for b in bits.chunk_lanes(img.reshape(-1).tolist(), g.lanes)]
    out_beats = [bits.pack_lanes(b, cfg.ew) for img in cols for b in bits.chunk_lanes(img.reshape(-1).tolist(), g.lanes)]
    assert len(in_beats) == n_img * g.in_beats and len(out_beats) == n_img * g.out_beats
    return in_beats, out_beats


def _swu_fmt(cfg: SwuDut):
    def fmt(word: int) -> str:
        return f"{word:#x} lanes={bits.unpack_lanes(word, cfg.geo.lanes, cfg.ew)}"

    return fmt


async def _swu(dut, name: str, n_img: int, gap: float, ready: float) -> tuple[SwuDut, AxisSource, AxisSink]:
    cfg = read_swu(dut)
    g = cfg.geo
    env = AxisEnv(dut, seed_name=f"swu.{name}")
    rng = np.random.default_rng(env.seed)
    in_beats, out_beats = swu_stimulus(cfg, rng, n_img)
    sb = Scoreboard("m_axis", out_beats, fmt=_swu_fmt(cfg))
    src = AxisSource(env, "s_axis", gap_prob=gap)
    sink = AxisSink(env, "m_axis", ready_prob=ready, scoreboard=sb)
    await env.reset()
    src.send(in_beats)
    await env.run_until(lambda: sb.done, timeout_cycles=200 + 4 * g.interval)
    await env.cycles(2 * g.interval + 20)  # nothing extra may come out
    sb.assert_done()
    assert not src.pending, f"{len(src.queue)} input beats never taken"
    return cfg, src, sink


@cocotb.test()
async def swu_random(dut) -> None:
    """Random input gaps and output backpressure over several images: every window beat equals im2col's."""
    await _swu(dut, "random", n_img=3, gap=0.3, ready=0.5)


@cocotb.test()
async def swu_stall(dut) -> None:
    """Output mostly stalled while the input floods: no beat lost, duplicated or overwritten in the ring."""
    await _swu(dut, "stall", n_img=2, gap=0.05, ready=0.15)


@cocotb.test()
async def swu_throughput(dut) -> None:
    """No gaps, always ready: max(in, out) beats per image in steady state; first-output latency as documented."""
    n_img = 6
    cfg, src, sink = await _swu(dut, "throughput", n_img=n_img, gap=0.0, ready=1.0)
    g = cfg.geo
    last_out = [sink.beats[(k + 1) * g.out_beats - 1][0] for k in range(n_img)]
    first_in = [src.sent[k * g.in_beats][0] for k in range(n_img)]
    iv_out, iv_in = intervals(last_out), intervals(first_in)
    cocotb.log.info(f"image intervals out {iv_out}, in {iv_in}; expected {g.interval}")
    # Periodic from the third image on (the first ones fill the ring): the busier side
    # moves a beat every cycle, so an image takes exactly max(in, out) cycles.
    assert set(iv_out[2:]) == {g.interval}, f"output image intervals {iv_out}, expected {g.interval} in steady state"
    if g.out_beats >= g.in_beats:
        steady = [c for c, _ in sink.beats[2 * g.out_beats:]]
        assert set(intervals(steady)) == {1}, f"output paused in steady state: {intervals(steady)}"
    if g.in_beats >= g.out_beats:
        assert set(iv_in[2:]) == {g.interval}, f"input image intervals {iv_in}, expected {g.interval} in steady state"
        steady = [c for c, _ in src.sent[2 * g.in_beats:]]
        assert set(intervals(steady)) == {1}, f"input paused in steady state: {intervals(steady)}"
    lat = sink.beats[0][0] - src.sent[0][0]
    assert lat == g.latency, f"first-output latency {lat}, documented {g.latency}"
    cocotb.log.info(f"first-output latency {lat} cycles (need0={g.need0} rows)")


def _spacing(k: int, beats: int, cycles: int) -> int:
    """Cycles between beat k and beat k + 1 of a side that spreads ``beats`` per image evenly over ``cycles``."""
    j = k % beats
    return max(1, (j + 1) * cycles // beats - j * cycles // beats)


async def _paced_source(env: AxisEnv, beats: list[int], per_image: int, cycles: int,
                        sent: list[tuple[int, int]]) -> None:
    """A producer that needs ``cycles`` per image: beat k + 1 is offered no sooner than its spacing after beat k
    moved, so a beat the unit refuses is time lost, as in a pipeline whose bottleneck is upstream."""
    dut = env.dut
    k, ready_at = 0, 0
    dut.s_axis_tvalid.value = 0
    while k < len(beats):
        await RisingEdge(env.clk)
        offer = env.cycle >= ready_at
        dut.s_axis_tvalid.value = int(offer)
        dut.s_axis_tdata.value = beats[k] if offer else 0
        await ReadOnly()
        if offer and int(dut.s_axis_tready.value):
            sent.append((env.cycle, beats[k]))
            ready_at = env.cycle + _spacing(k, per_image, cycles)
            k += 1
    await RisingEdge(env.clk)
    dut.s_axis_tvalid.value = 0


async def _paced_ready(env: AxisEnv, per_image: int, cycles: int, taken: list[int]) -> None:
    """A consumer that needs ``cycles`` per image: ready again only its spacing after it took a beat, and
    waiting (time lost) while the unit has none."""
    dut = env.dut
    k, ready_at = 0, 0
    while True:
        await RisingEdge(env.clk)
        ready = env.cycle >= ready_at
        dut.m_axis_tready.value = int(ready)
        await ReadOnly()
        if ready and int(dut.m_axis_tvalid.value):
            taken.append(env.cycle)
            ready_at = env.cycle + _spacing(k, per_image, cycles)
            k += 1


@cocotb.test()
async def swu_paced(dut) -> None:
    """A producer and a consumer at the paces the ring was sized for (IN_CYCLES, OUT_CYCLES per image, each
    losing any cycle the unit makes it wait): max(in, out, IN_CYCLES, OUT_CYCLES) cycles per image exactly
    from the third image on, every window beat equal to im2col's."""
    n_img = 6
    cfg = read_swu(dut)
    g = cfg.geo
    env = AxisEnv(dut, seed_name="swu.paced")
    in_beats, out_beats = swu_stimulus(cfg, np.random.default_rng(env.seed), n_img)
    sb = Scoreboard("m_axis", out_beats, fmt=_swu_fmt(cfg))
    mon = AxisMonitor(env, "m_axis", scoreboard=sb)
    dut.m_axis_tready.value = 0
    await env.reset()
    sent: list[tuple[int, int]] = []
    taken: list[int] = []
    cocotb.start_soon(_paced_source(env, in_beats, g.in_beats, max(g.in_cycles, g.in_beats), sent))
    cocotb.start_soon(_paced_ready(env, g.out_beats, max(g.out_cycles, g.out_beats), taken))
    await env.run_until(lambda: sb.done, timeout_cycles=200 + 4 * g.paced_interval)
    await env.cycles(2 * g.paced_interval + 20)
    sb.assert_done()
    assert len(sent) == len(in_beats), f"{len(in_beats) - len(sent)} input beats never taken"
    last_out = [mon.beats[(k + 1) * g.out_beats - 1][0] for k in range(n_img)]
    iv = intervals(last_out)
    cocotb.log.info(f"paced (in {g.in_cycles}, out {g.out_cycles}): image intervals {iv}, expected {g.paced_interval}")
    assert set(iv[2:]) == {g.paced_interval}, f"image intervals {iv}, expected {g.paced_interval} in steady state"
