"""Tests of compiler.train: STE layers, data, config errors, training, export, round trip.

Everything runs on the shipped MNIST subset (tests/data/mnist_subset.npz), on CPU,
without ../shared.
"""

from __future__ import annotations

import gzip
import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning  # noqa: F401  (the train extra is part of `make test`'s install)
import torch
import yaml

from compiler.train import cli
from compiler.train.config import ConfigError, load_config, validate
from compiler.train.data import DataError, MnistDataModule, load_mnist, read_idx
from compiler.train.export import ExportError, export, load_checkpoint, torch_predict
from compiler.train.layers import (
    BinaryConv2d,
    BinaryLinear,
    InputBinarize,
    SignActivation,
    clip_latent_weights,
    sign_ste,
)
from compiler.train.module import BnnClassifier
from tests.pins import whole

pytestmark = pytest.mark.filterwarnings("ignore:.*LeafSpec.*")

SUBSET = Path(__file__).resolve().parent / "data" / "mnist_subset.npz"


# --------------------------------------------------------------------------- layers

def test_sign_of_zero_is_plus_one() -> None:
    x = torch.tensor([-3.0, -1e-30, -0.0, 0.0, 1e-30, 2.0])
    assert sign_ste(x).tolist() == [-1.0, -1.0, 1.0, 1.0, 1.0, 1.0]
    assert SignActivation()(x).tolist() == [-1.0, -1.0, 1.0, 1.0, 1.0, 1.0]
    lin = BinaryLinear(3, 2)
    with torch.no_grad():
        lin.weight.zero_()
    assert lin(torch.tensor([[1.0, -1.0, 1.0]])).tolist() == [[1.0, 1.0]]


def test_activation_ste_cancels_gradient_outside_unit_interval() -> None:
    x = torch.tensor([-2.0, -1.0001, -1.0, -0.3, 0.0, 0.7, 1.0, 1.0001, 5.0], requires_grad=True)
    g = torch.arange(1.0, 10.0)
    (SignActivation()(x) * g).sum().backward()
    expect = torch.where(x.detach().abs() <= 1, g, torch.zeros_like(g))
    assert torch.equal(x.grad, expect)


def test_weight_ste_cancels_gradient_outside_unit_interval() -> None:
    lin = BinaryLinear(4, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[-1.5, -0.5, 0.0, 1.2]]))
    lin(torch.ones(1, 4)).sum().backward()
    assert lin.weight.grad.tolist() == [[0.0, 1.0, 1.0, 0.0]]
    conv = BinaryConv2d(1, 1, 2)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[[2.0, 0.5], [-0.0, -3.0]]]]))
    out = conv(torch.ones(1, 1, 2, 2))
    assert out.item() == 1 + 1 + 1 - 1  # sign(-0.0) = +1
    out.sum().backward()
    assert conv.weight.grad.flatten().tolist() == [0.0, 1.0, 1.0, 0.0]


def test_forward_uses_sign_of_latent_weights() -> None:
    torch.manual_seed(0)
    lin = BinaryLinear(20, 7)
    x = torch.randn(5, 20)
    w = torch.where(lin.weight >= 0, 1.0, -1.0)
    assert torch.allclose(lin(x), x @ w.T)


def test_clipping_of_latent_weights() -> None:
    net = torch.nn.Sequential(BinaryLinear(3, 3), torch.nn.BatchNorm1d(3))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[5.0, -0.5, -7.0], [1.0, -1.0, 0.0], [0.25, 3.0, -1.01]]))
        net[1].weight.fill_(4.0)  # batchnorm parameters are float and are not clipped
    clip_latent_weights(net)
    assert net[0].weight.tolist() == [[1.0, -0.5, -1.0], [1.0, -1.0, 0.0], [0.25, 1.0, -1.0]]
    assert net[1].weight.tolist() == [4.0, 4.0, 4.0]


def test_input_binarization_threshold() -> None:
    x = torch.tensor([0.0, 127.0, 128.0, 255.0])
    assert InputBinarize(127.5)(x).tolist() == [-1.0, -1.0, 1.0, 1.0]


# --------------------------------------------------------------------------- data

def test_idx_reader_plain_and_gzip(tmp_path: Path) -> None:
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = struct.pack(">BBBB", 0, 0, 0x08, 3) + struct.pack(">3I", 2, 3, 4) + a.tobytes()
    (tmp_path / "a.idx").write_bytes(raw)
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(raw))
    assert np.array_equal(read_idx(tmp_path / "a.idx"), a)
    assert np.array_equal(read_idx(tmp_path / "a.idx.gz"), a)


def test_idx_gzip_bomb_is_never_inflated(tmp_path: Path) -> None:
    """A gzip stream that inflates to 4 GiB behind a header declaring 7,840 bytes is refused after 7,841."""
    import tracemalloc

    from tests.bad_inputs.cases_train import gzip_bomb

    bomb = tmp_path / "train-images-idx3-ubyte.gz"
    bomb.write_bytes(gzip_bomb((10, 28, 28)))
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=whole(r"train-images-idx3-ubyte\.gz: the idx file must hold 7840 bytes "
                                                  r"of data as its header declares, not more")):
            read_idx(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, peak  # a few buffers of the stream, not gigabytes of it


def test_subset_and_seeded_split() -> None:
    d = load_mnist(SUBSET)
    assert d.x_train.shape == (2000, 784) and d.x_train.dtype == np.uint8
    assert d.x_test.shape == (500, 784)
    dm1, dm2 = (MnistDataModule(SUBSET, val_size=200, seed=3) for _ in range(2))
    dm1.setup(), dm2.setup()
    assert torch.equal(dm1.val_set.y, dm2.val_set.y) and torch.equal(dm1.val_set.x, dm2.val_set.x)
    assert len(dm1.train_set) == 1800 and len(dm1.val_set) == 200
    x, _y = next(iter(dm1.train_dataloader()))
    assert x.shape == (100, 784) and x.dtype == torch.float32 and float(x.max()) <= 255.0


# --------------------------------------------------------------------------- config / CLI errors

def test_config_validation_messages(tmp_path: Path) -> None:
    assert validate({}).model.binarized is True
    cases = [
        ({"model": {"hidden": [10, -2]}}, "field model.hidden must be a list of positive integers, not [10, -2]"),
        ({"model": {"input": "float"}}, "field model.input must be 'binarize' or 'uint8', not 'float'"),
        ({"train": {"lr": "fast"}}, "field train.lr must be a number, not 'fast'"),
        ({"train": {"batch_size": 0}}, "field train.batch_size must be a positive integer, not 0"),
        ({"name": "9lives"}, "field name must be an identifier"),
        ({"modle": {}}, "field modle must be one of"),
    ]
    for raw, msg in cases:
        with pytest.raises(ConfigError) as ei:
            validate(raw, "x.yaml")
        assert str(ei.value).startswith("x.yaml: ") and msg in str(ei.value), str(ei.value)
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {dropout: 1.5}\n")
    with pytest.raises(ConfigError, match=whole(r"bad\.yaml: field model\.dropout must be a number in \[0, 1\), not 1\.5")):
        load_config(bad)


def test_cli_bad_config_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntrain: {max_epochs: many}\n")
    rc = cli.main([str(bad), "--data-dir", str(SUBSET), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.strip() == f"bnnc: error: {bad}: field train.max_epochs must be an integer, not 'many'"
    rc = cli.main([str(tmp_path / "missing.yaml")])
    assert capsys.readouterr().err.strip().endswith("missing.yaml: the training config must be an existing file, not missing")
    assert rc == 2
    good = tmp_path / "good.yaml"
    good.write_text("name: x\n")
    rc = cli.main([str(good), "--data-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "nowhere" in err


def test_data_is_found_in_a_documented_place_or_named_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--data-dir, then $BNNC_MNIST, then $BNNC_DATA/mnist, then ./data/mnist; missing data names the files."""
    for env in ("BNNC_MNIST", "BNNC_CIFAR10", "BNNC_DATA"):
        monkeypatch.delenv(env, raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.data_location("mnist", None) == (Path("data/mnist"), "the default ./data/mnist")
    monkeypatch.setenv("BNNC_DATA", "/d")
    assert cli.data_location("cifar10", None) == (Path("/d/cifar10"), "$BNNC_DATA/cifar10")
    monkeypatch.setenv("BNNC_MNIST", "/m")
    assert cli.data_location("mnist", None) == (Path("/m"), "$BNNC_MNIST")
    assert cli.data_location("mnist", "x.npz") == (Path("x.npz"), "--data-dir")
    monkeypatch.delenv("BNNC_MNIST")
    monkeypatch.delenv("BNNC_DATA")
    cfg = _write_cfg(tmp_path / "cfg.yaml")
    rc = cli.main([str(cfg), "--out", "o"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert err == ("bnnc: error: data/mnist: the mnist data must be an existing folder (the default ./data/mnist), "
                   "not missing; it needs the MNIST files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                   "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (published at "
                   "https://yann.lecun.com/exdb/mnist/ and its mirrors): put them there, or name their folder with "
                   "--data-dir, $BNNC_MNIST or $BNNC_DATA (which holds <dataset>/ folders)\n")
    assert not (tmp_path / "o").exists()
    # The default place, filled as the message says, trains.
    (tmp_path / "data" / "mnist").mkdir(parents=True)
    shutil.copy(SUBSET, tmp_path / "data" / "mnist" / "mnist.npz")
    assert cli.main([str(cfg), "--out", "o", "--max-epochs", "1", "--no-progress-bar"]) == 0
    assert json.loads((tmp_path / "o" / "metrics.json").read_text())["data"] == "data/mnist"


# --------------------------------------------------------------------------- training + export

def _write_cfg(path: Path, **model: object) -> Path:
    cfg = {
        "name": "tiny",
        "model": {"hidden": [64, 32], "input": "binarize", "dropout": 0.0, **model},
        "train": {"batch_size": 20, "max_epochs": 4, "lr": 0.005, "lr_schedule": "exponential",
                  "lr_final": 5e-4, "val_size": 200, "seed": 7, "early_stopping_patience": 0, "threads": 1},
    }
    path.write_text(yaml.safe_dump(cfg))
    return path


def _train(tmp: Path, **model: object) -> Path:
    out = tmp / "out"
    cfg = _write_cfg(tmp / "cfg.yaml", **model)
    rc = cli.main([str(cfg), "--data-dir", str(SUBSET), "--out", str(out), "--no-progress-bar"])
    assert rc == 0
    return out


@pytest.fixture(scope="module")
def trained_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _train(tmp_path_factory.mktemp("bin"))


@pytest.fixture(scope="module")
def trained_u8(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _train(tmp_path_factory.mktemp("u8"), input="uint8")


def _epoch_losses(out: Path) -> list[float]:
    import csv
    (csv_path,) = sorted(out.glob("logs/csv/tiny/version_*/metrics.csv"))
    rows = list(csv.DictReader(csv_path.open()))
    return [float(r["train_loss_epoch"]) for r in rows if r.get("train_loss_epoch")]


def test_training_loss_falls_and_weights_stay_clipped(trained_bin: Path) -> None:
    losses = _epoch_losses(trained_bin)
    assert len(losses) == 4
    assert losses[-1] < 0.8 * losses[0], losses
    assert list(trained_bin.glob("logs/tensorboard/tiny/version_*/events.out.tfevents.*"))
    curve = (trained_bin / "accuracy.svg").read_text()
    assert curve.startswith("<svg") and curve.count("<polyline") == 3 and "validation (best" in curve
    m = json.loads((trained_bin / "metrics.json").read_text())
    assert m["test_images"] == 500 and m["test_acc"] > 0.5  # far above chance (0.1)
    model = load_checkpoint(m["checkpoint"])
    for mod in model.modules():
        if isinstance(mod, BinaryLinear):
            assert float(mod.weight.detach().abs().max()) <= 1.0


def test_export_writes_documented_files(trained_bin: Path) -> None:
    doc = yaml.safe_load((trained_bin / "net.yaml").read_text())
    assert doc["input"] == {"shape": [784], "dtype": "uint8"}
    assert doc["output"] == "argmax" and doc["weights"] == "weights.npz"
    assert doc["hardware"]["clock_mhz"] == 100
    ops = [(lay["name"], lay["op"]) for lay in doc["layers"]]
    assert ops == [("in_bin", "sign"), ("fc1", "dense"), ("bn1", "batchnorm"), ("act1", "sign"),
                   ("fc2", "dense"), ("bn2", "batchnorm"), ("act2", "sign"), ("fc3", "dense"),
                   ("bn3", "batchnorm")]
    assert doc["layers"][0]["threshold"] == 127.5
    units = {lay["name"]: lay.get("units") for lay in doc["layers"]}
    assert (units["fc1"], units["fc2"], units["fc3"]) == (64, 32, 10)
    model = load_checkpoint(json.loads((trained_bin / "metrics.json").read_text())["checkpoint"])
    with np.load(trained_bin / "weights.npz") as f:
        shapes = {k: f[k].shape for k in f}
        expect = {"fc1.weight": (64, 784), "fc2.weight": (32, 64), "fc3.weight": (10, 32)}
        for bn, c in (("bn1", 64), ("bn2", 32), ("bn3", 10)):
            expect.update({f"{bn}.{p}": (c,) for p in ("gamma", "beta", "mean", "var")})
        assert shapes == expect
        for k in f:
            assert np.issubdtype(f[k].dtype, np.floating) and np.all(np.isfinite(f[k]))
        latent = model.net.fc1.weight.detach().numpy()
        assert np.array_equal(f["fc1.weight"], np.where(latent >= 0, 1.0, -1.0))
        assert np.all(f["bn1.var"] > 0)
        assert np.allclose(f["bn2.mean"], model.net.bn2.running_mean.numpy())


def test_float_twin_is_not_exportable(tmp_path: Path) -> None:
    cfg = validate({"model": {"hidden": [8], "binarized": False}})
    model = BnnClassifier(cfg.to_dict())
    with pytest.raises(ExportError, match=whole(r"layer fc1: Linear cannot be exported to net\.yaml \(float twins are not exportable\)")):
        export(model, tmp_path / "net.yaml")


def test_seeded_training_is_deterministic(tmp_path: Path) -> None:
    outs = []
    for i in range(2):
        d = tmp_path / str(i)
        d.mkdir()
        cfg = _write_cfg(d / "cfg.yaml", hidden=[16])
        assert cli.main([str(cfg), "--data-dir", str(SUBSET), "--out", str(d / "o"), "--max-epochs", "1",
                         "--no-progress-bar"]) == 0
        with np.load(d / "o" / "weights.npz") as f:
            outs.append({k: f[k] for k in f})
    assert outs[0].keys() == outs[1].keys()
    for k in outs[0]:
        assert np.array_equal(outs[0][k], outs[1][k]), k


# --------------------------------------------------------------------------- --out: only bnnc's own files

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mlp_small"


def test_val_size_fraction_as_documented() -> None:
    """train.val_size: a fraction in (0, 1) of the training images, or a whole number of them."""
    assert validate({"train": {"val_size": 0.2}}).train.val_size == 0.2
    assert validate({"train": {"val_size": 300.0}}).train.val_size == 300
    dm = MnistDataModule(SUBSET, val_size=0.2, seed=0)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set)) == (1600, 400)
    with pytest.raises(ConfigError, match=whole(r"x\.yaml: field train\.val_size must be a fraction in \(0, 1\) or a "
                                                r"positive whole number of images, not 2\.5")):
        validate({"train": {"val_size": 2.5}}, "x.yaml")


def test_reexport_into_an_example_folder_keeps_its_other_files(tmp_path: Path, trained_bin: Path) -> None:
    """The documented re-export (`--out examples/X`): bnnc's previous files replaced, every other file kept."""
    ex = tmp_path / "mlp_small"
    shutil.copytree(EXAMPLE, ex)
    others = {p.name: p.read_bytes() for p in ex.iterdir()
              if p.name not in ("net.yaml", "weights.npz", "metrics.json", "train_manifest.json")}
    assert {"train.yaml", "README.md", "sample_images.npy", "float_twin_metrics.json"} <= others.keys()
    old_net = (ex / "net.yaml").read_bytes()
    ckpt = json.loads((trained_bin / "metrics.json").read_text())["checkpoint"]
    cfg = _write_cfg(tmp_path / "cfg.yaml")
    assert cli.main([str(cfg), "--data-dir", str(SUBSET), "--out", str(ex), "--work-dir", str(tmp_path / "w"),
                     "--from-checkpoint", ckpt, "--no-progress-bar"]) == 0
    assert {p.name: p.read_bytes() for p in ex.iterdir() if p.name in others} == others
    assert (ex / "net.yaml").read_bytes() != old_net
    assert (ex / "net.yaml").read_bytes() == (trained_bin / "net.yaml").read_bytes()
    assert json.loads((ex / "train_manifest.json").read_text())["files"] == [
        "calibration.npy", "metrics.json", "net.yaml", "weights.npz"]
    assert not [p for p in tmp_path.iterdir() if ".bnnc-" in p.name]  # no staging folder left
    # Once bnnc's, always replaceable: the same command again succeeds.
    assert cli.main([str(cfg), "--data-dir", str(SUBSET), "--out", str(ex), "--work-dir", str(tmp_path / "w"),
                     "--from-checkpoint", ckpt, "--no-progress-bar"]) == 0


def test_out_is_untouched_when_the_export_fails(tmp_path: Path, trained_bin: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """An export that fails midway leaves --out exactly as it was, and no staging folder behind."""
    out = tmp_path / "o"
    shutil.copytree(trained_bin, out, ignore=shutil.ignore_patterns("checkpoints", "logs"))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    from compiler.train import export as export_mod

    real_export = export_mod.export

    def failing(model, path, **kw):  # type: ignore[no-untyped-def]
        real_export(model, path, **kw)  # net.yaml and weights.npz are in the staging folder by now
        raise ExportError("layer fc9: made to fail")

    monkeypatch.setattr(export_mod, "export", failing)
    ckpt = json.loads((trained_bin / "metrics.json").read_text())["checkpoint"]
    rc = cli.main([str(_write_cfg(tmp_path / "cfg.yaml")), "--data-dir", str(SUBSET), "--out", str(out),
                   "--work-dir", str(tmp_path / "w"), "--from-checkpoint", ckpt, "--no-progress-bar"])
    assert rc == 2 and capsys.readouterr().err.strip() == "bnnc: error: layer fc9: made to fail"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if ".bnnc-" in p.name]


def test_float_twin_over_a_bnnc_export_removes_its_stale_files(tmp_path: Path) -> None:
    """bnnc's previous files that a run does not write again go (a calibration.npy never outlives its net)."""
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    (out / "net.yaml").write_text("old\n")
    (out / "calibration.npy").write_text("old\n")
    (out / "train_manifest.json").write_text(json.dumps({"bnnc_version": "0", "files": ["net.yaml",
                                                                                        "calibration.npy"]}))
    cfg = _write_cfg(tmp_path / "cfg.yaml", hidden=[8], binarized=False)
    assert cli.main([str(cfg), "--data-dir", str(SUBSET), "--out", str(out), "--work-dir", str(tmp_path / "w"),
                     "--max-epochs", "1", "--no-progress-bar"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "notes.txt", "train_manifest.json"]
    assert json.loads((out / "train_manifest.json").read_text())["files"] == ["metrics.json"]


# --------------------------------------------------------------------------- round trip

def _numpy_eval(net_yaml: Path, x: np.ndarray) -> np.ndarray:
    """A small float64 evaluator of the exported net.yaml, independent of the compiler."""
    doc = yaml.safe_load(net_yaml.read_text())
    with np.load(net_yaml.parent / doc["weights"]) as f:
        p = {k: f[k].astype(np.float64) for k in f}
    h = x.astype(np.float64)
    for lay in doc["layers"]:
        n, op = lay["name"], lay["op"]
        if op == "sign":
            h = np.where(h >= lay.get("threshold", 0.0), 1.0, -1.0)
        elif op == "dense":
            h = h @ np.where(p[f"{n}.weight"] >= 0, 1.0, -1.0).T
        elif op == "batchnorm":
            eps = lay.get("eps", 1e-5)
            h = p[f"{n}.gamma"] * (h - p[f"{n}.mean"]) / np.sqrt(p[f"{n}.var"] + eps) + p[f"{n}.beta"]
        else:  # pragma: no cover
            raise AssertionError(op)
    return h.argmax(1)


@pytest.mark.parametrize("which", ["trained_bin", "trained_u8"])
def test_export_matches_torch_numpy_evaluator(which: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(which)
    model = load_checkpoint(json.loads((out / "metrics.json").read_text())["checkpoint"])
    x = load_mnist(SUBSET).x_test
    assert np.array_equal(_numpy_eval(out / "net.yaml", x), torch_predict(model, x))


def _compiler_api():  # type: ignore[no-untyped-def]
    import compiler

    return compiler


@pytest.mark.parametrize("which", ["trained_bin", "trained_u8"])
@pytest.mark.parametrize("stage", ["float", "folded"])
def test_round_trip_compiler_reference_equals_torch(which: str, stage: str, request: pytest.FixtureRequest) -> None:
    """The exported net, run by the compiler's numpy reference, predicts what torch (eval mode) predicts."""
    compiler = _compiler_api()
    out: Path = request.getfixturevalue(which)
    model = load_checkpoint(json.loads((out / "metrics.json").read_text())["checkpoint"])
    d = load_mnist(SUBSET)
    x = np.concatenate([d.x_test, d.x_train[:500]])
    net = compiler.load(out / "net.yaml")
    got = np.asarray(compiler.predict(net, x, stage=stage))
    want = torch_predict(model, x)
    assert got.shape == (len(x),)
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, f"{bad.size} of {len(x)} predictions differ, e.g. images {bad[:10].tolist()}"


def test_export_refuses_what_bnnc_refuses_before_writing(tmp_path: Path) -> None:
    """The exporter builds the network with the compiler's graph builder: two matrix layers in a row fail there."""
    model = torch.nn.Sequential()
    model.add_module("fc1", BinaryLinear(6, 4))
    model.add_module("fc2", BinaryLinear(4, 3))
    with pytest.raises(ExportError, match=whole(r"the exported network must be one bnnc compiles, not refused with: "
                                                r".*net\.yaml: layer fc1: field op: dense must be followed by "
                                                r"batchnorm/sign/maxpool2d before the next matrix layer, not directly "
                                                r"by dense")):
        export(model, tmp_path / "out" / "net.yaml")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- distillation and warm-up

def test_distill_loss_is_ce_at_weight_0_and_kl_at_weight_1() -> None:
    from compiler.train.module import distill_loss

    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(8, 10, generator=g), torch.randn(8, 10, generator=g)
    y = torch.randint(0, 10, (8,), generator=g)
    ce = torch.nn.functional.cross_entropy(s, y)
    assert torch.equal(distill_loss(s, t, y, 0.0, 4.0), ce)
    assert float(distill_loss(s, s, y, 1.0, 4.0)) == pytest.approx(0.0, abs=1e-6)  # KL of a net with itself
    kl = torch.sum(torch.softmax(t / 2, 1) * (torch.log_softmax(t / 2, 1) - torch.log_softmax(s / 2, 1))) / 8
    assert float(distill_loss(s, t, y, 0.25, 2.0)) == pytest.approx(float(0.75 * ce + 0.25 * 4 * kl), rel=1e-6)


def test_warmup_ramps_lr_linearly_then_hands_over_to_the_schedule() -> None:
    cfg = validate({"model": {"hidden": [8]}, "train": {"lr": 0.01, "max_epochs": 6, "warmup_epochs": 2,
                                                        "lr_schedule": "exponential", "lr_final": 1e-4}}, "<t>")
    model = BnnClassifier(cfg.to_dict(), in_features=16, classes=3)
    conf = model.configure_optimizers()
    opt, sched = conf["optimizer"], conf["lr_scheduler"]["scheduler"]
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[:3] == pytest.approx([0.001, 0.0055, 0.01])
    assert lrs[-1] == pytest.approx(1e-4)  # the schedule still ends at lr_final


def test_training_with_a_teacher_distils_and_records_it(tmp_path: Path, trained_u8: Path) -> None:
    """The u8 net's checkpoint teaches a fresh net; the teacher is named in metrics, and not in its checkpoint."""
    teacher = json.loads((trained_u8 / "metrics.json").read_text())["checkpoint"]
    cfg = _write_cfg(tmp_path / "cfg.yaml", input="uint8")
    doc = yaml.safe_load(cfg.read_text())
    doc["train"].update(max_epochs=2, distill_weight=1.0, distill_temperature=2.0, teacher=teacher)
    cfg.write_text(yaml.safe_dump(doc))
    out = tmp_path / "out"
    assert cli.main([str(cfg), "--data-dir", str(SUBSET), "--out", str(out), "--no-progress-bar"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["teacher"] == teacher and m["test_acc"] > 0.5
    state = torch.load(m["checkpoint"], map_location="cpu", weights_only=True)["state_dict"]
    assert not any("teacher" in k for k in state)
    # At weight 1 the student learns from the teacher's logits alone: it agrees with the teacher far above chance.
    x = torch.from_numpy(np.load(SUBSET)["x_test"][:200].reshape(200, -1).astype(np.float32))
    agree = (load_checkpoint(teacher).predict_classes(x) == load_checkpoint(m["checkpoint"]).predict_classes(x))
    assert float(agree.float().mean()) > 0.6


def test_a_teacher_for_other_images_is_one_line_exit_2(tmp_path: Path, trained_u8: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    teacher = json.loads((trained_u8 / "metrics.json").read_text())["checkpoint"]
    fewer = tmp_path / "fewer.npz"
    d = dict(np.load(SUBSET))
    np.savez(fewer, **{k: (v[:, :20, :20] if k.startswith("x") else v) for k, v in d.items()})
    cfg = _write_cfg(tmp_path / "cfg.yaml", input="uint8")
    rc = cli.main([str(cfg), "--data-dir", str(fewer), "--out", str(tmp_path / "o"), "--teacher", teacher,
                   "--no-progress-bar"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert "the teacher's network must take the data's images" in err and "not 784" in err
    assert not (tmp_path / "o").exists()


def test_resume_continues_an_interrupted_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--resume picks up last.ckpt: epochs continue from where the first run stopped, up to the new max_epochs."""
    cfg = _write_cfg(tmp_path / "cfg.yaml", input="uint8")
    out, work = tmp_path / "out", tmp_path / "work"
    args = [str(cfg), "--data-dir", str(SUBSET), "--out", str(out), "--work-dir", str(work), "--no-progress-bar"]
    assert cli.main([*args, "--max-epochs", "2"]) == 0
    assert json.loads((out / "metrics.json").read_text())["epochs_run"] == 2
    assert cli.main([*args, "--max-epochs", "3", "--resume"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["epochs_run"] == 3 and m["test_acc"] > 0.5
    import csv
    (second,) = [p for p in sorted(work.glob("logs/csv/tiny/version_*/metrics.csv")) if "version_1" in str(p)]
    epochs = {int(r["epoch"]) for r in csv.DictReader(second.open()) if r.get("train_loss_epoch")}
    assert epochs == {2}  # only the one new epoch ran
    capsys.readouterr()
    assert cli.main([*args, "--resume", "--work-dir", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--work-dir must hold the interrupted training's checkpoints/last.ckpt" in err


def test_init_from_float_ternarises_at_twns_threshold() -> None:
    """A const-scaled ternary layer started from a float twin holds TWN's codes: sign(w) where |w| > 0.7 mean|w|."""
    from compiler.train.module import TWN_THRESHOLD, init_from_float

    model = {"hidden": [24], "input": "uint8", "weight_bits": 2, "weight_scale": "const",
             "act_quant": {"bits": 2, "signed": True, "narrow": True, "scale": 1.0}}
    student = BnnClassifier(validate({"model": model}, "<t>").to_dict(), in_features=30, classes=4)
    twin = BnnClassifier(validate({"model": {"hidden": [24], "input": "uint8", "binarized": False}}, "<t>").to_dict(),
                         in_features=30, classes=4)
    torch.manual_seed(3)
    with torch.no_grad():
        for p in twin.net.parameters():
            p.normal_(0.0, 0.05)
    copied = init_from_float(student.net, twin.net)
    assert {"fc1.weight", "fc2.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn2.running_var"} <= set(copied)
    for name in ("fc1", "fc2"):
        w = getattr(twin.net, name).weight.detach().double()
        want = torch.sign(w) * (w.abs() > TWN_THRESHOLD * w.abs().mean())
        got = getattr(student.net, name).weight_codes64().detach()
        assert torch.equal(got, want), name
        assert 0.3 < float((got != 0).double().mean()) < 0.8  # neither a dead layer nor a binary one
    assert torch.equal(student.net.bn1.weight, twin.net.bn1.weight)
    # A max_abs-scaled layer keeps the codes the float weights have; a 1-bit layer keeps their signs.
    model.update(weight_scale="max_abs", weight_bits=3)
    mx = BnnClassifier(validate({"model": model}, "<t>").to_dict(), in_features=30, classes=4)
    init_from_float(mx.net, twin.net)
    w = twin.net.fc1.weight.detach().double()
    assert torch.equal(mx.net.fc1.weight_codes64().detach(), torch.round(w / w.abs().amax(1, keepdim=True) * 3))  # per channel
    one = BnnClassifier(validate({"model": {"hidden": [24], "input": "uint8"}}, "<t>").to_dict(), in_features=30,
                        classes=4)
    init_from_float(one.net, twin.net)
    assert torch.equal(one.net.fc1.binary_weight(), torch.where(twin.net.fc1.weight >= 0, 1.0, -1.0))


def test_init_from_starts_training_at_the_checkpoint(tmp_path: Path, trained_u8: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """--init-from copies the weights: at a vanishing LR one epoch later the net predicts as its source does."""
    source = json.loads((trained_u8 / "metrics.json").read_text())["checkpoint"]
    cfg = _write_cfg(tmp_path / "cfg.yaml", input="uint8")
    doc = yaml.safe_load(cfg.read_text())
    doc["train"].update(max_epochs=1, lr=1e-12, lr_schedule="constant")
    cfg.write_text(yaml.safe_dump(doc))
    out = tmp_path / "out"
    assert cli.main([str(cfg), "--data-dir", str(SUBSET), "--out", str(out), "--init-from", source,
                     "--no-progress-bar"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["init_from"] == source
    x = torch.from_numpy(np.load(SUBSET)["x_test"][:300].reshape(300, -1).astype(np.float32))
    agree = load_checkpoint(source).predict_classes(x) == load_checkpoint(m["checkpoint"]).predict_classes(x)
    # Not all: the batchnorms' running statistics are re-estimated over the epoch (a fresh net agrees ~10 %).
    assert float(agree.float().mean()) > 0.85
    # A checkpoint of another shape is refused in one line naming the first layer that differs.
    doc["model"]["hidden"] = [48, 32]
    cfg.write_text(yaml.safe_dump(doc))
    rc = cli.main([str(cfg), "--data-dir", str(SUBSET), "--out", str(tmp_path / "o"), "--init-from", source,
                   "--no-progress-bar"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert "the init checkpoint's layer fc1 must have the config's weight shape 48x784, not 64x784" in err
    assert not (tmp_path / "o").exists()
