"""Exact integer forms of a batchnorm followed by a comparison: the thresholds an activation op folds into.

Shared by the activations' ``fold_activation`` rules (``sign``'s one threshold, ``quant``'s
qmax − qmin thresholds of a multi-threshold, each derived the same way): the analytic threshold, then corrected by
the few steps float rounding may have moved it, so the integer compare agrees with the
float64 expression itself at every integer input (tests/test_passes_props.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from compiler.kernels import batchnorm_f64, quant_f64, scale_f64


def first_true(pred, lo: int, hi: int, guess: int) -> int:
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


def level_threshold(pred: Callable[[int], bool], increasing: bool, tau: float, lo: int, hi: int) -> tuple[int, bool]:
    """(T, negate) with ``(negate ? -x : x) >= T`` ⇔ ``pred(x)`` for every integer x in [lo, hi].

    ``pred`` is monotone: false then true as x rises (``increasing``) or true then false;
    ``tau`` is the analytic boundary (x ≥ τ, or x ≤ τ), the walk's starting guess.
    """
    guess = math.ceil(tau) if math.isfinite(tau) else (hi + 1 if tau > 0 else lo)
    guess = int(min(max(guess, lo - 1), hi + 2))
    if increasing:
        return first_true(pred, lo, hi, guess), False
    # x <= X ⇔ -x >= -X, with X the largest x where pred holds; search over y = -x.
    return first_true(lambda y: pred(-y), -hi, -lo, -guess + 1), True


def bn_sign_thresholds(gamma: np.ndarray, beta: np.ndarray, mean: np.ndarray, var: np.ndarray, eps: float,
                       thr: float, lo: int, hi: int, scale: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (T, negate) with ``(negate ? -x : x) >= T`` ⇔ ``batchnorm_f64(x·s) >= thr`` for x in [lo, hi].

    The analytic threshold is τ = (μ + (thr − β)·σ/γ) / s; the result is then made exact for
    the float64 expression itself, which is monotone in x (every IEEE step is).
    γ < 0 flips the comparison (negate); γ = 0 gives a constant channel. ``scale`` (s, per
    channel, > 0; :func:`scale_f64`) is the matrix layer's float output scale, None for none.
    """
    c = gamma.shape[0]
    thresholds = np.zeros(c, dtype=np.int64)
    negate = np.zeros(c, dtype=bool)
    for k in range(c):
        g, b, m, v = gamma[k:k + 1], beta[k:k + 1], mean[k:k + 1], var[k:k + 1]
        s = None if scale is None else scale[k:k + 1]

        def pred(x: int) -> bool:
            xs = np.array([x], dtype=np.float64) if s is None else scale_f64(np.array([x]), s)
            return bool(batchnorm_f64(xs, g, b, m, v, eps)[0] >= thr)

        sigma = math.sqrt(float(v[0]) + eps)
        if g[0] == 0:
            thresholds[k] = lo if pred(lo) else hi + 1
            continue
        tau = float(m[0]) + (thr - float(b[0])) * sigma / float(g[0])
        if s is not None:
            tau /= float(s[0])
        thresholds[k], negate[k] = level_threshold(pred, bool(g[0] > 0), tau, lo, hi)
    return thresholds, negate


def quant_thresholds(bn: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None, scale: np.ndarray | None,
                     q_scale: float, qmin: int, qmax: int, channels: int, lo: int,
                     hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (T (C, qmax − qmin) ascending, negate (C,)) with ``qmin + #{k : (negate ? −x : x) ≥ T[k]}`` equal
    to ``quant_f64(batchnorm_f64(scale_f64(x, s)), q_scale, qmin, qmax)`` at every integer x in [lo, hi].

    ``bn`` is (γ, β, μ, var, eps) or None (no batchnorm), ``scale`` the per-channel float scale or None. Threshold k
    is the first x whose code reaches qmin + k + 1: the analytic boundary (the rounding's half-way point
    (qmin + k + ½)·q_scale taken back through the batchnorm and the scale), then walked against the float64 chain
    itself, so ties (half-way to even), γ < 0 (negate: the code falls as x rises) and γ = 0 (a constant code:
    thresholds at lo, always passed, or hi + 1, never) are exact.
    """
    levels = qmax - qmin
    thresholds = np.zeros((channels, levels), dtype=np.int64)
    negate = np.zeros(channels, dtype=bool)
    for c in range(channels):
        s = None if scale is None else scale[c:c + 1]
        p = None if bn is None else (bn[0][c:c + 1], bn[1][c:c + 1], bn[2][c:c + 1], bn[3][c:c + 1], bn[4])

        def code(x: int) -> int:
            y = np.array([x], dtype=np.float64) if s is None else scale_f64(np.array([x]), s)
            if p is not None:
                y = batchnorm_f64(y, *p)
            return int(quant_f64(y, q_scale, qmin, qmax)[0])

        g = 1.0 if p is None else float(p[0][0])
        for k in range(levels):
            want = qmin + k + 1

            def pred(x: int) -> bool:
                return code(x) >= want

            if g == 0:
                thresholds[c, k] = lo if pred(lo) else hi + 1
                continue
            z = (want - 0.5) * q_scale  # the batchnorm's output where the code reaches ``want``
            tau = z if p is None else float(p[2][0]) + (z - float(p[1][0])) * math.sqrt(float(p[3][0]) + p[4]) / g
            if s is not None:
                tau /= float(s[0])
            thresholds[c, k], negate[c] = level_threshold(pred, g > 0, tau, lo, hi)
    return thresholds, negate
