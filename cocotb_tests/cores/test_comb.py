"""pytest driver: bnnc_popcount and bnnc_dot_lane under several parameter sets, lint and illegal parameters."""

from __future__ import annotations

from typing import Any

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint

POPCOUNT = core("bnnc_popcount")
DOT_LANE = core("bnnc_dot_lane", "bnnc_xnor_popcount")


def _popcount_sets() -> list[dict[str, int]]:
    rng = param_rng("popcount")
    return [{"WIDTH": 1}, {"WIDTH": 7}, {"WIDTH": rng.randint(11, 70)}]


def _dot_sets() -> list[dict[str, int]]:
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
    ]


def _id(p: dict[str, Any]) -> str:
    return "_".join(f"{k}{v}" for k, v in p.items())


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
POPCOUNT_BATCH = CORES.part("bnnc_popcount", POPCOUNT, "tb_comb",
                            lambda params: Unit(params, tests=["popcount_matches_model"]))
DOT_LANE_BATCH = CORES.part("bnnc_dot_lane", DOT_LANE, "tb_comb",
                            lambda params: Unit(params, tests=["dot_lane_matches_model"]))


@pytest.mark.parametrize("params", _popcount_sets(), ids=_id)
@POPCOUNT_BATCH.runs
def test_popcount(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """popcount equals Python's bit count."""
    POPCOUNT_BATCH.check(request)


@pytest.mark.parametrize("params", _dot_sets(), ids=_id)
@DOT_LANE_BATCH.runs
def test_dot_lane(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """dot_lane equals the modular reference sum."""
    DOT_LANE_BATCH.check(request)


@pytest.mark.parametrize("params", _popcount_sets() + [{"WIDTH": 64}], ids=_id)
def test_popcount_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(POPCOUNT, "bnnc_popcount", params) == []


@pytest.mark.parametrize("params", _dot_sets() + [dict(SIMD=1, BINARY_IN=1, DOT_BITS=1)], ids=_id)
def test_dot_lane_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(DOT_LANE, "bnnc_dot_lane", params) == []


@pytest.mark.parametrize(
    "top, sources, params, error",
    [
        ("bnnc_popcount", POPCOUNT, {"WIDTH": 0}, "bnnc_param_error_popcount_width_must_be_positive"),
        ("bnnc_dot_lane", DOT_LANE, {"SIMD": 0}, "bnnc_param_error_dot_lane_simd_must_be_positive"),
        ("bnnc_dot_lane", DOT_LANE, {"BINARY_IN": 0, "ONES": 2}, "bnnc_param_error_dot_lane_ones_must_be_0_or_1"),
        ("bnnc_dot_lane", DOT_LANE, {"BINARY_IN": 0, "IN_BITS": 1, "IN_SIGNED": 1},
         "bnnc_param_error_dot_lane_in_bits_too_small"),
    ],
)
def test_comb_rejects_illegal_parameters(top: str, sources: list, params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(sources, top, params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr
