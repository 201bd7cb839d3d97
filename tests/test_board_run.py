"""`bnnc board run` against a board simulated in-process over a pseudo-terminal.

The device side here is simulated: a thread on the pty's master end that speaks the UART
protocol of compiler/hw/uart.py (reads an image's bytes, answers with the reference's
reply for them). It tests the host side only: the real pyserial port, the framing of
images and replies, the report and the one-line errors. The wrapper itself (UART cores,
bridge and accelerator, real RTL) is verified over its pins by
cocotb_tests/networks/test_board.py.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.cli import main
from compiler.hw.uart import UartProtocol
from compiler.reference import execute, prepare_input
from compiler.runtime.sim.simulate import load_rtl
from designs.netgen import mlp


class FakeBoard:
    """The protocol's device end on a pty: answers ``answer_first`` images (the rest get silence).

    ``wrong``: indices of images answered with a different class.
    """

    def __init__(self, proto: UartProtocol, table: dict[bytes, bytes], answer_first: int | None = None,
                 wrong: tuple[int, ...] = (), hang_up_after: int | None = None) -> None:
        self.proto, self.table, self.answer_first, self.wrong = proto, table, answer_first, wrong
        self.hang_up_after = hang_up_after  # close both ends of the pty after this many replies (unplugged)
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        self._slave = slave  # kept open so the pty lives while the host opens and closes it
        self.images = 0
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        buf = b""
        n = self.proto.in_bytes_per_image
        while not self._stop:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            buf += chunk
            while len(buf) >= n:
                image, buf = buf[:n], buf[n:]
                k = self.images
                self.images += 1
                if self.answer_first is not None and k >= self.answer_first:
                    continue
                reply = bytearray(self.table[image])
                if k in self.wrong:
                    reply[0] ^= 1
                os.write(self.master, bytes(reply))
                if self.hang_up_after is not None and self.images == self.hang_up_after:
                    # a hang-up discards what is unread: wait for the next image, sent once this reply was read
                    os.read(self.master, 1)
                    self.close()
                    return

    def close(self) -> None:
        if self._stop:
            return
        self._stop = True
        os.close(self._slave)
        os.close(self.master)


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("board_run")
    net = mlp(0, sizes=[16, 8, 4], folding={"fc1": {"pe": 2, "simd": 4}, "fc2": {"pe": 2, "simd": 4}}).write(folder)
    compiler.compile(net.path, folder / "rtl")
    compiled, graph = load_rtl(folder / "rtl")
    proto = compiled.uart_protocol()
    x = np.where(np.random.default_rng(5).random((20, 16)) < 0.5, -1, 1).astype(np.int8)
    classes = np.asarray(execute(graph, x)).reshape(-1)
    labels = classes.copy()
    labels[:5] = (labels[:5] + 1) % 4  # 15 of 20 right
    np.save(folder / "x.npy", x)
    np.save(folder / "y.npy", labels)
    enc = proto.encode(prepare_input(graph, x))
    table = {enc[i].tobytes(): proto.reply_of(classes)[i].tobytes() for i in range(len(x))}
    return {"folder": folder, "rtl": folder / "rtl", "proto": proto, "table": table, "n": len(x)}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["board", "run", *argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_board_run_reports_accuracy_and_rate(design: dict, capsys: pytest.CaptureFixture[str]) -> None:
    dev = FakeBoard(design["proto"], design["table"])
    try:
        f = design["folder"]
        rc, out, err = _run(capsys, str(design["rtl"]), "--port", dev.path, "--inputs", str(f / "x.npy"),
                            "--labels", str(f / "y.npy"))
    finally:
        dev.close()
    assert rc == 0, out + err
    assert dev.images == design["n"]
    assert "agrees with the reference on 20/20 images" in out
    assert "accuracy: 75.00% (15/20)" in out
    assert "images/s" in out and "at 115200 baud" in out and "4 bytes in, 1 out per image" in out


def test_board_run_limit_and_disagreement(design: dict, capsys: pytest.CaptureFixture[str]) -> None:
    dev = FakeBoard(design["proto"], design["table"], wrong=(2,))
    try:
        rc, out, err = _run(capsys, str(design["rtl"]), "--port", dev.path, "--inputs",
                            str(design["folder"] / "x.npy"), "--limit", "4", "--baud", "1000000")
    finally:
        dev.close()
    assert rc == 1, out + err
    assert dev.images == 4 and "agrees with the reference on 3/4 images" in out and "image 2: the board answered" in out


def test_board_run_timeout_says_how_many_replies(design: dict, capsys: pytest.CaptureFixture[str]) -> None:
    dev = FakeBoard(design["proto"], design["table"], answer_first=3)
    try:
        rc, out, err = _run(capsys, str(design["rtl"]), "--port", dev.path, "--inputs",
                            str(design["folder"] / "x.npy"), "--timeout", "0.3")
    finally:
        dev.close()
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1, err
    assert "the board must answer each image within" in lines[0] and "not stop after 3 of 20 replies" in lines[0]


def test_board_run_bad_input(design: dict, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rtl, x = str(design["rtl"]), str(design["folder"] / "x.npy")
    rc, out, err = _run(capsys, rtl, "--port", str(tmp_path / "no-such-tty"), "--inputs", x)
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "--port must be a serial port that can be opened, not" in err and "no-such-tty" in err
    np.save(tmp_path / "wide.npy", np.ones((3, 17), dtype=np.int8))
    rc, out, err = _run(capsys, rtl, "--port", "/dev/null", "--inputs", str(tmp_path / "wide.npy"))
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "input must have shape (N, 16), not (3, 17)" in err
    rc, out, err = _run(capsys, str(tmp_path), "--port", "/dev/null", "--inputs", x)
    assert rc == 2 and "must be a folder written by bnnc compile" in err
    np.save(tmp_path / "y3.npy", np.zeros(3, dtype=np.int64))
    rc, out, err = _run(capsys, rtl, "--port", "/dev/null", "--inputs", x, "--labels", str(tmp_path / "y3.npy"))
    assert rc == 2 and "labels must have shape (20,), not [3]" in err


def test_board_run_port_goes_away(design: dict, capsys: pytest.CaptureFixture[str]) -> None:
    dev = FakeBoard(design["proto"], design["table"], hang_up_after=2)
    try:
        rc, out, err = _run(capsys, str(design["rtl"]), "--port", dev.path, "--inputs",
                            str(design["folder"] / "x.npy"), "--timeout", "0.5")
    finally:
        dev.close()
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1, err
    assert "after 2 of 20 replies" in lines[0] and ("must stay usable" in lines[0] or "must answer" in lines[0]), err
