"""Ablation of `bnnc train`'s recipe (issue 27): each part switched off on its own, one run each.

    python bench/train_ablation.py --config examples/mnist_up5k/train.yaml \
        --float-config examples/mnist_up5k/train_float.yaml --data-dir ../shared/data/mnist \
        [--work out/ablation/mnist_up5k] [--epochs N] [--only full,no_kd,...] [--write FILE]

``--config`` is a training config; the full recipe is it with ``FULL`` set (a 1-epoch warm-up, shifts
of up to 2 pixels, the learnable scale before the sign, clipping), the float twin's best checkpoint as
teacher and starting point (``--float-config`` trains the twin first, once). Each variant is the full
recipe with one part switched off (``VARIANTS``); ``before`` is the recipe bnnc used before issue 27
(Adam, cosine decay, clipping; no warm-up, shifts, scale, teacher or float start), and each
``before+X`` that recipe with one part switched on. Every run trains with
the same seed, epochs and validation split (carved from the training set), so the rows differ in their
switch alone; the checkpoint of best validation accuracy is exported and its test accuracy is read from
the run's ``metrics.json``. A run whose ``metrics.json`` exists is not trained again (the script can be
stopped and started). One seed per row: differences of ~0.1 point are within seed noise (MNIST's
5,000 validation images resolve 0.02 points, and the test set's 10,000 images 0.01).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]

# The full recipe, over the config's own fields.
FULL: dict[str, dict[str, Any]] = {"model": {"bn_scale": True},
                                   "train": {"warmup_epochs": 1, "augment_shift": 2, "latent_clip": 1.0}}
# name -> (what is switched off, overrides of the full recipe's model / train sections, use the teacher,
# start from the float twin)
VARIANTS: dict[str, tuple[str, dict[str, dict[str, Any]], bool, bool]] = {
    "full": ("nothing: the whole recipe", {}, True, True),
    "no_kd": ("knowledge distillation from the float twin", {}, False, True),
    "no_init": ("the start from the float twin's weights", {}, True, False),
    "no_shift": ("random shifts of up to 2 pixels", {"train": {"augment_shift": 0}}, True, True),
    "no_warmup": ("the 1-epoch LR warm-up", {"train": {"warmup_epochs": 0}}, True, True),
    "no_bn_scale": ("the learnable per-channel scale before the sign", {"model": {"bn_scale": False}}, True, True),
    "no_clip": ("latent-weight clipping to [-1, 1]", {"train": {"latent_clip": 0.0}}, True, True),
    "bn_momentum_0.01": ("batchnorm momentum 0.1 (0.01 instead)", {"model": {"bn_momentum": 0.01}}, True, True),
    "before": ("all of it: the recipe before issue 27",
               {"model": {"bn_scale": False}, "train": {"augment_shift": 0, "warmup_epochs": 0}}, False, False),
}
# The other direction: the recipe before issue 27 with one part switched on (name -> what is on, ...).
_BEFORE = VARIANTS["before"][1]
VARIANTS.update({
    "before+kd": ("on alone: distillation", _BEFORE, True, False),
    "before+init": ("on alone: the float twin's start", _BEFORE, False, True),
    "before+shift": ("on alone: shifts", {"model": {"bn_scale": False}, "train": {"warmup_epochs": 0}}, False, False),
    "before+warmup": ("on alone: the warm-up", {"model": {"bn_scale": False}, "train": {"augment_shift": 0}},
                      False, False),
    "before+bn_scale": ("on alone: the scale before the sign", {"train": {"augment_shift": 0, "warmup_epochs": 0}},
                        False, False),
})


def _merge(doc: dict[str, Any], over: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out = json.loads(json.dumps(doc))
    for section, kv in over.items():
        out.setdefault(section, {}).update(kv)
    return out


def _train(cfg: dict[str, Any], run: Path, data: str, epochs: int | None, extra: list[str]) -> dict[str, Any]:
    """Train one config into ``run`` (skipped when its metrics.json exists); its metrics."""
    metrics = run / "export" / "metrics.json"
    if not metrics.is_file():
        run.mkdir(parents=True, exist_ok=True)
        (run / "train.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
        cmd = [str(ROOT / ".venv" / "bin" / "bnnc") if (ROOT / ".venv" / "bin" / "bnnc").exists() else "bnnc",
               "train", str(run / "train.yaml"), "--out", str(run / "export"), "--work-dir", str(run),
               "--data-dir", data, "--no-progress-bar", *extra]
        if epochs is not None:
            cmd += ["--max-epochs", str(epochs)]
        t0 = time.time()
        with open(run / "train.log", "w") as log:
            rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=os.environ).returncode
        if rc != 0:
            raise SystemExit(f"{run}: bnnc train exited {rc} (see {run / 'train.log'})")
        print(f"{run.name}: {time.time() - t0:.0f} s", flush=True)
    return json.loads(metrics.read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="the full recipe's training config")
    ap.add_argument("--float-config", required=True, help="its float twin's config (teacher and start)")
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--work", default=None, help="default out/ablation/<config name>")
    ap.add_argument("--epochs", type=int, default=None, help="override max_epochs of every run")
    ap.add_argument("--only", default=None, help="comma-separated variants (default all)")
    ap.add_argument("--write", default=None, help="also write the Markdown table here")
    a = ap.parse_args(argv)
    base = yaml.safe_load(Path(a.config).read_text())
    work = Path(a.work or f"out/ablation/{base['name']}")
    names = list(VARIANTS) if a.only is None else a.only.split(",")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"--only: variant must be one of {', '.join(VARIANTS)}, not {unknown[0]}")
    twin_cfg = yaml.safe_load(Path(a.float_config).read_text())
    twin = _train(twin_cfg, work / "float_twin", a.data_dir, a.epochs, [])
    ckpt = str(work / "float_twin" / "checkpoints" / "best.ckpt")
    rows: list[dict[str, Any]] = []
    for name in names:
        off, over, kd, init = VARIANTS[name]
        extra = (["--teacher", ckpt] if kd else []) + (["--init-from", ckpt] if init else [])
        m = _train(_merge(_merge(base, FULL), over), work / name, a.data_dir, a.epochs, extra)
        rows.append({"variant": name, "off": off, "best_val_acc": m["best_val_acc"], "test_acc": m["test_acc"],
                     "epochs": m["epochs_run"], "train_seconds": m["train_seconds"]})
    (work / "results.json").write_text(json.dumps({"float_twin": twin["test_acc"], "rows": rows}, indent=1))
    lines = [f"Float twin: {100 * twin['test_acc']:.2f} % test (best validation {100 * twin['best_val_acc']:.2f} %).",
             "", "| variant | switched | best validation | test | Δ test (off: vs full; on: vs before) | epochs | train time |",
             "|---|---|---|---|---|---|---|"]
    full = next((r["test_acc"] for r in rows if r["variant"] == "full"), None)
    before = next((r["test_acc"] for r in rows if r["variant"] == "before"), None)
    for r in rows:
        # a part switched off is compared with the whole recipe, a part switched on with the recipe before
        ref = before if r["variant"].startswith("before+") else full
        d = "—" if ref is None or r["variant"] in ("full", "before") else f"{100 * (r['test_acc'] - ref):+.2f}"
        lines.append(f"| {r['variant']} | {r['off']} | {100 * r['best_val_acc']:.2f} % | {100 * r['test_acc']:.2f} % "
                     f"| {d} | {r['epochs']} | {r['train_seconds'] / 60:.1f} min |")
    text = "\n".join(lines)
    print(text)
    if a.write:
        Path(a.write).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
