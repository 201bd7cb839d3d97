"""What every ±1 weight-matrix op shares: its dimensions, folding, value range and manifest row.

Dense and convolution layers (and their XNOR-popcount forms) are matrix-vector
products of an MH x MW matrix of ±1 weights, applied once per output pixel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from compiler.arith import Folding
from compiler.bits import bits_for_range
from compiler.cores.base import CoreParams
from compiler.cores.mvtu import MvtuOutput, MvtuParams
from compiler.ir import Node, TensorType

from .base import OpDef, Stage
from .registry import OPS

FLOAT32_BITS = 32


def matrix_range(w: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """Exact range of sum_j w_j * x_j over x_j in [lo, hi] for each row of ±1 weights, unioned over rows."""
    rows = w.reshape(w.shape[0], -1)
    n_pos = (rows > 0).sum(axis=1).astype(np.int64)
    n_neg = rows.shape[1] - n_pos
    row_lo = n_pos * lo - n_neg * hi
    row_hi = n_pos * hi - n_neg * lo
    return int(row_lo.min()), int(row_hi.max())


def stage_output(stage: Stage) -> MvtuOutput:
    """What a matrix stage's bnnc_mvtu emits: as the absorbed op asks, else its raw accumulators."""
    node, nxt = stage.head, stage.consumer
    acc = node.out.dtype
    assert acc.lo is not None and acc.hi is not None
    return OPS[nxt.op].mvtu_output(nxt, acc) if nxt is not None else MvtuOutput.accumulator(acc.lo, acc.hi)


def mvtu_params(stage: Stage, folding: Folding, t_in: TensorType) -> MvtuParams:
    """bnnc_mvtu's parameters for a matrix stage at ``folding`` reading ``t_in`` (bipolar: XNOR lanes), its output
    stage as the absorbed op asks (ROM styles left to the memory plan)."""
    out = stage_output(stage)
    binary = t_in.dtype.is_bipolar
    assert binary or (t_in.dtype.lo is not None and t_in.dtype.hi is not None), t_in
    in_bits, in_signed = (1, False) if binary else bits_for_range(t_in.dtype.lo, t_in.dtype.hi)
    return MvtuParams(MW=folding.mw, MH=folding.mh, PE=folding.pe, SIMD=folding.simd, BINARY_IN=int(binary),
                      IN_BITS=in_bits, IN_SIGNED=int(in_signed), OUT_MODE=int(out.mode), ACC_BITS=out.acc_bits,
                      OUT_BITS=out.out_bits, AFF_BITS=out.aff_bits)


class MatrixOp(OpDef):
    """Base of the matrix ops: MH output rows, MW inputs per row, ``pixels`` products per image."""

    matrix: ClassVar[bool] = True
    params: ClassVar[tuple[str, ...]] = ("weight",)
    # The XNOR-popcount form of this op on bipolar inputs (lower_xnor_popcount), if this is the plain form.
    xnor_form: ClassVar[str | None] = None

    def pixels(self, node: Node) -> int:
        """Matrix-vector products per image."""
        return 1

    def dims(self, node: Node) -> tuple[int, int, int]:
        """(MH, MW, pixels): rows, columns, and matrix-vector products per image."""
        w = node.params["weight"]
        return int(w.shape[0]), math.prod(int(d) for d in w.shape[1:]), self.pixels(node)

    def folding(self, node: Node, pe: int | None = None, simd: int | None = None) -> Folding:
        """The node's folding: its own ``pe``/``simd`` attributes unless others are given."""
        mh, mw, px = self.dims(node)
        return Folding(mh, mw, int(node.attrs["pe"] if pe is None else pe),
                       int(node.attrs["simd"] if simd is None else simd), px)

    def plan(self, stage: Stage, folding: Folding, t_in: TensorType, pacing: Mapping[str, int],
             target: str) -> list[CoreParams]:
        """The stage's units at ``folding`` on input ``t_in``, in stream order, their ROM styles left to the memory
        plan (``pacing``: a window unit's IN_CYCLES and OUT_CYCLES): what the lowering builds and the folding search
        prices. A plain matrix layer is one bnnc_mvtu."""
        return [mvtu_params(stage, folding, t_in)]

    def cycles(self, node: Node, t_in: TensorType, pe: int, simd: int) -> int:
        """Cycles per image of the layer's hardware at this folding (FINN's formula for a plain matrix unit)."""
        return self.folding(node, pe, simd).cycles

    def simd_candidates(self, node: Node, t_in: TensorType) -> tuple[int, ...]:
        """SIMD values worth trying besides the narrowest that fits (none for a plain matrix unit)."""
        return ()

    def in_lanes(self, node: Node) -> int | None:
        return int(node.attrs["simd"])

    def in_elems(self, node: Node) -> int | None:
        """Elements per vector the unit reads: one row of the matrix (a flattened map arrives as one vector)."""
        return self.dims(node)[1]

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        mh, mw, px = self.dims(node)
        row: dict[str, Any] = dict(mh=mh, mw=mw, pixels=px, weight_count=mh * mw, weight_bits_packed=mh * mw,
                                   weight_bytes_float32=mh * mw * FLOAT32_BITS // 8)
        for key in ("pe", "simd", "cycles", "weight_rom"):  # weight_rom: the folding search's block-RAM choice
            if key in node.attrs:
                row[key] = node.attrs[key]
        return row
