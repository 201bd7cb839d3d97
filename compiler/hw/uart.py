"""The board wrapper's UART protocol, defined once: bytes in, bytes out, bit timing, resynchronisation.

Used by the wrapper generator (:mod:`compiler.codegen.board`, which passes
:meth:`UartProtocol.bridge_params` to ``bnnc_board_bridge``), by ``bnnc board run``
(:mod:`compiler.runtime.board`) and by the tests that drive the wrapper over its pins.

* **In**: an image is its input stream's beats (``Stream.beat_words``, the one lane
  packer), each beat as ``ceil(width / 8)`` bytes, least significant byte first,
  bits above the beat's width 0. The bytes of one image must follow each other with
  no pause as long as the idle timeout (64 byte times or 10 ms, whichever is longer).
* **Out**: per image, argmax networks send the class as one byte; score networks each
  score (the output stream's elements in order, padding lanes skipped) as
  ``ceil(bits / 8)`` little-endian bytes, two's complement sign-extended.
* **Resync**: after a pause as long as the idle timeout a partly received image
  is dropped (no reply), and the next byte starts a new image. A framing error or an
  overrun drops the image being received, and bytes are ignored until such a gap.
* **Line**: 8N1 at the board's baud, from a clock that must reach it within 2 %.

>>> s_in = Stream("src", "input", 4, 1, False, True, 16)
>>> s_out = Stream("am", "argmax", 1, 2, False, False, 1)
>>> p = UartProtocol(s_in, s_out, "argmax")
>>> p.in_bytes_per_image, p.out_bytes_per_image
(4, 1)
>>> p.encode(np.array([[1] * 4 + [-1] * 12])).tolist()  # beat 0 = lanes 1,1,1,1 = 0xf
[[15, 0, 0, 0]]
>>> UartProtocol(s_in, Stream("sc", "bn", 2, 12, True, False, 3), "scores").decode(
...     np.array([[0xff, 0x0f, 0x05, 0x00, 0x00, 0xf8]], dtype=np.uint8)).tolist()
[[4095, 5, -2048]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from compiler.arith import ceil_div
from compiler.cores.board import BoardBridgeParams
from compiler.hw.stream import Stream

DEFAULT_BAUD = 115200
"""The wrapper's default baud rate (every USB serial adapter has it; 1,000,000 is faster on FTDI parts)."""

BAUD_TOLERANCE = 0.02
"""Largest relative error of the achieved baud: 8N1 tolerates about 4 % between both ends, half for each."""

IDLE_BYTE_TIMES = 64
"""Byte times (10 bits each) of silence that end a partly received image ..."""

IDLE_MIN_MS = 10.0
"""... but never less than this: a USB serial adapter may pause a few milliseconds inside one write."""

BITS_PER_FRAME = 10  # start, 8 data bits, stop

VERILOG_INT_MAX = (1 << 31) - 1
"""The largest value of the wrapper's ``integer`` parameters (CLKS_PER_BIT, IDLE_CLKS)."""


@dataclass(frozen=True)
class UartTiming:
    """The bit timing at one clock and baud: cycles per bit and the idle timeout in cycles."""

    clock_mhz: float
    baud: int
    clks_per_bit: int
    idle_clks: int

    @property
    def idle_seconds(self) -> float:
        """The idle timeout in seconds."""
        return self.idle_clks / (self.clock_mhz * 1e6)

    @property
    def achieved_baud(self) -> float:
        """The baud the wrapper really runs at (clock / clks_per_bit)."""
        return self.clock_mhz * 1e6 / self.clks_per_bit

    @staticmethod
    def _idle_clks(clock_mhz: float, baud: int, idle_byte_times: int) -> int:
        cpb = max(1, round(clock_mhz * 1e6 / baud))
        return max(idle_byte_times * BITS_PER_FRAME * cpb, round(IDLE_MIN_MS * 1e-3 * clock_mhz * 1e6))

    @staticmethod
    def min_baud(clock_mhz: float, idle_byte_times: int = IDLE_BYTE_TIMES) -> int:
        """The lowest baud whose cycles per bit and idle timeout fit the cores' 32-bit integer parameters.

        >>> UartTiming.min_baud(12.0)
        4
        """
        cpb_max = VERILOG_INT_MAX // (idle_byte_times * BITS_PER_FRAME)
        baud = max(1, int(clock_mhz * 1e6 / (cpb_max + 0.5)))
        while UartTiming._idle_clks(clock_mhz, baud, idle_byte_times) > VERILOG_INT_MAX:
            baud += 1
        return baud

    @staticmethod
    def plan(clock_mhz: float, baud: int, idle_byte_times: int = IDLE_BYTE_TIMES) -> "UartTiming":
        """Cycles per bit (rounded) and the idle timeout; ValueError (one line) when the baud is out of reach.

        >>> t = UartTiming.plan(12.0, 115200)
        >>> t.clks_per_bit, t.idle_clks, round(t.achieved_baud), t.idle_seconds
        (104, 120000, 115385, 0.01)
        >>> UartTiming.plan(12.0, 9600).idle_clks  # 64 byte times of 1250 cycles per bit
        800000
        >>> UartTiming.plan(12.0, 1)
        Traceback (most recent call last):
        ...
        ValueError: --baud must be at least 4 at the 12 MHz clock (the idle timeout of 64 byte times must fit the wrapper's 32-bit IDLE_CLKS), not 1
        >>> UartTiming.plan(12.0, 5_000_000)
        Traceback (most recent call last):
        ...
        ValueError: --baud must be reachable from the 12 MHz clock within 2% with at least 4 cycles per bit, not 5000000 (2 cycles per bit, 20.0% off)
        """
        if not isinstance(baud, int) or baud <= 0:
            raise ValueError(f"--baud must be a positive integer, not {baud!r}")
        slowest = UartTiming.min_baud(clock_mhz, idle_byte_times)
        if baud < slowest:
            raise ValueError(f"--baud must be at least {slowest} at the {clock_mhz:g} MHz clock (the idle timeout of "
                             f"{idle_byte_times} byte times must fit the wrapper's 32-bit IDLE_CLKS), not {baud}")
        cpb = max(1, round(clock_mhz * 1e6 / baud))
        err = abs(clock_mhz * 1e6 / cpb - baud) / baud
        if cpb < 4 or err > BAUD_TOLERANCE:
            raise ValueError(f"--baud must be reachable from the {clock_mhz:g} MHz clock within "
                             f"{BAUD_TOLERANCE:.0%} with at least 4 cycles per bit, not {baud} "
                             f"({cpb} cycles per bit" + (f", {err:.1%} off)" if err > BAUD_TOLERANCE else ")"))
        return UartTiming(clock_mhz, baud, cpb, UartTiming._idle_clks(clock_mhz, baud, idle_byte_times))


@dataclass(frozen=True)
class UartProtocol:
    """The byte layout of one network's images and replies (see the module docstring)."""

    inp: Stream
    outp: Stream
    output: str  # "argmax" or "scores"

    def __post_init__(self) -> None:
        if self.output == "argmax" and (self.outp.elem_bits > 8 or self.outp.lanes * self.outp.vectors != 1):
            raise ValueError(f"the class must fit one byte for the board's UART protocol, not "
                             f"{self.outp.elem_bits} bits")
        if self.output not in ("argmax", "scores"):
            raise ValueError(f"the network's output must be argmax or scores, not {self.output!r}")

    @staticmethod
    def from_manifest(manifest: dict[str, Any]) -> "UartProtocol":
        """The protocol of a ``bnnc compile`` folder's design."""
        r = manifest["rtl"]
        return UartProtocol(Stream.from_manifest(r["input_stream"]), Stream.from_manifest(r["output_stream"]),
                            manifest["output"])

    @property
    def bytes_per_beat(self) -> int:
        return ceil_div(self.inp.width, 8)

    @property
    def in_bytes_per_image(self) -> int:
        return self.bytes_per_beat * self.inp.beats_per_image

    @property
    def elem_bytes(self) -> int:
        """Bytes per output element (the class byte, or one score)."""
        return ceil_div(self.outp.elem_bits, 8)

    @property
    def out_elems(self) -> int:
        """Output elements per image: 1 for argmax, the number of scores otherwise."""
        return self.outp.elems * self.outp.vectors

    @property
    def out_bytes_per_image(self) -> int:
        return self.elem_bytes * self.out_elems

    def encode(self, x: np.ndarray) -> np.ndarray:
        """The bytes of each image of ``x`` (N, ...; the reference's input representation): (N, in_bytes) uint8."""
        words = self.inp.beat_words(x)  # (N, beats, words) little-endian 32-bit words, the one packer
        n = words.shape[0]
        as_bytes = np.ascontiguousarray(words.astype("<u4")).view(np.uint8).reshape(n, self.inp.beats_per_image, -1)
        return np.ascontiguousarray(as_bytes[:, :, : self.bytes_per_beat]).reshape(n, self.in_bytes_per_image)

    def decode(self, reply: np.ndarray) -> np.ndarray:
        """Replies (N, out_bytes) uint8 to classes (N,) or scores (N, K) int64."""
        reply = np.asarray(reply, dtype=np.uint8).reshape(-1, self.out_elems, self.elem_bytes)
        weights = np.int64(1) << (8 * np.arange(self.elem_bytes, dtype=np.int64))
        vals = (reply.astype(np.int64) * weights).sum(axis=-1)
        if self.outp.signed:
            top = np.int64(1) << (8 * self.elem_bytes - 1)
            vals = np.where(vals >= top, vals - 2 * top, vals)
        return vals[:, 0] if self.output == "argmax" else vals

    def reply_of(self, out: np.ndarray) -> np.ndarray:
        """The reply bytes (N, out_bytes) a correct device sends for reference outputs ``out`` (classes or scores)."""
        vals = np.asarray(out, dtype=np.int64).reshape(-1, self.out_elems)
        shifts = 8 * np.arange(self.elem_bytes, dtype=np.int64)
        return ((vals[..., None] >> shifts) & 0xFF).astype(np.uint8).reshape(vals.shape[0], self.out_bytes_per_image)

    def bridge_params(self, timing: UartTiming) -> BoardBridgeParams:
        """``bnnc_board_bridge``'s parameters for this protocol at ``timing``."""
        o = self.outp
        return BoardBridgeParams(IN_WIDTH=self.inp.width, IN_BYTES=self.bytes_per_beat, IN_BEATS=self.inp.beats_per_image,
                                 OUT_LANES=o.lanes, OUT_EW=o.elem_bits, OUT_VBEATS=o.beats_per_vector,
                                 LAST_LANES=o.elems - (o.beats_per_vector - 1) * o.lanes, OUT_BEATS=o.beats_per_image,
                                 ELEM_BYTES=self.elem_bytes, OUT_SIGNED=int(o.signed), IDLE_CLKS=timing.idle_clks)
