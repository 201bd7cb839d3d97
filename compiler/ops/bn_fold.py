"""Exact integer forms of a batchnorm followed by a comparison: the thresholds an activation op folds into.

Shared by the activations' ``fold_activation`` rules (``sign`` today; a few-bit quantizer
derives each of its thresholds the same way): the analytic threshold, then corrected by
the few steps float rounding may have moved it, so the integer compare agrees with the
float64 expression itself at every integer input (tests/test_passes_props.py).
"""

from __future__ import annotations

import math

import numpy as np

from compiler.kernels import batchnorm_f64


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
            thresholds[k] = first_true(pred, lo, hi, guess)
        else:
            # x <= X ⇔ -x >= -X, with X the largest x where pred holds; search over y = -x.
            negate[k] = True
            thresholds[k] = first_true(lambda y: pred(-y), -hi, -lo, -guess + 1)
    return thresholds, negate
