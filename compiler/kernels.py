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

# Bytes of float windows that int_conv builds at once (whole images): big enough for BLAS to run at full speed,
# small enough to be reused rather than faulted in afresh for each batch.
_CONV_BLOCK_BYTES = 16 << 20

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


def _max_abs(a: np.ndarray) -> int:
    """max |a| (0 for an empty array) from the extremes: no |a| temporary the size of ``a`` (im2col windows are
    large), and Python ints, so an int64 minimum does not overflow."""
    if a.size == 0:
        return 0
    return max(int(a.max()), -int(a.min()))


def _exact_float_type(max_x: int, max_w: int, terms: int) -> type[np.floating]:
    """float32 while every partial sum of ``terms`` products |x·w| <= max_x·max_w stays below 2**24, else float64
    (exact below 2**53): all partial sums are small integers, so BLAS's order of additions does not matter."""
    # max|x| * max|w| * terms bounds every partial sum (max|w| = 1 for ±1 weights: the bound of 1-bit layers)
    bound = float(max_x) * float(max_w) * terms
    assert bound < 2.0**53, "accumulator exceeds float64's exact integer range"
    return np.float32 if bound < 2.0**24 else np.float64


def int_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Exact x @ w.T for integer x and integer w (±1, or few-bit codes) through BLAS: float32 while every partial
    sum stays below 2**24 (±1 maps, 8-bit pixels), float64 below 2**53 (exact either way: all partial sums are
    small integers)."""
    ftype = _exact_float_type(_max_abs(x), _max_abs(w), w.shape[1])
    return (x.astype(ftype) @ w.T.astype(ftype)).astype(np.int64)


def int_conv(x: np.ndarray, w: np.ndarray, kh: int, kw: int, stride: int, padding: int,
             pad_value: int) -> np.ndarray:
    """Exact convolution of an integer map batch x (N, H, W, C) with integer weights w (F, kh·kw·C), flattened
    in im2col's (kh, kw, C) order: (N, OH, OW, F) int64, equal to ``int_matmul(im2col(x, ...), w)``.

    The map is converted to the GEMM's float type before im2col, not after: the windows (kh·kw times the map)
    are then built once in float32 instead of in int64 and converted again, and the bound is read from the map,
    not its windows, which is most of the work of a convolution on few-bit codes (the compiler's calibration
    run).
    """
    max_x = max(_max_abs(x), abs(int(pad_value)) if padding else 0)
    ftype = _exact_float_type(max_x, _max_abs(w), w.shape[1])
    xf, wt = x.astype(ftype), w.T.astype(ftype)
    n = x.shape[0]
    oh, ow = conv_out_hw(x.shape[1], x.shape[2], kh, kw, stride, padding)
    out = np.empty((n, oh, ow, w.shape[0]), dtype=np.int64)
    # a few images' windows at a time: the block's memory is reused from one to the next instead of a fresh
    # map-sized allocation being faulted in, and stays near the caches
    step = max(1, _CONV_BLOCK_BYTES // max(1, oh * ow * w.shape[1] * np.dtype(ftype).itemsize))
    for start in range(0, n, step):
        cols = im2col(xf[start : start + step], kh, kw, stride, padding, pad_value)
        y = cols.reshape(-1, cols.shape[-1]) @ wt
        out[start : start + step] = y.reshape(cols.shape[:3] + (w.shape[0],))
    return out


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

