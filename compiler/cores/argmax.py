"""The ``bnnc_argmax`` core (index of the largest score, lowest on ties): its parameters and its cost."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.arith import ceil_div

from .base import CoreParams, log2_bits


@dataclass(frozen=True)
class ArgmaxParams(CoreParams):
    """bnnc_argmax's parameters."""

    CORE = "bnnc_argmax"

    NUM_CLASSES: int = 10
    LANES: int = 1
    IN_BITS: int = 16

    def latency_bound(self) -> int:
        """A vector's index leaves LEVELS + 1 cycles after its last beat (the lane tree's registered levels, then the
        compare with the earlier beats' best into the output register). Checked to the proofs' depth."""
        return (max(self.LANES, 1) - 1).bit_length() + 1

    def features(self) -> dict[str, float]:
        lanes, n = self.LANES, self.NUM_CLASSES
        return {"base": 1.0, "cmp_bits": lanes * self.IN_BITS, "counters": log2_bits(n) + log2_bits(ceil_div(n, lanes))}
