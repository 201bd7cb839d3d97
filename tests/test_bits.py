"""compiler.bits: the one definition of bit and lane order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.bits import (
    bits_for_range,
    chunk_lanes,
    from_bits,
    pack_bits,
    pack_lanes,
    popcount,
    sign,
    to_bits,
    unpack_lanes,
)
from tests.pins import whole


def test_bipolar_bit_convention() -> None:
    assert to_bits(np.array([-1, 1])).tolist() == [0, 1]
    assert from_bits(np.array([0, 1])).tolist() == [-1, 1]
    assert sign(np.array([-1e-300, -0.0, 0.0, 1e-300])).tolist() == [-1, 1, 1, 1]
    assert sign(np.array([0])).dtype == np.int8


@given(st.lists(st.sampled_from([-1, 1]), min_size=1, max_size=200))
def test_bits_round_trip(values: list[int]) -> None:
    v = np.array(values, dtype=np.int8)
    assert np.array_equal(from_bits(to_bits(v)), v)


@given(st.integers(1, 300), st.integers(1, 4), st.integers(0, 2**32))
def test_pack_bits_element_i_at_bit_i(n: int, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, size=(rows, n), dtype=np.uint8)
    words = pack_bits(bits)
    assert words.shape == (rows, -(-n // 64)) and words.dtype == np.dtype("<u8")
    for r in range(rows):
        as_int = sum(int(w) << (64 * k) for k, w in enumerate(words[r]))
        assert as_int == sum(int(b) << i for i, b in enumerate(bits[r]))
        # unpack through the lanes helper: the exact inverse
        assert unpack_lanes(as_int, n, 1) == bits[r].tolist()
    assert np.array_equal(popcount(words), bits.sum(axis=1))


def test_pack_bits_empty_row_is_one_zero_word() -> None:
    assert pack_bits(np.zeros((2, 0), dtype=np.uint8)).tolist() == [[0], [0]]


@given(st.integers(1, 20), st.data())
def test_lanes_round_trip(width: int, data) -> None:
    signed = data.draw(st.booleans())
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    values = data.draw(st.lists(st.integers(lo, hi), min_size=1, max_size=12))
    word = pack_lanes(values, width)
    assert 0 <= word < 1 << (width * len(values))
    assert unpack_lanes(word, len(values), width, signed=signed) == values
    beats = chunk_lanes(values, 5, pad=0)
    assert [v for b in beats for v in b][: len(values)] == values and all(len(b) == 5 for b in beats)


@given(st.integers(-2**40, 2**40), st.integers(0, 2**40))
def test_bits_for_range_is_minimal(lo: int, span: int) -> None:
    hi = lo + span
    w, signed = bits_for_range(lo, hi)
    assert signed == (lo < 0)
    if signed:
        fits = lambda b: -(1 << (b - 1)) <= lo and hi <= (1 << (b - 1)) - 1
    else:
        fits = lambda b: hi <= (1 << b) - 1
    assert fits(w) and (w == 1 or not fits(w - 1))


@pytest.mark.parametrize("lo,hi,expect", [(0, 0, (1, False)), (0, 1, (1, False)), (-1, 0, (1, True)),
                                          (-1, 1, (2, True)), (-128, 127, (8, True)), (-129, 127, (9, True)),
                                          (-128, 128, (9, True)), (0, 256, (9, False)), (-5, 784, (11, True))])
def test_bits_for_range_table(lo: int, hi: int, expect) -> None:
    assert bits_for_range(lo, hi) == expect


def test_bits_for_range_rejects_empty() -> None:
    with pytest.raises(ValueError, match=whole(r"range must have lo <= hi, not \[3, 2\]")):
        bits_for_range(3, 2)
