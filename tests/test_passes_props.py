"""Hypothesis properties of the folding passes.

Strong form (bn_sign_thresholds): the integer threshold agrees with the float64
batchnorm+sign on EVERY integer of the input range, exhaustively, for any
parameters: negative, zero (and -0.0), tiny (1e-12, subnormal-ish) gamma, huge
beta, tiny var, ties exactly on the threshold.

Weak form (docs/conventions.md, end to end): the folded model agrees with the float64
unfolded model on every input whose pre-sign values are all farther than 1e-6
from the sign's threshold; checked at every sign (taps) and at the output.
"""

from __future__ import annotations

import tempfile

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

import compiler
from compiler.ops.bn_fold import bn_sign_thresholds
from compiler.kernels import batchnorm_f64
from compiler.reference import execute
from designs.netgen import BN_MODES, cnn, mlp, random_inputs

GAMMA = st.one_of(
    st.sampled_from([0.0, -0.0, 1e-12, -1e-12, 5e-300, -5e-300, 1.0, -1.0, 0.5, -0.5, 1e12, -1e12]),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False),
)
BETA = st.one_of(
    st.sampled_from([0.0, 0.25, -0.25, 1e6, -1e6, 1e30, -1e30, 1e300, -1e300]),
    st.floats(-100, 100, allow_nan=False, allow_infinity=False),
)
VAR = st.one_of(st.sampled_from([1e-30, 0.25 - 1e-5, 1.0, 1e-300]), st.floats(1e-6, 1e4))
EPS = st.sampled_from([1e-5, 1e-3, 0.0 + 1e-12, 1.0])


@st.composite
def channel(draw):
    """One batchnorm channel; half the time the mean makes tau land exactly on an integer."""
    g, b, v, eps = draw(GAMMA), draw(BETA), draw(VAR), draw(EPS)
    lo = draw(st.integers(-300, 50))
    hi = lo + draw(st.integers(0, 400))
    thr = draw(st.sampled_from([0.0, 0.0, 0.5, -2.0]))
    if draw(st.booleans()):
        mean = float(draw(st.integers(lo - 2, hi + 2)))  # with beta = thr: tau = mean exactly, bn(mean) = thr
        if draw(st.booleans()):
            b = thr
    else:
        mean = draw(st.floats(lo - 10, hi + 10, allow_nan=False))
    return g, b, mean, v, eps, thr, lo, hi


@given(st.lists(channel(), min_size=1, max_size=4))
def test_bn_sign_thresholds_exact_on_every_integer(chans) -> None:
    for g, b, m, v, eps, thr, lo, hi in chans:
        t, neg = bn_sign_thresholds(np.array([g]), np.array([b]), np.array([m]), np.array([v]), eps, thr, lo, hi)
        x = np.arange(lo, hi + 1, dtype=np.int64)
        want = batchnorm_f64(x, np.array([g]), np.array([b]), np.array([m]), np.array([v]), eps) >= thr
        got = np.where(neg[0], -x, x) >= t[0]
        assert np.array_equal(got, want), (g, b, m, v, eps, thr, lo, hi, t, neg)
        # thresholds stay within one step outside the range, so hardware widths stay bounded
        if neg[0]:
            assert -hi <= t[0] <= -lo + 1
        else:
            assert lo <= t[0] <= hi + 1
        if g < 0:
            assert neg[0]
        if g > 0 or g == 0:
            assert not neg[0]


def test_bn_sign_thresholds_vectorized_channels_match_single() -> None:
    rng = np.random.default_rng(0)
    c = 50
    g = rng.normal(size=c)
    g[::7] = 0.0
    b, m, v = rng.normal(size=c), rng.normal(size=c) * 5, rng.uniform(0.1, 3, size=c)
    t, neg = bn_sign_thresholds(g, b, m, v, 1e-5, 0.0, -20, 20)
    x = np.arange(-20, 21)[:, None]
    want = batchnorm_f64(x, g, b, m, v, 1e-5) >= 0
    got = np.where(neg, -x, x) >= t
    assert np.array_equal(got, want)


@given(st.integers(1, 200), st.integers(-500, 500))
def test_popcount_domain_threshold(n: int, t: int) -> None:
    """acc = 2p - N >= T  <=>  p >= clip(ceil((T + N) / 2), 0, N + 1) for every popcount p."""
    tp = min(max(-((-(t + n)) // 2), 0), n + 1)
    for p in range(n + 1):
        assert (2 * p - n >= t) == (p >= tp)


def _sign_taps(graph, x):
    """For each sign node: (name, its output, its pre-sign margin |bn(x) - thr| or |x - thr|)."""
    taps = execute(graph, x, taps=True)
    names = ["input"] + [n.name for n in graph.nodes]
    out = []
    for i, node in enumerate(graph.nodes):
        if node.op == "sign":
            pre = taps[names[i]].astype(np.float64)
            out.append((node.name, taps[node.name], np.abs(pre - node.attrs["threshold"])))
    return taps, out


def _weak_form(net, n: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        graph = compiler.load(net.write(d).path)
    folded = compiler.fold(graph)
    x = random_inputs(graph, n, seed)
    taps_f, signs = _sign_taps(graph, x)
    taps_q = execute(folded, x, taps=True)
    far = np.ones(n, dtype=bool)
    for name, _, margin in signs:
        far &= margin.reshape(n, -1).min(axis=1) > 1e-6
    assume(far.any())
    for name, out_f, _ in signs:
        if name in taps_q:
            q = taps_q[name]
            pooled_name = q.shape != out_f.shape  # the pool moved before this name: compare after pooling
            if not pooled_name:
                assert np.array_equal(out_f[far], q[far]), name
    final_f, final_q = taps_f[graph.nodes[-1].name], taps_q[folded.nodes[-1].name]
    has_final_bn = any(n.op == "batchnorm" for n in graph.nodes[-2:])
    if not has_final_bn:
        assert np.array_equal(final_f[far], final_q[far])
    elif folded.scores.disagreements == 0 and graph.output == "argmax":
        # exact on the calibration set; on these inputs the fixed point may only flip near-ties
        top2 = np.sort(taps_f[graph.nodes[-2].name], axis=-1)[:, -2:]
        clear = far & (top2[:, 1] - top2[:, 0] > 1e-3)
        assert np.array_equal(final_f[clear], final_q[clear])


MODES = st.sampled_from(BN_MODES)


@given(seed=st.integers(0, 2**16), sizes=st.lists(st.integers(1, 20), min_size=2, max_size=4),
       dtype=st.sampled_from(["bipolar", "uint8", "int8", "uint3", "int5"]),
       sign=st.sampled_from(["auto", None]), final_bn=st.booleans(), modes=st.data())
def test_weak_form_mlp(seed, sizes, dtype, sign, final_bn, modes) -> None:
    sizes[-1] = max(sizes[-1], 2)
    channel_modes = modes.draw(st.lists(MODES, min_size=max(sizes), max_size=max(sizes)))
    hidden_mode = channel_modes[: sizes[1]] if len(sizes) > 2 else "normal"
    if len(sizes) > 3:
        hidden_mode = "mixed"
    net = mlp(seed, sizes=sizes, input_dtype=dtype, input_sign=sign if dtype != "bipolar" else None,
              final_bn=final_bn, bn_mode=hidden_mode)
    _weak_form(net, 200, seed)


@given(seed=st.integers(0, 2**16), pool=st.sampled_from(["before_bn", "after_sign", "none"]),
       dtype=st.sampled_from(["bipolar", "uint8"]), padding=st.integers(0, 1), stride=st.integers(1, 2),
       filters=st.integers(1, 5), mode=st.sampled_from(BN_MODES + ("mixed",)), final_bn=st.booleans())
def test_weak_form_cnn(seed, pool, dtype, padding, stride, filters, mode, final_bn) -> None:
    net = cnn(seed, input_shape=(7, 6, 2), input_dtype=dtype, filters=(filters,), padding=padding, stride=stride,
              pool=pool, bn_mode=mode, final_bn=final_bn, classes=3)
    _weak_form(net, 120, seed)


# ---- few-bit: batchnorm + quant -> multithreshold (docs/few-bit.md) -------------------------------------------

from compiler.ir import DType, Graph, Node, TensorType  # noqa: E402
from compiler.ops import OPS, infer_types  # noqa: E402
from compiler.ops.quant import code_range  # noqa: E402
from compiler.passes import REGISTRY, PassContext  # noqa: E402

QUANT_KINDS = [(b, s, n) for b in (1, 2, 3, 4) for s in (True, False) for n in (True, False) if not (b == 1 and s and n)]
# powers of two keep a constructed half-way point exact in float64 (ties really are ties)
Q_SCALE = st.one_of(st.sampled_from([0.25, 0.5, 1.0, 2.0, 8.0]), st.floats(0.01, 20))
S_SCALE = st.one_of(st.none(), st.sampled_from([0.5, 1.0, 0.125, 4.0]), st.floats(0.001, 50))


@st.composite
def quant_channel(draw):
    """One channel of [scale] -> batchnorm -> quant on integer accumulators [lo, hi]; half the time a tie: the
    batchnorm's output at an integer x is exactly half-way between two codes (x/scale = k + 1/2)."""
    bits, signed, narrow = draw(st.sampled_from(QUANT_KINDS))
    qmin, qmax = code_range(bits, signed, narrow)
    g, b, v, eps = draw(GAMMA), draw(BETA), draw(VAR), draw(EPS)
    q, s = draw(Q_SCALE), draw(S_SCALE)
    lo = draw(st.integers(-300, 50))
    hi = lo + draw(st.integers(0, 300))
    if draw(st.booleans()):
        x0 = draw(st.integers(lo, hi))
        s = draw(st.sampled_from([None, 0.5, 2.0, 0.25]))
        q = draw(st.sampled_from([0.25, 0.5, 1.0, 2.0]))
        mean = float(x0) * (1.0 if s is None else s)  # bn(s·x0) = beta exactly
        b = (draw(st.integers(qmin - 1, qmax)) + 0.5) * q  # ... = half-way between two codes
    else:
        mean = draw(st.floats(lo - 10, hi + 10, allow_nan=False)) * (1.0 if s is None else s)
    return (bits, signed, narrow, q), (g, b, mean, v, eps), s, lo, hi


def _chain(spec, bnp, s, c: int = 1):
    """The float-stage nodes [scale] batchnorm quant of one channel spec (repeated over ``c`` channels)."""
    bits, signed, narrow, q = spec
    g, b, m, v, eps = bnp
    rep = lambda val: np.full(c, val, dtype=np.float64)  # noqa: E731
    bn = Node("bn", "batchnorm", {"eps": eps}, {"gamma": rep(g), "beta": rep(b), "mean": rep(m), "var": rep(v)})
    qn = Node("q", "quant", {"bits": bits, "signed": signed, "narrow": narrow, "scale": q})
    sc = None if s is None else Node("sc", "scale", {}, {"scale": rep(s)})
    return sc, bn, qn


def _float_codes(sc, bn, qn, x: np.ndarray) -> np.ndarray:
    y = x if sc is None else OPS["scale"].execute(sc, x)
    return OPS["quant"].execute(qn, OPS["batchnorm"].execute(bn, y))


@given(st.lists(quant_channel(), min_size=1, max_size=3))
def test_quant_multithreshold_exact_on_every_integer(chans) -> None:
    """The folded multithreshold equals the float64 chain scale -> batchnorm -> quant at every integer of the range."""
    for spec, bnp, s, lo, hi in chans:
        sc, bn, qn = _chain(spec, bnp, s)
        mt = OPS["quant"].fold_activation(qn, bn, TensorType((1,), DType.int(lo, hi)), sc)
        x = np.arange(lo, hi + 1, dtype=np.int64)[:, None]
        t = mt.params["thresholds"]
        assert t.shape == (1, mt.attrs["out_hi"] - mt.attrs["out_lo"]) and (np.diff(t, axis=1) >= 0).all()
        assert np.array_equal(OPS["multithreshold"].execute(mt, x), _float_codes(sc, bn, qn, x)), (spec, bnp, s)


@given(st.lists(quant_channel(), min_size=1, max_size=3), st.integers(1, 60))
def test_quant_multithreshold_in_popcount_domain(chans, n) -> None:
    """After an XNOR layer of n inputs (x = 2p − n, p in [0, n]): the moved thresholds give the same codes, negated
    channels included."""
    for spec, bnp, s, _, _ in chans:
        sc, bn, qn = _chain(spec, bnp, s)
        mt = OPS["quant"].fold_activation(qn, bn, TensorType((1,), DType.int(-n, n)), sc)
        p = np.arange(0, n + 1, dtype=np.int64)[:, None]
        moved = OPS["multithreshold"].in_popcount_domain(mt, n)
        assert moved is not None
        assert np.array_equal(OPS["multithreshold"].execute(moved, p), _float_codes(sc, bn, qn, 2 * p - n))


@given(st.lists(quant_channel(), min_size=2, max_size=5), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_quant_fold_and_absorb_negation_on_a_dense(chans, wbits, seed) -> None:
    """dense (few-bit or ±1 weights, integer input) -> [scale] -> batchnorm -> quant, per-channel parameters drawn:
    fold_threshold then absorb_negation execute equal to the float graph on every input drawn."""
    rng = np.random.default_rng(seed)
    c = len(chans)
    spec = chans[0][0]
    n_in = int(rng.integers(1, 6))
    top = max(1, (1 << (wbits - 1)) - 1)
    w = (rng.choice(np.array([-1, 1]), size=(c, n_in)) if wbits == 1 else rng.integers(-top, top + 1, size=(c, n_in)))
    attrs = {"units": c, **({"weight_bits": wbits} if wbits > 1 else {})}
    dense = Node("fc", "dense", attrs, {"weight": w.astype(np.int8)})
    bnp = [ch[1] for ch in chans]
    bn = Node("bn", "batchnorm", {"eps": bnp[0][4]}, {k: np.array([p[i] for p in bnp], dtype=np.float64)
                                                      for i, k in enumerate(("gamma", "beta", "mean", "var"))})
    sv = np.array([ch[2] or 1.0 for ch in chans])
    bits, signed, narrow, q = spec
    nodes = [dense, *([Node("sc", "scale", {}, {"scale": sv})] if chans[0][2] is not None else []), bn,
             Node("q", "quant", {"bits": bits, "signed": signed, "narrow": narrow, "scale": q})]
    g = infer_types(Graph("g", TensorType((n_in,), DType.int(-7, 9)), tuple(nodes)))
    x = rng.integers(-7, 10, size=(200, n_in))
    want = execute(g, x)
    folded = REGISTRY["fold_threshold"](g, PassContext())
    assert [nd.op for nd in folded.nodes] == ["dense", "multithreshold"]
    assert np.array_equal(execute(folded, x), want)
    absorbed = REGISTRY["absorb_negation"](folded, PassContext())
    assert not absorbed.nodes[1].params["negate"].any()
    assert np.array_equal(execute(absorbed, x), want)


# ---- FINN's MultiThreshold as net.yaml's `thresholds`: [scale] -> [batchnorm] -> thresholds -> multithreshold ----


@st.composite
def thresholds_channel(draw):
    """One channel of [scale] -> [batchnorm] -> thresholds on integer accumulators [lo, hi]: K ascending float
    levels, half the time some of them exactly the chain's value at an integer (ties: y ≥ T holds there)."""
    g, b, v, eps = draw(GAMMA), draw(BETA), draw(VAR), draw(EPS)
    s = draw(S_SCALE)
    lo = draw(st.integers(-300, 50))
    hi = lo + draw(st.integers(0, 300))
    mean = draw(st.floats(lo - 10, hi + 10, allow_nan=False)) * (1.0 if s is None else s)
    use_bn = draw(st.booleans())
    k = draw(st.integers(1, 6))
    levels = sorted(draw(st.lists(st.floats(-50, 50, allow_nan=False), min_size=k, max_size=k)))
    if draw(st.booleans()):  # ties: levels equal to the chain's value at integers of the range
        sc = None if s is None else Node("sc", "scale", {}, {"scale": np.array([s])})
        bn = Node("bn", "batchnorm", {"eps": eps}, {"gamma": np.array([g]), "beta": np.array([b]),
                                                    "mean": np.array([mean]), "var": np.array([v])}) if use_bn else None
        xs = np.array(draw(st.lists(st.integers(lo, hi), min_size=k, max_size=k)))[:, None]
        y = xs.astype(np.float64) if sc is None else OPS["scale"].execute(sc, xs)
        if bn is not None:
            y = OPS["batchnorm"].execute(bn, y)
        levels = sorted(float(val) for val in y[:, 0])
        assume(all(np.isfinite(levels)))
    return (g, b, mean, v, eps) if use_bn else None, s, levels, lo, hi, draw(st.integers(-8, 0))


@given(st.lists(thresholds_channel(), min_size=1, max_size=3))
def test_thresholds_multithreshold_exact_on_every_integer(chans) -> None:
    """The folded multithreshold of a `thresholds` layer equals the float64 chain at every integer of the range:
    ties (y = T counts), γ < 0 (negate), γ = 0 (constant), with and without a batchnorm and a scale."""
    for bnp, s, levels, lo, hi, bias in chans:
        k = len(levels)
        assume(bias + k <= 7)
        sc = None if s is None else Node("sc", "scale", {}, {"scale": np.array([s])})
        bn = None if bnp is None else Node("bn", "batchnorm", {"eps": bnp[4]}, {
            "gamma": np.array([bnp[0]]), "beta": np.array([bnp[1]]), "mean": np.array([bnp[2]]),
            "var": np.array([bnp[3]])})
        tn = Node("t", "thresholds", {"out_bias": bias, "scale": 1.0}, {"thresholds": np.array([levels])})
        mt = OPS["thresholds"].fold_activation(tn, bn, TensorType((1,), DType.int(lo, hi)), sc)
        x = np.arange(lo, hi + 1, dtype=np.int64)[:, None]
        y = x.astype(np.float64) if sc is None else OPS["scale"].execute(sc, x)
        if bn is not None:
            y = OPS["batchnorm"].execute(bn, y)
        want = OPS["thresholds"].execute(tn, y)
        t = mt.params["thresholds"]
        assert t.shape == (1, k) and (np.diff(t, axis=1) >= 0).all()
        assert np.array_equal(OPS["multithreshold"].execute(mt, x), want), (bnp, s, levels, lo, hi)
