"""Few-bit activations (docs/few-bit.md): ``quant``, its integer form ``multithreshold``, and the float ``scale``.

* ``quant`` (net.yaml): ``bits`` 1..4, ``signed``, ``narrow``, ``scale``; on a float input x the integer
  codes ``clip(rint(x / scale), qmin, qmax)``. Float stage only: ``fold_threshold`` folds it, with the
  batchnorm before it (and a matrix layer's ``scale`` before that), into a ``multithreshold``.
* ``multithreshold`` (integer stage): ``out_bias + #{k : (negate ? −x : x) ≥ T[c, k]}``; absorbed by the
  bnnc_mvtu of the matrix layer before it (OUT_MODE 3, MULTI_THRESHOLD).
* ``thresholds`` (net.yaml; FINN's MultiThreshold): integer codes ``out_bias + #{k : x ≥ T[c, k]}`` of float
  thresholds T (C, K) ascending per channel, with ``scale`` the codes' float value per step. Float stage only:
  folded like ``quant`` into a ``multithreshold``.
* ``scale`` (float stage, made by the graph builder): y = x · s[c] in float64, a matrix layer's float output
  scale where the input's scale times the weights' is not 1. Folded away with what follows it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from compiler.arith import ceil_div
from compiler.cores.multithreshold import MAX_THRESHOLDS, multithreshold_params
from compiler.cores.mvtu import MvtuOutput
from compiler.errors import BnncError
from compiler.hw.graph import Module
from compiler.hw.stream import Stream
from compiler.ir import DType, Node, TensorType
from compiler.kernels import quant_f64, scale_f64

from .base import ImportContext, LayerSpec, NoRTL, OpDef, OpTypeError, PlanContext, Stage, check_channels, int_range
from .bn_fold import level_thresholds, quant_thresholds
from .registry import register_op

MAX_BITS = 4


def code_range(bits: int, signed: bool, narrow: bool) -> tuple[int, int]:
    """(qmin, qmax) of a quant's integer codes (docs/few-bit.md's table).

    >>> code_range(2, True, True), code_range(2, True, False), code_range(2, False, False), code_range(2, False, True)
    ((-1, 1), (-2, 1), (0, 3), (0, 2))
    """
    if signed:
        half = 1 << (bits - 1)
        return (-(half - 1) if narrow else -half), half - 1
    return 0, (1 << bits) - (2 if narrow else 1)


class QuantSpec(LayerSpec):
    """Few-bit activation: integer codes clip(round_half_to_even(x / scale), qmin, qmax)."""

    op: Literal["quant"]
    bits: Annotated[int, Field(ge=1, le=MAX_BITS)]
    signed: bool = True
    narrow: bool = True
    scale: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0


@register_op
class Quant(OpDef):
    name = "quant"
    doc = "codes clip(rint(x / scale), qmin, qmax) of bits 1..4, signed or not, narrow or not"
    attrs = ("bits", "signed", "narrow", "scale")
    spec = QuantSpec
    float_only = True
    rtl = NoRTL("quant is float-stage only: fold_threshold replaces it (with its batchnorm) by a multithreshold")

    def example(self) -> tuple[TensorType, Node]:
        # (its input is a batchnorm's float output in a network; integers execute the same way)
        return (TensorType((3,), DType.int(-3, 3)),
                Node("q", "quant", {"bits": 2, "signed": True, "narrow": True, "scale": 0.5}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        return TensorType(t.shape, DType.int(*code_range(node.attrs["bits"], node.attrs["signed"], node.attrs["narrow"])))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        a = node.attrs
        return quant_f64(x, float(a["scale"]), *code_range(a["bits"], a["signed"], a["narrow"]))

    def build(self, ctx: ImportContext, spec: QuantSpec, t: TensorType) -> Node:
        if spec.narrow and spec.bits == 1:
            raise ctx.error("bits must be at least 2 for a narrow quant (its 1-bit range holds only 0), not 1",
                            spec.name, "bits")
        # (that the input is a batchnorm's output is a layer-order rule: compiler/frontend/build.py)
        return Node(spec.name, "quant", {"bits": spec.bits, "signed": spec.signed, "narrow": spec.narrow,
                                         "scale": float(spec.scale)})

    def fold_activation(self, node: Node, bn: Node | None, src: TensorType, scale: Node | None = None) -> Node | None:
        """quant(batchnorm(s·x)) → a multithreshold, each of its qmax − qmin thresholds per channel exact against the
        float64 chain at every integer x of ``src``'s range (:func:`quant_thresholds`); γ < 0 negates."""
        a = node.attrs
        qmin, qmax = code_range(a["bits"], a["signed"], a["narrow"])
        lo, hi = src.dtype.lo, src.dtype.hi
        assert lo is not None and hi is not None
        p = None if bn is None else (bn.params["gamma"], bn.params["beta"], bn.params["mean"], bn.params["var"],
                                     float(bn.attrs["eps"]))
        s = None if scale is None else scale.params["scale"]
        t, neg = quant_thresholds(p, s, float(a["scale"]), qmin, qmax, src.channels, lo, hi)
        return Node(node.name, "multithreshold", {"out_bias": qmin, "out_lo": qmin, "out_hi": qmax},
                    {"thresholds": t, "negate": neg}, type=node.type)

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        a = node.attrs
        return {"bits": a["bits"], "signed": a["signed"], "narrow": a["narrow"], "scale": a["scale"]}


MAX_LEVELS = 15  # codes of at most 4 bits: 16 values


class ThresholdsSpec(LayerSpec):
    """Codes out_bias + #{k : x >= T[c, k]} of float thresholds per channel (FINN's MultiThreshold)."""

    op: Literal["thresholds"]
    out_bias: Annotated[int, Field(ge=-8, le=15)] = 0
    scale: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0


@register_op
class Thresholds(OpDef):
    name = "thresholds"
    doc = "codes out_bias + #{k : x >= T[c, k]} of float thresholds T (C, K) ascending per channel; value scale*code"
    attrs = ("out_bias", "scale")
    params = ("thresholds",)
    spec = ThresholdsSpec
    float_only = True
    rtl = NoRTL("thresholds is float-stage only: fold_threshold replaces it (with its batchnorm) by a multithreshold")

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((2,), DType.int(-8, 8)),
                Node("t", "thresholds", {"out_bias": -1, "scale": 1.0},
                     {"thresholds": np.array([[-2.5, 0.0], [1.0, 1.0]])}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        th = node.params["thresholds"]
        if th.ndim != 2 or th.shape[0] != t.channels:
            raise OpTypeError(f"thresholds {node.name}: thresholds must have shape ({t.channels}, K), "
                              f"not {th.shape}")
        lo = int(node.attrs["out_bias"])
        return TensorType(t.shape, DType.int(lo, lo + int(th.shape[1])))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        th = node.params["thresholds"]
        xf = x.astype(np.float64, copy=False)
        out = np.full(x.shape, int(node.attrs["out_bias"]), dtype=np.int64)
        for k in range(th.shape[1]):
            out += xf >= th[:, k]
        return out

    def build(self, ctx: ImportContext, spec: ThresholdsSpec, t: TensorType) -> Node:
        c = t.channels
        th = ctx.optional(spec.name, "thresholds", tuple((c, k) for k in range(1, MAX_LEVELS + 1)))
        if th is None:
            raise ctx.error(f"array {spec.name}.thresholds must be present with shape [{c}, K] (K in 1..{MAX_LEVELS}), "
                            "not missing", spec.name, "thresholds", weights_file=True)
        if th.shape[1] > 1 and bool((np.diff(th, axis=1) < 0).any()):
            c_bad = int(np.flatnonzero((np.diff(th, axis=1) < 0).any(axis=1))[0])
            raise ctx.error(f"{spec.name}.thresholds must be ascending in each channel, not fall in channel {c_bad}",
                            spec.name, "thresholds", weights_file=True)
        lo, hi = spec.out_bias, spec.out_bias + int(th.shape[1])
        if not ((lo >= 0 and hi <= 15) or (lo >= -8 and hi <= 7)):
            raise ctx.error(f"the codes [out_bias, out_bias + K] must fit 4 bits ([0, 15] or [-8, 7]), not "
                            f"[{lo}, {hi}]", spec.name, "out_bias")
        return Node(spec.name, "thresholds", {"out_bias": int(spec.out_bias), "scale": float(spec.scale)},
                    {"thresholds": th})

    def fold_activation(self, node: Node, bn: Node | None, src: TensorType, scale: Node | None = None) -> Node | None:
        """thresholds(batchnorm(s·x)) → a multithreshold, each threshold exact against the float64 chain at every
        integer x of ``src``'s range (:func:`level_thresholds`); γ < 0 negates."""
        lo, hi = src.dtype.lo, src.dtype.hi
        assert lo is not None and hi is not None
        p = None if bn is None else (bn.params["gamma"], bn.params["beta"], bn.params["mean"], bn.params["var"],
                                     float(bn.attrs["eps"]))
        s = None if scale is None else scale.params["scale"]
        t, neg = level_thresholds(p, s, node.params["thresholds"], lo, hi)
        b = int(node.attrs["out_bias"])
        k = int(t.shape[1])
        return Node(node.name, "multithreshold", {"out_bias": b, "out_lo": b, "out_hi": b + k},
                    {"thresholds": t, "negate": neg}, type=node.type)

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        return {"out_bias": node.attrs["out_bias"], "scale": node.attrs["scale"],
                "levels": int(node.params["thresholds"].shape[1])}


@register_op
class MultiThreshold(OpDef):
    name = "multithreshold"
    doc = "out_bias + #{k : (negate ? -x : x) >= T[c, k]}, integers per channel (a quant's codes)"
    attrs = ("out_bias", "out_lo", "out_hi")
    params = ("thresholds", "negate")
    user_op = "quant"
    lane_transparent = True
    # After a matrix layer bnnc_mvtu's output stage computes it (OUT_MODE 3); elsewhere (a quant of the network's
    # input pixels, Brevitas's QuantIdentity before the first layer) it is bnnc_multithreshold, whose thresholds are
    # the same for every channel.

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((3,), DType.int(0, 15)),
                Node("mt", "multithreshold", {"out_bias": -1, "out_lo": -1, "out_hi": 1},
                     {"thresholds": np.array([[4, 9], [4, 9], [4, 9]]), "negate": np.array([True, True, True])}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        int_range(t, node)
        check_channels(node, t, "negate")
        th = node.params["thresholds"]
        lo, hi, bias = int(node.attrs["out_lo"]), int(node.attrs["out_hi"]), int(node.attrs["out_bias"])
        if th.shape != (t.channels, hi - lo) or bias != lo:
            raise OpTypeError(f"multithreshold {node.name}: thresholds must have shape ({t.channels}, {hi - lo}) and "
                              f"out_bias be out_lo {lo}, not {th.shape} and {bias}")
        if th.shape[1] > 1 and bool((np.diff(th, axis=1) < 0).any()):
            raise OpTypeError(f"multithreshold {node.name}: thresholds must be sorted ascending per channel")
        return TensorType(t.shape, DType.int(lo, hi))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        neg = node.params["negate"].astype(bool)
        th = node.params["thresholds"].astype(np.int64)
        xx = x.astype(np.int64, copy=False)
        if th.size and not (-(2**62) < int(th.min()) and int(th.max()) < 2**62):
            return self._execute_negating(xx, neg, th, int(node.attrs["out_bias"]))
        # −x ≥ T ⇔ ¬(x ≥ 1 − T) on integers: a negated channel counts the compares against 1 − T that fail, so x
        # is never negated or copied; the counts (≤ 15 levels) add up in one byte per element, widened once.
        flip = np.where(neg[:, None], 1 - th, th)
        count = np.zeros(xx.shape, dtype=np.uint8)
        hit = np.empty(xx.shape, dtype=bool)
        for k in range(th.shape[1]):  # one compare per level: no (N, ..., C, K) intermediate
            np.greater_equal(xx, flip[:, k], out=hit)
            np.not_equal(hit, neg, out=hit)
            count += hit
        out = count.astype(np.int64)
        out += int(node.attrs["out_bias"])
        return out

    def plan(self, stage: Stage, cur: Stream, ctx: PlanContext) -> list[Module]:
        """One bnnc_multithreshold: the same thresholds on every lane, codes out, one beat per input beat."""
        node = stage.head
        th, neg = node.params["thresholds"].astype(np.int64), node.params["negate"].astype(bool)
        k = int(th.shape[1])
        same = bool(np.all(th == th[0]) and np.all(neg == neg[0]))
        if not same or not 1 <= k <= MAX_THRESHOLDS or cur.elem_bits > 30:
            why = (f"{k} thresholds" if not 1 <= k <= MAX_THRESHOLDS else "thresholds that differ between channels"
                   if not same else f"{cur.elem_bits}-bit inputs")
            raise BnncError(f"a quant not directly after a dense or conv2d layer must have the same 1..{MAX_THRESHOLDS} "
                            f"thresholds in every channel of inputs of at most 30 bits (bnnc_multithreshold), not "
                            f"{why}; put its batchnorm directly after a matrix layer", file=ctx.source,
                            layer=node.name, field="op")
        params = multithreshold_params(cur.lanes, cur.elem_bits, cur.signed, th[0].tolist(), bool(neg[0]),
                                       int(node.attrs["out_lo"]), int(node.attrs["out_hi"]), cur.elems)
        out = Stream.of_tensor(node.name, node.name, node.out, cur.lanes, vectors=cur.vectors)
        return [Module(node.name, params, cur, out, layers=(node.name,), cycles=cur.beats_per_image)]

    @staticmethod
    def _execute_negating(xx: np.ndarray, neg: np.ndarray, th: np.ndarray, bias: int) -> np.ndarray:
        """The definition as written, for thresholds near int64's ends (where 1 − T would wrap)."""
        if neg.any():
            xx = np.where(neg, -xx, xx)
        out = np.full(xx.shape, bias, dtype=np.int64)
        for k in range(th.shape[1]):
            out += xx >= th[:, k]
        return out

    def in_popcount_domain(self, node: Node, n: int) -> Node | None:
        """x = 2p − N: T → ⌈(T+N)/2⌉ in [0, N+1]; a negated channel (−x ≥ T ⇔ −p ≥ ⌈(T−N)/2⌉) in [−N, 1]."""
        t = node.params["thresholds"].astype(np.int64)
        neg = node.params["negate"][:, None]
        plain = np.clip(ceil_div(t + n, 2), 0, n + 1)
        negated = np.clip(ceil_div(t - n, 2), -n, 1)
        return node.replace(params={**node.params, "thresholds": np.where(neg, negated, plain)})

    def mvtu_output(self, node: Node, acc: DType) -> MvtuOutput:
        """MULTI_THRESHOLD: the unit counts the thresholds each accumulator reaches and adds OUT_BIAS."""
        assert acc.lo is not None and acc.hi is not None
        # a range of one code (refused at import, kept total here) has no threshold; the unit takes N_THR >= 1
        n_thr = max(1, int(node.params["thresholds"].shape[1]))
        return MvtuOutput.multi_threshold(acc.lo, acc.hi, n_thr, int(node.attrs["out_lo"]),
                                          int(node.attrs["out_hi"]))

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        return {"threshold_bits": t_in.dtype.bits, "thresholds_per_channel": int(node.params["thresholds"].shape[1]),
                "code_lo": int(node.attrs["out_lo"]), "code_hi": int(node.attrs["out_hi"])}


@register_op
class Scale(OpDef):
    name = "scale"
    doc = "x * s[c] in float64: a matrix layer's float output scale (input scale x weight scale)"
    params = ("scale",)
    float_only = True
    rtl = NoRTL("scale is float-stage only: fold_threshold and quantize_scores fold it with what follows it")

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((3,), DType.int(-6, 6)), Node("sc", "scale", {}, {"scale": np.array([0.5, 1.0, 0.25])}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        check_channels(node, t, "scale")
        return TensorType(t.shape, DType.float())

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        return scale_f64(x, node.params["scale"])

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        s = node.params["scale"]
        return {"scale_min": float(s.min()), "scale_max": float(s.max())}


def is_unit(s: np.ndarray) -> bool:
    """Whether a per-channel scale is exactly 1 everywhere (no scale node is needed)."""
    return bool(np.all(np.asarray(s) == 1.0))


__all__ = ["MAX_BITS", "MAX_LEVELS", "MultiThreshold", "Quant", "QuantSpec", "Scale", "Thresholds", "ThresholdsSpec",
           "code_range", "is_unit"]
