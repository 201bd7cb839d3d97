"""Reusable cocotb testbench parts for AXI4-Stream designs.

Timing discipline (all parts follow it, so they compose): each component
drives its outputs right after a rising clock edge and samples the handshake
in the ``ReadOnly`` phase of the same cycle, i.e. when every combinational
path has settled. A beat "moves" in cycle c when ``tvalid && tready`` is seen
in that cycle's ``ReadOnly`` phase; it is recorded with cycle number c.

Typical use from a cocotb test::

    from compiler.runtime.sim.axis import AxisEnv, AxisSource, AxisSink, Scoreboard

    env = AxisEnv(dut, seed_name="my_test")        # clock, cycle counter, seed (printed)
    await env.reset()
    src = AxisSource(env, "s_axis", gap_prob=0.3)   # random input gaps
    sb = Scoreboard("m_axis", expected_beats, fmt=lambda w: str(unpack_lanes(w, 4, 8)))
    sink = AxisSink(env, "m_axis", ready_prob=0.6, scoreboard=sb)  # random backpressure
    src.send(input_beats)
    await env.run_until(lambda: sb.done, timeout_cycles=500,
                        streams=[src, sink])        # watchdog names a stuck stream
    sb.assert_done()

``gap_prob`` is the chance that the source idles in a cycle before offering a
beat; ``ready_prob`` is the chance that the sink asserts ``tready`` in a cycle.
Seeds: :func:`get_seed` takes ``BNNC_SEED`` from the environment when set,
else derives one from cocotb's ``RANDOM_SEED`` and a name, and logs it.
"""

from __future__ import annotations

import itertools
import os
import random
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge


def get_seed(name: str = "", default: int | None = None) -> int:
    """Seed for a testbench's random generators, printed so a failure can be replayed.

    Order: env ``BNNC_SEED`` (mixed with ``name``, so tests differ), then
    ``default``, then cocotb's ``RANDOM_SEED`` (mixed with ``name``).
    """
    env = os.environ.get("BNNC_SEED")
    if env is not None and env.strip():
        seed = (int(env, 0) * 1_000_003 + zlib.crc32(name.encode())) & 0xFFFFFFFF
        origin = f"BNNC_SEED={env}"
    elif default is not None:
        seed = int(default)
        origin = "test default"
    else:
        seed = (int(getattr(cocotb, "RANDOM_SEED", 1)) + zlib.crc32(name.encode())) & 0xFFFFFFFF
        origin = "cocotb RANDOM_SEED"
    msg = f"[bnnc] seed for {name or 'test'}: {seed} (from {origin})"
    try:
        cocotb.log.info(msg)
    except Exception:  # noqa: BLE001 - cocotb's logger is unavailable outside a simulation
        print(msg)
    return seed


def read_param(dut: Any, name: str, signed: bool = False) -> int:
    """Integer value of a Verilog parameter of the DUT (``dut.NAME.value``); ``signed`` for two's complement."""
    value = getattr(dut, name).value
    if signed:
        return int(value.to_signed()) if hasattr(value, "to_signed") else int(value)
    return int(value)


class _Stream(Protocol):
    name: str

    @property
    def pending(self) -> bool: ...

    @property
    def last_progress(self) -> int: ...


class AxisEnv:
    """Clock, reset, cycle counter and watchdog around one DUT.

    Args:
        dut: the cocotb toplevel handle.
        clk: clock signal name; rst_n: active-low reset name (None: no reset).
        period_ns: clock period.
        seed_name: name mixed into the seed (see :func:`get_seed`).
        seed: fixed seed (overrides cocotb's; BNNC_SEED still wins).
    """

    def __init__(
        self,
        dut: Any,
        clk: str = "clk",
        rst_n: str | None = "rst_n",
        period_ns: int = 10,
        seed_name: str = "",
        seed: int | None = None,
    ) -> None:
        self.dut = dut
        self.clk = getattr(dut, clk)
        self.rst_n = getattr(dut, rst_n) if rst_n else None
        self.cycle = 0
        self.seed = get_seed(seed_name, seed)
        self._rng = random.Random(self.seed)
        self.streams: list[_Stream] = []
        self._errors: list[BaseException] = []
        cocotb.start_soon(Clock(self.clk, period_ns, unit="ns").start())
        cocotb.start_soon(self._count())

    def rng(self, tag: str) -> random.Random:
        """An independent, reproducible generator for one component."""
        return random.Random((self.seed * 1_000_003 + zlib.crc32(tag.encode())) & 0xFFFFFFFFFFFF)

    async def _count(self) -> None:
        while True:
            await RisingEdge(self.clk)
            self.cycle += 1

    def fail(self, exc: BaseException) -> None:
        """Record an error raised inside a background component; :meth:`run_until` re-raises it."""
        if not self._errors:
            self._errors.append(exc)

    def check(self) -> None:
        """Re-raise the first error recorded by a component."""
        if self._errors:
            raise self._errors[0]

    async def reset(self, cycles: int = 4) -> None:
        """Hold reset low for ``cycles`` clock cycles (inputs of registered streams idle)."""
        if self.rst_n is not None:
            self.rst_n.value = 0
        for _ in range(cycles):
            await RisingEdge(self.clk)
        if self.rst_n is not None:
            self.rst_n.value = 1
        await RisingEdge(self.clk)

    async def cycles(self, n: int) -> None:
        """Wait ``n`` rising edges; re-raise any component error (e.g. an extra beat) seen meanwhile."""
        for _ in range(n):
            await RisingEdge(self.clk)
            self.check()

    async def run_until(
        self,
        done: Callable[[], bool],
        timeout_cycles: int = 1000,
        streams: Sequence[_Stream] | None = None,
        max_cycles: int | None = None,
    ) -> None:
        """Run until ``done()`` is true; fail on a component error or when no stream progresses.

        The watchdog fails with the names of the streams that still have work
        (``pending``) but moved no beat for ``timeout_cycles`` cycles.
        ``max_cycles`` bounds the total run time as a second safety net.
        """
        watched = list(streams if streams is not None else self.streams)
        start = self.cycle
        while True:
            self.check()
            if done():
                return
            await RisingEdge(self.clk)
            last = max([s.last_progress for s in watched] + [start])
            if self.cycle - last > timeout_cycles:
                stuck = [s.name for s in watched if s.pending] or [s.name for s in watched]
                raise AssertionError(
                    f"watchdog: no beat moved for {timeout_cycles} cycles (cycle {self.cycle}); "
                    f"stuck stream(s): {', '.join(stuck)}"
                )
            if max_cycles is not None and self.cycle - start > max_cycles:
                raise AssertionError(f"watchdog: not done after {max_cycles} cycles")


class AxisSource:
    """Drives ``<prefix>_tdata/tvalid`` with queued beats, idling randomly between beats.

    AXI rules kept: once ``tvalid`` is raised, it and ``tdata`` hold until the beat moves.
    """

    def __init__(
        self,
        env: AxisEnv,
        prefix: str = "s_axis",
        gap_prob: float = 0.0,
        max_gap: int = 4,
        name: str | None = None,
    ) -> None:
        self.env = env
        self.name = name or prefix
        self.tdata = getattr(env.dut, f"{prefix}_tdata")
        self.tvalid = getattr(env.dut, f"{prefix}_tvalid")
        self.tready = getattr(env.dut, f"{prefix}_tready")
        self.gap_prob = gap_prob
        self.max_gap = max_gap
        self.queue: deque[int] = deque()
        self.sent: list[tuple[int, int]] = []  # (cycle, data) of each beat that moved
        self.last_progress = env.cycle
        self._rng = env.rng("src:" + self.name)
        self.tvalid.value = 0
        self.tdata.value = 0
        env.streams.append(self)
        cocotb.start_soon(self._run())

    @property
    def pending(self) -> bool:
        """Beats still queued."""
        return bool(self.queue)

    def send(self, beats: Iterable[int]) -> None:
        """Queue beats (integers, already packed) for sending."""
        self.queue.extend(int(b) for b in beats)

    async def _run(self) -> None:
        driving = False
        gap = 0
        try:
            while True:
                await RisingEdge(self.env.clk)
                if not driving:
                    if self.queue and gap == 0:
                        self.tdata.value = self.queue[0]
                        self.tvalid.value = 1
                        driving = True
                    else:
                        gap = max(0, gap - 1)
                        self.tvalid.value = 0
                await ReadOnly()
                if driving and int(self.tready.value):
                    self.sent.append((self.env.cycle, self.queue.popleft()))
                    self.last_progress = self.env.cycle
                    driving = False
                    if self.gap_prob > 0 and self._rng.random() < self.gap_prob:
                        gap = self._rng.randint(1, self.max_gap)
        except Exception as exc:  # noqa: BLE001 - reported by AxisEnv.check / run_until
            self.env.fail(exc)


class Scoreboard:
    """Compares the beats of one stream with expected beats, in order, with exact equality.

    The first mismatch raises ``AssertionError`` naming the stream, the beat
    index, the cycle and both values (formatted by ``fmt``, default hex).
    Extra beats beyond the expected list are mismatches too.
    """

    def __init__(
        self,
        name: str,
        expected: Iterable[int] = (),
        fmt: Callable[[int], str] | None = None,
    ) -> None:
        self.name = name
        self.expected: list[int] = [int(e) for e in expected]
        self.index = 0
        self.fmt = fmt or (lambda w: hex(w))

    def add_expected(self, beats: Iterable[int]) -> None:
        """Append more expected beats."""
        self.expected.extend(int(b) for b in beats)

    @property
    def done(self) -> bool:
        """All expected beats have been seen."""
        return self.index >= len(self.expected)

    @property
    def remaining(self) -> int:
        """Expected beats not yet seen."""
        return len(self.expected) - self.index

    def check(self, actual: int, cycle: int) -> None:
        """Compare the next beat; raise on the first mismatch."""
        i = self.index
        if i >= len(self.expected):
            raise AssertionError(
                f"stream {self.name}: unexpected extra beat {i} at cycle {cycle}: "
                f"actual {self.fmt(actual)} (only {len(self.expected)} expected)"
            )
        exp = self.expected[i]
        if actual != exp:
            raise AssertionError(
                f"stream {self.name}: mismatch at beat {i}, cycle {cycle}: "
                f"expected {self.fmt(exp)}, actual {self.fmt(actual)}"
            )
        self.index += 1

    def assert_done(self) -> None:
        """Fail when expected beats are still missing (extra beats fail in :meth:`check` already)."""
        if not self.done:
            raise AssertionError(
                f"stream {self.name}: only {self.index} of {len(self.expected)} expected beats arrived"
            )


class AxisMonitor:
    """Passively records (and optionally scores) the beats of ``<prefix>_tdata/tvalid/tready``.

    Reads ``tdata`` as an integer; an X/Z value in a moving beat is an error.
    """

    def __init__(
        self,
        env: AxisEnv,
        prefix: str = "m_axis",
        scoreboard: Scoreboard | None = None,
        name: str | None = None,
        check_stable: bool = True,
    ) -> None:
        self.env = env
        self.name = name or prefix
        self.tdata = getattr(env.dut, f"{prefix}_tdata")
        self.tvalid = getattr(env.dut, f"{prefix}_tvalid")
        self.tready = getattr(env.dut, f"{prefix}_tready")
        self.scoreboard = scoreboard
        self.check_stable = check_stable
        self.beats: list[tuple[int, int]] = []  # (cycle, data)
        self.last_progress = env.cycle
        env.streams.append(self)
        cocotb.start_soon(self._monitor())

    @property
    def pending(self) -> bool:
        """True while the scoreboard still expects beats."""
        return self.scoreboard is not None and not self.scoreboard.done

    @property
    def count(self) -> int:
        """Beats seen."""
        return len(self.beats)

    async def _monitor(self) -> None:
        held: int | None = None  # data of a valid-but-not-taken beat (AXI hold rule)
        try:
            while True:
                await RisingEdge(self.env.clk)
                await ReadOnly()
                if not int(self.tvalid.value):
                    if held is not None and self.check_stable:
                        raise AssertionError(
                            f"stream {self.name}: tvalid dropped at cycle {self.env.cycle} "
                            f"before the beat {self.count} moved"
                        )
                    continue
                val = self.tdata.value
                if not val.is_resolvable:
                    raise AssertionError(
                        f"stream {self.name}: tdata has X/Z ({val}) at cycle {self.env.cycle}, beat {self.count}"
                    )
                data = int(val)
                if held is not None and self.check_stable and data != held:
                    raise AssertionError(
                        f"stream {self.name}: tdata changed from {held:#x} to {data:#x} while waiting "
                        f"for tready at cycle {self.env.cycle} (beat {self.count})"
                    )
                if int(self.tready.value):
                    held = None
                    self.beats.append((self.env.cycle, data))
                    self.last_progress = self.env.cycle
                    if self.scoreboard is not None:
                        self.scoreboard.check(data, self.env.cycle)
                else:
                    held = data
        except Exception as exc:  # noqa: BLE001 - reported by AxisEnv.check / run_until
            self.env.fail(exc)


class AxisSink(AxisMonitor):
    """An :class:`AxisMonitor` that also drives ``tready``: high with probability ``ready_prob`` per cycle."""

    def __init__(
        self,
        env: AxisEnv,
        prefix: str = "m_axis",
        ready_prob: float = 1.0,
        scoreboard: Scoreboard | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(env, prefix, scoreboard=scoreboard, name=name)
        self.ready_prob = ready_prob
        self._rng = env.rng("sink:" + self.name)
        self.tready.value = 1 if ready_prob >= 1.0 else 0
        cocotb.start_soon(self._drive_ready())

    async def _drive_ready(self) -> None:
        while True:
            await RisingEdge(self.env.clk)
            if self.ready_prob >= 1.0:
                self.tready.value = 1
            else:
                self.tready.value = 1 if self._rng.random() < self.ready_prob else 0


def intervals(cycles: Sequence[int]) -> list[int]:
    """Differences between consecutive cycle numbers (e.g. of the last beat of each vector)."""
    return [b - a for a, b in itertools.pairwise(cycles)]


__all__ = [
    "AxisEnv",
    "AxisMonitor",
    "AxisSink",
    "AxisSource",
    "Scoreboard",
    "get_seed",
    "intervals",
    "read_param",
]
