"""Screenshots of the examples' reports in a real headless browser (issue 25).

    PYTHONPATH=$PWD .venv/bin/python bench/report_screenshots.py [--out out/report_shots] [--examples mlp_small,...]

Compiles each example (its calibration where it ships one), simulates 50 of the shipped MNIST subset's test
images on Verilator (so the Verification section is filled), writes its report with the float against folded
accuracy, and has Debian's chromium (``apt-get install chromium``; not a bnnc dependency) take screenshots of
report.html at a desktop (1400 px) and a laptop (1024 px) width, each the whole page tall.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import compiler  # noqa: E402
from compiler.cli import main as bnnc  # noqa: E402

WIDTHS = {"desktop": 1400, "laptop": 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "report_shots")
    ap.add_argument("--examples", default=",".join(sorted(p.parent.name for p in (ROOT / "examples").glob("*/net.yaml"))))
    ap.add_argument("--height", type=int, default=7000, help="window height: the page's length")
    args = ap.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("bench/report_screenshots.py: chromium must be installed (apt-get install chromium), not missing")
    args.out.mkdir(parents=True, exist_ok=True)
    d = np.load(ROOT / "tests" / "data" / "mnist_subset.npz")
    with tempfile.TemporaryDirectory(prefix="bnnc-shots-") as tmp:
        y = Path(tmp) / "y.npy"
        np.save(y, d["y_test"][:50])
        for name in args.examples.split(","):
            net = ROOT / "examples" / name / "net.yaml"
            rtl = Path(tmp) / name
            x = Path(tmp) / f"{name}_x.npy"  # the images in the network's input shape (flat, or 28x28x1)
            np.save(x, d["x_test"][:50].reshape(50, *compiler.load(net).input.shape))
            cal = net.parent / "calibration.npy"
            assert bnnc(["compile", str(net), "-o", str(rtl), *(["--calibration", str(cal)] if cal.exists() else [])]) == 0
            assert bnnc(["simulate", str(rtl), "--inputs", str(x), "--labels", str(y)]) == 0
            assert bnnc(["report", str(rtl), "--net", str(net), "--inputs", str(x), "--labels", str(y)]) == 0
            for label, width in WIDTHS.items():
                shot = args.out / f"{name}-{label}.png"
                subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                f"--screenshot={shot}", f"--window-size={width},{args.height}",
                                (rtl / "report.html").as_uri()], check=True, capture_output=True, timeout=120)
                print(f"{shot} ({shot.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
