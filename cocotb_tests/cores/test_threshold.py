"""pytest driver: bnnc_threshold under several parameter sets, lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint


def _sets() -> list[dict[str, int]]:
    rng = param_rng("threshold")
    return [
        dict(LANES=4, IN_BITS=8, IN_SIGNED=1, THRESHOLD=-3, NEGATE=0),
        dict(LANES=3, IN_BITS=8, IN_SIGNED=0, THRESHOLD=rng.randint(1, 255), NEGATE=0),
        dict(LANES=rng.randint(1, 9), IN_BITS=rng.randint(2, 20), IN_SIGNED=1, THRESHOLD=rng.randint(-60, 60), NEGATE=1),
        # threshold beyond the input range: the 34-bit compare path (never fires)
        dict(LANES=2, IN_BITS=6, IN_SIGNED=0, THRESHOLD=200, NEGATE=0),
        # vectors of 7 on 4 lanes, threshold <= 0: the padding lane of every second beat must stay 0
        dict(LANES=4, IN_BITS=8, IN_SIGNED=1, THRESHOLD=0, NEGATE=0, N=7),
    ]


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
THRESHOLD = CORES.part("bnnc_threshold", core("bnnc_threshold"), "tb_threshold", lambda params: Unit(params))


@pytest.mark.parametrize("params", _sets(), ids=param_id)
@THRESHOLD.runs
def test_threshold(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Exact thresholding with gaps/backpressure; full throughput."""
    THRESHOLD.check(request)


@pytest.mark.parametrize("params", _sets() + [dict(LANES=1, IN_BITS=1, IN_SIGNED=0, THRESHOLD=1)], ids=param_id)
def test_threshold_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(core("bnnc_threshold"), "bnnc_threshold", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"NEGATE": 2}, "bnnc_param_error_threshold_negate_must_be_0_or_1"),
        ({"N": -1}, "bnnc_param_error_threshold_n_must_not_be_negative"),
        ({"IN_BITS": 1, "IN_SIGNED": 1}, "bnnc_param_error_threshold_in_bits_too_small"),
    ],
)
def test_threshold_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(core("bnnc_threshold"), "bnnc_threshold", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
