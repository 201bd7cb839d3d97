"""Writes a compiled network's output folder atomically: RTL, ROM files, file list and manifest.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compiler.hw import HwGraph
from compiler.ir import Graph
from compiler.lower import lower_to_hw
from compiler.manifest import build_manifest
from compiler.outdir import atomic_dir

from .irfile import IR_FILE, save_graph
from .verilog import core_sources, render_top, rom_file, sanitize

# Cycles the measured interval between images may exceed the predicted one in
# simulation: 0, the cores stream back to back (recorded in the manifest).
INTERVAL_OVERHEAD_CYCLES = 0


def top_name(graph: Graph) -> str:
    """The top module's name: the network's, unless that would clash with a core's."""
    name = sanitize(graph.name)
    return f"{name}_top" if name.startswith("bnnc_") else name


def hardware_manifest(hw: HwGraph, top: str) -> dict[str, Any]:
    """The RTL part of the manifest: top, streams, modules and the timing contract."""
    return {
        "top": top,
        "interval_cycles": hw.interval,
        "interval_overhead_cycles": INTERVAL_OVERHEAD_CYCLES,
        "input_stream": hw.input.describe(),
        "output_stream": hw.output.describe(),
        "streams": [s.describe() for s in hw.streams],
        "modules": [m.describe() for m in hw.modules],
    }


def render_files(folded: Graph) -> tuple[dict[str, str], dict[str, Any]]:
    """All output files (name -> text) and the manifest, without touching the disk."""
    manifest = build_manifest(folded)
    hw = lower_to_hw(folded)
    top = top_name(folded)
    files: dict[str, str] = {}
    files.update(core_sources())
    files[f"{top}.v"] = render_top(hw, top, Path(folded.source).name, folded.output)
    for m in hw.modules:
        for suffix, rom in m.roms.items():
            files[rom_file(m, suffix)] = "\n".join(rom.lines) + "\n"
    verilog = sorted(f for f in files if f.endswith(".v") and f != f"{top}.v") + [f"{top}.v"]
    files["filelist.f"] = "\n".join(verilog) + "\n"
    manifest["rtl"] = hardware_manifest(hw, top)
    manifest["files"] = sorted(list(files) + ["manifest.json", IR_FILE])
    files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return files, manifest


def write_output(folded: Graph, out: Path) -> dict[str, Any]:
    """Write everything for ``folded`` into ``out`` (replaced whole, or left untouched on error)."""
    files, manifest = render_files(folded)
    with atomic_dir(out) as stage:
        for name, text in files.items():
            (stage / name).write_text(text)
        save_graph(folded, stage / IR_FILE)
    return manifest
