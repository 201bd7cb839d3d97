"""Benchmark: bnnc against the issue-11 anchors (BNN-PYNQ's LFC and CNV, FINN's SFC-max), in Yosys.

Compiles each design, runs ``bnnc synth --target xilinx`` on it (Yosys ``synth_xilinx``, hierarchy
kept, every ROM a ``bnnc_rom`` module of its own) and prints one Markdown row per design: LUTs as
they occupy the part (LUT cells plus the LUTs of LUT-RAM and shift-register cells,
compiler.runtime.synth.summarize), FFs, RAMB18 (BRAM36 = half), DSP48, the model's estimate, the compile time and the Yosys wall time, beside the anchor's
published Vivado figures. The biggest instances follow each row.

* ``lfc``: examples/lfc (trained) at BNN-PYNQ's folding (32, 64), (64, 32), (32, 64), (10, 8),
  interval 512 (bench/sim_engines.py WIDE_FOLDING). Anchor: LFC-W1A1, 28,360 LUT, 110 BRAM36, 4 DSP.
* ``sfc``: FINN's SFC topology 784-256-256-256-10, random weights (bench/resource_model.py
  sfc_net), ``--target-fps 6250000`` (interval 16 at 100 MHz). Anchor: SFC-max, 91,131 LUT.
* ``cnv``: BNN-PYNQ's CNV topology, random weights (designs/cnv.py cnv(0)), ``--target-fps 9150``.
  Anchor: CNV-W1A1, 26,072 LUT at 9,150 frames/s (the issue's figure).
* ``cnv_pynq``: the same CNV at BNN-PYNQ's own folding (bnn/src/network/cnvW1A1/hw/config.h:
  (PE, SIMD) (16, 3), (32, 32), (16, 32), (16, 32), (4, 32), (1, 32), (1, 4), (1, 8), (4, 1)),
  whose slowest layers (fc1, fc2: 32,768 cycles) set an interval of 32,768 cycles, 3,052
  frames/s at the 100 MHz its PYNQ-Z1 project clocks it with (the LFC row's kind of comparison).
* ``cnv_3k``: the CNV folded by ``--target-fps 3052`` (BNN-PYNQ's CNV rate by its folding).

The few-bit anchors of issue 23 (docs/few-bit.md; 2-bit = signed narrow, ternary codes {-1, 0, +1}),
random weights, each at BNN-PYNQ's own folding (its ``config.h``), whose interval the row checks:

* ``lfc_w1a2``: designs/lfc.py lfc(0): the LFC on the binarized uint8 image as ``lfc``, ±1 weights,
  2-bit activations; folding (32, 64), (64, 32), (32, 64), (10, 8) (bnn/src/network/lfcW1A2/hw/config.h,
  its last layer's PE 16 over 64 padded rows; ours has 10 rows: PE 10), interval 512.
  Anchor: LFC-W1A2, 48,981 LUT, 110 BRAM36. Like ``lfc``, no block budget.
* ``cnv_w1a2``: designs/cnv.py cnv(0, act_bits=2) at PYNQ_CNV_W1A2_FOLDING (cnvW1A2/hw/config.h: the
  W1A1 folding), interval 32,768. Anchor: CNV-W1A2, 40,321 LUT.
* ``cnv_w2a2``: cnv(0, act_bits=2, weight_bits=2) (2-bit weights on every layer, the first on the
  int8 image included, as cnvW2A2's L0_WPI 2) at PYNQ_CNV_W2A2_FOLDING (cnvW2A2/hw/config.h),
  interval 115,200 (conv4: 100 pixels x 128/8 x 1152/16). Anchor: CNV-W2A2, 37,302 LUT.

``--bram N`` adds ``hardware.budget: {bram: N}`` to the SFC and the CNVs (N RAMB18: 280 is the
XC7Z020 of BNN-PYNQ's PYNQ-Z1): the folding search may put weight ROMs in block RAM, and the
blocks still idle take logic ROMs.

    .venv/bin/python bench/anchors.py [--designs lfc,sfc,cnv] [--work DIR] [--bram 280] [--repeat 3]

``--repeat N`` compiles each design N times (``bnnc compile`` commands, as bench/compile_time.py's
``--anchors``) and reports the best; the default is one.

Yosys and Vivado count differently; these are Yosys 0.70 (yowasp) LUT6 counts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ANCHORS = {
    "lfc": "BNN-PYNQ LFC-W1A1: 28,360 LUT, 110 BRAM36, 4 DSP (interval 512)",
    "sfc": "FINN SFC-max: 91,131 LUT (12.3 M frames/s at 200 MHz: interval ~16)",
    "cnv": "BNN-PYNQ CNV-W1A1: 26,072 LUT at 9,150 frames/s",
    "cnv_pynq": "BNN-PYNQ CNV-W1A1: 26,072 LUT, 124 BRAM36 tiles (248 RAMB18), 24 DSP (interval 32,768)",
    "cnv_3k": "BNN-PYNQ CNV-W1A1: 26,072 LUT (interval 32,768: 3,052 frames/s at 100 MHz)",
    "lfc_w1a2": "BNN-PYNQ LFC-W1A2: 48,981 LUT, 110 BRAM36 (interval 512)",
    "cnv_w1a2": "BNN-PYNQ CNV-W1A2: 40,321 LUT (interval 32,768)",
    "cnv_w2a2": "BNN-PYNQ CNV-W2A2: 37,302 LUT (interval 115,200)",
}

# BNN-PYNQ's interval (cycles) at its folding: the few-bit designs must compile to it
PYNQ_INTERVAL = {"lfc_w1a2": 512, "cnv_w1a2": 32_768, "cnv_w2a2": 115_200}


def _net(name: str, work: Path, bram: int | None) -> tuple[Path, list[str]]:
    """The design's net.yaml and the extra ``bnnc compile`` arguments."""
    if name == "lfc":
        from sim_engines import wide_lfc

        return wide_lfc(work), []
    if name == "lfc_w1a2":  # as ``lfc``: no block budget
        from designs.lfc import PYNQ_LFC_W1A2_FOLDING, lfc, pynq_folding

        path = lfc(0, folding=pynq_folding(PYNQ_LFC_W1A2_FOLDING)).write(work / f"{name}_src").path
        assert path is not None
        return path, []
    if name in ("cnv_w1a2", "cnv_w2a2"):
        from designs.cnv import PYNQ_CNV_W1A2_FOLDING, PYNQ_CNV_W2A2_FOLDING, cnv
        from designs.lfc import pynq_folding

        table, wbits = (PYNQ_CNV_W1A2_FOLDING, 1) if name == "cnv_w1a2" else (PYNQ_CNV_W2A2_FOLDING, 2)
        path = cnv(0, folding=pynq_folding(table), act_bits=2, weight_bits=wbits).write(work / f"{name}_src").path
        assert path is not None
        net, args = path, []
    elif name == "sfc":
        from resource_model import sfc_net

        net, args = sfc_net(work), ["--target-fps", "6250000"]
    else:
        from designs.cnv import PYNQ_CNV_FOLDING, cnv

        folding = {k: {"pe": pe, "simd": simd} for k, (pe, simd) in PYNQ_CNV_FOLDING.items()}
        path = (cnv(0, folding=folding) if name == "cnv_pynq" else cnv(0)).write(work / f"{name}_src").path
        assert path is not None
        net, args = path, {"cnv": ["--target-fps", "9150"], "cnv_3k": ["--target-fps", "3052"],
                           "cnv_pynq": []}[name]
    if bram is not None:
        text = net.read_text()
        if "hardware:" in text:  # cnv_pynq's folding: the budget joins its hardware section
            assert "\nhardware:\n" in text and "budget" not in text, f"{net}: merge the budget into its hardware"
            net.write_text(text.replace("\nhardware:\n", f"\nhardware:\n  budget: {{bram: {bram}}}\n", 1))
        else:
            net.write_text(text + f"hardware:\n  budget: {{bram: {bram}}}\n")
    return net, args


def run(name: str, work: Path, bram: int | None = None, repeat: int = 1) -> None:
    """Compile (best of ``repeat`` commands), synthesize and print one row (and its biggest instances)."""
    net, extra = _net(name, work, bram)
    rtl = work / f"{name}_rtl"
    compile_s = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "compiler", "compile", str(net), "-o", str(rtl), *extra], check=True,
                       capture_output=True, text=True)
        compile_s = min(compile_s, time.perf_counter() - t0)
    interval = json.loads((rtl / "manifest.json").read_text())["interval_cycles"]
    if name in PYNQ_INTERVAL and interval != PYNQ_INTERVAL[name]:
        raise SystemExit(f"{name}: interval {interval:,} cycles, BNN-PYNQ's at this folding is {PYNQ_INTERVAL[name]:,}")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "compiler", "synth", str(rtl), "--target", "xilinx"], check=True,
                   capture_output=True, text=True)
    yosys_s = time.perf_counter() - t0
    manifest = json.loads((rtl / "manifest.json").read_text())
    stat = json.loads((rtl / "synth" / "stat.json").read_text())
    from compiler.runtime.synth import flattened_cells, summarize

    s = summarize(flattened_cells(stat)[manifest["rtl"]["top"]])
    model = manifest["resources"]["total"]
    print(f"| {name} | {manifest['interval_cycles']:,} | {manifest['throughput_images_per_s']:,.0f} | "
          f"**{s['lut_occupied']:,}** | {s['ff']:,} | {s['bram']} ({s['bram'] / 2:g}) | {s['dsp']} | {model['lut']:,} | "
          f"{compile_s:.2f} | {yosys_s:.0f} | {ANCHORS[name]} |")
    summary = json.loads((rtl / "synth.json").read_text())
    per = sorted(summary["modules"].items(), key=lambda kv: -kv[1].get("lut", 0))[:4]
    print("|  | biggest: " + "; ".join(f"{k} {v.get('lut', 0):,}" for k, v in per) + " |||||||||")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", default="lfc,sfc,cnv,cnv_pynq,cnv_3k")
    ap.add_argument("--work", type=Path, default=None, help="keep the compiled folders here")
    ap.add_argument("--bram", type=int, default=None, help="hardware.budget.bram for the SFC and CNV")
    ap.add_argument("--repeat", type=int, default=1, help="compile each design this many times; the best time")
    args = ap.parse_args()
    print("| design | interval (cycles) | frames/s at 100 MHz | LUT (occupied) | FF | RAMB18 (BRAM36) | DSP "
          "| model LUT | compile (s) | Yosys (s) | anchor (Vivado, published) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for name in args.designs.split(","):
            run(name, work, args.bram, args.repeat)


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    main()
    print("\n" + provenance("yosys"))  # a blank line ends the table
