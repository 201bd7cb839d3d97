"""ROM images (``$readmemh`` files) of the matrix unit, in the layout of docs/hardware.md."""

from __future__ import annotations

import numpy as np

from runtime.bits import pack_lanes


def _hex(word: int, bits: int) -> str:
    return format(word, f"0{max(1, -(-bits // 4))}x")


def weight_lines(w_bits: np.ndarray, pe: int, simd: int) -> list[str]:
    """NF*SF lines; line nf*SF+sf holds bit p*SIMD+s = weight of neuron nf*PE+p, input sf*SIMD+s (pads 0).

    >>> weight_lines(np.array([[1, 0, 1], [0, 1, 1]]), pe=2, simd=2)
    ['9', '5']
    """
    mh, mw = w_bits.shape
    nf, sf = -(-mh // pe), -(-mw // simd)
    padded = np.zeros((nf * pe, sf * simd), dtype=np.uint8)
    padded[:mh, :mw] = w_bits
    # (nf, pe, sf, simd) -> (nf, sf, pe, simd): one word per (nf, sf), lanes p-major
    words = padded.reshape(nf, pe, sf, simd).transpose(0, 2, 1, 3).reshape(nf * sf, pe * simd)
    return [_hex(pack_lanes(row.tolist(), 1), pe * simd) for row in words]


def param_lines(values: np.ndarray, pe: int, lane_bits: int) -> list[str]:
    """NF lines; line nf holds the PE lanes (lane_bits each, two's complement) of neurons nf*PE..nf*PE+PE-1.

    ``values`` is (MH,) for thresholds or (MH, k) for k fields packed low-first in
    each lane (the affine's A then B). Padding neurons are 0.

    >>> param_lines(np.array([3, -1, 2]), pe=2, lane_bits=4)
    ['f3', '02']
    """
    vals = np.asarray(values, dtype=np.int64)
    if vals.ndim == 1:
        vals = vals[:, None]
    mh, k = vals.shape
    field_bits = lane_bits // k
    nf = -(-mh // pe)
    lines = []
    for f in range(nf):
        lanes = []
        for p in range(pe):
            n = f * pe + p
            lanes.append(pack_lanes(vals[n].tolist(), field_bits) if n < mh else 0)
        lines.append(_hex(pack_lanes(lanes, lane_bits), pe * lane_bits))
    return lines
