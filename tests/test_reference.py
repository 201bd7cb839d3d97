"""compiler.reference and compiler.kernels against naive implementations: XNOR-popcount, convolution, pooling, inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler import kernels, reference
from compiler.ir import DType, Graph, Node, TensorType
from compiler.kernels import xnor_popcount
from compiler.ops import OPS, Stage, infer_types
from compiler.reference import execute
from tests.pins import whole


def _naive_dot(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.array([[sum(int(a) * int(b) for a, b in zip(xr, wr)) for wr in w] for xr in x], dtype=np.int64)


@given(st.integers(1, 150), st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**32))
def test_xnor_popcount_is_the_bipolar_dot_product(n: int, units: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(m, n))
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(units, n))
    p = xnor_popcount(x, w)
    assert np.array_equal(2 * p - n, _naive_dot(x, w))  # sum(a*w) = 2*popcount(xnor) - N


def test_xnor_popcount_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(37, 70))
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(5, 70))
    full = xnor_popcount(x, w)
    monkeypatch.setattr(kernels, "_XNOR_CHUNK_BYTES", 8)
    assert np.array_equal(xnor_popcount(x, w), full)


def _naive_conv(x, w, stride, padding, pad_value):
    """x (N, H, W, C), w in PyTorch order (F, C, kh, kw): plain loops."""
    n, h, wd, c = x.shape
    f, _, kh, kw = w.shape
    xp = np.full((n, h + 2 * padding, wd + 2 * padding, c), pad_value, dtype=np.int64)
    xp[:, padding:padding + h, padding:padding + wd] = x
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, oh, ow, f), dtype=np.int64)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for o in range(f):
                    s = 0
                    for di in range(kh):
                        for dj in range(kw):
                            for ch in range(c):
                                s += int(xp[b, i * stride + di, j * stride + dj, ch]) * int(w[o, ch, di, dj])
                    out[b, i, j, o] = s
    return out


@given(st.integers(0, 2**32), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 2), st.booleans(), st.integers(1, 3))
def test_conv_matches_naive_loops(seed, kh, kw, c, padding, stride, bipolar, f) -> None:
    rng = np.random.default_rng(seed)
    h, wd = 5, 4
    if bipolar:
        x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(2, h, wd, c))
        in_t = TensorType((h, wd, c), DType.bipolar())
        pad_value = int(rng.choice([-1, 1]))
    else:
        x = rng.integers(0, 256, size=(2, h, wd, c))
        in_t = TensorType((h, wd, c), DType.int(0, 255))
        pad_value = int(rng.integers(-3, 4))
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(f, c, kh, kw))
    attrs = {"filters": f, "kernel": (kh, kw), "stride": stride, "padding": padding, "pad_value": pad_value}
    node = Node("c", "conv2d", attrs, {"weight": w.transpose(0, 2, 3, 1)})
    g = infer_types(Graph("g", in_t, (node,)))
    want = _naive_conv(x, w, stride, padding, pad_value)
    got = execute(g, x)
    assert np.array_equal(got, want)
    t = g.nodes[0].out
    assert got.shape[1:] == t.shape and t.dtype.lo <= got.min() and got.max() <= t.dtype.hi
    if bipolar:
        gx = infer_types(Graph("g", in_t, (Node("c", "xnor_conv2d", attrs, {"weight": w.transpose(0, 2, 3, 1)}),)))
        n = kh * kw * c
        assert np.array_equal(2 * execute(gx, x) - n, want)


def test_dense_int_exact_on_large_values() -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(-(2**31), 2**31, size=(4, 300))
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(3, 300))
    g = infer_types(Graph("g", TensorType((300,), DType.int(-(2**31), 2**31 - 1)),
                          (Node("fc", "dense", {"units": 3}, {"weight": w}),)))
    assert np.array_equal(execute(g, x), _naive_dot(x, w))


@pytest.mark.parametrize("k,s", [(2, 2), (3, 1), (2, 1), (3, 2)])
def test_maxpool_and_bitpool_match_naive(k: int, s: int) -> None:
    rng = np.random.default_rng(k * 10 + s)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(3, 6, 5, 4))
    mask = np.array([False, True, False, True])
    oh, ow = (6 - k) // s + 1, (5 - k) // s + 1
    want_max = np.zeros((3, oh, ow, 4), dtype=np.int64)
    want_bit = np.zeros((3, oh, ow, 4), dtype=np.int64)
    for i in range(oh):
        for j in range(ow):
            win = x[:, i * s:i * s + k, j * s:j * s + k, :].reshape(3, -1, 4)
            want_max[:, i, j] = win.max(axis=1)
            bits = (win + 1) // 2
            anded, ored = bits.min(axis=1), bits.max(axis=1)
            want_bit[:, i, j] = np.where(mask, anded, ored) * 2 - 1
    t = TensorType((6, 5, 4), DType.bipolar())
    g1 = infer_types(Graph("g", t, (Node("p", "maxpool2d", {"kernel": k, "stride": s}),)))
    g2 = infer_types(Graph("g", t, (Node("p", "bitpool", {"kernel": k, "stride": s}, {"and_mask": mask}),)))
    assert np.array_equal(execute(g1, x), want_max)
    assert np.array_equal(execute(g2, x), want_bit)


def test_threshold_affine_flatten_argmax() -> None:
    t = TensorType((2, 1, 2), DType.int(-10, 10))
    g = infer_types(Graph("g", t, (
        Node("f", "flatten"),
        Node("a", "affine", {"frac_bits": 0}, {"scale": np.array([1, -2, 3, 0]), "offset": np.array([0, 1, 0, 5])}),
        Node("m", "argmax"),
    )))
    x = np.array([[[[1, 2]], [[3, 4]]], [[[-1, -2]], [[5, 0]]]])
    taps = execute(g, x, taps=True)
    assert taps["f"].tolist() == [[1, 2, 3, 4], [-1, -2, 5, 0]]  # channel-last order (h*W + w)*C + c
    assert taps["a"].tolist() == [[1, -3, 9, 5], [-1, 5, 15, 5]]
    assert taps["m"].tolist() == [[2], [2]]
    assert list(taps) == ["input", "f", "a", "m"]
    # argmax ties: lowest index
    g2 = infer_types(Graph("g", TensorType((3,), DType.int(0, 5)), (Node("m", "argmax"),)))
    assert execute(g2, np.array([[5, 5, 1], [0, 2, 2]])).tolist() == [[0], [1]]
    # threshold with negate
    g3 = infer_types(Graph("g", TensorType((2,), DType.int(-5, 5)), (Node("t", "threshold", {}, {
        "thresholds": np.array([2, -1]), "negate": np.array([False, True])}),)))
    assert execute(g3, np.array([[2, 1], [1, 2]])).tolist() == [[1, 1], [-1, -1]]


def test_sign_of_zero_and_batchnorm_order() -> None:
    g = infer_types(Graph("g", TensorType((3,), DType.int(-5, 5)), (Node("s", "sign", {"threshold": 0.0}),)))
    assert execute(g, np.array([[-1, 0, 1]])).tolist() == [[-1, 1, 1]]
    out = kernels.batchnorm_f64(np.array([3.0]), np.array([2.0]), np.array([1.0]), np.array([1.0]),
                                  np.array([3.0]), 1.0)
    assert out.tolist() == [2.0 * (3.0 - 1.0) / 2.0 + 1.0]


@pytest.mark.parametrize("x,msg", [
    (np.zeros((2, 4)), r"input must have shape \(N, 3\), not \(2, 4\)"),
    (np.full((1, 3), 0.5), r"input must hold integers for dtype u8\[0,255\], not float64 values with fractions"),
    (np.full((1, 3), np.nan), r"input must hold finite numbers for dtype u8\[0,255\], not float64 values such as nan"),
    (np.array([[1.0, -np.inf, 0.5]]), r"input must hold finite numbers for dtype u8\[0,255\], not float64 values such "
                                      r"as -inf"),
    (np.full((1, 3), 2**64 - 1, dtype=np.uint64),
     r"input values must lie in \[0, 255\] for dtype u8\[0,255\], not \[18446744073709551615, 18446744073709551615\]"),
    (np.full((1, 3), 1e30), r"input values must lie in \[0, 255\] for dtype u8\[0,255\], not \[1e\+30, 1e\+30\]"),
    (np.full((1, 3), 300), r"input values must lie in \[0, 255\] for dtype u8\[0,255\], not \[300, 300\]"),
    (np.full((1, 3), -1), r"input values must lie in \[0, 255\] for dtype u8\[0,255\], not \[-1, -1\]"),
])
def test_prepare_input_rejects(x: np.ndarray, msg: str) -> None:
    g = Graph("g", TensorType((3,), DType.int(0, 255)), ())
    with pytest.raises(ValueError, match=whole(msg)):
        reference.prepare_input(g, x)


def test_prepare_input_accepts_integral_floats_and_bipolar() -> None:
    g = Graph("g", TensorType((3,), DType.int(0, 255)), ())
    assert reference.prepare_input(g, np.array([[0.0, 255.0, 7.0]])).dtype == np.int64
    gb = Graph("g", TensorType((2,), DType.bipolar()), ())
    assert reference.prepare_input(gb, np.array([[1, -1]])).dtype == np.int8
    with pytest.raises(ValueError, match=whole(r"bipolar input must hold only -1 and \+1")):
        reference.prepare_input(gb, np.array([[1, 0]]))


@given(st.integers(1, 300), st.integers(1, 40), st.integers(1, 60), st.integers(0, 2**32))
def test_packed_and_gemm_kernels_agree(n: int, units: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(m, n))
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(units, n))
    assert np.array_equal(kernels.xnor_popcount_packed(x, w), kernels.xnor_popcount_gemm(x, w))


def test_fused_xnor_threshold_equals_the_unfused_taps(tmp_path) -> None:
    """Without taps the reference fuses XNOR + threshold on big batches; the bits must not change."""
    import compiler
    from designs.netgen import mlp, random_inputs

    net = mlp(5, sizes=[300, 200, 150, 10], input_dtype="uint8", input_sign=127.5).write(tmp_path)
    folded = compiler.fold(net.path)
    x = random_inputs(folded, 1200, seed=3)
    stage = Stage(folded.nodes[1], folded.nodes[2])
    assert OPS[stage.head.op].execute_fused(stage, reference.prepare_input(folded, x)[:, :300].astype(np.int8)) \
        is not None
    taps = execute(folded, x, taps=True)
    assert isinstance(taps, dict)
    assert np.array_equal(execute(folded, x), taps[folded.nodes[-1].name])


def test_fused_conv_threshold_and_kept_taps_equal_the_unfused_taps(tmp_path) -> None:
    """XNOR convolutions fuse with their threshold too, with or without taps when the popcount is not kept."""
    import compiler
    from designs.cnv import cnv
    from designs.netgen import random_inputs

    net = cnv(3, widths=(16, 16, 32), dense=(64,), side=12).write(tmp_path)
    folded = compiler.fold(net.path)
    x = random_inputs(folded, 300, seed=4)
    conv = next(i for i, n in enumerate(folded.nodes) if n.op == "xnor_conv2d")
    stage = Stage(folded.nodes[conv], folded.nodes[conv + 1])
    assert stage.consumer is not None and stage.consumer.op == "threshold"
    full = execute(folded, x, taps=True)
    assert isinstance(full, dict)
    cur = full[folded.nodes[conv - 1].name]
    assert OPS[stage.head.op].execute_fused(stage, cur) is not None  # the premise: this batch fuses
    assert np.array_equal(OPS[stage.head.op].execute_fused(stage, cur), full[stage.consumer.name])
    kept = {n.name for n in folded.nodes if n.op != "xnor_conv2d"}
    some = execute(folded, x, taps=True, keep=kept)
    assert isinstance(some, dict)
    assert kept <= set(some) and stage.head.name not in some  # the popcount was never stored
    for name in kept:
        assert np.array_equal(some[name], full[name]), name
    assert np.array_equal(execute(folded, x), full[folded.nodes[-1].name])
