"""The ``bnnc_affine_serial`` core: its parameters, its ROM layout, the arithmetic it performs, its cost.

The compiler's lowering and the core's testbench both use these functions, so the
layout and the model exist once.

* ``PARAM_FILE``: N lines, line n = class n; MODE 1 (multiply): ``{B, A}``, A in the
  low ``a_bits`` bits; MODE 0 (shift-add, every scale 2**A_SHIFT): B alone. Two's
  complement, ``ceil(width/4)`` hex digits.

>>> affine_serial_lines(np.array([2, -1]), np.array([-3, 5]), a_bits=4, b_bits=4)
['d2', '5f']
>>> affine_serial_lines(None, np.array([-3, 5]), a_bits=None, b_bits=4)
['d', '5']
>>> affine_serial_model(np.array([3, -2]), np.array([2, 2]), np.array([1, -1]), shift=1).tolist()
[3, -3]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compiler.arith import ceil_div

from .base import CoreParams, Resources, log2_bits, multiplier
from .rom import rom_resources


@dataclass(frozen=True)
class AffineSerialParams(CoreParams):
    """bnnc_affine_serial's parameters."""

    CORE = "bnnc_affine_serial"
    FILES = ("PARAM_FILE",)

    N: int = 10
    LANES: int = 10
    ACC_BITS: int = 12
    MODE: int = 1
    A_BITS: int = 16
    A_SHIFT: int = 0
    B_BITS: int = 16
    SHIFT: int = 0
    OUT_BITS: int = 24

    def latency_bound(self) -> int:
        """The last input beat's lanes issue one a cycle from the cycle after it is taken, each then passing the
        issue, product and sum registers: its last score is offered (lanes in the last beat) + 3 cycles after it
        was taken. Checked to the proofs' depth (formal/cases.py)."""
        last = self.N - (ceil_div(self.N, self.LANES) - 1) * self.LANES
        return last + 3

    @property
    def rom_width(self) -> int:
        """Bits per ROM word: {B, A} (MODE 1) or B (MODE 0)."""
        return self.B_BITS + (self.A_BITS if self.MODE == 1 else 0)

    def features(self) -> dict[str, float]:
        lanes, acc = self.LANES, self.ACC_BITS
        mul = self.MODE == 1
        return {"base": 1.0, "in_bits": lanes * acc, "lane_mux": acc * log2_bits(lanes) if lanes > 1 else 0,
                "mul_bits": acc * self.A_BITS if mul else 0,
                "out_bits": self.OUT_BITS + acc + self.B_BITS, "counters": log2_bits(self.N)}

    def memories(self, target: str, fast: bool = False) -> Resources:
        res = rom_resources(self.N, self.rom_width, target, True, fast)
        return res + multiplier(self.ACC_BITS, self.A_BITS, target) if self.MODE == 1 else res


def _check(values: np.ndarray, bits: int, what: str) -> None:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if values.size and (int(values.min()) < lo or int(values.max()) > hi):
        raise ValueError(f"{what} must fit {bits}-bit two's complement [{lo}, {hi}], "
                         f"not range [{values.min()}, {values.max()}]")


def affine_serial_lines(scale: np.ndarray | None, offset: np.ndarray, a_bits: int | None, b_bits: int) -> list[str]:
    """Lines of the PARAM_FILE: ``{B, A}`` per class (MODE 1, ``scale`` given) or B alone (MODE 0, ``scale`` None).

    Raises:
        ValueError: a value does not fit its width, or the widths are too small.
    """
    b = np.asarray(offset, dtype=np.int64).reshape(-1)
    if b_bits < 1:
        raise ValueError(f"b_bits must be >= 1, not {b_bits}")
    _check(b, b_bits, "B")
    bmask = (1 << b_bits) - 1
    if scale is None:
        words, width = [int(v) & bmask for v in b], b_bits
    else:
        a = np.asarray(scale, dtype=np.int64).reshape(-1)
        if a_bits is None or a_bits < 2:
            raise ValueError(f"a_bits must be >= 2 in multiply mode, not {a_bits}")
        if a.shape != b.shape:
            raise ValueError(f"A and B must have the same length, not {a.shape} and {b.shape}")
        _check(a, a_bits, "A")
        amask = (1 << a_bits) - 1
        words = [((int(bv) & bmask) << a_bits) | (int(av) & amask) for av, bv in zip(a, b)]
        width = a_bits + b_bits
    digits = max(1, ceil_div(width, 4))
    return [format(w, f"0{digits}x") for w in words]


def affine_serial_model(acc: np.ndarray, scale: np.ndarray, offset: np.ndarray, shift: int) -> np.ndarray:
    """(scale*acc + offset) >> shift (floor), int64 per class: what the core computes before OUT_BITS."""
    a = np.asarray(scale, dtype=np.int64)
    return (a * np.asarray(acc, dtype=np.int64) + np.asarray(offset, dtype=np.int64)) >> int(shift)
