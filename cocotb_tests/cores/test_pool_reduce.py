"""pytest driver: bnnc_pool_reduce (AND/OR of bits, min/max of EW-bit codes over pool windows) under several
parameter sets, lint and illegal parameters."""

from __future__ import annotations

from typing import Any

import pytest

from cocotb_tests.cores._common import CORES, Sized, Unit, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint

SOURCES = core("bnnc_pool_reduce")


def _pool(ch: int, k: int, s: int, lanes: int, h: int, w: int, mask: int, ew: int | None = None,
          signed: int | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    params: dict[str, Any] = dict(CH=ch, WIN=k * k, LANES=lanes, AND_MASK=Sized(ch, mask & ((1 << ch) - 1)))
    if ew is not None:  # left out: the core's default (EW = 1, bits)
        params.update(EW=ew, SIGNED=signed or 0)
    env = dict(BNNC_TB_POOL_K=str(k), BNNC_TB_POOL_S=str(s), BNNC_TB_POOL_H=str(h), BNNC_TB_POOL_W=str(w))
    return params, env


def _pool_sets() -> list[tuple[dict[str, Any], dict[str, str]]]:
    rng = param_rng("pool_reduce")
    ch = rng.choice([2, 4, 6, 12])
    return [
        _pool(8, 2, 2, 4, 6, 6, rng.getrandbits(8)),             # 2x2/2, two beats per position
        _pool(64, 3, 2, 16, 7, 7, rng.getrandbits(64)),          # 3x3/2 over 64 channels, 64-bit mask
        _pool(5, 1, 1, 5, 3, 4, 0b10110),                        # WIN 1: the bits pass through
        _pool(3, 3, 1, 1, 5, 4, 0b011),                          # overlapping 3x3/1, LANES 1
        _pool(ch, rng.randint(2, 3), rng.randint(1, 3), rng.choice([d for d in (1, 2, ch) if ch % d == 0]),
              rng.randint(3, 7), rng.randint(3, 7), rng.getrandbits(ch)),
        # EW-bit codes: max, min where AND_MASK's bit is set
        _pool(4, 2, 2, 2, 6, 6, 0b0000, ew=2, signed=1),          # 2-bit signed codes {-2..1}, all max
        _pool(3, 3, 1, 1, 5, 4, 0b010, ew=3, signed=0),           # 3-bit unsigned, overlapping 3x3/1, LANES 1
        _pool(6, 2, 2, 3, 6, 4, 0b101101, ew=4, signed=1),        # 4-bit signed, mixed max / min, two beats a position
        _pool(ch, 2, rng.randint(1, 2), rng.choice([d for d in (1, 2, ch) if ch % d == 0]), rng.randint(3, 6),
              rng.randint(3, 6), rng.getrandbits(ch), ew=rng.randint(2, 4), signed=rng.randint(0, 1)),
    ]


POOL_SETS = _pool_sets()

# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
POOL = CORES.part("bnnc_pool_reduce", SOURCES, "tb_pool_reduce", lambda params, env: Unit(params, env))


@pytest.mark.parametrize("params, env", POOL_SETS, ids=[param_id(p) for p, _ in POOL_SETS])
@POOL.runs
def test_pool_reduce(params: dict[str, Any], env: dict[str, str], request: pytest.FixtureRequest) -> None:
    """AND/OR of bits, min/max of codes over pool windows equals the min/max of compiler.kernels.pool_windows;
    one beat per cycle."""
    POOL.check(request)


LINT_SETS = [p for p, _ in POOL_SETS] + [dict(CH=1, WIN=1, LANES=1, AND_MASK=Sized(1, 1)),
                                        dict(CH=1, WIN=1, LANES=1, AND_MASK=Sized(1, 1), EW=2, SIGNED=1)]


@pytest.mark.parametrize("params", LINT_SETS, ids=param_id)
def test_pool_reduce_lint_clean(params: dict[str, Any]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(SOURCES, "bnnc_pool_reduce", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        (dict(CH=8, LANES=3), "bnnc_param_error_pool_reduce_lanes_must_divide_ch"),
        (dict(WIN=0), "bnnc_param_error_pool_reduce_win_must_be_positive"),
        (dict(CH=0), "bnnc_param_error_pool_reduce_ch_must_be_positive"),
        (dict(LANES=0), "bnnc_param_error_pool_reduce_lanes_must_be_positive"),
        (dict(EW=0), "bnnc_param_error_pool_reduce_ew_must_be_positive"),
        (dict(EW=2, SIGNED=2), "bnnc_param_error_pool_reduce_signed_must_be_0_or_1"),
    ],
)
def test_pool_reduce_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(SOURCES, "bnnc_pool_reduce", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
