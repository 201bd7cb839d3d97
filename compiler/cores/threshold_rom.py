"""The ``bnnc_threshold_rom`` core: its parameters, the layout of its threshold ROM (docs/hardware.md), its cost.

Line b of ``THR_FILE`` holds LANES lanes of TW+1 bits; lane i is ``{INV, T}`` of
element ``b*LANES + i`` of a vector, and the output bit is ``(x >= T) XOR INV``.
A negated compare ``-x >= T`` is stored as ``x >= -T + 1`` inverted.

>>> lines, tw = threshold_rom_lines(np.array([3, -1]), np.array([False, True]), n=2, lanes=2)
>>> tw, lines     # lane 0 = {0, 3}; lane 1 = {1, 2} (-x >= -1  <=>  not x >= 2)
(3, ['a3'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compiler.arith import ceil_div
from compiler.bits import bits_for_range, pack_lanes

from .base import CoreParams, Resources
from .rom import rom_resources
from .threshold import compare_features


@dataclass(frozen=True)
class ThresholdRomParams(CoreParams):
    """bnnc_threshold_rom's parameters."""

    CORE = "bnnc_threshold_rom"
    LATENCY = 1  # the output register: the cycle after a beat is taken, it is offered
    FILES = ("THR_FILE",)

    LANES: int = 4
    IN_BITS: int = 8
    IN_SIGNED: int = 1
    N: int = 8
    TW: int = 10
    ROM_STYLE: int = 0

    @property
    def rom_shape(self) -> tuple[int, int]:
        """(depth, width) of its ROM: a line per beat of a vector, LANES lanes of {INV, T}."""
        return ceil_div(self.N, self.LANES), self.LANES * (self.TW + 1)

    def features(self) -> dict[str, float]:
        return compare_features(self.LANES, self.IN_BITS, self.N)

    def memories(self, target: str, fast: bool = False) -> Resources:
        return rom_resources(*self.rom_shape, target, sync=False, fast=fast)  # read in the beat's own cycle


def _effective(t: np.ndarray, neg: np.ndarray) -> np.ndarray:
    return np.where(neg, -t + 1, t)  # -x >= T  <=>  not (x >= -T + 1)


def threshold_rom_width(thresholds: np.ndarray, negate: np.ndarray) -> int:
    """TW: the two's-complement width of the stored thresholds (at least 2)."""
    eff = _effective(np.asarray(thresholds, dtype=np.int64).reshape(-1), np.asarray(negate, dtype=bool).reshape(-1))
    return max(2, bits_for_range(min(int(eff.min()), -1), max(int(eff.max()), 0))[0])


def threshold_rom_lines(thresholds: np.ndarray, negate: np.ndarray, n: int, lanes: int) -> tuple[list[str], int]:
    """(``$readmemh`` lines, TW) for per-element thresholds of a vector of ``n`` elements on ``lanes`` lanes.

    ``thresholds`` and ``negate`` are per element (already tiled from per-channel values).
    """
    t = np.asarray(thresholds, dtype=np.int64).reshape(-1)
    neg = np.asarray(negate, dtype=bool).reshape(-1)
    assert t.shape == neg.shape == (n,), (t.shape, neg.shape, n)
    eff = _effective(t, neg)
    tw = threshold_rom_width(t, neg)
    width = tw + 1
    mask = (1 << tw) - 1
    words = [((int(iv) << tw) | (int(v) & mask)) for v, iv in zip(eff, neg)]
    digits = max(1, ceil_div(lanes * width, 4))
    lines = []
    for b in range(ceil_div(n, lanes)):
        chunk = words[b * lanes : (b + 1) * lanes]
        chunk += [0] * (lanes - len(chunk))
        lines.append(format(pack_lanes(chunk, width), f"0{digits}x"))
    return lines, tw
