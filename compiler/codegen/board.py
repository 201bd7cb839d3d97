"""Board-level wrappers: a compiled accelerator behind a UART on a real board (``bnnc synth --board``).

The boards, their pins (``templates/boards/*.pcf|lpf``, each citing its source), clock,
reset, LEDs and programmer are described here; the wrapper's Verilog comes from
``templates/board_top.v.j2`` (glue only: every number is decided here or in
:mod:`compiler.hw.uart`, the protocol).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from compiler.hw.uart import UartTiming
from compiler.names import tool_word
from compiler.version import __version__

from .folder import CompiledFolder
from .paths import templates_dir
from .verilog import core_sources

WRAPPER = "bnnc_board_top"
"""The wrapper's module name (the top of place-and-route with ``--board``)."""

UART_CORES = ("bnnc_uart_rx", "bnnc_uart_tx", "bnnc_board_bridge")
"""The static cores the wrapper instantiates around the accelerator."""

POR_BITS = 12
"""Power-on reset: 2**11 cycles (170 us at 12 MHz), longer than the oscillator's start-up glitches last."""


@dataclass(frozen=True)
class Led:
    """One LED port: what it shows (``reply``: toggles per reply; ``error``: lit after a dropped image)."""

    port: str
    shows: str
    active_low: bool


@dataclass(frozen=True)
class Board:
    """A supported board: part, clock, pins, LEDs, and how to program it."""

    name: str
    title: str
    target: str  # the `bnnc synth` target whose part and memory apply
    nextpnr_device: tuple[str, ...]  # nextpnr's device and package arguments for this board's exact part
    clock_mhz: float
    clock_comment: str
    pin_file: str  # under templates/boards/
    programmer: str  # command to load the bitstream ({bit} is its path)
    serial_port: str  # where the UART usually appears on Linux
    button: str | None = None  # an active-low reset button's port
    leds: tuple[Led, ...] = ()
    rgb: bool = False  # iCE40UP RGB pins: driven through SB_RGBA_DRV
    tie_high: tuple[str, ...] = ()  # outputs held high (a flash chip select sharing the UART lines)
    note: str = ""

    def pin_path(self) -> Path:
        """The pin constraint file shipped with bnnc."""
        return templates_dir() / "boards" / self.pin_file


BOARDS: dict[str, Board] = {
    "icebreaker": Board(
        "icebreaker", "iCEBreaker (iCE40UP5K-SG48)", "ice40-up5k", ("--up5k", "--package", "sg48"), 12.0,
        "12 MHz oscillator on pin 35", "icebreaker.pcf", "iceprog {bit}", "/dev/ttyUSB1",
        button="btn_n", leds=(Led("led_green_n", "reply", True), Led("led_red_n", "error", True))),
    "upduino": Board(
        "upduino", "UPduino v3.0 (iCE40UP5K-SG48)", "ice40-up5k", ("--up5k", "--package", "sg48"), 12.0,
        "12 MHz oscillator on pin 20 (OSC jumper shorted)", "upduino.pcf", "iceprog -d i:0x0403:0x6014 {bit}",
        "/dev/ttyUSB0", leds=(Led("led_green", "reply", False), Led("led_red", "error", False)), rgb=True,
        tie_high=("flash_cs_n",),
        note="needs the OSC jumper shorted (12 MHz on pin 20); the UART shares the flash's SPI lines"),
    "ecp5-evn": Board(
        "ecp5-evn", "ECP5-5G Evaluation Board (LFE5UM5G-85F-8BG381)", "ecp5-85k",
        ("--um5g-85k", "--package", "CABGA381"), 12.0, "12 MHz clock from the FT2232H on A10", "ecp5-evn.lpf",
        "openFPGALoader -b ecp5_evn {bit}", "/dev/ttyUSB1", button="btn_n",
        leds=(Led("led0_n", "reply", True), Led("led1_n", "error", True)),
        note="the UART needs R34/R35 populated and the FT2232H's port B set to UART (see the .lpf)"),
}


def _port_comment(board: Board, name: str) -> str:
    for led in board.leds:
        if led.port == name:
            return f"LED: {'toggles with every reply' if led.shows == 'reply' else 'lit after a dropped image'}"
    return {"clk_12mhz": board.clock_comment, "uart_rx": "UART from the host (idle high)",
            "uart_tx": "UART to the host (idle high)", "btn_n": "button, low when pressed: reset",
            "flash_cs_n": "SPI flash chip select, held high", "led_blue": "LED: unused, off"}[name]


def render_board_top(folder: CompiledFolder, board: Board, timing: UartTiming) -> str:
    """The wrapper's Verilog for a validated ``bnnc compile`` folder's design on ``board`` at ``timing``.

    Raises ValueError (one line) when the design's output cannot be sent by the protocol.
    """
    proto = folder.uart_protocol()
    ports = [("input", "clk_12mhz"), ("input", "uart_rx"), ("output", "uart_tx")]
    if board.button:
        ports.append(("input", board.button))
    ports += [("output", led.port) for led in board.leds] + [("output", p) for p in board.tie_high]
    signal = {"reply": "reply_toggle", "error": "error_seen"}
    assigns = [{"port": p, "expr": "1'b1", "comment": "keeps the flash off the UART lines"} for p in board.tie_high]
    rgb = None
    if board.rgb:  # RGB0 = green, RGB1 = blue, RGB2 = red on the UPduino (see upduino.pcf)
        by_shows = {led.shows: signal[led.shows] for led in board.leds}
        rgb = {"rgb0": by_shows["reply"], "rgb1": "1'b0", "rgb2": by_shows["error"],
               "pin0": "led_green", "pin1": "led_blue", "pin2": "led_red"}
        ports.append(("output", "led_blue"))
    else:
        assigns += [{"port": led.port, "expr": ("!" if led.active_low else "") + signal[led.shows],
                     "comment": f"{led.shows} LED, lit when {'low' if led.active_low else 'high'}"}
                    for led in board.leds]
    ctx = {
        "wrapper": WRAPPER, "top": tool_word(folder.top), "board": board.name, "board_title": board.title,
        "version": __version__, "clock_comment": board.clock_comment, "clock_port": "clk_12mhz",
        "clock_mhz": f"{timing.clock_mhz:g}", "baud": timing.baud, "clks_per_bit": timing.clks_per_bit,
        "idle_clks": timing.idle_clks, "por_bits": POR_BITS,
        "in_bytes": proto.in_bytes_per_image, "in_beats": proto.inp.beats_per_image, "in_width": proto.inp.width,
        "beat_bytes": proto.bytes_per_beat, "out_bytes": proto.out_bytes_per_image, "out_width": proto.outp.width,
        "reply_what": ("the class" if proto.output == "argmax" else
                       f"{proto.out_elems} scores, {proto.elem_bytes} byte(s) each, little-endian"),
        "ports": [{"dir": d, "name": n, "comment": _port_comment(board, n)} for d, n in ports],
        "button": board.button, "assigns": assigns, "rgb": rgb,
        "bridge_params": [(k, v) for k, v in proto.bridge_params(timing).items() if k != "IDLE_CLKS"],
    }
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, autoescape=False)
    return env.get_template("board_top.v.j2").render(**ctx)


def write_board_files(compiled: CompiledFolder, board: Board, timing: UartTiming, folder: Path) -> list[str]:
    """Write the wrapper of ``compiled``'s design, the UART cores and the board's pin file into ``folder``;
    return the Verilog file names."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{WRAPPER}.v").write_text(render_board_top(compiled, board, timing))
    names = []
    for name, text in sorted(core_sources(UART_CORES).items()):
        (folder / name).write_text(text)
        names.append(name)
    (folder / board.pin_file).write_text(board.pin_path().read_text())
    return [*names, f"{WRAPPER}.v"]
