"""pytest driver: bnnc_uart_rx under several bit times; lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, uart_bit_times
from compiler.runtime.sim.toolchain import lint, run_lint

# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
UART_RX = CORES.part("bnnc_uart_rx", core("bnnc_uart_rx"), "tb_uart_rx", lambda params: Unit(params))


@pytest.mark.parametrize("params", uart_bit_times("uart_rx"), ids=lambda p: f"CPB{p['CLKS_PER_BIT']}")
@UART_RX.runs
def test_uart_rx(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Receiver: bytes in order under backpressure, framing errors, glitches and overruns."""
    UART_RX.check(request)


@pytest.mark.parametrize("params", [{"CLKS_PER_BIT": 4}, {"CLKS_PER_BIT": 104}, {"CLKS_PER_BIT": 1000}],
                         ids=lambda p: f"CPB{p['CLKS_PER_BIT']}")
def test_uart_rx_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(core("bnnc_uart_rx"), "bnnc_uart_rx", params) == []


def test_uart_rx_rejects_illegal_parameters() -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(core("bnnc_uart_rx"), "bnnc_uart_rx", {"CLKS_PER_BIT": 3})
    assert proc.returncode != 0
    assert "bnnc_param_error_uart_rx_clks_per_bit_must_be_at_least_4" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
