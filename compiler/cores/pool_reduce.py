"""The ``bnnc_pool_reduce`` core (over a window, per channel: OR / AND of bits, max / min of EW-bit codes): its
parameters and its cost."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Bits, CoreParams, log2_bits


@dataclass(frozen=True)
class PoolReduceParams(CoreParams):
    """bnnc_pool_reduce's parameters (AND_MASK: bit c set = AND (min) over the window, else OR (max); default all
    OR). EW, SIGNED: None = the .v default (EW 1: bits; SIGNED 0), left out of the instance, so the 1-bit
    designs' instances stay as they were; read them through :attr:`ew` and :attr:`signed`."""

    CORE = "bnnc_pool_reduce"
    LATENCY = 1  # the output register: a channel beat's result is offered the cycle after its last window position

    CH: int = 8
    WIN: int = 4
    LANES: int = 4
    AND_MASK: Bits | int = 0
    EW: int | None = None
    SIGNED: int | None = None

    @property
    def ew(self) -> int:
        """Element width in bits (1: bits, OR / AND; >= 2: codes, max / min)."""
        return 1 if self.EW is None else self.EW

    @property
    def signed(self) -> bool:
        """Whether EW >= 2 codes are two's complement."""
        return bool(self.SIGNED)

    def features(self) -> dict[str, float]:
        lanes = self.LANES
        feats = {"base": 1.0, "lanes": lanes, "counters": log2_bits(self.WIN) + log2_bits(self.CH // max(lanes, 1))}
        if self.ew >= 2:
            # code_bits: an EW-bit compare and an EW-bit select per lane (and the EW-bit accumulator words)
            feats["code_bits"] = lanes * self.ew
        return feats
