"""The ``bnnc_threshold`` core (one compare for every lane): its parameters and its cost."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.arith import ceil_div

from .base import CoreParams, log2_bits


def compare_features(lanes: int, bits: int, n: int) -> dict[str, float]:
    """The features of a lane-wise comparator of ``lanes`` lanes of ``bits`` bits over vectors of ``n`` elements
    (bnnc_threshold's and bnnc_threshold_rom's)."""
    # pad_lanes: the lanes past N in a vector's last beat, each zeroed by a gate on the beat count
    return {"base": 1.0, "cmp_bits": lanes * bits, "counters": log2_bits(ceil_div(n, lanes)),
            "pad_lanes": (lanes - n % lanes) if n > 0 and n % lanes else 0}


@dataclass(frozen=True)
class ThresholdParams(CoreParams):
    """bnnc_threshold's parameters."""

    CORE = "bnnc_threshold"
    LATENCY = 1  # the output register: the cycle after a beat is taken, it is offered

    LANES: int = 4
    IN_BITS: int = 8
    IN_SIGNED: int = 1
    THRESHOLD: int = 0
    NEGATE: int = 0
    N: int = 0

    def features(self) -> dict[str, float]:
        return compare_features(self.LANES, self.IN_BITS, self.N)
