"""``bnnc train CONFIG.yaml``: train a binarized MLP or CNN on MNIST or CIFAR-10 and export it.

Usage::

    bnnc train CONFIG.yaml [--max-epochs N] [--seed S] [--out DIR] [--data-dir D]
                           [--work-dir W] [--accelerator A] [--devices D] [--strategy S]
                           [--trainer KEY=VALUE ...] [--threads T] [--no-progress-bar]
                           [--from-checkpoint CKPT] [--resume] [--teacher CKPT] [--max-bytes N]

Writes to ``--out`` (default ``out/<name>``): ``net.yaml`` + ``weights.npz`` +
``calibration.npy`` (the 512 training images nearest to a tie between two classes, for
``bnnc compile --calibration``; binarized nets only), ``metrics.json`` (validation/test accuracy, epochs, training time, command),
and ``train_manifest.json``, which lists them as bnnc's. The folder may hold other files (a
config, a README, sample images): they are left alone. A file of those names that the
folder's ``train_manifest.json`` does not list is the user's, and bnnc refuses to replace it
(one line, exit 2) before training starts; bnnc's own previous files are replaced, each whole,
once everything is written (a stale ``calibration.npy`` is removed).
Checkpoints (``checkpoints/best.ckpt``, ``last.ckpt``), logs
(``logs/csv/<name>/version_N/metrics.csv``, ``logs/tensorboard/<name>/version_N/``) and the
accuracy curve (``accuracy.svg``: training and validation accuracy and the learning rate per epoch)
go to ``--work-dir`` (default: the ``--out`` folder). ``--from-checkpoint`` skips
training: it evaluates and exports the given checkpoint. ``--resume`` continues an interrupted
training from ``--work-dir``'s ``checkpoints/last.ckpt`` (written after every epoch). ``--teacher`` (or ``train.teacher``)
distils from another ``bnnc train`` checkpoint, typically the float twin's, which must take
the same images and score the same classes (see :func:`compiler.train.module.distill_loss`).

Data (``train.dataset`` in the config, ``mnist`` or ``cifar10``): from ``--data-dir``, else
``$BNNC_MNIST`` / ``$BNNC_CIFAR10``, else ``$BNNC_DATA/<dataset>``, else ``./data/<dataset>``
(:func:`data_location`). MNIST is the four idx files (``.gz`` or not) or one ``.npz``; CIFAR-10 the
python batches. bnnc never downloads: a missing folder is one line naming the files needed and
where they are published.

Every file read (the config, the data, a checkpoint) is untrusted: see
:mod:`compiler.train.config`, :mod:`compiler.train.data` and
:func:`compiler.train.export.load_checkpoint`; ``--max-bytes`` bounds each file's
declared data, the images as float32 tensors and the network's training memory.
Errors in the config, the options or the data are one line (``FILE: field X must be Y, not Z``),
exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.argparsing import Parser, UsageError, byte_count, path_arg
from compiler.errors import BnncError, describe
from compiler.frontend import safe_yaml
from compiler.limits import DEFAULT_MAX_BYTES
from compiler.names import printable
from compiler.outdir import atomic_files, check_own_files

from .config import COUNT_MAX, SEED_MAX, THREADS_MAX, ConfigError, check_footprint, load_config

if TYPE_CHECKING:
    from .module import BnnClassifier

# Where the data is when --data-dir is absent: $BNNC_MNIST / $BNNC_CIFAR10 (that data set's folder), then
# $BNNC_DATA/<dataset>, then ./data/<dataset> under the current folder (docs: README "Training").
DATA_ENV = "BNNC_DATA"
DEFAULT_DATA_ROOT = Path("data")
# Training images written as calibration.npy beside an exported net (see compiler.train.export):
# the CALIBRATION_IMAGES nearest ties among the first CALIBRATION_POOL training images.
CALIBRATION_IMAGES = 512
CALIBRATION_POOL = 10000
# Per dataset: the environment variable naming its own folder.
DATA_DEFAULTS = {"mnist": "BNNC_MNIST", "cifar10": "BNNC_CIFAR10"}
# What bnnc train writes into --out, and the marker that lists them as bnnc's (compiler.outdir).
OUT_FILES = ("net.yaml", "weights.npz", "calibration.npy", "metrics.json")
OUT_MARKER = "train_manifest.json"
ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps", "tpu")


def _int_in(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type for a whole number in [lo, hi]."""
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            n = None
        if n is None or not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"must be a whole number in [{lo}, {hi}], not {printable(repr(text))}")
        return n
    return parse


def _devices_arg(text: str) -> int | str:
    """--devices: 'auto', a number of devices, or a comma list of device indices (Lightning's forms)."""
    if text == "auto":
        return text
    if re.fullmatch(r"[0-9]{1,6}", text) and int(text) >= 1:
        return int(text)
    if re.fullmatch(r"[0-9]{1,6}(,[0-9]{1,6})+,?", text):
        return text
    raise argparse.ArgumentTypeError("must be 'auto', a positive number of devices or a comma list of device "
                                     f"indices (0,1), not {printable(repr(text))}")


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="bnnc train", description="Train a binarized MLP or CNN on MNIST or CIFAR-10 "
                                "and export it to net.yaml + weights.npz.")
    p.add_argument("config", type=path_arg, help="training config YAML (see compiler/train/config.py)")
    p.add_argument("--max-epochs", type=_int_in(1, COUNT_MAX), help="override train.max_epochs")
    p.add_argument("--seed", type=_int_in(0, SEED_MAX), help="override train.seed")
    p.add_argument("--out", type=path_arg, help="output folder for net.yaml, weights.npz, metrics.json "
                   "(default out/<name>); files of those names in it must be bnnc's own (train_manifest.json)")
    p.add_argument("--work-dir", type=path_arg, help="folder for checkpoints and logs (default: the --out folder)")
    p.add_argument("--data-dir", type=path_arg, help="MNIST idx(.gz) folder, or an npz / folder with one npz; for "
                   "train.dataset cifar10 the folder of the CIFAR-10 python batches (default $BNNC_MNIST / "
                   "$BNNC_CIFAR10, else $BNNC_DATA/<dataset>, else ./data/<dataset>)")
    p.add_argument("--accelerator", default="cpu", choices=ACCELERATORS, help="Lightning accelerator (default cpu)")
    p.add_argument("--devices", default="auto", type=_devices_arg, help="Lightning devices (default auto)")
    p.add_argument("--strategy", default="auto", help="Lightning strategy (default auto)")
    p.add_argument("--trainer", action="append", default=[], metavar="KEY=VALUE",
                   help="extra pytorch_lightning.Trainer argument (value parsed as YAML); repeatable; keys: "
                   + ", ".join(sorted(TRAINER_KEYS)))
    p.add_argument("--threads", type=_int_in(0, THREADS_MAX), help="override train.threads (torch.set_num_threads)")
    p.add_argument("--no-progress-bar", action="store_true", help="disable the progress bar")
    p.add_argument("--from-checkpoint", type=path_arg, metavar="CKPT",
                   help="skip training; evaluate and export CKPT")
    p.add_argument("--resume", action="store_true",
                   help="continue the training whose checkpoints/last.ckpt is in --work-dir (epoch, optimizer, "
                        "schedule, best checkpoint), up to train.max_epochs")
    p.add_argument("--teacher", type=path_arg, metavar="CKPT",
                   help="override train.teacher: distil from this bnnc train checkpoint (e.g. the float twin's)")
    p.add_argument("--init-from", type=path_arg, metavar="CKPT",
                   help="override train.init_from: start the weights and batchnorms from this bnnc train checkpoint "
                        "(e.g. the float twin's; same layer names and shapes)")
    p.add_argument("--weight-dtype", default="float16", choices=["float16", "float32", "float64"],
                   help="dtype of the exported ±1 weight arrays (default float16; few-bit codes are int8)")
    p.add_argument("--max-bytes", type=byte_count, default=DEFAULT_MAX_BYTES, metavar="N",
                   help="refuse a data file or checkpoint declaring more than N bytes, images needing more as "
                        f"float32, or a network needing more to train (default {DEFAULT_MAX_BYTES})")
    return p


def _is_count(v: Any, lo: int = 1) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= COUNT_MAX


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf")


def _fraction_or_count(v: Any) -> bool:
    return (_is_number(v) and isinstance(v, float) and 0 < v <= 1) or _is_count(v)


# The Trainer arguments --trainer may set (the others are bnnc's own or have their own option), each with
# what its value must be: (description, check). A value Lightning would only refuse deep inside is refused here.
TRAINER_KEYS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "accumulate_grad_batches": ("a positive integer", _is_count),
    "benchmark": ("true or false", lambda v: isinstance(v, bool)),
    "check_val_every_n_epoch": ("a positive integer", _is_count),
    "detect_anomaly": ("true or false", lambda v: isinstance(v, bool)),
    "enable_model_summary": ("true or false", lambda v: isinstance(v, bool)),
    "fast_dev_run": ("true, false or a positive integer", lambda v: isinstance(v, bool) or _is_count(v)),
    "gradient_clip_algorithm": ("'norm' or 'value'", lambda v: v in ("norm", "value")),
    "gradient_clip_val": ("a non-negative number", lambda v: _is_number(v) and v >= 0),
    "inference_mode": ("true or false", lambda v: isinstance(v, bool)),
    "limit_test_batches": ("a fraction in (0, 1] or a positive integer", _fraction_or_count),
    "limit_train_batches": ("a fraction in (0, 1] or a positive integer", _fraction_or_count),
    "limit_val_batches": ("a fraction in (0, 1] or a positive integer", _fraction_or_count),
    "log_every_n_steps": ("a positive integer", _is_count),
    "max_steps": ("-1 (no limit) or a positive integer", lambda v: v == -1 or _is_count(v)),
    "max_time": ("a duration DD:HH:MM:SS", lambda v: isinstance(v, str) and bool(
        re.fullmatch(r"[0-9]{1,4}:[0-9]{2}:[0-9]{2}:[0-9]{2}", v))),
    "min_epochs": ("a non-negative integer", lambda v: _is_count(v, 0)),
    "min_steps": ("a non-negative integer", lambda v: _is_count(v, 0)),
    "num_sanity_val_steps": ("-1 (all) or a non-negative integer", lambda v: v == -1 or _is_count(v, 0)),
    "overfit_batches": ("a fraction in (0, 1] or a positive integer", _fraction_or_count),
    "precision": ("one of 32, 64, '32-true', '64-true', '16-mixed', 'bf16-mixed', '16-true', 'bf16-true'",
                  lambda v: not isinstance(v, bool) and v in (32, 64, "32", "64", "32-true", "64-true", "16-mixed",
                                                              "bf16-mixed", "16-true", "bf16-true")),
    "val_check_interval": ("a fraction in (0, 1] or a positive integer", _fraction_or_count),
}


def _trainer_kwargs(items: list[str]) -> dict[str, Any]:
    """``--trainer KEY=VALUE`` items as Trainer arguments, each key and value checked (one line naming it)."""
    out: dict[str, Any] = {}
    for it in items:
        if "=" not in it:
            raise ConfigError(f"field --trainer: --trainer must be KEY=VALUE, not {printable(describe(it))}")
        k, v = it.split("=", 1)
        k = k.strip()
        if k not in TRAINER_KEYS:
            raise ConfigError(f"field --trainer: --trainer KEY must be one of {', '.join(sorted(TRAINER_KEYS))}, "
                              f"not {printable(describe(k))}")
        try:
            value = safe_yaml.load(v)
        except Exception:  # noqa: BLE001 - any YAML failure of one value is the user's typo
            value = v
        must, ok = TRAINER_KEYS[k]
        if not ok(value):
            raise ConfigError(f"field --trainer: --trainer {k} must be {must}, not {printable(describe(value))}")
        out[k] = value
    return out


def data_location(dataset: str, given: str | Path | None) -> tuple[Path, str]:
    """The data folder (or .npz) of ``dataset`` and what chose it: --data-dir, an environment variable, the default."""
    if given:
        return Path(given), "--data-dir"
    env = DATA_DEFAULTS[dataset]
    if os.environ.get(env):
        return Path(os.environ[env]), f"${env}"
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]) / dataset, f"${DATA_ENV}/{dataset}"
    return DEFAULT_DATA_ROOT / dataset, f"the default ./{DEFAULT_DATA_ROOT / dataset}"


def _inputs(args: argparse.Namespace, data_dir: Path) -> list[Path]:
    """The files this command reads, which its output must never replace."""
    found = [Path(args.config), data_dir]
    if args.from_checkpoint:
        found.append(Path(args.from_checkpoint))
    for key in ("teacher_path", "init_path"):
        if getattr(args, key, None):
            found.append(Path(getattr(args, key)))
    return found


def _init_weights(model: BnnClassifier, source: BnnClassifier, where: str) -> None:
    """Start ``model`` from ``source`` (``--init-from``): every matrix layer's weights must match by name and shape."""
    from .module import init_from_float

    copied = set(init_from_float(model.net, source.net))
    want = [n for n, p in model.net.named_parameters() if n.endswith(".weight") and p.dim() >= 2]
    missing = [n.removesuffix(".weight") for n in want if n not in copied]
    if missing:
        theirs = {n.removesuffix(".weight"): tuple(p.shape) for n, p in source.net.named_parameters()
                  if n.endswith(".weight") and p.dim() >= 2}
        name = missing[0]
        got = "x".join(map(str, theirs[name])) if name in theirs else "no such layer"
        mine = "x".join(map(str, dict(model.net.named_parameters())[f"{name}.weight"].shape))
        raise ConfigError(f"{where}: the init checkpoint's layer {name} must have the config's weight shape "
                          f"{mine}, not {got}")


def _lightning_refused(args: argparse.Namespace, extra: dict[str, Any], e: BaseException) -> ConfigError:
    """One line for trainer options Lightning refuses on this machine, naming the options the user set."""
    given = [o for o, v, d in (("--accelerator", args.accelerator, "cpu"), ("--devices", args.devices, "auto"),
                               ("--strategy", args.strategy, "auto")) if v != d]
    given += ["--trainer"] if extra else []
    where = ", ".join(given) or "--accelerator, --devices, --strategy"
    why = " ".join(str(e).split())[:200] or type(e).__name__
    return ConfigError(f"field {where}: the trainer options must be ones Lightning can run here, not refused "
                       f"({printable(why)})")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train (or load), test, and export; returns the metrics dict also written to metrics.json."""
    cfg = load_config(args.config)
    # The options were checked by their argparse types (a bad one is named as the option).
    if args.max_epochs is not None:
        cfg.train.max_epochs = args.max_epochs
    if args.seed is not None:
        cfg.train.seed = args.seed
    if args.threads is not None:
        cfg.train.threads = args.threads
    if args.teacher is not None:
        cfg.train.teacher = str(args.teacher)
    if args.init_from is not None:
        cfg.train.init_from = str(args.init_from)
    # A relative teacher or init path is relative to the current folder, as --data-dir is.
    args.teacher_path = cfg.train.teacher or None
    args.init_path = cfg.train.init_from or None
    extra = _trainer_kwargs(args.trainer)
    out = Path(args.out) if args.out else Path("out") / cfg.name
    work = Path(args.work_dir) if args.work_dir else out
    data_dir, data_how = data_location(cfg.train.dataset, args.data_dir)
    # Before hours of training: --out must not hold files of the user's where bnnc writes.
    check_own_files(out, OUT_FILES, OUT_MARKER, field="--out", inputs=_inputs(args, data_dir))
    if work.exists() and not work.is_dir():
        raise ConfigError(f"field --work-dir: --work-dir must be a folder, not an existing file "
                          f"{printable(repr(str(work)))}")

    # Heavy imports only once the arguments are known to be good.
    import pytorch_lightning as pl
    import torch
    from lightning_fabric.utilities.exceptions import MisconfigurationException
    from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint, TQDMProgressBar
    from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger
    from pytorch_lightning.strategies import StrategyRegistry

    import numpy as np

    from .data import DataError, MnistDataModule, data_needs
    from .export import check_exportable, export, load_checkpoint, pick_calibration
    from .module import BnnClassifier

    if not (data_dir.exists() or data_dir.is_symlink()):
        raise DataError(f"{data_dir}: the {cfg.train.dataset} data must be an existing folder ({data_how}), not "
                        f"missing; it needs {data_needs(cfg.train.dataset)}: put them there, or name their folder "
                        f"with --data-dir, ${DATA_DEFAULTS[cfg.train.dataset]} or ${DATA_ENV} (which holds "
                        f"<dataset>/ folders)")
    strategies = sorted({"auto", *StrategyRegistry.available_strategies()})
    if args.strategy not in strategies:
        # Lightning registers each strategy in several variants (ddp_find_unused_parameters_true, ...): name the bases.
        bases = [s for s in strategies if s != "auto" and "_find_unused" not in s and "_stage_" not in s]
        raise ConfigError(f"field --strategy: --strategy must be 'auto' or one of the {len(strategies) - 1} "
                          f"strategies Lightning registers ({', '.join(bases)} and their variants), "
                          f"not {printable(describe(args.strategy))}")
    loaded = load_checkpoint(args.from_checkpoint, args.max_bytes) if args.from_checkpoint else None
    resume_from = None
    if args.resume:
        if loaded is not None:
            raise ConfigError("field --resume: --resume must not go with --from-checkpoint (it trains), not both")
        resume_from = work / "checkpoints" / "last.ckpt"
        if not resume_from.is_file():
            raise ConfigError(f"field --resume: --work-dir must hold the interrupted training's "
                              f"checkpoints/last.ckpt, not lack {printable(repr(str(resume_from)))}")
        # the file is read as untrusted as any checkpoint (size, safe unpickling) before Lightning restores it
        prev = load_checkpoint(resume_from, max(args.max_bytes, resume_from.stat().st_size))
        if prev.cfg.to_dict()["model"] != cfg.to_dict()["model"]:
            raise ConfigError(f"field --resume: the checkpoint's model must be the config's, not a different one "
                              f"({printable(str(resume_from))})")
    if cfg.train.threads > 0:
        torch.set_num_threads(cfg.train.threads)

    pl.seed_everything(cfg.train.seed, workers=True, verbose=False)
    dm = MnistDataModule(data_dir, batch_size=cfg.train.batch_size, val_size=cfg.train.val_size,
                         seed=cfg.train.seed, dataset=cfg.train.dataset,
                         augment_shift=cfg.train.augment_shift, augment_flip=cfg.train.augment_flip,
                         max_bytes=args.max_bytes)
    dm.setup()
    if cfg.model.conv and dm.num_features != int(np.prod(dm.image_shape)):
        raise DataError(f"{data_dir}: images must have {int(np.prod(dm.image_shape))} pixels "
                        f"({'x'.join(map(str, dm.image_shape))}) for a conv net, not {dm.num_features}")
    if loaded is None:
        check_footprint(cfg, dm.num_features, dm.num_classes, dm.image_shape, args.max_bytes, str(args.config))
    else:  # a network made for other images or fewer classes would fail deep inside torch
        ck = printable(str(args.from_checkpoint))
        if loaded.in_features != dm.num_features or (loaded.cfg.model.conv and loaded.in_shape != dm.image_shape):
            shape = "x".join(map(str, loaded.in_shape)) if loaded.cfg.model.conv else str(loaded.in_features)
            raise ConfigError(f"{ck}: the checkpoint's network must take the data's images "
                              f"({'x'.join(map(str, dm.image_shape))}, {dm.num_features} values), not {shape}")
        if loaded.classes < dm.num_classes:
            raise ConfigError(f"{ck}: the checkpoint's network must score the data's {dm.num_classes} classes, "
                              f"not {loaded.classes}")
    teacher = None
    if args.teacher_path and loaded is None:
        tk = printable(str(args.teacher_path))
        teacher = load_checkpoint(args.teacher_path, args.max_bytes)
        if teacher.in_features != dm.num_features or (teacher.cfg.model.conv and teacher.in_shape != dm.image_shape):
            shape = "x".join(map(str, teacher.in_shape)) if teacher.cfg.model.conv else str(teacher.in_features)
            raise ConfigError(f"{tk}: the teacher's network must take the data's images "
                              f"({'x'.join(map(str, dm.image_shape))}, {dm.num_features} values), not {shape}")
        if teacher.classes != dm.num_classes:
            raise ConfigError(f"{tk}: the teacher's network must score the data's {dm.num_classes} classes, "
                              f"not {teacher.classes}")
    init_src = None
    if args.init_path and loaded is None and resume_from is None:
        init_src = load_checkpoint(args.init_path, args.max_bytes)
    ckpt_cb = ModelCheckpoint(dirpath=work / "checkpoints", filename="best", monitor="val_acc", mode="max",
                              save_top_k=1, save_last=True)
    callbacks: list[Any] = [ckpt_cb]
    if cfg.train.early_stopping_patience > 0:
        callbacks.append(EarlyStopping(monitor="val_acc", mode="max", patience=cfg.train.early_stopping_patience))
    if not args.no_progress_bar:
        callbacks.append(TQDMProgressBar(refresh_rate=20))
    loggers = [CSVLogger(str(work / "logs" / "csv"), name=cfg.name),
               TensorBoardLogger(str(work / "logs" / "tensorboard"), name=cfg.name)]
    kw: dict[str, Any] = {
        "max_epochs": cfg.train.max_epochs, "accelerator": args.accelerator, "devices": args.devices,
        "strategy": args.strategy, "deterministic": True, "callbacks": callbacks, "logger": loggers,
        "enable_progress_bar": not args.no_progress_bar, "log_every_n_steps": 50,
    }
    kw.update(extra)
    try:
        trainer = pl.Trainer(**kw)
    except (MisconfigurationException, ValueError, TypeError, RuntimeError) as e:
        raise _lightning_refused(args, extra, e) from None

    t0 = time.time()
    if loaded is not None:
        model = loaded
        best_path, epochs, best_val = str(args.from_checkpoint), None, None
        train_s = None
    else:
        model = BnnClassifier(cfg.to_dict(), in_features=dm.num_features, classes=dm.num_classes,
                              in_shape=dm.image_shape)
        if cfg.model.binarized:  # an architecture bnnc refuses is refused now, not after training
            check_exportable(model, str(args.config))
        if init_src is not None:
            _init_weights(model, init_src, printable(str(args.init_path)))
        model.set_teacher(teacher)
        trainer.fit(model, datamodule=dm, ckpt_path=str(resume_from) if resume_from else None)
        train_s = time.time() - t0
        from .curve import write_curve

        curve = write_curve(work, cfg.name)
        best_path = ckpt_cb.best_model_path
        epochs = trainer.current_epoch
        best_val = float(ckpt_cb.best_model_score) if ckpt_cb.best_model_score is not None else None
        model = load_checkpoint(best_path, max(args.max_bytes, Path(best_path).stat().st_size)) \
            if best_path else model
    res = trainer.test(model, datamodule=dm, verbose=False)
    test_acc = float(res[0]["test_acc"]) if res else None

    metrics: dict[str, Any] = {
        "name": cfg.name,
        "binarized": cfg.model.binarized,
        "test_acc": test_acc,
        "test_images": len(dm.test_set),
        "best_val_acc": best_val,
        "epochs_run": epochs,
        "train_seconds": None if train_s is None else round(train_s, 1),
        "checkpoint": best_path,
        "data": str(data_dir),
        "torch_threads": torch.get_num_threads(),
        "teacher": None if teacher is None else str(args.teacher_path),
        "init_from": None if init_src is None else str(args.init_path),
        "curve": None if loaded is not None else str(curve),
        "command": "bnnc train " + " ".join(shlex.quote(a) for a in args._argv),
        "config": cfg.to_dict(),
    }
    # Everything is written to a staging folder first; only then does it replace bnnc's previous files.
    with atomic_files(out, OUT_FILES, OUT_MARKER, field="--out", inputs=_inputs(args, data_dir)) as stage:
        if model.cfg.model.binarized:
            # Training images (never test images) to size the final scores' fixed point in bnnc:
            # the nearest ties among the first CALIBRATION_POOL of the training split.
            pool = dm.train_set.x[:CALIBRATION_POOL].numpy().astype(np.uint8)
            cal = pick_calibration(model, pool, CALIBRATION_IMAGES)
            export(model, stage / "net.yaml", weight_dtype=args.weight_dtype, calibration=cal)
            metrics["exported"] = [str(out / n) for n in ("net.yaml", "weights.npz", "calibration.npy")]
        (stage / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bnnc train``; returns the exit code (2 on a bad config or data)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
    except UsageError as e:
        print(f"bnnc: error: {printable(str(e))}", file=sys.stderr)
        return 2
    args._argv = argv
    try:
        m = run(args)
    except BnncError as e:  # the config's, the data's, the options', the checkpoint's and --out's errors
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"bnnc: error: {printable(first)}", file=sys.stderr)
        return 2
    acc = m["test_acc"]
    print(f"{m['name']}: test accuracy {acc * 100:.2f}% on {m['test_images']} images"
          + (f", trained {m['epochs_run']} epochs in {m['train_seconds']} s" if m["train_seconds"] else ""))
    return 0
