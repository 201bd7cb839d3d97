"""Accuracy of the shipped trained examples on the full MNIST test set (10,000 images).

    python bench/train_accuracy.py [--data-dir ../shared/data/mnist] [--examples examples]
                                   [--write FILE]

For every ``examples/*/`` folder holding ``net.yaml`` and ``metrics.json`` (written
by ``bnnc train``), it runs the exported network through the compiler's numpy
reference -- the float stage (float64, as imported) and the folded integer stage
(what the hardware computes; folded with the example's ``calibration.npy`` of
training images where it ships one) -- and prints a Markdown table next to the torch
accuracy recorded at training time and the float twin's accuracy
(``float_twin_metrics.json``, the metrics.json of the twin's training run).
Nothing is hard-coded: every number is measured here or read from those files.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import compiler  # noqa: E402  (after the sys.path set-up)
from compiler.train.data import load_mnist  # noqa: E402  (after the sys.path set-up)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.2f}"


def arch(model_cfg: dict[str, Any], input_shape: tuple[int, ...]) -> str:
    """The layer widths: ``784-256-256-10`` for an MLP, ``28x28x1 conv 32-32-pool-64-pool, dense 256-10``."""
    if not model_cfg.get("conv"):
        return "-".join(str(v) for v in [int(np.prod(input_shape)), *model_cfg["hidden"], 10])
    convs = []
    for b in model_cfg["conv"]:
        convs.append(str(b["filters"]) + ("" if b.get("kernel", 3) == 3 else f"({b['kernel']}x{b['kernel']})"))
        if b.get("pool"):
            convs.append("pool" if b["pool"] == 2 else f"pool{b['pool']}")
    return (f"{'x'.join(map(str, input_shape))} conv3x3 {'-'.join(convs)}, dense "
            + "-".join(str(v) for v in [*model_cfg["hidden"], 10]))


def evaluate(example: Path, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Measure one example folder; returns a row of figures."""
    m = json.loads((example / "metrics.json").read_text())
    twin_p = example / "float_twin_metrics.json"
    twin = json.loads(twin_p.read_text()) if twin_p.exists() else None
    net = compiler.load(example / "net.yaml")
    images = x.reshape(len(x), *net.input.shape)  # (N, 784) rows, or (N, H, W, C) images for conv nets
    cal_p = example / "calibration.npy"
    calibration = np.load(cal_p) if cal_p.exists() else None
    t0 = time.time()
    p_float = np.asarray(compiler.predict(net, images, stage="float"))
    folded = compiler.fold(net, calibration=calibration)
    p_fold = np.asarray(compiler.predict(folded, images, stage="folded"))
    dt = time.time() - t0
    cfg = m["config"]
    torch_disagree: str = "no checkpoint"
    ckpt = Path(m.get("checkpoint") or "")
    if ckpt.is_file():
        import torch

        from compiler.train.export import load_checkpoint, torch_predict

        model = load_checkpoint(ckpt)
        d64 = int((torch_predict(model, x, torch.float64) != p_fold).sum())
        d32 = int((torch_predict(model, x, torch.float32) != p_fold).sum())
        torch_disagree = f"{d64} (float64 torch), {d32} (float32 torch)"
    row = {
        "example": example.name,
        "arch": arch(cfg["model"], tuple(net.input.shape)),
        "weights": sum(int(np.prod(n.params["weight"].shape)) for n in net.nodes if "weight" in n.params),
        "input": cfg["model"]["input"],
        "acc_folded": float((p_fold == y).mean()),
        "acc_float": float((p_float == y).mean()),
        "float_vs_folded_disagree": int((p_float != p_fold).sum()),
        "torch_vs_folded_disagree": torch_disagree,
        "acc_torch": m.get("test_acc"),
        "acc_twin": None if twin is None else twin.get("test_acc"),
        "epochs": m.get("epochs_run"),
        "train_s": m.get("train_seconds"),
        "twin_train_s": None if twin is None else twin.get("train_seconds"),
        "command": m.get("command"),
        "twin_command": None if twin is None else twin.get("command"),
        "eval_s": round(dt, 1),
        "n": len(y),
    }
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of the measured rows."""
    head = ("| example | layers | weights | input | BNN folded (bnnc reference) | BNN float stage | BNN torch | "
            "float twin (torch) | gap (points) | epochs | BNN train time | twin train time |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        gap = None if r["acc_twin"] is None else 100 * (r["acc_twin"] - r["acc_folded"])
        lines.append(
            f"| {r['example']} | {r['arch']} | {r['weights']:,} | {r['input']} | {_pct(r['acc_folded'])} | "
            f"{_pct(r['acc_float'])} | "
            f"{_pct(r['acc_torch'])} | {_pct(r['acc_twin'])} | {'—' if gap is None else f'{gap:.2f}'} | "
            f"{r['epochs']} | {_mins(r['train_s'])} | {_mins(r['twin_train_s'])} |")
    return "\n".join(lines)


def _mins(s: float | None) -> str:
    return "—" if s is None else f"{s / 60:.1f} min"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    ap.add_argument("--examples", default=str(ROOT / "examples"))
    ap.add_argument("--write", help="also write the Markdown section to this file")
    ap.add_argument("--only", default="", help="only these examples, e.g. lfc_w1a2,conv_mnist_w2a2 (default: all)")
    a = ap.parse_args(argv)
    only = {v for v in a.only.split(",") if v}
    d = load_mnist(a.data_dir)
    x, y = d.x_test, d.y_test
    rows = [evaluate(p.parent, x, y) for p in sorted(Path(a.examples).glob("*/net.yaml"))
            if (p.parent / "metrics.json").exists() and (not only or p.parent.name in only)]
    out = [
        "## Trained examples: accuracy on the full MNIST test set",
        "",
        (f"Measured by `python bench/train_accuracy.py` on the {len(y):,} MNIST test images "
        "(`../shared/data/mnist`). *BNN folded* runs the exported `net.yaml` through bnnc's "
        "integer reference (what the hardware computes); *BNN float stage* is the same net "
        "evaluated in float64 as imported; *BNN torch* is the PyTorch model at export time; "
        "the *float twin* has the same architecture, input and optimiser with float weights "
        "and ReLU. Examples that ship a `calibration.npy` (training images) are folded with it "
        "(`compiler.fold(net, calibration=...)`, `bnnc compile --calibration`): it sizes the "
        "fixed point of the final scores. Training ran on a shared 2-core CPU (1 torch thread "
        "per run, runs overlapping), so the times are indicative only."),
        "",
        table(rows),
        "",
        ("Predictions that differ, of the 10,000 (folded reference vs float stage; folded reference "
        "vs the torch checkpoint in eval mode, when the checkpoint is present):"),
        "",
        *[f"- {r['example']}: {r['float_vs_folded_disagree']} vs float stage; "
          f"{r['torch_vs_folded_disagree']} vs torch" for r in rows],
        "",
        "Reproduce (training is seeded and deterministic on the same machine/torch build):",
        "",
        "```sh",
    ]
    for r in rows:
        out.append(r["command"])
        if r["twin_command"]:
            out.append(r["twin_command"])
            words = shlex.split(r["twin_command"])
            if "--out" in words:
                twin_out = words[words.index("--out") + 1]
                out.append(f"cp {twin_out}/metrics.json examples/{r['example']}/float_twin_metrics.json")
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    out += ["python bench/train_accuracy.py   # prints this section", "```", "", provenance("torch"), ""]
    text = "\n".join(out)
    print(text)
    if a.write:
        Path(a.write).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
