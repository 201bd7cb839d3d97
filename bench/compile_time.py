"""Benchmark: `bnnc compile` wall time on the shipped examples (fold + lower + render + write).

    .venv/bin/python bench/compile_time.py [--repeat 5] [--examples mlp_small mlp_small_u8 lfc] [--cnv]
        [--onnx brevitas_tfc_w1a2]
        [--anchors lfc,sfc,cnv,cnv_pynq,cnv_3k,lfc_w1a2,cnv_w1a2,cnv_w2a2]

Reports, per example, the best of ``--repeat`` in-process ``compiler.compile`` calls
and one ``bnnc compile`` command (Python start-up and imports included). Uses only
the public API, so the same script times another checkout: run it with that
checkout first on PYTHONPATH. ``--anchors`` adds the designs of bench/anchors.py as it
compiles them (the SFC and CNVs with ``hardware.budget: {bram: 280}``, the rate given by
``--target-fps``; the LFCs without a budget): the best of ``--repeat`` ``bnnc compile`` commands
each, and, for those compiled without command-line options (lfc, cnv_pynq and the few-bit
lfc_w1a2, cnv_w1a2, cnv_w2a2), the best of ``--repeat`` in-process ``compiler.compile`` calls too.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import compiler

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--examples", nargs="+", default=["mlp_small", "mlp_small_u8", "lfc"])
    p.add_argument("--cnv", action="store_true", help="also FINN's CNV topology with random weights (designs/cnv.py)")
    p.add_argument("--anchors", default="", help="also these designs of bench/anchors.py, e.g. lfc,sfc,cnv")
    p.add_argument("--onnx", nargs="*", default=[], metavar="EXAMPLE",
                   help="also these ONNX examples (model.onnx + side.yaml): import + compile, and bnnc import alone")
    args = p.parse_args()
    print(f"compiler from {Path(compiler.__file__).parent}\n")
    print("| example | compiler.compile, best of {} (s) | bnnc compile command (s) |".format(args.repeat))
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        nets = [(ex, ROOT / "examples" / ex / "net.yaml") for ex in args.examples]
        if args.cnv:
            sys.path.insert(0, str(ROOT))
            from designs.cnv import cnv

            nets.append(("cnv (random weights, int8 32x32x3)", cnv(0).write(Path(tmp) / "cnv_net").path))
        for j, (ex, net) in enumerate(nets):
            best = float("inf")
            for k in range(args.repeat):
                t0 = time.perf_counter()
                compiler.compile(net, Path(tmp) / f"out{j}_{k}")
                best = min(best, time.perf_counter() - t0)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "compiler", "compile", str(net), "-o", str(Path(tmp) / f"cli{j}")],
                           check=True, capture_output=True)
            cli = time.perf_counter() - t0
            print(f"| {ex} | {best:.3f} | {cli:.2f} |")
        for ex in args.onnx:
            from compiler.frontend.onnxfile import options_from

            model, side = ROOT / "examples" / ex / "model.onnx", ROOT / "examples" / ex / "side.yaml"
            best = float("inf")
            for k in range(args.repeat):  # the import (read, translate, build) is part of each run
                t0 = time.perf_counter()
                compiler.compile(compiler.load(model, onnx=options_from(side, None, None)),
                                 Path(tmp) / f"onnx_{ex}_{k}")
                best = min(best, time.perf_counter() - t0)
            cli = imp = float("inf")
            for k in range(args.repeat):
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "compiler", "compile", str(model), "--onnx-config", str(side),
                                "-o", str(Path(tmp) / f"onnx_cli_{ex}_{k}")], check=True, capture_output=True)
                cli = min(cli, time.perf_counter() - t0)
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "compiler", "import", str(model), "--onnx-config", str(side),
                                "-o", str(Path(tmp) / f"onnx_imp_{ex}_{k}")], check=True, capture_output=True)
                imp = min(imp, time.perf_counter() - t0)
            print(f"| {ex} (model.onnx: import + compile; `bnnc import` alone {imp:.2f} s) | {best:.3f} | {cli:.2f} "
                  f"(best of {args.repeat}) |")
        for name in filter(None, args.anchors.split(",")):
            from anchors import _net  # bench/ is on sys.path when this script runs

            budget = not name.startswith("lfc")  # bench/anchors.py gives the LFCs no block budget
            net, extra = _net(name, Path(tmp), 280 if budget else None)
            inproc = "—"
            if not extra:  # options of the command only (--target-fps): no in-process equivalent to time
                best = float("inf")
                for k in range(args.repeat):
                    t0 = time.perf_counter()
                    compiler.compile(net, Path(tmp) / f"{name}_in{k}")
                    best = min(best, time.perf_counter() - t0)
                inproc = f"{best:.3f}"
            cli = float("inf")
            for k in range(args.repeat):
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "compiler", "compile", str(net), "-o",
                                str(Path(tmp) / f"{name}_{k}"), *extra], check=True, capture_output=True)
                cli = min(cli, time.perf_counter() - t0)
            print(f"| {name} (bench/anchors.py{', bram 280' if budget else ''}) | {inproc} | {cli:.2f} (best of "
                  f"{args.repeat}) |")


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance())  # a blank line ends the table
