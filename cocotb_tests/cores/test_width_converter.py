"""pytest driver: bnnc_width_converter (its UP, UP_COPY, DOWN and GENERAL structures) under several parameter sets,
lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint


def _sets() -> list[dict[str, int]]:
    rng = param_rng("width_converter")
    # One or more sets per structure of the core (UP, DOWN, GENERAL), with odd N and short last beats.
    return [
        dict(N=20, EW=1, IN_LANES=6, OUT_LANES=8),   # GENERAL up, groups of gcd 2
        dict(N=13, EW=8, IN_LANES=5, OUT_LANES=2),   # GENERAL down, gcd 1
        dict(N=23, EW=2, IN_LANES=6, OUT_LANES=4),   # GENERAL down, groups of 2, odd N: half-filled last group
        dict(N=7, EW=3, IN_LANES=7, OUT_LANES=7),    # UP with equal lanes
        dict(N=21, EW=1, IN_LANES=2, OUT_LANES=2),   # UP with equal lanes, padded last beat
        dict(N=29, EW=1, IN_LANES=4, OUT_LANES=12),  # UP x3, last output beat from one input beat
        dict(N=17, EW=5, IN_LANES=1, OUT_LANES=4),   # UP x4 from single lanes
        dict(N=27, EW=8, IN_LANES=3, OUT_LANES=9),   # UP_COPY x3 (the CNV's int8 conv1 window)
        dict(N=100, EW=2, IN_LANES=16, OUT_LANES=112),  # UP_COPY x7, padding lanes in the last input beat
        dict(N=24, EW=1, IN_LANES=2, OUT_LANES=4),   # UP_COPY x2: a copy every other beat
        dict(N=576, EW=1, IN_LANES=64, OUT_LANES=192),  # UP_COPY x3, the CNV's conv2 window
        dict(N=19, EW=1, IN_LANES=9, OUT_LANES=3),   # DOWN x3 (non-power-of-two slot counter)
        dict(N=11, EW=3, IN_LANES=8, OUT_LANES=2),   # DOWN x4, last input beat gives fewer output beats
        dict(N=3, EW=1, IN_LANES=4, OUT_LANES=1),    # DOWN, one input beat per vector
        dict(N=rng.randint(1, 40), EW=rng.randint(1, 9), IN_LANES=rng.randint(1, 12), OUT_LANES=rng.randint(1, 12)),
    ]


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
WCONV = CORES.part("bnnc_width_converter", core("bnnc_width_converter"), "tb_width_converter",
                   lambda params: Unit(params))


@pytest.mark.parametrize("params", _sets(), ids=param_id)
@WCONV.runs
def test_width_converter(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Re-chunking is exact under gaps/backpressure and sustains max(in, out) beats per vector."""
    WCONV.check(request)


@pytest.mark.parametrize("params", _sets() + [dict(N=1, EW=1, IN_LANES=1, OUT_LANES=1)], ids=param_id)
def test_width_converter_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(core("bnnc_width_converter"), "bnnc_width_converter", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"OUT_LANES": 0}, "bnnc_param_error_width_converter_out_lanes_must_be_positive"),
    ],
)
def test_width_converter_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(core("bnnc_width_converter"), "bnnc_width_converter", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
