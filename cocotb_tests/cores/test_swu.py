"""pytest driver: bnnc_swu, the sliding-window unit (kernels 1..7, strides 1..3, padding 0..4 (also at least the
kernel), non-square maps and kernels, small odd maps, EW 1 and 8, random pad values, LANES 1 / CH / a divisor,
ROW_PIPE 1 and 0, producers and consumers slower than a beat a cycle: IN_CYCLES, OUT_CYCLES), plus lint and
elaboration checks."""

from __future__ import annotations

from typing import Any

import pytest

from cocotb_tests.cores._common import CORES, Sized, Unit, core, param_id, param_rng
from cocotb_tests.cores.tb_swu import SwuGeometry, swu_line_rows
from compiler.runtime.sim.toolchain import lint, run_lint

SOURCES = core("bnnc_swu", "bnnc_fifo")


def _swu(h: int, w: int, ch: int, kh: int, kw: int, s: int, p: int, ew: int, lanes: int, pad_val: int = 0,
         in_cycles: int = 0, out_cycles: int = 0) -> dict[str, Any]:
    d = dict(IFM_H=h, IFM_W=w, CH=ch, K_H=kh, K_W=kw, STRIDE=s, PAD=p, EW=ew, PAD_VAL=Sized(ew, pad_val), LANES=lanes)
    if in_cycles or out_cycles:
        d.update(IN_CYCLES=in_cycles, OUT_CYCLES=out_cycles)
    return d


def _swu_sets() -> list[dict[str, Any]]:
    rng = param_rng("swu")
    sets = [
        _swu(6, 7, 4, 3, 3, 1, 1, ew=1, lanes=2),                # 3x3 'same' conv, bipolar, LANES a divisor
        _swu(9, 7, 3, 5, 5, 2, 2, ew=8, lanes=3, pad_val=0xA5),  # 5x5 stride 2, 8-bit, LANES = CH, pattern pad
        _swu(7, 6, 8, 1, 1, 2, 0, ew=1, lanes=8),                # 1x1 stride 2: input-bound, odd rows dropped
        _swu(8, 6, 6, 2, 2, 2, 0, ew=1, lanes=3),                # 2x2/2 pool windows: in == out beats
        _swu(5, 4, 2, 7, 7, 1, 3, ew=1, lanes=1, pad_val=1),     # 7x7 kernel larger than the map, LANES 1, pad +1
        _swu(3, 9, 16, 5, 3, 2, 2, ew=8, lanes=4),               # non-square kernel taller than the map
        _swu(6, 6, 4, 1, 3, 2, 1, ew=1, lanes=4),                # K_H < STRIDE with padding: pure-padding rows
        _swu(4, 5, 2, 1, 1, 1, 0, ew=1, lanes=2),                # 5-beat output rows: the shortest with the row pipeline
        _swu(5, 4, 2, 1, 1, 1, 0, ew=1, lanes=2),                # 4-beat output rows: the longest without it
        # padding of at least the kernel on small odd maps (whole rows and columns of padding windows)
        _swu(5, 5, 2, 1, 1, 2, 2, ew=1, lanes=1, pad_val=1),     # 1x1 stride 2 padding 2 on 2 channels, pad +1
        _swu(3, 5, 2, 2, 2, 1, 3, ew=8, lanes=2, pad_val=0x80),  # padding 3 > kernel 2, pad -128
        _swu(1, 3, 3, 1, 3, 2, 2, ew=8, lanes=3, pad_val=0xff),  # a 1-row map, kernel 1x3, stride 2
        # producers and consumers slower than a beat a cycle (pipelines the fuzz found short of rows)
        _swu(5, 6, 3, 2, 2, 1, 2, ew=1, lanes=1, pad_val=1, in_cycles=720, out_cycles=216),
        _swu(9, 9, 3, 1, 1, 2, 1, ew=8, lanes=1, out_cycles=216),
        _swu(6, 7, 4, 3, 3, 1, 1, ew=1, lanes=2, in_cycles=300, out_cycles=300),  # a balanced pipeline
    ]
    # One random set with padding of at least the kernel on a small odd map, a random pad value and paces.
    while True:
        kh, kw, s = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3)
        p = rng.randint(max(kh, kw), max(kh, kw) + 1)
        h, w = rng.choice([1, 3, 5]), rng.choice([1, 3, 5, 7])
        ch = rng.choice([1, 2, 3])
        lanes = rng.choice([d for d in range(1, ch + 1) if ch % d == 0])
        ew = rng.choice([1, 8])
        cand = _swu(h, w, ch, kh, kw, s, p, ew=ew, lanes=lanes, pad_val=rng.randint(0, (1 << ew) - 1))
        geo = _geo(cand)
        if geo.touches:
            paces = [0, geo.in_beats + rng.randint(0, 2 * geo.in_beats), geo.out_beats + rng.randint(0, geo.out_beats)]
            cand.update(IN_CYCLES=rng.choice(paces), OUT_CYCLES=rng.choice(paces))
            sets.append(cand)
            break
    # One random set, kept small (at most ~1500 output beats per image).
    while True:
        kh, kw, s, p = rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 2), rng.randint(0, 2)
        h, w = rng.randint(max(1, kh - 2 * p), 9), rng.randint(max(1, kw - 2 * p), 9)
        ch = rng.choice([1, 2, 3, 4, 6, 8])
        lanes = rng.choice([d for d in range(1, ch + 1) if ch % d == 0])
        ew = rng.choice([1, 8])
        cand = _swu(h, w, ch, kh, kw, s, p, ew=ew, lanes=lanes, pad_val=rng.randint(0, (1 << ew) - 1))
        geo = _geo(cand)
        if geo.touches and geo.out_beats <= 1500:
            sets.append(cand)
            return sets


def _geo(p: dict[str, Any]) -> SwuGeometry:
    return SwuGeometry(p["IFM_H"], p["IFM_W"], p["CH"], p["K_H"], p["K_W"], p["STRIDE"], p["PAD"], p["LANES"],
                       p.get("IN_CYCLES", 0), p.get("OUT_CYCLES", 0))


# Every set with the row pipeline (ROW_PIPE = 1, the default) and again in the fewest-LUT form:
# the same unit cycle for cycle, so the same checks hold.
SWU_SETS = _swu_sets()
SWU_SETS += [{**p, "ROW_PIPE": 0} for p in SWU_SETS]

# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
SWU = CORES.part("bnnc_swu", SOURCES, "tb_swu", lambda params: Unit(params))


@pytest.mark.parametrize("params", SWU_SETS, ids=param_id)
@SWU.runs
def test_swu(params: dict[str, Any], request: pytest.FixtureRequest) -> None:
    """Windows equal im2col's under gaps/backpressure; max(in, out) cycles per image; documented latency; and
    max(in, out, IN_CYCLES, OUT_CYCLES) with a producer and a consumer at those paces."""
    SWU.check(request)


@pytest.mark.parametrize("hw", [(32, 32), (224, 224), (28, 20)])
def test_swu_line_rows_documented(hw: tuple[int, int]) -> None:
    """The ring sizes docs/hardware.md quotes (the simulations hold the DUT's NROWS equal to this mirror)."""
    h, w = hw
    table = {  # (K, STRIDE, PAD): rows
        (3, 1, 1): 4, (5, 1, 2): 6, (7, 1, 3): 8, (3, 2, 1): 5, (1, 1, 0): 2,
        (2, 2, 0): 4, (3, 2, 0): 6, (3, 1, 0): 6, (5, 1, 0): 10,
    }
    for (k, s, p), rows in table.items():
        for cpb in (1, 4):
            assert swu_line_rows(h, w, cpb, k, k, s, p) == rows, (h, w, cpb, k, s, p)


LINT_SETS = SWU_SETS + [
    _swu(1, 1, 1, 1, 1, 1, 0, ew=1, lanes=1),
    _swu(32, 32, 64, 3, 3, 1, 1, ew=1, lanes=16),
    _swu(224, 224, 3, 7, 7, 2, 3, ew=8, lanes=3),
    {**_swu(32, 32, 64, 3, 3, 1, 1, ew=1, lanes=16), "ROW_PIPE": 0},
    {**_swu(224, 224, 3, 7, 7, 2, 3, ew=8, lanes=3), "ROW_PIPE": 0},
]


@pytest.mark.parametrize("params", LINT_SETS, ids=param_id)
def test_swu_lint_clean(params: dict[str, Any]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(SOURCES, "bnnc_swu", params) == []


@pytest.mark.parametrize(
    "params, error",
    [
        (dict(CH=6, LANES=4), "bnnc_param_error_swu_lanes_must_divide_ch"),
        (dict(STRIDE=0), "bnnc_param_error_swu_stride_must_be_positive"),
        (dict(IFM_H=3, K_H=6, PAD=1), "bnnc_param_error_swu_k_h_exceeds_padded_map"),
        (dict(IFM_W=2, K_W=3, PAD=0), "bnnc_param_error_swu_k_w_exceeds_padded_map"),
        (dict(K_H=0), "bnnc_param_error_swu_k_h_must_be_positive"),
        (dict(PAD=-1), "bnnc_param_error_swu_pad_must_not_be_negative"),
        (dict(EW=0), "bnnc_param_error_swu_ew_must_be_positive"),
        (dict(LANES=0), "bnnc_param_error_swu_lanes_must_be_positive"),
        (dict(IFM_H=0), "bnnc_param_error_swu_ifm_h_must_be_positive"),
        (dict(ROW_PIPE=2), "bnnc_param_error_swu_row_pipe_must_be_0_or_1"),
        # a pad value wider than its EW bits (an unsized -1 extends to all ones) is refused, not cut
        (dict(EW=8, PAD=1, PAD_VAL=300), "bnnc_param_error_swu_pad_val_must_fit_ew_bits"),
        (dict(EW=8, PAD=1, PAD_VAL=-1), "bnnc_param_error_swu_pad_val_must_fit_ew_bits"),
        (dict(EW=1, PAD=1, PAD_VAL=2), "bnnc_param_error_swu_pad_val_must_fit_ew_bits"),
        (dict(IN_CYCLES=-1), "bnnc_param_error_swu_in_out_cycles_must_be_in_0_to_2_pow_27"),
        (dict(OUT_CYCLES=1 << 27), "bnnc_param_error_swu_in_out_cycles_must_be_in_0_to_2_pow_27"),
        # 1-row map, 1x1 kernel, stride 3, padding 2: the windows sit on padded rows 0 and 3 only
        (dict(IFM_H=1, K_H=1, K_W=1, STRIDE=3, PAD=2), "bnnc_param_error_swu_every_window_is_padding"),
    ],
)
def test_swu_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(SOURCES, "bnnc_swu", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
