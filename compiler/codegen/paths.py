"""Where the Verilog cores and Jinja templates are, installed or in a source checkout."""

from __future__ import annotations

import importlib.resources
from pathlib import Path


def templates_dir() -> Path:
    """The templates folder: package data ``compiler.templates`` when installed, ``templates/`` in a checkout."""
    try:
        root = importlib.resources.files("compiler.templates")
        path = Path(str(root))
        if (path / "top.v.j2").is_file():
            return path
    except ModuleNotFoundError:
        pass
    # An editable install maps only compiler/; the templates folder sits beside it.
    path = Path(__file__).resolve().parents[2] / "templates"
    assert (path / "top.v.j2").is_file(), f"bnnc's templates are missing from {path}"
    return path


def cores_dir() -> Path:
    """The static parameterized cores (``cores/*.v``)."""
    return templates_dir() / "cores"
