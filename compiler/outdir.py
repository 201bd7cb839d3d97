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

``bnnc train --out`` writes a few named files into a folder that may hold the
user's own (the example folders keep their config, README and sample images
beside the export), so it follows the same rule file by file
(:func:`check_own_files`, :func:`atomic_files`): each file bnnc would write must
be absent or listed as bnnc's by the folder's marker (a JSON ``files`` list, e.g.
``train_manifest.json``), and must not be one of the command's inputs; everything
is written to a staging folder first, and only bnnc's own files are replaced.
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
from compiler.version import __version__

MANIFEST = "manifest.json"
# Files and folders that bnnc commands other than compile write into an output folder.
OWNED_EXTRAS = frozenset({"synth", "synth.json", "simulate.json", "report.json", "report.html"})
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


# ----------------------------------------------------------------------------- named files in a shared folder

# A marker is a few names; anything bigger was not written by bnnc.
_MARKER_MAX_BYTES = 1 << 16


def _field_err(field: str, message: str) -> BnncError:
    return BnncError(message, field=field)


def _input_ids(inputs: Iterable[str | Path]) -> set[tuple[int, int]]:
    """(device, inode) of each input that exists, so a file is recognised under any name or link."""
    ids = set()
    for inp in inputs:
        try:
            st = os.stat(inp)
        except (OSError, ValueError):
            continue
        ids.add((st.st_dev, st.st_ino))
    return ids


def _marker_files(folder: Path, marker: str, names: frozenset[str]) -> set[str] | None:
    """The ``names`` that ``folder/marker`` lists as bnnc's; None when the marker is not one bnnc wrote."""
    path = folder / marker
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return set()
    if not stat.S_ISREG(st.st_mode) or st.st_size > _MARKER_MAX_BYTES:
        return None
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or "bnnc_version" not in doc or not isinstance(doc.get("files"), list):
        return None
    # Only names bnnc writes count: a marker edited to list the user's own files never hands them over.
    return {f for f in doc["files"] if isinstance(f, str) and f in names}


def _resolve_folder(out: Path, field: str) -> Path:
    if out.is_symlink() and not out.exists():
        raise _field_err(field, f"output must be a folder or a link to one, not a dangling link "
                                f"{printable(repr(str(out)))}")
    try:
        real = out.resolve()
    except (OSError, RuntimeError) as e:
        raise _field_err(field, f"output path must resolve, not fail with {e}") from None
    if real.exists() and not real.is_dir():
        raise _field_err(field, f"output must be a folder, not an existing file {printable(repr(str(out)))}")
    return real


def _check_own(real: Path, names: frozenset[str], marker: str, field: str, inputs: set[tuple[int, int]]) -> set[str]:
    """bnnc's own files among ``names`` in ``real``; raise if any other of ``names`` is there, or an input."""
    if not real.exists():
        return set()
    try:
        owned = _marker_files(real, marker, names)
        if owned is None:
            raise _field_err(field, f"output folder's {marker} must be one bnnc wrote, not "
                                    f"{printable(repr(str(real / marker)))}; move it or choose another {field}")
        foreign = []
        for name in sorted(names):
            try:
                st = os.lstat(real / name)
            except FileNotFoundError:
                continue
            if name not in owned or not stat.S_ISREG(st.st_mode):
                foreign.append(name)
            elif (st.st_dev, st.st_ino) in inputs:
                raise _field_err(field, f"output folder must not hold bnnc's inputs, not contain "
                                        f"{printable(repr(str(real / name)))}; choose another {field}")
    except OSError as e:
        raise _field_err(field, f"output folder must be readable, not fail with {e.strerror or e}") from None
    if foreign:
        listed = ", ".join(sorted(names))
        raise _field_err(field, f"output folder's {listed} must be bnnc's own (listed in its {marker}), not "
                                f"{printable(repr(foreign[0]))} that bnnc did not write ({len(foreign)} such "
                                f"file(s)); bnnc replaces only its own files, so move them or choose another {field}")
    return owned


def check_own_files(out: str | Path, names: Iterable[str], marker: str, *, field: str,
                    inputs: Iterable[str | Path] = ()) -> Path:
    """The real folder for ``out``, after checking that each of ``names`` in it is absent or bnnc's own.

    Call it before long work (training) so that a refusal comes first; :func:`atomic_files`
    checks again when it writes.
    """
    real = _resolve_folder(Path(out), field)
    _check_own(real, frozenset(names), marker, field, _input_ids(inputs))
    return real


def _write_marker(folder: Path, marker: str, files: Iterable[str]) -> None:
    """Write ``folder/marker`` by replacing it whole (a crash leaves the old or the new one)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{marker}.", dir=folder)
    with os.fdopen(fd, "w") as fh:
        json.dump({"bnnc_version": __version__, "files": sorted(files)}, fh, indent=2)
        fh.write("\n")
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, folder / marker)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_files(out: str | Path, names: Iterable[str], marker: str, *, field: str,
                 inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yield an empty staging folder for files named in ``names``; on success they go into ``out``.

    Each file written replaces bnnc's previous one of that name; bnnc's previous files
    that were not written again are removed (a stale calibration.npy must not outlive its
    net); the marker then lists exactly what was written. Every other file in ``out``
    stays as it was. The marker first lists old and new together, so a crash midway
    leaves each of these names either absent or claimed by the marker, never a user's
    file replaced. On failure the staging folder vanishes and ``out`` is untouched.
    """
    allowed = frozenset(names)
    real = _resolve_folder(Path(out), field)
    ids = _input_ids(inputs)
    _check_own(real, allowed, marker, field, ids)
    parent = real.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage: Path | None = Path(tempfile.mkdtemp(prefix=f".{real.name}{_STAGE}", dir=parent))
    except OSError as e:
        raise _field_err(field, f"output folder's parent must be a writable folder, not fail with "
                                f"{e.strerror or e}") from None
    assert stage is not None
    os.chmod(stage, 0o777 & ~_umask())
    try:
        yield stage
        written = sorted(p.name for p in stage.iterdir())
        assert set(written) <= allowed, f"bnnc wrote {written}, beyond {sorted(allowed)}"
        with _locked(parent):
            owned = _check_own(real, allowed, marker, field, ids)  # it may have changed meanwhile
            if not real.exists():
                _write_marker(stage, marker, written)
                os.rename(stage, real)
                stage = None
            else:
                _write_marker(real, marker, set(written) | owned)
                for name in written:
                    os.replace(stage / name, real / name)
                for name in owned - set(written):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(real / name)
                _write_marker(real, marker, written)
        if stage is not None:
            os.rmdir(stage)
    except OSError as e:
        if stage is not None and stage.exists():
            _remove_tree(stage)
        why = e.strerror or str(e)
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise _field_err(field, f"output folder must be writable, not fail with {why}") from None
        raise _field_err(field, f"output folder must take bnnc's files, not fail with {why}") from None
    except BaseException:
        if stage is not None and stage.exists():
            _remove_tree(stage)
        raise
