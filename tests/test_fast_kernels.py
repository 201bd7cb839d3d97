"""The compile-time kernels of issue 23 give exactly what the plain per-element forms give.

* ``bn_fold.quant_thresholds`` walks every channel together; each threshold must equal the one the
  per-channel walk (``level_threshold`` on the one-channel float64 chain, as it was written first) finds.
* ``kernels.int_conv`` (windows built in float, by blocks of images) equals ``int_matmul`` on ``im2col``.
* ``multithreshold``'s execute (negated channels as failed compares against 1 − T) equals its definition.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.ir import Node
from compiler.kernels import batchnorm_f64, im2col, int_conv, int_matmul, quant_f64, scale_f64
from compiler.ops.bn_fold import level_threshold, quant_thresholds
from compiler.ops.quant import MultiThreshold, code_range

GAMMA = st.one_of(st.sampled_from([0.0, -0.0, 1e-12, -1e-12, 1.0, -1.0, 0.5, -0.25, 1e6]),
                  st.floats(-10, 10, allow_nan=False, allow_infinity=False))


def per_channel_thresholds(bn, scale, q_scale: float, qmin: int, qmax: int, channels: int, lo: int,
                           hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The one-channel-at-a-time derivation (the form quant_thresholds had before it was vectorized)."""
    levels = qmax - qmin
    thresholds = np.zeros((channels, levels), dtype=np.int64)
    negate = np.zeros(channels, dtype=bool)
    for c in range(channels):
        s = None if scale is None else scale[c:c + 1]
        p = None if bn is None else (bn[0][c:c + 1], bn[1][c:c + 1], bn[2][c:c + 1], bn[3][c:c + 1], bn[4])

        def code(x: int, s=s, p=p) -> int:
            y = np.array([x], dtype=np.float64) if s is None else scale_f64(np.array([x]), s)
            if p is not None:
                y = batchnorm_f64(y, *p)
            return int(quant_f64(y, q_scale, qmin, qmax)[0])

        g = 1.0 if p is None else float(p[0][0])
        for k in range(levels):
            want = qmin + k + 1

            def pred(x: int, want=want, code=code) -> bool:
                return code(x) >= want

            if g == 0:
                thresholds[c, k] = lo if pred(lo) else hi + 1
                continue
            z = (want - 0.5) * q_scale
            tau = z if p is None else float(p[2][0]) + (z - float(p[1][0])) * math.sqrt(float(p[3][0]) + p[4]) / g
            if s is not None:
                tau /= float(s[0])
            thresholds[c, k], negate[c] = level_threshold(pred, g > 0, tau, lo, hi)
    return thresholds, negate


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_quant_thresholds_equal_the_per_channel_walk(data) -> None:
    c = data.draw(st.integers(1, 6))
    bits, signed, narrow = data.draw(st.integers(1, 4)), data.draw(st.booleans()), data.draw(st.booleans())
    narrow = narrow and bits > 1  # a narrow 1-bit range is refused at import
    qmin, qmax = code_range(bits, signed, narrow)
    lo = data.draw(st.integers(-200, 50))
    hi = lo + data.draw(st.integers(0, 300))
    floats = st.lists
    gamma = np.array(data.draw(floats(GAMMA, min_size=c, max_size=c)))
    # halves and integers make ties (x exactly half-way between codes) common
    beta = np.array(data.draw(floats(st.sampled_from([0.0, 0.5, -0.5, 1.5, -2.0, 0.25]) | st.floats(-5, 5),
                                     min_size=c, max_size=c)))
    mean = np.array(data.draw(floats(st.integers(-60, 60).map(float) | st.floats(-60, 60), min_size=c, max_size=c)))
    var = np.array(data.draw(floats(st.sampled_from([0.0, 1.0, 4.0, 0.25]) | st.floats(1e-6, 50), min_size=c,
                                    max_size=c)))
    eps = data.draw(st.sampled_from([1e-5, 1e-3, 1e-12]))
    bn = None if data.draw(st.booleans()) and data.draw(st.booleans()) else (gamma, beta, mean, var, eps)
    scale = (np.array(data.draw(floats(st.sampled_from([0.5, 0.25, 1.0, 3.0]) | st.floats(0.01, 4), min_size=c,
                                       max_size=c)))
             if data.draw(st.booleans()) else None)
    q_scale = data.draw(st.sampled_from([1.0, 0.5, 0.25, 2.0, 0.1, 0.37]))
    want = per_channel_thresholds(bn, scale, q_scale, qmin, qmax, c, lo, hi)
    got = quant_thresholds(bn, scale, q_scale, qmin, qmax, c, lo, hi)
    assert got[0].dtype == want[0].dtype and got[1].dtype == want[1].dtype
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_int_conv_equals_int_matmul_on_im2col(data) -> None:
    n, h, w, c = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 9)), data.draw(st.integers(1, 9)),
                  data.draw(st.integers(1, 5)))
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    stride, padding = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 2))
    if (h + 2 * padding - kh) < 0 or (w + 2 * padding - kw) < 0:
        return
    top = data.draw(st.sampled_from([1, 3, 255, 2**20]))  # 2**20 x 2**4 x terms: the float64 path
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-top, top + 1, size=(n, h, w, c))
    wt = rng.integers(-7, 8, size=(data.draw(st.integers(1, 6)), kh * kw * c))
    pad_value = int(rng.integers(-top, top + 1))
    cols = im2col(x, kh, kw, stride, padding, pad_value)
    want = int_matmul(cols.reshape(-1, cols.shape[-1]), wt).reshape(cols.shape[:3] + (wt.shape[0],))
    got = int_conv(x, wt, kh, kw, stride, padding, pad_value)
    assert got.dtype == want.dtype and np.array_equal(got, want)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_multithreshold_execute_is_its_definition(data) -> None:
    c, k = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 15))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    th = np.sort(rng.integers(-20, 21, size=(c, k)), axis=1)
    if data.draw(st.booleans()):
        th[0, 0] = data.draw(st.sampled_from([-(2**63) + 1, 2**63 - 1]))  # the guarded path (1 − T would wrap)
    neg = rng.random(c) < 0.5
    bias = data.draw(st.integers(-8, 2))
    x = rng.integers(-25, 26, size=(data.draw(st.integers(1, 4)), 3, c))
    node = Node("mt", "multithreshold", {"out_bias": bias, "out_lo": bias, "out_hi": bias + k},
                {"thresholds": th, "negate": neg})
    xx = np.where(neg, -x, x)
    want = bias + sum((xx >= th[:, j]).astype(np.int64) for j in range(k))
    got = MultiThreshold().execute(node, x)
    assert got.dtype == np.int64 and np.array_equal(got, want)
