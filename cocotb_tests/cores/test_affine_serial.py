"""pytest driver: bnnc_affine_serial under several parameter sets, lint and illegal parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cocotb_tests.cores._common import CORES, Unit, build_dir_for, core, param_id, param_rng
from compiler.bits import bits_for_range
from compiler.cores.affine_serial import affine_serial_lines
from compiler.cores.mvtu import write_mem
from compiler.runtime.sim.toolchain import lint, run_lint

AFFINE = core("bnnc_affine_serial")


def _sets() -> list[dict[str, int]]:
    rng = param_rng("affine_serial")
    return [
        # LFC's last layer: 10 classes in one beat of 10 lanes, 14-bit scales, 23-bit offsets
        dict(N=10, LANES=10, ACC_BITS=12, MODE=1, A_BITS=14, B_BITS=23, SHIFT=4),
        # several beats, a padded last beat, no shift
        dict(N=7, LANES=3, ACC_BITS=6, MODE=1, A_BITS=5, B_BITS=9, SHIFT=0),
        # one lane per beat, output narrower than the exact sum (the compiler never does this: wraps)
        dict(N=5, LANES=1, ACC_BITS=4, MODE=1, A_BITS=3, B_BITS=3, SHIFT=0, OUT_BITS=5),
        # shift-add: every scale 2**A_SHIFT
        dict(N=10, LANES=4, ACC_BITS=11, MODE=0, A_SHIFT=3, B_BITS=14, SHIFT=2),
        dict(N=3, LANES=3, ACC_BITS=5, MODE=0, A_SHIFT=0, B_BITS=2, SHIFT=0),
        dict(N=rng.randint(1, 20), LANES=rng.randint(1, 8), ACC_BITS=rng.randint(2, 16), MODE=1,
             A_BITS=rng.randint(2, 18), B_BITS=rng.randint(1, 26), SHIFT=rng.randint(0, 6)),
    ]


def _case(params: dict[str, int], folder: Path) -> dict[str, object]:
    """Random A, B (A = 2**A_SHIFT in MODE 0) written as PARAM_FILE; OUT_BITS holds every score unless given."""
    rng = np.random.default_rng(sum(params.values()))
    n, mode, bb = params["N"], params["MODE"], params["B_BITS"]
    b = rng.integers(-(1 << (bb - 1)), 1 << (bb - 1), size=n)
    if mode == 1:
        ab = params["A_BITS"]
        a = rng.integers(-(1 << (ab - 1)), 1 << (ab - 1), size=n)
        a[0] = -(1 << (ab - 1))  # the most negative scale
    else:
        a = np.full(n, 1 << params.get("A_SHIFT", 0), dtype=np.int64)
    acc_lo, acc_hi = -(1 << (params["ACC_BITS"] - 1)), (1 << (params["ACC_BITS"] - 1)) - 1
    ends = np.stack([a * acc_lo + b, a * acc_hi + b]) >> params.get("SHIFT", 0)
    out_bits = params.get("OUT_BITS") or max(2, bits_for_range(int(min(ends.min(), -1)), int(max(ends.max(), 0)))[0])
    folder.mkdir(parents=True, exist_ok=True)
    write_mem(folder / "affine.mem", affine_serial_lines(a if mode == 1 else None, b, params.get("A_BITS"), bb))
    np.savez(folder / "tb_data.npz", scale=a, offset=b)
    return {**params, "OUT_BITS": out_bits, "PARAM_FILE": str(folder / "affine.mem")}


def _unit(params: dict[str, int]) -> Unit:
    folder = build_dir_for("bnnc_affine_serial", params)  # the set's parameter ROM and testbench data
    return Unit(_case(params, folder), {"BNNC_TB_DATA": str(folder / "tb_data.npz")},
                tests=["affine_serial_random", "affine_serial_throughput"])


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
AFFINE_BATCH = CORES.part("bnnc_affine_serial", AFFINE, "tb_affine_serial", _unit)


@pytest.mark.parametrize("params", _sets(), ids=param_id)
@AFFINE_BATCH.runs
def test_affine_serial(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Exact scores under gaps/backpressure; one score per cycle."""
    AFFINE_BATCH.check(request)


@pytest.mark.parametrize("params", _sets() + [dict(N=1, LANES=1, ACC_BITS=2, MODE=0, B_BITS=1, OUT_BITS=2)], ids=param_id)
def test_affine_serial_lint_clean(params: dict[str, int], tmp_path: Path) -> None:
    """verilator --lint-only -Wall reports nothing."""
    full = _case(params, tmp_path)
    assert lint(AFFINE, "bnnc_affine_serial", full) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"N": 0}, "bnnc_param_error_affine_serial_n_must_be_positive"),
        ({"LANES": 0}, "bnnc_param_error_affine_serial_lanes_must_be_positive"),
        ({"ACC_BITS": 1}, "bnnc_param_error_affine_serial_acc_bits_must_be_at_least_2"),
        ({"MODE": 2}, "bnnc_param_error_affine_serial_mode_must_be_0_or_1"),
        ({"MODE": 1, "A_BITS": 1}, "bnnc_param_error_affine_serial_a_bits_must_be_at_least_2"),
        ({"A_SHIFT": -1}, "bnnc_param_error_affine_serial_a_shift_must_not_be_negative"),
        ({"B_BITS": 0}, "bnnc_param_error_affine_serial_b_bits_must_be_positive"),
        ({"SHIFT": -1}, "bnnc_param_error_affine_serial_shift_must_not_be_negative"),
        ({"OUT_BITS": 1}, "bnnc_param_error_affine_serial_out_bits_must_be_at_least_2"),
    ],
)
def test_affine_serial_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(AFFINE, "bnnc_affine_serial", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
