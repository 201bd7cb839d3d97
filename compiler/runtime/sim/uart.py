"""cocotb models of the far end of a UART line (8N1, LSB first): a sender and a receiver of real serial bits.

Used by the UART cores' testbenches and by the board wrapper's test, which talks to the
whole wrapper over its ``uart_rx`` / ``uart_tx`` pins. Bit times are whole clock cycles
(``clks_per_bit``), as the wrapper's own UART has them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge


class UartSender:
    """Drives a serial line with queued bytes: start bit, 8 data bits LSB first, stop bit.

    ``gaps`` (optional) gives the idle cycles before each byte; a byte queued with
    ``bad_stop=True`` has its stop bit low (a framing error at the receiver).
    """

    def __init__(self, clk: Any, line: Any, clks_per_bit: int) -> None:
        self.clk, self.line, self.cpb = clk, line, clks_per_bit
        self.queue: deque[tuple[int, int, bool]] = deque()  # (idle cycles before, byte, bad stop bit)
        self.sent = 0
        self.line.value = 1
        cocotb.start_soon(self._run())

    @property
    def busy(self) -> bool:
        """Bytes still to send."""
        return bool(self.queue) or self._in_frame

    _in_frame = False

    def send(self, data: Iterable[int], gaps: Iterable[int] | None = None, bad_stop: bool = False) -> None:
        """Queue bytes; ``gaps[i]`` idle cycles go before byte i (default 0)."""
        data = list(data)
        gap_list = list(gaps) if gaps is not None else [0] * len(data)
        for g, b in zip(gap_list, data):
            self.queue.append((int(g), int(b) & 0xFF, bad_stop))

    async def idle(self, cycles: int) -> None:
        """Wait until every queued byte is out, then ``cycles`` more cycles of idle line."""
        while self.busy:
            await RisingEdge(self.clk)
        await ClockCycles(self.clk, cycles)

    async def _run(self) -> None:
        while True:
            if not self.queue:
                await RisingEdge(self.clk)
                continue
            gap, byte, bad_stop = self.queue.popleft()
            self._in_frame = True
            if gap:
                await ClockCycles(self.clk, gap)
            for bit in [0] + [(byte >> i) & 1 for i in range(8)] + [0 if bad_stop else 1]:
                self.line.value = bit
                await ClockCycles(self.clk, self.cpb)
            self.line.value = 1
            self.sent += 1
            self._in_frame = False


class UartReceiver:
    """Decodes a serial line: finds each start bit, samples every bit in its middle, checks the stop bit.

    With ``strict=True`` it also samples the line in every cycle of the frame and fails
    when a bit is not constant for exactly ``clks_per_bit`` cycles (a transmitter's
    timing, not only its bytes). Errors are raised from :meth:`check`.
    """

    def __init__(self, clk: Any, line: Any, clks_per_bit: int, strict: bool = False) -> None:
        self.clk, self.line, self.cpb, self.strict = clk, line, clks_per_bit, strict
        self.received: list[int] = []
        self.errors: list[str] = []
        self.cycle = 0
        cocotb.start_soon(self._count())
        cocotb.start_soon(self._strict() if strict else self._run())

    async def _count(self) -> None:
        while True:
            await RisingEdge(self.clk)
            self.cycle += 1

    def check(self) -> None:
        """Raise the first framing or timing error seen."""
        if self.errors:
            raise AssertionError(self.errors[0])

    async def _run(self) -> None:
        while True:
            await FallingEdge(self.line)
            await ClockCycles(self.clk, self.cpb // 2)
            await ReadOnly()
            if int(self.line.value):
                self.errors.append(f"start bit shorter than half a bit at cycle {self.cycle}")
                continue
            byte = 0
            for i in range(8):
                await ClockCycles(self.clk, self.cpb)
                await ReadOnly()
                byte |= int(self.line.value) << i
            await ClockCycles(self.clk, self.cpb)
            await ReadOnly()
            if not int(self.line.value):
                self.errors.append(f"stop bit low (framing error) in byte {len(self.received)} at cycle {self.cycle}")
            self.received.append(byte)

    async def _strict(self) -> None:
        while True:
            await RisingEdge(self.clk)
            await ReadOnly()
            if int(self.line.value):
                continue
            start = self.cycle
            bits = []
            for k in range(10):
                first = 0
                for c in range(self.cpb):
                    if c or k:  # the frame's first cycle is the one just sampled
                        await RisingEdge(self.clk)
                        await ReadOnly()
                    v = int(self.line.value)
                    if c == 0:
                        first = v
                    elif v != first:
                        self.errors.append(f"bit {k} of the frame starting at cycle {start} changed after "
                                           f"{c} of {self.cpb} cycles")
                        first = v
                bits.append(first)
            if bits[0] != 0 or bits[9] != 1:
                self.errors.append(f"frame at cycle {start}: start bit {bits[0]}, stop bit {bits[9]}")
            self.received.append(sum(b << i for i, b in enumerate(bits[1:9])))
