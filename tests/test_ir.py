"""The IR: immutability, the verifier, type inference, and the golden text form.

Golden files: tests/golden/*.txt; regenerate with ``pytest --regen-golden``
(or BNNC_REGEN_GOLDEN=1) after an intended change, and review the diff.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.ir import DType, Graph, Node, ScoreReport, TensorType, dump
from compiler.ops import VerifyError, infer_types, verify
from compiler.ops import OPS
from designs.netgen import cnn, mlp
from tests.pins import whole


def _small(tmp_path: Path) -> Graph:
    return compiler.load(mlp(0, sizes=[6, 4, 3]).write(tmp_path).path)


# --------------------------------------------------------------------------- immutability

def test_node_params_read_only_and_copied(tmp_path: Path) -> None:
    w = np.ones((2, 3), dtype=np.int8)
    n = Node("fc", "dense", {"units": 2}, {"weight": w})
    w[0, 0] = -1  # the node holds its own copy
    assert n.params["weight"][0, 0] == 1
    with pytest.raises(ValueError):
        n.params["weight"][0, 0] = -1
    with pytest.raises(TypeError):
        n.params["weight"] = w  # type: ignore[index]
    with pytest.raises(TypeError):
        n.attrs["units"] = 5  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.name = "other"  # type: ignore[misc]


def test_attr_lists_become_tuples_and_numpy_scalars_python() -> None:
    n = Node("c", "maxpool2d", {"kernel": np.int64(2), "stride": [1, 2]})
    assert n.attrs["kernel"] == 2 and type(n.attrs["kernel"]) is int
    assert n.attrs["stride"] == (1, 2)


def test_graph_frozen(tmp_path: Path) -> None:
    g = _small(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.nodes = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        g.config.folding["fc1"] = (1, 1)  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.config.clock_mhz = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.scores = None  # type: ignore[misc]
    assert isinstance(g.nodes, tuple)
    for node in g.nodes:
        for a in node.params.values():
            assert not a.flags.writeable


def test_replace_and_with_attrs_return_new_objects(tmp_path: Path) -> None:
    g = _small(tmp_path)
    n = g.nodes[0]
    m = n.with_attrs(pe=2)
    assert "pe" not in n.attrs and m.attrs["pe"] == 2 and m is not n
    g2 = g.with_nodes(g.nodes, scores=ScoreReport(12, 0, 10, "user"))
    assert g.scores is None and g2.scores is not None and g2.scores.frac_bits == 12
    assert g.prefix(2).nodes == g.nodes[:2]
    assert g.unique_name("fc1") == "fc1_1" and g.unique_name("zz") == "zz"
    assert g.index("bn1") == 1 and g.node("bn1").op == "batchnorm"
    with pytest.raises(KeyError):
        g.node("nope")


# --------------------------------------------------------------------------- verifier

def _mk(nodes, stage="float", in_type=None) -> Graph:
    return Graph("g", in_type or TensorType((4,), DType.bipolar()), tuple(nodes), stage=stage)


W = np.array([[1, -1, 1, 1], [-1, -1, 1, 1]], dtype=np.int8)


def test_verifier_accepts_good_graph() -> None:
    g = infer_types(_mk([Node("fc", "dense", {"units": 2}, {"weight": W}), Node("am", "argmax")]))
    verify(g)
    assert str(g.nodes[0].out) == "i4[-4,4][2]"


@pytest.mark.parametrize("case,pattern", [
    ("untyped", r"stored type None differs from inferred i4\[-4,4\]\[2\]"),
    ("wrong_type", r"stored type u3\[0,4\]\[2\] differs from inferred i4\[-4,4\]\[2\]"),
    ("bad_name", "name must be a unique identifier other than 'input'"),
    ("dup_name", "name must be a unique identifier other than 'input'"),
    ("input_name", "name must be a unique identifier other than 'input'"),
    ("unknown_op", "unknown op"),
    ("missing_param", r"missing params \['weight'\]"),
    ("extra_param", r"unexpected params \['bias'\]"),
    ("missing_attr", r"missing attrs \['units'\]"),
    ("non_pm1_weight", "weight must be an int8 array of ±1"),
    ("float_weight", "weight must be an int8 array of ±1"),
    ("shape_mismatch", r"dense fc needs a \(4,\) input, not \[5\]"),
    ("float_in_folded", "stage folded must be integer-only"),
    ("writeable", "param weight is writeable; IR arrays must be frozen"),
])
def test_verifier_rejects(case: str, pattern: str) -> None:
    dense = Node("fc", "dense", {"units": 2}, {"weight": W})
    nodes = {
        "untyped": lambda: _mk([dense]),
        "wrong_type": lambda: _mk([dense.replace(type=TensorType((2,), DType.int(0, 4)))]),
        "bad_name": lambda: infer_types(_mk([dense.replace(name="fc-1")])),
        "dup_name": lambda: infer_types(_mk([Node("s", "sign", {"threshold": 0.0}),
                                             Node("s", "sign", {"threshold": 0.0})])),
        "input_name": lambda: infer_types(_mk([Node("input", "sign", {"threshold": 0.0})])),
        "unknown_op": lambda: _mk([Node("x", "relu")]),
        "missing_param": lambda: _mk([Node("fc", "dense", {"units": 2})]),
        "extra_param": lambda: _mk([Node("fc", "dense", {"units": 2}, {"weight": W, "bias": np.zeros(2)})]),
        "missing_attr": lambda: _mk([Node("fc", "dense", {}, {"weight": W})]),
        "non_pm1_weight": lambda: _mk([Node("fc", "dense", {"units": 2}, {"weight": W * 2})]),
        "float_weight": lambda: _mk([Node("fc", "dense", {"units": 2}, {"weight": W.astype(float)})]),
        "shape_mismatch": lambda: _mk([dense], in_type=TensorType((5,), DType.bipolar())),
        "float_in_folded": lambda: infer_types(_mk([Node("s", "sign", {"threshold": 0.0})], stage="folded")),
    }
    if case == "writeable":
        g = infer_types(_mk([dense]))
        object.__setattr__(g.nodes[0], "params", {"weight": np.array(W)})  # bypass the freezing on purpose
    else:
        g = nodes[case]()
    with pytest.raises(VerifyError, match=whole(r"node [\w-]+ \(\w+\): " + pattern)):
        verify(g)


def test_type_inference_ranges() -> None:
    # dense on uint8 with ±1 weights: exact per-row range, unioned
    w = np.array([[1, 1, -1], [-1, -1, -1]], dtype=np.int8)
    g = infer_types(Graph("g", TensorType((3,), DType.int(0, 255)), (Node("fc", "dense", {"units": 2}, {"weight": w}),)))
    assert (g.nodes[0].out.dtype.lo, g.nodes[0].out.dtype.hi) == (-765, 510)
    assert str(g.nodes[0].out) == "i11[-765,510][2]"
    # xnor popcount of N=3 bits: [0, 3]
    g = infer_types(Graph("g", TensorType((3,), DType.bipolar()),
                          (Node("fc", "xnor_dense", {"units": 2}, {"weight": w}),)))
    assert str(g.nodes[0].out) == "u2[0,3][2]"
    # conv with padding value outside the input range widens it
    wc = np.ones((1, 2, 2, 1), dtype=np.int8)
    g = infer_types(Graph("g", TensorType((3, 3, 1), DType.int(0, 3)),
                          (Node("c", "conv2d", {"filters": 1, "kernel": (2, 2), "stride": 1, "padding": 1,
                                                "pad_value": -5}, {"weight": wc}),)))
    assert g.nodes[0].out.shape == (4, 4, 1) and (g.nodes[0].out.dtype.lo, g.nodes[0].out.dtype.hi) == (-20, 12)


def test_every_op_documented() -> None:
    for name, spec in OPS.items():
        assert spec.doc and spec.name == name


# --------------------------------------------------------------------------- text form

GOLDEN_NETS = {
    "mlp_uint8": lambda: mlp(101, sizes=[12, 6, 4], input_dtype="uint8", input_sign=127.5, name="tiny_mlp",
                             folding={"fc1": {"pe": 3, "simd": 4}}),
    "mlp_bipolar_scores": lambda: mlp(102, sizes=[10, 5, 3], final_bn=False, output="scores", name="tiny_scores",
                                      bn_mode=["normal", "negative", "zero", "tie", "tiny"]),
    "cnn_pool": lambda: cnn(103, input_shape=(6, 6, 1), filters=(3,), pool="before_bn", hidden=(4,), classes=3,
                            bn_mode="mixed", name="tiny_cnn"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_NETS))
def test_golden_text_ir(tmp_path: Path, name: str, golden) -> None:
    net = GOLDEN_NETS[name]().write(tmp_path)
    g = compiler.load(net.path)
    folded = compiler.fold(g)
    text_float, text_folded = dump(g), dump(folded)
    golden(f"{name}.float.txt", text_float)
    golden(f"{name}.folded.txt", text_folded)
    # deterministic: a second load and fold of the same files gives the same text
    assert dump(compiler.load(net.path)) == text_float
    assert dump(compiler.fold(compiler.load(net.path))) == text_folded
    assert text_float.startswith(f"graph {g.name} stage=float output={g.output}\n  %input : ")
    assert str(tmp_path) not in text_float  # no machine-specific paths in the text


def test_dump_small_arrays_in_full_large_by_hash() -> None:
    g = infer_types(_mk([Node("fc", "dense", {"units": 2}, {"weight": W}), Node("am", "argmax")]))
    text = dump(g)
    assert text == ("graph g stage=float output=argmax\n"
                    "  %input : bipolar[4]\n"
                    "  %fc = dense(%input) {units=2} weight=int8[2, 4]=[[1, -1, 1, 1], [-1, -1, 1, 1]] : i4[-4,4][2]\n"
                    "  %am = argmax(%fc) : u1[0,1][1]\n")
    big = np.ones((3, 4), dtype=np.int8)
    t2 = dump(infer_types(_mk([Node("fc", "dense", {"units": 3}, {"weight": big})])))
    assert "weight=int8[3, 4]#" in t2
    big2 = big.copy()
    big2[2, 3] = -1
    assert dump(infer_types(_mk([Node("fc", "dense", {"units": 3}, {"weight": big2})]))) != t2


def test_hardware_config_defaults_and_json_round_trip() -> None:
    from compiler.config import DEFAULT_CLOCK_MHZ, Budget, HardwareConfig
    from compiler.targets import DEFAULT_TARGET

    plain = HardwareConfig()
    assert (plain.target, plain.clock_mhz, dict(plain.folding), plain.limit) == (DEFAULT_TARGET, DEFAULT_CLOCK_MHZ,
                                                                                  {}, {})
    assert plain.to_json() == {"clock_mhz": DEFAULT_CLOCK_MHZ, "target": DEFAULT_TARGET, "folding": {}}
    full = plain.replace(target="ecp5-85k", folding={"fc1": (2, 3)}, target_fps=250.0, budget=Budget(lut=9000, bram=4),
                         fps_option="--target-fps")
    assert full.limit == {"lut": 9000, "bram": 4} and plain.target == DEFAULT_TARGET  # replace copies
    assert HardwareConfig.from_json(full.to_json()) == full
    with pytest.raises(ValueError, match=whole(r"target must be one of xilinx, ice40-up5k, ecp5-25k, ecp5-85k, "
                                               r"not 'virtex'")):
        HardwareConfig(target="virtex")
