"""``bnnc train CONFIG.yaml``: train a binarized MLP or CNN on MNIST or CIFAR-10 and export it.

Usage::

    bnnc train CONFIG.yaml [--max-epochs N] [--seed S] [--out DIR] [--data-dir D]
                           [--work-dir W] [--accelerator A] [--devices D] [--strategy S]
                           [--trainer KEY=VALUE ...] [--threads T] [--no-progress-bar]
                           [--from-checkpoint CKPT]

Writes to ``--out`` (default ``out/<name>``): ``net.yaml`` + ``weights.npz`` +
``calibration.npy`` (the 512 training images nearest to a tie between two classes, for
``bnnc compile --calibration``; binarized nets only), ``metrics.json`` (validation/test accuracy, epochs, training time, command).
Checkpoints (``checkpoints/best.ckpt``, ``last.ckpt``) and logs
(``logs/csv/<name>/version_N/metrics.csv``, ``logs/tensorboard/<name>/version_N/``)
go to ``--work-dir`` (default: the ``--out`` folder). ``--from-checkpoint`` skips
training: it evaluates and exports the given checkpoint.

Data (``train.dataset`` in the config): ``mnist`` from ``--data-dir``, ``$BNNC_MNIST``
or ``../shared/data/mnist``; ``cifar10`` (the python batches) from ``--data-dir``,
``$BNNC_CIFAR10`` or ``../shared/data/cifar10``.

Errors in the config or the data are one line (``FILE: field X must be Y, not Z``),
exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from compiler.argparsing import Parser, UsageError
from compiler.names import printable

from .config import ConfigError, load_config

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist"
# Training images written as calibration.npy beside an exported net (see compiler.train.export):
# the CALIBRATION_IMAGES nearest ties among the first CALIBRATION_POOL training images.
CALIBRATION_IMAGES = 512
CALIBRATION_POOL = 10000
# Per dataset: the environment variable, then the default folder, consulted when --data-dir is absent.
DATA_DEFAULTS = {
    "mnist": ("BNNC_MNIST", DEFAULT_DATA_DIR),
    "cifar10": ("BNNC_CIFAR10", DEFAULT_DATA_DIR.parent / "cifar10"),
}


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="bnnc train", description="Train a binarized MLP or CNN on MNIST or CIFAR-10 "
                                "and export it to net.yaml + weights.npz.")
    p.add_argument("config", help="training config YAML (see compiler/train/config.py)")
    p.add_argument("--max-epochs", type=int, help="override train.max_epochs")
    p.add_argument("--seed", type=int, help="override train.seed")
    p.add_argument("--out", help="output folder for net.yaml, weights.npz, metrics.json (default out/<name>)")
    p.add_argument("--work-dir", help="folder for checkpoints and logs (default: the --out folder)")
    p.add_argument("--data-dir", help="MNIST idx(.gz) folder, or an npz / folder with one npz "
                   f"(default {DEFAULT_DATA_DIR}, or $BNNC_MNIST); for train.dataset cifar10 the folder "
                   "of the CIFAR-10 python batches (default $BNNC_CIFAR10)")
    p.add_argument("--accelerator", default="cpu", help="Lightning accelerator (default cpu)")
    p.add_argument("--devices", default="auto", help="Lightning devices (default auto)")
    p.add_argument("--strategy", default="auto", help="Lightning strategy (default auto)")
    p.add_argument("--trainer", action="append", default=[], metavar="KEY=VALUE",
                   help="extra pytorch_lightning.Trainer argument (value parsed as YAML); repeatable")
    p.add_argument("--threads", type=int, help="override train.threads (torch.set_num_threads)")
    p.add_argument("--no-progress-bar", action="store_true", help="disable the progress bar")
    p.add_argument("--from-checkpoint", metavar="CKPT", help="skip training; evaluate and export CKPT")
    p.add_argument("--weight-dtype", default="float16", choices=["float16", "float32", "float64"],
                   help="dtype of the exported ±1 weight arrays (default float16)")
    return p


def _trainer_kwargs(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for it in items:
        if "=" not in it:
            raise ConfigError(f"--trainer: field {it} must be KEY=VALUE, not {it!r}")
        k, v = it.split("=", 1)
        out[k.strip()] = yaml.safe_load(v)
    return out


def _devices(v: str) -> Any:
    try:
        return int(v)
    except ValueError:
        return v


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train (or load), test, and export; returns the metrics dict also written to metrics.json."""
    cfg = load_config(args.config)
    if args.max_epochs is not None:
        if args.max_epochs <= 0:
            raise ConfigError(f"--max-epochs: field train.max_epochs must be a positive integer, "
                              f"not {args.max_epochs}")
        cfg.train.max_epochs = args.max_epochs
    if args.seed is not None:
        if args.seed < 0:
            raise ConfigError(f"--seed: field train.seed must be a non-negative integer, not {args.seed}")
        cfg.train.seed = args.seed
    if args.threads is not None:
        cfg.train.threads = args.threads
    extra = _trainer_kwargs(args.trainer)

    # Heavy imports only once the arguments are known to be good.
    import pytorch_lightning as pl
    import torch
    from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint, TQDMProgressBar
    from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger

    import numpy as np

    from .data import DataError, MnistDataModule
    from .export import export, load_checkpoint, pick_calibration
    from .module import BnnClassifier

    if cfg.train.threads > 0:
        torch.set_num_threads(cfg.train.threads)
    out = Path(args.out) if args.out else Path("out") / cfg.name
    work = Path(args.work_dir) if args.work_dir else out
    env, default_dir = DATA_DEFAULTS[cfg.train.dataset]
    data_dir = Path(args.data_dir or os.environ.get(env) or default_dir)

    pl.seed_everything(cfg.train.seed, workers=True, verbose=False)
    dm = MnistDataModule(data_dir, batch_size=cfg.train.batch_size, val_size=cfg.train.val_size,
                         seed=cfg.train.seed, dataset=cfg.train.dataset,
                         augment_shift=cfg.train.augment_shift, augment_flip=cfg.train.augment_flip)
    dm.setup()
    if cfg.model.conv and dm.num_features != int(np.prod(dm.image_shape)):
        raise DataError(f"{data_dir}: images must have {int(np.prod(dm.image_shape))} pixels "
                        f"({'x'.join(map(str, dm.image_shape))}) for a conv net, not {dm.num_features}")
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
        "max_epochs": cfg.train.max_epochs, "accelerator": args.accelerator, "devices": _devices(args.devices),
        "strategy": args.strategy, "deterministic": True, "callbacks": callbacks, "logger": loggers,
        "enable_progress_bar": not args.no_progress_bar, "log_every_n_steps": 50,
    }
    kw.update(extra)
    trainer = pl.Trainer(**kw)

    t0 = time.time()
    if args.from_checkpoint:
        model = load_checkpoint(args.from_checkpoint)
        best_path, epochs, best_val = str(args.from_checkpoint), None, None
        train_s = None
    else:
        model = BnnClassifier(cfg.to_dict(), in_features=dm.num_features, classes=dm.num_classes,
                              in_shape=dm.image_shape)
        trainer.fit(model, datamodule=dm)
        train_s = time.time() - t0
        best_path = ckpt_cb.best_model_path
        epochs = trainer.current_epoch
        best_val = float(ckpt_cb.best_model_score) if ckpt_cb.best_model_score is not None else None
        model = load_checkpoint(best_path) if best_path else model
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
        "command": "bnnc train " + " ".join(shlex.quote(a) for a in args._argv),
        "config": cfg.to_dict(),
    }
    out.mkdir(parents=True, exist_ok=True)
    if cfg.model.binarized:
        # Training images (never test images) to size the final scores' fixed point in bnnc:
        # the nearest ties among the first CALIBRATION_POOL of the training split.
        pool = dm.train_set.x[:CALIBRATION_POOL].numpy().astype(np.uint8)
        cal = pick_calibration(model, pool, CALIBRATION_IMAGES)
        y, n = export(model, out / "net.yaml", weight_dtype=args.weight_dtype, calibration=cal)
        metrics["exported"] = [str(y), str(n), str(out / "calibration.npy")]
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
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
    from .data import DataError
    from .export import ExportError
    try:
        m = run(args)
    except (ConfigError, DataError, ExportError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"bnnc: error: {printable(first)}", file=sys.stderr)
        return 2
    acc = m["test_acc"]
    print(f"{m['name']}: test accuracy {acc * 100:.2f}% on {m['test_images']} images"
          + (f", trained {m['epochs_run']} epochs in {m['train_seconds']} s" if m["train_seconds"] else ""))
    return 0
