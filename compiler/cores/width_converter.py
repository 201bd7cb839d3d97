"""The ``bnnc_width_converter`` core: its parameters, which of its structures an instance takes, and its cost."""

from __future__ import annotations

import math
from dataclasses import dataclass

from compiler.arith import ceil_div

from .base import CoreParams, log2_bits


def up_copy(n: int, in_lanes: int, out_lanes: int) -> bool:
    """The core's UP_COPY structure (its ``IS_COPY``): OUT = K x IN, K >= 2 dividing the input beats of a
    vector, so every output beat is K whole input beats (the testbench checks the core agrees).

    >>> up_copy(576, 64, 192), up_copy(29, 4, 12), up_copy(7, 7, 7)
    (True, False, False)
    """
    return out_lanes % in_lanes == 0 and out_lanes // in_lanes >= 2 and ceil_div(n, in_lanes) % (out_lanes // in_lanes) == 0


def buffers_enough(elems: int, in_lanes: int, out_lanes: int, consumer_cycles: int | None) -> bool:
    """An up-converter's own registers stand in for the FIFO in front of its consumer.

    True for an UP_COPY converter (:func:`up_copy`: a fill register and an output register,
    two vectors) whose output vector is a single beat, feeding a consumer that spends at least
    K + 2 cycles on each vector (``consumer_cycles``; K = OUT / IN). The next vector then waits in
    the output register before the consumer asks: K beats refill the fill register and one cycle
    copies it while the consumer works. ``consumer_cycles`` None: not known, keep the FIFO.

    >>> buffers_enough(576, 64, 576, 13), buffers_enough(576, 64, 576, 10)
    (True, False)
    >>> buffers_enough(576, 64, 192, 13)   # three beats per vector: the FIFO stays
    False
    """
    if consumer_cycles is None or not up_copy(elems, in_lanes, out_lanes) or ceil_div(elems, out_lanes) != 1:
        return False
    return consumer_cycles >= out_lanes // in_lanes + 2


@dataclass(frozen=True)
class WidthConverterParams(CoreParams):
    """bnnc_width_converter's parameters."""

    CORE = "bnnc_width_converter"

    EW: int = 1
    IN_LANES: int = 4
    OUT_LANES: int = 8
    N: int = 16

    def latency_bound(self) -> int | None:
        """By the core's structure (see :meth:`features`). UP_COPY and UP: 2 (one complete output beat may still
        wait ahead of the last one). DOWN: K = IN/OUT beats may still wait in the other input register, then the
        last input beat's own. GENERAL: none stated (its shift buffer's backlog depends on the stream's history).
        Checked to the proofs' depth (formal/cases.py), where each is the least that passes."""
        i, o, n = self.IN_LANES, self.OUT_LANES, self.N
        if up_copy(n, i, o) or o % i == 0:
            return 2
        if i % o == 0:
            last_in = n - (ceil_div(n, i) - 1) * i
            return i // o + ceil_div(last_in, o)
        return None

    def features(self) -> dict[str, float]:
        """By the core's structure: UP_COPY (OUT = K x IN, K >= 2 dividing the input beats), UP (OUT a
        multiple of IN otherwise), DOWN (IN a multiple of OUT), GENERAL."""
        ew, i, o, n = self.EW, self.IN_LANES, self.OUT_LANES, self.N
        f = {"base": 1.0, "counters": log2_bits(ceil_div(n, i)) + log2_bits(ceil_div(n, o)),
             "up_bits": 0.0, "down_mux": 0.0, "ring_bits": 0.0, "ring_mux": 0.0, "reg_bits": 0.0, "copy_bits": 0.0}
        if up_copy(n, i, o):
            f["copy_bits"] = 2 * o * ew  # fill and output registers, no select: flip-flops only
        elif o % i == 0:
            f["up_bits"] = o * ew
            f["reg_bits"] = 2 * o * ew
        elif i % o == 0:
            f["down_mux"] = o * ew * (2 * i // o)  # a 2*I/O : 1 select per output bit
            f["reg_bits"] = 2 * i * ew
        else:
            g = math.gcd(i, o)
            gi, go = i // g, o // g
            buf = gi + 2 * go - 1
            f["ring_bits"] = buf * g * ew * gi  # each ring slot selects among the input groups
            f["ring_mux"] = go * g * ew * buf  # each output group selects among the slots
            f["reg_bits"] = buf * g * ew
        return f
