"""Benchmark: memories by shape (issues 11, 12). Each ROM's plan on each target, and Yosys beside it.

Two sections, printed as Markdown tables (the figures in BENCHMARKS.md):

* plans: examples/lfc at BNN-PYNQ's folding (bench/sim_engines.py's WIDE_FOLDING, interval 512)
  and examples/mlp_small, compiled for every target of compiler/targets.py: blocks and LUTs
  planned, or the one-line refusal of a Lattice part too small.
* yosys: the same designs through ``synth_xilinx -flatten`` with the planned ROM styles ("plan")
  and with the old policy ("old": ROM_STYLE 1 for weight ROMs of >= 16 kbit, the tool's choice
  for every other ROM), rewritten into a copy of the compiled top level: RAMB18 (RAMB36 = 2),
  LUT-RAM and LUT cells.

    .venv/bin/python bench/memories.py [--sections plans,yosys] [--nets lfc,mlp_small]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import compiler  # noqa: E402
from compiler.errors import BnncError  # noqa: E402
from compiler.targets import TARGETS  # noqa: E402
from compiler.runtime.synth import flattened_cells, yosys_command  # noqa: E402

WIDE_FOLDING = {"fc1": (32, 64), "fc2": (64, 32), "fc3": (32, 64), "fc4": (10, 8)}
OLD_BLOCK_MIN_BITS = 16 * 1024  # the policy before plan_rom (compiler/cores/mvtu.py's ROM_BLOCK_MIN_BITS)


def _net(name: str, work: Path, target: str) -> Path:
    """net.yaml of ``name`` (the LFC at BNN-PYNQ's folding) with ``hardware.target`` set, in ``work``."""
    src = (ROOT / "examples" / name / "net.yaml").read_text()
    hw = "hardware:\n  clock_mhz: 100.0\n  target: " + target + "\n"
    if name == "lfc":
        hw += "  folding:\n" + "\n".join(f"    {k}: {{pe: {p}, simd: {s}}}" for k, (p, s) in WIDE_FOLDING.items())
    text = src.replace("hardware: {clock_mhz: 100.0}", hw)
    assert text != src, f"examples/{name}/net.yaml's hardware line changed: update bench/memories.py"
    folder = work / f"{name}_{target}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "net.yaml").write_text(text + "\n")
    shutil.copy(ROOT / "examples" / name / "weights.npz", folder / "weights.npz")
    return folder / "net.yaml"


def plans(nets: list[str], work: Path) -> None:
    """Blocks and LUTs planned per target, or the refusal."""
    print("| network | target | block ROMs | blocks planned (capacity) | logic ROMs | LUTs planned | compile |")
    print("|---|---|---|---|---|---|---|")
    for name in nets:
        for t in TARGETS.values():
            try:
                m = compiler.compile(_net(name, work, t.name), work / f"{name}_{t.name}" / "rtl")
            except BnncError as e:
                print(f"| {name} | {t.name} | | | | | refused: {e.detail} |")
                continue
            ps = [p for mod in m["rtl"]["modules"] for p in mod.get("rom_plans", {}).values()]
            blk = [p for p in ps if p["style"] == "block"]
            print(f"| {name} | {t.name} | {len(blk)} | {sum(p['blocks'] for p in blk)} {t.bram.name} ({t.blocks}) | "
                  f"{len(ps) - len(blk)} | {sum(p['luts'] for p in ps):,} | ok |")


def _old_policy(rtl: Path, top: str) -> None:
    """Rewrite the top level's ROM styles to the old policy (weights >= 16 kbit block, the rest the tool's)."""
    m = json.loads((rtl / "manifest.json").read_text())
    text = (rtl / f"{top}.v").read_text()
    parts = text.split("bnnc_mvtu #(")
    for mod in m["rtl"]["modules"]:
        if mod["core"] != "bnnc_mvtu":
            continue
        old = 1 if mod["rom_plans"]["weights"]["bits"] >= OLD_BLOCK_MIN_BITS else 0
        k = next(i for i, part in enumerate(parts) if re.search(rf"\) u_{mod['name']} \(", part))
        head, sep, tail = parts[k].partition(f") u_{mod['name']} (")
        head = re.sub(r"\.ROM_STYLE\(\d\)", f".ROM_STYLE({old})", head)
        head = re.sub(r"\.PARAM_STYLE\(\d\)", ".PARAM_STYLE(0)", head)
        parts[k] = head + sep + tail
    text = "bnnc_mvtu #(".join(parts)
    (rtl / f"{top}.v").write_text(text)


def _synth(rtl: Path) -> tuple[dict[str, int], float]:
    """synth_xilinx -flatten of a compile folder: cells by type, seconds."""
    top = json.loads((rtl / "manifest.json").read_text())["rtl"]["top"]
    files = " ".join((rtl / "filelist.f").read_text().split())
    script = (f"read_verilog -defer {files}; hierarchy -check -top {top}; synth_xilinx -flatten -top {top}; "
              "tee -q -o stat.json stat -json")
    t0 = time.perf_counter()
    subprocess.run([*yosys_command(), "-q", "-p", script], cwd=rtl, check=True, capture_output=True)
    secs = time.perf_counter() - t0
    return flattened_cells(json.loads((rtl / "stat.json").read_text()))[top], secs


def yosys(nets: list[str], work: Path) -> None:
    """Planned styles vs the old policy through synth_xilinx -flatten."""
    print("| network | ROM styles | RAMB18 (RAMB36 = 2) | LUT-RAM cells | LUT (LUT-RAM excluded) | FF | yosys (s) |")
    print("|---|---|---|---|---|---|---|")
    for name in nets:
        rtl = work / f"{name}_xilinx" / "rtl"
        if not rtl.is_dir():
            compiler.compile(_net(name, work, "xilinx"), rtl)
        top = json.loads((rtl / "manifest.json").read_text())["rtl"]["top"]
        old = work / f"{name}_xilinx" / "rtl_old"
        shutil.copytree(rtl, old, dirs_exist_ok=True)
        _old_policy(old, top)
        for label, folder in (("plan", rtl), ("old", old)):
            c, secs = _synth(folder)
            bram = c.get("RAMB18E1", 0) + 2 * c.get("RAMB36E1", 0)
            lutram = sum(n for k, n in c.items() if k.startswith("RAM") and not k.startswith("RAMB"))
            lut = sum(n for k, n in c.items() if k.startswith("LUT"))
            ff = sum(n for k, n in c.items() if k.startswith("FD"))
            print(f"| {name} | {label} | {bram} | {lutram:,} | {lut:,} | {ff:,} | {secs:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="plans,yosys")
    ap.add_argument("--nets", default="lfc,mlp_small")
    args = ap.parse_args()
    nets = args.nets.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if "plans" in args.sections:
            plans(nets, work)
        if "yosys" in args.sections:
            yosys(nets, work)


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("yosys"))  # a blank line ends the table
