"""Every Brevitas model of the ONNX import tests on the RTL at its default folding, beat for beat.

make test (tests/test_onnx_import.py) runs all six on the RTL too: three at their default foldings, and the
uint8-pixel TFC, the SFC and the LFC at a slower folding whose Verilator build takes seconds, not minutes.

    .venv/bin/python bench/onnx_rtl.py [--images 100] [--only tfc_w2a2_raw_pixels,sfc_w1a2]

Each model of ``designs/brevitas_models.MODELS`` is trained one epoch on the shipped MNIST subset,
exported with ``export_qonnx``, imported, compiled and simulated on the compiled Verilator engine
(every stream checked, input gaps 0.2, output backpressure 0.3) on the subset's first test images.
Prints a Markdown table: predictions equal to the reference, interval measured (predicted), build
and simulation time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import compiler  # noqa: E402
from compiler.codegen import write_output  # noqa: E402
from compiler.frontend.onnxfile import ImportOptions  # noqa: E402
from designs import brevitas_models as bm  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--only", default="", help="comma-separated model names (default: all)")
    args = p.parse_args()
    names = [n for n in bm.MODELS if not args.only or n in args.only.split(",")]
    _, _, x, _ = bm.data()
    print("| model | images | equal to the reference | interval measured (predicted) | build (s) | simulation (s) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            model = bm.trained(bm.MODELS[name]())
            raw, _ = bm.export(model, Path(tmp), name)
            g = compiler.load(raw, onnx=ImportOptions(input_dtype="uint8", input_scale=1 / 255))
            xb = x[: args.images].reshape(-1, *g.input.shape)
            rtl = Path(tmp) / f"rtl_{name}"
            write_output(compiler.fold(g), rtl)
            t0 = time.time()
            rep = compiler.simulate(rtl, xb, gap_prob=0.2, ready_prob=0.7, seed=1)
            steady = compiler.simulate(rtl, xb)
            print(f"| {name} | {rep.images} | {rep.matches} / {rep.images} | {steady.interval_measured} "
                  f"({steady.interval_predicted}) | {rep.build_seconds:.1f} | {time.time() - t0 - rep.build_seconds:.1f} |",
                  flush=True)


if __name__ == "__main__":
    from record import provenance  # bench/record.py

    main()
    print("\n" + provenance())
