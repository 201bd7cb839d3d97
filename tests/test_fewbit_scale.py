"""A matrix layer's float scale in the graph builder (docs/few-bit.md, "Scale bookkeeping"), where it meets max-pools
and batchnorms, and the few-bit matrix units' parameter ROMs:

* a positive per-channel scale commutes exactly with a max, so the builder puts the ``scale`` node after the
  max-pools that follow the matrix layer, right before the batchnorm (conv -> maxpool -> batchnorm -> quant, the
  usual training order, was refused: the batchnorm read the scale's float output through the pool);
* the batchnorm's float64 overflow check sees the scaled range (it was skipped when a scale node stood before it);
* a THRESHOLD-mode unit with few-bit weights on integer lanes sums exactly: its biases are -T, without the ones'
  complement offsets of 1-bit weights (tests/fuzz.py seed 2: a W2 dense on A3 codes followed by a sign).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.errors import BnncError
from compiler.kernels import batchnorm_f64, quant_f64, scale_f64
from compiler.ops.quant import code_range
from compiler.reference import execute
from designs.netgen import GenNet, cnn, fewbit, mlp, random_inputs


def _conv_pool_bn(seed: int = 41) -> GenNet:
    """conv (2-bit weights, per-channel weight scale) -> maxpool -> batchnorm -> quant (A2) -> dense (W2)."""
    return fewbit(cnn(seed, input_shape=(8, 8, 2), input_dtype="uint8", input_sign=None, filters=(4,),
                      pool="before_bn", classes=3),
                  seed, act=(2, True, True), act_scale=0.5, weight_bits=[2, 2], weight_scale="channel")


def _pool2d_max(x: np.ndarray, k: int) -> np.ndarray:
    """A k x k, stride k max-pool of (N, H, W, C), by hand."""
    n, h, w, c = x.shape
    oh, ow = h // k, w // k
    return x[:, :oh * k, :ow * k].reshape(n, oh, k, ow, k, c).max(axis=(2, 4))


def test_scale_node_stands_after_the_pool_and_the_float_stage_is_the_trained_chain(tmp_path: Path) -> None:
    net = _conv_pool_bn()
    graph = compiler.load(net.write(tmp_path).path)
    ops = [n.op for n in graph.nodes]
    assert ops[:5] == ["conv2d", "maxpool2d", "scale", "batchnorm", "quant"], ops
    x = random_inputs(graph, 200, seed=5)
    acc = execute(graph.prefix(1), x)  # the conv's integer accumulators
    assert acc.dtype.kind == "i"
    s = net.arrays["conv1.weight_scale"]  # the network input's scale is 1
    assert (s != 1).all()
    bn = graph.nodes[3].params
    eps = float(graph.nodes[3].attrs["eps"])
    q = graph.nodes[4].attrs
    lo, hi = code_range(q["bits"], q["signed"], q["narrow"])

    def chain(y: np.ndarray) -> np.ndarray:
        return quant_f64(batchnorm_f64(y, bn["gamma"], bn["beta"], bn["mean"], bn["var"], eps), q["scale"], lo, hi)

    # the trained model's order (scale, then max) and the graph's (max, then scale) give the same float64 values
    scaled_first = _pool2d_max(scale_f64(acc, s), 2)
    pooled_first = scale_f64(_pool2d_max(acc, 2), s)
    assert np.array_equal(scaled_first, pooled_first)
    assert np.array_equal(execute(graph.prefix(3), x), scaled_first)
    assert np.array_equal(execute(graph.prefix(5), x), chain(scaled_first))


def test_conv_pool_batchnorm_quant_folds_equal_to_the_float_stage(tmp_path: Path) -> None:
    graph = compiler.load(_conv_pool_bn().write(tmp_path).path)
    folded = compiler.fold(graph)
    ops = [n.op for n in folded.nodes]
    assert "scale" not in ops and "multithreshold" in ops and "codepool" in ops, ops
    x = random_inputs(graph, 400, seed=6)
    x[:10] = np.iinfo(np.uint8).max  # the input range's ends
    x[10:20] = 0
    assert np.array_equal(execute(graph, x), execute(folded, x))
    mt = next(i for i, n in enumerate(folded.nodes) if n.op == "multithreshold")
    assert len(np.unique(execute(folded.prefix(mt + 1), x))) > 1  # the codes spread: the test proves something


@pytest.mark.parametrize("pool", ["before_bn", "none"])
def test_batchnorm_overflow_is_refused_on_the_scaled_range(tmp_path: Path, pool: str) -> None:
    """gamma 1e300 is finite on the accumulators (|acc| <= 100 or so) times a weight scale of 1, but not times 1e10:
    refused in one line naming the batchnorm, the channel and the scaled range."""
    net = fewbit(cnn(42, input_shape=(6, 6, 1), input_dtype="bipolar", filters=(2,), pool=pool, classes=3),
                 42, weight_bits=[2, 2], weight_scale=None)
    net.arrays["bn_c1.gamma"] = np.array([1.0, 1e300])
    net.arrays["bn_c1.var"] = np.array([1.0, 1.0])
    compiler.load(net.write(tmp_path / "ok").path)  # no scale node: in range
    net.arrays["conv1.weight_scale"] = np.array([1.0, 1e10])
    with pytest.raises(BnncError) as e:
        compiler.load(net.write(tmp_path / "big").path)
    msg = str(e.value)
    assert "\n" not in msg
    assert "the batchnorm of channel 1 must stay finite in float64 for inputs in 10000000000 x [" in msg, msg
    assert "(the layer's float scale), not overflow (gamma 1e+300" in msg, msg
    assert "bn_c1" in msg and "gamma" in msg


def test_fewbit_threshold_unit_biases_have_no_ones_offsets(tmp_path: Path) -> None:
    """A W3 dense on A2 codes followed by batchnorm -> sign: bnnc_mvtu THRESHOLD mode with WEIGHT_BITS 3 sums
    x * w exactly from its bias, so each bias lane is -T (T clamped as threshold_fit clamps it)."""
    from compiler.codegen import write_output
    from compiler.codegen.folder import validate_folder
    from compiler.cores.mvtu import MvtuParams, threshold_fit
    from compiler.bits import unpack_lanes

    net = fewbit(mlp(43, sizes=[12, 9, 7, 4], input_dtype="int8", input_sign=None,
                     folding={"fc2": {"pe": 3, "simd": 4}}), 43, act=(2, True, False), weight_bits=[2, 3, 1])
    layers = net.doc["layers"]
    k = next(i for i, layer in enumerate(layers) if layer["name"] == "act2")
    layers[k] = {"name": "act2", "op": "sign"}  # fc2 (W3, reading act1's codes) -> bn2 -> sign
    folded = compiler.fold(net.write(tmp_path).path)
    write_output(folded, tmp_path / "rtl")
    folder = validate_folder(tmp_path / "rtl")
    mod = next(m for m in folder.modules if m.core == "bnnc_mvtu" and m.name == "fc2")
    p = MvtuParams.of(mod.params)
    assert (p.OUT_MODE, p.weight_bits, p.BINARY_IN) == (0, 3, 0), p
    node = next(i for i, n in enumerate(folded.nodes) if n.name == "fc2")
    acc = folded.nodes[node].out.dtype
    thr = folded.nodes[node + 1].params["thresholds"]
    expect = -threshold_fit(thr, acc.lo, acc.hi)[0]
    lines = (folder.rom(mod, "params")).read_text().split()
    got = [v for line in lines for v in unpack_lanes(int(line, 16), p.PE, p.ACC_BITS, signed=True)][:p.MH]
    assert got == expect.tolist()


def test_fewbit_draw_keeps_the_input_batchnorms_sign(tmp_path: Path) -> None:
    """designs.netgen.fewbit leaves a sign after an input batchnorm alone (a multi-threshold needs the matrix unit
    before it): tests/fuzz.py seed 12, a few-bit MLP with one, was refused at compile before."""
    from tests.fuzz import fuzz_net

    net = fuzz_net(12)
    layers = net.doc["layers"]
    assert net.meta["fewbit"] == "scale/tensor"  # a few-bit draw: a weight scale on the one dense layer
    assert [layer["op"] for layer in layers] == ["batchnorm", "sign", "dense"]
    manifest = compiler.compile(net.write(tmp_path / "net").path, tmp_path / "rtl")
    assert manifest["interval_cycles"] > 0
