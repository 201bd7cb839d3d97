"""Benchmark: `bnnc report` of the CNV-class design at BNN-PYNQ's folding (issue 25: under 1 s, under 1 MB).

    PYTHONPATH=$PWD .venv/bin/python bench/report_speed.py [--repeat 3]

Compiles designs/cnv.py cnv(0) at PYNQ_CNV_FOLDING under the XC7Z020's block budget (bench/anchors.py's
``cnv_pynq``), then times compiler.codegen.report's build_report + render_html (the folding trade-off's searches
included), best of ``--repeat``, and prints the page's size.
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
from compiler.codegen.report import build_report, render_html  # noqa: E402
from designs.cnv import PYNQ_CNV_FOLDING, cnv  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bnnc-report-") as tmp:
        folding = {k: {"pe": pe, "simd": simd} for k, (pe, simd) in PYNQ_CNV_FOLDING.items()}
        net = cnv(0, folding=folding)
        net.doc.setdefault("hardware", {})["budget"] = {"bram": 280}
        path = net.write(Path(tmp) / "cnv_pynq").path
        compiler.compile(path, Path(tmp) / "rtl")
        best, page = float("inf"), ""
        for _ in range(args.repeat):
            t = time.perf_counter()
            page = render_html(build_report(Path(tmp) / "rtl"))
            best = min(best, time.perf_counter() - t)
        print(f"cnv_pynq report: {best:.3f} s (best of {args.repeat}), {len(page.encode()):,} bytes")


if __name__ == "__main__":
    main()
