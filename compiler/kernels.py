"""Exact numpy kernels shared by the op semantics and the passes (numpy and bit packing only).

Bipolar tensors are int8 arrays of ±1, integer tensors int64, float tensors float64.
Binary matrix products in the popcount domain run as XNOR-popcount on packed
64-bit words (``np.bitwise_count``) or, for large batches, as an exact float32 GEMM.
"""

from __future__ import annotations

import numpy as np

from . import bits

# Images per chunk of the packed XNOR-popcount: keeps the (chunk, units, words)
# intermediate near a few MB, in cache, instead of materializing gigabytes.
_XNOR_CHUNK_BYTES = 4 << 20

# Below this many bit-products the packed kernel is as fast; above, BLAS wins ~3x.
GEMM_MIN_WORK = 1 << 24


def batchnorm_f64(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, mean: np.ndarray, var: np.ndarray,
                  eps: float) -> np.ndarray:
    """gamma*(x-mean)/sqrt(var+eps)+beta in float64, in this exact order of operations.

    The threshold-folding pass evaluates this same function at candidate integers,
    so the folded thresholds agree with this float64 evaluation on every integer.
    """
    x = np.asarray(x, dtype=np.float64)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def scale_f64(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """x * s[c] in float64 (a matrix layer's float output scale, per channel: the ``scale`` op).

    The fold of a scale + batchnorm + activation evaluates this same function, so its thresholds
    agree with the float stage at every integer accumulator.
    """
    return np.asarray(x, dtype=np.float64) * s


def quant_f64(x: np.ndarray, scale: float, lo: int, hi: int) -> np.ndarray:
    """clip(round_half_to_even(x / scale), lo, hi) as int64 codes (the ``quant`` op, numpy's rint = torch.round)."""
    return np.clip(np.rint(np.asarray(x, dtype=np.float64) / scale), lo, hi).astype(np.int64)


def conv_out_hw(h: int, w: int, kh: int, kw: int, stride: int, padding: int) -> tuple[int, int]:
    """Output height and width of a kh x kw window sliding with ``stride`` over an h x w map padded by ``padding``.

    >>> conv_out_hw(28, 28, 3, 3, 1, 1)
    (28, 28)
    """
    return (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1


def im2col(x: np.ndarray, kh: int, kw: int, stride: int, padding: int, pad_value: int | float) -> np.ndarray:
    """(N, H, W, C) -> (N, OH, OW, kh*kw*C) windows, flattened in (kh, kw, C) order."""
    n, h, w, c = x.shape
    if padding:
        xp = np.full((n, h + 2 * padding, w + 2 * padding, c), pad_value, dtype=x.dtype)
        xp[:, padding : padding + h, padding : padding + w, :] = x
        x = xp
    oh, ow = conv_out_hw(h, w, kh, kw, stride, padding)
    cols = np.empty((n, oh, ow, kh, kw, c), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = x[:, i : i + stride * oh : stride, j : j + stride * ow : stride, :]
    return cols.reshape(n, oh, ow, kh * kw * c)


def pool_windows(x: np.ndarray, k: int, s: int) -> list[np.ndarray]:
    """The k*k strided views of (N, H, W, C) that a k x k pool with stride s reduces over."""
    n, h, w, c = x.shape
    oh, ow = conv_out_hw(h, w, k, k, s, 0)
    return [x[:, i : i + s * oh : s, j : j + s * ow : s, :] for i in range(k) for j in range(k)]


def int_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Exact x @ w.T for integer x and integer w (±1, or few-bit codes) through BLAS: float32 while every partial
    sum stays below 2**24 (±1 maps, 8-bit pixels), float64 below 2**53 (exact either way: all partial sums are
    small integers)."""
    # max|x| * max|w| * terms bounds every partial sum (max|w| = 1 for ±1 weights: the bound of 1-bit layers)
    bound = float(np.abs(x).max(initial=0)) * float(np.abs(w).max(initial=0)) * w.shape[1]
    assert bound < 2.0**53, "accumulator exceeds float64's exact integer range"
    ftype = np.float32 if bound < 2.0**24 else np.float64
    return (x.astype(ftype) @ w.T.astype(ftype)).astype(np.int64)


def xnor_popcount_packed(x_bipolar: np.ndarray, w_bipolar: np.ndarray) -> np.ndarray:
    """popcount(xnor(x, w)) on packed 64-bit words with ``np.bitwise_count``: shape (M, U).

    >>> xnor_popcount_packed(np.array([[1, -1, 1]]), np.array([[1, 1, 1], [1, -1, 1]]))
    array([[2, 3]])
    """
    n = x_bipolar.shape[-1]
    xw = bits.pack_bits(bits.to_bits(x_bipolar))
    ww = bits.pack_bits(bits.to_bits(w_bipolar))
    out = np.empty((xw.shape[0], ww.shape[0]), dtype=np.int64)
    chunk = max(1, _XNOR_CHUNK_BYTES // max(1, ww.size * 8))
    for start in range(0, xw.shape[0], chunk):
        diff = xw[start : start + chunk, None, :] ^ ww[None, :, :]
        # padding bits are 0 in both operands, so they never count as a difference
        out[start : start + chunk] = n - np.bitwise_count(diff).sum(axis=-1, dtype=np.int64)
    return out


def xnor_popcount_gemm(x_bipolar: np.ndarray, w_bipolar: np.ndarray) -> np.ndarray:
    """The same count through a float32 BLAS product of ±1 values: p = (x·w + N) / 2.

    Exact: every partial sum of ±1 terms is an integer of magnitude <= N < 2**24,
    which float32 represents exactly, whatever order BLAS adds in.

    >>> xnor_popcount_gemm(np.array([[1, -1, 1]]), np.array([[1, 1, 1], [1, -1, 1]]))
    array([[2, 3]])
    """
    n = x_bipolar.shape[-1]
    assert n < 2**24, "float32 is exact only below 2**24 terms"
    dot = x_bipolar.astype(np.float32) @ w_bipolar.T.astype(np.float32)
    dot += n
    dot *= 0.5  # (x·w + N) is even, so halving is exact
    return dot.astype(np.int64)


def xnor_popcount(x_bipolar: np.ndarray, w_bipolar: np.ndarray) -> np.ndarray:
    """popcount(xnor(x, w)) for each row of x (M, N) against each row of w (U, N): shape (M, U).

    Two exact kernels give identical results (a test holds them equal): packed words
    for small problems, a float32 GEMM of ±1 values for large batches.

    >>> xnor_popcount(np.array([[1, -1, 1]]), np.array([[1, 1, 1], [1, -1, 1]]))
    array([[2, 3]])
    """
    work = x_bipolar.shape[0] * w_bipolar.shape[0] * x_bipolar.shape[-1]
    if work >= GEMM_MIN_WORK and x_bipolar.shape[-1] < 2**24:
        return xnor_popcount_gemm(x_bipolar, w_bipolar)
    return xnor_popcount_packed(x_bipolar, w_bipolar)


def xnor_threshold_gemm(x_bipolar: np.ndarray, w_bipolar: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """popcount(xnor(x, w)) >= T as ``x·w >= 2T - N`` on the float32 GEMM: the same bits, one pass fewer.

    Both sides are integers below 2**24, exact in float32.

    >>> xnor_threshold_gemm(np.array([[1, -1, 1]]), np.array([[1, 1, 1], [1, -1, 1]]), np.array([3, 3]))
    array([[-1,  1]], dtype=int8)
    """
    n = w_bipolar.shape[1]
    dot = x_bipolar.astype(np.float32) @ w_bipolar.T.astype(np.float32)
    limit = (2 * thresholds.astype(np.int64) - n).astype(np.float32)
    return np.where(dot >= limit, np.int8(1), np.int8(-1))

