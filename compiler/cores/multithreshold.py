"""The ``bnnc_multithreshold`` core (a few-bit quantizer of integer lanes, the same thresholds for every lane):
its parameters, the packing of its thresholds and its cost.

>>> p = multithreshold_params(lanes=4, in_bits=8, in_signed=False, thresholds=[64, 192], negate=False,
...                           out_lo=-1, out_hi=1, n=784)
>>> p.N_THR, p.INV, p.OUT_BITS, p.OUT_BIAS, p.THRESHOLDS.verilog()
(2, 0, 2, -1, "480'hc000000040")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compiler.arith import ceil_div
from compiler.bits import bits_for_range

from .base import Bits, CoreParams, log2_bits

MAX_THRESHOLDS = 15  # N_THR's bound in the Verilog (codes of at most 4 bits)
THRESHOLD_FIELD = 32  # bits per threshold in THRESHOLDS


@dataclass(frozen=True)
class MultiThresholdParams(CoreParams):
    """bnnc_multithreshold's parameters."""

    CORE = "bnnc_multithreshold"
    LATENCY = 1  # the output register: the cycle after a beat is taken, it is offered

    LANES: int = 4
    IN_BITS: int = 8
    IN_SIGNED: int = 0
    N_THR: int = 2
    THRESHOLDS: Bits | int | str = 0
    INV: int = 0
    OUT_BITS: int = 2
    OUT_BIAS: int = -1
    N: int = 0

    def thresholds(self) -> list[int]:
        """The N_THR stored thresholds (signed)."""
        t = self.THRESHOLDS
        # a Bits, an int, or a manifest's record of it: the sized literal "480'h..."
        v = t.value if isinstance(t, Bits) else int(t.split("'h", 1)[1], 16) if isinstance(t, str) else int(t)
        mask, sign = (1 << THRESHOLD_FIELD) - 1, 1 << (THRESHOLD_FIELD - 1)
        return [(((v >> (THRESHOLD_FIELD * k)) & mask) ^ sign) - sign for k in range(self.N_THR)]

    def features(self) -> dict[str, float]:
        # x >= T against a constant T depends only on x's bits above T's lowest set bit: those bits per compare
        # (a compare that is always or never true costs nothing), and the count of the hits per lane; the
        # output codes are registers, one FF per bit.
        lo = -(1 << (self.IN_BITS - 1)) if self.IN_SIGNED else 0
        hi = (1 << (self.IN_BITS - self.IN_SIGNED)) - 1
        live = [t for t in self.thresholds() if lo < t <= hi]
        cmp_bits = sum(max(1, self.IN_BITS - ((t & -t).bit_length() - 1 if t else self.IN_BITS)) for t in live)
        return {"base": 1.0, "mt_cmp_bits": self.LANES * cmp_bits, "mt_count_bits": self.LANES * max(0, len(live) - 1),
                "out_bits": self.LANES * self.OUT_BITS,
                "counters": log2_bits(ceil_div(self.N, self.LANES)) if self.N else 0,
                "pad_lanes": (self.LANES - self.N % self.LANES) if self.N > 0 and self.N % self.LANES else 0}


def multithreshold_params(lanes: int, in_bits: int, in_signed: bool, thresholds: Sequence[int], negate: bool,
                          out_lo: int, out_hi: int, n: int) -> MultiThresholdParams:
    """The instance computing ``out_lo + #{k : (negate ? -x : x) >= T_k}`` on every lane (codes out_lo..out_hi).

    A negated compare is stored as INV with T' = 1 - T (``-x >= T`` is ``not x >= 1 - T`` on integers).
    """
    t = [int(v) for v in thresholds]
    assert 1 <= len(t) <= MAX_THRESHOLDS and out_hi - out_lo == len(t), (len(t), out_lo, out_hi)
    eff = [1 - v if negate else v for v in t]
    # Thresholds beyond the input's range (never or always passed) are clipped to one past it: the same count.
    lo, hi = (-(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1) if in_signed else (0, (1 << in_bits) - 1)
    eff = [min(max(v, lo), hi + 1) for v in eff]
    mask = (1 << THRESHOLD_FIELD) - 1
    packed = sum((v & mask) << (THRESHOLD_FIELD * k) for k, v in enumerate(eff))
    return MultiThresholdParams(LANES=lanes, IN_BITS=in_bits, IN_SIGNED=int(in_signed), N_THR=len(t),
                                THRESHOLDS=Bits(THRESHOLD_FIELD * MAX_THRESHOLDS, packed), INV=int(negate),
                                OUT_BITS=bits_for_range(out_lo, out_hi)[0], OUT_BIAS=out_lo, N=n)
