"""The simulation harness itself: failures surface in pytest with a precise message and waves."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import build_dir_for, core
from compiler.runtime.sim.axis import Scoreboard
from compiler.runtime.sim.runner import SimulationFailure, build_and_test
from tests.pins import whole


def test_scoreboard_reports_first_mismatch() -> None:
    """Exact equality; the message names stream, beat index, cycle, expected and actual."""
    sb = Scoreboard("layer2.out", [1, 2, 3])
    sb.check(1, cycle=10)
    with pytest.raises(AssertionError, match=whole(r"stream layer2.out: mismatch at beat 1, cycle 11: expected 0x2, actual 0x7")):
        sb.check(7, cycle=11)
    assert not sb.done


def test_scoreboard_rejects_extra_and_missing_beats() -> None:
    """A beat past the expected ones fails; assert_done fails while beats are missing."""
    sb = Scoreboard("s", [5])
    with pytest.raises(AssertionError, match=whole("stream s: only 0 of 1 expected beats arrived")):
        sb.assert_done()
    sb.check(5, cycle=0)
    sb.assert_done()
    with pytest.raises(AssertionError, match=whole(r"stream s: unexpected extra beat 1 at cycle 3: actual 0x5 \(only 1 expected\)")):
        sb.check(5, cycle=3)


def test_failing_cocotb_test_fails_pytest_and_keeps_waves() -> None:
    """A failing cocotb test raises SimulationFailure with the scoreboard/watchdog message; dump.vcd is kept."""
    params = {"WIDTH": 4, "DEPTH": 2}
    bdir = build_dir_for("bnnc_fifo", params, extra="selftest")
    with pytest.raises(SimulationFailure) as info:
        build_and_test(core("bnnc_fifo"), "bnnc_fifo", "cocotb_tests.cores.tb_selftest", params,
                       build_dir=bdir)
    msg = str(info.value)
    assert "wrong_expectation" in msg and "stuck_output" in msg
    assert "wrong_expectation: stream m_axis: mismatch at beat 3, cycle" in msg and "expected 0xe, actual 0x4" in msg
    assert "stuck_output: watchdog: no beat moved for 30 cycles" in msg and "stuck stream(s): s_axis, m_axis" in msg
    vcd = bdir / "dump.vcd"
    assert vcd.is_file() and vcd.stat().st_size > 0
    assert "$var" in vcd.read_text()[:20000]
