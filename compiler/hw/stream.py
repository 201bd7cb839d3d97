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
from compiler.kernels import im2col


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
    # (kh, kw, stride, padding, pad_value) when the stream carries the sliding windows of its tap's
    # (H, W, C) map (a bnnc_swu's output): each vector is one output pixel's window in (ky, kx, c) order.
    window: tuple[int, int, int, int, int] | None = None

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
        window = tuple(d["window"]) if d.get("window") else None
        return Stream(d["name"], d["tap"], d["lanes"], d["elem_bits"], d["signed"], d["bipolar"],
                      d["elems_per_vector"], d["vectors_per_image"], window)  # type: ignore[arg-type]

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
        d = {"name": self.name, "tap": self.tap, "lanes": self.lanes, "elem_bits": self.elem_bits,
             "signed": self.signed, "bipolar": self.bipolar, "elems_per_vector": self.elems,
             "vectors_per_image": self.vectors, "width": self.width, "beats_per_image": self.beats_per_image}
        if self.window is not None:
            d["window"] = list(self.window)
        return d

    def carried(self, tensor: np.ndarray) -> np.ndarray:
        """What the stream carries of its tap's tensor (N, ...): the tensor, or its sliding windows.

        >>> s = Stream("w", "t", 1, 1, False, True, 4, 1, window=(2, 2, 1, 0, -1))
        >>> s.carried(np.arange(4).reshape(1, 2, 2, 1)).tolist()
        [[[[0, 1, 2, 3]]]]
        """
        if self.window is None:
            return tensor
        kh, kw, stride, pad, pad_value = self.window
        return im2col(np.asarray(tensor), kh, kw, stride, pad, pad_value)

    @property
    def words_per_beat(self) -> int:
        """32-bit words that hold one beat (the layout of :meth:`beat_words`)."""
        return ceil_div(self.width, 32)

    def beat_words(self, tensor: np.ndarray) -> np.ndarray:
        """Beats of each image of ``tensor`` (N, ...) as little-endian 32-bit words, the one lane packer.

        Shape (N, beats_per_image, words_per_beat), uint32: word k of a beat holds
        bits [32k, 32k + 32) of the packed beat, lane i at bits [i*elem_bits, ...)
        (two's complement, padding lanes 0). Vectorized for any width, so whole data
        sets pack in numpy; the compiled simulator moves these words unchanged.

        >>> Stream("s", "t", 40, 1, False, True, 40).beat_words(np.array([[1] + [-1] * 38 + [1]]))
        array([[[  1, 128]]], dtype=uint32)
        """
        n = tensor.shape[0]
        if self.window is not None:
            gathered = self._window_words(np.asarray(tensor))
            if gathered is not None:
                return gathered
        flat = np.asarray(self.carried(tensor)).reshape(n, self.vectors, self.elems)
        nb = self.beats_per_vector
        pad = nb * self.lanes - self.elems
        # everything below works on the narrowest arrays that hold the lanes (uint8 bits, or the
        # lane's little-endian bytes): a CNV's taps are ~200k beats per image, packed per data set
        if self.elem_bits == 1:
            lane_bits = (flat > 0) if self.bipolar else (flat & 1)
            lane_bits = lane_bits.astype(np.uint8, copy=False)
            if pad:
                lane_bits = np.pad(lane_bits, ((0, 0), (0, 0), (0, pad)))
            packed = np.packbits(lane_bits.reshape(n, self.vectors * nb, self.lanes), axis=-1, bitorder="little")
        else:
            # bit j of lane i (two's complement: the value's low bits) at position i*elem_bits + j;
            # the integer cast to unsigned keeps the low bytes (it wraps)
            nlb = next(k for k in (1, 2, 4, 8) if 8 * k >= self.elem_bits)
            le = flat.astype(f"<u{nlb}")
            if pad:
                le = np.pad(le, ((0, 0), (0, 0), (0, pad)))
            lane_bytes = le.view(np.uint8).reshape(n, self.vectors * nb, self.lanes, nlb)
            if self.elem_bits == 8 * nlb:  # whole bytes: the bytes are the beat
                packed = lane_bytes.reshape(n, self.vectors * nb, self.lanes * nlb)
            else:
                lane_bits = np.unpackbits(lane_bytes, axis=-1, bitorder="little")[..., : self.elem_bits]
                packed = np.packbits(lane_bits.reshape(n, self.vectors * nb, self.width), axis=-1,
                                     bitorder="little")
        nbytes = 4 * self.words_per_beat
        if packed.shape[-1] == nbytes:
            out = np.ascontiguousarray(packed)
        else:
            out = np.zeros((n, self.vectors * nb, nbytes), dtype=np.uint8)
            out[..., : packed.shape[-1]] = packed
        return out.view("<u4").astype(np.uint32, copy=False)

    def _window_words(self, tensor: np.ndarray) -> np.ndarray | None:
        """:meth:`beat_words` of a window stream whose beats never straddle a pixel: each pixel's
        beats packed once, then gathered window by window (a 3x3 window repeats each pixel 9 times,
        so this packs a ninth of the bits). None where the lanes do not divide the channels."""
        assert self.window is not None
        kh, kw, stride, pad, pad_value = self.window
        if tensor.ndim != 4:
            return None
        n, h, w, c = tensor.shape
        if self.elems != kh * kw * c or c % self.lanes or (pad and self.words_per_beat != 1):
            return None
        pixel = Stream(self.name, self.tap, self.lanes, self.elem_bits, self.signed, self.bipolar, c, h * w)
        wpb = self.words_per_beat
        words = pixel.beat_words(tensor).reshape(n, h, w, (c // self.lanes) * wpb)
        pad_word = int(pixel.beat_words(np.full((1, h * w * c), pad_value, dtype=tensor.dtype))[0, 0, 0]) if pad else 0
        return im2col(words, kh, kw, stride, pad, pad_word).reshape(n, self.vectors * self.beats_per_vector, wpb)

    def tensor_beats(self, tensor: np.ndarray) -> list[list[int]]:
        """Beats (packed ints) of each image of ``tensor`` (N, ...) on this stream: :meth:`beat_words` as ints.

        >>> Stream("s", "t", 2, 1, False, True, 3).tensor_beats(np.array([[1, -1, 1]]))  # bits 1,0 | 1,pad
        [[1, 1]]
        >>> Stream("s", "t", 2, 4, True, False, 2).tensor_beats(np.array([[-1, 3]]))      # 0xf | 0x3 << 4
        [[63]]
        """
        words = self.beat_words(tensor)
        if words.shape[-1] <= 2:
            # vectorized when a beat fits a uint64
            wide = words.astype(np.uint64)
            joined = wide[..., 0] | (wide[..., 1] << np.uint64(32)) if words.shape[-1] == 2 else wide[..., 0]
            return [row.tolist() for row in joined]
        return [[int.from_bytes(beat.astype("<u4").tobytes(), "little") for beat in img] for img in words]

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
