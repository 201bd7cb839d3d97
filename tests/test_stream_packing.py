"""Stream.beat_words, the one lane packer, against a bit-by-bit oracle, windows included.

beat_words packs whole data sets for the compiled engine, so it works on narrow numpy
arrays and gathers window streams from packed pixels; here both are held to the plain
definition: lane i of a beat at bits [i*elem_bits, (i+1)*elem_bits), two's complement,
bipolar lanes as 1 for +1, padding lanes 0, windows in (ky, kx, c) order as im2col.
"""

from __future__ import annotations

import numpy as np

from compiler.hw.stream import Stream
from compiler.kernels import im2col


def oracle(s: Stream, tensor: np.ndarray) -> list[list[int]]:
    """Each image's beats as ints, one lane at a time."""
    flat = np.asarray(s.carried(tensor)).reshape(tensor.shape[0], s.vectors, s.elems)
    out = []
    for img in flat:
        beats = []
        for vec in img:
            for b in range(s.beats_per_vector):
                word = 0
                for i, v in enumerate(vec[b * s.lanes : (b + 1) * s.lanes].tolist()):
                    lane = (1 if v > 0 else 0) if s.bipolar else int(v) & ((1 << s.elem_bits) - 1)
                    word |= lane << (i * s.elem_bits)
                beats.append(word)
        out.append(beats)
    return out


def values(rng: np.random.Generator, bipolar: bool, bits: int, signed: bool, shape: tuple[int, ...]) -> np.ndarray:
    if bipolar:
        return rng.choice([-1, 1], size=shape).astype(np.int8)
    lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
    v = rng.integers(lo, hi, size=shape)
    return v.astype(np.int8) if bits <= 7 and rng.random() < 0.5 else v


def kind(rng: np.random.Generator) -> tuple[bool, int, bool]:
    bipolar = bool(rng.random() < 0.4)
    bits = 1 if bipolar else int(rng.integers(1, 34))
    return bipolar, bits, (not bipolar) and bool(rng.integers(0, 2))


def test_flat_streams_pack_as_the_oracle() -> None:
    rng = np.random.default_rng(21)
    for _ in range(400):
        bipolar, bits, signed = kind(rng)
        lanes, elems, vectors, n = (int(rng.integers(1, 70)), int(rng.integers(1, 90)), int(rng.integers(1, 4)),
                                    int(rng.integers(1, 3)))
        s = Stream("s", "t", lanes, bits, signed, bipolar, elems, vectors)
        v = values(rng, bipolar, bits, signed, (n, vectors * elems))
        assert s.tensor_beats(v) == oracle(s, v), s


def test_window_streams_pack_as_the_oracle_whether_gathered_or_not() -> None:
    """Lanes dividing the channels take the gathered path (pixels packed once); the rest im2col first."""
    rng = np.random.default_rng(22)
    gathered = 0
    for _ in range(300):
        bipolar, bits, signed = kind(rng)
        c, kh, kw = int(rng.integers(1, 40)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
        stride, pad = int(rng.integers(1, 3)), int(rng.integers(0, 3))
        h, w = int(rng.integers(kh, 8)), int(rng.integers(kw, 8))
        divisors = [d for d in range(1, c + 1) if c % d == 0]
        lanes = int(rng.choice(divisors)) if rng.random() < 0.7 else int(rng.integers(1, 3 * c + 1))
        pad_value = int(values(rng, bipolar, bits, signed, (1,))[0])
        oh, ow = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
        s = Stream("s", "t", lanes, bits, signed, bipolar, kh * kw * c, oh * ow, window=(kh, kw, stride, pad, pad_value))
        v = values(rng, bipolar, bits, signed, (int(rng.integers(1, 3)), h, w, c))
        gathered += s._window_words(v) is not None
        assert s.tensor_beats(v) == oracle(s, v), s
        plain = Stream("p", "t", lanes, bits, signed, bipolar, kh * kw * c, oh * ow)
        np.testing.assert_array_equal(s.beat_words(v), plain.beat_words(im2col(v, kh, kw, stride, pad, pad_value)))
    assert gathered > 100  # the gathered path is exercised, not only the fallback
