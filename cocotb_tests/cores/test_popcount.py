"""pytest driver: bnnc_popcount under several widths, lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint

SOURCES = core("bnnc_popcount")


def _sets() -> list[dict[str, int]]:
    rng = param_rng("popcount")
    return [{"WIDTH": 1}, {"WIDTH": 7}, {"WIDTH": rng.randint(11, 70)}]


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
POPCOUNT = CORES.part("bnnc_popcount", SOURCES, "tb_popcount", lambda params: Unit(params))


@pytest.mark.parametrize("params", _sets(), ids=param_id)
@POPCOUNT.runs
def test_popcount(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """popcount equals Python's bit count."""
    POPCOUNT.check(request)


@pytest.mark.parametrize("params", _sets() + [{"WIDTH": 64}], ids=param_id)
def test_popcount_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(SOURCES, "bnnc_popcount", params) == []


def test_popcount_rejects_illegal_parameters() -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(SOURCES, "bnnc_popcount", {"WIDTH": 0})
    assert proc.returncode != 0
    assert "bnnc_param_error_popcount_width_must_be_positive" in proc.stdout + proc.stderr
