"""``affine``: scale[c]*x + offset[c] on integers (fixed point with ``frac_bits`` fraction bits).

Created by ``quantize_scores`` (the final batchnorm) and ``lower_xnor_popcount``
(x = 2p − N). In hardware it exists only absorbed into the bnnc_mvtu before it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compiler.ir import DType, Node, TensorType

from .base import NoRTL, OpDef, check_channels, int_range
from .registry import register_op


@register_op
class Affine(OpDef):
    name = "affine"
    doc = "scale[c]*x + offset[c], integers (fixed point with frac_bits)"
    attrs = ("frac_bits",)
    params = ("scale", "offset")
    user_op = "batchnorm"
    rtl = NoRTL("an affine has RTL only inside the matrix layer before it (bnnc_mvtu's AFFINE output mode)")

    def infer(self, node: Node, t: TensorType) -> TensorType:
        lo, hi = int_range(t, node)
        check_channels(node, t, "scale", "offset")
        a = node.params["scale"].astype(object)
        b = node.params["offset"].astype(object)
        ends = [a * lo + b, a * hi + b]
        return TensorType(t.shape, DType.int(int(min(e.min() for e in ends)), int(max(e.max() for e in ends))))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        return node.params["scale"].astype(np.int64) * x.astype(np.int64) + node.params["offset"].astype(np.int64)

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        return {"frac_bits": node.attrs["frac_bits"]}
