"""Bad-input cases: see tests/bad_inputs/cases.py for the Case type and the building blocks.

ONNX files (issue 24, docs/onnx.md): hostile files (a truncated protobuf, a huge declared
tensor, external data pointing outside the folder, a graph cycle, a FIFO), and every
refusal of the importer, each one line naming the node and its op: ONNX Sign, a non-zero
zero point, an activation BipolarQuant scale other than 1, per-channel activation scales,
more than 8 (or, for bnnc's units, 4) bits, FloatQuant / Trunc / QCDQ, a residual Add,
unsupported ops (every one listed), dynamic shapes, float weights, an input whose integers
are not said. The models are designs/qonnx_gen.py's, changed by one thing each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.bad_inputs.cases import Case, Setup, _mk

M = r"\S*/m\.onnx"
OPTS = "--input-dtype uint8 --input-scale 1/255"


def model(fn: Callable[[Any], None] | None = None, raw: Callable[[bytes], bytes] | None = None,
          **kw: Any) -> Setup:
    """Write designs.qonnx_gen.qonnx_mlp(**kw) as m.onnx, its graph changed by ``fn`` and its bytes by ``raw``."""
    def setup(d: Path) -> None:
        from designs.qonnx_gen import edit, qonnx_mlp
        m = qonnx_mlp(**kw)
        if fn is not None:
            m = edit(m, fn)
        data = m.SerializeToString()
        (d / "m.onnx").write_bytes(raw(data) if raw else data)
    return setup


def finn_cnn(fn: Callable[[Any], None]) -> Setup:
    """Write designs.qonnx_gen.finn_cnn_nhwc() (FINN's channel-last form) as m.onnx, changed by ``fn``."""
    def setup(d: Path) -> None:
        from designs.qonnx_gen import edit, finn_cnn_nhwc
        (d / "m.onnx").write_bytes(edit(finn_cnn_nhwc(), fn).SerializeToString())
    return setup


def _attr(node: str, name: str, value: Any) -> Callable[[Any], None]:
    def fn(g: Any) -> None:
        from designs.qonnx_gen import node as find
        a = next(a for a in find(g, node).attribute if a.name == name)
        if isinstance(value, str):
            a.s = value.encode()
        else:
            del a.ints[:]
            a.ints.extend(value)
    return fn


def _set(name: str, value: Any) -> Callable[[Any], None]:
    def fn(g: Any) -> None:
        from designs.qonnx_gen import set_init
        set_init(g, name, value)
    return fn


def _retype(node: str, op: str, domain: str | None = None) -> Callable[[Any], None]:
    def fn(g: Any) -> None:
        from designs.qonnx_gen import node as find
        n = find(g, node)
        n.op_type = op
        if domain is not None:
            n.domain = domain
    return fn


def _huge(g: Any) -> None:
    """W1 declares 100000 x 100000 floats (37 GiB) and holds 8 bytes."""
    t = next(t for t in g.initializer if t.name == "W1")
    del t.dims[:]
    t.dims.extend([100000, 100000])
    t.raw_data = b"\0" * 8


def _external(g: Any) -> None:
    from onnx import TensorProto
    t = next(t for t in g.initializer if t.name == "W1")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", "../../../etc/passwd"
    t.ClearField("raw_data")
    t.ClearField("float_data")


def _cycle(g: Any) -> None:
    """MatMul_1 reads BatchNormalization_1's output: each waits for the other."""
    from designs.qonnx_gen import node as find
    find(g, "MatMul_1").input[0] = "bn1"


def _residual(g: Any) -> None:
    """The second activation plus the first: a DAG, not a chain."""
    from onnx import helper
    from designs.qonnx_gen import node as find
    g.node.append(helper.make_node("Add", ["a1", "a1"], ["res"], name="Add_res"))
    find(g, "MatMul_2").input[0] = "res"


def _two_unsupported(g: Any) -> None:
    from designs.qonnx_gen import node as find
    find(g, "BipolarQuant_1").op_type, find(g, "BipolarQuant_1").domain = "Relu", ""
    find(g, "Sub_tn").op_type = "Softmax"


def _dynamic(g: Any) -> None:
    d = g.input[0].type.tensor_type.shape.dim[2]
    d.ClearField("dim_value")
    d.dim_param = "H"


def _float_weights(g: Any) -> None:
    from designs.qonnx_gen import node as find
    find(g, "MatMul_2").input[1] = "W2"


def _per_channel_act_scale(g: Any) -> None:
    from designs.qonnx_gen import set_init
    set_init(g, "as1", np.array([1.0, 0.5] * 6))


CMD = "inspect {d}/m.onnx " + OPTS

CASES: list[Case] = [
    # ------------------------------------------------------------------ hostile files
    _mk("onnx_truncated_protobuf", "kind", CMD,
        M + r": the file must be an ONNX model \(a ModelProto protobuf\), not damaged data \(.*\)",
        model(raw=lambda b: b[: len(b) // 2])),
    _mk("onnx_not_a_protobuf", "kind", CMD,
        M + r": the file must be an ONNX model \(a ModelProto protobuf\), not damaged data \(.*\)",
        model(raw=lambda b: b"name: not an onnx file\n" * 3)),
    _mk("onnx_huge_declared_tensor", "alloc", CMD,
        M + r": tensor W1 must be at most 2147483648 bytes \(2\.0 GiB\) \(--max-bytes\), not 40000000000 bytes "
            r"\(37\.3 GiB\) \(dims \[100000, 100000\]\)",
        model(_huge)),
    _mk("onnx_external_data_outside", "os", CMD,
        M + r": tensor W1 must hold its data in the model file, not in external data \(save the model with "
            r"onnx\.save\(\.\.\., save_as_external_data=False\)\)", model(_external)),
    _mk("onnx_graph_cycle", "kind", CMD,
        M + r": the graph must be acyclic, not have a cycle through node \w+ \(\w+\)", model(_cycle)),
    _mk("onnx_fifo", "os", CMD, M + r": the ONNX model must be a regular file, not a FIFO( \(named pipe\))?",
        lambda d: __import__("os").mkfifo(d / "m.onnx")),
    # ------------------------------------------------------------------ refused nodes
    _mk("onnx_sign_refused", "silent", CMD,
        M + r": every node must be an op bnnc reads \(docs/onnx\.md\), not BipolarQuant_1 \(Sign\): ONNX Sign maps "
            r"0 to 0, a third value; bnnc's sign maps 0 to \+1 \(export Brevitas's BipolarQuant\)",
        model(_retype("BipolarQuant_1", "Sign", ""))),
    _mk("onnx_every_unsupported_op_listed", "kind", CMD,
        M + r": every node must be an op bnnc reads \(docs/onnx\.md\), not BipolarQuant_1 \(Relu\), Sub_tn "
            r"\(Softmax\)", model(_two_unsupported)),
    _mk("onnx_floatquant_refused", "kind", CMD,
        M + r": every node must be an op bnnc reads \(docs/onnx\.md\), not Quant_1 \(qonnx\.custom_op\.general\."
            r"FloatQuant\): minifloat activations have no integer threshold form",
        model(_retype("Quant_1", "FloatQuant"), act_bits=2)),
    _mk("onnx_trunc_refused", "kind", CMD,
        M + r": every node must be an op bnnc reads \(docs/onnx\.md\), not Quant_1 \(qonnx\.custom_op\.general\."
            r"Trunc\): Trunc \(average pooling's truncation\) has no bnnc op",
        model(_retype("Quant_1", "Trunc"), act_bits=2)),
    _mk("onnx_qcdq_refused", "kind", CMD,
        M + r": every node must be an op bnnc reads \(docs/onnx\.md\), not Quant_1 \(QuantizeLinear\): QCDQ "
            r"quantization is not read \(export QONNX: brevitas\.export\.export_qonnx\)",
        model(_retype("Quant_1", "QuantizeLinear", ""), act_bits=2)),
    _mk("onnx_zero_point", "silent", CMD,
        M + r": node Quant_1 \(Quant\): the zero point must be 0, not \[1\.0\]", model(_set("az1", 1.0), act_bits=2)),
    _mk("onnx_weight_zero_point", "silent", CMD,
        M + r": node Quant_w1 \(Quant\): the zero point must be 0, not \[2\.0\]",
        model(_set("wz1", 2.0), weight_bits=2)),
    _mk("onnx_bipolar_act_scale", "silent", CMD,
        M + r": node BipolarQuant_1 \(BipolarQuant\): the scale of an activation BipolarQuant must be 1, not "
            r"\[0\.5\]", model(lambda g: _replace_input(g, "BipolarQuant_1", 1, "half", 0.5))),
    _mk("onnx_per_channel_act_scale", "silent", CMD,
        M + r": node Quant_1 \(Quant\): the activation scale must be one value \(uniform over channels\), not "
            r"\[1\.0, 0\.5, 1\.0, 0\.5, 1\.0, 0\.5, \.\.\.\]", model(_per_channel_act_scale, act_bits=2)),
    _mk("onnx_act_bits_9", "numbers", CMD,
        M + r": node Quant_1 \(Quant\): the bit width must be an integer in \[1, 8\], not \[9\.0\]",
        model(_set("ab1", 9.0), act_bits=2)),
    _mk("onnx_act_bits_6", "numbers", CMD,
        M + r": node Quant_1 \(Quant\): activations must have at most 4 bits for bnnc's thresholds, not 6",
        model(_set("ab1", 6.0), act_bits=2)),
    _mk("onnx_weight_bits_5", "numbers", CMD,
        M + r": node Quant_w1 \(Quant\): weights must have at most 4 bits for bnnc's matrix units, not 5",
        model(_set("wb1", 5.0), weight_bits=2)),
    _mk("onnx_residual_add", "kind", CMD,
        M + r": node Add_res \(Add\): the network must be a chain \(one dynamic input per node\), not join a1, a1 "
            r"\(residual Add/Concat is not supported\)", model(_residual)),
    _mk("onnx_dynamic_shape", "kind", CMD,
        M + r": input x must have a static shape \(N, F\) or \(N, C, H, W\), not \[1, 1, '\?', 4\]", model(_dynamic)),
    _mk("onnx_float_weights", "silent", CMD,
        M + r": node MatMul_2 \(MatMul\): the weights must be quantized \(BipolarQuant or Quant of the weights, ±c "
            r"values, or integers in \[-7, 7\]\), not float", model(_float_weights)),
    # ------------------------------------------------------------------ FINN's channel-last (NHWC) form
    _mk("onnx_data_transpose_other_perm", "kind", "inspect {d}/m.onnx",
        M + r": node Transpose_0 \(Transpose\): a Transpose of the data must turn \(N, C, H, W\) into \(N, H, W, C\) "
            r"\(perm 0 2 3 1\) or back \(perm 0 3 1 2\), not perm 0 3 2 1 on the \(N, C, H, W\) map \[1, 4, 8, 8\]",
        finn_cnn(_attr("Transpose_0", "perm", [0, 3, 2, 1]))),
    _mk("onnx_multithreshold_layout_not_the_maps", "silent", "inspect {d}/m.onnx",
        M + r": node MultiThreshold_0 \(MultiThreshold\): data_layout must be the layout of the map it reads, NHWC "
            r"\(after a Transpose 0 2 3 1\), not NCHW", finn_cnn(_attr("MultiThreshold_0", "data_layout", "NCHW"))),
    _mk("onnx_maxpool_on_a_channel_last_map", "silent", "inspect {d}/m.onnx",
        M + r": node MaxPoolNHWC_0 \(MaxPool\): MaxPool must read an \(N, C, H, W\) map \(its channels on axis 1\), "
            r"not the \(N, H, W, C\) map \[1, 8, 8, 4\] a Transpose or an NHWC MultiThreshold made",
        finn_cnn(_retype("MaxPoolNHWC_0", "MaxPool", ""))),
    _mk("onnx_input_integers_unsaid", "silent", "inspect {d}/m.onnx",
        M + r": field input: input x must say which integers it carries: an integer finn_datatype annotation, or "
            r"--input-dtype \(and --input-scale, e.g\. uint8 and 1/255 for pixels / 255\), not a plain float tensor",
        model()),
    _mk("onnx_input_scale_bad", "usage", "inspect {d}/m.onnx --input-dtype uint8 --input-scale 0",
        r"argument --input-scale: must be a positive number or a fraction a/b, not '0'; see 'bnnc inspect --help'",
        model()),
    _mk("onnx_flags_on_a_net_yaml", "usage", "inspect {d}/net.yaml --input-dtype uint8",
        r"\S*/net\.yaml: --input-dtype, --input-scale and --onnx-config must go with an \.onnx model, not a net\.yaml"),
    # ------------------------------------------------------------------ bnnc import's output folder
    _mk("onnx_import_over_users_net", "output", "import {d}/m.onnx -o {d}/mine " + OPTS,
        r"field -o: output folder's net\.yaml, weights\.npz must be bnnc's own \(listed in its import_manifest\.json\), "
        r"not 'net\.yaml' that bnnc did not write \(1 such file\(s\)\); bnnc replaces only its own files, so move "
        r"them or choose another -o", model(), lambda d: ((d / "mine").mkdir(), (d / "mine" / "net.yaml").write_text("x: 1\n"))),
]


def _replace_input(g: Any, node_name: str, k: int, name: str, value: float) -> None:
    """Point input ``k`` of ``node_name`` at a new scalar initializer ``name`` = ``value``."""
    from onnx import numpy_helper

    from designs.qonnx_gen import node as find
    g.initializer.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
    find(g, node_name).input[k] = name
