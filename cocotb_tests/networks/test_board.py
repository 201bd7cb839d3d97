"""The board wrapper verified without a board: the generated bnnc_board_top (UART cores, bridge and the compiled
accelerator, real RTL on Verilator) driven over its uart_rx / uart_tx pins with real serial bits.

The wrapper is the one ``bnnc synth --board icebreaker`` places (same template, same code), at a
fast bit time (4-5 cycles per bit) and a short power-on reset so that whole images take
thousands of cycles, not millions. Each reply is checked byte for byte against the numpy
reference of the compile folder (its folded IR, as ``bnnc simulate`` uses).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.codegen.board import BOARDS, WRAPPER, write_board_files
from compiler.codegen.folder import validate_folder
from compiler.hw.uart import UartTiming
from compiler.reference import execute
from compiler.runtime.sim.runner import SIM_BUILD, build_and_test
from compiler.runtime.sim.simulate import load_rtl
from designs.netgen import mlp

ROOT = Path(__file__).resolve().parents[2]


def _sync(src: Path, dst: Path) -> None:
    """Make folder ``dst`` hold exactly ``src``'s files, rewriting only those whose content changed.

    Unchanged files keep their time stamps, so Verilator and make skip a build whose sources
    did not change (the example's build takes most of this test's time).
    """
    dst.mkdir(parents=True, exist_ok=True)
    names = {f.name for f in src.iterdir() if f.is_file()}
    for old in dst.iterdir():
        if old.is_file() and old.name not in names:
            old.unlink()
    for name in names:
        data = (src / name).read_bytes()
        if not (dst / name).is_file() or (dst / name).read_bytes() != data:
            (dst / name).write_bytes(data)


def _run(compiled: Path, x: np.ndarray, name: str, cpb: int, tests: list[str], board: str = "icebreaker") -> None:
    """Build the wrapper around ``compiled`` at ``cpb`` cycles per bit and run the cocotb ``tests`` on images ``x``."""
    bdir = SIM_BUILD / "board" / name
    rtl = bdir / "rtl"  # a stable copy: the same sources rebuild nothing
    _sync(compiled, rtl)
    folder, graph = load_rtl(rtl)
    proto = folder.uart_protocol()
    timing = UartTiming(clock_mhz=12.0, baud=round(12e6 / cpb), clks_per_bit=cpb, idle_clks=16 * 10 * cpb)
    outs = execute(graph, x, taps=True)
    assert isinstance(outs, dict)
    reference = np.asarray(outs[proto.outp.tap]).reshape(len(x), -1)
    reference = reference[:, 0] if proto.output == "argmax" else reference
    gen = bdir / "gen"
    names = write_board_files(folder, BOARDS[board], timing, gen / "new")
    _sync(gen / "new", gen)
    for mem in rtl.glob("*.mem"):  # $readmemh reads the ROM images from the simulation's folder
        if not (bdir / mem.name).is_file() or (bdir / mem.name).read_bytes() != mem.read_bytes():
            shutil.copy(mem, bdir / mem.name)
    from compiler.reference import prepare_input
    meta = {"cpb": cpb, "idle_clks": timing.idle_clks, "manifest": str(rtl / "manifest.json")}
    np.savez(bdir / "tb_data.npz", meta=json.dumps(meta), images=proto.encode(prepare_input(graph, x)),
             replies=proto.reply_of(reference), reference=reference)
    sources = [rtl / f for f in (rtl / "filelist.f").read_text().split()] + [gen / n for n in names]
    build_and_test(sources=sources, toplevel=WRAPPER, test_module="cocotb_tests.networks.tb_board",
                   parameters={"POR_BITS": 3}, build_dir=bdir, extra_env={"BNNC_TB_DATA": str(bdir / "tb_data.npz")},
                   testcase=tests, seed=1)


@pytest.mark.parametrize("kind", ["argmax", "scores"])
def test_board_wrapper_small(tmp_path: Path, kind: str) -> None:
    """A small argmax net (4 one-byte beats per image) and a score net (2 beats of 10 bytes in; 5 signed
    21-bit scores in 3 output beats of 2 lanes, 3 bytes each): 12 images, then the resync rules."""
    if kind == "argmax":
        net = mlp(0, sizes=[16, 8, 4], folding={"fc1": {"pe": 2, "simd": 4}, "fc2": {"pe": 2, "simd": 4}})
        x = np.where(np.random.default_rng(1).random((12, 16)) < 0.5, -1, 1)
    else:
        net = mlp(3, sizes=[20, 8, 5], input_dtype="uint8", input_sign=None, output="scores",
                  folding={"fc1": {"pe": 4, "simd": 10}, "fc2": {"pe": 2, "simd": 8}})
        x = np.random.default_rng(2).integers(0, 256, size=(12, 20))
    written = net.write(tmp_path)
    compiler.compile(written.path, tmp_path / "rtl")
    proto = validate_folder(tmp_path / "rtl").uart_protocol()
    if kind == "scores":  # the layout this case is meant to cover
        assert (proto.bytes_per_beat, proto.inp.beats_per_image, proto.outp.lanes, proto.outp.beats_per_image,
                proto.elem_bytes, proto.outp.signed) == (10, 2, 2, 3, 3, True)
    _run(tmp_path / "rtl", x, f"small_{kind}", 5 if kind == "argmax" else 4,
         ["classify_images", "resync_after_lost_bytes"])


def test_board_wrapper_mlp_small_u8(tmp_path: Path) -> None:
    """The trained example examples/mlp_small_u8 (784 uint8 pixels, 793 bytes per image) on 3 MNIST images:
    the classes over the UART equal the reference's."""
    ex = ROOT / "examples" / "mlp_small_u8"
    compiler.compile(ex / "net.yaml", tmp_path / "rtl")
    x = np.load(ex / "sample_images.npy")[:3]
    _run(tmp_path / "rtl", x, "mlp_small_u8", 4, ["classify_images"])


@pytest.mark.parametrize("board", ["icebreaker", "ecp5-evn"])
def test_board_wrapper_lint_clean(tmp_path: Path, board: str) -> None:
    """The generated wrapper with the accelerator and the UART cores: verilator --lint-only -Wall reports nothing.
    (The UPduino's wrapper instantiates the SB_RGBA_DRV primitive, which only the Lattice flow knows; its full
    flow runs in tests/test_synth.py's manner through `bnnc synth --board upduino`.)"""
    from compiler.runtime.sim.toolchain import lint

    net = mlp(3, sizes=[20, 8, 5], input_dtype="uint8", input_sign=None, output="scores").write(tmp_path)
    compiler.compile(net.path, tmp_path / "rtl")
    rtl = tmp_path / "rtl"
    names = write_board_files(validate_folder(rtl), BOARDS[board], UartTiming.plan(12.0, 115200), tmp_path / "board")
    files = [rtl / f for f in (rtl / "filelist.f").read_text().split()] + [tmp_path / "board" / n for n in names]
    # the accelerator's own cores are linted by their tests; here: nothing in the wrapper's files
    findings = [ln for ln in lint(files, WRAPPER, {}) if str(tmp_path / "board") in ln or "Exiting" not in ln
                and str(rtl) not in ln]
    assert findings == [], findings
