"""Bit and lane order of bnnc, defined once.

Every other module (the reference, the ROM writer, the testbenches) packs and
unpacks through these functions, so the order below is the only one there is.

* A bipolar value v in {-1, +1} is the bit b = (v + 1) // 2: +1 is 1, -1 is 0.
* sign(0) = +1.
* Lane i of a packed word occupies bits [i*w, (i+1)*w) (little-endian lanes),
  so for 1-bit lanes bit i of a word is element i.
* Signed lanes are two's complement in their w bits.

>>> to_bits(np.array([-1, 1, 1, -1]))
array([0, 1, 1, 0], dtype=uint8)
>>> pack_lanes([1, 0, 1, 1], 1)       # element 0 is the least significant bit
13
>>> hex(pack_lanes([0x12, 0x34], 8))  # lane 1 sits above lane 0
'0x3412'
>>> pack_lanes([-1, 2], 4)            # two's complement lanes
47
>>> unpack_lanes(47, 2, 4, signed=True)
[-1, 2]
>>> words = pack_bits(np.array([[1, 0, 1] + [0] * 62 + [1]], dtype=np.uint8))
>>> [hex(int(w)) for w in words[0]]
['0x5', '0x2']
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from .arith import ceil_div

WORD_BITS = 64


def sign(x: np.ndarray) -> np.ndarray:
    """Bipolar sign with sign(0) = +1, as int8.

    >>> sign(np.array([-0.5, 0.0, 2.0]))
    array([-1,  1,  1], dtype=int8)
    """
    return np.where(np.asarray(x) >= 0, 1, -1).astype(np.int8)


def to_bits(v: np.ndarray) -> np.ndarray:
    """Bipolar {-1,+1} values to bits {0,1} (uint8)."""
    v = np.asarray(v)
    return ((v + 1) // 2).astype(np.uint8)


def from_bits(b: np.ndarray) -> np.ndarray:
    """Bits {0,1} to bipolar {-1,+1} (int8).

    >>> from_bits(np.array([0, 1]))
    array([-1,  1], dtype=int8)
    """
    return (np.asarray(b).astype(np.int8) * 2 - 1).astype(np.int8)


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack the last axis of a {0,1} array into uint64 words, element i at bit i % 64 of word i // 64.

    Missing elements of the last word are 0. Shape (..., n) -> (..., ceil(n/64)).
    """
    bits = np.asarray(bits, dtype=np.uint8)
    n = bits.shape[-1]
    nwords = max(1, ceil_div(n, WORD_BITS))
    padded = np.zeros(bits.shape[:-1] + (nwords * WORD_BITS,), dtype=np.uint8)
    padded[..., :n] = bits
    # np.packbits with bitorder='little' puts element i at bit i of each byte;
    # viewing 8 little-endian bytes as '<u8' keeps that order across the word.
    as_bytes = np.packbits(padded, axis=-1, bitorder="little")
    return np.ascontiguousarray(as_bytes).view("<u8").reshape(bits.shape[:-1] + (nwords,))


def popcount(words: np.ndarray, axis: int = -1) -> np.ndarray:
    """Number of set bits, summed along ``axis`` (int64)."""
    return np.bitwise_count(words).sum(axis=axis, dtype=np.int64)


def pack_lanes(values: Iterable[int], width: int) -> int:
    """Pack integers into one word, lane i at bits [i*width, (i+1)*width), two's complement."""
    word = 0
    mask = (1 << width) - 1
    for i, v in enumerate(values):
        word |= (int(v) & mask) << (i * width)
    return word


def unpack_lanes(word: int, lanes: int, width: int, signed: bool = False) -> list[int]:
    """Inverse of :func:`pack_lanes`."""
    mask = (1 << width) - 1
    out = []
    for i in range(lanes):
        v = (int(word) >> (i * width)) & mask
        if signed and v >> (width - 1):
            v -= 1 << width
        out.append(v)
    return out


def chunk_lanes(values: Sequence[int], lanes: int, pad: int = 0) -> list[list[int]]:
    """Split a vector into beats of ``lanes`` elements; the last beat is padded with ``pad``.

    >>> chunk_lanes([1, 2, 3, 4, 5], 2)
    [[1, 2], [3, 4], [5, 0]]
    """
    vals = [int(v) for v in values]
    beats = []
    for start in range(0, len(vals), lanes):
        beat = vals[start : start + lanes]
        beat += [pad] * (lanes - len(beat))
        beats.append(beat)
    return beats


def bits_for_range(lo: int, hi: int) -> tuple[int, bool]:
    """Smallest two's-complement (or unsigned, when lo >= 0) width holding [lo, hi].

    >>> bits_for_range(0, 255)
    (8, False)
    >>> bits_for_range(-128, 127)
    (8, True)
    >>> bits_for_range(-1, 784)
    (11, True)
    >>> bits_for_range(0, 0)
    (1, False)
    """
    if lo > hi:
        raise ValueError(f"range must have lo <= hi, not [{lo}, {hi}]")
    if lo >= 0:
        return max(1, int(hi).bit_length()), False
    width = 1
    while not (-(1 << (width - 1)) <= lo and hi <= (1 << (width - 1)) - 1):
        width += 1
    return width, True
