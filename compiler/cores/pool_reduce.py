"""The ``bnnc_pool_reduce`` core (OR / AND of bits over a window, per channel): its parameters and its cost."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Bits, CoreParams, log2_bits


@dataclass(frozen=True)
class PoolReduceParams(CoreParams):
    """bnnc_pool_reduce's parameters (AND_MASK: bit c set = AND over the window, else OR; default all OR)."""

    CORE = "bnnc_pool_reduce"

    CH: int = 8
    WIN: int = 4
    LANES: int = 4
    AND_MASK: Bits | int = 0

    def features(self) -> dict[str, float]:
        lanes = self.LANES
        return {"base": 1.0, "lanes": lanes, "counters": log2_bits(self.WIN) + log2_bits(self.CH // max(lanes, 1))}
