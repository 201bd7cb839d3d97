"""Drive a stream through a one-in, one-out core and score what comes out (for tb_threshold, tb_threshold_rom,
tb_argmax and tb_width_converter)."""

from __future__ import annotations

from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard


async def stream_through(env: AxisEnv, beats, sb: Scoreboard, gap: float,  # type: ignore[no-untyped-def]
                          ready: float) -> tuple[AxisSource, AxisSink]:
    """Reset, send ``beats`` with random input gaps into s_axis, score m_axis under random backpressure."""
    src = AxisSource(env, "s_axis", gap_prob=gap)
    sink = AxisSink(env, "m_axis", ready_prob=ready, scoreboard=sb)
    await env.reset()
    src.send(beats)
    await env.run_until(lambda: sb.done, timeout_cycles=100)
    await env.cycles(10)  # extra beats after the last expected one are mismatches too
    sb.assert_done()
    return src, sink
