"""Shared folding arithmetic, defined once: ceiling division, padded lanes, neuron/synapse folds, cycles.

FINN's folding of a matrix-vector unit: MH output rows on PE parallel neurons, MW
inputs on SIMD parallel lanes. PE and SIMD need not divide MH and MW: the last
fold is padded (padding weights are 0 and padding lanes are ignored).

>>> f = Folding(mh=10, mw=20, pe=3, simd=6)
>>> f.nf, f.sf, f.cycles, f.rom_words, f.rom_bits
(4, 4, 16, 16, 288)
>>> ceil_div(784, 64), padded(784, 64)
(13, 832)
"""

from __future__ import annotations

from dataclasses import dataclass


def ceil_div(a: int, b: int) -> int:
    """⌈a / b⌉ for integers, b > 0 (beats of a vector, folds of a dimension)."""
    return -(-a // b)


def padded(n: int, per: int) -> int:
    """n rounded up to a whole number of ``per``-sized folds (lanes including padding)."""
    return ceil_div(n, per) * per


@dataclass(frozen=True)
class Folding:
    """PE x SIMD folding of an MH x MW matrix applied ``pixels`` times per image."""

    mh: int
    mw: int
    pe: int
    simd: int
    pixels: int = 1

    @property
    def nf(self) -> int:
        """Neuron folds ⌈MH/PE⌉: output beats per vector."""
        return ceil_div(self.mh, self.pe)

    @property
    def sf(self) -> int:
        """Synapse folds ⌈MW/SIMD⌉: input beats per vector."""
        return ceil_div(self.mw, self.simd)

    @property
    def cycles(self) -> int:
        """FINN's folding formula, padding included: ⌈MH/PE⌉·⌈MW/SIMD⌉·pixels cycles per image."""
        return self.nf * self.sf * self.pixels

    @property
    def rom_words(self) -> int:
        """Words of the weight ROM: one PE x SIMD word per (neuron fold, synapse fold)."""
        return self.nf * self.sf

    @property
    def rom_bits(self) -> int:
        """Bits of the weight ROM, padding included."""
        return self.rom_words * self.pe * self.simd

    @property
    def padding_weights(self) -> int:
        """Weight positions that are padding (0 when PE and SIMD divide MH and MW)."""
        return self.nf * self.pe * self.sf * self.simd - self.mh * self.mw
