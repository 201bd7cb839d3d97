"""Batchnorm + sign (and a bare sign on integers) → an integer threshold per channel."""

from __future__ import annotations

import math

import numpy as np

from compiler.ir import Graph, Node
from compiler.kernels import batchnorm_f64
from compiler.ops import infer_types

from .registry import PassContext, register


def _first_true(pred, lo: int, hi: int, guess: int) -> int:
    """Smallest integer x in [lo, hi] with pred(x) for a monotone (false...true) pred; hi+1 if none.

    Starts at ``guess`` (the analytic threshold) and walks the few steps that float
    rounding may have moved it, so the result is exact for the float64 predicate.
    """
    x = min(max(guess, lo), hi + 1)
    while x > lo and pred(x - 1):
        x -= 1
    while x <= hi and not pred(x):
        x += 1
    return x


def bn_sign_thresholds(gamma: np.ndarray, beta: np.ndarray, mean: np.ndarray, var: np.ndarray, eps: float,
                       thr: float, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (T, negate) with ``(negate ? -x : x) >= T`` ⇔ ``batchnorm_f64(x) >= thr`` for x in [lo, hi].

    The analytic threshold is τ = μ + (thr − β)·σ/γ; the result is then made exact for
    the float64 expression itself, which is monotone in x (every IEEE step is).
    γ < 0 flips the comparison (negate); γ = 0 gives a constant channel.
    """
    c = gamma.shape[0]
    thresholds = np.zeros(c, dtype=np.int64)
    negate = np.zeros(c, dtype=bool)
    for k in range(c):
        g, b, m, v = gamma[k:k + 1], beta[k:k + 1], mean[k:k + 1], var[k:k + 1]

        def pred(x: int) -> bool:
            return bool(batchnorm_f64(np.array([x], dtype=np.float64), g, b, m, v, eps)[0] >= thr)

        sigma = math.sqrt(float(v[0]) + eps)
        if g[0] == 0:
            thresholds[k] = lo if pred(lo) else hi + 1
            continue
        tau = float(m[0]) + (thr - float(b[0])) * sigma / float(g[0])
        guess = math.ceil(tau) if math.isfinite(tau) else (hi + 1 if tau > 0 else lo)
        guess = int(min(max(guess, lo - 1), hi + 2))
        if g[0] > 0:
            thresholds[k] = _first_true(pred, lo, hi, guess)
        else:
            # x <= X ⇔ -x >= -X, with X the largest x where pred holds; search over y = -x.
            negate[k] = True
            thresholds[k] = _first_true(lambda y: pred(-y), -hi, -lo, -guess + 1)
    return thresholds, negate


@register("fold_threshold")
def fold_threshold(graph: Graph, ctx: PassContext) -> Graph:
    """sign(γ(x−μ)/σ+β) → x ≥ ⌈μ−βσ/γ⌉ (negated compare where γ<0, constant where γ=0); sign(x) on ints → x ≥ ⌈t⌉."""
    nodes: list[Node] = []
    for node in graph.nodes:
        if node.op != "sign":
            nodes.append(node)
            continue
        prev = nodes[-1] if nodes else None
        thr = float(node.attrs["threshold"])
        if prev is not None and prev.op == "batchnorm":
            src = graph.input if len(nodes) == 1 else nodes[-2].out
            if not src.dtype.is_integral:
                nodes.append(node)
                continue
            p = prev.params
            t, neg = bn_sign_thresholds(p["gamma"], p["beta"], p["mean"], p["var"], prev.attrs["eps"], thr,
                                        src.dtype.lo, src.dtype.hi)
            nodes[-1] = Node(node.name, "threshold", {}, {"thresholds": t, "negate": neg}, type=node.type)
            continue
        src = graph.input if not nodes else nodes[-1].out
        if not src.dtype.is_integral:
            nodes.append(node)
            continue
        c = src.channels
        t = np.full(c, min(max(math.ceil(thr), src.dtype.lo), src.dtype.hi + 1), dtype=np.int64)
        nodes.append(Node(node.name, "threshold", {}, {"thresholds": t, "negate": np.zeros(c, dtype=bool)},
                          type=node.type))
    return infer_types(graph.with_nodes(nodes))
