"""A minimal compiler cache for Verilator's design-independent run-time objects.

Used as make's ``OBJCACHE`` command prefix (see ``verilated.mk``): make runs
``python objcache.py c++ ... -c -o verilated.o .../include/verilated.cpp``.
Objects compiled from the Verilator include folder's ``verilated*.cpp`` do not
depend on the design, so they are cached in ``$BNNC_OBJCACHE_DIR`` under a hash
of the full command line and the source file; everything else just runs the
compiler. Cache entries are published atomically, so parallel builds are safe.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _cacheable(argv: list[str]) -> tuple[Path, Path] | None:
    """(source, output) of a cacheable compile command, or None."""
    if "-c" not in argv or "-o" not in argv:
        return None
    out = Path(argv[argv.index("-o") + 1])
    sources = [Path(a) for a in argv if a.endswith(".cpp")]
    if len(sources) != 1:
        return None
    src = sources[0]
    if not (src.name.startswith("verilated") and src.is_absolute() and (src.parent / "verilated.h").is_file()):
        return None
    return src, out


def _key(argv: list[str], src: Path) -> str:
    st = src.stat()
    cxx = shutil.which(argv[0]) or argv[0]
    try:
        cst = Path(cxx).resolve().stat()
        cxx_id = f"{Path(cxx).resolve()}:{cst.st_size}:{int(cst.st_mtime)}"
    except OSError:
        cxx_id = cxx
    text = "\0".join(argv) + f"\0{src}:{st.st_size}:{int(st.st_mtime)}\0{cxx_id}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def main(argv: list[str]) -> int:
    """Run (or replay from cache) one compiler command; return its exit status."""
    cache_root = os.environ.get("BNNC_OBJCACHE_DIR")
    target = _cacheable(argv) if cache_root else None
    if target is None:
        return subprocess.call(argv)
    src, out = target
    dep = out.with_suffix(".d")
    entry = Path(cache_root) / _key(argv, src)
    if (entry / "obj.o").is_file():
        shutil.copyfile(entry / "obj.o", out)
        if (entry / "obj.d").is_file():
            shutil.copyfile(entry / "obj.d", dep)
        return 0
    rc = subprocess.call(argv)
    if rc != 0 or not out.is_file():
        return rc
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="tmp_", dir=entry.parent))
    shutil.copyfile(out, tmp / "obj.o")
    if dep.is_file():
        shutil.copyfile(dep, tmp / "obj.d")
    try:
        os.rename(tmp, entry)
    except OSError:  # published by a parallel build meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
