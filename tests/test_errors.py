"""Bad inputs: every one is a BnncError whose one-line message names the file, the layer and the field.

Messages follow ``FILE: layer NAME: field FIELD: X must be Y, not Z`` (docs/net-yaml.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import compiler
from compiler.cli import main
from compiler.errors import BnncError
from designs.netgen import GenNet, cnn, mlp
from tests.pins import whole

# mlp(0, sizes=[6, 4, 3]) has layers fc1, bn1, act1, fc2, bn2 on a bipolar [6] input.


def base() -> GenNet:
    return mlp(0, sizes=[6, 4, 3])


def _write(tmp_path: Path, net: GenNet) -> Path:
    return net.write(tmp_path).path


def _fails(tmp_path: Path, net: GenNet, pattern: str, *, fold: bool = False) -> BnncError:
    path = _write(tmp_path, net)
    with pytest.raises(BnncError) as info:
        g = compiler.load(path)
        if fold:
            compiler.fold(g)
    msg = str(info.value)
    assert "\n" not in msg
    # anchored: the whole message, after the folder part of its path
    assert re.fullmatch(rf"(?:\S*/)?(?:{pattern})", msg), msg
    assert " must " in msg and ", not " in msg or " must not " in msg, f"not 'X must be Y, not Z': {msg}"
    return info.value


def _edit(fn: Callable[[GenNet], Any]) -> GenNet:
    net = base()
    fn(net)
    return net


YAML = r"net\.yaml"
NPZ = r"weights\.npz"

# (id, net, regex on the message)
CASES: list[tuple[str, Callable[[], GenNet], str]] = [
    ("missing_array", lambda: _edit(lambda n: n.arrays.pop("bn1.mean")),
     NPZ + r": layer bn1: field mean: array bn1\.mean must be present with shape \[4\], not missing"),
    ("extra_array", lambda: _edit(lambda n: n.arrays.__setitem__("fc9.weight", np.ones((2, 2)))),
     NPZ + r": layer fc9: field weight: array fc9\.weight must belong to a layer of the network, not be extra "
            r"\(1 unused array\(s\)\); remove it or add its layer"),
    ("wrong_shape", lambda: _edit(lambda n: n.arrays.__setitem__("fc1.weight", np.ones((4, 5)))),
     NPZ + r": layer fc1: field weight: fc1\.weight must have shape \[4, 6\], not \[4, 5\]"),
    ("wrong_shape_bn", lambda: _edit(lambda n: n.arrays.__setitem__("bn2.gamma", np.ones((3, 1)))),
     NPZ + r": layer bn2: field gamma: bn2\.gamma must have shape \[3\], not \[3, 1\]"),
    ("nan", lambda: _edit(lambda n: n.arrays["bn1.beta"].__setitem__(2, np.nan)),
     NPZ + r": layer bn1: field beta: bn1\.beta must be finite, not contain NaN or inf"),
    ("inf_weight", lambda: _edit(lambda n: n.arrays["fc2.weight"].__setitem__((0, 0), np.inf)),
     NPZ + r": layer fc2: field weight: fc2\.weight must be finite, not contain NaN or inf"),
    ("var_zero", lambda: _edit(lambda n: n.arrays["bn1.var"].__setitem__(1, 0.0)),
     NPZ + r": layer bn1: field var: var must be > 0 in every channel, not 0\.0 \(channel 1\)"),
    ("var_negative", lambda: _edit(lambda n: n.arrays["bn2.var"].__setitem__(0, -1.0)),
     NPZ + r": layer bn2: field var: var must be > 0 in every channel, not -1\.0 \(channel 0\)"),
    ("bad_array_dtype", lambda: _edit(lambda n: n.arrays.__setitem__("bn1.gamma", np.array(["a", "b", "c", "d"]))),
     NPZ + r": layer bn1: field gamma: bn1\.gamma must be a numeric array, not dtype <U1"),
    ("unknown_op", lambda: _edit(lambda n: n.layer("act1").__setitem__("op", "relu")),
     YAML + r": layer act1: field op: op must be one of dense, conv2d, maxpool2d, batchnorm, sign, quant, thresholds, "
            r"flatten, not 'relu'"),
    ("missing_op", lambda: _edit(lambda n: n.layer("act1").pop("op")),
     YAML + r": layer act1: field op: op must be given \(one of dense, .*\), not missing"),
    ("weights_parent", lambda: _edit(lambda n: n.doc.__setitem__("weights", "../x.npz")),
     YAML + r": field weights: weights must be a path inside .*, not '\.\./x\.npz'"),
    ("weights_absolute", lambda: _edit(lambda n: n.doc.__setitem__("weights", "/tmp/bnnc_abs_weights.npz")),
     YAML + r": field weights: weights must be a path inside .*, not '/tmp/bnnc_abs_weights\.npz'"),
    ("duplicate_name", lambda: _edit(lambda n: n.layer("act1").__setitem__("name", "bn1")),
     YAML + r": layer bn1: field name: name must be unique, not a second 'bn1'"),
    ("reserved_name", lambda: _edit(lambda n: n.layer("act1").__setitem__("name", "input")),
     YAML + r": layer input: field name: name must not be 'input' \(reserved for the network input\)"),
    ("non_identifier_name", lambda: _edit(lambda n: n.layer("act1").__setitem__("name", "act-1")),
     YAML + r": layer act-1: field name: name must be an identifier .*, not 'act-1'"),
    ("non_identifier_net_name", lambda: _edit(lambda n: n.doc.__setitem__("name", "1net")),
     YAML + r": field name: name must be an identifier .*, not '1net'"),
    ("bad_dtype", lambda: _edit(lambda n: n.doc["input"].__setitem__("dtype", "float32")),
     YAML + r": field input\.dtype: dtype must be one of bipolar, uint8, int8, uintN \(N = 1\.\.32\), intN \(N = 2\.\.32\), "
            r"not 'float32'"),
    ("bad_dtype_width", lambda: _edit(lambda n: n.doc["input"].__setitem__("dtype", "uint33")),
     YAML + r": field input\.dtype: dtype must be one of .*, not 'uint33'"),
    ("units_string", lambda: _edit(lambda n: n.layer("fc1").__setitem__("units", "4")),
     YAML + r": layer fc1: field units: units must be an integer, not '4'"),
    ("units_float", lambda: _edit(lambda n: n.layer("fc1").__setitem__("units", 4.0)),
     YAML + r": layer fc1: field units: units must be an integer, not 4\.0"),
    ("units_zero", lambda: _edit(lambda n: n.layer("fc1").__setitem__("units", 0)),
     YAML + r": layer fc1: field units: units must be greater than 0, not 0"),
    ("units_bool", lambda: _edit(lambda n: n.layer("fc1").__setitem__("units", True)),
     YAML + r": layer fc1: field units: units must be an integer, not True"),
    ("missing_field", lambda: _edit(lambda n: n.layer("fc2").pop("units")),
     YAML + r": layer fc2: field units: units must be given, not missing"),
    ("missing_input", lambda: _edit(lambda n: n.doc.pop("input")),
     YAML + r": field input: input must be given, not missing"),
    ("unknown_field", lambda: _edit(lambda n: n.layer("fc1").__setitem__("bias", True)),
     YAML + r": layer fc1: field bias: field names of dense must be name, op, units, weight_bits, not 'bias'"),
    ("unknown_top_field", lambda: _edit(lambda n: n.doc.__setitem__("optimizer", "adam")),
     YAML + r": field optimizer: field names of the network must be name, input, layers, output, hardware, weights, "
            r"not 'optimizer'"),
    ("shape_negative", lambda: _edit(lambda n: n.doc["input"].__setitem__("shape", [6, -1])),
     YAML + r": field input\.shape\[1\]: shape\[1\] must be greater than 0, not -1"),
    ("output_bad", lambda: _edit(lambda n: n.doc.__setitem__("output", "softmax")),
     YAML + r": field output: output must be one of argmax, scores, not 'softmax'"),
    ("clock_negative", lambda: _edit(lambda n: n.doc.__setitem__("hardware", {"clock_mhz": -5})),
     YAML + r": field hardware\.clock_mhz: clock_mhz must be greater than 0, not -5"),
    ("batchnorm_then_dense", lambda: _edit(lambda n: n.doc["layers"].remove(n.layer("act1"))),
     YAML + r": layer bn1: field op: batchnorm must be followed by sign, quant, thresholds or end the network, not by dense"),
    ("dense_after_dense", lambda: _edit(lambda n: n.doc["layers"].__delitem__(slice(1, 3))),
     YAML + r": layer fc1: field op: dense must be followed by batchnorm/sign/maxpool2d before the next matrix "
            r"layer, not directly by dense"),
    ("last_not_dense", lambda: _edit(lambda n: n.doc["layers"].__delitem__(slice(3, 5))),
     YAML + r": layer act1: field op: the last layer must be dense .*, not sign with output shape \[4\]"),
    ("folding_non_matrix", lambda: _edit(lambda n: n.doc.__setitem__("hardware", {"folding": {"bn1": {"pe": 1, "simd": 1}}})),
     YAML + r": field hardware\.folding\.bn1: folding keys must name dense or conv2d layers, not 'bn1' "
            r"\(a batchnorm layer\)"),
    ("folding_unknown_layer", lambda: _edit(lambda n: n.doc.__setitem__("hardware", {"folding": {"fc7": {"pe": 1, "simd": 1}}})),
     YAML + r": field hardware\.folding\.fc7: folding keys must name dense or conv2d layers, not 'fc7' \(no layer\)"),
    ("folding_zero_pe", lambda: _edit(lambda n: n.doc.__setitem__("hardware", {"folding": {"fc1": {"pe": 0, "simd": 1}}})),
     YAML + r": field hardware\.folding\.fc1\.pe: pe must be greater than 0, not 0"),
    ("empty_layers", lambda: _edit(lambda n: n.doc.__setitem__("layers", [])),
     YAML + r": field layers: layers must be a list of at least 1 item\(s\), not \[\]"),
    ("layers_not_list", lambda: _edit(lambda n: n.doc.__setitem__("layers", {"fc1": 1})),
     YAML + r": field layers: layers must be a list, not \{'fc1': 1\}"),
    ("layer_not_mapping", lambda: _edit(lambda n: n.doc["layers"].__setitem__(0, "dense")),
     YAML + r": layer #0: field op: op must be given \(one of .*\), not missing|"
     + YAML + r": layer #0: layer must be a mapping of name, op and its fields, not 'dense'"),
    # eps = 0 is legal (var > 0 keeps var + eps > 0, docs/net-yaml.md); a negative one is not
    ("eps_negative", lambda: _edit(lambda n: n.layer("bn1").__setitem__("eps", -1e-5)),
     YAML + r": layer bn1: field eps: eps must be at least 0, not -1e-05"),
    ("sign_threshold_nan", lambda: _edit(lambda n: n.layer("act1").__setitem__("threshold", float("nan"))),
     YAML + r": layer act1: field threshold: threshold must be a finite number, not nan"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_net(tmp_path: Path, case) -> None:
    _, make, pattern = case
    _fails(tmp_path, make(), pattern)


def test_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20


def test_dense_needs_flatten_after_3d_input(tmp_path: Path) -> None:
    net = GenNet({"name": "n", "input": {"shape": [4, 4, 2], "dtype": "bipolar"},
                  "layers": [{"name": "fc1", "op": "dense", "units": 3}]}, {"fc1.weight": np.ones((3, 32))})
    _fails(tmp_path, net, YAML + r": layer fc1: field op: the input of dense must be a vector \(add a flatten "
                                 r"layer before it\), not shape \[4, 4, 2\]")


def test_dense_on_non_binary_hidden_input(tmp_path: Path) -> None:
    """conv -> maxpool -> flatten -> dense: the dense layer's input is integer, not bipolar (a sign is missing)."""
    net = cnn(0, pool="before_bn")
    layers = net.doc["layers"]
    net.doc["layers"] = [x for x in layers if x["name"] not in ("bn_c1", "act_c1")]
    for k in ("gamma", "beta", "mean", "var"):
        net.arrays.pop(f"bn_c1.{k}")
    _fails(tmp_path, net, YAML + r": layer fc1: field op: the input of dense must be bipolar \(add a sign layer "
                                 r"before it\), a quant's codes or the integer network input, not i\d+\[-?\d+,\d+\]")


def test_dense_on_float_input_missing_sign(tmp_path: Path) -> None:
    """batchnorm -> dense (the sign forgotten): caught at the batchnorm, whose output is float."""
    net = base()
    net.doc["layers"].remove(net.layer("act1"))
    _fails(tmp_path, net, YAML + r": layer bn1: field op: batchnorm must be followed by sign, quant, thresholds or end the network, "
                                 r"not by dense")


def test_conv_on_vector_input(tmp_path: Path) -> None:
    net = GenNet({"name": "n", "input": {"shape": [8], "dtype": "bipolar"},
                  "layers": [{"name": "c1", "op": "conv2d", "filters": 2, "kernel": 3}]},
                 {"c1.weight": np.ones((2, 1, 3, 3))})
    _fails(tmp_path, net, YAML + r": layer c1: field op: the input of conv2d must be an \(H, W, C\) image, "
                                 r"not shape \[8\]")


def test_conv_kernel_larger_than_input(tmp_path: Path) -> None:
    net = cnn(0, input_shape=(2, 2, 1), kernel=3, pool="none")
    _fails(tmp_path, net, YAML + r": layer conv1: field kernel: kernel must fit the 2x2 input \(with padding 0\), "
                                 r"not 3x3")


def test_pool_larger_than_input(tmp_path: Path) -> None:
    net = cnn(0, input_shape=(4, 4, 1), kernel=3, pool="before_bn", pool_kernel=3)
    _fails(tmp_path, net, YAML + r": layer pool1: field kernel: kernel must fit the 2x2 input, not 3")


def test_bipolar_pad_value(tmp_path: Path) -> None:
    net = cnn(0, padding=1, pad_value=0, pool="none")
    _fails(tmp_path, net, YAML + r": layer conv1: field pad_value: pad_value must be -1 or \+1 for a bipolar "
                                 r"input, not 0")


def test_pe_larger_than_layer(tmp_path: Path) -> None:
    net = base()
    net.doc["hardware"] = {"folding": {"fc2": {"pe": 5, "simd": 1}}}
    _fails(tmp_path, net, YAML + r": layer fc2: field hardware\.folding\.pe: pe must be at most the layer's 3 "
                                 r"output rows \(more lanes would only compute padding, no faster\), not 5", fold=True)
    net.doc["hardware"] = {"folding": {"fc2": {"pe": 1, "simd": 9}}}
    _fails(tmp_path / "b", net, YAML + r": layer fc2: field hardware\.folding\.simd: simd must be at most the "
                                       r"layer's 4 inputs \(more lanes would only compute padding, no faster\), not 9",
           fold=True)


def test_bad_yaml_syntax(tmp_path: Path) -> None:
    p = tmp_path / "net.yaml"
    p.write_text("name: x\ninput: {shape: [3]\nlayers: []\n")
    with pytest.raises(BnncError, match=whole(r"net\.yaml: line \d+: the file must be valid YAML, not \(.+\)")):
        compiler.load(p)


@pytest.mark.parametrize("text,what", [("- 1\n- 2\n", "list"), ("42\n", "int"), ("", "empty"),
                                        ("just a string\n", "str")])
def test_yaml_not_a_mapping(tmp_path: Path, text: str, what: str) -> None:
    p = tmp_path / "net.yaml"
    p.write_text(text)
    with pytest.raises(BnncError, match=whole(rf"net\.yaml: the document must be a mapping of name, input, layers, "
                                        rf"\.\.\., not {what}")):
        compiler.load(p)


def test_missing_yaml_file(tmp_path: Path) -> None:
    with pytest.raises(BnncError, match=whole(r"nope\.yaml: the net\.yaml must be an existing file, not missing")):
        compiler.load(tmp_path / "nope.yaml")


def test_yaml_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(BnncError, match=whole(r"\S*: the net\.yaml must be a regular file, not a folder")):
        compiler.load(tmp_path)


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken", b""])
def test_malformed_npz(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path, base())
    (tmp_path / "weights.npz").write_bytes(content)
    with pytest.raises(BnncError, match=whole(r"weights\.npz: the weights must be a NumPy \.npz archive of arrays, "
                                        r"not an unreadable file \(.+\)")):
        compiler.load(path)


def test_npz_with_object_array(tmp_path: Path) -> None:
    net = base()
    path = _write(tmp_path, net)
    arrays = dict(net.arrays)
    arrays["fc1.weight"] = np.array([object()] * 24, dtype=object).reshape(4, 6)
    np.savez(tmp_path / "weights.npz", **arrays)
    with pytest.raises(BnncError, match=whole(r"weights\.npz: the weights must be a NumPy \.npz archive of arrays, not an unreadable "
                                          r"file \(Object arrays cannot be loaded when allow_pickle=False\)")):
        compiler.load(path)


def test_weights_symlink_escaping_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    net = base()
    net.write(outside)
    inside = tmp_path / "inside"
    inside.mkdir()
    (inside / "net.yaml").write_text((outside / "net.yaml").read_text())
    (inside / "weights.npz").symlink_to(outside / "weights.npz")
    with pytest.raises(BnncError, match=whole(r"inside/net\.yaml: field weights: weights must be a path inside \S+/inside, "
                                          r"not 'weights\.npz'")):
        compiler.load(inside / "net.yaml")


def test_weights_file_missing(tmp_path: Path) -> None:
    path = _write(tmp_path, base())
    (tmp_path / "weights.npz").unlink()
    with pytest.raises(BnncError, match=whole(r"net\.yaml: field weights: weights must name an existing \.npz file, "
                                        r"not 'weights\.npz' \(not found\)")):
        compiler.load(path)


def test_weights_in_subfolder_allowed(tmp_path: Path) -> None:
    net = base()
    net.doc["weights"] = "w/params.npz"
    g = compiler.load(net.write(tmp_path).path)
    assert len(g.nodes) == 6


# --------------------------------------------------------------------------- through the CLI

def test_run_input_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = mlp(0, input_dtype="uint8", input_sign=127.5, sizes=[5, 3]).write(tmp_path)
    x = np.full((2, 5), 300)
    np.save(tmp_path / "x.npy", x)
    assert main(["run", str(net.path), "--input", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert re.fullmatch(r"bnnc: error: .*x\.npy: field --input: input values must lie in \[0, 255\] for dtype "
                        r"u8\[0,255\], not \[300, 300\]\n", err), err


@pytest.mark.parametrize("x,pattern", [
    (np.zeros((2, 4)), r"field --input: input must have shape \(N, 5\), not \(2, 4\)"),
    (np.full((2, 5), 0.5), r"field --input: input must hold integers for dtype .*, not float64 values with fractions"),
])
def test_run_bad_input_arrays(tmp_path: Path, capsys: pytest.CaptureFixture[str], x: np.ndarray, pattern: str) -> None:
    net = mlp(0, input_dtype="uint8", input_sign=127.5, sizes=[5, 3]).write(tmp_path)
    np.save(tmp_path / "x.npy", x)
    assert main(["run", str(net.path), "--input", str(tmp_path / "x.npy")]) == 2
    assert re.fullmatch(rf"bnnc: error: \S*x\.npy: {pattern}\n", capsys.readouterr().err)


def test_run_bipolar_input_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = mlp(0, sizes=[5, 3]).write(tmp_path)
    np.save(tmp_path / "x.npy", np.zeros((1, 5), dtype=np.int8))
    assert main(["run", str(net.path), "--input", str(tmp_path / "x.npy")]) == 2
    assert "bipolar input must hold only -1 and +1" in capsys.readouterr().err


def test_run_input_not_npy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = mlp(0, sizes=[5, 3]).write(tmp_path)
    (tmp_path / "x.npy").write_text("hello")
    assert main(["run", str(net.path), "--input", str(tmp_path / "x.npy")]) == 2
    assert re.fullmatch(r"bnnc: error: \S*x\.npy: --input must be a NumPy \.npy array, not an unreadable file "
                        r"\(.+\)\n", capsys.readouterr().err)
    assert main(["run", str(net.path), "--input", str(tmp_path / "nope.npy")]) == 2
    assert re.fullmatch(r"bnnc: error: \S*nope\.npy: --input must be an existing \.npy file, not missing\n",
                        capsys.readouterr().err)
    np.savez(tmp_path / "x.npz", a=np.ones((1, 5)))
    assert main(["run", str(net.path), "--input", str(tmp_path / "x.npz")]) == 2
    assert re.fullmatch(r"bnnc: error: \S*x\.npz: --input must be a NumPy \.npy array, not an \.npz archive\n",
                        capsys.readouterr().err)


def test_compile_bad_calibration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = mlp(0, sizes=[5, 3]).write(tmp_path)
    np.save(tmp_path / "c.npy", np.zeros((3, 7)))
    assert main(["compile", str(net.path), "-o", str(tmp_path / "out"), "--calibration",
                 str(tmp_path / "c.npy")]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(r"bnnc: error: \S*c\.npy: field --calibration: input must have shape \(N, 5\), not \(3, 7\)\n",
                        err), err
    assert not (tmp_path / "out").exists()
