"""pytest driver: bnnc_uart_rx and bnnc_uart_tx under several bit times; lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint


def _cpb_sets(name: str) -> list[dict[str, int]]:
    rng = param_rng(name)
    # 4 and 5: the smallest bit times (odd and even halves); 12: 1,000,000 baud from a board's 12 MHz
    return [{"CLKS_PER_BIT": 4}, {"CLKS_PER_BIT": 5}, {"CLKS_PER_BIT": 12}, {"CLKS_PER_BIT": rng.randint(13, 110)}]


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
UART_RX = CORES.part("bnnc_uart_rx", core("bnnc_uart_rx"), "tb_uart",
                     lambda params: Unit(params, tests=["rx_random", "rx_framing_error_and_glitch", "rx_overrun"]))
UART_TX = CORES.part("bnnc_uart_tx", core("bnnc_uart_tx"), "tb_uart",
                     lambda params: Unit(params, tests=["tx_random", "tx_back_to_back"]))
BRIDGE_BATCH = CORES.part("bnnc_board_bridge", core("bnnc_board_bridge"), "tb_bridge",
                          lambda params: Unit(params, tests=["bridge_random", "bridge_idle_timeout_and_error",
                          "bridge_timeout_boundary"]))


@pytest.mark.parametrize("params", _cpb_sets("uart_rx"), ids=lambda p: f"CPB{p['CLKS_PER_BIT']}")
@UART_RX.runs
def test_uart_rx(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Receiver: bytes in order under backpressure, framing errors, glitches and overruns."""
    UART_RX.check(request)


@pytest.mark.parametrize("params", [{"CLKS_PER_BIT": 1}] + _cpb_sets("uart_tx"),
                         ids=lambda p: f"CPB{p['CLKS_PER_BIT']}")
@UART_TX.runs
def test_uart_tx(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Transmitter: exact 8N1 frames with input gaps; back-to-back frames."""
    UART_TX.check(request)


def _bridge_sets() -> list[dict[str, int]]:
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


@pytest.mark.parametrize("params", _bridge_sets(), ids=lambda p: "_".join(f"{k}{v}" for k, v in p.items()))
@BRIDGE_BATCH.runs
def test_board_bridge(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Bytes to beats and beats to bytes under gaps and backpressure; the idle-timeout and error resync."""
    BRIDGE_BATCH.check(request)


BRIDGE = dict(IN_WIDTH=4, IN_BYTES=1, IN_BEATS=4, OUT_LANES=2, OUT_EW=12, OUT_VBEATS=3, LAST_LANES=1,
              OUT_BEATS=3, ELEM_BYTES=2, OUT_SIGNED=1, IDLE_CLKS=100)
LINT_CASES = (
    [("bnnc_uart_rx", p) for p in ({"CLKS_PER_BIT": 4}, {"CLKS_PER_BIT": 104}, {"CLKS_PER_BIT": 1000})]
    + [("bnnc_uart_tx", p) for p in ({"CLKS_PER_BIT": 1}, {"CLKS_PER_BIT": 2}, {"CLKS_PER_BIT": 104})]
    + [("bnnc_board_bridge", p) for p in (
        BRIDGE,
        dict(BRIDGE, IN_WIDTH=160, IN_BYTES=20, IN_BEATS=1, OUT_LANES=1, OUT_EW=4, OUT_VBEATS=1, LAST_LANES=1,
             OUT_BEATS=1, ELEM_BYTES=1, OUT_SIGNED=0, IDLE_CLKS=2),
        dict(BRIDGE, IN_WIDTH=9, IN_BYTES=2, IN_BEATS=784, OUT_LANES=5, OUT_EW=24, OUT_VBEATS=2, LAST_LANES=5,
             OUT_BEATS=4, ELEM_BYTES=3))]
)


@pytest.mark.parametrize("top, params", LINT_CASES,
                         ids=[f"{t}-" + "_".join(f"{k}{v}" for k, v in p.items()) for t, p in LINT_CASES])
def test_lint_clean(top: str, params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(core(top), top, params) == []


@pytest.mark.parametrize(
    "top, params, error",
    [
        ("bnnc_uart_rx", {"CLKS_PER_BIT": 3}, "bnnc_param_error_uart_rx_clks_per_bit_must_be_at_least_4"),
        ("bnnc_uart_tx", {"CLKS_PER_BIT": 0}, "bnnc_param_error_uart_tx_clks_per_bit_must_be_positive"),
        ("bnnc_board_bridge", dict(BRIDGE, IN_BYTES=2), "bnnc_param_error_board_bridge_in_bytes_must_be_ceil_in_width_over_8"),
        ("bnnc_board_bridge", dict(BRIDGE, OUT_BEATS=4), "bnnc_param_error_board_bridge_out_beats_must_be_a_multiple_of_out_vbeats"),
        ("bnnc_board_bridge", dict(BRIDGE, LAST_LANES=3), "bnnc_param_error_board_bridge_last_lanes_must_be_in_1_to_out_lanes"),
        ("bnnc_board_bridge", dict(BRIDGE, ELEM_BYTES=1), "bnnc_param_error_board_bridge_elem_bytes_must_be_ceil_out_ew_over_8"),
        ("bnnc_board_bridge", dict(BRIDGE, OUT_SIGNED=2), "bnnc_param_error_board_bridge_out_signed_must_be_0_or_1"),
        ("bnnc_board_bridge", dict(BRIDGE, IDLE_CLKS=1), "bnnc_param_error_board_bridge_idle_clks_must_be_at_least_2"),
        ("bnnc_board_bridge", dict(BRIDGE, IN_BEATS=0), "bnnc_param_error_board_bridge_in_beats_must_be_positive"),
    ],
)
def test_rejects_illegal_parameters(top: str, params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(core(top), top, params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
