"""Benchmark: resource, timing and tool-time figures of the example accelerators.

    .venv/bin/python bench/synth.py [examples/mlp_small examples/lfc ...]              # synth_xilinx cells
    .venv/bin/python bench/synth.py --target ice40-up5k|ecp5-25k|ecp5-85k [examples...]  # the bnnc synth flow

Uses native ``yosys`` / ``nextpnr-*`` when on PATH, else the dev extra's yowasp
packages; figures differ between tool versions (say which one in BENCHMARKS.md).
A design whose ROMs do not fit a Lattice part's block memory is reported, not run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import compiler
from compiler.runtime.synth import FLOW_TARGETS, run_flow, summarize, synthesize, yosys_command

DEFAULT = ["examples/mlp_small", "examples/mlp_small_u8", "examples/lfc"]


def _xilinx(examples: list[str]) -> None:
    print("| network | interval (cycles) | LUT | FF | CARRY4 | LUT-RAM | BRAM | DSP | synthesis (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ex in examples:
        work = Path(tempfile.mkdtemp(prefix="bnnc-synth-"))
        try:
            manifest = compiler.compile(Path(ex) / "net.yaml", work / "rtl")
            t0 = time.perf_counter()
            s = summarize(synthesize(work / "rtl", "xilinx", timeout=3000))
            dt = time.perf_counter() - t0
            print(f"| {manifest['network']} | {manifest['interval_cycles']} | {s['lut']:,} | {s['ff']:,} | "
                  f"{s['carry']:,} | {s['lutram']:,} | {s['bram']:,} | {s['dsp']:,} | {dt:.0f} |", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _flow(examples: list[str], target: str, clock: float | None) -> None:
    print("| network | ROM bits | LUT4 | FF | EBR | DSP | Fmax (MHz) | yosys (s) | nextpnr (s) "
          "| pack (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for ex in examples:
        work = Path(tempfile.mkdtemp(prefix="bnnc-synth-"))
        try:
            manifest = compiler.compile(Path(ex) / "net.yaml", work / "rtl")
            try:
                s = run_flow(work / "rtl", target, clock, timeout=3000)
            except ValueError as e:
                print(f"| {manifest['network']} | does not fit: {e} |||||||||", flush=True)
                continue
            r, t = s["resources"], s["step_seconds"]
            lut, ff = r["lut4"], r["ff"]
            pack = t.get("icepack", t.get("ecppack", 0.0))
            print(f"| {manifest['network']} | {s['rom_bits']:,} | {lut['used']:,} | {ff['used']:,} | "
                  f"{r['ebr']['used']} | {r['dsp']['used']} | {s['fmax_mhz']:.1f} | {t['yosys']:.0f} | "
                  f"{t['nextpnr']:.0f} | {pack:.0f} |", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("examples", nargs="*", default=DEFAULT)
    ap.add_argument("--target", default="xilinx", choices=["xilinx", "ice40", *[t for t in FLOW_TARGETS if "-" in t]])
    ap.add_argument("--clock-mhz", type=float, default=None)
    args = ap.parse_args()
    version = subprocess.run([*yosys_command(), "-V"], capture_output=True, text=True).stdout.strip()
    print(f"{version}, target {args.target}\n")
    if args.target == "xilinx":
        _xilinx(args.examples)
    elif args.target == "ice40":  # Yosys only, as before
        for ex in args.examples:
            work = Path(tempfile.mkdtemp(prefix="bnnc-synth-"))
            try:
                compiler.compile(Path(ex) / "net.yaml", work / "rtl")
                print(ex, synthesize(work / "rtl", "ice40", timeout=3000), flush=True)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    else:
        _flow(args.examples, args.target, args.clock_mhz)


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("yosys", "nextpnr"))  # a blank line ends the table
