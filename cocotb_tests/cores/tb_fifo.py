"""cocotb tests of bnnc_fifo (run through test_fifo.py)."""

from __future__ import annotations

import cocotb

from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, read_param


def _setup(dut, name: str, gap: float, ready: float, n: int):
    env = AxisEnv(dut, seed_name=f"fifo.{name}")
    width = read_param(dut, "WIDTH")
    rng = env.rng("data")
    data = [rng.getrandbits(width) for _ in range(n)]
    sb = Scoreboard("m_axis", data)
    src = AxisSource(env, "s_axis", gap_prob=gap)
    sink = AxisSink(env, "m_axis", ready_prob=ready, scoreboard=sb)
    return env, data, src, sink, sb


@cocotb.test()
async def random_traffic(dut) -> None:
    """Random input gaps and output backpressure: every beat arrives once, in order."""
    env, data, src, sink, sb = _setup(dut, "random", gap=0.3, ready=0.5, n=300)
    await env.reset()
    src.send(data)
    await env.run_until(lambda: sb.done, timeout_cycles=100)
    await env.cycles(10)
    sb.assert_done()
    assert sink.count == len(data)


@cocotb.test()
async def full_throughput(dut) -> None:
    """No gaps, always ready: one beat per cycle, N beats in N consecutive cycles."""
    env, data, src, sink, sb = _setup(dut, "throughput", gap=0.0, ready=1.0, n=64)
    await env.reset()
    src.send(data)
    await env.run_until(lambda: sb.done, timeout_cycles=50)
    cycles = [c for c, _ in sink.beats]
    assert cycles[-1] - cycles[0] == len(data) - 1, f"output beats not back to back: {cycles}"
    ins = [c for c, _ in src.sent]
    assert ins[-1] - ins[0] == len(data) - 1, f"input beats not back to back: {ins}"


@cocotb.test()
async def capacity(dut) -> None:
    """With tready low the FIFO takes exactly DEPTH beats, then drains them in order."""
    depth = read_param(dut, "DEPTH")
    env, data, src, sink, sb = _setup(dut, "capacity", gap=0.0, ready=0.0, n=depth + 5)
    await env.reset()
    src.send(data)
    await env.cycles(depth + 20)
    assert len(src.sent) == depth, f"FIFO accepted {len(src.sent)} beats, DEPTH={depth}"
    assert sink.count == 0
    sink.ready_prob = 1.0
    await env.run_until(lambda: sb.done, timeout_cycles=50)
    sb.assert_done()


@cocotb.test()
async def latency(dut) -> None:
    """A beat written into an empty FIFO is valid on the output 1 cycle later (BYPASS = 1), 2 without bypass."""
    want = 1 if read_param(dut, "BYPASS") == 1 else 2
    env, data, src, sink, sb = _setup(dut, "latency", gap=0.0, ready=1.0, n=1)
    await env.reset()
    src.send(data)
    await env.run_until(lambda: sb.done, timeout_cycles=20)
    sb.assert_done()
    (c_in, _), (c_out, _) = src.sent[0], sink.beats[0]
    assert c_out - c_in == want, f"first beat in at cycle {c_in}, out at {c_out}: latency {c_out - c_in}, not {want}"
