"""ONNX import (issue 24): Brevitas-made and onnx.helper-made QONNX models through bnnc, against their producers.

Every model is made here: Brevitas networks trained one epoch on the shipped MNIST
subset and exported with ``export_qonnx`` (raw and after ``qonnx.util.cleanup``), and
QONNX graphs laid out with ``onnx.helper`` (designs/qonnx_gen.py). Each imported model's
float stage equals torch and qonnx's ``execute_onnx`` on the predictions (exactly) and on
the scores (within float32 tolerance); its folded integer model predicts the same, and its
RTL matches the reference beat for beat on Verilator.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

import compiler
from compiler.cli import main as bnnc
from compiler.codegen import write_output
from compiler.frontend.onnxfile import ImportOptions
from designs.qonnx_gen import qonnx_cnn, qonnx_mlp
from designs import brevitas_models as bm

# One xdist worker runs the module: its Brevitas models train once (a module fixture per worker otherwise).
pytestmark = [pytest.mark.xdist_group("onnx_import"), pytest.mark.filterwarnings("ignore::UserWarning"), pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

PIXELS = ImportOptions(input_dtype="uint8", input_scale=1 / 255)
N_TEST = 100

BREVITAS = bm.MODELS
# Every model on the RTL, beat for beat: the XNOR MLP, the MLP whose pixels are quantized to {-1, 0, +1}
# (bnnc_multithreshold on the input, as Brevitas's *_1W2A models) and the few-bit CNN at their default foldings;
# the other three (uint8 pixels into 2-bit weights, the SFC and LFC widths) at the folding the search picks for
# SLOW_FPS frames/s (interval <= 10,000 cycles at 100 MHz, PE not dividing the rows): at their default foldings
# the Verilator builds take minutes each (`bench/onnx_rtl.py` runs those), at this one seconds.
SLOW_FPS = 10_000
ON_RTL = {"tfc_w1a1": {}, "tfc_w1a2_in2": {}, "cnv_w1a2": {}, "tfc_w2a2_raw_pixels": {"target_fps": SLOW_FPS},
          "sfc_w1a2": {"target_fps": SLOW_FPS}, "lfc_w1a1": {"target_fps": SLOW_FPS}}


@pytest.fixture(scope="module")
def brevitas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[torch.nn.Module, Path, Path]]:
    """name -> (trained model, raw export, cleaned export)."""
    folder = tmp_path_factory.mktemp("brevitas")
    out = {}
    for name, make in BREVITAS.items():
        model = bm.trained(make())
        out[name] = (model, *bm.export(model, folder, name))
    return out


def _test_images() -> tuple[np.ndarray, np.ndarray]:
    _, _, x, y = bm.data()
    return x[:N_TEST], y[:N_TEST]


def _bnnc_input(graph: compiler.ir.Graph, x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), *graph.input.shape)


def assert_same_classes(scores: np.ndarray, other: np.ndarray, max_tied: float = 0.1) -> None:
    """bnnc's float64 scores and another executor's pick the same class on every image whose best score is unique.

    Where two classes tie exactly in bnnc's float64 scores (integer accumulators that are equal: frequent with a
    scalar TensorNorm head on ±1 activations), the model has no unique answer; bnnc takes the lower index (ONNX's
    rule), torch or onnxruntime whichever float32 rounding lifts: there the other's class must be one of the tied.
    """
    ours, theirs = scores.argmax(1), other.argmax(1)
    top = np.sort(scores, axis=1)
    tied = top[:, -1] == top[:, -2]
    assert np.array_equal(ours[~tied], theirs[~tied]), np.flatnonzero((ours != theirs) & ~tied)
    assert np.all(scores[np.arange(len(scores)), theirs][tied] == top[tied, -1])
    assert tied.mean() <= max_tied  # mostly unique maxima: the comparison says something


@pytest.mark.parametrize("name", list(BREVITAS))
@pytest.mark.parametrize("form", ["raw", "clean"])
def test_brevitas_export_imports_equal_to_torch_and_qonnx(name: str, form: str, brevitas) -> None:  # type: ignore[no-untyped-def]
    model, raw, clean = brevitas[name]
    path = raw if form == "raw" else clean
    x, y = _test_images()
    with torch.no_grad():
        ref = model(bm.as_torch(x)).numpy().astype(np.float64)
    g = compiler.load(path, onnx=PIXELS)
    xb = _bnnc_input(g, x)
    scores = compiler.predict(g, xb, stage="float")
    np.testing.assert_allclose(scores, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
    assert_same_classes(scores, ref)
    folded = compiler.predict(g, xb, stage="folded")
    assert np.array_equal(folded.argmax(1), scores.argmax(1))
    assert np.mean(ref.argmax(1) == y) > 0.5  # trained: far above chance
    q = bm.qonnx_execute(path, x[:20])
    np.testing.assert_allclose(scores[:20], q, rtol=1e-4, atol=1e-4 * np.abs(q).max())
    assert_same_classes(scores[:20], q, max_tied=1.0)  # (the 100 images above bound the ties)


def test_every_brevitas_model_runs_on_the_rtl() -> None:
    assert sorted(ON_RTL) == sorted(BREVITAS)


@pytest.mark.parametrize("name", ON_RTL)
def test_brevitas_export_rtl_matches_beat_for_beat(name: str, brevitas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, raw, _ = brevitas[name]
    g = compiler.load(raw, onnx=replace(PIXELS, hardware=ON_RTL[name]))
    x, _ = _test_images()
    xb = _bnnc_input(g, x[:16])
    folded = compiler.fold(g)
    write_output(folded, tmp_path / "rtl")
    report = compiler.simulate(tmp_path / "rtl", xb, gap_prob=0.2, ready_prob=0.7, seed=1)
    assert report.mismatch is None and report.images == report.matches == 16 and report.beats_checked > 0
    steady = compiler.simulate(tmp_path / "rtl", xb)  # the build is cached: no gaps, full speed
    assert steady.interval_measured == steady.interval_predicted


def test_torchscript_export_with_the_shape_chain_imports(brevitas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The TorchScript exporter's layout (Brevitas's default before torch 2.9) imports too.

    (The Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain older exporters wrote for x.view(N, -1) is
    the onnx.helper model w1a1_shape_chain below.)
    """
    model = brevitas["tfc_w1a1"][0]
    raw, _ = bm.export(model, tmp_path, "ts", dynamo=False)
    ops = {n.op_type for n in onnx.load(str(raw)).graph.node}
    assert "Reshape" in ops or "Flatten" in ops
    x, _ = _test_images()
    with torch.no_grad():
        ref = model(bm.as_torch(x)).numpy()
    g = compiler.load(raw, onnx=PIXELS)
    assert_same_classes(compiler.predict(g, _bnnc_input(g, x), stage="float"), ref)


# --------------------------------------------------------------------------- onnx.helper models

# designs/qonnx_gen's models divide the pixels by 255 themselves: their float input is the pixels as they are.
RAW = ImportOptions(input_dtype="uint8")
HELPER = {
    "w1a1_shape_chain": (qonnx_mlp, {}),
    "w2a2_topk": (qonnx_mlp, {"act_bits": 2, "weight_bits": 2, "topk": True}),
    "w2a1_flatten_no_tensornorm": (qonnx_mlp, {"weight_bits": 2, "shape_chain": False, "tensor_norm": False}),
    "cnn_conv_bias_pads_transpose_squeeze_gemm": (qonnx_cnn, {}),
}


@pytest.mark.parametrize("name", list(HELPER))
def test_helper_models_equal_qonnx_execution_and_rtl(name: str, tmp_path: Path) -> None:
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    make, kw = HELPER[name]
    path = tmp_path / "m.onnx"
    onnx.save(make(seed=3, **kw), str(path))
    g = compiler.load(path, onnx=RAW)
    x = np.random.default_rng(0).integers(0, 256, (60, *g.input.shape))
    mw = ModelWrapper(str(path)).transform(InferShapes())
    out = mw.graph.output[0].name
    shape = [d.dim_value for d in mw.graph.input[0].type.tensor_type.shape.dim]
    # bnnc's input is channel-last (H, W, C): the ONNX file's is (N, C, H, W)
    onnx_x = x.reshape(len(x), *shape[2:], shape[1]).transpose(0, 3, 1, 2) if len(shape) == 4 else x
    q = np.concatenate([execute_onnx(mw, {"x": onnx_x[i:i + 1].reshape(shape).astype(np.float32)})[out]
                        for i in range(len(x))])
    fl, fo = compiler.predict(g, x, stage="float"), compiler.predict(g, x, stage="folded")
    pred = fl if g.output == "argmax" else fl.argmax(1)
    if g.output == "argmax":
        assert np.array_equal(fl, q.reshape(-1)) and np.array_equal(fo, fl)
    else:
        np.testing.assert_allclose(fl, q, rtol=1e-5, atol=1e-5)
        assert np.array_equal(fl.argmax(1), q.argmax(1)) and np.array_equal(fo.argmax(1), fl.argmax(1))
    assert len(set(pred.tolist())) > 1  # the inputs reach more than one class: the comparison says something
    write_output(compiler.fold(g), tmp_path / "rtl")
    report = compiler.simulate(tmp_path / "rtl", x[:12], gap_prob=0.3, ready_prob=0.6, seed=3)
    assert report.mismatch is None and report.matches == report.images == 12


def test_bnnc_import_writes_a_net_that_compiles_like_the_onnx_file(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.onnx"
    onnx.save(qonnx_mlp(seed=1, act_bits=2, weight_bits=2), str(path))
    side = tmp_path / "side.yaml"
    side.write_text("name: imported\ninput: {dtype: uint8}\noutput: argmax\n"
                    "hardware: {clock_mhz: 50, folding: {MatMul_1: {pe: 4, simd: 4}}}\n")
    assert bnnc(["import", str(path), "-o", str(tmp_path / "net"), "--onnx-config", str(side)]) == 0
    net = tmp_path / "net" / "net.yaml"
    text = net.read_text()
    assert "name: imported" in text and "MatMul_1" in text and "clock_mhz: 50" in text
    x = np.random.default_rng(1).integers(0, 256, (30, 16))
    direct = compiler.load(path, onnx=compiler.frontend.onnxfile.options_from(side, None, None))
    assert np.array_equal(compiler.predict(net, x), compiler.predict(direct, x))
    # compile, inspect and run take the .onnx file with the same options as flags
    np.save(tmp_path / "x.npy", x)
    capsys.readouterr()
    assert bnnc(["run", str(path), "--onnx-config", str(side), "--input", str(tmp_path / "x.npy")]) == 0
    assert "30 images, stage folded" in capsys.readouterr().out
    assert bnnc(["compile", str(path), "--input-dtype", "uint8", "--input-scale", "1",
                 "-o", str(tmp_path / "rtl")]) == 0
    assert (tmp_path / "rtl" / "manifest.json").is_file()
    assert bnnc(["inspect", str(path), "--input-dtype", "uint8"]) == 0
    # a second import replaces bnnc's own files, never a user's
    assert bnnc(["import", str(path), "-o", str(tmp_path / "net"), "--onnx-config", str(side)]) == 0


@pytest.mark.parametrize("seed,levels", [(2, 1), (5, 3)])
def test_finn_onnx_multithreshold_graph_equals_qonnx_and_rtl(seed: int, levels: int, tmp_path: Path) -> None:
    """A FINN-ONNX MLP (designs/qonnx_gen.finn_mlp: UINT8-annotated input, MultiThreshold activations, bipolar or with
    3 levels (codes -2..1), BIPOLAR and INT2 weights held as values, Mul/Add/TopK): no input flags
    needed; = qonnx execution; RTL beat for beat."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    from designs.qonnx_gen import finn_mlp

    path = tmp_path / "finn.onnx"
    onnx.save(finn_mlp(seed=seed, hidden=(24, 16), act_levels=levels), str(path))
    x = np.random.default_rng(seed).integers(0, 256, (60, 16))
    g = compiler.load(path)
    assert str(g.input.dtype) == "u8[0,255]" and g.output == "argmax"
    mw = ModelWrapper(str(path)).transform(InferShapes())
    q = np.concatenate([execute_onnx(mw, {"global_in": x[i].reshape(1, 1, 4, 4).astype(np.float32)})["global_out"]
                        for i in range(len(x))]).reshape(-1)
    fl, fo = compiler.predict(g, x, stage="float"), compiler.predict(g, x, stage="folded")
    assert np.array_equal(fl, q) and np.array_equal(fo, fl)
    write_output(compiler.fold(g), tmp_path / "rtl")
    report = compiler.simulate(tmp_path / "rtl", x[:12], gap_prob=0.3, ready_prob=0.6, seed=seed)
    assert report.mismatch is None and report.matches == report.images == 12 and report.predictions == list(fl[:12])


def _qonnx_classes(path: Path, x: np.ndarray) -> np.ndarray:
    """qonnx's execution of a FINN-ONNX file (input ``global_in``) on each image of ``x``, reshaped to the input."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    mw = ModelWrapper(str(path)).transform(InferShapes())
    shape = [d.dim_value for d in mw.graph.input[0].type.tensor_type.shape.dim]
    return np.concatenate([execute_onnx(mw, {"global_in": v.reshape(shape).astype(np.float32)})["global_out"]
                           for v in x]).reshape(-1)


@pytest.mark.parametrize("seed", [0, 3])
def test_finn_channel_last_cnn_equals_qonnx(seed: int, tmp_path: Path) -> None:
    """FINN's channel-last form (designs/qonnx_gen.finn_cnn_nhwc: Transposes around NHWC MultiThresholds, a
    MaxPoolNHWC, a flatten of an (N, H, W, C) map, whose order is bnnc's own): float and folded = qonnx."""
    from designs.qonnx_gen import finn_cnn_nhwc

    path = tmp_path / "finn_nhwc.onnx"
    onnx.save(finn_cnn_nhwc(seed=seed), str(path))
    g = compiler.load(path)
    assert [n.op for n in g.nodes] == ["conv2d", "batchnorm", "sign", "maxpool2d", "conv2d", "thresholds", "flatten",
                                       "dense", "batchnorm", "argmax"]
    x = np.random.default_rng(seed).integers(0, 256, (40, 8, 8, 1))
    q = _qonnx_classes(path, x)
    assert len(set(q.tolist())) > 1  # not a constant network
    assert np.array_equal(compiler.predict(g, x, stage="float"), q)
    assert np.array_equal(compiler.predict(g, x, stage="folded"), q)


def test_finn_input_told_channel_last_equals_qonnx(tmp_path: Path) -> None:
    """A first MultiThreshold with data_layout NHWC on the (1, 1, 4, 4) input: the input is (N, H, W, C) = 1x4
    pixels of 4 channels, channel-last as bnnc reads images."""
    from designs.qonnx_gen import finn_mlp

    path = tmp_path / "finn.onnx"
    onnx.save(finn_mlp(seed=4, layout="NHWC", act_levels=3), str(path))
    g = compiler.load(path)
    assert g.input.shape == (1, 4, 4)
    x = np.random.default_rng(4).integers(0, 256, (40, 1, 4, 4))  # (N, H, W, C)
    q = _qonnx_classes(path, x)
    assert np.array_equal(compiler.predict(g, x, stage="float"), q)
    assert np.array_equal(compiler.predict(g, x, stage="folded"), q)


def test_finn_multithreshold_whose_codes_are_not_whole_is_refused_in_one_line(tmp_path: Path) -> None:
    from designs.qonnx_gen import edit, finn_mlp, node

    def third(g):  # type: ignore[no-untyped-def]
        for a in node(g, "MultiThreshold_1").attribute:
            if a.name == "out_bias":
                a.f = -1.5
    m = edit(finn_mlp(act_levels=3), third)
    onnx.save(m, str(tmp_path / "m.onnx"))
    with pytest.raises(compiler.errors.BnncError, match=r"node MultiThreshold_1 \(MultiThreshold\): out_bias / "
                       r"out_scale must be a whole number with out_scale > 0 \(codes out_bias/out_scale \+ count, "
                       r"each worth out_scale\), not -1\.5 / 1"):
        compiler.load(tmp_path / "m.onnx")


def test_shipped_brevitas_example(tmp_path: Path) -> None:
    """examples/brevitas_tfc_w1a2: the raw export_qonnx file with its side.yaml predicts Brevitas's classes on the
    200 sample images (float and folded), and its RTL agrees beat for beat."""
    from compiler.frontend.onnxfile import options_from

    ex = Path(__file__).resolve().parent.parent / "examples" / "brevitas_tfc_w1a2"
    g = compiler.load(ex / "model.onnx", onnx=options_from(ex / "side.yaml", None, None))
    x = np.load(ex / "sample_images.npy")
    want = np.load(ex / "brevitas_predictions.npy")[: len(x)]
    assert np.array_equal(compiler.predict(g, x, stage="float"), want)
    assert np.array_equal(compiler.predict(g, x), want)
    write_output(compiler.fold(g), tmp_path / "rtl")
    report = compiler.simulate(tmp_path / "rtl", x)
    assert report.mismatch is None and report.predictions == list(want)
    assert report.interval_measured == report.interval_predicted


def test_bipolar_quant_of_ternary_codes_is_refused_not_dropped(tmp_path: Path) -> None:
    """sign(0) = +1 maps codes {-1, 0, +1} to ±1: not a no-op, and bnnc has no layer for it, so one line."""
    from onnx import helper

    from designs.qonnx_gen import edit, node

    def after_quant(g):  # type: ignore[no-untyped-def]
        g.node.append(helper.make_node("BipolarQuant", ["a1", "c_one"], ["a1b"], name="BipolarQuant_codes",
                                       domain="qonnx.custom_op.general"))
        node(g, "MatMul_2").input[0] = "a1b"
    onnx.save(edit(qonnx_mlp(act_bits=2), after_quant), str(tmp_path / "m.onnx"))
    with pytest.raises(compiler.errors.BnncError, match=r"node BipolarQuant_codes \(BipolarQuant\): a BipolarQuant of "
                       r"an activation must read a matrix layer's or the input's values, not an already quantized one"):
        compiler.load(tmp_path / "m.onnx", onnx=RAW)
