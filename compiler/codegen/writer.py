"""Writes a compiled network's output folder atomically: RTL, ROM files, file list and manifest.json.

The manifest records the sha256 of every other file written (``sha256``), so that every
command that reads the folder later (:mod:`compiler.codegen.folder`) can tell it is still
what this compile wrote.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any, Iterable

from compiler.hw import HwGraph
from compiler.ir import Graph
from compiler.lower import lower_to_hw
from compiler.manifest import build_manifest, resource_manifest
from compiler.outdir import MANIFEST, atomic_dir

from .folder import HASHES
from .irfile import IR_FILE, save_graph
from .naming import name_design
from .paths import cores_dir
from .verilog import core_sources, render_top, rom_file

# Cycles the measured interval between images may exceed the predicted one in
# simulation: 0, the cores stream back to back (recorded in the manifest).
INTERVAL_OVERHEAD_CYCLES = 0


def hardware_manifest(hw: HwGraph, top: str, renamed: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The RTL part of the manifest: top, streams, modules, the timing contract and any renamed names."""
    extra = {"renamed": renamed} if renamed else {}
    return {
        **extra,
        "top": top,
        "interval_cycles": hw.interval,
        "interval_overhead_cycles": INTERVAL_OVERHEAD_CYCLES,
        "input_stream": hw.input.describe(),
        "output_stream": hw.output.describe(),
        "streams": [s.describe() for s in hw.streams],
        "modules": [m.describe() for m in hw.modules],
    }


def render_files(folded: Graph) -> tuple[dict[str, bytes], dict[str, Any]]:
    """All output files (name -> content) and the manifest, without touching the disk."""
    manifest = build_manifest(folded)
    hw = lower_to_hw(folded)
    cores = core_sources(m.core for m in hw.modules)
    every_core = [p.stem for p in cores_dir().glob("*.v")]  # reserved names even when not copied
    top, hw, renamed = name_design(hw, folded.name, every_core)
    files: dict[str, str] = {}
    files.update(cores)
    files[f"{top}.v"] = render_top(hw, top, Path(folded.source).name, folded.output)
    for m in hw.modules:
        for suffix, rom in m.roms.items():
            files[rom_file(m, suffix)] = "\n".join(rom.lines) + "\n"
    verilog = sorted(f for f in files if f.endswith(".v") and f != f"{top}.v") + [f"{top}.v"]
    files["filelist.f"] = "\n".join(verilog) + "\n"
    manifest["rtl"] = hardware_manifest(hw, top, renamed)
    manifest["resources"] = resource_manifest(hw, folded.config.target)
    content = {name: text.encode("utf-8") for name, text in files.items()}
    ir = io.BytesIO()
    save_graph(folded, ir)
    content[IR_FILE] = ir.getvalue()
    manifest["files"] = sorted(list(content) + [MANIFEST])
    manifest[HASHES] = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(content.items())}
    # allow_nan=False: a NaN or infinity in the manifest is a bug, never invalid JSON for the user
    content[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")
    return content, manifest


def write_output(folded: Graph, out: Path, inputs: Iterable[str | Path] = ()) -> dict[str, Any]:
    """Write everything for ``folded`` into ``out`` (replaced whole, or left untouched on error).

    ``out`` must not hold any of ``inputs`` nor the files the graph was read from
    (:mod:`compiler.outdir` has the rules).
    """
    files, manifest = render_files(folded)
    with atomic_dir(out, [*folded.inputs, *inputs]) as stage:
        for name, data in files.items():
            (stage / name).write_bytes(data)
    return manifest
