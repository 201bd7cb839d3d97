"""cocotb tests of the whole board wrapper (bnnc_board_top: UART cores, bridge, accelerator), over its pins only.

Run through test_board.py. The host side is :mod:`compiler.runtime.sim.uart`'s serial-line models:
real start, data and stop bits into ``uart_rx``, decoded from ``uart_tx``. Each reply is
compared byte for byte with the protocol's encoding of the numpy reference's output, and
decoded back to classes / scores (:class:`compiler.hw.uart.UartProtocol`).
Plan (env ``BNNC_TB_DATA``): the image bytes, the expected replies and outputs, the bit time.
"""

from __future__ import annotations

import json
import os

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from compiler.hw.uart import UartProtocol
from compiler.runtime.sim.axis import AxisEnv
from compiler.runtime.sim.uart import UartReceiver, UartSender


def _plan() -> tuple[dict, np.lib.npyio.NpzFile, UartProtocol]:  # type: ignore[name-defined]
    data = np.load(os.environ["BNNC_TB_DATA"])
    meta = json.loads(str(data["meta"]))
    with open(meta["manifest"]) as f:
        proto = UartProtocol.from_manifest(json.load(f))
    return meta, data, proto


async def _start(dut, name: str):  # type: ignore[no-untyped-def]
    meta, data, proto = _plan()
    env = AxisEnv(dut, clk="clk_12mhz", rst_n=None, seed_name=f"board.{name}")
    dut.uart_rx.value = 1
    if hasattr(dut, "btn_n"):
        dut.btn_n.value = 1
    sender = UartSender(dut.clk_12mhz, dut.uart_rx, meta["cpb"])
    receiver = UartReceiver(dut.clk_12mhz, dut.uart_tx, meta["cpb"])
    await ClockCycles(dut.clk_12mhz, 20)  # the power-on reset (POR_BITS is small in this build)
    return env, meta, data, proto, sender, receiver


async def _wait_bytes(receiver: UartReceiver, sender: UartSender, clk, n: int, limit: int) -> None:  # type: ignore[no-untyped-def]
    """Run until ``n`` reply bytes arrived (and everything was sent); fail after ``limit`` quiet cycles."""
    quiet, last = 0, -1
    while len(receiver.received) < n or sender.busy:
        await ClockCycles(clk, 64)
        receiver.check()
        progress = (len(receiver.received), sender.sent)
        quiet = 0 if progress != last else quiet + 64
        last = progress  # type: ignore[assignment]
        assert quiet < limit, (f"no reply byte for {limit} cycles: {len(receiver.received)} of {n} reply bytes, "
                               f"{sender.sent} bytes sent")


def _gaps(rng, count: int, cpb: int, idle: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Idle cycles before each byte: mostly none, some short, a few long (but below the idle timeout)."""
    return [rng.choice([0, 0, 0, 1, cpb, 3 * cpb, idle // 3]) for _ in range(count)]


def _check_replies(received: list[int], expected: np.ndarray, reference: np.ndarray, proto: UartProtocol,
                   images: list[int]) -> None:
    got = np.array(received, dtype=np.uint8).reshape(len(images), proto.out_bytes_per_image)
    for k, img in enumerate(images):
        assert got[k].tolist() == expected[img].tolist(), (
            f"reply {k} (image {img}): bytes {got[k].tolist()}, expected {expected[img].tolist()}")
    decoded = proto.decode(got)
    assert np.array_equal(decoded, reference[images]), f"decoded {decoded.tolist()} != reference {reference[images].tolist()}"


@cocotb.test()
async def classify_images(dut) -> None:
    """Every image over the UART with random gaps between bytes: each reply equals the reference's, in order."""
    env, meta, data, proto, sender, receiver = await _start(dut, "classify")
    images = data["images"]
    rng = env.rng("gaps")
    for img in images:
        sender.send(img.tolist(), gaps=_gaps(rng, len(img), meta["cpb"], meta["idle_clks"]))
    await _wait_bytes(receiver, sender, dut.clk_12mhz, len(images) * proto.out_bytes_per_image,
                      meta["idle_clks"] + 40 * meta["cpb"])
    await ClockCycles(dut.clk_12mhz, 20 * meta["cpb"])  # no extra bytes afterwards
    receiver.check()
    _check_replies(receiver.received, data["replies"], data["reference"], proto, list(range(len(images))))
    await ReadOnly()
    if hasattr(dut, "led_green_n"):  # the icebreaker wrapper: green toggles per reply, red stays off
        assert int(dut.led_green_n.value) == (0 if len(images) % 2 else 1)
        assert int(dut.led_red_n.value) == 1


@cocotb.test()
async def resync_after_lost_bytes(dut) -> None:
    """A partial image then silence, and an image with a framing error: both dropped, the next images right."""
    env, meta, data, proto, sender, receiver = await _start(dut, "resync")
    images, cpb, idle = data["images"], meta["cpb"], meta["idle_clks"]
    assert len(images) >= 4
    n_in = proto.in_bytes_per_image
    # 1. image 0 loses its tail (only the first half arrives), then the line is silent past the timeout
    sender.send(images[0][: max(1, n_in // 2)].tolist())
    await sender.idle(idle + 12 * cpb)
    await ReadOnly()
    assert len(receiver.received) == 0, "a partial image must get no reply"
    if hasattr(dut, "led_red_n"):
        assert int(dut.led_red_n.value) == 0, "the error LED must light after a dropped image"
    await RisingEdge(dut.clk_12mhz)
    # 2. images 1 and 2 whole: answered
    sender.send(images[1].tolist())
    sender.send(images[2].tolist())
    await _wait_bytes(receiver, sender, dut.clk_12mhz, 2 * proto.out_bytes_per_image, idle + 40 * cpb)
    await ReadOnly()
    if hasattr(dut, "led_red_n"):
        assert int(dut.led_red_n.value) == 1, "the error LED must clear with the next reply"
    await RisingEdge(dut.clk_12mhz)
    # 3. image 1 again with a framing error in its middle: the rest of it is ignored, no reply
    k = n_in // 2
    sender.send(images[1][:k].tolist())
    sender.send([int(images[1][k])], bad_stop=True)
    sender.send(images[1][k + 1:].tolist())
    await sender.idle(idle + 12 * cpb)
    assert len(receiver.received) == 2 * proto.out_bytes_per_image, "an image with a framing error must get no reply"
    # 4. image 3 whole: answered
    sender.send(images[3].tolist())
    await _wait_bytes(receiver, sender, dut.clk_12mhz, 3 * proto.out_bytes_per_image, idle + 40 * cpb)
    await ClockCycles(dut.clk_12mhz, 20 * cpb)
    receiver.check()
    _check_replies(receiver.received, data["replies"], data["reference"], proto, [1, 2, 3])
