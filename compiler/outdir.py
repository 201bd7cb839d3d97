"""Safe output folders: a compile leaves a complete folder or none, and never destroys what bnnc did not write.

The rules, in order:

* the output must not be, nor contain, any of the compile's inputs (net.yaml,
  weights, calibration), symlinks and relative paths resolved;
* an existing output must be empty, or a previous bnnc output: a manifest.json
  written by bnnc, and nothing in the folder that its ``files`` list does not name
  (or that later bnnc commands write beside it, :data:`OWNED_EXTRAS`);
* everything is written into a staging folder beside the output, which then
  replaces it under an exclusive lock on the parent folder, so concurrent
  compiles into one folder end with one complete output and no leftovers;
* an output that is a symlink to a folder is replaced where it points; the link stays.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from compiler.errors import BnncError
from compiler.names import printable

MANIFEST = "manifest.json"
# Files and folders that bnnc commands other than compile write into an output folder.
OWNED_EXTRAS = frozenset({"synth", "synth.json"})
_STAGE = ".bnnc-stage-"
_OLD = ".bnnc-old-"


def _err(message: str) -> BnncError:
    return BnncError(message, field="-o")


def _foreign_entries(folder: Path) -> list[str] | None:
    """Entries of ``folder`` that bnnc did not write, or None when it is not a bnnc output at all."""
    entries = sorted(p.name for p in folder.iterdir())
    if not entries:
        return []
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or "bnnc_version" not in manifest or not isinstance(manifest.get("files"), list):
        return None
    owned = {str(f) for f in manifest["files"]} | OWNED_EXTRAS
    return [e for e in entries if e not in owned]


def check_replaceable(out: Path) -> None:
    """Raise unless ``out`` (resolved) is absent, empty, or a previous bnnc output holding only bnnc's files."""
    if not out.exists():
        return
    if not out.is_dir():
        raise _err(f"output must be a folder, not an existing file {printable(repr(str(out)))}")
    try:
        foreign = _foreign_entries(out)
    except OSError as e:
        raise _err(f"output folder must be readable, not fail with {e.strerror}") from None
    if foreign is None:
        raise _err(f"output folder must be empty or a previous bnnc output, not {printable(repr(str(out)))} "
                   "(it has files and no bnnc manifest.json); bnnc replaces the folder whole, so choose another -o")
    if foreign:
        raise _err(f"output folder must hold only what bnnc wrote, not {printable(repr(foreign[0]))} "
                   f"({len(foreign)} other file(s)); bnnc replaces the folder whole, so move them or choose another -o")


def resolve_output(out: Path, inputs: Iterable[str | Path] = ()) -> Path:
    """The real folder to write (symlinks followed), after checking it against the inputs and the rules above."""
    out = Path(out)
    if out.is_symlink() and not out.exists():
        raise _err(f"output must be a folder or a link to one, not a dangling link {printable(repr(str(out)))}")
    try:
        real = out.resolve()
    except (OSError, RuntimeError) as e:
        raise _err(f"output path must resolve, not fail with {e}") from None
    for inp in inputs:
        try:
            src = Path(inp).resolve()
        except (OSError, RuntimeError):
            continue
        if src == real or src.is_relative_to(real):
            raise _err(f"output folder must not hold bnnc's inputs, not contain {printable(repr(str(inp)))} "
                       "(bnnc replaces the folder whole); choose another -o")
    check_replaceable(real)
    return real


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``folder`` itself (no lock file is left behind)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _remove_tree(path: Path) -> None:
    """Remove a folder bnnc owns, making read-only entries writable first."""
    def retry(func, p, _exc):  # type: ignore[no-untyped-def]
        os.chmod(os.path.dirname(p), stat.S_IRWXU)
        if os.path.isdir(p) and not os.path.islink(p):
            os.chmod(p, stat.S_IRWXU)
        func(p)

    shutil.rmtree(path, onerror=retry)


@contextlib.contextmanager
def atomic_dir(out: Path, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces the output whole, on failure it vanishes."""
    real = resolve_output(Path(out), inputs)
    parent = real.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{real.name}{_STAGE}", dir=parent))
    except OSError as e:
        raise _err(f"output folder's parent must be a writable folder, not fail with {e.strerror or e}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(stage, 0o777 & ~umask)  # mkdtemp makes 0700; the result should look like a normal folder
    try:
        yield stage
        with _locked(parent):
            # another compile may have written the folder meanwhile: it must still be replaceable
            check_replaceable(real)
            old = None
            if real.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{real.name}{_OLD}", dir=parent))
                os.rmdir(old)
                os.rename(real, old)
            os.rename(stage, real)
        if old is not None:
            _remove_tree(old)
    except OSError as e:
        if stage.exists():
            _remove_tree(stage)
        why = e.strerror or str(e)
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise _err(f"output folder must be writable, not fail with {why}") from None
        raise _err(f"output folder must be replaceable, not fail with {why}") from None
    except BaseException:
        if stage.exists():
            _remove_tree(stage)
        raise
