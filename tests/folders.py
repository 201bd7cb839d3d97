"""Test helpers for compile folders that a test changes on purpose (a corrupted ROM, a late ready wire).

Every command that reads a compile folder checks the sha256 bnnc compile recorded of each file
(compiler/codegen/folder.py), so a test that edits a file to prove that the simulation catches the
change records the new hashes first, as someone who knows the format would.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from compiler.codegen.folder import HASHES
from compiler.outdir import MANIFEST


def reseal(rtl: Path) -> None:
    """Record the sha256 of the files of compile folder ``rtl`` as they are now."""
    path = Path(rtl) / MANIFEST
    doc = json.loads(path.read_text())
    doc[HASHES] = {n: hashlib.sha256((Path(rtl) / n).read_bytes()).hexdigest() for n in doc["files"] if n != MANIFEST}
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
