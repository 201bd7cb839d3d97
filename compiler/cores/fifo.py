"""The ``bnnc_fifo`` core: its parameters, the FIFO the lowering puts in front of a buffered unit, and its cost."""

from __future__ import annotations

from dataclasses import dataclass

from .base import CoreParams, Resources, log2_bits, ram_cost

# Extra FIFO slots beyond one whole vector, so a producer never waits on a consumer
# that is still working through its neuron folds of the previous vector.
FIFO_SLACK = 2


@dataclass(frozen=True)
class FifoParams(CoreParams):
    """bnnc_fifo's parameters."""

    CORE = "bnnc_fifo"

    WIDTH: int = 8
    DEPTH: int = 2
    BYPASS: int = 1

    @classmethod
    def feeding(cls, width: int, beats: int) -> FifoParams:
        """The FIFO in front of a consumer reading ``beats`` beats of ``width`` bits per vector.

        One whole vector and :data:`FIFO_SLACK`. No bypass (``BYPASS = 0``): a beat takes one cycle
        more through an empty FIFO, which only delays the pipeline's first output, and the output
        register then needs no mux (a LUT per bit); without the bypass a FIFO needs 3 slots for one
        beat per cycle.
        """
        return cls(WIDTH=width, DEPTH=max(3, beats + FIFO_SLACK), BYPASS=0)

    def latency_bound(self) -> int:
        """Most cycles from a beat's input handshake to its output handshake, not counting the cycles the output
        waits on tready: the DEPTH - 1 beats at most ahead of it leave one a cycle, then it does. Without the bypass
        a beat also spends a cycle going from the buffer into an empty output register, but then fewer than
        DEPTH - 1 beats are ahead of it. Proven by k-induction, and one cycle less fails (formal/cases.py)."""
        return self.DEPTH

    def features(self) -> dict[str, float]:
        # bypass_bits: the empty-FIFO bypass's 2:1 mux per output bit (BYPASS = 1; the LUTs of a
        # xilinx or ECP5 FIFO's width are that mux, an iCE40's its register RAM's read mux)
        return {"base": 1.0, "width": self.WIDTH, "bypass_bits": self.WIDTH if self.BYPASS else 0,
                "counters": log2_bits(self.DEPTH)}

    def memories(self, target: str, fast: bool = False) -> Resources:
        return ram_cost(self.DEPTH - 1, self.WIDTH, target).resources()  # a RAM of DEPTH - 1 words
