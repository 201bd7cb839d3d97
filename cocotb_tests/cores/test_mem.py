"""The ROM layout of compiler.hw.mvtu (used by the compiler and the testbenches) against the contract."""

from __future__ import annotations

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.hw.mvtu import mvtu_param_lines, mvtu_weight_lines, read_mem, threshold_fit, write_mvtu_mems


def _bit(lines: list[str], line: int, bit: int) -> int:
    return (int(lines[line], 16) >> bit) & 1


@pytest.mark.parametrize("mh, mw, pe, simd", [(5, 7, 2, 3), (4, 8, 4, 8), (1, 1, 1, 1), (10, 20, 3, 6), (3, 9, 5, 16)])
def test_weight_layout_bit_by_bit(mh: int, mw: int, pe: int, simd: int) -> None:
    """Line nf*SF+sf, bit p*SIMD+s is weight (nf*PE+p, sf*SIMD+s); padding is 0; fixed hex width."""
    rng = np.random.default_rng(mh * 1000 + mw)
    w = rng.integers(0, 2, size=(mh, mw)).astype(np.uint8)
    lines = mvtu_weight_lines(w, pe, simd)
    nf, sf = -(-mh // pe), -(-mw // simd)
    assert len(lines) == nf * sf
    assert {len(x) for x in lines} == {max(1, -(-pe * simd // 4))}
    for f in range(nf):
        for s in range(sf):
            for p in range(pe):
                for k in range(simd):
                    n, i = f * pe + p, s * simd + k
                    exp = int(w[n, i]) if n < mh and i < mw else 0
                    assert _bit(lines, f * sf + s, p * simd + k) == exp


def test_param_lanes_twos_complement() -> None:
    """Mode 0: ACC_BITS lanes; mode 2: {B, A} lanes; padding neurons 0; range errors are raised."""
    thr = np.array([5, -6, 0])  # mode 0 stores the biases -T: -5 = 0xB, 6 = 0x6, 0
    assert mvtu_param_lines(thr, 0, pe=2, acc_bits=4) == ["6b", "00"]
    a, b = np.array([1, -2]), np.array([-1, 3])
    # lane 0 = {B=-1, A=1} = 0xF1 (4-bit fields), lane 1 = {3, -2} = 0x3E
    assert mvtu_param_lines((a, b), 2, pe=2, aff_bits=4) == ["3ef1"]
    with pytest.raises(ValueError, match=r"^-threshold must fit 4-bit two's complement \[-8, 7\], not range \[8, 8\]$"):
        mvtu_param_lines(np.array([-8]), 0, pe=1, acc_bits=4)
    with pytest.raises(ValueError, match=r"^A must fit 4-bit two's complement \[-8, 7\], not range \[8, 8\]$"):
        mvtu_param_lines((np.array([8]), np.array([0])), 2, pe=1, aff_bits=4)


def test_write_and_read_back(tmp_path) -> None:
    """Files hold one word per line and read back to the same words."""
    w = np.eye(3, 5, dtype=np.uint8)
    wf, pf = write_mvtu_mems(w, np.array([1, 2, 3]), 2, 2, 0, tmp_path / "w.mem", tmp_path / "p.mem", acc_bits=4)
    assert read_mem(wf) == [int(x, 16) for x in mvtu_weight_lines(w, 2, 2)]
    assert read_mem(pf) == [0xEF, 0x0D]  # biases -1, -2 | -3, padding 0
    wf1, pf1 = write_mvtu_mems(w, None, 2, 2, 1, tmp_path / "w1.mem")
    assert pf1 is None and wf1.read_text() == wf.read_text()


def _slow_param_line(values: list[list[int]], field_bits: int, pe: int, nf: int) -> str:
    """Reference: build the word bit by bit (lane p, field k at bit p*lane + k*field_bits)."""
    lane_bits = field_bits * len(values[0])
    word = 0
    for p in range(pe):
        n = nf * pe + p
        if n >= len(values):
            continue
        for k, v in enumerate(values[n]):
            for bit in range(field_bits):
                if (v >> bit) & 1:  # Python ints are two's complement with infinite sign bits
                    word |= 1 << (p * lane_bits + k * field_bits + bit)
    return format(word, f"0{max(1, -(-pe * lane_bits // 4))}x")


@pytest.mark.parametrize("seed", range(5))
def test_param_lines_match_bitwise_reference(seed: int) -> None:
    """Random sizes: thresholds (mode 0) and {B, A} (mode 2) lines equal a bit-by-bit construction."""
    rng = np.random.default_rng(seed)
    mh, pe = (int(v) for v in rng.integers(1, 30, size=2))
    nf = -(-mh // pe)
    thr = rng.integers(-255, 257, size=mh)  # -T fits 9 bits
    assert mvtu_param_lines(thr, 0, pe, acc_bits=9) == [
        _slow_param_line([[-int(t)] for t in thr], 9, pe, f) for f in range(nf)
    ]
    a, b = rng.integers(-128, 128, size=mh), rng.integers(-128, 128, size=mh)
    assert mvtu_param_lines((a, b), 2, pe, aff_bits=8) == [
        _slow_param_line([[int(x), int(y)] for x, y in zip(a, b)], 8, pe, f) for f in range(nf)
    ]


@settings(max_examples=200, deadline=None)
@given(lo=st.integers(-3000, 3000), span=st.integers(0, 3000), data=st.data())
def test_threshold_fit_keeps_every_outcome(lo: int, span: int, data: st.DataObject) -> None:
    """For every reachable acc, (acc - T') wrapped to ACC_BITS two's complement is >= 0 exactly when
    acc >= T: what bnnc_mvtu computes in mode 0 after threshold_fit, for thresholds anywhere."""
    hi = lo + span
    thr = np.array(data.draw(st.lists(st.integers(lo - 5000, hi + 5000), min_size=1, max_size=6)))
    fitted, bits = threshold_fit(thr, lo, hi)
    assert mvtu_param_lines(fitted, 0, pe=len(fitted), acc_bits=bits)  # -T' fits its lanes
    acc = np.unique(np.concatenate([np.arange(lo, min(hi, lo + 40) + 1), np.arange(max(lo, hi - 40), hi + 1),
                                    np.clip(thr, lo, hi), np.clip(thr - 1, lo, hi)]))
    diff = acc[:, None] - fitted[None, :]
    wrapped = ((diff + (1 << (bits - 1))) % (1 << bits)) - (1 << (bits - 1))
    assert np.array_equal(wrapped >= 0, acc[:, None] >= thr[None, :])
