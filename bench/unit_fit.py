"""Benchmark: the resource model against Yosys on single units, per family (issue 11).

    .venv/bin/python bench/unit_fit.py --core mvtu_int --target xilinx      # or ecp5-25k, ice40-up5k
    .venv/bin/python bench/unit_fit.py --core swu --target ecp5-25k
    .venv/bin/python bench/unit_fit.py --core pool_reduce --target xilinx
    .venv/bin/python bench/unit_fit.py --core mvtu_fewbit --target xilinx   # few-bit weights, OUT_MODE 3
    .venv/bin/python bench/unit_fit.py --core multithreshold --target xilinx  # the input quantizer

Reproduces the refits of BENCHMARKS.md "Integer adder trees on carry chains": each case is one core
(``bnnc_mvtu`` in integer threshold mode, ``bnnc_swu``, ``bnnc_pool_reduce`` on few-bit codes, or ``bnnc_mvtu``
with few-bit weights or the multi-threshold output) with fixed parameters, synthesized alone by
the family's Yosys script (hierarchy kept, as ``bnnc synth`` and ``bench/resource_model.py`` do), and
printed beside the model's LUTs and its error. ``--fit`` also prints the least-squares coefficients of
the features the refit used (int_tree_bits + int_tree_pe_bits; base + counters + lane_bits; code_bits, the
other pool terms held; prod_lane_bits + prod_tree_bits + mt_cmp_bits + mt_count_bits, the other bnnc_mvtu
terms held); ``--write``
puts them in compiler/cores/coefficients.json as hand-fitted terms (a design-level refit keeps them),
with their provenance under the family's ``unit_fits``.
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
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

from compiler.cores import COEFFS, Bits, cost, family, params_of  # noqa: E402
from compiler.cores.multithreshold import multithreshold_params  # noqa: E402
from compiler.cores.base import COEFFICIENTS_FILE, load_coefficients  # noqa: E402
from compiler.bits import bits_for_range  # noqa: E402
from compiler.cores.mvtu import (MvtuOutput, OutMode, multi_threshold_fit, threshold_fit,  # noqa: E402
                                 write_mvtu_mems)
from compiler.cores.swu import row_pipe  # noqa: E402
from compiler.runtime.synth import flattened_cells, yosys_command  # noqa: E402
from glue_luts import CORES as GLUE_CORES  # noqa: E402
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
# (MW, MH, PE, SIMD, BINARY_IN, IN_BITS, IN_SIGNED, WEIGHT_BITS, OUT_MODE, N_THR, OUT_BIAS): bnnc_mvtu with few-bit
# weights (products and their adder trees) and the multi-threshold output (compares, count), both ROMs in block RAM
MVTU_FEWBIT = [(64, 32, 8, 16, 1, 8, 0, 2, 1, 1, 0), (256, 64, 16, 32, 1, 8, 0, 2, 0, 1, 0),
               (64, 32, 8, 16, 0, 2, 1, 2, 3, 2, -1), (128, 64, 16, 8, 0, 2, 1, 2, 3, 2, -1),
               (64, 16, 4, 16, 0, 4, 0, 4, 1, 1, 0), (100, 32, 4, 10, 0, 2, 0, 1, 3, 3, 0),
               (64, 64, 32, 4, 0, 2, 1, 1, 3, 2, -1), (27, 64, 16, 9, 0, 8, 0, 2, 1, 1, 0),
               (64, 16, 8, 8, 0, 4, 1, 4, 3, 15, -8), (256, 64, 4, 64, 1, 8, 0, 1, 3, 3, 0)]
# (LANES, IN_BITS, IN_SIGNED, THRESHOLDS, NEGATE, N): bnnc_multithreshold (a quant of input pixels)
MULTITHRESHOLD = [(4, 8, 0, (64, 192), False, 784), (16, 8, 0, (37, 201), False, 784), (8, 8, 1, (-41, 3, 45), True, 0),
                  (32, 8, 0, (17, 55, 90, 131, 170, 199, 240), False, 784), (3, 8, 0, (128,), False, 3072),
                  (16, 4, 0, tuple(range(1, 16)), False, 0), (8, 8, 0, (13, 29, 61, 77, 99, 150, 222), False, 100),
                  (64, 8, 0, (64, 192), False, 784)]
# the unit names of --core
UNIT_CORE = {"mvtu_int": "bnnc_mvtu", "swu": "bnnc_swu", "pool_reduce": "bnnc_pool_reduce", "mvtu_fewbit": "bnnc_mvtu",
             "multithreshold": "bnnc_multithreshold"}
# the LUT terms each --core refits (the core's other terms held as they are); swu fits its own three from scratch
FIT_TERMS = {"mvtu_int": ["int_tree_bits", "int_tree_pe_bits"], "pool_reduce": ["code_bits"],
             "multithreshold": ["base", "mt_cmp_bits", "mt_count_bits", "pad_lanes"],
             "mvtu_fewbit": ["prod_lane_bits", "prod_tree_bits", "mt_cmp_bits", "mt_count_bits"]}


def _params(core: str) -> list[dict[str, Any]]:
    if core == "multithreshold":
        return [dict(multithreshold_params(ln, b, bool(sg), t, neg, -(len(t) // 2), len(t) - len(t) // 2, n))
                for ln, b, sg, t, neg, n in MULTITHRESHOLD]
    if core == "mvtu_int":
        return [{"MW": mw, "MH": mh, "PE": pe, "SIMD": simd, "BINARY_IN": 0, "IN_BITS": b, "IN_SIGNED": s}
                for mw, mh, pe, simd, b, s in MVTU_INT]
    if core == "mvtu_fewbit":
        return [{"MW": mw, "MH": mh, "PE": pe, "SIMD": simd, "BINARY_IN": b, "IN_BITS": ib, "IN_SIGNED": s,
                 "WEIGHT_BITS": wb, "OUT_MODE": m, "N_THR": k, "OUT_BIAS": bias}
                for mw, mh, pe, simd, b, ib, s, wb, m, k, bias in MVTU_FEWBIT]
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
    if core == "mvtu_fewbit":
        p, cells = _synth_fewbit(params, YOSYS[target])
        return p, measure(cells, target)["lut"]
    if core == "multithreshold":
        p, cells = _synth_alone(name, params, YOSYS[target])
        return p, measure(cells, target)["lut"]
    p, cells = synth_cells(None, name, params, YOSYS[target])
    return p, measure(cells, target)["lut"]


def _synth_alone(core: str, params: dict[str, Any], yosys_script: str) -> tuple[dict[str, Any], dict[str, int]]:
    """A core of one file, synthesized alone (hierarchy kept): (its parameters, the instance's Yosys cell counts)."""
    with tempfile.TemporaryDirectory(prefix="bnnc-unit-") as tmp:
        folder = Path(tmp)
        (folder / f"{core}.v").write_text((ROOT / "templates" / "cores" / f"{core}.v").read_text())
        chparams = " ".join(f"-chparam {k} {v.verilog() if isinstance(v, Bits) else _yosys_int(v)}"
                            for k, v in params.items())
        script = (f"read_verilog -defer {core}.v; hierarchy -check -top {core} {chparams}; {yosys_script} -top {core}; "
                  "tee -q -o stat.json stat -json")
        proc = subprocess.run([*yosys_command(), "-q", "-p", script], cwd=folder, capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"yosys failed on {core} {params}: {(proc.stdout + proc.stderr)[-800:]}")
        cells = flattened_cells(json.loads((folder / "stat.json").read_text()))
    top = next(k for k in cells if k == core or k.startswith(f"$paramod\\{core}\\"))
    return params, cells[top]


def _fewbit_files(p: dict[str, int], folder: Path) -> dict[str, int]:
    """Random codes (or bits), thresholds and the exact ACC_BITS / OUT_BITS of a few-bit bnnc_mvtu unit, its ROM
    images written in ``folder`` (bench/glue_luts.py's _mvtu_files writes 1-bit threshold units only)."""
    rng = np.random.default_rng(0)
    mw, mh, pe, simd, wb, mode = p["MW"], p["MH"], p["PE"], p["SIMD"], p["WEIGHT_BITS"], OutMode(p["OUT_MODE"])
    binary = bool(p["BINARY_IN"])
    if wb == 1:
        w = rng.integers(0, 2, size=(mh, mw))
    else:
        w = rng.integers(-(1 << (wb - 1)) + 1, 1 << (wb - 1), size=(mh, mw))  # the signed narrow range
    xmax = 1 if binary else (1 << (p["IN_BITS"] - p["IN_SIGNED"])) - 1
    wmax = 1 if wb == 1 else (1 << (wb - 1)) - 1
    lo, hi = (0, mw) if binary and wb == 1 else (-mw * xmax * wmax - mw, mw * xmax * wmax + mw)  # a bound
    out: dict[str, int] = {"OUT_MODE": int(mode), "ROM_STYLE": 1}
    thr: Any = None
    if mode == OutMode.MULTI_THRESHOLD:
        thr, acc = multi_threshold_fit(np.sort(rng.integers(lo // 4, hi // 4 + 1, size=(mh, p["N_THR"])), axis=1),
                                       lo, hi)
        mt = MvtuOutput.multi_threshold(lo, hi, p["N_THR"], p["OUT_BIAS"], p["OUT_BIAS"] + p["N_THR"])
        out.update(ACC_BITS=acc, OUT_BITS=mt.out_bits, PARAM_STYLE=1)
    elif mode == OutMode.THRESHOLD:
        thr, acc = threshold_fit(rng.integers(lo // 4, hi // 4 + 1, size=mh), lo, hi)
        out.update(ACC_BITS=acc, OUT_BITS=1, PARAM_STYLE=1)
    else:
        acc = bits_for_range(min(lo, -1), hi)[0]
        out.update(ACC_BITS=acc, OUT_BITS=acc)
    write_mvtu_mems(w, thr, pe, simd, mode, folder / "weights.mem", folder / "params.mem", acc_bits=acc,
                    binary_in=binary, weight_bits=wb)
    return out


def _yosys_int(v: int) -> str:
    """An integer parameter as Yosys's chparam reads it: it takes no minus sign, so a negative one (OUT_BIAS) is a
    32-bit signed literal (-1 = 32'shffffffff)."""
    return str(v) if v >= 0 else "32'sh" + format(v & 0xFFFFFFFF, "08x")


def _synth_fewbit(params: dict[str, int], yosys_script: str) -> tuple[dict[str, int], dict[str, int]]:
    """bench/glue_luts.py's synth_cells for a few-bit bnnc_mvtu unit (its own ROM images): (its parameters, the
    Yosys cell counts of the instance)."""
    with tempfile.TemporaryDirectory(prefix="bnnc-unit-") as tmp:
        folder = Path(tmp)
        p = {**params, **_fewbit_files(params, folder)}
        if p["OUT_MODE"] != OutMode.MULTI_THRESHOLD:
            p = {k: v for k, v in p.items() if k not in ("N_THR", "OUT_BIAS")}
        for name in GLUE_CORES:  # relative names: yowasp's sandbox sees the working folder only
            (folder / f"{name}.v").write_text((ROOT / "templates" / "cores" / f"{name}.v").read_text())
        chparams = " ".join(f"-chparam {k} {_yosys_int(v)}" for k, v in p.items())
        script = (f"read_verilog -defer {' '.join(f'{n}.v' for n in GLUE_CORES)}; hierarchy -check -top bnnc_mvtu "
                  f"{chparams}; {yosys_script} -top bnnc_mvtu; tee -q -o stat.json stat -json")
        proc = subprocess.run([*yosys_command(), "-q", "-p", script], cwd=folder, capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"yosys failed on bnnc_mvtu {p}: {(proc.stdout + proc.stderr)[-800:]}")
        cells = flattened_cells(json.loads((folder / "stat.json").read_text()))
    top = next(k for k in cells if k == "bnnc_mvtu" or k.startswith("$paramod\\bnnc_mvtu\\"))
    return p, cells[top]


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
        shown = {k: v for k, v in p.items() if k not in ("ROM_STYLE", "PARAM_STYLE", "OUT_MODE", "THRESHOLDS")}
        print(f"| {shown} | {y:,} | {m:,} | {(m - y) / y * 100:+.0f} % |")
    if args.fit:
        y = np.array([v for _, v in rows], dtype=float)
        if args.core in FIT_TERMS:  # the named terms refitted, the others held as they are
            feats = FIT_TERMS[args.core]
            coef = COEFFS[args.target][name]["lut"]
            full = np.array([cost(params_of(name, p), args.target).lut for p, _ in rows], dtype=float)
            f = np.array([[params_of(name, p).features()[n] for n in feats] for p, _ in rows], dtype=float)
            rest = full - f @ np.array([coef.get(n, 0.0) for n in feats])  # the other terms, as they are
            if args.core == "multithreshold":  # small units: an absolute fit (a relative one favours the tiniest)
                x = nnls(f, y - rest)
            elif args.core in ("pool_reduce", "mvtu_fewbit"):  # nonnegative: a held term that already over-prices
                # gives 0, not < 0 (and mvtu_fewbit's correlated pairs, lanes and tree, compares and count, stay >= 0)
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
    record = {"terms": {"lut": sorted(fitted)}, "fit": command, **provenance(), "units": units,
              "target": target, "synthesis": f"Yosys {YOSYS[target].split()[0]}, hierarchy kept"}
    old = entry["unit_fits"].get(core)
    if old is not None and set(old["terms"]["lut"]) - set(fitted):
        # another fit's terms of the same core (e.g. bnnc_mvtu's mvtu_int beside mvtu_fewbit): its record is kept
        # under "other_fits", and the core's terms are those of every fit
        others = [r for r in old.pop("other_fits", []) if set(r["terms"]["lut"]) - set(fitted)]
        record["other_fits"] = others + [old]
        record["terms"]["lut"] = sorted({*fitted, *(n for r in record["other_fits"] for n in r["terms"]["lut"])})
    entry["unit_fits"][core] = record
    path.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
