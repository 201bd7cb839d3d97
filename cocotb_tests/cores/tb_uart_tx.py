"""cocotb tests of bnnc_uart_tx (run through test_uart_tx.py).

The stream side uses the AXI4-Stream driver with random gaps; the serial side is checked bit by
bit by :mod:`compiler.runtime.sim.uart`'s receiver model.
"""

from __future__ import annotations

import cocotb

from compiler.runtime.sim.axis import AxisEnv, AxisSource, read_param
from compiler.runtime.sim.uart import UartReceiver


@cocotb.test()
async def tx_random(dut) -> None:
    """Random bytes with random input gaps: exact 8N1 frames (every bit exactly CLKS_PER_BIT cycles), in order."""
    cpb = read_param(dut, "CLKS_PER_BIT")
    env = AxisEnv(dut, seed_name="uart_tx.random")
    rx = UartReceiver(dut.clk, dut.tx, cpb, strict=True)
    rng = env.rng("bytes")
    data = [0x00, 0xFF, 0x01, 0x80] + [rng.getrandbits(8) for _ in range(100)]
    src = AxisSource(env, "s_axis", gap_prob=0.4, max_gap=3 * cpb)
    await env.reset()
    src.send(data)
    await env.run_until(lambda: len(rx.received) == len(data), timeout_cycles=30 * cpb)
    await env.cycles(12 * cpb)
    rx.check()
    assert rx.received == data, f"first difference at byte {next(i for i, (a, b) in enumerate(zip(rx.received, data)) if a != b)}"


@cocotb.test()
async def tx_back_to_back(dut) -> None:
    """No input gaps: one frame every 10 * CLKS_PER_BIT + 1 cycles (the stop bit's extra idle cycle)."""
    cpb = read_param(dut, "CLKS_PER_BIT")
    env = AxisEnv(dut, seed_name="uart_tx.b2b")
    rx = UartReceiver(dut.clk, dut.tx, cpb, strict=True)
    data = list(range(0, 256, 17))
    src = AxisSource(env, "s_axis")
    await env.reset()
    src.send(data)
    await env.run_until(lambda: len(rx.received) == len(data), timeout_cycles=30 * cpb)
    rx.check()
    assert rx.received == data
    taken = [c for c, _ in src.sent]
    assert {b - a for a, b in zip(taken, taken[1:])} == {10 * cpb + 1}, taken
