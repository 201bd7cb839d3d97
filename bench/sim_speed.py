"""Benchmark: the compiled engine on the wide LFC, 10,000 MNIST images, at several commits in one run.

For each checkout given (a git worktree of any commit; default: this one), from
that checkout's own code: ``bnnc compile`` of examples/lfc with (PE, SIMD) = (32, 64),
(64, 32), (32, 64), (10, 8) (interval 512), then ``bnnc simulate`` of the first N MNIST
test images with every stream checked, cold (empty build cache; Verilator's run-time
objects compiled beforehand, once per checkout) and again with the build cached, each
timed as a whole command line. Prints the Markdown table of its section of
BENCHMARKS.md.

    git worktree add /tmp/wt_cbd2c80 cbd2c80      # once per commit to compare
    ln -s ../templates /tmp/wt_cbd2c80/compiler/templates   # so the checkout's own cores are used
    .venv/bin/python bench/sim_speed.py /tmp/wt_cbd2c80 . [--images 10000]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WIDE_FOLDING = {"fc1": (32, 64), "fc2": (64, 32), "fc3": (32, 64), "fc4": (10, 8)}


def mnist(path: Path, n: int, work: Path) -> tuple[Path, Path]:
    """The first ``n`` MNIST test images and labels as .npy files (read with this checkout's loader)."""
    sys.path.insert(0, str(ROOT))
    from compiler.train.data import load_mnist

    d = load_mnist(path)
    np.save(work / "x.npy", d.x_test[:n])
    np.save(work / "y.npy", d.y_test[:n])
    return work / "x.npy", work / "y.npy"


def bnnc(checkout: Path, *args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    """``python -m compiler ARGS`` run from ``checkout`` (its own package first on sys.path), timed."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "compiler", *args], cwd=checkout, capture_output=True, text=True,
                       env=env or dict(os.environ), check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"bnnc {args[0]} in {checkout} failed:\n{p.stdout}\n{p.stderr}")
    return wall, p.stdout


def commit_of(checkout: Path) -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=checkout, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=checkout,
                           capture_output=True, text=True).stdout.strip()
    return head.stdout.strip() + (" + working tree" if dirty else "")


def measure(checkout: Path, x: Path, y: Path, work: Path) -> None:
    checkout = checkout.resolve()
    if not (checkout / "compiler" / "templates").exists() and checkout != ROOT:
        raise SystemExit(f"{checkout}/compiler/templates missing: ln -s ../templates {checkout}/compiler/templates")
    tag = re.sub(r"\W", "_", str(checkout)) + f"_{len(list(work.iterdir()))}"
    net = work / f"net_{tag}"
    net.mkdir()
    src = (checkout / "examples" / "lfc" / "net.yaml").read_text()
    fold = "\n".join(f"    {k}: {{pe: {p}, simd: {s}}}" for k, (p, s) in WIDE_FOLDING.items())
    text = src.replace("hardware: {clock_mhz: 100.0}", f"hardware:\n  clock_mhz: 100.0\n  folding:\n{fold}")
    assert text != src, "examples/lfc/net.yaml's hardware line changed: update bench/sim_speed.py"
    (net / "net.yaml").write_text(text)
    shutil.copy(checkout / "examples" / "lfc" / "weights.npz", net / "weights.npz")
    rtl = work / f"rtl_{tag}"
    bnnc(checkout, "compile", str(net / "net.yaml"), "-o", str(rtl))
    # warm-up on a few images in a throwaway cache: compiles Verilator's run-time objects once per
    # checkout (sim_build/_objcache), as the cold column of bench/sim_engines.py assumes
    few = work / f"few_{tag}.npy"
    np.save(few, np.load(x)[:2])
    bnnc(checkout, "simulate", str(rtl), "--inputs", str(few),
         env=dict(os.environ, BNNC_SIM_CACHE=str(work / f"warm_{tag}")))
    env = dict(os.environ, BNNC_SIM_CACHE=str(work / f"cache_{tag}"))
    args = ("simulate", str(rtl), "--inputs", str(x), "--labels", str(y))
    cold, _ = bnnc(checkout, *args, env=env)
    hot, out = bnnc(checkout, *args, env=env)
    sim = re.search(r"simulation: ([\d,]+) cycles in ([\d.]+) s \(([\d,]+) cycles/s\)", out)
    acc = re.search(r"accuracy: ([\d.]+)%", out)
    checked = re.search(r"([\d,]+) beats", out)
    assert sim, out
    print(f"| {commit_of(checkout)} | {hot:.1f} | {cold:.1f} | {sim[2]} | {sim[1]} | {sim[3]} | "
          f"{acc[1] if acc else '?'} % | {checked[1] if checked else '?'} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkouts", nargs="*", type=Path, default=[ROOT])
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--mnist", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bnnc-bench-speed-"))
    try:
        x, y = mnist(args.mnist, args.images, work)
        print(f"\n### Wide LFC (interval 512), {args.images:,} MNIST test images, every stream checked\n")
        print("| commit | wall, build cached (s) | wall, cold build (s) | simulation (s) | cycles | cycles/s | "
              "accuracy | beats checked |")
        print("|---|---|---|---|---|---|---|---|")
        for c in args.checkouts:
            measure(c, x, y, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("verilator"))  # a blank line ends the table
