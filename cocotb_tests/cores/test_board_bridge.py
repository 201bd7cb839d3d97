"""pytest driver: bnnc_board_bridge (the board wrapper's bytes <-> beats bridge) under several parameter sets;
lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint

SOURCES = core("bnnc_board_bridge")


def _sets() -> list[dict[str, int]]:
    rng = param_rng("board_bridge")
    ew = rng.randint(2, 26)
    lanes = rng.randint(1, 4)
    elems = rng.randint(1, 9)
    vb = -(-elems // lanes)
    width = rng.randint(1, 40)
    return [
        # one-byte beats, a 2-bit class (an argmax net)
        dict(IN_WIDTH=4, IN_BYTES=1, IN_BEATS=4, OUT_LANES=1, OUT_EW=2, OUT_VBEATS=1, LAST_LANES=1, OUT_BEATS=1,
             ELEM_BYTES=1, OUT_SIGNED=0, IDLE_CLKS=60),
        # multi-byte beats with junk above the width; signed 12-bit scores, 3 beats per vector, 2 vectors
        dict(IN_WIDTH=13, IN_BYTES=2, IN_BEATS=3, OUT_LANES=2, OUT_EW=12, OUT_VBEATS=3, LAST_LANES=1, OUT_BEATS=6,
             ELEM_BYTES=2, OUT_SIGNED=1, IDLE_CLKS=80),
        # random
        dict(IN_WIDTH=width, IN_BYTES=-(-width // 8), IN_BEATS=rng.randint(2, 5), OUT_LANES=lanes, OUT_EW=ew,
             OUT_VBEATS=vb, LAST_LANES=elems - (vb - 1) * lanes, OUT_BEATS=vb, ELEM_BYTES=-(-ew // 8),
             OUT_SIGNED=rng.randint(0, 1), IDLE_CLKS=rng.randint(50, 120)),
    ]


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
BRIDGE_BATCH = CORES.part("bnnc_board_bridge", SOURCES, "tb_board_bridge", lambda params: Unit(params))


@pytest.mark.parametrize("params", _sets(), ids=param_id)
@BRIDGE_BATCH.runs
def test_board_bridge(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Bytes to beats and beats to bytes under gaps and backpressure; the idle-timeout and error resync."""
    BRIDGE_BATCH.check(request)


BRIDGE = dict(IN_WIDTH=4, IN_BYTES=1, IN_BEATS=4, OUT_LANES=2, OUT_EW=12, OUT_VBEATS=3, LAST_LANES=1,
              OUT_BEATS=3, ELEM_BYTES=2, OUT_SIGNED=1, IDLE_CLKS=100)
LINT_SETS = [
    BRIDGE,
    dict(BRIDGE, IN_WIDTH=160, IN_BYTES=20, IN_BEATS=1, OUT_LANES=1, OUT_EW=4, OUT_VBEATS=1, LAST_LANES=1,
         OUT_BEATS=1, ELEM_BYTES=1, OUT_SIGNED=0, IDLE_CLKS=2),
    dict(BRIDGE, IN_WIDTH=9, IN_BYTES=2, IN_BEATS=784, OUT_LANES=5, OUT_EW=24, OUT_VBEATS=2, LAST_LANES=5,
         OUT_BEATS=4, ELEM_BYTES=3),
]


@pytest.mark.parametrize("params", LINT_SETS, ids=param_id)
def test_board_bridge_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(SOURCES, "bnnc_board_bridge", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        (dict(BRIDGE, IN_BYTES=2), "bnnc_param_error_board_bridge_in_bytes_must_be_ceil_in_width_over_8"),
        (dict(BRIDGE, OUT_BEATS=4), "bnnc_param_error_board_bridge_out_beats_must_be_a_multiple_of_out_vbeats"),
        (dict(BRIDGE, LAST_LANES=3), "bnnc_param_error_board_bridge_last_lanes_must_be_in_1_to_out_lanes"),
        (dict(BRIDGE, ELEM_BYTES=1), "bnnc_param_error_board_bridge_elem_bytes_must_be_ceil_out_ew_over_8"),
        (dict(BRIDGE, OUT_SIGNED=2), "bnnc_param_error_board_bridge_out_signed_must_be_0_or_1"),
        (dict(BRIDGE, IDLE_CLKS=1), "bnnc_param_error_board_bridge_idle_clks_must_be_at_least_2"),
        (dict(BRIDGE, IN_BEATS=0), "bnnc_param_error_board_bridge_in_beats_must_be_positive"),
    ],
)
def test_board_bridge_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(SOURCES, "bnnc_board_bridge", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
