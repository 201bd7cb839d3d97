"""Reading .npy and .npz files from users: headers checked before any data is read.

An array's header declares its dtype and shape; a file that declares more than the
byte budget (``--max-bytes``), a dtype that is not a real number, or more data than
it holds is refused in one line before anything big is allocated.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path
from typing import IO

import numpy as np

from compiler.errors import BnncError
from compiler.limits import DEFAULT_MAX_BYTES, fmt_bytes

_ZIP_MAGIC = b"PK\x03\x04"


def _header(f: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from a .npy header; ``f`` is left at the start of the data."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, _fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"the .npy format version must be 1.0 or 2.0, not {version[0]}.{version[1]}")
    return tuple(int(d) for d in shape), dtype


def not_regular(path: str | Path) -> str | None:
    """None for a regular file (after symlinks), else what it is: a folder, a FIFO, a device...

    Opening a FIFO or a device for reading can block forever or never end, so
    nothing but regular files is opened.
    """
    mode = os.stat(path).st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _declared_bytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    n = 1
    for d in shape:
        n *= d
    return n * dtype.itemsize


def read_npy(path: str | Path, what: str, max_bytes: int = DEFAULT_MAX_BYTES, real: bool = True) -> np.ndarray:
    """The array of the .npy file ``path`` (``what`` names it in messages, e.g. ``--input``).

    ``real``: refuse dtypes other than integers, floats and booleans.
    """
    path = str(path)
    try:
        kind = not_regular(path)
        if kind:
            raise BnncError(f"{what} must be a regular .npy file, not {kind}", file=path)
        with open(path, "rb") as f:
            if f.read(4) == _ZIP_MAGIC:
                raise BnncError(f"{what} must be a NumPy .npy array, not an .npz archive", file=path)
            f.seek(0)
            shape, dtype = _header(f)
            declared = _declared_bytes(shape, dtype)
            if declared > max_bytes:
                raise BnncError(f"{what} must declare at most {fmt_bytes(max_bytes)} (--max-bytes), not "
                                f"{fmt_bytes(declared)} (shape {list(shape)}, {dtype})", file=path)
            if real and dtype.kind not in "biuf":
                raise BnncError(f"{what} must hold real numbers (integers or floats), not dtype {dtype}", file=path)
            if os.fstat(f.fileno()).st_size - f.tell() < declared and not dtype.hasobject:
                raise BnncError(f"{what} must hold the {declared} data bytes its header declares, not fewer "
                                "(the file is truncated)", file=path)
            f.seek(0)
            return np.load(f, allow_pickle=False)
    except FileNotFoundError:
        raise BnncError(f"{what} must be an existing .npy file, not missing", file=path) from None
    except (ValueError, OSError, EOFError, SyntaxError) as e:
        why = " ".join(str(e).split())[:200] or type(e).__name__
        raise BnncError(f"{what} must be a NumPy .npy array, not an unreadable file ({why})", file=path) from None


def read_npz(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "the weights") -> dict[str, np.ndarray]:
    """Every array of the .npz archive ``path``, each member's declared size checked before it is read.

    ``what`` names the archive in messages (the weights of a net.yaml, a training data set).
    """
    def unreadable(why: str) -> BnncError:
        return BnncError(f"{what} must be a NumPy .npz archive of arrays, not an unreadable file ({why})",
                         file=str(path))

    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            for info in infos:
                if info.file_size > max_bytes:
                    raise BnncError(f"array {info.filename.removesuffix('.npy')} must be at most "
                                    f"{fmt_bytes(max_bytes)} (--max-bytes), not {fmt_bytes(info.file_size)} "
                                    "as the archive declares", file=str(path))
            out: dict[str, np.ndarray] = {}
            for info in infos:
                name = info.filename.removesuffix(".npy")
                with z.open(info) as f:
                    shape, dtype = _header(f)
                    declared = _declared_bytes(shape, dtype)
                    if declared > max_bytes:
                        raise BnncError(f"array {name} must be at most {fmt_bytes(max_bytes)} (--max-bytes), not "
                                        f"{fmt_bytes(declared)} as its header declares (shape {list(shape)}, "
                                        f"{dtype})", file=str(path))
                    if dtype.hasobject:
                        raise unreadable("Object arrays cannot be loaded when allow_pickle=False")
                with z.open(info) as f:
                    out[name] = np.lib.format.read_array(f, allow_pickle=False)
            return out
    except BnncError:
        raise
    except (ValueError, OSError, EOFError, KeyError, SyntaxError, zipfile.BadZipFile, NotImplementedError) as e:
        raise unreadable(" ".join(str(e).split())[:200] or type(e).__name__) from None
