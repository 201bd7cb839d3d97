"""Writers (and a reader) of the ``$readmemh`` ROM files of ``bnnc_mvtu`` (format: docs/hardware.md).

The compiler's code generator and the testbenches use these same functions,
so the ROM layout exists once.

* ``WEIGHT_FILE``: NF*SF lines; line ``nf*SF + sf`` is a hex word of PE*SIMD
  bits; bit ``p*SIMD + s`` is the weight bit of neuron ``nf*PE + p``, input
  ``sf*SIMD + s`` (1 = +1). Padding positions are 0.
* ``PARAM_FILE``: NF lines; mode 0: PE lanes of ACC_BITS two's complement
  thresholds (neuron ``nf*PE + p`` in lane p); mode 2: PE lanes of 2*AFF_BITS,
  lane p = ``{B, A}`` (A in the low AFF_BITS). Padding neurons get 0.

>>> w = np.array([[1, 0, 1], [0, 1, 1]], dtype=np.uint8)   # MH=2, MW=3
>>> mvtu_weight_lines(w, pe=1, simd=2)   # NF=2, SF=2: lines nf*SF + sf
['1', '1', '2', '1']
>>> mvtu_param_lines(np.array([3, -1]), out_mode=0, pe=2, acc_bits=4)
['f3']
>>> mvtu_param_lines((np.array([2]), np.array([-3])), out_mode=2, pe=1, aff_bits=4)
['d2']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from runtime.bits import pack_lanes


def _hex_digits(bits: int) -> int:
    return max(1, -(-bits // 4))


def _folds(n: int, per: int) -> int:
    return -(-n // per)


def mvtu_weight_words(weights_bits: np.ndarray, pe: int, simd: int) -> list[int]:
    """The NF*SF weight ROM words (Python ints of PE*SIMD bits) for a (MH, MW) 0/1 matrix."""
    w = np.asarray(weights_bits)
    if w.ndim != 2:
        raise ValueError(f"weights must be a (MH, MW) matrix, got shape {w.shape}")
    if not np.isin(w, (0, 1)).all():
        raise ValueError("weights must be bits (0 = -1, 1 = +1)")
    if pe < 1 or simd < 1:
        raise ValueError(f"PE and SIMD must be >= 1, got PE={pe}, SIMD={simd}")
    mh, mw = w.shape
    nf, sf = _folds(mh, pe), _folds(mw, simd)
    padded = np.zeros((nf * pe, sf * simd), dtype=np.uint8)
    padded[:mh, :mw] = w
    # (nf, p, sf, s) -> (nf, sf, p, s): word (nf, sf) has bit p*SIMD + s.
    blocks = padded.reshape(nf, pe, sf, simd).transpose(0, 2, 1, 3).reshape(nf * sf, pe * simd)
    packed = np.packbits(blocks, axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def mvtu_weight_lines(weights_bits: np.ndarray, pe: int, simd: int) -> list[str]:
    """Lines of the weight ROM file (hex, fixed width ceil(PE*SIMD/4) digits)."""
    digits = _hex_digits(pe * simd)
    return [format(word, f"0{digits}x") for word in mvtu_weight_words(weights_bits, pe, simd)]


def _check_signed(values: np.ndarray, bits: int, what: str) -> None:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if values.size and (values.min() < lo or values.max() > hi):
        raise ValueError(f"{what} out of range for {bits}-bit two's complement [{lo}, {hi}]: "
                         f"min {values.min()}, max {values.max()}")


def mvtu_param_lines(
    params: np.ndarray | Sequence[np.ndarray] | None,
    out_mode: int,
    pe: int,
    acc_bits: int | None = None,
    aff_bits: int | None = None,
) -> list[str]:
    """Lines of the parameter ROM file.

    Args:
        params: mode 0: thresholds, shape (MH,); mode 2: ``(A, B)`` each (MH,),
            or an (MH, 2) array of columns A, B; mode 1: ignored (returns []).
        out_mode: 0, 1 or 2 (OUT_MODE of the unit).
        pe: PE of the unit.
        acc_bits: ACC_BITS (mode 0).
        aff_bits: AFF_BITS (mode 2).

    Raises:
        ValueError: a value does not fit its lane, or arguments are missing.
    """
    if out_mode == 1:
        return []
    if out_mode == 0:
        if acc_bits is None or acc_bits < 2:
            raise ValueError("mode 0 needs acc_bits >= 2")
        thr = np.asarray(params, dtype=np.int64).reshape(-1)
        _check_signed(thr, acc_bits, "threshold")
        lanes, width = [thr], acc_bits
    elif out_mode == 2:
        if aff_bits is None or aff_bits < 1:
            raise ValueError("mode 2 needs aff_bits >= 1")
        if isinstance(params, np.ndarray) and params.ndim == 2:
            a, b = params[:, 0], params[:, 1]
        else:
            a, b = params  # type: ignore[misc]
        a = np.asarray(a, dtype=np.int64).reshape(-1)
        b = np.asarray(b, dtype=np.int64).reshape(-1)
        if a.shape != b.shape:
            raise ValueError(f"A and B must have the same length, got {a.shape} and {b.shape}")
        _check_signed(a, aff_bits, "A")
        _check_signed(b, aff_bits, "B")
        mask = (1 << aff_bits) - 1
        ab = [((int(bv) & mask) << aff_bits) | (int(av) & mask) for av, bv in zip(a, b)]
        lanes, width = [np.array(ab, dtype=object)], 2 * aff_bits
    else:
        raise ValueError(f"out_mode must be 0, 1 or 2, got {out_mode}")
    vals = lanes[0]
    nf = _folds(len(vals), pe)
    digits = _hex_digits(pe * width)
    lines = []
    for f in range(nf):
        chunk = [int(v) for v in vals[f * pe : (f + 1) * pe]]
        chunk += [0] * (pe - len(chunk))
        lines.append(format(pack_lanes(chunk, width), f"0{digits}x"))
    return lines


def write_mem(path: str | os.PathLike[str], lines: Sequence[str]) -> Path:
    """Write ``$readmemh`` lines (one word per line, trailing newline); return the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("".join(line + "\n" for line in lines))
    return p


def write_mvtu_mems(
    weights_bits: np.ndarray,
    params: np.ndarray | Sequence[np.ndarray] | None,
    pe: int,
    simd: int,
    out_mode: int,
    weight_path: str | os.PathLike[str],
    param_path: str | os.PathLike[str] | None = None,
    acc_bits: int | None = None,
    aff_bits: int | None = None,
) -> tuple[Path, Path | None]:
    """Write the WEIGHT_FILE (and, for modes 0 and 2, the PARAM_FILE) of one bnnc_mvtu.

    Args:
        weights_bits: (MH, MW) array of 0/1 weight bits (1 = +1).
        params: thresholds (mode 0), ``(A, B)`` (mode 2) or None (mode 1); see :func:`mvtu_param_lines`.
        pe, simd: folding of the unit.
        out_mode: OUT_MODE of the unit.
        weight_path, param_path: files to write (param_path required for modes 0 and 2).
        acc_bits: ACC_BITS (mode 0); aff_bits: AFF_BITS (mode 2).

    Returns:
        (weight file, param file or None).
    """
    mh = np.asarray(weights_bits).shape[0]
    wfile = write_mem(weight_path, mvtu_weight_lines(weights_bits, pe, simd))
    if out_mode == 1:
        return wfile, None
    if param_path is None:
        raise ValueError(f"out_mode {out_mode} needs a param_path")
    lines = mvtu_param_lines(params, out_mode, pe, acc_bits=acc_bits, aff_bits=aff_bits)
    if len(lines) != _folds(mh, pe):
        raise ValueError(f"expected {mh} parameter values (one per neuron), got {len(lines)} folds of PE={pe}")
    return wfile, write_mem(param_path, lines)


def read_mem(path: str | os.PathLike[str]) -> list[int]:
    """Read a ``$readmemh`` file written by :func:`write_mem` (no ``@`` addresses, ``//`` comments allowed)."""
    words = []
    for line in Path(path).read_text().splitlines():
        line = line.split("//", 1)[0].strip()
        if line:
            words.extend(int(tok, 16) for tok in line.split())
    return words
