"""Benchmark: the compiled Verilator engine vs the cocotb engine of ``bnnc simulate``, in one run.

Three sections, each printed as a Markdown table (the figures in BENCHMARKS.md):

* speed: ``bnnc simulate`` on the 10,000 MNIST test images through examples/lfc and
  through an LFC folded (PE, SIMD) = (32, 64), (64, 32), (32, 64), (10, 8) (interval
  512), compiled engine with every stream checked and with the output only, cold
  (empty build cache) and cached, timed as whole command lines; the cocotb engine on a
  few images (cycles/s past its start-up).
* accuracy: every example's full MNIST test set through its RTL (compiled engine,
  every stream checked, folded with the example's calibration.npy where it ships one); RTL
  accuracy next to the reference's. ``--examples`` picks some (mnist_up5k took 1,834 s for one
  ``bnnc simulate`` of its 10,000 images on a loaded machine; this section runs it three times).
* agree: both engines on 1,000 images of examples/mlp_small with input gaps and
  output backpressure; every beat of every stream, and its cycle, compared.

    .venv/bin/python bench/sim_engines.py [--sections speed,accuracy,agree] [--images 10000] [--examples lfc,mlp_small]
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
sys.path.insert(0, str(ROOT))

import compiler  # noqa: E402
from compiler.codegen import write_output  # noqa: E402
from compiler.runtime.sim.simulate import simulate  # noqa: E402

WIDE_FOLDING = {"fc1": (32, 64), "fc2": (64, 32), "fc3": (32, 64), "fc4": (10, 8)}


def mnist(path: Path, n: int, work: Path) -> tuple[Path, Path]:
    """The first ``n`` MNIST test images and labels as .npy files in ``work``."""
    from compiler.train.data import load_mnist

    d = load_mnist(path)
    np.save(work / "x.npy", d.x_test[:n])
    np.save(work / "y.npy", d.y_test[:n])
    return work / "x.npy", work / "y.npy"


def wide_lfc(work: Path) -> Path:
    """examples/lfc's net.yaml and weights with the wide folding."""
    src = (ROOT / "examples" / "lfc" / "net.yaml").read_text()
    fold = "\n".join(f"    {k}: {{pe: {p}, simd: {s}}}" for k, (p, s) in WIDE_FOLDING.items())
    text = src.replace("hardware: {clock_mhz: 100.0}", f"hardware:\n  clock_mhz: 100.0\n  folding:\n{fold}")
    assert text != src, "examples/lfc/net.yaml's hardware line changed: update bench/sim_engines.py"
    folder = work / "lfc_wide"
    folder.mkdir()
    (folder / "net.yaml").write_text(text)
    shutil.copy(ROOT / "examples" / "lfc" / "weights.npz", folder / "weights.npz")
    return folder / "net.yaml"


def cli(rtl: Path, x: Path, y: Path, cache: Path, *extra: str, objcache: bool = True) -> dict[str, float | str]:
    """One ``bnnc simulate`` command line, timed from outside; figures parsed from its report."""
    env = dict(os.environ, BNNC_SIM_CACHE=str(cache))
    if not objcache:
        env["OBJCACHE"] = "env"  # compile Verilator's run-time library too, as on a fresh checkout
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "compiler", "simulate", str(rtl), "--inputs", str(x), "--labels",
                        str(y), *extra], capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"bnnc simulate failed:\n{p.stdout}\n{p.stderr}")
    out = p.stdout
    sim = re.search(r"simulation: ([\d,]+) cycles in ([\d.]+) s \(([\d,]+) cycles/s\); reference ([\d.]+) s .*"
                    r"comparison ([\d.]+) s", out)
    assert sim, out
    build = re.search(r"\(built in ([\d.]+) s\)", out)
    acc = re.search(r"accuracy: ([\d.]+)%", out)
    return {"wall": wall, "cycles": int(sim[1].replace(",", "")), "sim": float(sim[2]),
            "rate": int(sim[3].replace(",", "")), "reference": float(sim[4]), "compare": float(sim[5]),
            "build": float(build[1]) if build else 0.0, "accuracy": acc[1] if acc else "", "out": out}


def cocotb_rate(rtl: Path, x: np.ndarray, work: Path) -> tuple[float, int]:
    """cocotb engine cycles/s past start-up (a 1-image run subtracted), every stream checked."""
    bdir = work / "cocotb_build"
    simulate(rtl, x[:1], engine="cocotb", build_dir=bdir)  # build
    one = simulate(rtl, x[:1], engine="cocotb", build_dir=bdir)
    rep = simulate(rtl, x, engine="cocotb", build_dir=bdir, chunk=len(x))
    assert rep.predictions == rep.expected
    return (rep.cycles - one.cycles) / max(1e-9, rep.sim_seconds - one.sim_seconds), rep.cycles


def speed(work: Path, x: Path, y: Path, cocotb_images: int) -> None:
    nets = {"examples/lfc": ROOT / "examples" / "lfc" / "net.yaml", "LFC wide (interval 512)": wide_lfc(work)}
    n = len(np.load(x))
    print(f"\n### Speed: {n:,} MNIST test images\n")
    print("| network | engine, checking | wall, build cached (s) | wall, cold build (s) | build (s) | "
          "simulation (s) | reference (s, overlapped) | comparison (s) | cycles | cycles/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, net in nets.items():
        rtl = work / f"rtl_{len(os.listdir(work))}"
        folded = compiler.fold(net)
        write_output(folded, rtl)
        for mode in ("all", "output"):
            cache = work / f"cache_{mode}_{rtl.name}"
            cold = cli(rtl, x, y, cache, "--check", mode)
            hot = cli(rtl, x, y, cache, "--check", mode)
            what = "compiled, every stream" if mode == "all" else "compiled, output only"
            print(f"| {label} | {what} | {hot['wall']:.1f} | {cold['wall']:.1f} | {cold['build']:.1f} | "
                  f"{hot['sim']:.2f} | {hot['reference']:.2f} | {hot['compare']:.2f} | {hot['cycles']:,} | "
                  f"{hot['rate']:,} |", flush=True)
        fresh = cli(rtl, x, y, work / f"cache_fresh_{rtl.name}", objcache=False)
        print(f"| {label} | compiled, every stream, no object cache | | {fresh['wall']:.1f} | "
              f"{fresh['build']:.1f} | {fresh['sim']:.2f} | | | | {fresh['rate']:,} |", flush=True)
        rate, cycles = cocotb_rate(rtl, np.load(x)[:cocotb_images], work)
        print(f"| {label} | cocotb, every stream ({cocotb_images} images) | | | | | | | {cycles:,} | "
              f"{rate:,.0f} |", flush=True)


def accuracy(work: Path, x: Path, y: Path, examples: list[str]) -> None:
    print(f"\n### Accuracy through the RTL: {len(np.load(x)):,} MNIST test images\n")
    print("| example | RTL accuracy | reference accuracy | predictions equal | interval measured (predicted) | "
          "latency (cycles) | wall (s, build cached) | cycles/s |")
    print("|---|---|---|---|---|---|---|---|")
    xs, ys = np.load(x), np.load(y)
    for ex in sorted(p.parent for p in (ROOT / "examples").glob("*/net.yaml")):
        if examples and ex.name not in examples:
            continue
        cal = ex / "calibration.npy"  # folded as bnnc compile --calibration folds an example that ships one
        folded = compiler.fold(ex / "net.yaml", calibration=np.load(cal) if cal.exists() else None)
        rtl = work / f"acc_{ex.name}"
        write_output(folded, rtl)
        cache = work / "cache_acc"
        # the test images as the net reads them: (N, 784) rows, or (N, 28, 28, 1) images for a convolutional one
        x_ex, x_path = xs.reshape(len(xs), *folded.input.shape), work / f"x_{ex.name}.npy"
        np.save(x_path, x_ex)
        cli(rtl, x_path, y, cache)  # build
        hot = cli(rtl, x_path, y, cache)
        ref = compiler.predict(folded, x_ex)
        rep = simulate(rtl, x_ex, cache_dir=cache)
        same = rep.predictions == [int(v) for v in ref]
        meas = re.search(r"measured (\d+) \(predicted (\d+)\); first-image latency (\d+)", str(hot["out"]))
        assert meas
        print(f"| {ex.name} | {hot['accuracy']} % | {100 * np.mean(ref == ys):.2f} % | {'yes' if same else 'NO'} | "
              f"{meas[1]} ({meas[2]}) | {meas[3]} | {hot['wall']:.1f} | {hot['rate']:,} |", flush=True)


def agree(work: Path, x: Path, images: int) -> None:
    ex = ROOT / "examples" / "mlp_small"
    rtl = work / "agree_rtl"
    write_output(compiler.fold(ex / "net.yaml"), rtl)
    xs = np.load(x)[:images]
    opts = dict(gap_prob=0.3, ready_prob=0.5, seed=1, record=True)
    t0 = time.perf_counter()
    fast = simulate(rtl, xs, engine="verilator", cache_dir=work / "cache_agree", **opts)
    t1 = time.perf_counter()
    slow = simulate(rtl, xs, engine="cocotb", build_dir=work / "agree_cocotb", chunk=images, **opts)
    t2 = time.perf_counter()
    assert fast.recorded is not None and slow.recorded is not None and set(fast.recorded) == set(slow.recorded)
    beats = 0
    for name, (fc, fw) in fast.recorded.items():
        sc, sw = slow.recorded[name]
        assert np.array_equal(fc, sc) and (name == "input" or np.array_equal(fw, sw)), name
        beats += len(fc)
    print(f"\n### Both engines, {images:,} images of mlp_small, input gaps 0.3, backpressure 0.5, seed 1\n")
    print("| streams | beats compared (data and cycle) | cycles | all equal | compiled engine (s) | "
          "cocotb engine (s, build included) |")
    print("|---|---|---|---|---|---|")
    print(f"| {len(fast.recorded)} (input, {len(fast.recorded) - 2} internal, m_axis) | {beats:,} | "
          f"{fast.cycles:,} | yes | {t1 - t0:.1f} | {t2 - t1:.1f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="speed,accuracy,agree")
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--cocotb-images", type=int, default=20)
    ap.add_argument("--examples", default="", help="accuracy: only these examples, e.g. lfc,mlp_small (default: all)")
    ap.add_argument("--agree-images", type=int, default=1000)
    ap.add_argument("--mnist", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bnnc-bench-sim-"))
    try:
        x, y = mnist(args.mnist, args.images, work)
        sections = args.sections.split(",")
        if "speed" in sections:
            speed(work, x, y, args.cocotb_images)
        if "accuracy" in sections:
            accuracy(work, x, y, [e for e in args.examples.split(",") if e])
        if "agree" in sections:
            agree(work, x, args.agree_images)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("verilator", "cocotb"))  # a blank line ends the table
