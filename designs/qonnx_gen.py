"""Small QONNX models built with ``onnx.helper``, laid out as Brevitas's ``export_qonnx`` lays them out.

The ONNX import tests and the bad-input corpus build their models here (nothing is
downloaded): an MLP on an (N, 1, H, W) float image, ``Mul``/``Sub`` input scaling, an
input ``BipolarQuant``, the Shape → Gather → Unsqueeze → Concat → Reshape flatten chain,
``Quant``/``BipolarQuant`` weights under ``MatMul``, ``BatchNormalization``, activation
quantizers, a TensorNorm-like scalar affine and an optional ``TopK``. :func:`edit` then
changes one thing for a bad input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

QONNX = "qonnx.custom_op.general"


def _init(name: str, a: Any) -> Any:
    from onnx import numpy_helper

    return numpy_helper.from_array(np.asarray(a, dtype=np.float32), name)


def qonnx_mlp(seed: int = 0, hidden: tuple[int, ...] = (12, 8), image: tuple[int, int] = (4, 4),
              classes: int = 3, act_bits: int = 1, weight_bits: int = 1, shape_chain: bool = True,
              topk: bool = False, tensor_norm: bool = True) -> Any:
    """A QONNX MLP: x/255 -> 2x-1 -> BipolarQuant -> flatten -> [Quant W -> MatMul -> BN -> act]* -> MatMul.

    ``act_bits`` 1: BipolarQuant activations, 2: signed narrow 2-bit Quant (ternary);
    ``weight_bits`` 1: BipolarQuant weights, 2: ternary Quant weights (scale 0.5).
    """
    from onnx import TensorProto, helper

    rng = np.random.default_rng(seed)
    h, w = image
    nodes: list[Any] = []
    inits: list[Any] = []
    inits += [_init("c_in_scale", 2.0 / 255), _init("c_one", 1.0)]
    nodes.append(helper.make_node("Mul", ["x", "c_in_scale"], ["x2"], name="Mul_0"))
    nodes.append(helper.make_node("Sub", ["x2", "c_one"], ["x3"], name="Sub_0"))
    nodes.append(helper.make_node("BipolarQuant", ["x3", "c_one"], ["xq"], name="BipolarQuant_in", domain=QONNX))
    if shape_chain:
        from onnx import numpy_helper
        inits += [numpy_helper.from_array(np.array(0, dtype=np.int64), "c_idx0"),
                  numpy_helper.from_array(np.array([0], dtype=np.int64), "c_axes0"),
                  numpy_helper.from_array(np.array([-1], dtype=np.int64), "c_minus1")]
        nodes += [helper.make_node("Shape", ["xq"], ["shp"], name="Shape_0"),
                  helper.make_node("Gather", ["shp", "c_idx0"], ["n"], name="Gather_0", axis=0),
                  helper.make_node("Unsqueeze", ["n", "c_axes0"], ["n1"], name="Unsqueeze_0"),
                  helper.make_node("Concat", ["n1", "c_minus1"], ["tgt"], name="Concat_0", axis=0),
                  helper.make_node("Reshape", ["xq", "tgt"], ["flat"], name="Reshape_0")]
    else:
        nodes.append(helper.make_node("Flatten", ["xq"], ["flat"], name="Flatten_0", axis=1))
    widths = [h * w, *hidden, classes]
    cur = "flat"
    for i in range(len(widths) - 1):
        k = i + 1
        wf = rng.standard_normal((widths[i], widths[i + 1])).astype(np.float32)
        inits.append(_init(f"W{k}", wf))
        if weight_bits == 1:
            nodes.append(helper.make_node("BipolarQuant", [f"W{k}", "c_one"], [f"Wq{k}"], name=f"BipolarQuant_w{k}",
                                          domain=QONNX))
        else:
            inits += [_init(f"ws{k}", 0.5), _init(f"wz{k}", 0.0), _init(f"wb{k}", float(weight_bits))]
            nodes.append(helper.make_node("Quant", [f"W{k}", f"ws{k}", f"wz{k}", f"wb{k}"], [f"Wq{k}"],
                                          name=f"Quant_w{k}", domain=QONNX, signed=1, narrow=1, rounding_mode="ROUND"))
        nodes.append(helper.make_node("MatMul", [cur, f"Wq{k}"], [f"mm{k}"], name=f"MatMul_{k}"))
        cur = f"mm{k}"
        if k < len(widths) - 1:
            c = widths[k]
            # statistics of the accumulator as it is (±1 inputs, weights ±1 or ternary × 0.5): varied codes
            var = widths[i] * (0.25 if weight_bits > 1 else 1.0) * rng.uniform(0.5, 1.5, c)
            inits += [_init(f"g{k}", rng.uniform(0.5, 1.5, c)), _init(f"b{k}", rng.uniform(-0.5, 0.5, c)),
                      _init(f"m{k}", rng.uniform(-1, 1, c) * np.sqrt(var)), _init(f"v{k}", var)]
            nodes.append(helper.make_node("BatchNormalization", [cur, f"g{k}", f"b{k}", f"m{k}", f"v{k}"],
                                          [f"bn{k}"], name=f"BatchNormalization_{k}", epsilon=1e-4))
            if act_bits == 1:
                nodes.append(helper.make_node("BipolarQuant", [f"bn{k}", "c_one"], [f"a{k}"],
                                              name=f"BipolarQuant_{k}", domain=QONNX))
            else:
                inits += [_init(f"as{k}", 1.0), _init(f"az{k}", 0.0), _init(f"ab{k}", float(act_bits))]
                nodes.append(helper.make_node("Quant", [f"bn{k}", f"as{k}", f"az{k}", f"ab{k}"], [f"a{k}"],
                                              name=f"Quant_{k}", domain=QONNX, signed=1, narrow=1,
                                              rounding_mode="ROUND"))
            cur = f"a{k}"
    if tensor_norm:  # Brevitas's TensorNorm: (x - mean) / sqrt(var + eps) * weight + bias, scalars
        inits += [_init("tn_mean", 0.25), _init("tn_den", 1.5), _init("tn_w", 0.75), _init("tn_b", 0.1)]
        nodes += [helper.make_node("Sub", [cur, "tn_mean"], ["tn1"], name="Sub_tn"),
                  helper.make_node("Div", ["tn1", "tn_den"], ["tn2"], name="Div_tn"),
                  helper.make_node("Mul", ["tn2", "tn_w"], ["tn3"], name="Mul_tn"),
                  helper.make_node("Add", ["tn3", "tn_b"], ["scores"], name="Add_tn")]
    else:
        nodes.append(helper.make_node("Identity", [cur], ["scores"], name="Identity_out"))
    outputs = [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, classes])]
    if topk:
        from onnx import numpy_helper
        inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "c_k"))
        nodes.append(helper.make_node("TopK", ["scores", "c_k"], ["top_v", "top_i"], name="TopK_0", axis=-1))
        outputs = [helper.make_tensor_value_info("top_i", TensorProto.INT64, [1, 1])]
    graph = helper.make_graph(nodes, "qonnx_mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                                 [1, 1, h, w])],
                              outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(QONNX, 1)],
                              producer_name="bnnc designs.qonnx_gen")
    return model


def edit(model: Any, fn: Callable[[Any], None]) -> Any:
    """A copy of ``model`` changed by ``fn`` (which gets the copy's graph)."""
    import onnx

    m = onnx.ModelProto()
    m.CopyFrom(model)
    fn(m.graph)
    return m


def node(graph: Any, name: str) -> Any:
    """The node called ``name``."""
    return next(n for n in graph.node if n.name == name)


def set_init(graph: Any, name: str, value: Any) -> None:
    """Replace initializer ``name``'s value."""
    from onnx import numpy_helper

    for i, t in enumerate(graph.initializer):
        if t.name == name:
            graph.initializer[i].CopyFrom(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
            return
    raise KeyError(name)


def _finn_model(graph: Any, annot: dict[str, str], layout: str) -> Any:
    """The model of a FINN-ONNX graph: its tensors' ``finn_datatype`` annotations, the ONNX and FINN opsets."""
    from onnx import helper

    for name, dt in annot.items():
        qa = graph.quantization_annotation.add()
        qa.tensor_name = name
        kv = qa.quant_parameter_tensor_names.add()
        kv.key, kv.value = "finn_datatype", dt
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11),
                                                   helper.make_opsetid("finn.custom_op.general", 1)],
                             producer_name=f"bnnc designs.qonnx_gen ({layout})")


def finn_mlp(seed: int = 0, hidden: tuple[int, ...] = (12, 8), image: tuple[int, int] = (4, 4), classes: int = 3,
             layout: str = "NCHW", act_levels: int = 1) -> Any:
    """A FINN-ONNX MLP as FINN lays out its streamlined TFC-W1A1: a UINT8-annotated input, bipolar MultiThreshold
    activations (out_scale 2, out_bias -1), weights held as their quantized values with ``finn_datatype``
    annotations (BIPOLAR ±1 in the first layer, INT2 {-1, 0, 1} after it), and Mul / Add / TopK after the last
    MatMul. ``act_levels`` > 1 gives the hidden activations that many thresholds per channel instead (out_scale 1,
    out_bias -((act_levels + 1) // 2): signed codes, as FINN streamlines an INTn activation)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    h, w = image
    dom = "finn.custom_op.general"
    nodes: list[Any] = []
    inits: list[Any] = [numpy_helper.from_array(np.array([1, h * w], dtype=np.int64), "shape_flat")]
    annot = {"global_in": "UINT8"}
    inits.append(_init("T_in", [[127.5]]))
    nodes.append(helper.make_node("MultiThreshold", ["global_in", "T_in"], ["x_bin"], name="MultiThreshold_in",
                                  domain=dom, out_dtype="BIPOLAR", out_scale=2.0, out_bias=-1.0, data_layout=layout))
    annot["x_bin"] = "BIPOLAR"
    nodes.append(helper.make_node("Reshape", ["x_bin", "shape_flat"], ["flat"], name="Reshape_0"))
    widths = [h * w, *hidden, classes]
    cur = "flat"
    for i in range(len(widths) - 1):
        k = i + 1
        if k == 1:
            wv = np.where(rng.standard_normal((widths[i], widths[i + 1])) >= 0, 1.0, -1.0)
            annot[f"W{k}"] = "BIPOLAR"
        else:
            wv = rng.integers(-1, 2, (widths[i], widths[i + 1])).astype(np.float64)
            annot[f"W{k}"] = "INT2"
        inits.append(_init(f"W{k}", wv))
        nodes.append(helper.make_node("MatMul", [cur, f"W{k}"], [f"mm{k}"], name=f"MatMul_{k}"))
        cur = f"mm{k}"
        if k < len(widths) - 1:
            c = widths[k]
            spread = np.sqrt(widths[i])
            if act_levels == 1:
                inits.append(_init(f"T{k}", (np.round(rng.uniform(-spread, spread, (c, 1)) * 2) + 1) / 2))
                nodes.append(helper.make_node("MultiThreshold", [cur, f"T{k}"], [f"a{k}"],
                                              name=f"MultiThreshold_{k}", domain=dom, out_dtype="BIPOLAR",
                                              out_scale=2.0, out_bias=-1.0))
                annot[f"a{k}"] = "BIPOLAR"
            else:
                th = np.sort(np.round(rng.uniform(-spread, spread, (c, act_levels)) * 4) / 4, axis=1)
                inits.append(_init(f"T{k}", th))
                nodes.append(helper.make_node("MultiThreshold", [cur, f"T{k}"], [f"a{k}"],
                                              name=f"MultiThreshold_{k}", domain=dom, out_dtype="INT4",
                                              out_scale=1.0, out_bias=-float((act_levels + 1) // 2)))
                annot[f"a{k}"] = "INT4"
            cur = f"a{k}"
    inits += [_init("out_scale", 0.125), _init("out_bias", rng.uniform(-1, 1, classes)),
              numpy_helper.from_array(np.array([1], dtype=np.int64), "k1")]
    nodes += [helper.make_node("Mul", [cur, "out_scale"], ["scaled"], name="Mul_out"),
              helper.make_node("Add", ["scaled", "out_bias"], ["scores"], name="Add_out"),
              helper.make_node("TopK", ["scores", "k1"], ["top_v", "global_out"], name="TopK_0", axis=-1)]
    graph = helper.make_graph(nodes, "finn_mlp",
                              [helper.make_tensor_value_info("global_in", TensorProto.FLOAT, [1, 1, h, w])],
                              [helper.make_tensor_value_info("global_out", TensorProto.INT64, [1, 1])], inits)
    return _finn_model(graph, annot, "FINN-ONNX layout")


def finn_cnn_nhwc(seed: int = 0, image: int = 8, classes: int = 3, c1: int = 4, c2: int = 6) -> Any:
    """A FINN-ONNX CNN in the channel-last form FINN's streamlining leaves (AbsorbTransposeIntoMultiThreshold,
    MakeMaxPoolNHWC): a UINT8 (N, 1, H, W) input -> Conv (±1 values, pads 1 on the pixels) -> Transpose 0 2 3 1
    -> MultiThreshold NHWC (bipolar) -> MaxPoolNHWC 2 -> Transpose 0 3 1 2 -> Conv (INT2 values) -> Transpose
    0 2 3 1 -> MultiThreshold NHWC (3 thresholds, codes -2..1) -> Reshape of the (N, H, W, C) map to (N, H*W*C)
    -> MatMul (INT2) -> Mul / Add -> TopK."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    dom = "finn.custom_op.general"
    half = image // 2
    h2 = half - 2  # conv2: 3x3, no padding
    feat = h2 * h2 * c2
    w1 = np.where(rng.standard_normal((c1, 1, 3, 3)) >= 0, 1.0, -1.0)
    w2 = rng.integers(-1, 2, (c2, c1, 3, 3)).astype(np.float64)
    t1 = (np.round(rng.uniform(-400, 400, (c1, 1)) * 2) + 1) / 2
    t2 = np.sort(np.round(rng.uniform(-12, 12, (c2, 3)) * 4) / 4, axis=1)
    inits = [_init("W1", w1), _init("W2", w2), _init("T1", t1), _init("T2", t2),
             _init("W3", rng.integers(-1, 2, (feat, classes))), _init("out_scale", 0.25),
             _init("out_bias", rng.uniform(-1, 1, classes)),
             numpy_helper.from_array(np.array([1, feat], dtype=np.int64), "shape_flat"),
             numpy_helper.from_array(np.array([1], dtype=np.int64), "k1")]
    n = helper.make_node
    nodes = [
        n("Conv", ["global_in", "W1"], ["c1"], name="Conv_0", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        n("Transpose", ["c1"], ["c1t"], name="Transpose_0", perm=[0, 2, 3, 1]),
        n("MultiThreshold", ["c1t", "T1"], ["a1"], name="MultiThreshold_0", domain=dom, out_dtype="BIPOLAR",
          out_scale=2.0, out_bias=-1.0, data_layout="NHWC"),
        n("MaxPoolNHWC", ["a1"], ["p1"], name="MaxPoolNHWC_0", domain=dom, kernel_shape=[2, 2], strides=[2, 2],
          pads=[0, 0, 0, 0]),
        n("Transpose", ["p1"], ["p1t"], name="Transpose_1", perm=[0, 3, 1, 2]),
        n("Conv", ["p1t", "W2"], ["c2"], name="Conv_1", kernel_shape=[3, 3]),
        n("Transpose", ["c2"], ["c2t"], name="Transpose_2", perm=[0, 2, 3, 1]),
        n("MultiThreshold", ["c2t", "T2"], ["a2"], name="MultiThreshold_1", domain=dom, out_dtype="INT2",
          out_scale=1.0, out_bias=-2.0, data_layout="NHWC"),
        n("Reshape", ["a2", "shape_flat"], ["flat"], name="Reshape_0"),
        n("MatMul", ["flat", "W3"], ["mm"], name="MatMul_0"),
        n("Mul", ["mm", "out_scale"], ["scaled"], name="Mul_out"),
        n("Add", ["scaled", "out_bias"], ["scores"], name="Add_out"),
        n("TopK", ["scores", "k1"], ["top_v", "global_out"], name="TopK_0", axis=-1),
    ]
    graph = helper.make_graph(nodes, "finn_cnn_nhwc",
                              [helper.make_tensor_value_info("global_in", TensorProto.FLOAT, [1, 1, image, image])],
                              [helper.make_tensor_value_info("global_out", TensorProto.INT64, [1, 1])], inits)
    f = TensorProto.FLOAT
    graph.value_info.extend([  # the shapes qonnx's InferShapes needs around its custom ops
        helper.make_tensor_value_info("c1t", f, [1, image, image, c1]),
        helper.make_tensor_value_info("a1", f, [1, image, image, c1]),
        helper.make_tensor_value_info("p1", f, [1, half, half, c1]),
        helper.make_tensor_value_info("a2", f, [1, h2, h2, c2])])
    return _finn_model(graph, {"global_in": "UINT8", "W1": "BIPOLAR", "W2": "INT2", "W3": "INT2", "a1": "BIPOLAR",
                               "a2": "INT2"}, "FINN-ONNX, channel-last")


def qonnx_cnn(seed: int = 0, image: int = 6, classes: int = 3) -> Any:
    """A small QONNX CNN exercising what the MLPs do not: x/255 -> Conv (ternary Quant weights, pads 1 on the
    pixels) + a bias Add -> BN -> 2-bit Quant -> MaxPool 2 -> Conv (BipolarQuant weights given transposed, folded
    back by a Transpose; pads 1 on codes; a bias input) -> BN -> Quant -> Flatten -> Unsqueeze / Squeeze ->
    Gemm (transB 0, ternary Quant weights, a bias C) -> scores."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    q = QONNX
    c1, c2 = 4, 6
    half = image // 2
    inits = [_init("inv255", 1 / 255), _init("one", 1.0), _init("zero", 0.0), _init("two", 2.0),
             _init("w1", rng.standard_normal((c1, 1, 3, 3))), _init("w1s", 0.5),
             _init("b1", rng.uniform(-0.5, 0.5, (1, c1, 1, 1))),
             _init("g1", rng.uniform(0.5, 1.5, c1)), _init("be1", rng.uniform(-0.5, 0.5, c1)),
             _init("m1", rng.uniform(-1, 1, c1)), _init("v1", rng.uniform(0.1, 1, c1)),
             _init("w2t", rng.standard_normal((c1, c2, 3, 3))), _init("b2", rng.uniform(-2, 2, c2)),
             _init("g2", rng.uniform(-1.5, 1.5, c2)), _init("be2", rng.uniform(-0.5, 0.5, c2)),
             _init("m2", rng.uniform(-2, 2, c2)), _init("v2", rng.uniform(4, 16, c2)),
             _init("w3", rng.standard_normal((c2 * half * half, classes))), _init("c3", rng.uniform(-0.1, 0.1, classes)),
             numpy_helper.from_array(np.array([2], dtype=np.int64), "ax2")]
    n = helper.make_node
    nodes = [
        n("Mul", ["x", "inv255"], ["x1"], name="Mul_in"),
        n("Quant", ["w1", "w1s", "zero", "two"], ["w1q"], name="Quant_w1", domain=q, signed=1, narrow=1,
          rounding_mode="ROUND"),
        n("Conv", ["x1", "w1q"], ["c1"], name="Conv_1", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        n("Add", ["c1", "b1"], ["c1b"], name="Add_bias1"),
        n("BatchNormalization", ["c1b", "g1", "be1", "m1", "v1"], ["bn1"], name="BatchNormalization_1", epsilon=1e-5),
        n("Quant", ["bn1", "one", "zero", "two"], ["a1"], name="Quant_1", domain=q, signed=1, narrow=1,
          rounding_mode="ROUND"),
        n("MaxPool", ["a1"], ["p1"], name="MaxPool_1", kernel_shape=[2, 2], strides=[2, 2]),
        n("Transpose", ["w2t"], ["w2"], name="Transpose_w2", perm=[1, 0, 2, 3]),
        n("BipolarQuant", ["w2", "one"], ["w2q"], name="BipolarQuant_w2", domain=q),
        n("Conv", ["p1", "w2q", "b2"], ["c2"], name="Conv_2", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        n("BatchNormalization", ["c2", "g2", "be2", "m2", "v2"], ["bn2"], name="BatchNormalization_2", epsilon=1e-5),
        n("Quant", ["bn2", "one", "zero", "two"], ["a2"], name="Quant_2", domain=q, signed=1, narrow=1,
          rounding_mode="ROUND"),
        n("Flatten", ["a2"], ["f"], name="Flatten_0", axis=1),
        n("Unsqueeze", ["f", "ax2"], ["fu"], name="Unsqueeze_0"),
        n("Squeeze", ["fu", "ax2"], ["fs"], name="Squeeze_0"),
        n("Quant", ["w3", "w1s", "zero", "two"], ["w3q"], name="Quant_w3", domain=q, signed=1, narrow=1,
          rounding_mode="ROUND"),
        n("Gemm", ["fs", "w3q", "c3"], ["scores"], name="Gemm_3", transB=0),
    ]
    graph = helper.make_graph(nodes, "qonnx_cnn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, image, image])],
                              [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, classes])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(q, 1)],
                             producer_name="bnnc designs.qonnx_gen")
