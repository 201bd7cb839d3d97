"""pytest driver: bnnc_uart_tx under several bit times; lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, uart_bit_times
from compiler.runtime.sim.toolchain import lint, run_lint

# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
UART_TX = CORES.part("bnnc_uart_tx", core("bnnc_uart_tx"), "tb_uart_tx", lambda params: Unit(params))


@pytest.mark.parametrize("params", [{"CLKS_PER_BIT": 1}] + uart_bit_times("uart_tx"),
                         ids=lambda p: f"CPB{p['CLKS_PER_BIT']}")
@UART_TX.runs
def test_uart_tx(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Transmitter: exact 8N1 frames with input gaps; back-to-back frames."""
    UART_TX.check(request)


@pytest.mark.parametrize("params", [{"CLKS_PER_BIT": 1}, {"CLKS_PER_BIT": 2}, {"CLKS_PER_BIT": 104}],
                         ids=lambda p: f"CPB{p['CLKS_PER_BIT']}")
def test_uart_tx_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(core("bnnc_uart_tx"), "bnnc_uart_tx", params) == []


def test_uart_tx_rejects_illegal_parameters() -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(core("bnnc_uart_tx"), "bnnc_uart_tx", {"CLKS_PER_BIT": 0})
    assert proc.returncode != 0
    assert "bnnc_param_error_uart_tx_clks_per_bit_must_be_positive" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
