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


def first_true_channels(pred: Callable[[np.ndarray, np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray,
                        guess: np.ndarray) -> np.ndarray:
    """:func:`first_true` for many channels at once: per channel c, the smallest integer x in [lo[c], hi[c]] with
    pred true (hi[c] + 1 if none), walked from ``guess[c]``.

    ``pred(idx, x)`` evaluates the predicate of channels ``idx`` at integers ``x`` (same length) elementwise.
    Every channel takes exactly the steps :func:`first_true` takes for it (down while the one below holds, then
    up while it does not), and is asked only at the x that walk asks, so the result is the same even for a
    predicate that is not monotone; the channels still walking are evaluated together, one numpy call per step.
    """
    x = np.minimum(np.maximum(guess, lo), hi + 1)
    idx = np.flatnonzero(x > lo)
    while idx.size:  # walk down: x - 1 still passes
        step = pred(idx, x[idx] - 1)
        idx = idx[step]
        x[idx] -= 1
        idx = idx[x[idx] > lo[idx]]
    idx = np.flatnonzero(x <= hi)
    while idx.size:  # walk up: x does not pass yet
        step = ~pred(idx, x[idx])
        idx = idx[step]
        x[idx] += 1
        idx = idx[x[idx] <= hi[idx]]
    return x


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

    All channels of a level are found together (:func:`first_true_channels`): the chain is evaluated elementwise
    on vectors of channels, each element the same float64 operations, in the same order, on the same operands as
    a one-channel evaluation, so every threshold is the one the per-channel walk of :func:`level_threshold` finds
    (IEEE +, −, ×, ÷, sqrt and rint round each element on its own).
    """
    def boundary(k: int, live: np.ndarray) -> np.ndarray:
        return np.full(live.size, (qmin + k + 1 - 0.5) * q_scale)  # where the code reaches qmin + k + 1

    def reached(k: int, idx: np.ndarray, y: np.ndarray) -> np.ndarray:
        return quant_f64(y, q_scale, qmin, qmax) >= qmin + k + 1

    return _walk_levels(bn, scale, channels, qmax - qmin, lo, hi, boundary, reached)


def level_thresholds(bn: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None,
                     scale: np.ndarray | None, levels: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (T (C, K) ascending, negate (C,)) with ``#{k : (negate ? −x : x) ≥ T[c, k]}`` equal to
    ``#{k : y ≥ levels[c, k]}``, y = ``batchnorm_f64(scale_f64(x, s))``, at every integer x in [lo, hi].

    ``levels`` (C, K) are float thresholds on y, ascending per channel (a ``thresholds`` layer's, FINN's
    MultiThreshold's); ``bn`` is (γ, β, μ, var, eps) or None, ``scale`` the per-channel float scale or None. Each
    integer threshold is the analytic boundary taken back through the batchnorm and the scale, then walked against
    the float64 chain itself (:func:`first_true_channels`), so it is exact at every integer x; γ < 0 negates (y
    falls as x rises), γ = 0 gives a constant count (thresholds at lo, always passed, or hi + 1, never).
    """
    levels = np.asarray(levels, dtype=np.float64)

    def boundary(k: int, live: np.ndarray) -> np.ndarray:
        return levels[live, k]

    def reached(k: int, idx: np.ndarray, y: np.ndarray) -> np.ndarray:
        return y >= levels[idx, k]

    return _walk_levels(bn, scale, levels.shape[0], levels.shape[1], lo, hi, boundary, reached)


def _walk_levels(bn: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None, scale: np.ndarray | None,
                 channels: int, n_levels: int, lo: int, hi: int,
                 boundary: Callable[[int, np.ndarray], np.ndarray],
                 reached: Callable[[int, np.ndarray, np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The (C, n_levels) integer thresholds and (C,) negate flags of a monotone activation of
    y = ``batchnorm_f64(scale_f64(x, s))``: level k of channels ``idx`` is passed where ``reached(k, idx, y)``, and
    ``boundary(k, live)`` is the analytic y at which the ``live`` channels reach it (the walk's start, taken back
    through the batchnorm and the scale). Shared by :func:`quant_thresholds` and :func:`level_thresholds`."""
    thresholds = np.zeros((channels, n_levels), dtype=np.int64)
    negate = np.zeros(channels, dtype=bool)
    if n_levels == 0 or channels == 0:
        return thresholds, negate
    g = np.ones(channels) if bn is None else np.asarray(bn[0], dtype=np.float64)

    def value(idx: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The float stage's y for channels ``idx`` at integer accumulators ``x``: the reference's chain."""
        y = x.astype(np.float64) if scale is None else scale_f64(x, np.asarray(scale, dtype=np.float64)[idx])
        if bn is not None:
            y = batchnorm_f64(y, bn[0][idx], bn[1][idx], bn[2][idx], bn[3][idx], bn[4])
        return y

    zero = g == 0
    up = g > 0  # the level rises with x; otherwise (γ < 0, or NaN as level_threshold takes it) it falls: negate
    negate[~zero] = ~up[~zero]
    live = np.flatnonzero(~zero)
    lo_v, hi_v = np.full(live.size, lo, dtype=np.int64), np.full(live.size, hi, dtype=np.int64)
    for k in range(n_levels):
        if zero.any():  # a constant y: the level is passed everywhere or nowhere
            zi = np.flatnonzero(zero)
            thresholds[zi, k] = np.where(reached(k, zi, value(zi, np.full(zi.size, lo, dtype=np.int64))), lo, hi + 1)
        if not live.size:
            continue
        z = boundary(k, live)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if bn is None:
                tau = np.array(z, dtype=np.float64)
            else:
                m, b, v = (np.asarray(a, dtype=np.float64)[live] for a in (bn[2], bn[1], bn[3]))
                tau = m + (z - b) * np.sqrt(v + bn[4]) / g[live]
            if scale is not None:
                tau = tau / np.asarray(scale, dtype=np.float64)[live]
        # level_threshold's start: ⌈τ⌉ (±∞ and NaN to an end), held within [lo − 1, hi + 2]
        finite = np.isfinite(tau)
        guess = np.where(finite, np.ceil(np.where(finite, tau, 0.0)), np.where(tau > 0, hi + 1, lo))
        guess = np.minimum(np.maximum(guess, lo - 1), hi + 2).astype(np.int64)
        inc = up[live]
        # a falling level searches y = −x (x ≤ X ⇔ −x ≥ −X) over [−hi, −lo] from −guess + 1, as level_threshold
        s_lo, s_hi = np.where(inc, lo_v, -hi_v), np.where(inc, hi_v, -lo_v)
        start = np.where(inc, guess, 1 - guess)
        sign = np.where(inc, 1, -1)

        def passes(j: np.ndarray, y: np.ndarray, k: int = k) -> np.ndarray:
            return reached(k, live[j], value(live[j], sign[j] * y))

        thresholds[live, k] = first_true_channels(passes, s_lo, s_hi, start)
    return thresholds, negate
