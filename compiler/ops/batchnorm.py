"""``batchnorm``: gamma*(x-mean)/sqrt(var+eps)+beta per channel (last axis), in float64.

Float stage only: ``fold_threshold`` turns batchnorm + sign into an integer
threshold, ``quantize_scores`` a final batchnorm into a fixed-point affine.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from compiler.errors import BnncError, number
from compiler.ir import DType, Node, TensorType
from compiler.kernels import batchnorm_f64, scale_f64

from .base import ImportContext, LayerSpec, NoRTL, OpDef, check_channels
from .registry import register_op


class BatchNormSpec(LayerSpec):
    """Batch normalization (inference form) over the last axis."""

    op: Literal["batchnorm"]
    # eps >= 0: var > 0 in every channel (checked on the arrays) already keeps sqrt(var + eps) > 0
    eps: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 1e-5


@register_op
class BatchNorm(OpDef):
    name = "batchnorm"
    doc = "gamma*(x-mean)/sqrt(var+eps)+beta in float64"
    attrs = ("eps",)
    params = ("gamma", "beta", "mean", "var")
    spec = BatchNormSpec
    float_only = True
    rtl = NoRTL("batchnorm is float-stage only: fold_threshold and quantize_scores replace it")

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((3,), DType.int(0, 15)),
                Node("bn", "batchnorm", {"eps": 1e-5},
                     {"gamma": np.array([1.0, -2.0, 0.0]), "beta": np.array([0.5, 0.0, 1.0]),
                      "mean": np.array([7.0, 3.0, 0.0]), "var": np.array([4.0, 1.0, 2.0])}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        check_channels(node, t, "gamma", "beta", "mean", "var")
        return TensorType(t.shape, DType.float())

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        p = node.params
        return batchnorm_f64(x, p["gamma"], p["beta"], p["mean"], p["var"], node.attrs["eps"])

    def build(self, ctx: ImportContext, spec: BatchNormSpec, t: TensorType) -> Node:
        c = t.shape[-1]
        p = {k: ctx.take(spec.name, k, (c,)) for k in self.params}
        bad = np.nonzero(p["var"] <= 0)[0]
        if bad.size:
            raise ctx.error(f"var must be > 0 in every channel, not {float(p['var'][bad[0]])!r} (channel {bad[0]})",
                            spec.name, "var", weights_file=True)
        eps = float(spec.eps)
        if t.dtype.is_integral:  # (a float input: a scale node's, checked by the graph builder; else refused there)
            assert t.dtype.lo is not None and t.dtype.hi is not None
            err = overflow_error(ctx, spec.name, p, eps, t.dtype.lo, t.dtype.hi)
            if err is not None:
                raise err
        return Node(spec.name, "batchnorm", {"eps": eps}, p)


def overflow_error(ctx: ImportContext, layer: str, p: dict[str, np.ndarray], eps: float, lo: int, hi: int,
                   scale: np.ndarray | None = None) -> BnncError | None:
    """The one-line error for the first channel whose batchnorm overflows float64 on inputs in [lo, hi] (with
    ``scale``: on scale[c] * x for integer x in [lo, hi], a matrix layer's float output), or None."""
    why = overflow(p, eps, lo, hi, scale)
    if why is None:
        return None
    k, field = why
    inputs = f"[{lo}, {hi}]" if scale is None else f"{number(scale[k])} x [{lo}, {hi}] (the layer's float scale)"
    return ctx.error(f"the batchnorm of channel {k} must stay finite in float64 for inputs in {inputs}, not overflow "
                     f"(gamma {number(p['gamma'][k])}, beta {number(p['beta'][k])}, mean {number(p['mean'][k])}, "
                     f"var {number(p['var'][k])}, eps {number(eps)})", layer, field, weights_file=True)


def overflow(p: dict[str, np.ndarray], eps: float, lo: int, hi: int,
             scale: np.ndarray | None = None) -> tuple[int, str] | None:
    """(channel, the parameter to blame) of the first channel whose batchnorm overflows float64 somewhere
    on inputs in [lo, hi], or None; with ``scale`` (per channel, > 0: a matrix layer's ``scale`` node before the
    batchnorm) on its inputs scale[c] * x, x in [lo, hi], as the float stage computes them (scale_f64).

    Both forms bnnc evaluates must stay finite: gamma*(x-mean)/sqrt(var+eps)+beta itself (the float
    stage and the threshold fold), monotone in x so its extremes are at lo and hi, and the affine
    a*x + b (a = gamma/sqrt(var+eps), b = beta - a*mean) that a final batchnorm becomes, bounded by
    |a|*max(|lo|, |hi|) + |b|. A finite but extreme channel (gamma 1e308) is refused here in one line
    rather than giving inf or NaN scores (and numpy's overflow warnings) later.
    """
    g, b, m, v = p["gamma"], p["beta"], p["mean"], p["var"]
    with np.errstate(all="ignore"):  # overflow is what is being measured, never printed
        x = np.array([[lo], [hi]], dtype=np.float64)
        if scale is not None:  # x -> s * x is monotone for s > 0: the scaled ends are still the extremes
            x = scale_f64(x, np.asarray(scale, dtype=np.float64))
        ends = batchnorm_f64(x, g, b, m, v, eps)
        a = g / np.sqrt(v + eps)
        off = b - a * m
        bound = np.abs(a) * np.abs(x).max(axis=0) + np.abs(off)
    ok = np.isfinite(ends).all(axis=0) & np.isfinite(a) & np.isfinite(off) & np.isfinite(bound)
    bad = np.nonzero(~ok)[0]
    if not bad.size:
        return None
    k = int(bad[0])
    if not np.isfinite(a[k]) or np.isfinite(off[k]):
        return k, "gamma"
    return k, "beta" if abs(b[k]) >= abs(m[k]) else "mean"
