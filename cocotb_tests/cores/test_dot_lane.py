"""pytest driver: bnnc_dot_lane (binary and integer lanes, ones' complement, few-bit weights, modular results) under
several parameter sets, lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint

SOURCES = core("bnnc_dot_lane", "bnnc_xnor_popcount")


def _sets() -> list[dict[str, int]]:
    rng = param_rng("dot_lane")
    return [
        dict(SIMD=rng.randint(2, 40), BINARY_IN=1, IN_BITS=8, IN_SIGNED=0, DOT_BITS=8),
        dict(SIMD=rng.randint(2, 9), BINARY_IN=0, IN_BITS=8, IN_SIGNED=0, DOT_BITS=rng.randint(12, 16)),
        # int8 with a deliberately narrow result: checks the modulo-2**DOT_BITS contract
        dict(SIMD=rng.randint(1, 7), BINARY_IN=0, IN_BITS=8, IN_SIGNED=1, DOT_BITS=rng.randint(5, 9)),
        # ones' complement lanes (bnnc_mvtu's threshold mode): signed with a wide result, unsigned narrow
        dict(SIMD=rng.randint(2, 11), BINARY_IN=0, IN_BITS=8, IN_SIGNED=1, DOT_BITS=rng.randint(12, 16), ONES=1),
        dict(SIMD=rng.randint(1, 6), BINARY_IN=0, IN_BITS=rng.randint(2, 7), IN_SIGNED=0, DOT_BITS=rng.randint(4, 8),
             ONES=1),
        dict(SIMD=1, BINARY_IN=0, IN_BITS=2, IN_SIGNED=1, DOT_BITS=2, ONES=1),
        # few-bit weights (issue 23): +-w on binary lanes, x * w on integer lanes (exact and modular results)
        dict(SIMD=rng.randint(2, 12), BINARY_IN=1, IN_BITS=8, IN_SIGNED=0, DOT_BITS=8, WEIGHT_BITS=2),
        dict(SIMD=rng.randint(2, 9), BINARY_IN=1, IN_BITS=8, IN_SIGNED=0, DOT_BITS=3, WEIGHT_BITS=4),
        dict(SIMD=rng.randint(2, 9), BINARY_IN=0, IN_BITS=2, IN_SIGNED=1, DOT_BITS=8, WEIGHT_BITS=2),
        dict(SIMD=rng.randint(2, 9), BINARY_IN=0, IN_BITS=4, IN_SIGNED=0, DOT_BITS=14, WEIGHT_BITS=4),
        dict(SIMD=rng.randint(1, 6), BINARY_IN=0, IN_BITS=8, IN_SIGNED=1, DOT_BITS=rng.randint(6, 9), WEIGHT_BITS=3),
        dict(SIMD=1, BINARY_IN=0, IN_BITS=1, IN_SIGNED=0, DOT_BITS=3, WEIGHT_BITS=2),
        # 1-bit signed lanes {-1, 0}: w ? x : -x, ones' complement (a 1-bit leaf, SIMD 1 too), Booth products
        dict(SIMD=5, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, DOT_BITS=4),
        dict(SIMD=6, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, DOT_BITS=4, ONES=1),
        dict(SIMD=1, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, DOT_BITS=1, ONES=1),
        dict(SIMD=3, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, DOT_BITS=5, WEIGHT_BITS=2),
        dict(SIMD=7, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, DOT_BITS=7, WEIGHT_BITS=3),
        dict(SIMD=4, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, DOT_BITS=6, WEIGHT_BITS=4),
    ]


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
DOT_LANE = CORES.part("bnnc_dot_lane", SOURCES, "tb_dot_lane", lambda params: Unit(params))


@pytest.mark.parametrize("params", _sets(), ids=param_id)
@DOT_LANE.runs
def test_dot_lane(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """dot_lane equals the modular reference sum."""
    DOT_LANE.check(request)


@pytest.mark.parametrize("params", _sets() + [dict(SIMD=1, BINARY_IN=1, DOT_BITS=1)], ids=param_id)
def test_dot_lane_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(SOURCES, "bnnc_dot_lane", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"SIMD": 0}, "bnnc_param_error_dot_lane_simd_must_be_positive"),
        ({"BINARY_IN": 0, "ONES": 2}, "bnnc_param_error_dot_lane_ones_must_be_0_or_1"),
        ({"BINARY_IN": 0, "IN_BITS": 0, "IN_SIGNED": 1}, "bnnc_param_error_dot_lane_in_bits_too_small"),
        ({"WEIGHT_BITS": 0}, "bnnc_param_error_dot_lane_weight_bits_must_be_1_to_4"),
        ({"WEIGHT_BITS": 5}, "bnnc_param_error_dot_lane_weight_bits_must_be_1_to_4"),
        ({"BINARY_IN": 0, "ONES": 1, "WEIGHT_BITS": 2}, "bnnc_param_error_dot_lane_ones_needs_weight_bits_1"),
    ],
)
def test_dot_lane_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(SOURCES, "bnnc_dot_lane", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
