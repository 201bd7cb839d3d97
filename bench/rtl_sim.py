"""Benchmark: compile example networks, simulate them on Verilator, compare the interval with the prediction.

For each network: Verilator build time, measured vs predicted interval (cycles per
image, no gaps or backpressure), first-image latency and cocotb simulation speed
(cycles per second with every stream monitored).

    .venv/bin/python bench/rtl_sim.py [--images 30] [examples/mlp_small ...]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import compiler
from compiler.codegen import write_output
from compiler.runtime.sim.simulate import simulate

DEFAULT = [str(Path(__file__).resolve().parents[1] / "examples" / n) for n in ("mlp_small", "mlp_small_u8", "lfc")]


def inputs_for(folder: Path, graph: compiler.ir.Graph, n: int) -> np.ndarray:
    """The example's sample images if shipped, else seeded random inputs."""
    sample = folder / "sample_images.npy"
    if sample.is_file():
        return np.load(sample)[:n]
    rng = np.random.default_rng(0)
    d = graph.input.dtype
    return rng.integers(d.lo, d.hi + 1, size=(n, *graph.input.shape))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("examples", nargs="*", default=DEFAULT)
    ap.add_argument("--images", type=int, default=30)
    args = ap.parse_args()
    print("| network | interval predicted | measured | ratio | latency (cycles) | build + 1 image (s) | cocotb cycles/s |")
    print("|---|---|---|---|---|---|---|")
    for ex in args.examples:
        folder = Path(ex)
        if not (folder / "net.yaml").is_file():
            print(f"| {ex} | (no net.yaml) | | | | | |")
            continue
        folded = compiler.fold(folder / "net.yaml")
        work = Path(tempfile.mkdtemp(prefix="bnnc-bench-"))
        try:
            write_output(folded, work / "rtl")
            x = inputs_for(folder, folded, args.images)
            t0 = time.perf_counter()
            simulate(work / "rtl", x[:1], build_dir=work / "build", engine="cocotb")  # build + one image
            build = time.perf_counter() - t0
            one = simulate(work / "rtl", x[:1], build_dir=work / "build", engine="cocotb")  # simulator start-up + one image
            rep = simulate(work / "rtl", x, build_dir=work / "build", chunk=len(x), engine="cocotb")
            assert rep.predictions == rep.expected
            meas = rep.interval_measured
            # cycles per second past start-up: every stream monitored and scored by cocotb
            speed = (rep.cycles - one.cycles) / max(1e-9, rep.sim_seconds - one.sim_seconds)
            print(f"| {folded.name} | {rep.interval_predicted} | {meas} | {meas / rep.interval_predicted:.3f} | "
                  f"{rep.latency_cycles} | {build:.1f} | {speed:,.0f} |", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("verilator", "cocotb"))  # a blank line ends the table
