"""Tests of few-bit training and export (compiler.train, issue 23; docs/few-bit.md).

The STE quantizers (forward = bnnc's ``quant`` float semantics bit for bit, ties
included; Brevitas / LSQ gradients), few-bit weight codes and scales, the config
fields and their one-line errors, the shipped few-bit configs, and the exact round
trip of a tiny W1A2 MLP and a tiny W2A2 conv net trained on the shipped MNIST subset:
torch (eval, float64) = bnnc's float stage = bnnc's folded reference on every image.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

import compiler
from compiler.ir import Node
from compiler.ops.quant import Quant
from compiler.ops.quant import code_range as op_code_range
from compiler.train import cli
from compiler.train.config import ConfigError, layer_quant, load_config, validate
from compiler.train.data import load_mnist
from compiler.train.export import ExportError, export, load_checkpoint, torch_predict
from compiler.train.layers import (
    BinaryConv2d,
    BinaryLinear,
    QuantActivation,
    QuantConv2d,
    QuantLinear,
    code_range,
)
from compiler.train.module import BnnClassifier
from tests.pins import whole

pytestmark = pytest.mark.filterwarnings("ignore:.*LeafSpec.*")

ROOT = Path(__file__).resolve().parents[1]
SUBSET = ROOT / "tests" / "data" / "mnist_subset.npz"
KINDS = [(b, s, n) for b in range(1, 5) for s in (True, False) for n in (True, False) if not (n and b == 1)]


# --------------------------------------------------------------------------- the activation quantizer

@pytest.mark.parametrize(("bits", "signed", "narrow"), KINDS)
def test_code_ranges_are_the_contract(bits: int, signed: bool, narrow: bool) -> None:
    lo, hi = code_range(bits, signed, narrow)
    assert (lo, hi) == op_code_range(bits, signed, narrow)
    assert hi - lo == 2**bits - (2 if narrow else 1)  # docs/few-bit.md's number of thresholds


def test_narrow_one_bit_is_refused() -> None:
    for signed in (True, False):
        with pytest.raises(ValueError, match="at least 2 bits"):
            QuantActivation(1, signed, True)


@pytest.mark.parametrize(("bits", "signed", "narrow"), KINDS)
@pytest.mark.parametrize("scale", [1.0, 0.5, 0.3, 0.1234567, 3.0])
def test_ste_forward_equals_the_quant_op_bit_for_bit(bits: int, signed: bool, narrow: bool, scale: float) -> None:
    """Codes of the STE quantizer (float64) = bnnc's quant op, on random values and on exact ties x/scale = k + 1/2."""
    rng = np.random.default_rng(bits * 100 + signed * 10 + narrow)
    lo, hi = code_range(bits, signed, narrow)
    halves = np.arange(2 * lo - 3, 2 * hi + 4) / 2.0  # every half-integer around the range (and the integers)
    ties = halves * scale
    ties = ties[ties / scale == halves]  # keep the exact ones (most are; all are for a power-of-two scale)
    x = np.concatenate([rng.normal(0, (hi - lo + 2) * scale, 2000), ties, [0.0, -0.0, 1e300, -1e300]])
    node = Node("q", "quant", {"bits": bits, "signed": signed, "narrow": narrow, "scale": scale})
    want = Quant().execute(node, x)
    q = QuantActivation(bits, signed, narrow, scale)
    got = q.codes(torch.from_numpy(x)).numpy()
    assert np.array_equal(got, want)
    assert np.array_equal(q(torch.from_numpy(x)).numpy(), want * scale)
    if scale == 1.0:  # ties really are ties, and go to the even code
        t = np.array([0.5, 1.5, -0.5, -1.5])
        assert np.array_equal(q.codes(torch.from_numpy(t)).numpy(), np.clip([0.0, 2.0, -0.0, -2.0], lo, hi))
    learned = QuantActivation(bits, signed, narrow, scale, learn_scale=True).double()
    s = learned.export_scale()
    assert np.array_equal(learned.codes(torch.from_numpy(x)).numpy(),
                          Quant().execute(Node("q", "quant", {**node.attrs, "scale": s}), x))


def test_activation_ste_gradient_is_hardtanh_like_and_lsq_for_the_scale() -> None:
    """d out/d x = 1 inside [qmin, qmax]·scale, 0 outside; d out/d scale = q - x/scale inside, qmin/qmax outside."""
    q = QuantActivation(2, True, True, 0.5, learn_scale=True)
    x = torch.tensor([-2.0, -0.6, -0.2, 0.0, 0.3, 0.5, 0.9, 3.0], requires_grad=True)
    q(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]  # inside [-0.5, 0.5], ends included
    v = x.detach() / 0.5
    codes = torch.clamp(torch.round(v), -1, 1)
    expect = torch.where((v >= -1) & (v <= 1), codes - v, codes).sum()
    assert torch.allclose(q.scale.grad, expect)
    fixed = QuantActivation(2, True, True, 1.0)
    assert not list(fixed.parameters())


# --------------------------------------------------------------------------- few-bit weights

@pytest.mark.parametrize("bits", [2, 3, 4])
@pytest.mark.parametrize(("mode", "per_channel"), [("const", True), ("max_abs", True), ("max_abs", False)])
def test_weight_codes_scales_and_forward(bits: int, mode: str, per_channel: bool) -> None:
    torch.manual_seed(bits)
    lin = QuantLinear(12, 5, bits, mode, per_channel)
    with torch.no_grad():
        lin.weight.uniform_(-1, 1)
        lin.weight[0, :4] = torch.tensor([0.5, -0.5, 1.0, -1.0])  # ties and the ends
    qmax = 2 ** (bits - 1) - 1
    codes, scale = lin.export_codes(), lin.export_scale()
    assert codes.dtype == np.int8 and codes.min() >= -qmax and codes.max() <= qmax
    assert scale.dtype == np.float64 and scale.shape == ((5,) if mode == "max_abs" and per_channel else (1,))
    w = lin.weight.detach().double().numpy()
    s = np.broadcast_to(scale, (5,))[:, None]
    assert np.array_equal(codes, np.clip(np.rint(w / s), -qmax, qmax))
    if mode == "const":
        assert scale[0] == 1.0 / qmax
        if bits == 2:  # ternary: round half to even sends |w| = 0.5 to 0
            assert codes[0, :4].tolist() == [0, 0, 1, -1]
    else:
        assert codes.max(initial=0) == qmax or codes.min() == -qmax  # max |w| is a full code
    x = torch.randn(3, 12, dtype=torch.float64)
    assert torch.equal(lin.double()(x), (x @ torch.from_numpy(codes.astype(np.float64)).T) * torch.from_numpy(s.T.copy()))
    conv = QuantConv2d(2, 3, 3, padding=1, pad_value=0.0, weight_bits=bits, weight_scale=mode, per_channel=per_channel)
    y = conv(torch.randn(1, 2, 5, 5))
    assert y.shape == (1, 3, 5, 5)
    y.sum().backward()
    assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0


def test_weight_ste_cancels_gradient_outside_the_code_range() -> None:
    lin = QuantLinear(4, 1, 2, "const")
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[-1.5, -0.5, 0.2, 1.2]]))
    lin(torch.ones(1, 4)).sum().backward()
    assert lin.weight.grad.tolist() == [[0.0, 1.0, 1.0, 0.0]]


# --------------------------------------------------------------------------- config

FEWBIT_ERRORS = [
    ({"act_quant": {"bits": 0}}, r"field model\.act_quant\.bits must be an integer in \[1, 4\], not 0"),
    ({"act_quant": {"bits": 9}}, r"field model\.act_quant\.bits must be an integer in \[1, 4\], not 9"),
    ({"act_quant": {"bits": 1}}, r"field model\.act_quant\.narrow must be false for a 1-bit quantizer "
                                 r"\(a narrow 1-bit range holds only 0\), not True"),
    ({"act_quant": {"bits": 1, "signed": False}}, r"field model\.act_quant\.narrow must be false for a 1-bit "
                                                  r"quantizer \(a narrow 1-bit range holds only 0\), not True"),
    ({"act_quant": {"scale": 0}}, r"field model\.act_quant\.scale must be a positive number, not 0"),
    ({"act_quant": {"sigend": True}}, r"field model\.act_quant\.sigend must be one of bits, signed, narrow, scale, "
                                      r"learn_scale, not an unknown field"),
    ({"act_quant": "relu"}, r"field model\.act_quant must be 'sign' or a mapping with fields bits, signed, narrow, "
                            r"scale, learn_scale, not 'relu'"),
    ({"weight_bits": 5}, r"field model\.weight_bits must be an integer in \[1, 4\], not 5"),
    ({"weight_scale": "learned"}, r"field model\.weight_scale must be 'const' or 'max_abs', not 'learned'"),
    ({"per_layer": {"fc9": {}}}, r"field model\.per_layer\.fc9 must be one of the matrix layers fc1, fc2, not an "
                                 r"unknown layer"),
    ({"per_layer": {"fc1": {"bits": 2}}}, r"field model\.per_layer\.fc1\.bits must be one of weight_bits, "
                                          r"weight_scale, weight_scale_per_channel, act_quant, not an unknown field"),
    ({"per_layer": {"fc1": {"weight_bits": 0}}}, r"field model\.per_layer\.fc1\.weight_bits must be an integer in "
                                                 r"\[1, 4\], not 0"),
    ({"per_layer": {"fc2": {"act_quant": {"bits": 2}}}},
     r"field model\.per_layer\.fc2\.act_quant must be absent \(the class layer has no activation; its batchnorm "
     r"feeds argmax\), not \{'bits': 2\}"),
]


@pytest.mark.parametrize(("model", "message"), FEWBIT_ERRORS)
def test_fewbit_config_errors_are_one_line(model: dict, message: str, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"name": "c", "model": {"hidden": [8], **model}}))
    with pytest.raises(ConfigError, match=whole(r"c\.yaml: " + message)):
        load_config(path)


def test_per_layer_settings_override_the_net_wide_ones() -> None:
    cfg = validate({"model": {"conv": [{"filters": 4}], "hidden": [8], "weight_bits": 2,
                              "act_quant": {"bits": 3, "signed": False},
                              "per_layer": {"conv1": {"weight_bits": 1, "act_quant": "sign"},
                                            "fc1": {"weight_scale": "max_abs", "weight_scale_per_channel": False}}}})
    assert validate(cfg.to_dict()) == cfg  # what a checkpoint stores validates to itself
    m = cfg.model
    assert layer_quant(m, "conv1").weight_bits == 1 and layer_quant(m, "conv1").act is None
    fc1 = layer_quant(m, "fc1")
    assert (fc1.weight_bits, fc1.weight_scale, fc1.per_channel) == (2, "max_abs", False)
    assert fc1.act == {"bits": 3, "signed": False, "narrow": True, "scale": 1.0, "learn_scale": False}
    net = BnnClassifier(cfg.to_dict()).net
    assert type(net.conv1) is BinaryConv2d and type(net.fc1) is QuantLinear and type(net.fc2) is QuantLinear
    assert isinstance(net.act1, QuantActivation) and not isinstance(net.act_conv1, QuantActivation)
    assert validate({}).model.act_quant is None and validate({"model": {"act_quant": "sign"}}).model.act_quant is None


CONFIGS = ["lfc_w1a2", "sfc_w2a2", "cnv_w1a2", "cnv_w2a2", "conv_mnist_w2a2"]


@pytest.mark.parametrize("name", CONFIGS)
def test_shipped_fewbit_configs_build_and_export(name: str, tmp_path: Path) -> None:
    """Each shipped few-bit config builds, and its untrained net exports, loads in bnnc and predicts as torch does."""
    cfg = load_config(ROOT / "examples" / name / "train.yaml")
    cifar = cfg.train.dataset == "cifar10"
    torch.manual_seed(0)
    model = BnnClassifier(cfg.to_dict(), in_features=3072 if cifar else 784)
    _randomize_bn(model)
    model.eval()
    yml, npz = export(model, tmp_path / "net.yaml")
    doc = yaml.safe_load(yml.read_text())
    quants = [lay for lay in doc["layers"] if lay["op"] == "quant"]
    # BNN-PYNQ's A2: ternary {-1, 0, +1}; conv_mnist_w2a2: unsigned 2-bit codes 0..3 with a learned scale
    # (untrained here: the config's initial 1.0)
    want = (2, False, False, 1.0) if name == "conv_mnist_w2a2" else (2, True, True, 1.0)
    assert quants and all((q["bits"], q["signed"], q["narrow"], q["scale"]) == want for q in quants)
    wb = 2 if name in ("sfc_w2a2", "cnv_w2a2", "conv_mnist_w2a2") else 1
    mats = [lay for lay in doc["layers"] if lay["op"] in ("dense", "conv2d")]
    assert all(lay.get("weight_bits", 1) == wb for lay in mats)
    with np.load(npz) as f:
        scales = sorted(k for k in f if k.endswith(".weight_scale"))
        assert scales == (sorted(f"{lay['name']}.weight_scale" for lay in mats) if wb > 1 else [])
    if not cifar:
        x = np.random.default_rng(1).integers(0, 256, size=(8, 784), dtype=np.uint8)
        net = compiler.load(yml)
        xs = x.reshape(8, *net.input.shape)
        assert np.array_equal(np.asarray(compiler.predict(net, xs, stage="float")), torch_predict(model, x))


def _randomize_bn(model: torch.nn.Module) -> None:
    """Batchnorm statistics as if trained, so the quantizers see all their codes."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                mod.running_mean.uniform_(-20, 20)
                mod.running_var.uniform_(1, 400)
                mod.weight.uniform_(-1, 1)
                mod.bias.uniform_(-1, 1)


# --------------------------------------------------------------------------- export

def test_one_bit_export_is_unchanged_and_few_bit_fields_appear_only_where_set(tmp_path: Path) -> None:
    """weight_bits 1 keeps today's file (no weight_bits field, ±1 float16, no weight_scale)."""
    cfg = validate({"model": {"hidden": [8], "per_layer": {"fc1": {"act_quant": {"bits": 2}}, "fc2": {"weight_bits": 3}}}})
    torch.manual_seed(0)
    model = BnnClassifier(cfg.to_dict())
    export(model, tmp_path / "net.yaml")
    doc = yaml.safe_load((tmp_path / "net.yaml").read_text())
    by = {lay["name"]: lay for lay in doc["layers"]}
    assert by["fc1"] == {"name": "fc1", "op": "dense", "units": 8}
    assert by["fc2"] == {"name": "fc2", "op": "dense", "units": 10, "weight_bits": 3}
    assert by["act1"] == {"name": "act1", "op": "quant", "bits": 2, "signed": True, "narrow": True, "scale": 1.0}
    with np.load(tmp_path / "weights.npz") as f:
        assert f["fc1.weight"].dtype == np.float16 and "fc1.weight_scale" not in f
        assert f["fc2.weight"].dtype == np.int8 and f["fc2.weight_scale"].tolist() == [1 / 3]


def test_learned_scale_is_written_exactly(tmp_path: Path) -> None:
    cfg = validate({"model": {"hidden": [8], "act_quant": {"bits": 4, "signed": False, "scale": 0.1,
                                                            "learn_scale": True}}})
    model = BnnClassifier(cfg.to_dict())
    with torch.no_grad():
        model.net.act1.scale.fill_(0.1234567)
    export(model, tmp_path / "net.yaml")
    text = (tmp_path / "net.yaml").read_text()
    (q,) = [lay for lay in yaml.safe_load(text)["layers"] if lay["op"] == "quant"]
    assert q["scale"] == float(torch.tensor(0.1234567, dtype=torch.float32)) == model.net.act1.export_scale()
    assert compiler.load(tmp_path / "net.yaml").node("act1").attrs["scale"] == q["scale"]


def test_quant_without_batchnorm_is_refused() -> None:
    model = torch.nn.Sequential()
    model.add_module("fc1", BinaryLinear(6, 4))
    model.add_module("q1", QuantActivation(2))
    with pytest.raises(ExportError, match=whole(r"layer q1: a quant must follow a batchnorm, not dense")):
        export(model, "unused/net.yaml")


# --------------------------------------------------------------------------- trained round trips

def _train(tmp: Path, model: dict, epochs: int = 3, lr: float = 0.005) -> Path:
    cfg = {
        "name": "tiny",
        "model": {"input": "binarize", **model},
        "train": {"batch_size": 50, "max_epochs": epochs, "lr": lr, "lr_schedule": "exponential",
                  "lr_final": lr / 10, "val_size": 200, "seed": 3, "early_stopping_patience": 0, "threads": 1},
    }
    path = tmp / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = tmp / "out"
    assert cli.main([str(path), "--data-dir", str(SUBSET), "--out", str(out), "--no-progress-bar"]) == 0
    return out


@pytest.fixture(scope="module")
def w1a2_mlp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _train(tmp_path_factory.mktemp("w1a2"), {"hidden": [64, 32], "act_quant": {"bits": 2}})


@pytest.fixture(scope="module")
def w2a2_conv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # conv1 on pixels (no pool): per-channel max-abs weight scales (a float scale node); conv2 on codes (padded
    # with code 0) with a max-pool and const scale 1; fc1 4-bit activations with a learned scale.
    model = {"input": "uint8", "conv": [{"filters": 8, "padding": 1}, {"filters": 8, "padding": 1, "pool": 2},
                                        {"filters": 16, "pool": 2}],
             "hidden": [32], "weight_bits": 2, "act_quant": {"bits": 2},
             "per_layer": {"conv1": {"weight_scale": "max_abs"},
                           "fc1": {"act_quant": {"bits": 4, "signed": False, "scale": 0.25, "learn_scale": True}},
                           "fc2": {"weight_bits": 3, "weight_scale": "max_abs"}}}
    # Latent weights in [-1, 1] move slowly at the MLP's rate: a larger one for the few steps here.
    return _train(tmp_path_factory.mktemp("w2a2"), model, epochs=3, lr=0.02)


@pytest.mark.parametrize("which", ["w1a2_mlp", "w2a2_conv"])
def test_fewbit_round_trip_torch_equals_float_stage_equals_folded(which: str, request: pytest.FixtureRequest) -> None:
    """torch (eval, float64) = bnnc's float stage = bnnc's folded reference, on every image of the slice."""
    out: Path = request.getfixturevalue(which)
    m = json.loads((out / "metrics.json").read_text())
    model = load_checkpoint(m["checkpoint"])
    d = load_mnist(SUBSET)
    x = np.concatenate([d.x_test, d.x_train[:500]])  # (1000, 784) uint8
    net = compiler.load(out / "net.yaml")
    images = x.reshape(len(x), *net.input.shape)
    folded = compiler.fold(net, calibration=np.load(out / "calibration.npy"))
    assert folded.scores.disagreements == 0
    ops = [n.op for n in folded.nodes]
    assert "quant" not in ops and "batchnorm" not in ops and "multithreshold" in ops, ops  # all integer
    want = torch_predict(model, x)
    p_float = np.asarray(compiler.predict(net, images, stage="float"))
    p_fold = np.asarray(compiler.predict(folded, images, stage="folded"))
    for got in (p_float, p_fold):
        bad = np.flatnonzero(got != want)
        assert bad.size == 0, f"{bad.size} of {len(x)} differ, e.g. images {bad[:10].tolist()}"
    assert m["test_acc"] == pytest.approx(float((p_fold[:500] == d.y_test).mean()), abs=1e-6)
    assert m["test_acc"] > 0.5  # a few short epochs, far above chance (0.1)
    # Every quantizer emits all of its codes on these images: the quantized paths are exercised, not constant.
    model.double()
    seen: dict[str, set[float]] = {}
    hooks = [mod.register_forward_hook(lambda mod, i, o, n=n: seen.setdefault(n, set()).update(
        (o / mod.export_scale()).round().unique().tolist())) for n, mod in model.net.named_children()
        if isinstance(mod, QuantActivation)]
    with torch.no_grad():
        model(torch.from_numpy(x).double())
    for h in hooks:
        h.remove()
    assert seen and all(len(v) >= 3 for v in seen.values()), seen


def test_w2a2_conv_export_fields(w2a2_conv: Path) -> None:
    doc = yaml.safe_load((w2a2_conv / "net.yaml").read_text())
    by = {lay["name"]: lay for lay in doc["layers"]}
    assert by["conv1"]["weight_bits"] == 2 and by["conv1"]["pad_value"] == 0
    assert by["conv2"]["pad_value"] == 0  # a map of codes pads with code 0
    assert (by["act1"]["bits"], by["act1"]["signed"]) == (4, False) and by["act1"]["scale"] != 0.25  # learned
    assert by["fc2"]["weight_bits"] == 3
    with np.load(w2a2_conv / "weights.npz") as f:
        assert f["conv1.weight_scale"].shape == (8,) and f["conv2.weight_scale"].tolist() == [1.0]
        assert f["fc2.weight_scale"].shape == (10,)
        assert set(np.unique(f["conv2.weight"])) <= {-1, 0, 1} and f["conv2.weight"].dtype == np.int8
        assert f["fc2.weight"].min() >= -3 and f["fc2.weight"].max() <= 3


def test_an_architecture_bnnc_refuses_is_refused_before_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`bnnc train` builds the untrained network with bnnc's graph builder first: a refusal costs no training."""
    from compiler.errors import BnncError
    from compiler.train import export as export_mod

    def refuse(*_: object) -> None:
        raise BnncError("net.yaml: layer bn1: made to fail")

    monkeypatch.setattr(export_mod, "import_net", refuse)
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump({"name": "t", "model": {"hidden": [8], "act_quant": {"bits": 2}},
                                    "train": {"max_epochs": 1, "val_size": 200, "threads": 1}}))
    out, work = tmp_path / "o", tmp_path / "w"
    rc = cli.main([str(path), "--data-dir", str(SUBSET), "--out", str(out), "--work-dir", str(work),
                   "--no-progress-bar"])
    assert rc == 2
    assert capsys.readouterr().err.strip() == (f"bnnc: error: {path}: the network must be one bnnc compiles (checked "
                                               "before training), not refused with: net.yaml: layer bn1: made to fail")
    assert not (work / "checkpoints").exists() and not out.exists()


# --------------------------------------------------------------------------- recipe switches (issue 27)

def test_bn_scale_folds_into_the_batchnorm_exactly(tmp_path: Path) -> None:
    """model.bn_scale: s * BN(x) exports as the batchnorm of gamma*s, beta*s (float64); torch = float = folded."""
    cfg = validate({"model": {"input": "uint8", "conv": [{"filters": 6, "padding": 1, "pool": 2}], "hidden": [12],
                              "bn_scale": True, "per_layer": {"fc1": {"act_quant": {"bits": 2}}}}})
    torch.manual_seed(4)
    model = BnnClassifier(cfg.to_dict())
    net = model.net
    assert type(net.bn_conv1).__name__ == "ScaledBatchNorm2d" and type(net.bn1).__name__ == "ScaledBatchNorm1d"
    assert type(net.bn2) is torch.nn.BatchNorm1d  # the scores' batchnorm: no sign after it
    _randomize_bn(model)
    with torch.no_grad():
        net.bn_conv1.log_scale.uniform_(-2, 2)
        net.bn1.log_scale.uniform_(-2, 2)
    model.eval()
    yml, npz = export(model, tmp_path / "net.yaml")
    with np.load(npz) as f:
        s = torch.exp(net.bn1.log_scale.detach().double()).numpy()
        assert f["bn1.gamma"].dtype == np.float64
        assert np.array_equal(f["bn1.gamma"], net.bn1.weight.detach().double().numpy() * s)
        assert np.array_equal(f["bn1.beta"], net.bn1.bias.detach().double().numpy() * s)
    x = np.random.default_rng(2).integers(0, 256, size=(64, 28, 28, 1), dtype=np.uint8)
    want = torch_predict(model, x.reshape(64, -1))
    loaded = compiler.load(yml)
    assert np.array_equal(np.asarray(compiler.predict(loaded, x, stage="float")), want)
    folded = compiler.fold(loaded, calibration=x[:8])
    assert np.array_equal(np.asarray(compiler.predict(folded, x, stage="folded")), want)


def test_latent_clip_switch() -> None:
    """train.latent_clip bounds the latent weights after a step; 0 leaves them unclipped."""
    for clip, bound in ((0.5, 0.5), (0.0, None)):
        cfg = validate({"model": {"hidden": [4]}, "train": {"latent_clip": clip}})
        model = BnnClassifier(cfg.to_dict())
        with torch.no_grad():
            model.net.fc1.weight.uniform_(-3, 3)
        model.on_train_batch_end(None, None, 0)
        peak = float(model.net.fc1.weight.detach().abs().max())
        assert (peak <= bound) if bound is not None else peak > 1
    with pytest.raises(ConfigError, match=whole(r"c\.yaml: field train\.latent_clip must be a number in "
                                                r"\[0, 1e6\] \(0: no clipping\), not -1\.0")):
        validate({"train": {"latent_clip": -1}}, "c.yaml")
