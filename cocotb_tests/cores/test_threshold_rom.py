"""pytest driver: bnnc_threshold_rom (per-element thresholds from its ROM) under several parameter sets, lint and
illegal parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cocotb_tests.cores._common import CORES, Unit, build_dir_for, core, param_id, param_rng
from compiler.cores.mvtu import write_mem
from compiler.cores.threshold_rom import threshold_rom_lines
from compiler.runtime.sim.toolchain import lint, run_lint

SOURCES = core("bnnc_threshold_rom", "bnnc_rom")


def _sets() -> list[dict[str, int]]:
    rng = param_rng("threshold_rom")
    return [
        dict(LANES=4, IN_BITS=8, IN_SIGNED=0, N=10),                 # uint8 pixels, N not a multiple of LANES
        dict(LANES=3, IN_BITS=6, IN_SIGNED=1, N=9, ROM_STYLE=3),     # signed, whole beats; ROM as logic
        dict(LANES=1, IN_BITS=1, IN_SIGNED=0, N=5, ROM_STYLE=2),     # 1-bit unsigned inputs; distributed
        dict(LANES=rng.randint(1, 8), IN_BITS=rng.randint(2, 12), IN_SIGNED=1, N=rng.randint(1, 30)),
    ]


def _case(params: dict[str, int], folder: Path) -> dict[str, object]:
    """Random per-element thresholds (some negated, some out of range) written as THR_FILE; the DUT's parameters."""
    rng = np.random.default_rng(sum(params.values()))
    n, bits, signed = params["N"], params["IN_BITS"], params["IN_SIGNED"] == 1
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    thr = rng.integers(lo - 1, hi + 2, size=n)
    neg = rng.random(n) < 0.4
    lines, tw = threshold_rom_lines(thr, neg, n, params["LANES"])
    folder.mkdir(parents=True, exist_ok=True)
    write_mem(folder / "thr.mem", lines)
    np.savez(folder / "tb_data.npz", thresholds=thr, negate=neg)
    return {**params, "TW": tw, "THR_FILE": str(folder / "thr.mem")}


def _unit(params: dict[str, int]) -> Unit:
    folder = build_dir_for("bnnc_threshold_rom", params)  # the set's ROM image and testbench data
    return Unit(_case(params, folder), {"BNNC_TB_DATA": str(folder / "tb_data.npz")})


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
THRESHOLD_ROM = CORES.part("bnnc_threshold_rom", SOURCES, "tb_threshold_rom", _unit)


@pytest.mark.parametrize("params", _sets(), ids=param_id)
@THRESHOLD_ROM.runs
def test_threshold_rom(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Per-element thresholds from the ROM, negated compares, padding lanes 0; full throughput."""
    THRESHOLD_ROM.check(request)


@pytest.mark.parametrize("params", [{**p, "TW": 12, "THR_FILE": "thr.mem"} for p in _sets()], ids=param_id)
def test_threshold_rom_lint_clean(params: dict[str, object]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(SOURCES, "bnnc_threshold_rom", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"TW": 1}, "bnnc_param_error_threshold_rom_tw_must_be_at_least_2"),
        ({"N": 0}, "bnnc_param_error_threshold_rom_n_must_be_positive"),
        ({"ROM_STYLE": 4}, "bnnc_param_error_threshold_rom_rom_style_must_be_0_to_3"),
        ({"ROM_STYLE": 1}, "bnnc_param_error_threshold_rom_rom_style_block_needs_a_registered_read"),
    ],
)
def test_threshold_rom_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(SOURCES, "bnnc_threshold_rom", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
