"""Deliberately failing cocotb tests on bnnc_fifo: they prove that the harness reports failures
(run through test_harness.py, which expects them to fail)."""

from __future__ import annotations

import cocotb

from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard


@cocotb.test()
async def wrong_expectation(dut) -> None:
    """Beat 3 is expected wrong on purpose: the scoreboard must name stream, beat, cycle, values."""
    env = AxisEnv(dut, seed_name="selftest.mismatch")
    data = list(range(1, 9))
    expected = list(data)
    expected[3] = 0xE
    sb = Scoreboard("m_axis", expected)
    src = AxisSource(env, "s_axis")
    AxisSink(env, "m_axis", scoreboard=sb)
    await env.reset()
    src.send(data)
    await env.run_until(lambda: sb.done, timeout_cycles=50)


@cocotb.test()
async def stuck_output(dut) -> None:
    """tready never rises: the watchdog must fail and name the stuck streams."""
    env = AxisEnv(dut, seed_name="selftest.stuck")
    sb = Scoreboard("m_axis", list(range(8)))
    src = AxisSource(env, "s_axis")
    AxisSink(env, "m_axis", ready_prob=0.0, scoreboard=sb)
    await env.reset()
    src.send(range(8))
    await env.run_until(lambda: sb.done, timeout_cycles=30)
