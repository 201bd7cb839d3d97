"""``conv2d`` and its XNOR-popcount form ``xnor_conv2d``: channel-last convolution with ±1 weights.

* ``conv2d`` (net.yaml): ``filters``, ``kernel`` (int or [kh, kw]), ``stride``,
  ``padding``, ``pad_value``; array ``weight`` (filters, C, kh, kw) in PyTorch's
  layout, stored as (F, kh, kw, C) so a window flattens in (ky, kx, c) order.
* ``xnor_conv2d``: the same in the popcount domain over bipolar maps.
* Hardware: a sliding-window unit (bnnc_swu) emitting each output pixel's window in
  (ky, kx, c) order, a width converter to SIMD lanes, and the same bnnc_mvtu as a
  dense layer, run once per output pixel (absorbing the threshold or affine after it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import Field

from compiler.arith import Folding
from compiler.cores.base import Bits, CoreParams
from compiler.cores.fifo import FifoParams
from compiler.cores.mvtu import MvtuParams
from compiler.cores.swu import SwuParams, row_pipe
from compiler.cores.width_converter import WidthConverterParams
from compiler.hw.builder import attach, glue
from compiler.hw.graph import Module
from compiler.hw.stream import Stream
from compiler.ir import DType, Node, TensorType
from compiler.kernels import GEMM_MIN_WORK, conv_out_hw, im2col, int_conv, xnor_popcount, xnor_threshold_gemm

from .base import (ImportContext, LayerSpec, OpTypeError, PlanContext, PositiveInt, Stage, element_bytes, example_weights,
                   int_range, reads_integer)
from .matrix import MatrixOp, WeightBits, build_weights, matrix_range, mvtu_units
from .registry import register_op

class Conv2dSpec(LayerSpec):
    """2-D convolution with ±1 weights, channel-last."""

    op: Literal["conv2d"]
    filters: PositiveInt
    kernel: Union[PositiveInt, Annotated[list[PositiveInt], Field(min_length=2, max_length=2)]]
    stride: PositiveInt = 1
    padding: Annotated[int, Field(ge=0)] = 0
    pad_value: int | None = None
    weight_bits: WeightBits = 1


def conv_out(node: Node, t: TensorType) -> tuple[int, int]:
    """Output height and width of a convolution node on input type ``t``."""
    if len(t.shape) != 3:
        raise OpTypeError(f"{node.op} {node.name} needs an (H, W, C) input, not shape {list(t.shape)}")
    kh, kw = node.attrs["kernel"]
    h, w, _ = t.shape
    oh, ow = conv_out_hw(h, w, kh, kw, node.attrs["stride"], node.attrs.get("padding", 0))
    if oh < 1 or ow < 1:
        raise OpTypeError(f"{node.op} {node.name}: window {kh}x{kw} does not fit input {h}x{w}")
    return oh, ow


def conv_cols(node: Node, x: np.ndarray) -> np.ndarray:
    """The im2col windows (N, OH, OW, kh*kw*C) of a convolution node's input batch."""
    kh, kw = node.attrs["kernel"]
    return im2col(x, kh, kw, node.attrs["stride"], node.attrs["padding"], node.attrs["pad_value"])


def window_touches(n: int, k: int, stride: int, padding: int) -> bool:
    """Whether some window along one axis (``n`` pixels, kernel ``k``, ``stride``, ``padding`` each side)
    covers at least one pixel of the map, not padding alone (window o spans padded [o*stride, o*stride + k)).

    >>> window_touches(1, 1, 3, 2), window_touches(1, 1, 2, 2), window_touches(5, 2, 1, 3)
    (False, True, True)
    """
    count = (n + 2 * padding - k) // stride + 1
    first = max(0, (padding - k) // stride + 1)  # the first window reaching past the leading padding
    return first < count and first * stride < padding + n


def input_dtype_name(d: DType) -> str:
    """The net.yaml name of an integer input dtype (``uint8`` for [0, 255], ``int8`` for [-128, 127])."""
    return f"{'int' if d.signed else 'uint'}{d.bits}"


def window_lanes(channels: int, simd: int) -> int:
    """Lanes of a convolution's sliding window: they must divide the channels (whole pixels per beat run)."""
    return math.gcd(channels, simd)


class ConvOp(MatrixOp):
    """What conv2d and xnor_conv2d share: the pixel count, the folding's cycles, the window unit, the plan."""

    attrs = ("filters", "kernel", "stride", "padding", "pad_value")
    absorbs = ("threshold", "multithreshold", "affine")
    buffered = True

    def pixels(self, node: Node) -> int:
        return int(node.out.shape[0] * node.out.shape[1])

    def cycles(self, node: Node, t_in: TensorType, pe: int, simd: int) -> int:
        """The matrix unit's NF·SF·pixels, or its window unit's cycles (:attr:`SwuParams.cycles`, on gcd(C, SIMD)
        lanes) when those are more."""
        h, w, c = t_in.shape
        kh, kw = node.attrs["kernel"]
        swu = SwuParams(IFM_H=h, IFM_W=w, CH=c, K_H=kh, K_W=kw, STRIDE=int(node.attrs["stride"]),
                        PAD=int(node.attrs["padding"]), LANES=window_lanes(c, simd))
        return max(self.folding(node, pe, simd).cycles, swu.cycles)

    def simd_candidates(self, node: Node, t_in: TensorType) -> tuple[int, ...]:
        """Multiples of the channel count keep the window unit at whole pixels per beat."""
        c = t_in.shape[2]
        mw = self.dims(node)[1]
        return tuple(range(c, mw + 1, c)) + tuple(d for d in range(1, c + 1) if c % d == 0)

    def in_lanes(self, node: Node) -> int | None:
        return window_lanes(int(node.params["weight"].shape[3]), int(node.attrs["simd"]))

    def in_elems(self, node: Node) -> int | None:
        return int(node.params["weight"].shape[3])  # one pixel's channels

    def window(self, node: Node, t_in: TensorType, lanes: int, pacing: Mapping[str, int], target: str) -> SwuParams:
        """The bnnc_swu feeding ``node``'s matrix unit ``lanes`` channels a beat, its ring sized for ``pacing``
        (IN_CYCLES, OUT_CYCLES): what the lowering builds and the folding search prices."""
        h, w, c = t_in.shape
        kh, kw = node.attrs["kernel"]
        assert c % lanes == 0, (c, lanes)
        src = Stream.of_tensor("", "", t_in, lanes)  # the lanes' element bits, as the stream carries them
        # the pad value as the element's bit pattern (bnnc_swu's PAD_VAL): bit 1 is +1 and bit 0 is -1 on
        # bipolar maps, two's complement in the lane's bits on integer maps. build() refused any value
        # outside the input's range, so the pattern is exact, never cut.
        pad_value = int(node.attrs["pad_value"])
        if src.bipolar:
            assert pad_value in (-1, 1), pad_value
            pad_bits = int(pad_value == 1)
        else:
            lo, hi = (-(1 << (src.elem_bits - 1)), (1 << (src.elem_bits - 1)) - 1) if src.signed \
                else (0, (1 << src.elem_bits) - 1)
            assert lo <= pad_value <= hi, (pad_value, src)
            pad_bits = pad_value & ((1 << src.elem_bits) - 1)
        return SwuParams(IFM_H=h, IFM_W=w, CH=c, K_H=kh, K_W=kw, STRIDE=int(node.attrs["stride"]),
                         PAD=int(node.attrs["padding"]), EW=src.elem_bits, PAD_VAL=Bits(src.elem_bits, pad_bits),
                         LANES=lanes, **pacing, ROW_PIPE=row_pipe(target))

    def units(self, stage: Stage, folding: Folding, ctx: PlanContext) -> list[CoreParams]:
        """The window unit (its ring paced by ``ctx``), the glue to SIMD lanes and the bnnc_mvtu run once per
        window."""
        t_in = ctx.t_in
        swu = self.window(stage.head, t_in, window_lanes(int(t_in.shape[2]), folding.simd),
                          ctx.window_pacing(stage.head, folding.cycles), ctx.target)
        dwc, fifo = glue(swu.EW, swu.LANES, folding.simd, folding.mw, folding.nf * folding.sf)  # NF folds of SF beats
        return [swu, *(u for u in (dwc, fifo) if u is not None), *super().units(stage, folding, ctx)]

    def plan(self, stage: Stage, cur: Stream, ctx: PlanContext) -> list[Module]:
        """Sliding window (bnnc_swu) → width converter and FIFO to SIMD lanes → bnnc_mvtu over every output pixel."""
        node = stage.head
        c = ctx.t_in.shape[2]
        kh, kw = node.attrs["kernel"]
        oh, ow = node.out.shape[0], node.out.shape[1]
        folding = self.folding(node)
        units = self.units(stage, folding, ctx)
        swu, mvtu = units[0], units[-1]
        assert isinstance(swu, SwuParams) and isinstance(mvtu, MvtuParams) and swu.LANES == cur.lanes, (units, cur)
        assert swu.EW == cur.elem_bits, (swu, cur)
        win = Stream(f"{node.name}_win", cur.tap, cur.lanes, cur.elem_bits, cur.signed, cur.bipolar, kh * kw * c, oh * ow,
                     window=(kh, kw, swu.STRIDE, swu.PAD, int(node.attrs["pad_value"])))
        window = Module(win.name, swu, cur, win, layers=(node.name,), cycles=swu.cycles,
                        memory={"line_buffer_bits": swu.line_buffer_bits()})
        dwc = next((u for u in units if isinstance(u, WidthConverterParams)), None)
        fifo = next((u for u in units if isinstance(u, FifoParams)), None)
        glued = attach(win, dwc, fifo, win.elems)
        return [window, *glued, *mvtu_units(stage, glued[-1].m_axis if glued else win, folding, mvtu, ctx)]

    def working_bytes(self, node: Node, t_in: TensorType) -> int:
        """Input and output, the padded input, and the im2col windows: pixels x (kh*kw*C)."""
        h, w, c = t_in.shape
        p = int(node.attrs["padding"])
        cols = self.pixels(node) * int(np.prod(node.params["weight"].shape[1:]))
        return super().working_bytes(node, t_in) + element_bytes(t_in) * ((h + 2 * p) * (w + 2 * p) * c + cols)


@register_op
class Conv2d(ConvOp):
    name = "conv2d"
    doc = "channel-last convolution with ±1 weights, weight (F, kh, kw, C)"
    spec = Conv2dSpec
    xnor_form = "xnor_conv2d"

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((5, 5, 2), DType.int(0, 15)),
                Node("c", "conv2d", {"filters": 3, "kernel": (3, 3), "stride": 1, "padding": 1, "pad_value": 0,
                                     "pe": 2, "simd": 3, "cycles": 100}, {"weight": example_weights(3, 3, 3, 2)}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        w = node.params["weight"]
        oh, ow = conv_out(node, t)
        if t.shape[2] != w.shape[3]:
            raise OpTypeError(f"conv2d {node.name} needs {w.shape[3]} input channels, not {t.shape[2]}")
        if t.dtype.is_float:
            return TensorType((oh, ow, w.shape[0]), DType.float())
        lo, hi = int_range(t, node)
        if node.attrs.get("padding", 0):
            pad = int(node.attrs["pad_value"])
            lo, hi = min(lo, pad), max(hi, pad)
        return TensorType((oh, ow, w.shape[0]), DType.int(*matrix_range(w, lo, hi)))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        w = node.params["weight"].reshape(node.params["weight"].shape[0], -1)
        if x.dtype != np.float64:  # integer windows built in float32 at once: no int64 im2col (kernels.int_conv)
            kh, kw = node.attrs["kernel"]
            return int_conv(x, w, kh, kw, node.attrs["stride"], node.attrs["padding"], node.attrs["pad_value"])
        cols = conv_cols(node, x)
        y = cols.reshape(-1, cols.shape[-1]) @ w.T.astype(np.float64)
        return y.reshape(cols.shape[:3] + (w.shape[0],))

    def build(self, ctx: ImportContext, spec: Conv2dSpec, t: TensorType) -> Node:
        name = spec.name
        if not t.dtype.is_bipolar and not reads_integer(ctx, t):
            raise ctx.error(f"the input of conv2d must be bipolar (add a sign layer before it), a quant's codes or "
                            f"the integer network input, not {t.dtype}", name, "op")
        if len(t.shape) != 3:
            raise ctx.error(f"the input of conv2d must be an (H, W, C) image, not shape {list(t.shape)}", name, "op")
        kh, kw = (spec.kernel, spec.kernel) if isinstance(spec.kernel, int) else tuple(spec.kernel)
        h, w = t.shape[0], t.shape[1]
        if kh > h + 2 * spec.padding or kw > w + 2 * spec.padding:
            raise ctx.error(f"kernel must fit the {h}x{w} input (with padding {spec.padding}), not {kh}x{kw}",
                            name, "kernel")
        if not (window_touches(h, kh, spec.stride, spec.padding) and window_touches(w, kw, spec.stride, spec.padding)):
            # the output would not depend on the input (and bnnc_swu rejects such parameters)
            raise ctx.error(f"padding must leave some {kh}x{kw} window (stride {spec.stride}) on the {h}x{w} input, "
                            f"not {spec.padding}, which puts every window in the padding", name, "padding")
        weight = ctx.take(name, "weight", (spec.filters, t.shape[2], kh, kw))
        pad_value = spec.pad_value
        if pad_value is None:
            pad_value = -1 if t.dtype.is_bipolar else 0
        if t.dtype.is_bipolar and pad_value not in (-1, 1):
            raise ctx.error(f"pad_value must be -1 or +1 for a bipolar input, not {pad_value}", name, "pad_value")
        if t.dtype.is_int and not t.dtype.lo <= pad_value <= t.dtype.hi:
            # the window unit holds the pad value in the input's lane bits: outside the range it would be cut
            raise ctx.error(f"pad_value must lie in [{t.dtype.lo}, {t.dtype.hi}] for input dtype "
                            f"{input_dtype_name(t.dtype)}, not {pad_value}", name, "pad_value")
        attrs = {"filters": spec.filters, "kernel": (kh, kw), "stride": spec.stride, "padding": spec.padding,
                 "pad_value": pad_value, **({"weight_bits": spec.weight_bits} if spec.weight_bits > 1 else {})}
        return Node(name, "conv2d", attrs,
                    {"weight": build_weights(ctx, name, spec.weight_bits, weight).transpose(0, 2, 3, 1)})


@register_op
class XnorConv2d(ConvOp):
    name = "xnor_conv2d"
    doc = "convolution in the popcount domain"
    user_op = "conv2d"

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((5, 5, 2), DType.bipolar()),
                Node("c", "xnor_conv2d", {"filters": 3, "kernel": (3, 3), "stride": 2, "padding": 1, "pad_value": -1,
                                          "pe": 2, "simd": 3, "cycles": 100}, {"weight": example_weights(3, 3, 3, 2)}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        w = node.params["weight"]
        if not t.dtype.is_bipolar:
            raise OpTypeError(f"xnor_conv2d {node.name} needs a bipolar input, not {t}")
        oh, ow = conv_out(node, t)
        return TensorType((oh, ow, w.shape[0]), DType.int(0, int(np.prod(w.shape[1:]))))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        cols = conv_cols(node, x)
        w = node.params["weight"].reshape(node.params["weight"].shape[0], -1)
        y = xnor_popcount(cols.reshape(-1, cols.shape[-1]), w)
        return y.reshape(cols.shape[:3] + (w.shape[0],))

    def execute_fused(self, stage: Stage, x: np.ndarray) -> np.ndarray | None:
        """XNOR-popcount and a plain threshold of every window on one float32 GEMM, as for dense."""
        th = stage.consumer
        node = stage.head
        w = node.params["weight"].reshape(node.params["weight"].shape[0], -1)
        oh, ow = conv_out_hw(x.shape[1], x.shape[2], *node.attrs["kernel"], node.attrs["stride"],
                             node.attrs.get("padding", 0))
        if th is None or th.op != "threshold" or th.params["negate"].any() or x.shape[0] * oh * ow * w.size < GEMM_MIN_WORK:
            return None
        cols = conv_cols(node, x)
        y = xnor_threshold_gemm(cols.reshape(-1, cols.shape[-1]), w, th.params["thresholds"])
        return y.reshape(cols.shape[:3] + (w.shape[0],))
