"""``dense`` and its XNOR-popcount form ``xnor_dense``: y = W x with ±1 weights, on one bnnc_mvtu.

* ``dense`` (net.yaml): ``units``; array ``weight`` (units, in_features), binarized
  with sign(0) = +1. On the integer network input it is an add/subtract of
  integers; on bipolar inputs ``lower_xnor_popcount`` turns it into ``xnor_dense``.
* ``xnor_dense``: p = popcount(xnor(x, w)) over bipolar x, the popcount domain
  (acc + N) / 2.
* Hardware: one ``bnnc_mvtu`` (PE x SIMD folded) whose output stage absorbs the
  threshold (1-bit lanes) or fixed-point affine (score lanes) that follows.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from compiler.ir import DType, Node, TensorType
from compiler.kernels import GEMM_MIN_WORK, int_matmul, xnor_popcount, xnor_threshold_gemm

from .base import ImportContext, LayerSpec, OpTypeError, PositiveInt, Stage, example_weights, int_range, reads_integer
from .matrix import MatrixOp, WeightBits, build_weights, matrix_range
from .registry import register_op


class DenseSpec(LayerSpec):
    """Fully connected layer with ±1 weights (or few-bit integer codes: ``weight_bits``)."""

    op: Literal["dense"]
    units: PositiveInt
    weight_bits: WeightBits = 1


@register_op
class Dense(MatrixOp):
    name = "dense"
    doc = "y = W x, W in ±1 (add/subtract of integers)"
    attrs = ("units",)
    spec = DenseSpec
    xnor_form = "xnor_dense"
    absorbs = ("threshold", "multithreshold", "affine")
    buffered = True

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((6,), DType.int(0, 15)), Node("fc", "dense", {"units": 4, "pe": 2, "simd": 3, "cycles": 4},
                                                       {"weight": example_weights(4, 6)}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        w = node.params["weight"]
        if len(t.shape) != 1 or t.shape[0] != w.shape[1]:
            raise OpTypeError(f"dense {node.name} needs a ({w.shape[1]},) input, not {list(t.shape)}")
        if t.dtype.is_float:
            return TensorType((w.shape[0],), DType.float())
        return TensorType((w.shape[0],), DType.int(*matrix_range(w, *int_range(t, node))))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        w = node.params["weight"]
        if x.dtype == np.float64:
            return x @ w.T.astype(np.float64)
        return int_matmul(x, w)

    def build(self, ctx: ImportContext, spec: DenseSpec, t: TensorType) -> Node:
        if not t.dtype.is_bipolar and not reads_integer(ctx, t):
            raise ctx.error(f"the input of dense must be bipolar (add a sign layer before it), a quant's codes or "
                            f"the integer network input, not {t.dtype}", spec.name, "op")
        if len(t.shape) != 1:
            raise ctx.error(f"the input of dense must be a vector (add a flatten layer before it), not shape "
                            f"{list(t.shape)}", spec.name, "op")
        w = ctx.take(spec.name, "weight", (spec.units, t.shape[0]))
        attrs = {"units": spec.units, **({"weight_bits": spec.weight_bits} if spec.weight_bits > 1 else {})}
        return Node(spec.name, "dense", attrs, {"weight": build_weights(ctx, spec.name, spec.weight_bits, w)})


@register_op
class XnorDense(MatrixOp):
    name = "xnor_dense"
    doc = "p = popcount(xnor(x, w)) over bipolar x: the popcount domain, (acc + N) / 2"
    attrs = ("units",)
    user_op = "dense"
    absorbs = ("threshold", "multithreshold", "affine")
    buffered = True

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((6,), DType.bipolar()), Node("fc", "xnor_dense", {"units": 4, "pe": 2, "simd": 3, "cycles": 4},
                                                             {"weight": example_weights(4, 6)}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        w = node.params["weight"]
        if not t.dtype.is_bipolar or len(t.shape) != 1 or t.shape[0] != w.shape[1]:
            raise OpTypeError(f"xnor_dense {node.name} needs a bipolar ({w.shape[1]},) input, not {t}")
        return TensorType((w.shape[0],), DType.int(0, int(w.shape[1])))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        return xnor_popcount(x, node.params["weight"])

    def execute_fused(self, stage: Stage, x: np.ndarray) -> np.ndarray | None:
        """XNOR-popcount and a plain threshold on one float32 GEMM, for batches big enough to gain from it."""
        th = stage.consumer
        w = stage.head.params["weight"]
        if th is None or th.op != "threshold" or th.params["negate"].any() or x.shape[0] * w.size < GEMM_MIN_WORK:
            return None
        return xnor_threshold_gemm(x, w, th.params["thresholds"])
