"""``sign``: binarization, +1 where x >= threshold, else -1 (sign(0) = +1).

Float stage only: its ``fold_activation`` (run by ``fold_threshold``) turns it, with the
batchnorm before it if any, into an integer ``threshold``.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import field_validator

from compiler.ir import DType, Node, TensorType

from .base import ImportContext, LayerSpec, NoRTL, OpDef
from .bn_fold import bn_sign_thresholds
from .registry import register_op


class SignSpec(LayerSpec):
    """Binarization: +1 where x >= threshold, else -1."""

    op: Literal["sign"]
    threshold: float = 0.0

    @field_validator("threshold")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("a finite number")
        return v


@register_op
class Sign(OpDef):
    name = "sign"
    doc = "+1 if x >= threshold else -1"
    attrs = ("threshold",)
    spec = SignSpec
    float_only = True
    rtl = NoRTL("sign is float-stage only: fold_threshold replaces it with an integer threshold")

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((3,), DType.int(0, 15)), Node("s", "sign", {"threshold": 7.5}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        return TensorType(t.shape, DType.bipolar())

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        return np.where(x >= node.attrs["threshold"], 1, -1).astype(np.int8)

    def build(self, ctx: ImportContext, spec: SignSpec, t: TensorType) -> Node:
        return Node(spec.name, "sign", {"threshold": float(spec.threshold)})

    def fold_activation(self, node: Node, bn: Node | None, src: TensorType, scale: Node | None = None) -> Node | None:
        """sign(batchnorm(s·x)) → x ≥ T per channel, exact against float64 (:func:`bn_sign_thresholds`); a bare sign
        on integers → x ≥ ⌈threshold⌉, clamped to the input's range (s·x ≥ threshold: the same walk, no batchnorm)."""
        thr = float(node.attrs["threshold"])
        assert src.dtype.lo is not None and src.dtype.hi is not None
        s = None if scale is None else scale.params["scale"]
        if bn is None and s is not None:  # s·x ≥ thr is the batchnorm γ=1, β=0, μ=0, var=1, eps=0: exact
            one, zero = np.ones(src.channels), np.zeros(src.channels)
            bn = Node("_", "batchnorm", {"eps": 0.0}, {"gamma": one, "beta": zero, "mean": zero, "var": one})
        if bn is not None:
            p = bn.params
            t, neg = bn_sign_thresholds(p["gamma"], p["beta"], p["mean"], p["var"], bn.attrs["eps"], thr,
                                        src.dtype.lo, src.dtype.hi, scale=s)
        else:
            t = np.full(src.channels, min(max(math.ceil(thr), src.dtype.lo), src.dtype.hi + 1), dtype=np.int64)
            neg = np.zeros(src.channels, dtype=bool)
        return Node(node.name, "threshold", {}, {"thresholds": t, "negate": neg}, type=node.type)
