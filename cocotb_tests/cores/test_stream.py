"""pytest driver: bnnc_threshold, bnnc_argmax, bnnc_width_converter and bnnc_fifo lint/elaboration checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import pytest

from cocotb_tests.cores._common import CORES, Unit, build_dir_for, core, param_rng
from compiler.hw.mvtu import write_mem
from compiler.hw.threshold_rom import threshold_rom_lines
from compiler.runtime.sim.toolchain import lint, run_lint


def _threshold_sets() -> list[dict[str, int]]:
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


def _threshold_rom_sets() -> list[dict[str, int]]:
    rng = param_rng("threshold_rom")
    return [
        dict(LANES=4, IN_BITS=8, IN_SIGNED=0, N=10),                 # uint8 pixels, N not a multiple of LANES
        dict(LANES=3, IN_BITS=6, IN_SIGNED=1, N=9, ROM_STYLE=3),     # signed, whole beats; ROM as logic
        dict(LANES=1, IN_BITS=1, IN_SIGNED=0, N=5, ROM_STYLE=2),     # 1-bit unsigned inputs; distributed
        dict(LANES=rng.randint(1, 8), IN_BITS=rng.randint(2, 12), IN_SIGNED=1, N=rng.randint(1, 30)),
    ]


def _threshold_rom_case(params: dict[str, int], folder: Path) -> dict[str, object]:
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


def _argmax_sets() -> list[dict[str, int]]:
    rng = param_rng("argmax")
    return [
        dict(NUM_CLASSES=10, LANES=1, IN_BITS=12),
        dict(NUM_CLASSES=10, LANES=4, IN_BITS=rng.randint(4, 24)),
        dict(NUM_CLASSES=10, LANES=10, IN_BITS=22),   # LFC's last layer: one beat, a 4-level tree
        dict(NUM_CLASSES=13, LANES=5, IN_BITS=6),     # odd lanes (pass-through candidates), padded last beat
        dict(NUM_CLASSES=rng.randint(2, 17), LANES=rng.randint(2, 9), IN_BITS=rng.randint(2, 10)),
    ]


def _wconv_sets() -> list[dict[str, int]]:
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


def _id(p: dict[str, Any]) -> str:
    return "_".join(f"{k}{v}" for k, v in p.items())


def _threshold_rom_unit(params: dict[str, int]) -> Unit:
    folder = build_dir_for("bnnc_threshold_rom", params)  # the set's ROM image and testbench data
    return Unit(_threshold_rom_case(params, folder), {"BNNC_TB_DATA": str(folder / "tb_data.npz")},
                tests=["threshold_rom_random", "threshold_rom_throughput"])


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
THRESHOLD = CORES.part("bnnc_threshold", core("bnnc_threshold"), "tb_stream",
                       lambda params: Unit(params, tests=["threshold_random", "threshold_throughput"]))
THRESHOLD_ROM = CORES.part("bnnc_threshold_rom", core("bnnc_threshold_rom", "bnnc_rom"), "tb_stream",
                           _threshold_rom_unit)
ARGMAX = CORES.part("bnnc_argmax", core("bnnc_argmax"), "tb_stream",
                    lambda params: Unit(params, tests=["argmax_random", "argmax_throughput"]))
WCONV = CORES.part("bnnc_width_converter", core("bnnc_width_converter"), "tb_stream",
                   lambda params: Unit(params, tests=["width_converter_random", "width_converter_throughput"]))


@pytest.mark.parametrize("params", _threshold_sets(), ids=_id)
@THRESHOLD.runs
def test_threshold(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Exact thresholding with gaps/backpressure; full throughput."""
    THRESHOLD.check(request)


@pytest.mark.parametrize("params", _threshold_rom_sets(), ids=_id)
@THRESHOLD_ROM.runs
def test_threshold_rom(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Per-element thresholds from the ROM, negated compares, padding lanes 0; full throughput."""
    THRESHOLD_ROM.check(request)


@pytest.mark.parametrize("params", _argmax_sets(), ids=_id)
@ARGMAX.runs
def test_argmax(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """argmax with ties resolves to the lowest index; gaps/backpressure; throughput."""
    ARGMAX.check(request)


@pytest.mark.parametrize("params", _wconv_sets(), ids=_id)
@WCONV.runs
def test_width_converter(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Re-chunking is exact under gaps/backpressure and sustains max(in, out) beats per vector."""
    WCONV.check(request)


LINT_CASES = (
    [("bnnc_threshold", p) for p in _threshold_sets() + [dict(LANES=1, IN_BITS=1, IN_SIGNED=0, THRESHOLD=1)]]
    + [("bnnc_threshold_rom", {**p, "TW": 12, "THR_FILE": "thr.mem"}) for p in _threshold_rom_sets()]
    + [("bnnc_argmax", p) for p in _argmax_sets() + [dict(NUM_CLASSES=1, LANES=1, IN_BITS=2)]]
    + [("bnnc_width_converter", p) for p in _wconv_sets() + [dict(N=1, EW=1, IN_LANES=1, OUT_LANES=1)]]
    + [("bnnc_fifo", p) for p in ({"WIDTH": 1, "DEPTH": 2}, {"WIDTH": 33, "DEPTH": 3}, {"WIDTH": 8, "DEPTH": 16},
                                  {"WIDTH": 40, "DEPTH": 3, "BYPASS": 0})]
)


@pytest.mark.parametrize("top, params", LINT_CASES, ids=[f"{t}-{_id(p)}" for t, p in LINT_CASES])
def test_lint_clean(top: str, params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(core(top), top, params) == []


@pytest.mark.parametrize(
    "top, params, error",
    [
        ("bnnc_fifo", {"DEPTH": 1}, "bnnc_param_error_fifo_depth_must_be_at_least_2"),
        ("bnnc_fifo", {"BYPASS": 2, "DEPTH": 4}, "bnnc_param_error_fifo_bypass_must_be_0_or_1"),
        ("bnnc_fifo", {"BYPASS": 0, "DEPTH": 2}, "bnnc_param_error_fifo_depth_must_be_at_least_3_without_bypass"),
        ("bnnc_threshold", {"NEGATE": 2}, "bnnc_param_error_threshold_negate_must_be_0_or_1"),
        ("bnnc_threshold", {"N": -1}, "bnnc_param_error_threshold_n_must_not_be_negative"),
        ("bnnc_threshold", {"IN_BITS": 1, "IN_SIGNED": 1}, "bnnc_param_error_threshold_in_bits_too_small"),
        ("bnnc_threshold_rom", {"TW": 1}, "bnnc_param_error_threshold_rom_tw_must_be_at_least_2"),
        ("bnnc_threshold_rom", {"N": 0}, "bnnc_param_error_threshold_rom_n_must_be_positive"),
        ("bnnc_threshold_rom", {"ROM_STYLE": 4}, "bnnc_param_error_threshold_rom_rom_style_must_be_0_to_3"),
        ("bnnc_threshold_rom", {"ROM_STYLE": 1},
         "bnnc_param_error_threshold_rom_rom_style_block_needs_a_registered_read"),
        ("bnnc_argmax", {"IN_BITS": 1}, "bnnc_param_error_argmax_in_bits_must_be_at_least_2"),
        ("bnnc_argmax", {"NUM_CLASSES": 0}, "bnnc_param_error_argmax_num_classes_must_be_positive"),
        ("bnnc_width_converter", {"OUT_LANES": 0}, "bnnc_param_error_width_converter_out_lanes_must_be_positive"),
    ],
)
def test_rejects_illegal_parameters(top: str, params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(core(top), top, params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
