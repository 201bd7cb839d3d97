"""What both simulation engines share: the handshake schedule, the beat words, the one-line failure reports.

The cocotb engine (:mod:`compiler.runtime.sim.network_tb`) checks each beat as it moves; the
compiled engine (:mod:`compiler.runtime.sim.engine`) records beats in C++ and checks them
afterwards in numpy. Both take their input gaps and output backpressure from the
same :class:`Schedule` and word their failures through the functions below, so
the same design, inputs and seed give the same cycle for every beat and the same
report line in either engine.

Cycle numbering (both engines): cycle 0 is the first clock period after reset is
released; a beat's cycle is the period in which its ``tvalid && tready`` held (it
moves on the rising edge that ends that period).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

READY_PERIOD = 1_000_003
"""Length of the output-ready pattern (a prime, so it never lines up with an image interval); it repeats."""

MAX_GAP = 4
"""Longest input gap in cycles (as the cocotb AxisSource's default)."""

RESET_CYCLES = 4
"""Rising edges with rst_n low before cycle 0."""


@dataclass(frozen=True)
class Schedule:
    """Seeded, reproducible input gaps and output backpressure of one run.

    ``gaps[i]`` is the number of idle cycles the source inserts after input beat i
    moves (0 .. MAX_GAP); ``ready[c % len(ready)]`` is m_axis_tready in cycle c.
    None means no gaps / always ready.
    """

    gaps: np.ndarray | None
    ready: np.ndarray | None

    @staticmethod
    def make(seed: int, input_beats: int, gap_prob: float, ready_prob: float) -> "Schedule":
        """Gaps with probability ``gap_prob`` after each input beat; tready high with probability ``ready_prob``."""
        if not 0.0 <= gap_prob <= 1.0:
            raise ValueError(f"gap probability must be in [0, 1], not {gap_prob}")
        if not 0.0 <= ready_prob <= 1.0:
            raise ValueError(f"ready probability must be in [0, 1], not {ready_prob}")
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x626E6E63]))
        gaps = None
        if gap_prob > 0:
            draw = rng.random(input_beats) < gap_prob
            lengths = rng.integers(1, MAX_GAP + 1, size=input_beats)
            gaps = np.where(draw, lengths, 0).astype(np.uint8)
        ready = None
        if ready_prob < 1:
            ready = (rng.random(READY_PERIOD) < ready_prob).astype(np.uint8)
        return Schedule(gaps, ready)


def beat_int(words: np.ndarray) -> int:
    """One beat's 32-bit words (little-endian, as :meth:`Stream.beat_words` lays them out) as an int."""
    return int.from_bytes(np.asarray(words, dtype="<u4").tobytes(), "little")


def int_words(value: int, words: int) -> np.ndarray:
    """Inverse of :func:`beat_int`."""
    return np.frombuffer(int(value).to_bytes(4 * words, "little"), dtype="<u4").astype(np.uint32)


Fmt = Callable[[int], str]


def mismatch(label: str, beat: int, bpi: int, cycle: int, expected: int, actual: int, fmt: Fmt) -> str:
    """A beat that differs from the reference's: stream, layer (in ``label``), image, beat, cycle, both values."""
    return (f"stream {label}: mismatch at beat {beat} (image {beat // bpi}, beat {beat % bpi} of {bpi}), "
            f"cycle {cycle}: expected {fmt(expected)}, actual {fmt(actual)}")


def extra_beat(label: str, beat: int, cycle: int, actual: int, expected_beats: int, fmt: Fmt) -> str:
    """A beat after the last expected one."""
    return (f"stream {label}: unexpected extra beat {beat} at cycle {cycle}: actual {fmt(actual)} "
            f"(only {expected_beats} expected)")


def missing_beats(label: str, got: int, expected_beats: int) -> str:
    """Fewer beats than expected at the end of a run."""
    return f"stream {label}: only {got} of {expected_beats} expected beats arrived"


def valid_dropped(label: str, beat: int, cycle: int) -> str:
    """AXI hold rule: tvalid fell before the offered beat was taken."""
    return f"stream {label}: tvalid dropped at cycle {cycle} before beat {beat} was taken (AXI hold rule)"


def data_changed(label: str, beat: int, cycle: int, held: int, now: int) -> str:
    """AXI hold rule: tdata changed while the offered beat waited for tready."""
    return (f"stream {label}: tdata changed from {held:#x} to {now:#x} at cycle {cycle} while beat {beat} "
            "waited for tready (AXI hold rule)")


def watchdog(timeout: int, cycle: int, stuck: list[str]) -> str:
    """No beat moved on any monitored stream for ``timeout`` cycles."""
    return f"watchdog: no beat moved for {timeout} cycles (cycle {cycle}); stuck stream(s): {', '.join(stuck)}"


def not_done(max_cycles: int) -> str:
    """The run's cycle bound ran out while beats kept moving."""
    return f"watchdog: not done after {max_cycles} cycles"


def tap_label(name: str, tap: str) -> str:
    """How reports name an internal stream: the wire and the IR layer it carries."""
    return f"{name} (layer {tap})"


def output_label(tap: str) -> str:
    return f"m_axis (layer {tap})"


INPUT_LABEL = "s_axis (input)"
