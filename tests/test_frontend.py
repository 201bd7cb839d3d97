"""The net.yaml frontend: what a valid file becomes (weights, defaults, layout, types)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.ops import verify
from compiler.reference import execute
from designs.netgen import GenNet, cnn, mlp, random_inputs
from tests.pins import whole


def test_mlp_loads_as_float_graph(tmp_path: Path) -> None:
    net = mlp(0, sizes=[6, 4, 3], input_dtype="uint8", input_sign=127.5, folding={"fc1": {"pe": 2, "simd": 3}})
    g = compiler.load(net.write(tmp_path).path)
    verify(g)
    assert g.stage == "float" and g.name == "mlp" and g.output == "argmax" and g.source == str(net.path)
    assert [n.op for n in g.nodes] == ["sign", "dense", "batchnorm", "sign", "dense", "batchnorm", "argmax"]
    assert [n.name for n in g.nodes][-1] == "argmax"
    assert str(g.input) == "u8[0,255][6]"
    assert g.config.clock_mhz == 100.0 and g.config.folding == {"fc1": (2, 3)}
    assert g.nodes[0].attrs["threshold"] == 127.5
    assert g.nodes[2].attrs["eps"] == 1e-5
    for k in ("gamma", "beta", "mean", "var"):
        assert np.array_equal(g.nodes[2].params[k], net.arrays[f"bn1.{k}"])


def test_weights_binarized_with_sign_of_zero_plus_one(tmp_path: Path) -> None:
    net = mlp(0, sizes=[4, 2])
    net.arrays["fc1.weight"] = np.array([[0.0, -0.0, 1e-9, -1e-9], [-3.0, 2.0, 0.0, -0.5]], dtype=np.float32)
    g = compiler.load(net.write(tmp_path).path)
    w = g.nodes[0].params["weight"]
    assert w.dtype == np.int8 and w.tolist() == [[1, 1, 1, -1], [-1, 1, 1, -1]]


def test_integer_weight_arrays_accepted(tmp_path: Path) -> None:
    net = mlp(0, sizes=[4, 2], final_bn=False)
    net.arrays["fc1.weight"] = np.array([[1, -1, 1, -1], [1, 1, -1, -1]], dtype=np.int8)
    g = compiler.load(net.write(tmp_path).path)
    assert g.nodes[0].params["weight"].tolist() == [[1, -1, 1, -1], [1, 1, -1, -1]]


def test_conv_weights_pytorch_layout_and_flatten_order(tmp_path: Path) -> None:
    """(F, C, kh, kw) in the npz, channel-last execution, flatten index (h*W + w)*C + c."""
    net = cnn(1, input_shape=(4, 5, 2), filters=(3,), kernel=[2, 3], pool="none", final_bn=False, classes=2)
    g = compiler.load(net.write(tmp_path).path)
    conv = g.node("conv1")
    assert conv.attrs["kernel"] == (2, 3) and conv.attrs["stride"] == 1 and conv.attrs["padding"] == 0
    assert conv.attrs["pad_value"] == -1  # default for a bipolar input
    w_pt = np.where(net.arrays["conv1.weight"] >= 0, 1, -1)
    x = random_inputs(g, 3, 0)
    taps = execute(g, x, taps=True)
    y = taps["conv1"]
    assert y.shape == (3, 3, 3, 3)
    for b in range(3):
        for i in range(3):
            for j in range(3):
                for f in range(3):
                    win = x[b, i:i + 2, j:j + 3, :]  # (kh, kw, C)
                    assert y[b, i, j, f] == int(np.sum(win.transpose(2, 0, 1) * w_pt[f]))
    flat = taps["flat"]
    a = taps["act_c1"]
    for h in range(3):
        for w_ in range(3):
            for c in range(3):
                assert flat[0, (h * 3 + w_) * 3 + c] == a[0, h, w_, c]


def test_defaults(tmp_path: Path) -> None:
    net = cnn(2, input_dtype="uint8", input_sign=None, padding=1, pool="after_sign", pool_kernel=2)
    net.doc.pop("output")
    g = compiler.load(net.write(tmp_path).path)
    assert g.output == "argmax"
    assert g.node("conv1").attrs["pad_value"] == 0  # integer input: 0
    assert g.node("pool1").attrs["stride"] == 2  # = kernel
    assert g.node("bn_c1").attrs["eps"] == 1e-5


def test_weights_field_default_and_custom_name(tmp_path: Path) -> None:
    net = mlp(0, sizes=[3, 2])
    net.doc["weights"] = "params.npz"
    g = compiler.load(net.write(tmp_path).path)
    assert (tmp_path / "params.npz").exists() and g.nodes[0].op == "dense"


def test_input_dtypes(tmp_path: Path) -> None:
    # int1 is refused at load (it has no hardware lane; tests/bad_inputs pins the message)
    for dt, rng in [("uint1", (0, 1)), ("int2", (-2, 1)), ("uint32", (0, 2**32 - 1)), ("int8", (-128, 127)),
                    ("int32", (-(2**31), 2**31 - 1))]:
        net = mlp(0, sizes=[3, 2], input_dtype=dt, input_sign=None)
        g = compiler.load(net.write(tmp_path / dt).path)
        assert (g.input.dtype.lo, g.input.dtype.hi) == rng


def test_scores_output_has_no_argmax(tmp_path: Path) -> None:
    g = compiler.load(mlp(0, sizes=[3, 2], output="scores").write(tmp_path).path)
    assert g.nodes[-1].op == "batchnorm" and g.output == "scores"


def test_layer_named_argmax_gets_unique_argmax(tmp_path: Path) -> None:
    net = mlp(0, sizes=[3, 2], final_bn=False)
    net.doc["layers"][0]["name"] = "argmax"
    net.arrays["argmax.weight"] = net.arrays.pop("fc1.weight")
    g = compiler.load(net.write(tmp_path).path)
    assert [n.name for n in g.nodes] == ["argmax", "argmax_1"]


def test_first_layer_batchnorm_on_integer_input(tmp_path: Path) -> None:
    """input -> batchnorm -> sign is a learned input binarization; it folds to a threshold on the pixels."""
    doc = {"name": "inbn", "input": {"shape": [5], "dtype": "uint8"},
           "layers": [{"name": "bn0", "op": "batchnorm"}, {"name": "s0", "op": "sign"},
                      {"name": "fc1", "op": "dense", "units": 3}]}
    arrays = {"bn0.gamma": np.array([1.0, -1.0, 0.5, 0.0, 2.0]), "bn0.beta": np.zeros(5),
              "bn0.mean": np.array([10.0, 100.0, 128.0, 0.0, 255.5]), "bn0.var": np.ones(5),
              "fc1.weight": np.ones((3, 5))}
    net = GenNet(doc, arrays).write(tmp_path)
    g = compiler.load(net.path)
    folded = compiler.fold(g)
    x = np.arange(256)[:, None].repeat(5, axis=1)
    assert np.array_equal(execute(g, x), execute(folded, x))


def test_yaml_flow_and_block_styles_equivalent(tmp_path: Path) -> None:
    net = mlp(0, sizes=[4, 3, 2])
    a = compiler.load(net.write(tmp_path / "a").path)
    import yaml
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "net.yaml").write_text(yaml.safe_dump(net.doc, default_flow_style=False))
    (tmp_path / "b" / "weights.npz").write_bytes((tmp_path / "a" / "weights.npz").read_bytes())
    b = compiler.load(tmp_path / "b" / "net.yaml")
    from compiler.ir import dump
    assert dump(a) == dump(b)


@pytest.mark.parametrize("stage", ["float", "folded"])
def test_predict_api(tmp_path: Path, stage: str) -> None:
    net = mlp(3, sizes=[8, 5, 3]).write(tmp_path)
    x = random_inputs(compiler.load(net.path), 20, 1)
    p = compiler.predict(net.path, x, stage=stage)
    assert p.shape == (20,) and p.dtype == np.int64
    with pytest.raises(ValueError, match=whole("stage must be float or folded, not 'int'")):
        compiler.predict(net.path, x, stage="int")


def test_exponent_without_a_dot_is_a_number(tmp_path: Path) -> None:
    """YAML 1.1 reads `1e-5` as a string; bnnc reads the number the user meant."""
    net = mlp(0, sizes=[6, 4, 3]).write(tmp_path)
    net.path.write_text(net.path.read_text().replace("eps: 1.0e-05", "eps: 1e-5").replace("eps: 1e-05", "eps: 1e-5"))
    assert "eps: 1e-5" in net.path.read_text()
    g = compiler.load(net.path)
    assert all(n.attrs["eps"] == 1e-5 for n in g.nodes if n.op == "batchnorm")


def test_graph_builder_needs_no_net_yaml(tmp_path: Path) -> None:
    """A frontend fills in the ops' layer specs and hands over its arrays: the graph is net.yaml's graph."""
    from compiler.config import HardwareConfig
    from compiler.frontend.build import ArrayContext, build_graph
    from compiler.ir import DType, TensorType
    from compiler.ops import OPS

    net = mlp(4, sizes=[6, 4, 3], input_dtype="uint8", input_sign=127.5).write(tmp_path)
    loaded = compiler.load(net.path)
    layers = [OPS[layer["op"]].spec.model_validate(layer) for layer in net.doc["layers"]]  # type: ignore[union-attr]
    arrays = ArrayContext("<memory>", "<memory>", TensorType((6,), DType.int(0, 255)), dict(net.arrays))
    built = build_graph(arrays, "mlp", layers, "argmax", HardwareConfig(), max_bytes=1 << 30)
    assert [(n.name, n.op, dict(n.attrs), n.type) for n in built] == [(n.name, n.op, dict(n.attrs), n.type)
                                                                        for n in loaded]
    for a, b in zip(built, loaded):
        assert sorted(a.params) == sorted(b.params)
        assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def test_integers_reach_a_matrix_layer_only_as_the_network_input(tmp_path: Path) -> None:
    """The rule that replaced build()'s first flag: a flattened integer image is no network input."""
    net = cnn(3, input_dtype="uint8", input_sign=None, input_shape=(4, 4, 1))
    net.doc["layers"] = [{"name": "flat", "op": "flatten"}, {"name": "fc", "op": "dense", "units": 3}]
    net.arrays = {"fc.weight": np.ones((3, 16))}
    with pytest.raises(compiler.BnncError, match=whole(r".*: layer fc: field op: the input of dense must be bipolar "
                                                       r"\(add a sign layer before it\), a quant's codes or the integer network input, "
                                                       r"not u8\[0,255\]")):
        compiler.load(net.write(tmp_path).path)


def test_fewbit_scale_nodes_only_where_the_float_scale_is_not_one(tmp_path: Path) -> None:
    """The graph builder's scale bookkeeping (docs/few-bit.md): a scale node after a matrix layer exactly where the
    input's scale times the weight scale differs from 1; the codes' scale comes from the quant read."""
    from designs.netgen import fewbit, mlp

    plain = fewbit(mlp(5, input_dtype="uint8", input_sign=None, sizes=[8, 6, 4]), 5, act=(2, True, True),
                   act_scale=1.0, weight_bits=2, weight_scale=None)
    g = compiler.load(plain.write(tmp_path / "a").path)
    assert "scale" not in [n.op for n in g.nodes]  # every scale is 1: the graph is the 1-bit shape
    scaled = fewbit(mlp(5, input_dtype="uint8", input_sign=None, sizes=[8, 6, 4]), 5, act=(2, True, True),
                    act_scale=0.5, weight_bits=2, weight_scale="tensor")
    g = compiler.load(scaled.write(tmp_path / "b").path)
    assert [n.op for n in g.nodes] == ["dense", "scale", "batchnorm", "quant", "dense", "scale", "batchnorm", "argmax"]
    w1, w2 = scaled.arrays["fc1.weight_scale"][0], scaled.arrays["fc2.weight_scale"][0]
    assert np.array_equal(g.nodes[1].params["scale"], np.full(6, w1))  # the network input's scale is 1
    assert np.array_equal(g.nodes[5].params["scale"], np.full(4, 0.5 * w2))  # the quant's scale times the weights'
    assert g.nodes[4].attrs["weight_bits"] == 2 and g.nodes[4].params["weight"].dtype == np.int8
