"""pytest driver: bnnc_argmax under several parameter sets, lint and illegal parameters."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint


def _sets() -> list[dict[str, int]]:
    rng = param_rng("argmax")
    return [
        dict(NUM_CLASSES=10, LANES=1, IN_BITS=12),
        dict(NUM_CLASSES=10, LANES=4, IN_BITS=rng.randint(4, 24)),
        dict(NUM_CLASSES=10, LANES=10, IN_BITS=22),   # LFC's last layer: one beat, a 4-level tree
        dict(NUM_CLASSES=13, LANES=5, IN_BITS=6),     # odd lanes (pass-through candidates), padded last beat
        dict(NUM_CLASSES=rng.randint(2, 17), LANES=rng.randint(2, 9), IN_BITS=rng.randint(2, 10)),
    ]


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
ARGMAX = CORES.part("bnnc_argmax", core("bnnc_argmax"), "tb_argmax", lambda params: Unit(params))


@pytest.mark.parametrize("params", _sets(), ids=param_id)
@ARGMAX.runs
def test_argmax(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """argmax with ties resolves to the lowest index; gaps/backpressure; throughput."""
    ARGMAX.check(request)


@pytest.mark.parametrize("params", _sets() + [dict(NUM_CLASSES=1, LANES=1, IN_BITS=2)], ids=param_id)
def test_argmax_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(core("bnnc_argmax"), "bnnc_argmax", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"IN_BITS": 1}, "bnnc_param_error_argmax_in_bits_must_be_at_least_2"),
        ({"NUM_CLASSES": 0}, "bnnc_param_error_argmax_num_classes_must_be_positive"),
    ],
)
def test_argmax_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(core("bnnc_argmax"), "bnnc_argmax", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
