"""The numpy reference: executes a bnnc graph at any stage, bit-exact.

Float semantics (float64) for batchnorm and for the imported model, exact
integer semantics for everything else. Bipolar tensors are int8 arrays of ±1,
integer tensors int64, float tensors float64. Binary matrix layers in the
popcount domain run as XNOR-popcount on packed 64-bit words (``np.bitwise_count``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from . import bits

if TYPE_CHECKING:  # the IR imports the reference's batchnorm; avoid the cycle at run time
    from compiler.ir.graph import Graph, Node

# Images per chunk of the packed XNOR-popcount: keeps the (chunk, units, words)
# intermediate near a few MB, in cache, instead of materializing gigabytes.
_XNOR_CHUNK_BYTES = 4 << 20


def batchnorm_f64(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, mean: np.ndarray, var: np.ndarray,
                  eps: float) -> np.ndarray:
    """gamma*(x-mean)/sqrt(var+eps)+beta in float64, in this exact order of operations.

    The threshold-folding pass evaluates this same function at candidate integers,
    so the folded thresholds agree with this float64 evaluation on every integer.
    """
    x = np.asarray(x, dtype=np.float64)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _im2col(x: np.ndarray, kh: int, kw: int, stride: int, padding: int, pad_value: int | float) -> np.ndarray:
    """(N, H, W, C) -> (N, OH, OW, kh*kw*C) windows, flattened in (kh, kw, C) order."""
    n, h, w, c = x.shape
    if padding:
        xp = np.full((n, h + 2 * padding, w + 2 * padding, c), pad_value, dtype=x.dtype)
        xp[:, padding : padding + h, padding : padding + w, :] = x
        x = xp
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    cols = np.empty((n, oh, ow, kh, kw, c), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = x[:, i : i + stride * oh : stride, j : j + stride * ow : stride, :]
    return cols.reshape(n, oh, ow, kh * kw * c)


def _int_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Exact x @ w.T for integer x and ±1 w, through float64 BLAS (exact: |sums| < 2**53)."""
    bound = float(np.abs(x).max(initial=0)) * w.shape[1]
    assert bound < 2.0**53, "accumulator exceeds float64's exact integer range"
    return np.rint(x.astype(np.float64) @ w.T.astype(np.float64)).astype(np.int64)


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


# Below this many bit-products the packed kernel is as fast; above, BLAS wins ~3x.
_GEMM_MIN_WORK = 1 << 24


def xnor_popcount(x_bipolar: np.ndarray, w_bipolar: np.ndarray) -> np.ndarray:
    """popcount(xnor(x, w)) for each row of x (M, N) against each row of w (U, N): shape (M, U).

    Two exact kernels give identical results (a test holds them equal): packed words
    for small problems, a float32 GEMM of ±1 values for large batches.

    >>> xnor_popcount(np.array([[1, -1, 1]]), np.array([[1, 1, 1], [1, -1, 1]]))
    array([[2, 3]])
    """
    work = x_bipolar.shape[0] * w_bipolar.shape[0] * x_bipolar.shape[-1]
    if work >= _GEMM_MIN_WORK and x_bipolar.shape[-1] < 2**24:
        return xnor_popcount_gemm(x_bipolar, w_bipolar)
    return xnor_popcount_packed(x_bipolar, w_bipolar)


def _dense(node: Node, x: np.ndarray) -> np.ndarray:
    w = node.params["weight"]
    if x.dtype == np.float64:
        return x @ w.T.astype(np.float64)
    return _int_matmul(x, w)


def _xnor_dense(node: Node, x: np.ndarray) -> np.ndarray:
    return xnor_popcount(x, node.params["weight"])


def _conv_cols(node: Node, x: np.ndarray) -> np.ndarray:
    kh, kw = node.attrs["kernel"]
    return _im2col(x, kh, kw, node.attrs["stride"], node.attrs["padding"], node.attrs["pad_value"])


def _conv2d(node: Node, x: np.ndarray) -> np.ndarray:
    cols = _conv_cols(node, x)
    w = node.params["weight"].reshape(node.params["weight"].shape[0], -1)
    flat = cols.reshape(-1, cols.shape[-1])
    y = flat @ w.T.astype(np.float64) if x.dtype == np.float64 else _int_matmul(flat, w)
    return y.reshape(cols.shape[:3] + (w.shape[0],))


def _xnor_conv2d(node: Node, x: np.ndarray) -> np.ndarray:
    cols = _conv_cols(node, x)
    w = node.params["weight"].reshape(node.params["weight"].shape[0], -1)
    y = xnor_popcount(cols.reshape(-1, cols.shape[-1]), w)
    return y.reshape(cols.shape[:3] + (w.shape[0],))


def _windows(x: np.ndarray, k: int, s: int) -> list[np.ndarray]:
    n, h, w, c = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    return [x[:, i : i + s * oh : s, j : j + s * ow : s, :] for i in range(k) for j in range(k)]


def _maxpool(node: Node, x: np.ndarray) -> np.ndarray:
    return np.maximum.reduce(_windows(x, node.attrs["kernel"], node.attrs["stride"]))


def _bitpool(node: Node, x: np.ndarray) -> np.ndarray:
    win = _windows(x, node.attrs["kernel"], node.attrs["stride"])
    # On ±1 values OR is max and AND is min.
    return np.where(node.params["and_mask"], np.minimum.reduce(win), np.maximum.reduce(win)).astype(np.int8)


def _batchnorm(node: Node, x: np.ndarray) -> np.ndarray:
    p = node.params
    return batchnorm_f64(x, p["gamma"], p["beta"], p["mean"], p["var"], node.attrs["eps"])


def _sign(node: Node, x: np.ndarray) -> np.ndarray:
    return np.where(x >= node.attrs["threshold"], 1, -1).astype(np.int8)


def _threshold(node: Node, x: np.ndarray) -> np.ndarray:
    neg = node.params["negate"]
    xx = np.where(neg, -x.astype(np.int64), x) if neg.any() else x
    return np.where(xx >= node.params["thresholds"], np.int8(1), np.int8(-1))


def _affine(node: Node, x: np.ndarray) -> np.ndarray:
    return node.params["scale"].astype(np.int64) * x.astype(np.int64) + node.params["offset"].astype(np.int64)


def _flatten(node: Node, x: np.ndarray) -> np.ndarray:
    return x.reshape(x.shape[0], -1)


def _argmax(node: Node, x: np.ndarray) -> np.ndarray:
    return np.argmax(x, axis=-1).astype(np.int64)[:, None]


EXECUTORS: dict[str, Callable[[Node, np.ndarray], np.ndarray]] = {
    "dense": _dense,
    "conv2d": _conv2d,
    "xnor_dense": _xnor_dense,
    "xnor_conv2d": _xnor_conv2d,
    "maxpool2d": _maxpool,
    "bitpool": _bitpool,
    "batchnorm": _batchnorm,
    "sign": _sign,
    "threshold": _threshold,
    "affine": _affine,
    "flatten": _flatten,
    "argmax": _argmax,
}


def prepare_input(graph: Graph, x: np.ndarray) -> np.ndarray:
    """Check a batch against the graph's input type and convert it to the executor's representation."""
    x = np.asarray(x)
    want = graph.input.shape
    if x.shape[1:] != want:
        raise ValueError(f"input must have shape (N, {', '.join(map(str, want))}), not {x.shape}")
    dt = graph.input.dtype
    if dt.is_float:
        return x.astype(np.float64)
    if not np.issubdtype(x.dtype, np.integer) and not np.all(np.isfinite(x) & (x == np.round(x))):
        raise ValueError(f"input must hold integers for dtype {dt}, not {x.dtype} values with fractions")
    xi = x.astype(np.int64)
    if dt.is_bipolar:
        if not np.all((xi == 1) | (xi == -1)):
            raise ValueError("bipolar input must hold only -1 and +1")
        return xi.astype(np.int8)
    assert dt.lo is not None and dt.hi is not None
    if xi.size and (xi.min() < dt.lo or xi.max() > dt.hi):
        raise ValueError(f"input values must lie in [{dt.lo}, {dt.hi}] for dtype {dt}, "
                         f"not [{xi.min()}, {xi.max()}]")
    return xi


def _fusable(node: Node, nxt: Node | None, x: np.ndarray) -> bool:
    """XNOR dense + plain threshold on a batch big enough for the GEMM kernel."""
    return (node.op == "xnor_dense" and nxt is not None and nxt.op == "threshold"
            and not nxt.params["negate"].any()
            and x.shape[0] * node.params["weight"].size >= _GEMM_MIN_WORK)


def _xnor_dense_threshold(node: Node, nxt: Node, x: np.ndarray) -> np.ndarray:
    """popcount(xnor(x, w)) >= T as ``x·w >= 2T - N`` on the float32 GEMM: the same bits, one pass fewer.

    Both sides are integers below 2**24, exact in float32.
    """
    w = node.params["weight"]
    n = w.shape[1]
    dot = x.astype(np.float32) @ w.T.astype(np.float32)
    limit = (2 * nxt.params["thresholds"].astype(np.int64) - n).astype(np.float32)
    return np.where(dot >= limit, np.int8(1), np.int8(-1))


def execute(graph: Graph, x: np.ndarray, taps: bool = False) -> np.ndarray | dict[str, np.ndarray]:
    """Run a batch ``x`` of shape (N, *input shape) through ``graph``.

    Returns the last node's output, or with ``taps=True`` a dict of every node's
    output by node name (plus ``"input"``), in graph order. Without taps, an XNOR
    layer and the threshold after it run fused (the popcounts are never stored).
    """
    cur = prepare_input(graph, x)
    outs: dict[str, np.ndarray] = {"input": cur}
    nodes = graph.nodes
    i = 0
    while i < len(nodes):
        node = nodes[i]
        nxt = nodes[i + 1] if i + 1 < len(nodes) else None
        if not taps and _fusable(node, nxt, cur):
            assert nxt is not None
            cur = _xnor_dense_threshold(node, nxt, cur)
            i += 2
            continue
        cur = EXECUTORS[node.op](node, cur)
        if taps:
            outs[node.name] = cur
        i += 1
    return outs if taps else cur
