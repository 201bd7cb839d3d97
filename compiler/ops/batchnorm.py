"""``batchnorm``: gamma*(x-mean)/sqrt(var+eps)+beta per channel (last axis), in float64.

Float stage only: ``fold_threshold`` turns batchnorm + sign into an integer
threshold, ``quantize_scores`` a final batchnorm into a fixed-point affine.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from compiler.ir import DType, Node, TensorType
from compiler.kernels import batchnorm_f64

from .base import ImportContext, LayerSpec, NoRTL, OpDef, check_channels
from .registry import register_op


class BatchNormSpec(LayerSpec):
    """Batch normalization (inference form) over the last axis."""

    op: Literal["batchnorm"]
    eps: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1e-5


@register_op
class BatchNorm(OpDef):
    name = "batchnorm"
    doc = "gamma*(x-mean)/sqrt(var+eps)+beta in float64"
    attrs = ("eps",)
    params = ("gamma", "beta", "mean", "var")
    spec = BatchNormSpec
    float_only = True
    rtl = NoRTL("batchnorm is float-stage only: fold_threshold and quantize_scores replace it")

    def infer(self, node: Node, t: TensorType) -> TensorType:
        check_channels(node, t, "gamma", "beta", "mean", "var")
        return TensorType(t.shape, DType.float())

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        p = node.params
        return batchnorm_f64(x, p["gamma"], p["beta"], p["mean"], p["var"], node.attrs["eps"])

    def build(self, ctx: ImportContext, spec: Any, t: TensorType, first: bool) -> Node:
        c = t.shape[-1]
        p = {k: ctx.take(spec.name, k, (c,)) for k in self.params}
        bad = np.nonzero(p["var"] <= 0)[0]
        if bad.size:
            raise ctx.error(f"var must be > 0 in every channel, not {float(p['var'][bad[0]])!r} (channel {bad[0]})",
                            spec.name, "var", weights_file=True)
        return Node(spec.name, "batchnorm", {"eps": float(spec.eps)}, p)
