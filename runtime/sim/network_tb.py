"""cocotb testbench of a whole generated network: every stream checked beat by beat, timing measured.

Driven by a plan (JSON, path in env ``BNNC_PLAN``) that the host side
(:mod:`runtime.sim.simulate`) computes from the numpy reference: the input beats,
and for the output and every layer-to-layer stream the expected beats. Results
(output beats, cycle stamps, interval, latency) go to env ``BNNC_RESULT``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge

from compiler.hw.stream import Stream
from runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard


class _Tap:
    """One internal stream as the watchdog sees it: name, pending work, last cycle a beat moved."""

    def __init__(self, name: str, scoreboard: Scoreboard, dut: Any, prefix: str) -> None:
        self.name = name
        self.scoreboard = scoreboard
        self.tvalid = getattr(dut, f"{prefix}_tvalid")
        self.tready = getattr(dut, f"{prefix}_tready")
        self.tdata = getattr(dut, f"{prefix}_tdata")
        self.last_progress = 0
        self.held: int | None = None  # data of a beat offered but not yet taken (AXI hold rule)

    @property
    def pending(self) -> bool:
        return not self.scoreboard.done


class TapBundle:
    """Scores every layer-to-layer stream from one coroutine: one trigger wait per cycle for all of them.

    Also checks the AXI hold rule on each link: once offered, a beat's tvalid and
    tdata stay until it is taken.

    (One AxisMonitor per stream costs two trigger waits per stream per cycle, which made
    whole-network runs ~40x slower than monitoring the output alone.)
    """

    def __init__(self, env: AxisEnv, taps: list[_Tap]) -> None:
        self.env = env
        self.taps = taps
        for t in taps:
            t.last_progress = env.cycle
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        try:
            while True:
                await RisingEdge(self.env.clk)
                await ReadOnly()
                for t in self.taps:
                    valid = int(t.tvalid.value)
                    if not valid:
                        if t.held is not None:
                            raise AssertionError(f"stream {t.name}: tvalid dropped at cycle {self.env.cycle} "
                                                 "before the offered beat was taken")
                        continue
                    ready = int(t.tready.value)
                    val = t.tdata.value
                    if not val.is_resolvable:
                        raise AssertionError(f"stream {t.name}: tdata has X/Z ({val}) at cycle {self.env.cycle}")
                    data = int(val)
                    if t.held is not None and data != t.held:
                        raise AssertionError(f"stream {t.name}: tdata changed from {t.held:#x} to {data:#x} at "
                                             f"cycle {self.env.cycle} while waiting for tready")
                    if ready:
                        t.held = None
                        t.scoreboard.check(data, self.env.cycle)
                        t.last_progress = self.env.cycle
                    else:
                        t.held = data
        except Exception as exc:
            self.env.fail(exc)


@cocotb.test()
async def network(dut: Any) -> None:
    """Stream the plan's images through the DUT and score every monitored stream."""
    with open(os.environ["BNNC_PLAN"]) as f:
        plan = json.load(f)
    env = AxisEnv(dut, seed_name="network", seed=plan["seed"])
    await env.reset()
    src = AxisSource(env, "s_axis", gap_prob=plan["gap_prob"], name="s_axis (input)")
    boards: list[Scoreboard] = []
    taps: list[_Tap] = []
    for s in plan["internal"]:
        label = f"{s['name']} (layer {s['tap']})"
        sb = Scoreboard(label, s["expected"], Stream.from_manifest(s).format_beat)
        boards.append(sb)
        taps.append(_Tap(label, sb, dut, s["name"]))
    TapBundle(env, taps)
    out = plan["output"]
    out_sb = Scoreboard(f"m_axis (layer {out['tap']})", out["expected"], Stream.from_manifest(out).format_beat)
    boards.append(out_sb)
    sink = AxisSink(env, "m_axis", ready_prob=plan["ready_prob"], scoreboard=out_sb,
                    name=f"m_axis (layer {out['tap']})")
    src.send(plan["input"])
    try:
        await env.run_until(lambda: all(b.done for b in boards), timeout_cycles=plan["watchdog_cycles"],
                            streams=[src, *taps, sink], max_cycles=plan["max_cycles"])
        await env.cycles(plan["drain_cycles"])  # extra beats after the last expected one are mismatches too
        env.check()
        for b in boards:
            b.assert_done()
    except AssertionError as e:
        # the host reports this first failure (stream, layer, beat, cycle, values) as one line
        with open(os.environ["BNNC_RESULT"], "w") as f:
            json.dump({"failure": str(e).splitlines()[0], "cycles": env.cycle, "seed": env.seed}, f)
        raise
    bpi = out["beats_per_image"]
    ends = [sink.beats[k * bpi + bpi - 1][0] for k in range(len(sink.beats) // bpi)]
    in_bpi = plan["input_beats_per_image"]
    starts = [src.sent[k * in_bpi][0] for k in range(len(src.sent) // in_bpi)]
    result = {"output_beats": [d for _, d in sink.beats], "image_done_cycles": ends, "image_start_cycles": starts,
              "latency_cycles": ends[0] - starts[0] if ends and starts else None, "cycles": env.cycle,
              "seed": env.seed}
    with open(os.environ["BNNC_RESULT"], "w") as f:
        json.dump(result, f)
