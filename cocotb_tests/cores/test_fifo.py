"""pytest driver: bnnc_fifo under several parameter sets, lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint


def _param_sets() -> list[dict[str, int]]:
    rng = param_rng("fifo")
    sets = [{"WIDTH": 1, "DEPTH": 2}, {"WIDTH": 8, "DEPTH": 3}]
    sets.append({"WIDTH": rng.randint(9, 40), "DEPTH": rng.randint(4, 17)})
    # no bypass (the compiler's FIFOs between layers): the least depth and a random one
    sets += [{"WIDTH": 5, "DEPTH": 3, "BYPASS": 0}, {"WIDTH": rng.randint(9, 40), "DEPTH": rng.randint(4, 17), "BYPASS": 0}]
    return sets


FIFO = CORES.part("bnnc_fifo", core("bnnc_fifo"), "tb_fifo", lambda params: Unit(params))


@pytest.mark.parametrize("params", _param_sets(),
                         ids=lambda p: f"W{p['WIDTH']}_D{p['DEPTH']}" + ("_nobypass" if p.get("BYPASS") == 0 else ""))
@FIFO.runs
def test_fifo(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Ordering, backpressure, throughput, capacity and latency of the FIFO (every set an instance in the build of CORES)."""
    FIFO.check(request)


@pytest.mark.parametrize("params", [{"WIDTH": 1, "DEPTH": 2}, {"WIDTH": 33, "DEPTH": 3}, {"WIDTH": 8, "DEPTH": 16},
                                    {"WIDTH": 40, "DEPTH": 3, "BYPASS": 0}], ids=param_id)
def test_fifo_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(core("bnnc_fifo"), "bnnc_fifo", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"DEPTH": 1}, "bnnc_param_error_fifo_depth_must_be_at_least_2"),
        ({"BYPASS": 2, "DEPTH": 4}, "bnnc_param_error_fifo_bypass_must_be_0_or_1"),
        ({"BYPASS": 0, "DEPTH": 2}, "bnnc_param_error_fifo_depth_must_be_at_least_3_without_bypass"),
    ],
)
def test_fifo_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(core("bnnc_fifo"), "bnnc_fifo", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
