"""Every pass, executed before == executed after (exactly), on generated networks.

The graph before pass k is the result of PIPELINE[:k] (each prefix verified by
the pass manager); the pass is then applied alone and both graphs run on the same
random inputs through compiler.reference.execute. quantize_scores changes the
scores' number format, so there the argmax is compared and the count of
disagreements on the calibration set must be the one the pass reports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.errors import BnncError
from compiler.ops import OPS, matrix_ops, verify
from compiler.passes import PIPELINE, REGISTRY, PassContext, PassManager, lower
from compiler.passes.folding import cheapest_folding, cycles
from compiler.passes.scores import calibration_inputs
from compiler.reference import execute
from designs.netgen import GenNet, cnn, fewbit, mlp, random_inputs, random_net
from tests.pins import whole


def _load(net: GenNet, tmp_path: Path):
    return compiler.load(net.write(tmp_path).path)


def _before(graph, name: str, ctx: PassContext):
    k = PIPELINE.index(name)
    return PassManager(PIPELINE[:k]).run(graph, ctx)


def _check_pass(graph, name: str, x: np.ndarray, ctx: PassContext | None = None):
    """Apply ``name`` to the graph the pipeline has made before it; assert identical outputs; return both."""
    ctx = ctx or PassContext()
    before = _before(graph, name, ctx)
    after = REGISTRY[name](before, ctx)
    verify(after)
    a, b = execute(before, x), execute(after, x)
    if name == "quantize_scores":
        pa = a[:, 0] if graph.output == "argmax" else np.argmax(a, axis=-1)
        pb = b[:, 0] if graph.output == "argmax" else np.argmax(b, axis=-1)
        if after.scores is not None:
            cal = calibration_inputs(before, ctx)
            ca, cb = execute(before, cal), execute(after, cal)
            if graph.output == "scores":
                ca, cb = np.argmax(ca, axis=-1), np.argmax(cb, axis=-1)
            assert int(np.count_nonzero(ca.ravel() != cb.ravel())) == after.scores.disagreements
        else:
            assert np.array_equal(a, b)
        return before, after, pa, pb
    assert a.dtype == b.dtype or (a.dtype.kind in "iu" and b.dtype.kind in "iu"), (a.dtype, b.dtype)
    assert np.array_equal(a, b), f"pass {name} changed the outputs"
    return before, after, a, b


NETS = {
    "mlp_bipolar": lambda: mlp(1, input_dtype="bipolar", sizes=[20, 12, 9, 5]),
    "mlp_uint8_sign": lambda: mlp(2, input_dtype="uint8", input_sign=127.5, sizes=[16, 10, 4]),
    "mlp_uint8_tie_sign": lambda: mlp(3, input_dtype="uint8", input_sign=128.0, sizes=[16, 10, 4]),
    "mlp_int8_direct": lambda: mlp(4, input_dtype="int8", input_sign=None, sizes=[12, 10, 6]),
    "mlp_int8_sign_negative": lambda: mlp(5, input_dtype="int8", input_sign=-3.5, sizes=[12, 7, 3]),
    "mlp_scores_nofinal": lambda: mlp(6, final_bn=False, output="scores", sizes=[30, 8, 4]),
    "mlp_scores_final": lambda: mlp(7, final_bn=True, output="scores", sizes=[30, 8, 4]),
    "mlp_argmax_nofinal": lambda: mlp(8, final_bn=False, sizes=[17, 3]),
    "mlp_single_dense_uint8": lambda: mlp(9, input_dtype="uint8", input_sign=None, sizes=[10, 4], final_bn=True),
    "mlp_final_negative": lambda: mlp(10, sizes=[18, 9, 5], final_bn_mode="negative"),
    "mlp_final_tiny": lambda: mlp(11, sizes=[18, 9, 5], final_bn_mode="tiny"),
    "mlp_final_huge_beta": lambda: mlp(1, sizes=[18, 9, 5], final_bn_mode="huge_beta"),
    "mlp_final_mixed": lambda: mlp(1, sizes=[18, 9, 5], final_bn_mode="mixed"),
    "cnn_pool_before_bn": lambda: cnn(12, pool="before_bn", filters=(5,)),
    "cnn_pool_after_sign": lambda: cnn(13, pool="after_sign", filters=(5,)),
    "cnn_nopool_padded": lambda: cnn(14, pool="none", padding=1, pad_value=1),
    "cnn_uint8_two_blocks": lambda: cnn(15, input_dtype="uint8", input_shape=(9, 8, 1), filters=(3, 4), kernel=2,
                                        pool="before_bn", hidden=(6,)),
    "cnn_uint8_direct_padded": lambda: cnn(16, input_dtype="uint8", input_sign=None, padding=1, stride=2,
                                           input_shape=(7, 7, 2), pool="after_sign"),
    "cnn_scores": lambda: cnn(17, output="scores", final_bn=False, pool="before_bn"),
    # few-bit (docs/few-bit.md): quant activations, few-bit weights, weight scales (a scale node before the batchnorm)
    "fewbit_w1a2_u8": lambda: fewbit(mlp(41, input_dtype="uint8", input_sign=None, sizes=[16, 10, 8, 4]), 41,
                                     act=(2, True, True), weight_bits=1, weight_scale=None),
    "fewbit_w2a2_bipolar": lambda: fewbit(mlp(42, input_dtype="bipolar", sizes=[16, 10, 8, 4], bn_mode="negative"),
                                          42, act=(2, True, True), weight_bits=2),
    "fewbit_w4a3u_i8_scores": lambda: fewbit(mlp(43, input_dtype="int8", input_sign=None, sizes=[12, 9, 5],
                                                 output="scores"), 43, act=(3, False, False), weight_bits=4,
                                             weight_scale="tensor"),
    "fewbit_w3a1u_nofinal": lambda: fewbit(mlp(44, sizes=[14, 8, 4], final_bn=False), 44, act=(1, False, False),
                                           weight_bits=3),
    "fewbit_cnn": lambda: fewbit(cnn(45, input_dtype="uint8", input_sign=None, padding=1, pool="none", hidden=(6,)),
                                 45, act=(4, True, False), weight_bits=[2, 3, 1]),
}


@pytest.mark.parametrize("name", PIPELINE)
@pytest.mark.parametrize("net", sorted(NETS))
def test_pass_preserves_outputs(tmp_path: Path, net: str, name: str) -> None:
    graph = _load(NETS[net](), tmp_path)
    x = random_inputs(graph, 256, seed=hash(net) % 1000)
    _check_pass(graph, name, x)


@pytest.mark.parametrize("seed", range(12))
def test_whole_pipeline_on_random_nets(tmp_path: Path, seed: int) -> None:
    """Float stage vs folded stage: identical except the final fixed point, whose disagreements are reported."""
    net = random_net(seed)
    graph = _load(net, tmp_path)
    folded = compiler.fold(graph)
    assert folded.stage == "folded"
    verify(folded)
    x = random_inputs(graph, 300, seed=seed)
    a, b = execute(graph, x), execute(folded, x)
    if graph.output == "scores" and not any(n.op == "affine" and n.name.startswith("bn") for n in folded.nodes):
        assert np.array_equal(a, b)  # no final batchnorm: the scores are the integer accumulators
    pa = np.argmax(a, axis=-1) if graph.output == "scores" else a[:, 0]
    pb = np.argmax(b, axis=-1) if graph.output == "scores" else b[:, 0]
    if folded.scores is None or folded.scores.disagreements == 0:
        assert np.array_equal(pa, pb)
    for node in folded.nodes:
        assert node.op not in ("batchnorm", "sign", "maxpool2d"), node


def test_pipeline_result_is_integer_only_and_hardware_shaped(tmp_path: Path) -> None:
    folded = compiler.fold(_load(cnn(3, pool="before_bn", bn_mode="negative", hidden=(5,)), tmp_path))
    ops = [n.op for n in folded.nodes]
    assert ops == ["xnor_conv2d", "threshold", "bitpool", "flatten", "xnor_dense", "threshold", "xnor_dense",
                   "affine", "argmax"]
    for n in folded.nodes:
        if n.op == "threshold":
            assert not n.params["negate"].any()  # absorbed into the weight rows


# --------------------------------------------------------------------------- pooling

@pytest.mark.parametrize("placement", ["before_bn", "after_sign"])
@pytest.mark.parametrize("gamma_sign", ["positive", "negative", "mixed"])
@pytest.mark.parametrize("input_dtype", ["bipolar", "uint8"])
def test_pool_rewrites_both_gamma_signs(tmp_path: Path, placement: str, gamma_sign: str, input_dtype: str) -> None:
    filters = 6
    modes = {"positive": ["normal"] * filters, "negative": ["negative"] * filters,
             "mixed": ["normal", "negative", "tie", "tie_negative", "zero", "negative"]}[gamma_sign]
    net = cnn(21, input_shape=(7, 7, 2), input_dtype=input_dtype, filters=(filters,), pool=placement, bn_mode=modes,
              pool_kernel=2, pool_stride=1 if placement == "after_sign" else None)
    graph = _load(net, tmp_path)
    x = random_inputs(graph, 300, seed=5)
    for name in ("pool_past_threshold", "maxpool_to_or"):
        _check_pass(graph, name, x)
    folded = compiler.fold(graph)
    pools = [n for n in folded.nodes if n.op == "bitpool"]
    assert len(pools) == 1
    gamma = net.arrays["bn_c1.gamma"]
    if placement == "before_bn":
        # AND exactly where the threshold's comparison flipped (gamma < 0), OR elsewhere
        assert np.array_equal(pools[0].params["and_mask"], gamma < 0)
    else:
        assert not pools[0].params["and_mask"].any()
    # The bitpool sees the thresholded bits: its input is a threshold node
    i = [n.name for n in folded.nodes].index(pools[0].name)
    assert folded.nodes[i - 1].op == "threshold"
    # and the whole fold agrees with the float model
    assert np.array_equal(execute(graph, x), execute(folded, x)) or (folded.scores and folded.scores.disagreements)


def test_pool_past_threshold_rewrite_shape(tmp_path: Path) -> None:
    graph = _load(cnn(22, pool="before_bn", bn_mode="negative"), tmp_path)
    before = _before(graph, "pool_past_threshold", PassContext())
    ops_before = [n.op for n in before.nodes]
    assert ops_before[:3] == ["conv2d", "maxpool2d", "threshold"]
    after = REGISTRY["pool_past_threshold"](before, PassContext())
    assert [n.op for n in after.nodes][:3] == ["conv2d", "threshold", "bitpool"]
    assert after.nodes[2].params["and_mask"].all()
    assert after.nodes[2].name == "act_c1"  # the pool takes over the threshold's name (its output)


def test_bitpool_and_or_semantics() -> None:
    """AND/OR on bits == min/max on ±1 values, checked on a hand-made example."""
    from compiler.ir import DType, Graph, Node, TensorType
    from compiler.ops import infer_types

    x = np.array([[[[1, -1], [-1, -1]], [[-1, -1], [-1, 1]]]], dtype=np.int8)  # (1, 2, 2, 2)
    g = infer_types(Graph("p", TensorType((2, 2, 2), DType.bipolar()),
                          (Node("bp", "bitpool", {"kernel": 2, "stride": 2},
                                {"and_mask": np.array([False, True])}),)))
    out = execute(g, x)
    assert out.tolist() == [[[[1, -1]]]]


# --------------------------------------------------------------------------- thresholds

def test_fold_threshold_bare_sign_on_integers(tmp_path: Path) -> None:
    graph = _load(mlp(0, input_dtype="uint8", input_sign=127.5, sizes=[4, 2]), tmp_path)
    after = REGISTRY["fold_threshold"](graph, PassContext())
    node = after.nodes[0]
    assert node.op == "threshold" and node.params["thresholds"].tolist() == [128] * 4
    x = np.array([[0, 127, 128, 255]])
    assert execute(after.prefix(1), x).tolist() == [[-1, -1, 1, 1]]


@pytest.mark.parametrize("thr,expect", [(-1000.0, 0), (1000.0, 256), (0.0, 0), (255.0, 255), (254.5, 255)])
def test_input_sign_threshold_clipped_to_range(tmp_path: Path, thr: float, expect: int) -> None:
    graph = _load(mlp(0, input_dtype="uint8", input_sign=thr, sizes=[3, 2]), tmp_path)
    after = REGISTRY["fold_threshold"](graph, PassContext())
    assert after.nodes[0].params["thresholds"].tolist() == [expect] * 3
    x = np.array([[0, 254, 255], [255, 1, 128]])
    assert np.array_equal(execute(graph.prefix(1), x), execute(after.prefix(1), x))


def test_lower_xnor_popcount_thresholds_in_popcount_domain(tmp_path: Path) -> None:
    graph = _load(mlp(30, sizes=[9, 4, 3], bn_mode="tie"), tmp_path)
    before = _before(graph, "lower_xnor_popcount", PassContext())
    after = REGISTRY["lower_xnor_popcount"](before, PassContext())
    t_acc = before.nodes[1].params["thresholds"]
    t_pop = after.nodes[1].params["thresholds"]
    assert after.nodes[0].op == "xnor_dense"
    assert np.array_equal(t_pop, np.clip(np.ceil((t_acc + 9) / 2).astype(np.int64), 0, 10))
    assert after.nodes[0].out.dtype.lo == 0 and after.nodes[0].out.dtype.hi == 9


def test_lower_xnor_adds_accumulator_affine_when_no_final_bn(tmp_path: Path) -> None:
    graph = _load(mlp(31, sizes=[9, 3], final_bn=False, output="scores"), tmp_path)
    folded = compiler.fold(graph)
    assert [n.op for n in folded.nodes] == ["xnor_dense", "affine"]
    aff = folded.nodes[1]
    assert aff.params["scale"].tolist() == [2, 2, 2] and aff.params["offset"].tolist() == [-9, -9, -9]
    x = random_inputs(graph, 64, 1)
    assert np.array_equal(execute(graph, x), execute(folded, x))


def test_absorb_negation_negates_weight_rows(tmp_path: Path) -> None:
    net = mlp(32, sizes=[8, 4, 2], bn_mode=["negative", "normal", "negative", "zero"])
    graph = _load(net, tmp_path)
    before = _before(graph, "absorb_negation", PassContext())
    after = REGISTRY["absorb_negation"](before, PassContext())
    w0, w1 = before.nodes[0].params["weight"], after.nodes[0].params["weight"]
    assert np.array_equal(w1[[0, 2]], -w0[[0, 2]]) and np.array_equal(w1[[1, 3]], w0[[1, 3]])
    assert not after.nodes[1].params["negate"].any()


# --------------------------------------------------------------------------- final scores

def test_quantize_scores_report_and_user_calibration(tmp_path: Path) -> None:
    graph = _load(mlp(40, sizes=[24, 12, 6]), tmp_path)
    cal = random_inputs(graph, 100, seed=3)
    folded = compiler.fold(graph, calibration=cal)
    r = folded.scores
    assert r is not None and r.calibration == "user" and r.calibration_images == 100
    assert 8 <= r.frac_bits <= 24
    aff = next(n for n in folded.nodes if n.op == "affine")
    assert aff.attrs["frac_bits"] == r.frac_bits
    pa, pb = execute(graph, cal)[:, 0], execute(folded, cal)[:, 0]
    assert int(np.count_nonzero(pa != pb)) == r.disagreements == 0
    r2 = compiler.fold(graph).scores
    assert r2 is not None and r2.calibration == "random" and r2.calibration_images == 1024


def test_quantize_scores_huge_beta_does_not_overflow(tmp_path: Path) -> None:
    """A final batchnorm with beta = ±1e30 once overflowed int64 (garbage argmax); F now shrinks to fit."""
    net = mlp(1, sizes=[18, 9, 5], final_bn_mode="huge_beta")
    graph = _load(net, tmp_path)
    with np.errstate(all="raise"):
        folded = compiler.fold(graph)
    aff = next(n for n in folded.nodes if n.op == "affine")
    assert aff.out.dtype.hi < 2**62 and aff.out.dtype.lo > -(2**62)
    x = random_inputs(graph, 500, 2)
    assert np.array_equal(execute(graph, x), execute(folded, x))
    assert folded.scores is not None and folded.scores.disagreements == 0


# --------------------------------------------------------------------------- folding

def test_choose_folding_balanced_and_requested(tmp_path: Path) -> None:
    net = mlp(50, sizes=[64, 32, 10], folding={"fc1": {"pe": 4, "simd": 16}})
    folded = compiler.fold(_load(net, tmp_path))
    fc1 = folded.node("fc1")
    assert (fc1.attrs["pe"], fc1.attrs["simd"]) == (4, 16)
    assert fc1.attrs["cycles"] == cycles(32, 64, 1, 4, 16) == 32
    fc2 = folded.node("fc2")
    assert fc2.attrs["cycles"] <= 32
    assert folded.timing == (max(n.attrs["cycles"] for n in folded.nodes if "cycles" in n.attrs), "fc1")


def test_choose_folding_default_and_conv_pixels(tmp_path: Path) -> None:
    folded = compiler.fold(_load(cnn(51, pool="after_sign", input_shape=(8, 8, 3), filters=(8,), hidden=(16,)),
                                 tmp_path))
    for n in folded.nodes:
        if n.op in matrix_ops():
            mh, mw, px = OPS[n.op].dims(n)
            assert n.attrs["cycles"] == cycles(mh, mw, px, n.attrs["pe"], n.attrs["simd"])
            assert 1 <= n.attrs["pe"] <= mh and 1 <= n.attrs["simd"] <= mw
    conv = folded.node("conv1")
    assert OPS[conv.op].dims(conv) == (8, 27, 36)


@pytest.mark.parametrize("mh,mw,px,budget", [(10, 784, 1, 49), (256, 256, 1, 64), (7, 3, 1, 1), (5, 5, 9, 10),
                                             (1, 1, 1, 1), (64, 100, 4, 10**6), (3, 3, 100, 5)])
def test_cheapest_folding_fits_budget_with_fewest_lanes(mh: int, mw: int, px: int, budget: int) -> None:
    pe, simd = cheapest_folding(mh, mw, px, budget, simd_cap=16)
    c = cycles(mh, mw, px, pe, simd)
    fits = [(p, s) for p in range(1, mh + 1) for s in range(1, mw + 1) if cycles(mh, mw, px, p, s) <= budget]
    capped = [(p, s) for p, s in fits if s <= 16]
    if fits:
        assert c <= budget
        # fewest lanes, among foldings with SIMD <= the cap whenever one fits
        assert pe * simd == min(p * s for p, s in (capped or fits))
        assert simd <= 16 or not capped
    else:
        assert (pe, simd) == (mh, mw)


def test_pass_manager_rejects_unknown_pass_and_dumps(tmp_path: Path) -> None:
    graph = _load(mlp(0, sizes=[6, 4, 3]), tmp_path)
    with pytest.raises(KeyError, match=whole(r"\"pass must be one of (\w+, )+not 'no_such_pass'\"")):
        PassManager(["no_such_pass"])
    dumped: list[tuple[str, str]] = []
    PassManager(dump_after=["fold_threshold"], dump_fn=lambda n, t: dumped.append((n, t))).run(graph)
    assert [d[0] for d in dumped] == ["fold_threshold"] and "threshold(" in dumped[0][1]


def test_every_pass_registered_with_rewrite_line() -> None:
    assert set(PIPELINE) == set(REGISTRY)
    for p in REGISTRY.values():
        assert p.rewrite and "\n" not in p.rewrite


def test_passes_do_not_mutate_their_input(tmp_path: Path) -> None:
    from compiler.ir import dump

    graph = _load(cnn(60, pool="before_bn", bn_mode="mixed"), tmp_path)
    text = dump(graph)
    lower(graph)
    assert dump(graph) == text


def test_requested_folding_too_large_is_an_error(tmp_path: Path) -> None:
    net = mlp(0, sizes=[6, 3], folding={"fc1": {"pe": 4, "simd": 2}})
    with pytest.raises(BnncError, match=whole(r"net\.yaml: layer fc1: field hardware\.folding\.pe: pe must be at most "
                                                 r"the layer's 3 output rows \(more lanes would only compute "
                                                 r"padding, no faster\), not 4")):
        compiler.fold(_load(net, tmp_path))


@pytest.mark.parametrize("mode", ["normal", "negative", "mixed"])
def test_two_pools_before_batchnorm_both_become_bitpools(tmp_path: Path, mode: str) -> None:
    """conv -> pool -> pool -> bn -> sign: once the inner pool stayed an integer maxpool2d in the folded graph."""
    net = cnn(70, input_shape=(9, 9, 1), filters=(4,), pool="before_bn", bn_mode=mode, pool_kernel=2, pool_stride=1)
    layers = net.doc["layers"]
    i = [x["name"] for x in layers].index("pool1")
    layers.insert(i + 1, {"name": "pool1b", "op": "maxpool2d", "kernel": 2})
    net.arrays["fc1.weight"] = net.arrays["fc1.weight"][:, : 3 * 3 * 4]
    graph = _load(net, tmp_path)
    x = random_inputs(graph, 300, seed=1)
    _check_pass(graph, "pool_past_threshold", x)
    folded = compiler.fold(graph)
    assert [n.op for n in folded.nodes][:4] == ["xnor_conv2d", "threshold", "bitpool", "bitpool"]
    gamma = net.arrays["bn_c1.gamma"]
    for n in folded.nodes[2:4]:
        assert np.array_equal(n.params["and_mask"], gamma < 0)
    assert np.array_equal(execute(graph, x), execute(folded, x)) or folded.scores.disagreements


@pytest.mark.parametrize("negate", ["plain", "negated", "mixed"])
@pytest.mark.parametrize("chain", [1, 2])
def test_pool_past_multithreshold_executes_equal(negate: str, chain: int) -> None:
    """maxpool -> multithreshold becomes multithreshold -> codepool (max, min where negated: gamma < 0), equal on
    every input; a chain of pools moves whole."""
    from compiler.ir import DType, Graph, Node, TensorType
    from compiler.ops import infer_types

    rng = np.random.default_rng(23 + chain)
    c, lo, hi = 5, -40, 40
    neg = {"plain": np.zeros(c, bool), "negated": np.ones(c, bool), "mixed": np.array([0, 1, 1, 0, 1], bool)}[negate]
    th = np.sort(rng.integers(lo - 2, hi + 3, size=(c, 3)), axis=1)  # ties, and thresholds at and past the range
    th[0] = [lo, 0, hi + 1]
    pools = tuple(Node(f"p{k}", "maxpool2d", {"kernel": 2, "stride": 1 if k else 2}) for k in range(chain))
    mt = Node("q", "multithreshold", {"out_bias": -1, "out_lo": -1, "out_hi": 2}, {"thresholds": th, "negate": neg})
    graph = infer_types(Graph("g", TensorType((8, 8, c), DType.int(lo, hi)), (*pools, mt)))
    x = rng.integers(lo, hi + 1, size=(200, 8, 8, c))
    x[:20] = rng.choice([lo, hi], size=(20, 8, 8, c))  # the range's ends
    after = REGISTRY["pool_past_threshold"](graph, PassContext())
    verify(after)
    assert [n.op for n in after.nodes] == ["multithreshold"] + ["codepool"] * chain
    assert after.nodes[-1].name == "q"  # the last pool takes over the multithreshold's name (its output)
    for n in after.nodes[1:]:
        assert np.array_equal(n.params["min_mask"], neg)
    assert np.array_equal(execute(graph, x), execute(after, x))


def test_maxpool_on_integer_codes_becomes_codepool() -> None:
    """maxpool_to_or: a max-pool on integer codes (a quant's, the network input) is a codepool taking the max."""
    from compiler.ir import DType, Graph, Node, TensorType
    from compiler.ops import infer_types

    graph = infer_types(Graph("g", TensorType((6, 6, 3), DType.int(0, 255)),
                              (Node("p", "maxpool2d", {"kernel": 3, "stride": 2}),)))
    after = REGISTRY["maxpool_to_or"](graph, PassContext())
    verify(after)
    assert after.nodes[0].op == "codepool" and not after.nodes[0].params["min_mask"].any()
    x = np.random.default_rng(3).integers(0, 256, size=(50, 6, 6, 3))
    assert np.array_equal(execute(graph, x), execute(after, x))


@pytest.mark.parametrize("net", sorted(n for n in NETS if n.startswith("fewbit")))
def test_fewbit_nets_fold_to_multithresholds_whose_codes_spread(tmp_path: Path, net: str) -> None:
    """The few-bit nets above exercise what they claim: scale nodes in the float graph, none left after folding,
    every quant a multithreshold absorbed after a matrix layer, its codes taking more than one value."""
    graph = _load(NETS[net](), tmp_path)
    assert any(n.op == "scale" for n in graph.nodes)
    folded = compiler.fold(graph)
    ops = [n.op for n in folded.nodes]
    assert "scale" not in ops and "quant" not in ops and ops.count("multithreshold") == [
        n.op for n in graph.nodes].count("quant")
    x = random_inputs(graph, 300, seed=3)
    for i, node in enumerate(folded.nodes):
        if node.op == "multithreshold":
            assert OPS[folded.nodes[i - 1].op].matrix
            assert len(np.unique(execute(folded.prefix(i + 1), x))) > 1, node.name
