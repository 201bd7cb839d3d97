"""The one description of an AXI4-Stream link, and the beats it carries.

A stream carries each image as ``vectors`` vectors of ``elems`` elements in
channel-last order, ``lanes`` elements per beat, padding lanes 0 (see
docs/hardware.md); lanes are packed by :mod:`compiler.bits`. The hardware graph,
the manifest, the beat model, ``bnnc simulate`` and the testbenches all use this
class (the manifest's record round-trips through :meth:`Stream.describe` and
:meth:`Stream.from_manifest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from compiler import bits
from compiler.arith import ceil_div
from compiler.ir.types import TensorType


@dataclass(frozen=True)
class Stream:
    """One AXI4-Stream link: ``vectors`` vectors of ``elems`` elements per image, ``lanes`` per beat."""

    name: str
    tap: str
    lanes: int
    elem_bits: int
    signed: bool
    bipolar: bool
    elems: int
    vectors: int = 1

    @staticmethod
    def of_tensor(name: str, tap: str, t: TensorType, lanes: int, vectors: int = 1) -> "Stream":
        """The stream carrying tensor type ``t`` (of IR node ``tap``) at its exact element width."""
        elems = t.size // vectors
        if t.dtype.is_bipolar:
            return Stream(name, tap, lanes, 1, False, True, elems, vectors)
        assert t.dtype.lo is not None and t.dtype.hi is not None
        width, signed = bits.bits_for_range(t.dtype.lo, t.dtype.hi)
        return Stream(name, tap, lanes, width, signed, False, elems, vectors)

    @staticmethod
    def from_manifest(d: dict[str, Any]) -> "Stream":
        """Inverse of :meth:`describe`."""
        return Stream(d["name"], d["tap"], d["lanes"], d["elem_bits"], d["signed"], d["bipolar"],
                      d["elems_per_vector"], d["vectors_per_image"])

    @property
    def width(self) -> int:
        return self.lanes * self.elem_bits

    @property
    def beats_per_vector(self) -> int:
        return ceil_div(self.elems, self.lanes)

    @property
    def beats_per_image(self) -> int:
        return self.beats_per_vector * self.vectors

    def describe(self) -> dict[str, Any]:
        """The manifest's record of this stream."""
        return {"name": self.name, "tap": self.tap, "lanes": self.lanes, "elem_bits": self.elem_bits,
                "signed": self.signed, "bipolar": self.bipolar, "elems_per_vector": self.elems,
                "vectors_per_image": self.vectors, "width": self.width, "beats_per_image": self.beats_per_image}

    def tensor_beats(self, tensor: np.ndarray) -> list[list[int]]:
        """Beats (packed ints) of each image of ``tensor`` (N, ...) on this stream.

        >>> Stream("s", "t", 2, 1, False, True, 3).tensor_beats(np.array([[1, -1, 1]]))  # bits 1,0 | 1,pad
        [[1, 1]]
        >>> Stream("s", "t", 2, 4, True, False, 2).tensor_beats(np.array([[-1, 3]]))      # 0xf | 0x3 << 4
        [[63]]
        """
        n = tensor.shape[0]
        flat = tensor.reshape(n, self.vectors, self.elems)
        if self.bipolar:
            flat = bits.to_bits(flat)
        nb = self.beats_per_vector
        padded = np.zeros((n, self.vectors, nb * self.lanes), dtype=np.int64)
        padded[:, :, : self.elems] = flat
        lanes = padded.reshape(n, self.vectors * nb, self.lanes)
        if self.elem_bits * self.lanes <= 62:
            # vectorized when a beat fits an int64
            mask = (1 << self.elem_bits) - 1
            shifts = np.arange(self.lanes, dtype=np.int64) * self.elem_bits
            words = ((lanes & mask) << shifts).sum(axis=-1)
            return [row.tolist() for row in words]
        return [[bits.pack_lanes(beat.tolist(), self.elem_bits) for beat in img] for img in lanes]

    def decode_beat(self, word: int) -> list[int]:
        """Lane values of one beat (bipolar lanes as ±1).

        >>> Stream("s", "t", 2, 4, True, False, 2).decode_beat(63)
        [-1, 3]
        """
        vals = bits.unpack_lanes(word, self.lanes, self.elem_bits, signed=self.signed)
        return [v * 2 - 1 for v in vals] if self.bipolar else vals

    def format_beat(self, word: int) -> str:
        """A beat for mismatch reports: the word and its lanes."""
        return f"{word:#x} lanes {self.decode_beat(word)}"
