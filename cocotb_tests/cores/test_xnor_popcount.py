"""pytest driver: bnnc_xnor_popcount (LUT-shaped XNOR-popcount) under random widths and both PIPE kinds, lint, illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint

XNOR_POPCOUNT = core("bnnc_xnor_popcount")


def _sim_sets() -> list[dict[str, int]]:
    """Widths 1 and 2 (a part-filled group), a random odd width, a random non-power-of-two width; PIPE 0 and >= 1."""
    rng = param_rng("xnor_popcount")
    odd = rng.randrange(5, 64, 2)
    wide = rng.choice([w for w in range(65, 300) if w & (w - 1)])
    return [
        {"WIDTH": 1, "PIPE": 0},
        {"WIDTH": 2, "PIPE": 1},
        {"WIDTH": odd, "PIPE": 0},
        {"WIDTH": odd, "PIPE": rng.randint(1, 3)},
        {"WIDTH": wide, "PIPE": 0},
        {"WIDTH": wide, "PIPE": 1},
    ]


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
XNOR_BATCH = CORES.part("bnnc_xnor_popcount", XNOR_POPCOUNT, "tb_xnor_popcount",
                        lambda params: Unit(params))


@pytest.mark.parametrize("params", _sim_sets(), ids=param_id)
@XNOR_BATCH.runs
def test_xnor_popcount(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """count equals numpy's popcount of xnor(x, w), LATENCY (read from the DUT) enabled cycles later."""
    XNOR_BATCH.check(request)


@pytest.mark.parametrize(
    "params",
    [{"WIDTH": w, "PIPE": p} for w in (1, 2, 7, 18, 100, 256) for p in (0, 1, 3)],
    ids=param_id,
)
def test_xnor_popcount_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(XNOR_POPCOUNT, "bnnc_xnor_popcount", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"WIDTH": 0}, "bnnc_param_error_xnor_popcount_width_must_be_1_to_65535"),
        ({"WIDTH": -3}, "bnnc_param_error_xnor_popcount_width_must_be_1_to_65535"),
        ({"WIDTH": 65536}, "bnnc_param_error_xnor_popcount_width_must_be_1_to_65535"),
        ({"WIDTH": 8, "PIPE": -1}, "bnnc_param_error_xnor_popcount_pipe_must_not_be_negative"),
        ({"WIDTH": 64, "PIPE": 1, "EXPECT_LATENCY": 99},
         "bnnc_param_error_xnor_popcount_latency_differs_from_expect_latency"),
    ],
    ids=["width0", "width_negative", "width_too_wide", "pipe_negative", "latency_mismatch"],
)
def test_xnor_popcount_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(XNOR_POPCOUNT, "bnnc_xnor_popcount", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr
