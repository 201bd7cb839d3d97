"""Benchmark and check: the shipped MLP examples' 200 sample MNIST images through the cocotb engine.

What cocotb_tests/networks/test_examples.py ran before issue 21: every output beat and every
layer-to-layer stream of examples/mlp_small, mlp_small_u8 and lfc checked by the cocotb
testbench on all 200 ``sample_images.npy``, predictions equal to the reference's, measured
interval equal to the predicted one. ``make test`` now runs the 200 images through the
compiled engine and the first 20 through the cocotb engine; this runs all 200 through the
cocotb engine (a few minutes, most of it the LFC) and prints one Markdown row per example.

    .venv/bin/python bench/examples_cocotb.py [--examples mlp_small,mlp_small_u8,lfc] [--images 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import compiler  # noqa: E402
from compiler.codegen import write_output  # noqa: E402
from compiler.runtime.sim.simulate import simulate  # noqa: E402


def check(name: str, images: int, work: Path) -> str:
    """Simulate ``images`` of example ``name`` on the cocotb engine; raise on any difference; a table row."""
    folder = ROOT / "examples" / name
    x = np.load(folder / "sample_images.npy")[:images]
    y = np.load(folder / "sample_labels.npy")[:images]
    folded = compiler.fold(folder / "net.yaml")
    write_output(folded, work / name / "rtl")
    t0 = time.perf_counter()
    rep = simulate(work / name / "rtl", x, engine="cocotb", build_dir=work / name / "build")
    seconds = time.perf_counter() - t0
    ref = [int(v) for v in compiler.predict(folded, x)]
    assert rep.taps and rep.images == len(x), (rep.images, len(x))
    assert rep.predictions == ref, f"{name}: RTL predictions differ from the reference's"
    assert rep.interval_measured == rep.interval_predicted, (rep.interval_measured, rep.interval_predicted)
    acc = float(np.mean(np.array(rep.predictions) == y))
    return (f"| {name} | {len(x)} | {rep.beats_checked:,} | {acc * 100:.2f} % | {rep.interval_measured} | "
            f"{seconds:.1f} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", default="mlp_small,mlp_small_u8,lfc")
    ap.add_argument("--images", type=int, default=200)
    args = ap.parse_args()
    print("| example | images | beats checked | RTL accuracy | interval (cycles) | build + simulation (s) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bnnc-examples-cocotb-") as tmp:
        for name in args.examples.split(","):
            print(check(name, args.images, Path(tmp)), flush=True)
    return 0


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    code = main()
    print("\n" + provenance("verilator", "cocotb"))  # a blank line ends the table
    sys.exit(code)
