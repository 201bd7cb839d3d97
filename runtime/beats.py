"""The exact beat sequences that each hardware stream carries, predicted from reference taps.

A stream carries each image as ``vectors`` vectors of ``elems`` elements in
channel-last order, ``lanes`` elements per beat, padding lanes 0 (see
docs/hardware.md); lanes are packed by :mod:`runtime.bits`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from . import bits


class StreamShape(Protocol):
    """What beat prediction needs to know about a stream (compiler.hw.Stream fits)."""

    tap: str
    lanes: int
    elem_bits: int
    signed: bool
    bipolar: bool
    elems: int
    vectors: int


def tensor_beats(tensor: np.ndarray, s: StreamShape) -> list[list[int]]:
    """Beats (packed ints) of each image of ``tensor`` (N, ...) on stream ``s``.

    >>> from types import SimpleNamespace as S
    >>> s = S(tap="t", lanes=2, elem_bits=1, signed=False, bipolar=True, elems=3, vectors=1)
    >>> tensor_beats(np.array([[1, -1, 1]]), s)     # bits 1,0 | 1,pad
    [[1, 1]]
    >>> s = S(tap="t", lanes=2, elem_bits=4, signed=True, bipolar=False, elems=2, vectors=1)
    >>> tensor_beats(np.array([[-1, 3]]), s)         # 0xf | 0x3 << 4
    [[63]]
    """
    n = tensor.shape[0]
    flat = tensor.reshape(n, s.vectors, s.elems)
    if s.bipolar:
        flat = bits.to_bits(flat)
    nb = -(-s.elems // s.lanes)
    padded = np.zeros((n, s.vectors, nb * s.lanes), dtype=np.int64)
    padded[:, :, : s.elems] = flat
    lanes = padded.reshape(n, s.vectors * nb, s.lanes)
    mask = (1 << s.elem_bits) - 1
    out: list[list[int]] = []
    if s.elem_bits * s.lanes <= 62:
        # vectorized when a beat fits an int64
        shifts = np.arange(s.lanes, dtype=np.int64) * s.elem_bits
        words = ((lanes & mask) << shifts).sum(axis=-1)
        return [row.tolist() for row in words]
    for img in lanes:
        out.append([bits.pack_lanes(beat.tolist(), s.elem_bits) for beat in img])
    return out


def decode_beat(word: int, s: StreamShape) -> list[int]:
    """Lane values of one beat (bipolar lanes as ±1), for readable mismatch reports."""
    vals = bits.unpack_lanes(word, s.lanes, s.elem_bits, signed=s.signed)
    return [v * 2 - 1 for v in vals] if s.bipolar else vals
