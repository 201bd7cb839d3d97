"""Benchmark: the resource model against Yosys on single units, per family (issue 11).

    .venv/bin/python bench/unit_fit.py --core mvtu_int --target xilinx      # or ecp5-25k, ice40-up5k
    .venv/bin/python bench/unit_fit.py --core swu --target ecp5-25k
    .venv/bin/python bench/unit_fit.py --core pool_reduce --target xilinx

Reproduces the refits of BENCHMARKS.md "Integer adder trees on carry chains": each case is one core
(``bnnc_mvtu`` in integer threshold mode, ``bnnc_swu``, or ``bnnc_pool_reduce`` on few-bit codes) with fixed parameters, synthesized alone by
the family's Yosys script (hierarchy kept, as ``bnnc synth`` and ``bench/resource_model.py`` do), and
printed beside the model's LUTs and its error. ``--fit`` also prints the least-squares coefficients of
the features the refit used (int_tree_bits + int_tree_pe_bits; base + counters + lane_bits; code_bits, the
other pool terms held); ``--write``
puts them in compiler/cores/coefficients.json as hand-fitted terms (a design-level refit keeps them),
with their provenance under the family's ``unit_fits``.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

from compiler.cores import COEFFS, cost, family, params_of  # noqa: E402
from compiler.cores.base import COEFFICIENTS_FILE, load_coefficients  # noqa: E402
from compiler.cores.swu import row_pipe  # noqa: E402
from glue_luts import synth_cells  # noqa: E402
from resource_model import YOSYS, measure, nnls, provenance  # noqa: E402

# (MW, MH, PE, SIMD, IN_BITS, IN_SIGNED)
MVTU_INT = [(27, 64, 64, 3, 8, 1), (27, 64, 16, 9, 8, 1), (27, 64, 16, 3, 8, 1), (27, 64, 8, 27, 8, 1),
            (27, 64, 32, 9, 8, 1), (64, 16, 4, 16, 8, 0), (100, 8, 2, 10, 6, 1), (48, 32, 4, 8, 8, 0),
            (96, 96, 12, 24, 8, 0), (27, 64, 4, 27, 8, 1), (100, 64, 4, 16, 8, 0)]
# (IFM_H = IFM_W, CH, K, STRIDE, PAD, EW, LANES)
SWU = [(30, 64, 3, 1, 0, 1, 64), (32, 3, 3, 1, 0, 8, 3), (14, 64, 3, 1, 1, 1, 32), (10, 128, 3, 1, 0, 1, 64),
       (8, 2, 3, 1, 0, 1, 1), (10, 1, 3, 1, 1, 8, 1), (10, 8, 3, 1, 1, 1, 8), (10, 16, 3, 1, 1, 1, 16),
       (5, 128, 3, 1, 0, 1, 32), (28, 64, 2, 2, 0, 1, 64), (28, 64, 3, 1, 0, 1, 8), (12, 32, 2, 2, 0, 1, 16),
       (16, 4, 3, 1, 1, 8, 4), (30, 64, 3, 1, 0, 1, 16)]
# (CH, WIN, LANES, EW, SIGNED): bnnc_pool_reduce on codes (its bit form's terms are held)
POOL_REDUCE = [(64, 4, 16, 2, 1), (64, 4, 64, 2, 1), (32, 9, 8, 4, 0), (128, 4, 32, 2, 0), (16, 4, 16, 3, 1),
               (64, 4, 32, 4, 1), (8, 9, 1, 2, 1), (256, 4, 64, 2, 1), (24, 4, 12, 8, 0)]
# the unit names of --core
UNIT_CORE = {"mvtu_int": "bnnc_mvtu", "swu": "bnnc_swu", "pool_reduce": "bnnc_pool_reduce"}


def _params(core: str) -> list[dict[str, int]]:
    if core == "mvtu_int":
        return [{"MW": mw, "MH": mh, "PE": pe, "SIMD": simd, "BINARY_IN": 0, "IN_BITS": b, "IN_SIGNED": s}
                for mw, mh, pe, simd, b, s in MVTU_INT]
    if core == "pool_reduce":  # a mixed mask: max and min lanes
        return [{"CH": ch, "WIN": win, "LANES": ln, "AND_MASK": 0x5A5A5A5A5A5A5A5A & ((1 << ch) - 1), "EW": ew,
                 "SIGNED": sg} for ch, win, ln, ew, sg in POOL_REDUCE]
    return [{"IFM_H": h, "IFM_W": h, "CH": ch, "K_H": k, "K_W": k, "STRIDE": st, "PAD": pad, "EW": ew, "LANES": ln}
            for h, ch, k, st, pad, ew, ln in SWU]


def synth(core: str, params: dict[str, int], target: str) -> tuple[dict[str, int], int]:
    """(the parameters incl. generated ROM ones, Yosys LUTs occupied) of one unit."""
    name = UNIT_CORE[core]
    if name == "bnnc_swu":  # the window unit's form the compiler picks for this target
        params = {**params, "ROW_PIPE": row_pipe(target)}
    p, cells = synth_cells(None, name, params, YOSYS[target])
    return p, measure(cells, target)["lut"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--core", choices=tuple(UNIT_CORE), required=True)
    ap.add_argument("--target", choices=sorted(YOSYS), default="xilinx")
    ap.add_argument("--fit", action="store_true", help="print least-squares coefficients of the refit's features")
    ap.add_argument("--write", action="store_true",
                    help="with --fit: write the fitted terms, with their provenance, into compiler/cores/coefficients.json")
    ap.add_argument("-j", type=int, default=2, help="parallel Yosys runs")
    args = ap.parse_args()
    with ThreadPoolExecutor(args.j) as ex:
        rows: list[tuple[dict[str, Any], int]] = list(ex.map(lambda p: synth(args.core, p, args.target),
                                                             _params(args.core)))
    name = UNIT_CORE[args.core]
    print(f"{name} on {args.target}: Yosys LUTs occupied vs the model")
    print("| parameters | Yosys | model | error |")
    print("|---|---|---|---|")
    for p, y in rows:
        m = cost(params_of(name, p), args.target).lut
        shown = {k: v for k, v in p.items() if k not in ("ROM_STYLE", "PARAM_STYLE", "OUT_MODE")}
        print(f"| {shown} | {y:,} | {m:,} | {(m - y) / y * 100:+.0f} % |")
    if args.fit:
        y = np.array([v for _, v in rows], dtype=float)
        if name in ("bnnc_mvtu", "bnnc_pool_reduce"):  # the named terms refitted, the others held as they are
            feats = ["int_tree_bits", "int_tree_pe_bits"] if name == "bnnc_mvtu" else ["code_bits"]
            coef = COEFFS[args.target][name]["lut"]
            full = np.array([cost(params_of(name, p), args.target).lut for p, _ in rows], dtype=float)
            f = np.array([[params_of(name, p).features()[n] for n in feats] for p, _ in rows], dtype=float)
            rest = full - f @ np.array([coef.get(n, 0.0) for n in feats])  # the other terms, as they are
            if name == "bnnc_pool_reduce":  # nonnegative: a held term that already over-prices gives 0, not < 0
                x = nnls(f / y[:, None], (y - rest) / y)
            else:
                x = np.linalg.lstsq(f / y[:, None], (y - rest) / y, rcond=None)[0]
        else:
            feats = ["base", "counters", "lane_bits"]
            f = np.array([[params_of(name, p).features()[n] for n in feats] for p, _ in rows], dtype=float)
            x = nnls(f / y[:, None], np.ones(len(y)))  # relative fit: big and small units count alike
        fitted = {n: round(float(v), 3) for n, v in zip(feats, x)}
        print("fitted:", fitted)
        if args.write:
            write_unit_fit(name, fitted, args.target, f"bench/unit_fit.py --core {args.core} --target {args.target} "
                           "--fit --write", len(rows))
            print(f"wrote them into {COEFFICIENTS_FILE.relative_to(ROOT)}")


def write_unit_fit(core: str, fitted: dict[str, float], target: str, command: str, units: int,
                   path: Path = COEFFICIENTS_FILE) -> None:
    """Put unit-fitted LUT terms of ``core`` into the family's table, hold them in a design-level refit
    (``hand_fitted``) and record where they came from (``unit_fits``)."""
    doc = load_coefficients(path)
    entry = doc["families"][family(target)]
    entry["coefficients"].setdefault(core, {"lut": {}, "ff": {}})["lut"].update(fitted)
    held = entry["hand_fitted"].setdefault(core, {})
    held["lut"] = sorted({*held.get("lut", ()), *fitted})
    entry["unit_fits"][core] = {"terms": {"lut": sorted(fitted)}, "fit": command, **provenance(), "units": units,
                                "target": target, "synthesis": f"Yosys {YOSYS[target].split()[0]}, hierarchy kept"}
    path.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
