"""cocotb tests of bnnc_uart_rx (run through test_uart_rx.py).

The serial side is real bits from :mod:`compiler.runtime.sim.uart`'s sender model; the stream
side uses the AXI4-Stream monitor and scoreboard with random backpressure.
"""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from compiler.runtime.sim.axis import AxisEnv, AxisSink, Scoreboard, read_param
from compiler.runtime.sim.uart import UartSender


class _Pulses:
    """Counts the one-cycle pulses of a DUT output."""

    def __init__(self, clk, signal) -> None:  # type: ignore[no-untyped-def]
        self.clk, self.signal, self.count = clk, signal, 0
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        while True:
            await RisingEdge(self.clk)
            await ReadOnly()
            self.count += int(self.signal.value)






async def _rx_env(dut, name: str, ready: float):  # type: ignore[no-untyped-def]
    cpb = read_param(dut, "CLKS_PER_BIT")
    env = AxisEnv(dut, seed_name=f"uart_rx.{name}")
    sender = UartSender(dut.clk, dut.rx, cpb)
    sb = Scoreboard("m_axis", [])
    sink = AxisSink(env, "m_axis", ready_prob=ready, scoreboard=sb)
    ferr, ovr = _Pulses(dut.clk, dut.frame_err), _Pulses(dut.clk, dut.overrun)
    await env.reset()
    return env, cpb, sender, sb, sink, ferr, ovr


@cocotb.test()
async def rx_random(dut) -> None:
    """Random bytes with random idle gaps between frames, random backpressure: every byte once, in order."""
    env, cpb, sender, sb, sink, ferr, ovr = await _rx_env(dut, "random", ready=0.5)
    rng = env.rng("bytes")
    data = [0x00, 0xFF, 0x55, 0xAA] + [rng.getrandbits(8) for _ in range(120)]
    sb.add_expected(data)
    sender.send(data, gaps=[rng.choice([0, 0, 1, cpb // 2, 3 * cpb]) for _ in data])
    await env.run_until(lambda: sb.done, timeout_cycles=30 * cpb)
    await env.cycles(3 * cpb)
    sb.assert_done()
    assert ferr.count == 0 and ovr.count == 0, (ferr.count, ovr.count)


@cocotb.test()
async def rx_framing_error_and_glitch(dut) -> None:
    """A low stop bit drops the byte with one frame_err pulse; a glitch shorter than half a bit is no start bit."""
    env, cpb, sender, sb, sink, ferr, ovr = await _rx_env(dut, "framing", ready=1.0)
    sb.add_expected([0x3C, 0xC3])
    sender.send([0x3C])
    sender.send([0x81], bad_stop=True)  # dropped
    await sender.idle(2 * cpb)
    # a glitch: low for less than half a bit (after the 2-flop synchronizer)
    dut.rx.value = 0
    await ClockCycles(dut.clk, max(1, cpb // 2 - 2))
    dut.rx.value = 1
    await ClockCycles(dut.clk, 3 * cpb)
    sender.send([0xC3])
    await env.run_until(lambda: sb.done, timeout_cycles=30 * cpb)
    await env.cycles(2 * cpb)
    sb.assert_done()
    assert ferr.count == 1, f"frame_err pulsed {ferr.count} times, expected once"
    assert ovr.count == 0


@cocotb.test()
async def rx_overrun(dut) -> None:
    """A byte completed while the previous one waits is dropped with one overrun pulse; the older byte is kept."""
    env, cpb, sender, sb, sink, ferr, ovr = await _rx_env(dut, "overrun", ready=0.0)
    sender.send([0x11, 0x22])
    await sender.idle(2 * cpb)
    assert sink.count == 0 and ovr.count == 1, (sink.count, ovr.count)
    sb.add_expected([0x11, 0x33])
    sink.ready_prob = 1.0
    await env.cycles(4)
    sender.send([0x33])
    await env.run_until(lambda: sb.done, timeout_cycles=30 * cpb)
    await env.cycles(2 * cpb)
    sb.assert_done()
    assert ovr.count == 1 and ferr.count == 0
