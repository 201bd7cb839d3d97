"""pytest driver: bnnc_multithreshold under several parameter sets, lint and illegal parameters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cocotb_tests.cores._common import CORES, Sized, Unit, build_dir_for, core, param_id, param_rng
from compiler.cores.multithreshold import multithreshold_params
from compiler.runtime.sim.toolchain import lint, run_lint

SOURCES = core("bnnc_multithreshold")


def _case(lanes: int, in_bits: int, signed: bool, thresholds: list[int], negate: bool, out_lo: int,
          n: int = 0) -> dict[str, Any]:
    p = dict(multithreshold_params(lanes, in_bits, signed, thresholds, negate, out_lo, out_lo + len(thresholds), n))
    p["THRESHOLDS"] = Sized(p["THRESHOLDS"].width, p["THRESHOLDS"].value)
    p["_thresholds"] = tuple(thresholds)  # the test's own copy (not a Verilog parameter)
    p["_negate"] = int(negate)
    return p


def _sets() -> list[dict[str, Any]]:
    rng = param_rng("multithreshold")
    k = rng.randint(1, 15)
    return [
        _case(4, 8, False, [64, 192], False, -1, n=10),            # Brevitas's 2-bit input quant of 2x-1; padding
        _case(3, 6, True, [-7, 0, 9], True, 0),                    # signed, negated compares
        _case(2, 8, False, [0, 100, 300], False, -1),              # always / never passed thresholds
        _case(1, 1, False, [1], False, 0),                         # 1-bit input, one threshold
        _case(rng.randint(1, 8), 8, False, sorted(rng.randint(-5, 260) for _ in range(k)), False,
              -(k // 2), n=rng.randint(1, 40)),                    # up to 15 thresholds, ties allowed
    ]


def _verilog(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if not k.startswith("_")}


def _unit(params: dict[str, Any]) -> Unit:
    folder = build_dir_for("bnnc_multithreshold", params)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "tb_data.npz", thresholds=np.array(params["_thresholds"]), negate=params["_negate"],
             out_lo=params["OUT_BIAS"])
    return Unit(_verilog(params), {"BNNC_TB_DATA": str(folder / "tb_data.npz")})


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
MULTITHRESHOLD = CORES.part("bnnc_multithreshold", SOURCES, "tb_multithreshold", _unit)


@pytest.mark.parametrize("params", _sets(), ids=lambda p: param_id(_verilog(p)))
@MULTITHRESHOLD.runs
def test_multithreshold(params: dict[str, Any], request: pytest.FixtureRequest) -> None:
    """Exact multi-thresholding with gaps/backpressure (ties, negated compares, padding lanes 0); full throughput."""
    MULTITHRESHOLD.check(request)


@pytest.mark.parametrize("params", _sets(), ids=lambda p: param_id(_verilog(p)))
def test_multithreshold_lint_clean(params: dict[str, Any]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(SOURCES, "bnnc_multithreshold", _verilog(params)) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"N_THR": 0}, "bnnc_param_error_multithreshold_n_thr_must_be_1_to_15"),
        ({"N_THR": 16}, "bnnc_param_error_multithreshold_n_thr_must_be_1_to_15"),
        ({"INV": 2}, "bnnc_param_error_multithreshold_inv_must_be_0_or_1"),
        ({"N_THR": 3, "OUT_BITS": 2, "OUT_BIAS": -1}, "bnnc_param_error_multithreshold_codes_must_fit_out_bits"),
        ({"IN_BITS": 1, "IN_SIGNED": 1}, "bnnc_param_error_multithreshold_in_bits_too_small"),
        ({"N": -1}, "bnnc_param_error_multithreshold_n_must_not_be_negative"),
    ],
)
def test_multithreshold_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(SOURCES, "bnnc_multithreshold", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
