"""cocotb tests of bnnc_board_bridge (run through test_board_bridge.py).

Both directions at once, each with a driver, a monitor and a scoreboard fed by a model:
bytes with random gaps into s_byte -> beats on m_axis under random backpressure (model:
IN_BYTES bytes per beat, least significant first); beats with random gaps into s_axis ->
bytes on m_byte under random backpressure (model: valid lanes of each beat, ELEM_BYTES
bytes each, sign- or zero-extended). Parameters are read back from the DUT.
"""

from __future__ import annotations

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge

from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, read_param


def _params(dut) -> dict[str, int]:  # type: ignore[no-untyped-def]
    names = ("IN_WIDTH", "IN_BYTES", "IN_BEATS", "OUT_LANES", "OUT_EW", "OUT_VBEATS", "LAST_LANES", "OUT_BEATS",
             "ELEM_BYTES", "OUT_SIGNED", "IDLE_CLKS")
    return {n: read_param(dut, n) for n in names}


def _beats_of(data: list[int], p: dict[str, int]) -> list[int]:
    """Model, in direction: bytes -> beats (IN_BYTES per beat, least significant first, bits above IN_WIDTH dropped)."""
    mask = (1 << p["IN_WIDTH"]) - 1
    return [int.from_bytes(bytes(data[i:i + p["IN_BYTES"]]), "little") & mask
            for i in range(0, len(data), p["IN_BYTES"])]


def _bytes_of(beats: list[int], p: dict[str, int]) -> list[int]:
    """Model, out direction: each valid lane of each beat as ELEM_BYTES little-endian bytes (extended)."""
    out = []
    ew, nb = p["OUT_EW"], p["ELEM_BYTES"]
    for k, beat in enumerate(beats):
        last_of_vector = k % p["OUT_VBEATS"] == p["OUT_VBEATS"] - 1
        for lane in range(p["LAST_LANES"] if last_of_vector else p["OUT_LANES"]):
            v = (beat >> (lane * ew)) & ((1 << ew) - 1)
            if p["OUT_SIGNED"] and v >> (ew - 1):
                v -= 1 << ew
            out += list((v & ((1 << (8 * nb)) - 1)).to_bytes(nb, "little"))
    return out


async def _setup(dut, name: str, gap: float, ready: float):  # type: ignore[no-untyped-def]
    p = _params(dut)
    env = AxisEnv(dut, seed_name=f"bridge.{name}")
    dut.err_in.value = 0
    sb_in, sb_out = Scoreboard("m_axis", []), Scoreboard("m_byte", [])
    src_bytes = AxisSource(env, "s_byte", gap_prob=gap, max_gap=3)
    sink_beats = AxisSink(env, "m_axis", ready_prob=ready, scoreboard=sb_in)
    src_beats = AxisSource(env, "s_axis", gap_prob=gap)
    sink_bytes = AxisSink(env, "m_byte", ready_prob=ready, scoreboard=sb_out)
    await env.reset()
    return p, env, sb_in, sb_out, src_bytes, sink_beats, src_beats, sink_bytes


@cocotb.test()
async def bridge_random(dut) -> None:
    """Whole images in, whole results out, random gaps and backpressure on all four streams."""
    p, env, sb_in, sb_out, src_bytes, _, src_beats, _ = await _setup(dut, "random", gap=0.3, ready=0.5)
    rng = env.rng("data")
    images = 5
    data = [rng.getrandbits(8) for _ in range(images * p["IN_BEATS"] * p["IN_BYTES"])]
    # the padding bits above IN_WIDTH in each beat's last byte are sent as junk: they must not pass
    sb_in.add_expected(_beats_of(data, p))
    out_w = p["OUT_LANES"] * p["OUT_EW"]
    results = [rng.getrandbits(out_w) for _ in range(images * p["OUT_BEATS"])]
    sb_out.add_expected(_bytes_of(results, p))
    src_bytes.send(data)
    src_beats.send(results)
    await env.run_until(lambda: sb_in.done and sb_out.done, timeout_cycles=200)
    await env.cycles(20)
    sb_in.assert_done()
    sb_out.assert_done()


async def _pulse(dut) -> None:  # type: ignore[no-untyped-def]
    dut.err_in.value = 1
    await RisingEdge(dut.clk)
    dut.err_in.value = 0


@cocotb.test()
async def bridge_idle_timeout_and_error(dut) -> None:
    """A partial image is completed with zero beats at the idle timeout and its result dropped; after err_in
    the bytes until the next idle gap are ignored (that image dropped too); the images after both are framed
    right and only their results are sent."""
    p, env, sb_in, sb_out, src_bytes, sink_beats, src_beats, _ = await _setup(dut, "resync", gap=0.0, ready=1.0)
    rng = env.rng("data")
    per_image, idle, nb = p["IN_BEATS"] * p["IN_BYTES"], p["IDLE_CLKS"], p["IN_BYTES"]
    assert per_image >= 2, "this test needs images of at least two bytes"
    # 1. half an image, then silence past the timeout: its whole beats, then zero beats to complete it
    part = [rng.getrandbits(8) for _ in range(per_image // 2)]
    whole = len(part) // nb
    sb_in.add_expected(_beats_of(part[: whole * nb], p) + [0] * (p["IN_BEATS"] - whole))
    src_bytes.send(part)
    await env.run_until(lambda: not src_bytes.pending, timeout_cycles=200)
    await env.cycles(idle + 20)
    # 2. one byte, err_in, then the rest of that image and a whole image more, with no idle gap: all ignored
    junk = [rng.getrandbits(8) for _ in range(2 * per_image)]
    # the byte before the error starts an image: completed with zero beats (a one-byte beat went out)
    sb_in.add_expected((_beats_of(junk[:1], p) if nb == 1 else []) + [0] * (p["IN_BEATS"] - (nb == 1)))
    src_bytes.send(junk[:1])
    await env.run_until(lambda: not src_bytes.pending, timeout_cycles=200)
    await env.cycles(4)
    dut.err_in.value = 1
    await RisingEdge(dut.clk)
    dut.err_in.value = 0
    src_bytes.send(junk[1:])
    await env.run_until(lambda: not src_bytes.pending, timeout_cycles=200)
    await env.cycles(idle + 20)
    # 3. two whole images pass; of the four results only theirs (images 2 and 3) are sent
    good = [rng.getrandbits(8) for _ in range(2 * per_image)]
    sb_in.add_expected(_beats_of(good, p))
    src_bytes.send(good)
    await env.run_until(lambda: sb_in.done, timeout_cycles=400)
    results = [rng.getrandbits(p["OUT_LANES"] * p["OUT_EW"]) for _ in range(4 * p["OUT_BEATS"])]
    sb_out.add_expected(_bytes_of(results[2 * p["OUT_BEATS"]:], p))
    src_beats.send(results)
    await env.run_until(lambda: sb_out.done, timeout_cycles=400)
    await env.cycles(40)
    sb_in.assert_done()
    sb_out.assert_done()
    assert sink_beats.count == len(sb_in.expected)


async def _byte_now(env: AxisEnv, dut, value: int, limit: int = 200) -> int:  # type: ignore[no-untyped-def]
    """Offer one byte from this cycle on (s_byte_tvalid high) until it is taken; return the cycle it moved.

    A bridge that never takes it fails the test after ``limit`` cycles: bench/mutate.py found that a bridge whose
    beat never leaves (s_byte_tready stuck low) hung this loop forever.
    """
    dut.s_byte_tdata.value = value
    dut.s_byte_tvalid.value = 1
    start = env.cycle
    while True:
        assert env.cycle - start < limit, f"the bridge did not take a byte in {limit} cycles (s_byte_tready low)"
        await ReadOnly()
        if int(dut.s_byte_tready.value):
            moved = env.cycle
            await RisingEdge(dut.clk)
            dut.s_byte_tvalid.value = 0
            return moved
        await RisingEdge(dut.clk)


@cocotb.test()
async def bridge_timeout_boundary(dut) -> None:
    """The idle timeout to the cycle: a byte taken IDLE_CLKS cycles after the last one still continues the image;
    one cycle later the partial image has been completed with zero beats and the byte starts a new image."""
    p = _params(dut)
    env = AxisEnv(dut, seed_name="bridge.boundary")
    dut.err_in.value = 0
    dut.s_byte_tvalid.value = 0
    dut.s_byte_tdata.value = 0
    dut.s_axis_tvalid.value = 0
    dut.s_axis_tdata.value = 0
    sb = Scoreboard("m_axis", [])
    AxisSink(env, "m_axis", ready_prob=1.0, scoreboard=sb)
    dut.m_byte_tready.value = 1
    await env.reset()
    rng = env.rng("data")
    per_image, idle, nb = p["IN_BEATS"] * p["IN_BYTES"], p["IDLE_CLKS"], p["IN_BYTES"]
    assert per_image >= 2
    for late in (0, 1):  # the second byte IDLE_CLKS cycles after the first, then one cycle later
        image = [rng.getrandbits(8) for _ in range(per_image + late)]
        if late:  # the first byte alone, completed with zeros; then a whole image from the second byte on
            sb.add_expected((_beats_of(image[:1], p) if nb == 1 else []) + [0] * (p["IN_BEATS"] - (nb == 1)))
            sb.add_expected(_beats_of(image[1:], p))
        else:
            sb.add_expected(_beats_of(image, p))
        await RisingEdge(dut.clk)
        first = await _byte_now(env, dut, image[0])
        while env.cycle < first + idle + late:
            await RisingEdge(dut.clk)
        second = await _byte_now(env, dut, image[1])
        if not late:
            assert second == first + idle, f"the byte moved at cycle {second}, not {first + idle}"
        for b in image[2:]:
            await _byte_now(env, dut, b)
        await env.run_until(lambda: sb.done, timeout_cycles=idle + 100)
        await env.cycles(idle + 10)  # quiet: no partial image may be left (nothing more comes out)
    sb.assert_done()
