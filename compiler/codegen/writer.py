"""Writes a compiled network's output folder atomically: RTL, ROM files and manifest.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compiler.ir import Graph
from compiler.manifest import build_manifest
from compiler.outdir import atomic_dir


def write_output(folded: Graph, out: Path) -> dict[str, Any]:
    """Write everything for ``folded`` into ``out`` (replaced whole); return the manifest."""
    manifest = build_manifest(folded)
    with atomic_dir(out) as stage:
        files: list[str] = []
        manifest["files"] = sorted(files + ["manifest.json"])
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
