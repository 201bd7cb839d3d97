"""The accuracy curve of a training run as one self-contained SVG (no plotting library, no fonts from elsewhere).

Drawn from Lightning's CSV log (``logs/csv/<name>/version_N/metrics.csv``): the training and
validation accuracy per epoch, and the learning rate on a second (log) axis. Written beside
the logs by ``bnnc train`` after every run (``accuracy.svg`` in ``--work-dir``).
"""

from __future__ import annotations

import csv
import math
from html import escape
from pathlib import Path

W, H = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 28, 40


def read_epochs(paths: list[Path]) -> dict[int, dict[str, float]]:
    """Per epoch: train_acc, val_acc, lr (whichever the CSV logs hold), later files (a resumed run) winning."""
    out: dict[int, dict[str, float]] = {}
    for p in paths:
        with open(p, newline="") as fh:
            for row in csv.DictReader(fh):
                try:
                    epoch = int(float(row.get("epoch") or "nan"))
                except ValueError:
                    continue
                for key in ("train_acc", "val_acc", "lr"):
                    v = row.get(key)
                    if v:
                        out.setdefault(epoch, {})[key] = float(v)
    return out


def svg(epochs: dict[int, dict[str, float]], title: str) -> str:
    """The curve as SVG text (an empty plot with a note where no epoch was logged)."""
    xs = sorted(epochs)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
             'font-family="sans-serif" font-size="11">',
             f'<rect width="{W}" height="{H}" fill="white"/>',
             f'<text x="{LEFT}" y="16" font-size="13">{escape(title)}</text>',
             f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>']
    if not xs:
        parts.append(f'<text x="{LEFT + 8}" y="{TOP + 20}">no epoch logged</text></svg>')
        return "\n".join(parts)
    accs = [v for e in xs for k, v in epochs[e].items() if k != "lr"]
    lo = min(accs, default=0.0)
    lo = max(0.0, math.floor(lo * 20) / 20)  # to the 5 % below the lowest
    hi = 1.0
    x0, x1 = xs[0], max(xs[-1], xs[0] + 1)

    def px(e: float) -> float:
        return LEFT + (e - x0) / (x1 - x0) * pw

    def py(a: float) -> float:
        return TOP + (hi - a) / (hi - lo) * ph if hi > lo else TOP + ph / 2

    for k in range(5):  # accuracy grid
        a = lo + (hi - lo) * k / 4
        parts.append(f'<line x1="{LEFT}" y1="{py(a):.1f}" x2="{LEFT + pw}" y2="{py(a):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{py(a) + 4:.1f}" text-anchor="end">{a * 100:.1f} %</text>')
    for e in sorted({x0, x1, *xs[:: max(1, len(xs) // 8)]}):
        parts.append(f'<text x="{px(e):.1f}" y="{TOP + ph + 16}" text-anchor="middle">{e}</text>')
    parts.append(f'<text x="{LEFT + pw / 2}" y="{H - 6}" text-anchor="middle">epoch</text>')
    for key, color in (("train_acc", "#1f77b4"), ("val_acc", "#d62728")):
        pts = [(px(e), py(epochs[e][key])) for e in xs if key in epochs[e]]
        if pts:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.5"/>')
    lrs = [(e, epochs[e]["lr"]) for e in xs if epochs[e].get("lr", 0) > 0]
    if lrs:  # learning rate, log scale on the right
        llo, lhi = math.log10(min(v for _, v in lrs)), math.log10(max(v for _, v in lrs))
        span = (lhi - llo) or 1.0
        pts = [(px(e), TOP + (lhi - math.log10(v)) / span * ph) for e, v in lrs]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#999" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{LEFT + pw + 4}" y="{TOP + 8}">lr {10 ** lhi:.1e}</text>')
        parts.append(f'<text x="{LEFT + pw + 4}" y="{TOP + ph}">{10 ** llo:.1e}</text>')
    best = max(((epochs[e]["val_acc"], e) for e in xs if "val_acc" in epochs[e]), default=None)
    legend = [("train", "#1f77b4"), ("validation" + (f" (best {best[0] * 100:.2f} % at epoch {best[1]})"
                                                     if best else ""), "#d62728"), ("learning rate", "#999")]
    for i, (label, color) in enumerate(legend):
        y = TOP + 14 + 14 * i
        parts.append(f'<line x1="{LEFT + 8}" y1="{y - 4}" x2="{LEFT + 24}" y2="{y - 4}" stroke="{color}" '
                     'stroke-width="2"/>')
        parts.append(f'<text x="{LEFT + 28}" y="{y}">{escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_curve(work: Path, name: str) -> Path:
    """``work``/accuracy.svg from every CSV log of the run named ``name`` in ``work`` (resumed runs included)."""
    logs = sorted((work / "logs" / "csv" / name).glob("version_*/metrics.csv"),
                  key=lambda p: int(p.parent.name.split("_")[-1]) if p.parent.name.split("_")[-1].isdigit() else 0)
    out = work / "accuracy.svg"
    out.write_text(svg(read_epochs(logs), f"{name}: accuracy per epoch"))
    return out
