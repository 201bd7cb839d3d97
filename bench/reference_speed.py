"""Benchmark: the numpy reference on an LFC-class binarized MLP (784-1024-1024-1024-10).

Reports images/s of the folded (integer, XNOR-popcount) reference and of the float64
unfolded model in the same run, and the packed vs float32 weight memory.

    .venv/bin/python bench/reference_speed.py [--images 10000] [--repeat 3] [--net examples/lfc/net.yaml]

Without ``--net`` it uses a random-weight network of the LFC's shape (no data needed).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

import compiler
from compiler.reference import execute


def write_lfc(folder: Path, seed: int = 0) -> Path:
    """A random-weight LFC-shaped network (uint8 input binarized at 128)."""
    rng = np.random.default_rng(seed)
    widths = [784, 1024, 1024, 1024, 10]
    layers: list[dict] = [{"name": "in_bin", "op": "sign", "threshold": 127.5}]
    arrays: dict[str, np.ndarray] = {}
    for k in range(4):
        layers.append({"name": f"fc{k}", "op": "dense", "units": widths[k + 1]})
        layers.append({"name": f"bn{k}", "op": "batchnorm"})
        arrays[f"fc{k}.weight"] = rng.normal(size=(widths[k + 1], widths[k])).astype(np.float32)
        c = widths[k + 1]
        arrays[f"bn{k}.gamma"] = rng.normal(size=c)
        arrays[f"bn{k}.beta"] = rng.normal(size=c)
        arrays[f"bn{k}.mean"] = rng.normal(size=c) * 10
        arrays[f"bn{k}.var"] = rng.uniform(10, 100, size=c)
        if k < 3:
            layers.append({"name": f"act{k}", "op": "sign"})
    net = {"name": "lfc_random", "input": {"shape": [784], "dtype": "uint8"}, "layers": layers,
           "output": "argmax", "weights": "weights.npz"}
    (folder / "net.yaml").write_text(yaml.safe_dump(net, sort_keys=False))
    np.savez(folder / "weights.npz", **arrays)
    return folder / "net.yaml"


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--net", help="a net.yaml of that shape (default: random weights)")
    args = ap.parse_args()
    if args.net:
        graph = compiler.load(args.net)
    else:
        with tempfile.TemporaryDirectory() as d:
            graph = compiler.load(write_lfc(Path(d)))
    folded = compiler.fold(graph)
    x = np.random.default_rng(1).integers(0, 256, size=(args.images, 784), dtype=np.uint8)
    t_folded = best_of(lambda: execute(folded, x), args.repeat)
    t_float = best_of(lambda: execute(graph, x), args.repeat)
    m = compiler.manifest_of(folded)
    wm = m["weight_memory"]
    print(f"| {args.images:,} images, 784-1024-1024-1024-10 | folded (XNOR-popcount) | float64 unfolded | ratio |")
    print("|---|---|---|---|")
    print(f"| time, best of {args.repeat} | {t_folded:.3f} s ({args.images / t_folded:,.0f} img/s) | "
          f"{t_float:.3f} s ({args.images / t_float:,.0f} img/s) | {t_float / t_folded:.1f}x |")
    print(f"| weight memory | packed {wm['packed_bytes']:,} B | float32 {wm['float32_bytes']:,} B | "
          f"{wm['ratio']:.0f}x smaller |")


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance())  # a blank line ends the table
