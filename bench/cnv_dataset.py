"""Benchmark: a CIFAR-10-sized data set through BNN-PYNQ's CNV at its own folding, every stream checked.

Compiles the CNV topology (designs/cnv.py ``cnv(0)``, random weights, int8 32x32x3 input) at
BNN-PYNQ's CNV-W1A1 folding (designs/cnv.py ``PYNQ_CNV_FOLDING``: interval 32,768 cycles),
makes ``--images`` seeded random int8 images (CIFAR-10 is not on these machines; the
simulation's cost does not depend on the pixels), and times ``bnnc simulate --jobs N`` on
them as a whole command line: cold (empty build cache) on a first slice, then the whole set
with the build cached. Prints the Markdown table of its section of BENCHMARKS.md.

    .venv/bin/python bench/cnv_dataset.py [--images 10000] [--jobs 2] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def bnnc(*args: str, env: dict[str, str]) -> tuple[float, str]:
    """``python -m compiler ARGS``, timed as a whole command line; exits on failure."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "compiler", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                       check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"bnnc {' '.join(args)} failed (exit {p.returncode}):\n{p.stdout}\n{p.stderr}")
    return wall, p.stdout


def field(out: str, pattern: str) -> str:
    m = re.search(pattern, out, re.M)
    if m is None:
        raise SystemExit(f"{pattern!r} not in the output of bnnc simulate:\n{out}")
    return m.group(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cold-images", type=int, default=100, help="images of the cold (empty cache) run")
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    from anchors import _net

    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        net, _ = _net("cnv_pynq", work, None)
        env = dict(os.environ, BNNC_SIM_CACHE=str(work / "simcache"))
        compile_s, _ = bnnc("compile", str(net), "-o", str(work / "rtl"), env=env)
        rng = np.random.default_rng(2026)
        np.save(work / "x.npy", rng.integers(-128, 128, size=(args.images, 32, 32, 3), dtype=np.int8))
        sim = ["simulate", str(work / "rtl"), "--inputs", str(work / "x.npy"), "--jobs", str(args.jobs)]
        cold_s, cold = bnnc(*sim, "--limit", str(min(args.cold_images, args.images)), env=env)
        warm_s, out = bnnc(*sim, env=env)
        match = field(out, r"(\d+/\d+) outputs match the reference")
        streams = field(out, r"every beat of every stream checked \((\d+ streams, [\d,]+ beats)\)")
        measured, predicted = field(out, r"cycles per image: measured (\d+)"), field(out, r"\(predicted (\d+)\)")
        latency = field(out, r"first-image latency (\d+) cycles")
        shards = field(out, r"^shards: (.*)$")
        cycles, rate = field(out, r"simulation: ([\d,]+) cycles"), field(out, r"cycles in [\d.]+ s \(([\d,]+) cycles/s")
        built = field(cold, r"build: .*[(](built in [\d.]+ s)[)]")
        print(f"{args.images:,} images, --jobs {args.jobs}; compile {compile_s:.1f} s; "
              f"cold run of {min(args.cold_images, args.images)} images {cold_s:.1f} s ({built})\n")
        print("| images | wall, build cached | agree | streams, beats checked | interval measured / predicted "
              "| latency | cycles | cycles/s (all shards) | shards |")
        print("|---|---|---|---|---|---|---|---|---|")
        print(f"| {args.images:,} | **{warm_s:.0f} s** ({warm_s / 60:.1f} min) | {match} | {streams} | "
              f"{measured} / {predicted} | {latency} | {cycles} | {rate} | {shards} |")


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("verilator"))  # a blank line ends the table
