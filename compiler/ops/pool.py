"""``maxpool2d`` and its bit form ``bitpool``: max over square windows, per channel.

* ``maxpool2d`` (net.yaml): ``kernel``, ``stride`` (default = kernel).
* ``bitpool``: on bipolar maps max is a logical OR of the bits; ``and_mask``
  marks channels where it is an AND (pooling moved past a negated threshold).
* Hardware: none yet (a streaming bit max-pool unit is planned).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from compiler.ir import Node, TensorType
from compiler.kernels import conv_out_hw, pool_windows

from .base import ImportContext, LayerSpec, NoRTL, OpDef, OpTypeError, PositiveInt
from .conv import NO_CONV_RTL
from .registry import register_op


class MaxPoolSpec(LayerSpec):
    """Max pooling over square windows."""

    op: Literal["maxpool2d"]
    kernel: PositiveInt
    stride: PositiveInt | None = None


class _PoolBase(OpDef):
    attrs = ("kernel", "stride")
    rtl: NoRTL | None = NoRTL(NO_CONV_RTL.reason.replace("not conv2d", "not maxpool2d"))

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
        return TensorType((oh, ow, c), t.dtype)


@register_op
class MaxPool2d(_PoolBase):
    name = "maxpool2d"
    doc = "max over each window, per channel"
    spec = MaxPoolSpec

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        return np.maximum.reduce(pool_windows(x, node.attrs["kernel"], node.attrs["stride"]))

    def build(self, ctx: ImportContext, spec: Any, t: TensorType, first: bool) -> Node:
        if len(t.shape) != 3:
            raise ctx.error(f"the input of maxpool2d must be an (H, W, C) image, not shape {list(t.shape)}",
                            spec.name, "op")
        if spec.kernel > min(t.shape[0], t.shape[1]):
            raise ctx.error(f"kernel must fit the {t.shape[0]}x{t.shape[1]} input, not {spec.kernel}",
                            spec.name, "kernel")
        return Node(spec.name, "maxpool2d", {"kernel": spec.kernel, "stride": spec.stride or spec.kernel})


@register_op
class BitPool(_PoolBase):
    name = "bitpool"
    doc = "bipolar pooling: OR of the window's bits, AND where and_mask is set"
    params = ("and_mask",)
    user_op = "maxpool2d"

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        win = pool_windows(x, node.attrs["kernel"], node.attrs["stride"])
        # On ±1 values OR is max and AND is min.
        return np.where(node.params["and_mask"], np.minimum.reduce(win), np.maximum.reduce(win)).astype(np.int8)
