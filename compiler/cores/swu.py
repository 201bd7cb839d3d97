"""The ``bnnc_swu`` core (sliding window unit): its parameters, the size of its line buffer (docs/hardware.md), its cost.

:func:`swu_line_rows` mirrors the core's elaboration-time ``swu_line_rows`` function
step for step (the core's testbench reads NROWS back from the DUT and compares), so
the manifest can state the line buffer's bits without running a tool.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler import kernels
from compiler.arith import ceil_div
from compiler.targets import TARGETS as FPGA_TARGETS

from .base import Bits, CoreParams, Resources, family, log2_bits, ram_cost


# IN_CYCLES and OUT_CYCLES must stay below 2**27: the core's ring-size analysis in 32-bit integers (its LIM / 2).
MAX_CYCLES = 1 << 27


@dataclass(frozen=True)
class SwuParams(CoreParams):
    """bnnc_swu's parameters."""

    CORE = "bnnc_swu"

    IFM_H: int = 8
    IFM_W: int = 8
    CH: int = 4
    K_H: int = 3
    K_W: int = 3
    STRIDE: int = 1
    PAD: int = 0
    EW: int = 1
    PAD_VAL: int | Bits = 0
    LANES: int = 4
    IN_CYCLES: int = 0
    OUT_CYCLES: int = 0
    ROW_PIPE: int = 1

    @property
    def geometry(self) -> tuple[int, int, int, int, int, int, int, int]:
        """(IFM_H, IFM_W, CH, K_H, K_W, STRIDE, PAD, LANES): the arguments of :func:`row_beats`."""
        return (self.IFM_H, self.IFM_W, self.CH, self.K_H, self.K_W, self.STRIDE, self.PAD, self.LANES)

    @property
    def cycles(self) -> int:
        """Cycles per image: a beat a cycle in and out, so its input beats (IFM_H·IFM_W·CH/LANES) or its output beats
        (OH·OW·K_H·K_W·CH/LANES), whichever are more."""
        oh, ow = kernels.conv_out_hw(self.IFM_H, self.IFM_W, self.K_H, self.K_W, self.STRIDE, self.PAD)
        cpb = self.CH // self.LANES
        return max(self.IFM_H * self.IFM_W * cpb, oh * ow * self.K_H * self.K_W * cpb)

    def line_rows(self) -> int:
        """Rows of its ring (:func:`swu_line_rows`)."""
        return swu_line_rows(self.IFM_H, self.IFM_W, self.CH // self.LANES, self.K_H, self.K_W, self.STRIDE, self.PAD,
                             self.IN_CYCLES, self.OUT_CYCLES)

    def line_buffer_bits(self) -> int:
        """Bits of its line buffer (:func:`line_buffer_bits`)."""
        return line_buffer_bits(*self.geometry[:7], self.EW, self.LANES, self.IN_CYCLES, self.OUT_CYCLES)

    def features(self) -> dict[str, float]:
        lanes, ew = self.LANES, self.EW
        # row_pipe_bits: the registers of the next-row pipeline (docs/hardware.md, bnnc_swu "Timing")
        xw = work_width(*self.geometry, self.IN_CYCLES, self.OUT_CYCLES)
        pipe = ROW_PIPE_WORDS * xw if self.ROW_PIPE and row_beats(*self.geometry) > 4 else 0
        kk = self.K_H * self.K_W
        return {"base": 1.0, "lane_bits": lanes * ew, "window_mux": lanes * ew * log2_bits(kk),
                "counters": log2_bits(self.IFM_H) + log2_bits(self.IFM_W) + log2_bits(self.CH // max(lanes, 1))
                + 2 * log2_bits(kk), "row_pipe_bits": pipe}

    def memories(self, target: str, fast: bool = False) -> Resources:
        cpb = self.CH // self.LANES
        res = ram_cost(self.line_rows() * self.IFM_W * cpb, self.LANES * self.EW, target).resources()
        # The ring row's address is slot * RB (beats per image row), a product with a constant:
        # a shift when RB is a power of two, else synth_ecp5 maps it to one MULT18X18D (measured on
        # every such window unit of the fitted designs); synth_xilinx keeps it in LUTs (no DSP48).
        rb = self.IFM_W * cpb
        if family(target) == "ecp5" and rb & (rb - 1):
            res += Resources(dsp=1)
        return res


def swu_line_rows(h: int, w: int, cpb: int, kh: int, kw: int, s: int, p: int, in_cycles: int = 0,
                  out_cycles: int = 0) -> int:
    """Ring rows of bnnc_swu's line buffer: mirror of its ``swu_line_rows`` function (same integer steps).

    ``in_cycles``, ``out_cycles``: the core's IN_CYCLES and OUT_CYCLES, the cycles per image its producer and
    its consumer need at most (0: a beat every cycle). The ring is the larger of two schedules' (a beat every
    cycle on both sides; both sides at the producer's and the consumer's pace): a slow side holds rows longer.

    >>> swu_line_rows(32, 32, 4, 3, 3, 1, 1), swu_line_rows(8, 8, 1, 3, 3, 1, 0), swu_line_rows(8, 8, 1, 2, 2, 2, 0)
    (4, 6, 4)
    >>> swu_line_rows(5, 6, 3, 2, 2, 1, 2), swu_line_rows(5, 6, 3, 2, 2, 1, 2, in_cycles=720, out_cycles=216)
    (3, 4)
    """
    oh, ow = kernels.conv_out_hw(h, w, kh, kw, s, p)
    rb, rl = w * cpb, ow * kh * kw * cpb
    fast = _sched_rows(h, kh, s, p, oh, rb, rl)
    # cycles per image row on either side at the producer's / the consumer's pace
    paced = _sched_rows(h, kh, s, p, oh, max(rb, ceil_div(in_cycles, h)), max(rl, ceil_div(out_cycles, oh)))
    return max(fast, paced)


def _sched_rows(h: int, kh: int, s: int, p: int, oh: int, rb: int, rl: int) -> int:
    """One schedule of :func:`swu_line_rows` (the core's ``swu_sched_rows``): ``rb`` cycles per input row,
    ``rl`` per output row."""
    hu = min(h, (oh - 1) * s - p + kh)
    tper = rb * h
    nr = max(s, 1)

    def first(j: int) -> int:
        return min(hu, max(0, j * s - p))

    if rl * oh >= tper:  # reader continuous, writer as late as possible
        tper = rl * oh
        lt = None
        for i in range(5 * h - 1, -1, -1):
            n, r = divmod(i, h)
            if r < hu:
                oyn = 0 if r + p - kh < 0 else (r + p - kh) // s + 1
                dl = tper * n + rl * oyn - 1
                if r == 0:  # the image has begun before its first output row starts
                    dl = min(dl, tper * n + rb - 2)
                lt = dl if lt is None else min(dl, lt - rb)
                if n == 3:
                    m = (lt - rb + 1) // rl
                    nr = max(nr, n * hu + r - ((m // oh) * hu + first(m % oh)) + 1)
            elif lt is not None:
                lt -= rb
    else:  # writer continuous, reader as early as possible
        en = -1
        for k in range(5 * oh):
            n, oy = divmod(k, oh)
            nd = min(hu, oy * s - p + kh)
            st = en + 1
            if nd > 0:
                st = max(st, (h * n + nd) * rb)
            if oy == 0:  # the image has begun
                st = max(st, h * n * rb + 1)
            en = st + rl - 1
            if n == 3:
                m = en // rb
                started = (m // h) * hu + min(hu, m % h + 1)
                nr = max(nr, started - (n * hu + first(oy)))
    return nr


def line_buffer_bits(h: int, w: int, ch: int, kh: int, kw: int, s: int, p: int, ew: int, lanes: int,
                     in_cycles: int = 0, out_cycles: int = 0) -> int:
    """Bits of a bnnc_swu's line buffer: NROWS rows of IFM_W*CH/LANES words of LANES*EW bits.

    >>> line_buffer_bits(32, 32, 64, 3, 3, 1, 1, 1, 16)
    8192
    """
    cpb = ch // lanes
    return swu_line_rows(h, w, cpb, kh, kw, s, p, in_cycles, out_cycles) * w * cpb * lanes * ew


def work_width(h: int, w: int, ch: int, kh: int, kw: int, s: int, p: int, lanes: int, in_cycles: int = 0,
               out_cycles: int = 0) -> int:
    """The core's signed working width XW (rows, columns, addresses): mirror of its localparam.

    >>> work_width(30, 30, 64, 3, 3, 1, 0, 64), work_width(32, 32, 64, 3, 3, 1, 1, 16)
    (10, 12)
    """
    cpb = ch // lanes
    nrows = swu_line_rows(h, w, cpb, kh, kw, s, p, in_cycles, out_cycles)
    rb = w * cpb
    max_v = max((w + 2 * p + s + kw) * cpb, 2 * (h + 2 * p + s + kh + nrows), nrows * rb + rb)
    return (max_v).bit_length() + 2  # $clog2(MAX_V + 1) + 2


def row_beats(h: int, w: int, ch: int, kh: int, kw: int, s: int, p: int, lanes: int) -> int:
    """Beats of one output row, ``OW*K_H*K_W*CH/LANES``: mirror of the core's ROW_BEATS. With
    ``ROW_PIPE = 1`` and more than 4 of them the core computes the next output row's geometry
    through its four register stages.

    >>> row_beats(30, 30, 64, 3, 3, 1, 0, 64), row_beats(4, 5, 2, 1, 1, 1, 0, 2), row_beats(5, 4, 2, 1, 1, 1, 0, 2)
    (252, 5, 4)
    """
    ow = kernels.conv_out_hw(h, w, kh, kw, s, p)[1]
    return ow * kh * kw * (ch // lanes)


# The row pipeline's registers, in units of XW: stage A 5, B 3, C 5, D 1.
ROW_PIPE_WORDS = 14


def row_pipe(target: str) -> int:
    """The core's ``ROW_PIPE`` for a design on ``target``: 1 (shallow paths, more flip-flops) except on
    iCE40 parts, whose clocks are tens of MHz and whose LUTs are few (0: the same unit cycle for cycle in
    the fewest LUTs; docs/hardware.md).

    >>> row_pipe("xilinx"), row_pipe("ecp5-85k"), row_pipe("ice40-up5k")
    (1, 1, 0)
    """
    return 0 if FPGA_TARGETS[target].family == "ice40" else 1
