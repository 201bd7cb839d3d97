"""cocotb testbench of a whole generated network (the cocotb engine): every stream checked as each beat moves.

Driven by a plan (JSON, path in env ``BNNC_PLAN``) that the host side
(:mod:`compiler.runtime.sim.simulate`) computes from the numpy reference: the input beats,
the gap/backpressure schedule, and for the output and every layer-to-layer
stream the expected beats. Results (output beats, cycle stamps, the first
failure) go to env ``BNNC_RESULT``.

One coroutine does a whole cycle: drive s_axis and m_axis_tready, then sample
every link (AXI hold rule, then the scoreboard), then the watchdog. The compiled
engine's C++ harness (``compiler/runtime/sim/harness.cpp``) runs the very same loop, so
with the same plan both engines stamp every beat with the same cycle and word
failures alike (:mod:`compiler.runtime.sim.checks`). One trigger wait per cycle for all
streams also keeps the testbench fast (one coroutine per stream costs two
waits per stream per cycle: ~40x slower on whole networks).
"""

from __future__ import annotations

import json
import os
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge

from compiler.hw.stream import Stream
from compiler.runtime.sim import checks


class _Link:
    """One monitored stream (an internal tap or m_axis): expected beats, hold state, what moved."""

    def __init__(self, label: str, d: dict[str, Any], dut: Any, prefix: str, first_beat: int) -> None:
        self.label = label
        self.stream = Stream.from_manifest(d)
        self.expected: list[int] = d["expected"]
        self.bpi = self.stream.beats_per_image
        self.first_beat = first_beat  # global index of this run's first beat (runs cover image ranges)
        self.tvalid = getattr(dut, f"{prefix}_tvalid")
        self.tready = getattr(dut, f"{prefix}_tready")
        self.tdata = getattr(dut, f"{prefix}_tdata")
        self.held: int | None = None
        self.beats: list[tuple[int, int]] = []  # (cycle, data)

    @property
    def pending(self) -> bool:
        return len(self.beats) < len(self.expected)

    def sample(self, cycle: int) -> bool:
        """Check and record this cycle; True when a beat moved. Raises AssertionError with the report line."""
        if not int(self.tvalid.value):
            if self.held is not None:
                raise AssertionError(checks.valid_dropped(self.label, self.first_beat + len(self.beats), cycle))
            return False
        val = self.tdata.value
        if not val.is_resolvable:
            raise AssertionError(f"stream {self.label}: tdata has X/Z ({val}) at cycle {cycle}")
        data = int(val)
        if self.held is not None and data != self.held:
            raise AssertionError(checks.data_changed(self.label, self.first_beat + len(self.beats), cycle,
                                                     self.held, data))
        if not int(self.tready.value):
            self.held = data
            return False
        self.held = None
        i = len(self.beats)
        fmt = self.stream.format_beat
        if i >= len(self.expected):
            raise AssertionError(checks.extra_beat(self.label, self.first_beat + i, cycle, data,
                                                   self.first_beat + len(self.expected), fmt))
        if data != self.expected[i]:
            raise AssertionError(checks.mismatch(self.label, self.first_beat + i, self.bpi, cycle,
                                                 self.expected[i], data, fmt))
        self.beats.append((cycle, data))
        return True


@cocotb.test()
async def network(dut: Any) -> None:
    """Stream the plan's images through the DUT and score every monitored stream."""
    with open(os.environ["BNNC_PLAN"]) as f:
        plan = json.load(f)
    first = plan["first_image"]
    links = [_Link(checks.tap_label(s["name"], s["tap"]), s, dut, s["name"], first * s["beats_per_image"])
             for s in plan["internal"]]
    out = plan["output"]
    links.append(_Link(checks.output_label(out["tap"]), out, dut, "m_axis", first * out["beats_per_image"]))
    inputs: list[int] = plan["input"]
    gaps: list[int] | None = plan["gaps"]
    ready = np.load(plan["ready"]).tobytes() if plan["ready"] else None
    watchdog, max_cycles, drain = plan["watchdog_cycles"], plan["max_cycles"], plan["drain_cycles"]

    clk = dut.clk
    cocotb.start_soon(Clock(clk, 10, unit="ns").start())
    dut.rst_n.value = 0
    dut.s_axis_tvalid.value = 0
    dut.s_axis_tdata.value = 0
    dut.m_axis_tready.value = 0
    for _ in range(checks.RESET_CYCLES):
        await RisingEdge(clk)
    dut.rst_n.value = 1
    await RisingEdge(clk)

    sent: list[int] = []  # cycle of each input beat that moved
    driving, gap, last_progress, done_at, cycle = False, 0, 0, None, 0
    failure = None
    try:
        while True:
            if done_at is None and len(sent) == len(inputs) and not any(lk.pending for lk in links):
                done_at = cycle
            if done_at is not None and cycle - done_at >= drain:
                break  # the drain: extra beats after the last expected one are failures too
            if not driving:
                if len(sent) < len(inputs) and gap == 0:
                    dut.s_axis_tdata.value = inputs[len(sent)]
                    dut.s_axis_tvalid.value = 1
                    driving = True
                else:
                    gap = max(0, gap - 1)
                    dut.s_axis_tvalid.value = 0
            dut.m_axis_tready.value = ready[cycle % len(ready)] if ready is not None else 1
            await ReadOnly()
            for lk in links:
                if lk.sample(cycle):
                    last_progress = cycle
            if driving and int(dut.s_axis_tready.value):
                driving = False
                gap = gaps[len(sent)] if gaps is not None else 0
                sent.append(cycle)
                last_progress = cycle
            if done_at is None:
                if cycle - last_progress > watchdog:
                    stuck = ([checks.INPUT_LABEL] if len(sent) < len(inputs) else []) + \
                        [lk.label for lk in links if lk.pending]
                    raise AssertionError(checks.watchdog(watchdog, cycle, stuck or
                                                         [checks.INPUT_LABEL] + [lk.label for lk in links]))
                if cycle > max_cycles:
                    raise AssertionError(checks.not_done(max_cycles))
            await RisingEdge(clk)
            cycle += 1
    except AssertionError as e:
        failure = str(e).splitlines()[0]
    result: dict[str, Any] = {"cycles": cycle, "failure": failure}
    if failure is None:
        sink = links[-1]
        bpi, in_bpi = out["beats_per_image"], plan["input_beats_per_image"]
        ends = [sink.beats[k * bpi + bpi - 1][0] for k in range(len(sink.beats) // bpi)]
        starts = sent[::in_bpi]
        result.update({"output_beats": [d for _, d in sink.beats], "image_done_cycles": ends,
                       "image_start_cycles": starts,
                       "latency_cycles": ends[0] - starts[0] if ends and starts else None})
    if plan.get("record"):
        # every beat of every link (cycle, words), for comparing the two engines beat for beat
        arrays: dict[str, np.ndarray] = {"input.cyc": np.array(sent, dtype=np.uint32)}
        for lk in links:
            nw = lk.stream.words_per_beat
            arrays[f"{lk.stream.name if lk is not links[-1] else 'm_axis'}.cyc"] = \
                np.array([c for c, _ in lk.beats], dtype=np.uint32)
            arrays[f"{lk.stream.name if lk is not links[-1] else 'm_axis'}.dat"] = \
                np.array([checks.int_words(d, nw) for _, d in lk.beats], dtype=np.uint32).reshape(-1, nw)
        np.savez(plan["record"], **arrays)
    with open(os.environ["BNNC_RESULT"], "w") as f:
        json.dump(result, f)
    if failure is not None:
        raise AssertionError(failure)
