"""Tests of convolutional BNN training and export (compiler.train, issue 10).

Conv configs and their one-line errors, the pad value that makes torch and bnnc
agree, a tiny conv net trained on the shipped MNIST subset and exported, the
exact round trip torch = bnnc float stage = bnnc folded reference, the CIFAR-10
python-batch loader on small files made here, and the CNV config (examples/cnv)
built, exported with untrained weights and loaded by bnnc.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

import compiler
from compiler.train import cli
from compiler.train.config import ConfigError, load_config, validate
from compiler.train.data import (
    AugmentedBatches,
    DataError,
    MnistDataModule,
    TensorBatches,
    load_cifar10,
    load_mnist,
    read_cifar_batch,
)
from compiler.train.export import ExportError, export, load_checkpoint, pick_calibration, torch_predict, torch_scores
from compiler.train.layers import BinaryConv2d
from compiler.train.module import BnnClassifier
from tests.pins import whole

pytestmark = pytest.mark.filterwarnings("ignore:.*LeafSpec.*")

ROOT = Path(__file__).resolve().parents[1]
SUBSET = ROOT / "tests" / "data" / "mnist_subset.npz"
CNV = ROOT / "examples" / "cnv" / "train.yaml"


# --------------------------------------------------------------------------- config

CONV_ERRORS = [
    ({"conv": 5}, r"field model\.conv must be a list of conv blocks, not 5"),
    ({"conv": [3]}, r"field model\.conv\[0\] must be a mapping with fields filters, kernel, padding, pool, not 3"),
    ({"conv": [{"filters": 8, "stride": 2}]},
     r"field model\.conv\[0\]\.stride must be one of filters, kernel, padding, pool, not an unknown field"),
    ({"conv": [{"kernel": 3}]}, r"field model\.conv\[0\]\.filters must be a positive integer, not missing"),
    ({"conv": [{"filters": 8}, {"filters": 0}]}, r"field model\.conv\[1\]\.filters must be a positive integer, not 0"),
    ({"conv": [{"filters": 8, "kernel": "3"}]}, r"field model\.conv\[0\]\.kernel must be a positive integer, not '3'"),
    ({"conv": [{"filters": 8, "padding": -1}]},
     r"field model\.conv\[0\]\.padding must be a non-negative integer, not -1"),
    ({"conv": [{"filters": 8, "pool": 1}]}, r"field model\.conv\[0\]\.pool must be 0 \(no pooling\) or an integer >= 2, not 1"),
    ({"conv": [{"filters": 8, "pool": True}]},
     r"field model\.conv\[0\]\.pool must be 0 \(no pooling\) or an integer >= 2, not True"),
    ({"conv": [{"filters": 8, "kernel": 29}]},
     r"field model\.conv\[0\]\.kernel must be at most 28 \(the 28x28 map with padding 0\), not 29"),
    ({"conv": [{"filters": 8, "pool": 2}, {"filters": 8, "pool": 2}, {"filters": 8, "kernel": 5, "pool": 2}]},
     r"field model\.conv\[2\]\.pool must be at most 1 \(the 1x1 map\), not 2"),
    ({"hidden": []}, r"field model\.hidden must be a non-empty list of positive integers \(or model\.conv given\), not \[\]"),
]


@pytest.mark.parametrize(("model", "message"), CONV_ERRORS)
def test_conv_config_errors_are_one_line(model: dict, message: str, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"name": "c", "model": model}))
    with pytest.raises(ConfigError, match=whole(r"c\.yaml: " + message)):
        load_config(path)


def test_dataset_field_and_cifar_geometry() -> None:
    with pytest.raises(ConfigError, match=whole(r"x\.yaml: field train\.dataset must be 'mnist' or 'cifar10', not 'svhn'")):
        validate({"train": {"dataset": "svhn"}}, "x.yaml")
    # 28x28 MNIST: a 30x30 kernel does not fit; 32x32 CIFAR-10: it does.
    conv = [{"filters": 4, "kernel": 30}]
    with pytest.raises(ConfigError, match="must be at most 28"):
        validate({"model": {"conv": conv}})
    cfg = validate({"model": {"conv": conv, "hidden": []}, "train": {"dataset": "cifar10"}})
    assert cfg.model.hidden == [] and cfg.model.conv[0].filters == 4 and cfg.model.conv[0].padding == 0
    # A config round-trips through its dict form (what a checkpoint stores).
    assert validate(cfg.to_dict()) == cfg


def test_augment_shift_must_fit_the_image() -> None:
    with pytest.raises(ConfigError, match=whole(r"x\.yaml: field train\.augment_shift must be an integer in \[0, 27\] "
                                                r"\(pixels\), not 28")):
        validate({"train": {"augment_shift": 28}}, "x.yaml")
    assert validate({"train": {"augment_shift": 31, "dataset": "cifar10"}}).train.augment_shift == 31


# --------------------------------------------------------------------------- augmentation

def test_augmented_batches_translate_and_mirror_training_images_only() -> None:
    x = torch.arange(1, 3 * 5 * 6 * 2 + 1, dtype=torch.float32).reshape(3, -1)
    y = torch.tensor([0, 1, 2])
    plain = AugmentedBatches(x, y, (5, 6, 2), shift=0, flip=True, seed=0)
    seen_flip = seen_same = False
    for _ in range(8):
        out, labels = plain[[2, 0]]
        assert labels.tolist() == [2, 0]
        for got, src in zip(out.reshape(2, 5, 6, 2), x[[2, 0]].reshape(2, 5, 6, 2)):
            seen_flip |= torch.equal(got, src.flip(1))
            seen_same |= torch.equal(got, src)
            assert torch.equal(got, src) or torch.equal(got, src.flip(1))
    assert seen_flip and seen_same
    shifted = AugmentedBatches(x, y, (5, 6, 2), shift=2, flip=False, seed=0)
    for _ in range(8):
        out, _ = shifted[[1]]
        got, src = out.reshape(5, 6, 2), x[1].reshape(5, 6, 2)
        # some translation by (dy, dx) in [-2, 2]^2 with 0 where the image moved away
        ok = False
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                ref = torch.zeros_like(src)
                ref[max(0, dy):5 + min(0, dy), max(0, dx):6 + min(0, dx)] = \
                    src[max(0, -dy):5 - max(0, dy), max(0, -dx):6 - max(0, dx)]
                ok |= torch.equal(got, ref)
        assert ok
    # Seeded: the same seed gives the same batches.
    a = AugmentedBatches(x, y, (5, 6, 2), 2, True, 7)
    b = AugmentedBatches(x, y, (5, 6, 2), 2, True, 7)
    assert all(torch.equal(a[[0, 1, 2]][0], b[[0, 1, 2]][0]) for _ in range(3))
    dm = MnistDataModule(SUBSET, val_size=200, seed=3, augment_shift=2)
    dm.setup()
    assert isinstance(dm.train_set, AugmentedBatches)
    assert type(dm.val_set) is TensorBatches and type(dm.test_set) is TensorBatches


# --------------------------------------------------------------------------- layers

def test_binary_conv_pads_with_its_pad_value() -> None:
    """Torch pads with 0, which is no bipolar value: BinaryConv2d pads with pad_value (-1 by default)."""
    conv = BinaryConv2d(1, 1, 3, padding=1)
    with torch.no_grad():
        conv.weight.fill_(0.5)  # all +1
    y = conv(torch.ones(1, 1, 2, 2))
    # Each 3x3 window over the 2x2 map of +1 holds 4 ones and 5 pads of -1.
    assert y.flatten().tolist() == [-1.0, -1.0, -1.0, -1.0]
    conv.pad_value = 0.0
    assert conv(torch.ones(1, 1, 2, 2)).flatten().tolist() == [4.0, 4.0, 4.0, 4.0]


# --------------------------------------------------------------------------- training + export

def _conv_cfg(path: Path, **model: object) -> Path:
    cfg = {
        "name": "tinyconv",
        "model": {"conv": [{"filters": 8, "padding": 1}, {"filters": 8, "padding": 1, "pool": 2},
                           {"filters": 16, "pool": 2}],
                  "hidden": [32], "input": "binarize", "dropout": 0.0, **model},
        "train": {"batch_size": 50, "max_epochs": 2, "lr": 0.005, "lr_schedule": "exponential",
                  "lr_final": 5e-4, "val_size": 200, "seed": 5, "early_stopping_patience": 0, "threads": 1,
                  "augment_shift": 1},
    }
    path.write_text(yaml.safe_dump(cfg))
    return path


def _train(tmp: Path, *extra: str, **model: object) -> Path:
    out = tmp / "out"
    cfg = _conv_cfg(tmp / "cfg.yaml", **model)
    assert cli.main([str(cfg), "--data-dir", str(SUBSET), "--out", str(out), "--no-progress-bar", *extra]) == 0
    return out


@pytest.fixture(scope="module")
def conv_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Binarized pixels, -1 padding on every conv, pools after conv2 and conv3 (7x7 -> 3x3 floors)."""
    return _train(tmp_path_factory.mktemp("conv_bin"))


@pytest.fixture(scope="module")
def conv_u8(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Raw uint8 pixels into conv1 (padding 0-valued, pool before its batchnorm), a 3x3 pool later."""
    conv = [{"filters": 8, "padding": 1, "pool": 2}, {"filters": 8, "padding": 1, "pool": 2},
            {"filters": 16, "padding": 2, "pool": 3}]
    return _train(tmp_path_factory.mktemp("conv_u8"), input="uint8", conv=conv)


def test_conv_export_writes_conv_layers(conv_bin: Path) -> None:
    doc = yaml.safe_load((conv_bin / "net.yaml").read_text())
    assert doc["input"] == {"shape": [28, 28, 1], "dtype": "uint8"}
    assert [(lay["name"], lay["op"]) for lay in doc["layers"]] == [
        ("in_bin", "sign"),
        ("conv1", "conv2d"), ("bn_conv1", "batchnorm"), ("act_conv1", "sign"),
        ("conv2", "conv2d"), ("pool2", "maxpool2d"), ("bn_conv2", "batchnorm"), ("act_conv2", "sign"),
        ("conv3", "conv2d"), ("pool3", "maxpool2d"), ("bn_conv3", "batchnorm"), ("act_conv3", "sign"),
        ("flatten", "flatten"),
        ("fc1", "dense"), ("bn1", "batchnorm"), ("act1", "sign"), ("fc2", "dense"), ("bn2", "batchnorm")]
    by = {lay["name"]: lay for lay in doc["layers"]}
    assert by["conv1"] == {"name": "conv1", "op": "conv2d", "filters": 8, "kernel": 3, "padding": 1, "pad_value": -1}
    assert by["conv3"] == {"name": "conv3", "op": "conv2d", "filters": 16, "kernel": 3}
    assert by["pool2"] == {"name": "pool2", "op": "maxpool2d", "kernel": 2, "stride": 2}
    model = load_checkpoint(json.loads((conv_bin / "metrics.json").read_text())["checkpoint"])
    with np.load(conv_bin / "weights.npz") as f:
        assert f["conv2.weight"].shape == (8, 8, 3, 3)  # (filters, C, kh, kw), PyTorch's layout
        assert np.array_equal(f["conv2.weight"], np.where(model.net.conv2.weight.detach().numpy() >= 0, 1.0, -1.0))
        assert f["bn_conv2.mean"].shape == (8,)
        # 28 -> 28 -> 14 -> 12 -> 6: fc1 sees a 6x6x16 map, its columns permuted NCHW -> channel-last.
        w = np.where(model.net.fc1.weight.detach().numpy() >= 0, 1.0, -1.0)
        assert f["fc1.weight"].shape == (32, 576)
        hwc = w.reshape(32, 16, 6, 6).transpose(0, 2, 3, 1).reshape(32, 576)
        assert np.array_equal(f["fc1.weight"], hwc)
        assert not np.array_equal(f["fc1.weight"], w)


def test_conv_u8_export_pads_pixels_with_zero_and_scales_first_batchnorm(conv_u8: Path) -> None:
    doc = yaml.safe_load((conv_u8 / "net.yaml").read_text())
    by = {lay["name"]: lay for lay in doc["layers"]}
    assert doc["layers"][0]["op"] == "conv2d" and by["conv1"]["pad_value"] == 0
    assert by["conv2"]["pad_value"] == -1
    assert by["bn_conv1"]["eps"] == pytest.approx(1e-5 * 255**2)
    assert [lay["op"] for lay in doc["layers"][:3]] == ["conv2d", "maxpool2d", "batchnorm"]


@pytest.mark.parametrize("which", ["conv_bin", "conv_u8"])
def test_conv_round_trip_torch_equals_float_stage_equals_folded(which: str, request: pytest.FixtureRequest) -> None:
    """torch (eval, float64 and float32) = bnnc's float stage = bnnc's folded reference, image by image."""
    out: Path = request.getfixturevalue(which)
    model = load_checkpoint(json.loads((out / "metrics.json").read_text())["checkpoint"])
    d = load_mnist(SUBSET)
    x = np.concatenate([d.x_test, d.x_train[:500]])  # (1000, 784) uint8, channel-last
    net = compiler.load(out / "net.yaml")
    images = x.reshape(len(x), 28, 28, 1)
    # The exported training images size the final scores' fixed point (random pixels do not).
    cal = np.load(out / "calibration.npy")
    assert cal.shape == (512, 28, 28, 1) and cal.dtype == np.uint8
    folded = compiler.fold(net, calibration=cal)
    assert folded.scores.calibration == "user" and folded.scores.disagreements == 0
    p_float = np.asarray(compiler.predict(net, images, stage="float"))
    p_fold = np.asarray(compiler.predict(folded, images, stage="folded"))
    for dtype in (torch.float64, torch.float32):
        want = torch_predict(model, x, dtype)
        assert np.array_equal(torch_predict(model, images, dtype), want)  # flat or (H, W, C): same images
        for got in (p_float, p_fold):
            bad = np.flatnonzero(got != want)
            assert bad.size == 0, f"{bad.size} of {len(x)} differ ({dtype}), e.g. images {bad[:10].tolist()}"
    m = json.loads((out / "metrics.json").read_text())
    assert m["test_acc"] == pytest.approx(float((p_fold[:500] == d.y_test).mean()), abs=1e-6)
    assert m["test_acc"] > 0.5  # two short epochs, far above chance (0.1)


def test_calibration_is_the_nearest_ties(conv_bin: Path) -> None:
    """calibration.npy holds the training images whose two best scores are closest."""
    model = load_checkpoint(json.loads((conv_bin / "metrics.json").read_text())["checkpoint"])
    x = load_mnist(SUBSET).x_train[:300]
    top2 = np.sort(torch_scores(model, x, torch.float32), axis=1)[:, -2:]
    gap = top2[:, 1] - top2[:, 0]
    picked = pick_calibration(model, x, 20)
    assert picked.shape == (20, 784) and picked.dtype == np.uint8
    rows = [int(np.flatnonzero((x == p).all(1))[0]) for p in picked]
    assert sorted(rows) == rows and gap[rows].max() <= np.sort(gap)[19]


def test_conv_training_is_deterministic(conv_bin: Path, tmp_path: Path) -> None:
    again = _train(tmp_path)
    for name in ("weights.npz",):
        with np.load(conv_bin / name) as a, np.load(again / name) as b:
            assert sorted(a) == sorted(b)
            for k in a:
                assert np.array_equal(a[k], b[k]), k


def test_conv_float_twin_trains_a_step_and_is_not_exportable(tmp_path: Path) -> None:
    cfg = validate({"model": {"conv": [{"filters": 4, "padding": 1, "pool": 2}], "hidden": [], "binarized": False}})
    model = BnnClassifier(cfg.to_dict())
    x = torch.from_numpy(load_mnist(SUBSET).x_test[:8].astype(np.float32))
    model(x).sum().backward()
    assert model.net.conv1.weight.grad is not None
    with pytest.raises(ExportError, match=whole(r"layer conv1: Conv2d cannot be exported to net\.yaml \(float twins are not exportable\)")):
        export(model, tmp_path / "net.yaml")


# --------------------------------------------------------------------------- CIFAR-10

def _write_cifar(folder: Path, per_batch: int = 6, seed: int = 0) -> dict[str, tuple[np.ndarray, list[int]]]:
    """CIFAR-10 python batches in the standard format: dicts of b"data" (N, 3072) uint8 CHW and b"labels"."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        with open(folder / name, "wb") as fh:
            pickle.dump({b"batch_label": name.encode(), b"labels": labels, b"data": data,
                         b"filenames": [b"img%d.png" % i for i in range(per_batch)]}, fh, protocol=2)
        made[name] = (data, labels)
    return made


def test_cifar10_loader_reads_python_batches_channel_last(tmp_path: Path) -> None:
    made = _write_cifar(tmp_path / "cifar-10-batches-py")
    d = load_cifar10(tmp_path)  # the parent of cifar-10-batches-py works too
    assert d.shape == (32, 32, 3)
    assert d.x_train.shape == (30, 3072) and d.x_train.dtype == np.uint8 and d.x_test.shape == (6, 3072)
    data, labels = made["data_batch_2"]
    assert d.y_train[6:12].tolist() == labels
    img = d.x_train[6:12].reshape(6, 32, 32, 3)
    # channel-last: pixel (h, w, c) of image n is element c*1024 + h*32 + w of its CHW row.
    for n, h, w, c in [(0, 0, 0, 0), (1, 5, 7, 2), (5, 31, 30, 1)]:
        assert img[n, h, w, c] == data[n, c * 1024 + h * 32 + w]
    assert np.array_equal(d.x_test.reshape(6, 32, 32, 3).transpose(0, 3, 1, 2).reshape(6, -1),
                          made["test_batch"][0])
    dm = MnistDataModule(tmp_path, batch_size=4, val_size=6, seed=0, dataset="cifar10")
    dm.setup()
    assert len(dm.train_set) == 24 and dm.num_features == 3072 and dm.num_classes == 10


def test_cifar10_loader_errors(tmp_path: Path) -> None:
    _write_cifar(tmp_path / "c")
    (tmp_path / "c" / "data_batch_3").unlink()
    with pytest.raises(DataError, match=whole(r"c: needs the CIFAR-10 python batches data_batch_1\.\.5 and "
                                              r"test_batch, missing data_batch_3 \(in cifar-10-python\.tar\.gz from "
                                              r"https://www\.cs\.toronto\.edu/~kriz/cifar\.html, unpacked\)")):
        load_cifar10(tmp_path / "c")
    evil = tmp_path / "evil"
    evil.write_bytes(pickle.dumps(print))  # a batch that names a global other than numpy's array types
    with pytest.raises(DataError, match=whole(r"evil: not a CIFAR-10 python batch \(UnpicklingError: global "
                                              r"builtins\.print is not allowed in a CIFAR-10 batch\)")):
        read_cifar_batch(evil)
    bad = tmp_path / "bad"
    bad.write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(DataError, match=whole(r"bad: b'data' must be uint8 of shape \(N, 3072\), not uint8 \(2, 100\)")):
        read_cifar_batch(bad)


# --------------------------------------------------------------------------- CNV

def test_cnv_config_builds_exports_and_bnnc_loads_it(tmp_path: Path) -> None:
    """examples/cnv: FINN's CNV on 32x32x3; untrained (random) weights and batchnorm statistics."""
    cfg = load_config(CNV)
    assert [b.filters for b in cfg.model.conv] == [64, 64, 128, 128, 256, 256]
    assert cfg.model.hidden == [512, 512] and cfg.train.dataset == "cifar10"
    torch.manual_seed(0)
    model = BnnClassifier(cfg.to_dict(), in_features=3072)
    with torch.no_grad():  # statistics as if trained, so the thresholds are not all zero
        for mod in model.modules():
            if isinstance(mod, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                mod.running_mean.uniform_(-20, 20)
                mod.running_var.uniform_(1, 400)
                mod.weight.uniform_(-1, 1)
                mod.bias.uniform_(-1, 1)
    model.eval()
    yml, _ = export(model, tmp_path / "net.yaml")
    net = compiler.load(yml)
    assert net.input.shape == (32, 32, 3)
    weights = sum(int(np.prod(n.params["weight"].shape)) for n in net.nodes if "weight" in n.params)
    assert weights == 1_542_848  # 1,144,512 conv + 398,336 dense
    doc = yaml.safe_load(yml.read_text())
    assert [lay["op"] for lay in doc["layers"]].count("conv2d") == 6
    x = np.random.default_rng(1).integers(0, 256, size=(6, 32, 32, 3), dtype=np.uint8)
    want = torch_predict(model, x)
    assert np.array_equal(np.asarray(compiler.predict(net, x, stage="float")), want)
    # A small calibration batch: the default one (1,024 random images) costs seconds through CNV.
    folded = compiler.fold(net, calibration=x)
    assert np.array_equal(np.asarray(compiler.predict(folded, x, stage="folded")), want)


def test_cnv_config_trains_on_cifar10_batches(tmp_path: Path) -> None:
    """`bnnc train` of the CNV config on a (tiny) folder of CIFAR-10 python batches trains and exports."""
    _write_cifar(tmp_path / "cifar", per_batch=4)
    raw = yaml.safe_load(CNV.read_text())
    raw["train"].update(val_size=4, batch_size=8, max_epochs=1, threads=1)
    cfg = tmp_path / "cnv.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out"
    assert cli.main([str(cfg), "--data-dir", str(tmp_path / "cifar"), "--out", str(out), "--no-progress-bar"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["test_images"] == 4 and m["config"]["train"]["dataset"] == "cifar10"
    assert compiler.load(out / "net.yaml").input.shape == (32, 32, 3)


def test_cli_cifar10_missing_data_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli.main([str(CNV), "--data-dir", str(tmp_path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert err.endswith("needs the CIFAR-10 python batches data_batch_1..5 and test_batch, missing data_batch_1, "
                        "data_batch_2, data_batch_3, data_batch_4, data_batch_5, test_batch (in cifar-10-python.tar.gz "
                        "from https://www.cs.toronto.edu/~kriz/cifar.html, unpacked)")
