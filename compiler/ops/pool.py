"""``maxpool2d`` and its hardware forms ``bitpool`` (bits) and ``codepool`` (integer codes): max over square
windows, per channel.

* ``maxpool2d`` (net.yaml): ``kernel``, ``stride`` (default = kernel). The passes make every one a
  ``bitpool`` or a ``codepool`` (compiler/passes/pooling.py).
* ``bitpool``: on bipolar maps max is a logical OR of the bits; ``and_mask``
  marks channels where it is an AND (pooling moved past a negated threshold).
* ``codepool``: on integer codes (a multi-threshold's, the network input) the max of the
  window; ``min_mask`` marks channels where it is the min (pooling moved past a negated
  multi-threshold; docs/few-bit.md "Pooling on codes").
* Hardware: both are a sliding window (bnnc_swu, the stream's element width, no padding)
  and bnnc_pool_reduce (EW = 1: OR, or AND per mask channel; EW >= 2: max, or min per
  mask channel, over each window); both move ``lanes`` channels a beat, a divisor of C
  chosen by ``choose_folding`` so the pool keeps up with the pipeline.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from compiler.ir import DType, Node, TensorType
from compiler.kernels import conv_out_hw, pool_windows

from compiler.cores.base import Bits
from compiler.cores.pool_reduce import PoolReduceParams
from compiler.cores.swu import SwuParams, row_pipe
from compiler.hw.graph import Module
from compiler.hw.stream import Stream

from .base import (ImportContext, LayerSpec, NoRTL, OpDef, OpTypeError, PlanContext, PositiveInt, Stage,
                   check_channels)
from .registry import register_op


class MaxPoolSpec(LayerSpec):
    """Max pooling over square windows."""

    op: Literal["maxpool2d"]
    kernel: PositiveInt
    stride: PositiveInt | None = None


class _PoolBase(OpDef):
    attrs = ("kernel", "stride")

    def infer(self, node: Node, t: TensorType) -> TensorType:
        if len(t.shape) != 3:
            raise OpTypeError(f"{node.op} {node.name} needs an (H, W, C) input, not shape {list(t.shape)}")
        k, s = node.attrs["kernel"], node.attrs["stride"]
        h, w, c = t.shape
        oh, ow = conv_out_hw(h, w, k, k, s, 0)
        if oh < 1 or ow < 1:
            raise OpTypeError(f"{node.op} {node.name}: window {k} does not fit input {h}x{w}")
        if node.op == "bitpool" and not t.dtype.is_bipolar:
            raise OpTypeError(f"bitpool {node.name} needs a bipolar input, not {t.dtype}")
        if node.op == "codepool":
            if not t.dtype.is_int:
                raise OpTypeError(f"codepool {node.name} needs an integer input, not {t.dtype}")
            check_channels(node, t, "min_mask")
        return TensorType((oh, ow, c), t.dtype)


@register_op
class MaxPool2d(_PoolBase):
    name = "maxpool2d"
    doc = "max over each window, per channel"
    spec = MaxPoolSpec
    rtl = NoRTL("a max-pool has RTL only on signs (a bit OR) or on integer codes (a max), not on a batchnorm's "
                "floats: pool after the sign or quant, or between the matrix layer and its batchnorm, where bnnc "
                "moves it past the threshold")

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((4, 4, 2), DType.int(0, 15)), Node("p", "maxpool2d", {"kernel": 2, "stride": 2}))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        return np.maximum.reduce(pool_windows(x, node.attrs["kernel"], node.attrs["stride"]))

    def build(self, ctx: ImportContext, spec: MaxPoolSpec, t: TensorType) -> Node:
        if len(t.shape) != 3:
            raise ctx.error(f"the input of maxpool2d must be an (H, W, C) image, not shape {list(t.shape)}",
                            spec.name, "op")
        if spec.kernel > min(t.shape[0], t.shape[1]):
            raise ctx.error(f"kernel must fit the {t.shape[0]}x{t.shape[1]} input, not {spec.kernel}",
                            spec.name, "kernel")
        return Node(spec.name, "maxpool2d", {"kernel": spec.kernel, "stride": spec.stride or spec.kernel})


class _WindowPool(_PoolBase):
    """A pool in hardware: bnnc_swu's windows reduced by bnnc_pool_reduce, over ``lanes`` channels a beat.
    Subclasses name their per-channel mask parameter (set: the window's min, else its max)."""

    mask_param: str
    buffered = True

    @staticmethod
    def lane_cycles(node: Node, t_in: TensorType, lanes: int) -> int:
        """Cycles per image on ``lanes`` channels a beat: its window unit's (:attr:`SwuParams.cycles`)."""
        h, w, c = t_in.shape
        k = int(node.attrs["kernel"])
        return SwuParams(IFM_H=h, IFM_W=w, CH=c, K_H=k, K_W=k, STRIDE=int(node.attrs["stride"]), LANES=lanes).cycles

    def choose_lanes(self, node: Node, t_in: TensorType, budget: int) -> tuple[int, int]:
        """(lanes, cycles): the fewest lanes (a divisor of C) that keep within ``budget`` cycles, else all C."""
        c = t_in.shape[2]
        for lanes in (d for d in range(1, c + 1) if c % d == 0):
            cyc = self.lane_cycles(node, t_in, lanes)
            if cyc <= budget or lanes == c:
                return lanes, cyc
        raise AssertionError("unreachable: lanes == C always returns")

    def in_lanes(self, node: Node) -> int | None:
        return int(node.attrs["lanes"])

    def in_elems(self, node: Node) -> int | None:
        return int(node.out.shape[2])  # one pixel's channels

    def plan(self, stage: Stage, cur: Stream, ctx: PlanContext) -> list[Module]:
        """bnnc_swu (k x k windows, stride, no padding, the stream's element width) → bnnc_pool_reduce (per channel
        OR / AND of bits, max / min of codes)."""
        node = stage.head
        h, w, c = ctx.t_in.shape
        k, s = int(node.attrs["kernel"]), int(node.attrs["stride"])
        oh, ow = node.out.shape[0], node.out.shape[1]
        g, ew = cur.lanes, cur.elem_bits
        assert c % g == 0 and (cur.bipolar or node.op == "codepool"), (c, g, cur)
        # the window stream's pad value: -1 on bipolar maps (as it always was), else 0 (no padding either way)
        win = Stream(f"{node.name}_win", cur.tap, g, ew, cur.signed, cur.bipolar, k * k * c, oh * ow,
                     window=(k, k, s, 0, -1 if cur.bipolar else 0))
        pacing = ctx.window_pacing(node, 0)  # bnnc_pool_reduce takes a window beat every cycle
        swu = SwuParams(IFM_H=h, IFM_W=w, CH=c, K_H=k, K_W=k, STRIDE=s, PAD=0, EW=ew, PAD_VAL=0, LANES=g, **pacing,
                        ROW_PIPE=row_pipe(ctx.target))
        out = Stream.of_tensor(node.name, node.name, node.out, g, vectors=oh * ow)
        assert (out.elem_bits, out.signed) == (ew, cur.signed), (out, cur)
        at_min = np.asarray(node.params[self.mask_param], dtype=bool)
        if ew == 1 and cur.signed:
            at_min = ~at_min  # 1-bit two's-complement codes {-1, 0}: bit 1 is -1, so the AND of the bits is the max
        mask = sum(1 << ch for ch in range(c) if at_min[ch])
        codes = {"EW": ew, "SIGNED": int(cur.signed)} if ew >= 2 else {}  # EW 1: the core's defaults, left out
        return [Module(win.name, swu, cur, win, layers=(node.name,), cycles=swu.cycles,
                       memory={"line_buffer_bits": swu.line_buffer_bits()}),
                Module(node.name, PoolReduceParams(CH=c, WIN=k * k, LANES=g, AND_MASK=Bits(c, mask), **codes), win,
                       out, layers=(node.name,), cycles=win.beats_per_image)]


@register_op
class BitPool(_WindowPool):
    name = "bitpool"
    doc = "bipolar pooling: OR of the window's bits, AND where and_mask is set"
    params = ("and_mask",)
    user_op = "maxpool2d"
    mask_param = "and_mask"

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((4, 4, 2), DType.bipolar()),
                Node("p", "bitpool", {"kernel": 2, "stride": 2, "lanes": 1, "cycles": 32},
                     {"and_mask": np.array([True, False])}))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        win = pool_windows(x, node.attrs["kernel"], node.attrs["stride"])
        # On ±1 values OR is max and AND is min.
        return np.where(node.params["and_mask"], np.minimum.reduce(win), np.maximum.reduce(win)).astype(np.int8)


@register_op
class CodePool(_WindowPool):
    name = "codepool"
    doc = "pooling on integer codes: max of the window, min where min_mask is set"
    params = ("min_mask",)
    user_op = "maxpool2d"
    mask_param = "min_mask"

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((4, 4, 2), DType.int(-1, 1)),
                Node("p", "codepool", {"kernel": 2, "stride": 2, "lanes": 1, "cycles": 32},
                     {"min_mask": np.array([True, False])}))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        win = pool_windows(x, node.attrs["kernel"], node.attrs["stride"])
        return np.where(node.params["min_mask"], np.minimum.reduce(win), np.maximum.reduce(win)).astype(x.dtype)
