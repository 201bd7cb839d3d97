"""``bnnc board run``: stream images to a board programmed with ``bnnc synth --board`` and read its answers.

The host side of the UART protocol of :mod:`compiler.hw.uart` (pyserial): each image is
encoded from the compile folder's input stream, sent whole, and its reply read before the
next image goes out. The replies are compared with the numpy reference of the same
compile folder (its folded IR), and with the labels when given; the report gives the
accuracy, the agreement with the reference and the images per second over the wire.
Errors are one line: a port that cannot be opened or goes away, a board that stops answering
(with how many replies came), inputs that are not the network's shape.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from compiler.errors import BnncError, describe
from compiler.hw.uart import BITS_PER_FRAME, DEFAULT_BAUD, IDLE_BYTE_TIMES, IDLE_MIN_MS, UartProtocol
from compiler.names import printable


MAX_BAUD = 100_000_000
"""The highest baud ``--baud`` takes (as the command line's argument type)."""


def default_baud(rtl: Path) -> int:
    """The baud ``bnnc synth --board`` built the bitstream for (``rtl/synth.json``), else the protocol's default.

    ``synth.json`` is read like the rest of the folder, as untrusted: a baud that is no positive
    integer up to :data:`MAX_BAUD` is refused in one line, never handed to the serial port.
    """
    path = rtl / "synth.json"
    if not path.is_file():  # absent, or not a regular file (a FIFO would block the read)
        return DEFAULT_BAUD
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
        board = json.loads(data).get("board") or {}
        baud = board.get("baud", DEFAULT_BAUD)
    except (OSError, ValueError, AttributeError, TypeError):
        return DEFAULT_BAUD
    if type(baud) is not int or not 0 < baud <= MAX_BAUD:
        raise BnncError(f"board.baud must be a positive integer up to {MAX_BAUD} as bnnc synth --board wrote it, "
                        f"not {printable(describe(baud))}; run bnnc synth --board again, or give --baud",
                        file=str(path), field="board.baud")
    return baud


def open_port(port: str, baud: int) -> Any:
    """The serial port, opened 8N1 at ``baud``; one-line BnncError when it cannot be opened."""
    try:
        import serial  # pyserial
    except ImportError:
        raise BnncError("bnnc board run needs pyserial (pip install pyserial), not missing serial") from None
    try:
        return serial.Serial(port, baudrate=baud, bytesize=8, parity="N", stopbits=1, timeout=0.05,
                             write_timeout=10)
    except (serial.SerialException, OSError, ValueError) as e:
        why = " ".join(str(e).split())[:160]
        raise BnncError(f"--port must be a serial port that can be opened, not {printable(repr(port))} ({why})",
                        field="--port") from None


def run_images(ser: Any, proto: UartProtocol, images: np.ndarray, baud: int, timeout: float) -> np.ndarray:
    """Send each image's bytes (N, in_bytes) and read its reply; return the replies (N, out_bytes) uint8.

    Before the first image the line stays silent for twice the idle timeout, so that a
    partial image left in the board by an earlier run is dropped (the protocol's resync rule).
    Raises BnncError when a reply does not arrive within its transmission time plus ``timeout``.
    """
    byte_s = BITS_PER_FRAME / baud
    time.sleep(2 * max(IDLE_BYTE_TIMES * byte_s, IDLE_MIN_MS * 1e-3))
    ser.reset_input_buffer()
    n, out_n = images.shape[0], proto.out_bytes_per_image
    replies = np.zeros((n, out_n), dtype=np.uint8)
    wire = (images.shape[1] + out_n) * byte_s
    for i in range(n):
        got = bytearray()
        try:
            ser.write(images[i].tobytes())
            deadline = time.monotonic() + wire + timeout
            while len(got) < out_n and time.monotonic() < deadline:
                got += ser.read(out_n - len(got))
        except OSError as e:  # pyserial's SerialException is an OSError: the port went away mid-run
            why = " ".join(str(e).split())[:160]
            raise BnncError(f"the serial port must stay usable, not fail after {i} of {n} replies ({why})",
                            field="--port") from None
        if len(got) < out_n:
            raise BnncError(f"the board must answer each image within {wire + timeout:.2f} s, not stop after "
                            f"{i} of {n} replies (image {i}: {len(got)} of {out_n} reply bytes); check the "
                            "port, the baud and that the bitstream was built from this compile folder")
        replies[i] = np.frombuffer(bytes(got), dtype=np.uint8)
    return replies


def board_run_cli(args: argparse.Namespace) -> int:
    """``bnnc board run``: 0 when every reply equals the reference's, 1 when some differ, 2 on bad input."""
    from compiler.frontend.arrays import read_npy
    from compiler.reference import execute, prepare_input
    from compiler.runtime.sim.simulate import SimError, load_rtl

    rtl = Path(args.rtl)
    try:
        folder, graph = load_rtl(rtl)
        proto: UartProtocol = folder.uart_protocol()
    except (SimError, ValueError) as e:
        raise BnncError(str(e)) from None
    x = read_npy(args.inputs, "--inputs", args.max_bytes)
    if x.ndim == 0 or x.shape[0] == 0:
        raise BnncError(f"--inputs must hold at least one image, not {x.shape[0] if x.ndim else 'a scalar'}",
                        file=args.inputs, field="--inputs")
    y = None
    if args.labels:
        y = read_npy(args.labels, "--labels", args.max_bytes)
        # the whole files must agree: --limit takes the first N of both, and must not hide a mismatch
        if y.shape != (len(x),):
            raise BnncError(f"--labels must have shape ({len(x)},), not {list(y.shape)}", file=args.labels)
    if args.limit is not None:
        x = x[: args.limit]
        y = y[: args.limit] if y is not None else None
    try:
        xp = prepare_input(graph, x)
    except ValueError as e:
        raise BnncError(str(e), file=args.inputs, field="--inputs") from None
    if not args.timeout > 0:
        raise BnncError(f"--timeout must be a positive number of seconds, not {args.timeout}", field="--timeout")
    baud = args.baud if args.baud is not None else default_baud(rtl)
    outs = execute(graph, xp, taps=True)
    assert isinstance(outs, dict)
    reference = np.asarray(outs[proto.outp.tap]).reshape(len(x), -1)
    reference = reference[:, 0] if proto.output == "argmax" else reference

    ser = open_port(args.port, baud)
    try:
        t0 = time.perf_counter()
        replies = run_images(ser, proto, proto.encode(xp), baud, args.timeout)
        seconds = time.perf_counter() - t0
    finally:
        try:
            ser.close()
        except OSError:
            pass
    got = proto.decode(replies)
    same = np.all(got.reshape(len(x), -1) == reference.reshape(len(x), -1), axis=1)
    print(f"bnnc: board: {len(x)} images over {printable(args.port)} at {baud} baud in {seconds:.2f} s: "
          f"{len(x) / seconds:.1f} images/s ({proto.in_bytes_per_image} bytes in, "
          f"{proto.out_bytes_per_image} out per image)")
    print(f"bnnc: board: agrees with the reference on {int(same.sum())}/{len(x)} images")
    if y is not None:
        pred = got if proto.output == "argmax" else np.argmax(got, axis=-1)
        print(f"accuracy: {float(np.mean(pred == y)) * 100:.2f}% ({int(np.sum(pred == y))}/{len(y)})")
    if not same.all():
        first = int(np.argmin(same))
        print(f"bnnc: board: image {first}: the board answered {got[first].tolist()}, the reference "
              f"{reference[first].tolist()}")
        return 1
    return 0
