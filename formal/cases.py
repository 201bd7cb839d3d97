"""The formal proofs' cases: each core's wrapper at the parameter sets that reach its corner cases.

A case's parameters are the wrapper's: the core's own (as in ``compiler/cores/<core>.py``) and
the stream checker's ``BOUND`` (cycles without progress that count as a deadlock, from the
core's latency) and ``STALL`` (the consumer's longest run of tready low). ``depth`` is the bounded
check's length in cycles; each ``why`` says what the set exercises and what the depth covers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def _no_files(folder: Path) -> dict[str, object]:
    return {}


@dataclass(frozen=True)
class Case:
    """One proof: ``core``'s wrapper ``fv_<core>`` at ``params``, checked by ``mode`` (``bmc`` or ``prove``) to ``depth``."""

    core: str
    name: str
    params: dict[str, object]
    depth: int
    why: str
    mode: str = "bmc"
    tier: str = "quick"
    files: Callable[[Path], dict[str, object]] = field(default=_no_files, compare=False)
    extra_cores: tuple[str, ...] = ()

    def describe(self) -> str:
        """The parameter set as ``K=V`` pairs."""
        return " ".join(f"{k}={v}" for k, v in self.params.items())


CASES: list[Case] = [
    # ---- bnnc_fifo: one beat in, one out; each depth covers filling the FIFO and draining it (2 x DEPTH + latency)
    Case("bnnc_fifo", "depth2_bypass", dict(WIDTH=2, DEPTH=2, BYPASS=1, BOUND=3), 10,
         "the smallest FIFO, with the empty bypass: full and empty on the same cycle as a read"),
    Case("bnnc_fifo", "depth3_nobypass", dict(WIDTH=2, DEPTH=3, BYPASS=0, BOUND=4), 12,
         "no bypass: every beat through the 2-entry buffer (the compiler's inter-layer FIFO)"),
    Case("bnnc_fifo", "depth5_bypass", dict(WIDTH=1, DEPTH=5, BYPASS=1, BOUND=3), 13,
         "a non-power-of-2 buffer: pointer wrap at 4 entries"),
]

CASES += [
    # ---- bnnc_width_converter: one vector per image; one case per structure, each with a padded last beat.
    # Depth: two whole vectors on the busier side, plus latency and stalls.
    Case("bnnc_width_converter", "up_copy", dict(N=8, EW=1, IN_LANES=2, OUT_LANES=4, BOUND=4), 14,
         "UP_COPY: OUT = 2 x IN, output beats made of whole input beats"),
    Case("bnnc_width_converter", "up_padded", dict(N=5, EW=2, IN_LANES=2, OUT_LANES=4, BOUND=4), 12,
         "UP: a padded last input beat and a padded last output beat"),
    Case("bnnc_width_converter", "down_padded", dict(N=5, EW=1, IN_LANES=4, OUT_LANES=2, BOUND=4), 12,
         "DOWN: 4 lanes to 2, the last input beat half padding"),
    Case("bnnc_width_converter", "general", dict(N=7, EW=1, IN_LANES=2, OUT_LANES=3, BOUND=5), 14,
         "GENERAL: non-dividing lanes (2 to 3), the shift buffer's refusals"),
]

CASES += [
    # ---- bnnc_threshold: one vector per image; depth: three vectors with stalls
    Case("bnnc_threshold", "signed_negate_padded", dict(LANES=2, IN_BITS=3, IN_SIGNED=1, THRESHOLD=-1, NEGATE=1, N=5,
                                                        BOUND=3), 10,
         "a negated signed compare (-x >= -1), a padded last beat of 3"),
    Case("bnnc_threshold", "unsigned", dict(LANES=2, IN_BITS=3, IN_SIGNED=0, THRESHOLD=5, NEGATE=0, N=0, BOUND=3), 8,
         "unsigned lanes, no vector framing (N = 0)"),
    Case("bnnc_threshold", "wide_threshold", dict(LANES=1, IN_BITS=2, IN_SIGNED=1, THRESHOLD=-100000, NEGATE=1, N=2,
                                                  BOUND=3), 8,
         "a threshold past IN_BITS + 2 bits: the 34-bit compare"),
]


def _multithreshold(lanes: int, in_bits: int, signed: bool, thresholds: list[int], negate: bool, lo: int,
                    n: int) -> dict[str, object]:
    """bnnc_multithreshold's parameters as the lowering makes them (compiler/cores/multithreshold.py)."""
    from compiler.cores.multithreshold import multithreshold_params
    p = multithreshold_params(lanes, in_bits, signed, thresholds, negate, lo, lo + len(thresholds), n)
    return {**dict(p), "BOUND": 3}


CASES += [
    Case("bnnc_multithreshold", "narrow_a2_padded", _multithreshold(2, 3, True, [-1, 1], False, -1, 3), 10,
         "Brevitas's signed narrow 2-bit codes -1..1 (OUT_BIAS < 0), a padded last beat"),
    Case("bnnc_multithreshold", "unsigned_negated", _multithreshold(2, 3, False, [1, 3, 6], True, 0, 0), 8,
         "three thresholds on a negated channel (INV), unsigned lanes"),
]
