"""What every ±1 weight-matrix op shares: its dimensions, folding, value range and manifest row.

Dense and convolution layers (and their XNOR-popcount forms) are matrix-vector
products of an MH x MW matrix of ±1 weights, applied once per output pixel.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Annotated, Any, ClassVar
from weakref import WeakKeyDictionary

import numpy as np
from pydantic import Field

from compiler.arith import Folding
from compiler.bits import bits_for_range, to_bits
from compiler.cores.base import CoreParams
from compiler.cores.base import cost
from compiler.cores.mvtu import (MvtuOutput, MvtuParams, OutMode, multi_threshold_bits, multi_threshold_fit,
                                 mvtu_param_lines, mvtu_weight_lines, ones_offsets, plane_acc_range, plane_offsets,
                                 threshold_fit)
from compiler.cores.rom import block_plan, plan_rom
from compiler.hw.graph import Module, Rom
from compiler.hw.stream import Stream
from compiler.ir import Node, TensorType

from compiler.bits import sign
from compiler.errors import number

from .base import ImportContext, OpDef, PlanContext, Stage
from .registry import OPS

FLOAT32_BITS = 32
MAX_WEIGHT_BITS = 4
# Widest integer lanes that may take bnnc_mvtu's bit-plane datapath (a few-bit activation's codes): IN_BITS
# XNOR-popcounts per PE. Never the 8-bit image inputs, whose designs' output is pinned byte for byte.
MAX_PLANE_BITS = 4
# A matrix layer's net.yaml ``weight_bits``: 1 (±1, the default) to 4 (signed narrow integer codes).
WeightBits = Annotated[int, Field(ge=1, le=MAX_WEIGHT_BITS)]


def matrix_range(w: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """Exact range of sum_j w_j * x_j over x_j in [lo, hi] for each row of integer weights (±1 or few-bit codes),
    unioned over rows: the positive weights' sum P and the negative ones' magnitude M give [P·lo − M·hi, P·hi − M·lo]."""
    rows = w.reshape(w.shape[0], -1).astype(np.int64)
    pos = np.clip(rows, 0, None).sum(axis=1)
    neg = np.clip(-rows, 0, None).sum(axis=1)
    row_lo = pos * lo - neg * hi
    row_hi = pos * hi - neg * lo
    return int(row_lo.min()), int(row_hi.max())


def weight_bits(node: Node) -> int:
    """Bits per weight of a matrix node: 1 (±1, the default, no attr) or its ``weight_bits`` attr (signed codes)."""
    return int(node.attrs.get("weight_bits", 1))


def build_weights(ctx: ImportContext, layer: str, bits: int, w: np.ndarray) -> np.ndarray:
    """The int8 weights of a matrix layer from the weights file's float64 ``w``: sign(w) for 1 bit, else the integer
    codes in the signed narrow range [−(2^(n−1)−1), 2^(n−1)−1] as given (refused in one line otherwise)."""
    if bits == 1:
        return sign(w)
    top = (1 << (bits - 1)) - 1
    flat = w.reshape(-1)
    bad = np.nonzero(flat != np.round(flat))[0]
    if bad.size:
        raise ctx.error(f"{layer}.weight must hold integer codes for weight_bits {bits}, not {number(flat[bad[0]])}",
                        layer, "weight", weights_file=True)
    bad = np.nonzero(np.abs(flat) > top)[0]
    if bad.size:
        raise ctx.error(f"{layer}.weight must hold codes in [{-top}, {top}] for weight_bits {bits}, not "
                        f"{number(flat[bad[0]])}", layer, "weight", weights_file=True)
    return flat.reshape(w.shape).astype(np.int8)


def check_weight_bits(node: Node) -> str | None:
    """Why a matrix node's int8 weights do not fit its ``weight_bits`` (±1, or codes within the narrow range); None
    where they do (the verifier's check)."""
    w, bits = node.params["weight"], weight_bits(node)
    if bits == 1:
        return None if w.dtype == np.int8 and bool(np.all(np.abs(w) == 1)) else "weight must be an int8 array of ±1"
    top = (1 << (bits - 1)) - 1
    ok = w.dtype == np.int8 and bool(np.all(np.abs(w.astype(np.int64)) <= top))
    return None if ok else f"weight must be an int8 array of codes in [{-top}, {top}] (weight_bits {bits})"


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
    # the few-bit parameters only where they differ from the core's defaults: 1-bit instances stay as they were
    extra: dict[str, int] = {}
    if weight_bits(stage.head) > 1:
        extra["WEIGHT_BITS"] = weight_bits(stage.head)
    nxt = stage.consumer
    if nxt is not None and nxt.op == "multithreshold":
        extra["N_THR"] = max(1, int(nxt.params["thresholds"].shape[1]))  # one never-reached threshold for K = 0
        extra["OUT_BIAS"] = int(nxt.attrs["out_bias"])
    plain = MvtuParams(MW=folding.mw, MH=folding.mh, PE=folding.pe, SIMD=folding.simd, BINARY_IN=int(binary),
                       IN_BITS=in_bits, IN_SIGNED=int(in_signed), OUT_MODE=int(out.mode), ACC_BITS=out.acc_bits,
                       OUT_BITS=out.out_bits, AFF_BITS=out.aff_bits, **extra)
    if binary or weight_bits(stage.head) != 1 or in_bits > MAX_PLANE_BITS or out.mode not in (
            OutMode.THRESHOLD, OutMode.MULTI_THRESHOLD) or out.after:
        return plain
    acc_bits = out.acc_bits
    if out.mode is OutMode.MULTI_THRESHOLD:  # the unit compares acc - K with T - K: ACC_BITS holds both, exactly
        acc = stage.head.out.dtype
        assert acc.lo is not None and acc.hi is not None
        acc_bits = multi_threshold_bits(*plane_acc_range(acc.lo, acc.hi, _plane_offsets(stage, in_bits, in_signed)))
    # (mode 0 sums acc - T modulo 2**ACC_BITS from the bias K - T: threshold_fit's ACC_BITS holds the result)
    planes = replace(plain, BIT_PLANES=1, ACC_BITS=acc_bits)
    # the bit planes where the resource model prices them below the conditional negates and adder tree
    return planes if cost(planes, "xilinx", fast=True).lut < cost(plain, "xilinx", fast=True).lut else plain


# K per (node, IN_BITS, IN_SIGNED): it depends on the weights alone, and the folding search asks for every candidate
# folding of a layer (nodes are immutable and hashed by identity; the cache lets go of a node with its graph).
_PLANE_OFFSETS: WeakKeyDictionary[Node, dict[tuple[int, bool], np.ndarray]] = WeakKeyDictionary()


def _plane_offsets(stage: Stage, in_bits: int, in_signed: bool) -> np.ndarray:
    """bnnc_mvtu's bit-plane offsets K of a matrix stage's ±1 weights (compiler.cores.mvtu.plane_offsets)."""
    node = stage.head
    known = _PLANE_OFFSETS.setdefault(node, {})
    if (in_bits, in_signed) not in known:
        w = node.params["weight"]
        known[(in_bits, in_signed)] = plane_offsets(to_bits(w.reshape(w.shape[0], -1)), in_bits, in_signed)
    return known[(in_bits, in_signed)]


def _param_lines(stage: Stage, p: MvtuParams, wbits: np.ndarray) -> list[str]:
    """The parameter ROM's lines: biases -T (THRESHOLD) or {B, A} pairs (AFFINE) of the absorbed op."""
    acc, nxt = stage.head.out.dtype, stage.consumer
    assert nxt is not None and acc.lo is not None and acc.hi is not None
    if nxt.op == "multithreshold":
        # thresholds clamped into [acc_lo, acc_hi + 1] (outcomes unchanged); exact accumulator, no ones' offsets.
        # A range of one code has no threshold: the unit's one column is never reached (acc_hi + 1).
        th2d = nxt.params["thresholds"].astype(np.int64)
        if th2d.shape[1] == 0:
            th2d = np.full((th2d.shape[0], 1), acc.hi + 1, dtype=np.int64)
        clamped, _ = multi_threshold_fit(th2d, acc.lo, acc.hi)
        # bit planes: the unit sums acc - K, so it compares with T - K (ACC_BITS sized for it: mvtu_params)
        offsets = plane_offsets(wbits, p.IN_BITS, bool(p.IN_SIGNED)) if p.bit_planes else None
        return mvtu_param_lines(clamped, OutMode.MULTI_THRESHOLD, p.PE, acc_bits=p.ACC_BITS, offsets=offsets)
    if p.OUT_MODE == OutMode.THRESHOLD:
        # the unit emits acc - T >= 0 (no comparator): thresholds clamped, ACC_BITS holding acc - T; with integer
        # input and 1-bit weights the unit sums lanes in ones' complement, and each bias holds its 0 weight bits
        # back; few-bit weights sum exactly (bnnc_dot_lane's products, ONES 0): no offsets
        th = threshold_fit(nxt.params["thresholds"], acc.lo, acc.hi)[0]
        # bit planes: the unit sums acc - K from the bias, so the bias is K - T (modulo 2**ACC_BITS, exact)
        if p.bit_planes:
            offsets = plane_offsets(wbits, p.IN_BITS, bool(p.IN_SIGNED))
        else:
            offsets = None if p.BINARY_IN or p.weight_bits > 1 else ones_offsets(wbits, p.SIMD)
        return mvtu_param_lines(th, OutMode.THRESHOLD, p.PE, acc_bits=p.ACC_BITS, offsets=offsets)
    return mvtu_param_lines((nxt.params["scale"], nxt.params["offset"]), OutMode.AFFINE, p.PE, aff_bits=p.AFF_BITS)


def mvtu_units(stage: Stage, cur: Stream, folding: Folding, params: MvtuParams, ctx: PlanContext) -> list[Module]:
    """The sized bnnc_mvtu (``params``) of a matrix stage fed ``cur``, its ROMs' memory plans and images (built when
    written), then the units of an absorbed op computed after it."""
    node, nxt = stage.head, stage.consumer
    assert (params.IN_BITS, params.IN_SIGNED) == (cur.elem_bits, int(cur.signed)), (params, cur)
    pe, simd, mode = params.PE, params.SIMD, OutMode(params.OUT_MODE)
    wb = weight_bits(node)
    w2d = node.params["weight"].reshape(node.params["weight"].shape[0], -1)
    # ±1 weights as bits (the ones' offsets of a THRESHOLD bias read them); few-bit codes as they are
    wbits = to_bits(w2d) if wb == 1 else w2d
    # Each ROM is built as the target's memory plan says (block RAM or logic, by its depth x width),
    # or in block RAM where a rate-driven folding under a block budget chose so (choose_folding).
    if node.attrs.get("weight_rom") == "block":
        wplan = block_plan(folding.rom_words, pe * simd * wb, ctx.target)
    else:
        wplan = plan_rom(folding.rom_words, pe * simd * wb, ctx.target)
    params = replace(params, ROM_STYLE=wplan.rom_style)
    if wb == 1:
        roms = {"weights": Rom("WEIGHT_FILE", lambda: mvtu_weight_lines(wbits, pe, simd), wplan)}
    else:
        roms = {"weights": Rom("WEIGHT_FILE", lambda: mvtu_weight_lines(w2d, pe, simd, weight_bits=wb), wplan)}
    if mode is not OutMode.ACCUMULATOR:
        pplan = plan_rom(folding.nf, pe * params.param_lane, ctx.target)
        params = replace(params, PARAM_STYLE=pplan.rom_style)
        roms["params"] = Rom("PARAM_FILE", lambda p=params: _param_lines(stage, p, wbits), pplan)
    # an absorbed op computed after the unit (an affine's forms shift and shared: a bnnc_affine_serial reading the raw
    # accumulators, the stream then tapping the matrix node's own output)
    serial = nxt if stage_output(stage).after else None
    rom_bits = folding.rom_bits * wb + folding.nf * pe * params.param_lane
    out_node = node if serial is not None else stage.out
    out = Stream.of_tensor(node.name, out_node.name, out_node.out, pe, vectors=folding.pixels)
    # THRESHOLD's bits and MULTI_THRESHOLD's codes are the absorbed node's own lanes (the tensor's type)
    if mode is not OutMode.THRESHOLD and not (nxt is not None and nxt.op == "multithreshold" and serial is None):
        out = Stream(out.name, out.tap, pe, params.OUT_BITS, True, False, out.elems, out.vectors)
    layers = (node.name,) if out_node is node else (node.name, out_node.name)
    unit = Module(node.name, params, cur, out, layers=layers, cycles=int(node.attrs["cycles"]), roms=roms,
                  memory={"rom_bits": rom_bits})
    return [unit, *(OPS[serial.op].plan_after(serial, out, ctx) if serial is not None else ())]


class MatrixOp(OpDef):
    """Base of the matrix ops: MH output rows, MW inputs per row, ``pixels`` products per image."""

    matrix: ClassVar[bool] = True
    params: ClassVar[tuple[str, ...]] = ("weight",)
    # The XNOR-popcount form of this op on bipolar inputs (lower_xnor_popcount), if this is the plain form.
    xnor_form: ClassVar[str | None] = None

    optional_arrays: ClassVar[tuple[str, ...]] = ("weight_scale",)

    def pixels(self, node: Node) -> int:
        """Matrix-vector products per image."""
        return 1

    def weight_scale(self, ctx: ImportContext, layer: str, node: Node) -> np.ndarray:
        """The float scale of each output channel's weights: ``<layer>.weight_scale`` ((1,) per tensor or one per
        output channel, positive), 1 where the weights file has none. The graph builder folds it into a ``scale``."""
        c = int(node.params["weight"].shape[0])
        a = ctx.optional(layer, "weight_scale", ((1,), (c,)))
        if a is None:
            return np.ones(c)
        bad = np.nonzero(a <= 0)[0]
        if bad.size:
            raise ctx.error(f"{layer}.weight_scale must be > 0 in every channel, not {number(a[bad[0]])} "
                            f"(channel {bad[0]})", layer, "weight_scale", weights_file=True)
        return np.broadcast_to(a, (c,)).astype(np.float64)

    def dims(self, node: Node) -> tuple[int, int, int]:
        """(MH, MW, pixels): rows, columns, and matrix-vector products per image."""
        w = node.params["weight"]
        return int(w.shape[0]), math.prod(int(d) for d in w.shape[1:]), self.pixels(node)

    def folding(self, node: Node, pe: int | None = None, simd: int | None = None) -> Folding:
        """The node's folding: its own ``pe``/``simd`` attributes unless others are given."""
        mh, mw, px = self.dims(node)
        return Folding(mh, mw, int(node.attrs["pe"] if pe is None else pe),
                       int(node.attrs["simd"] if simd is None else simd), px)

    def units(self, stage: Stage, folding: Folding, ctx: PlanContext) -> list[CoreParams]:
        """The core parameters of the stage's units at ``folding``, in stream order, their ROM styles left to the
        memory plan: what the folding search prices and :meth:`plan` builds. A plain matrix layer is one bnnc_mvtu."""
        return [mvtu_params(stage, folding, ctx.t_in)]

    def plan(self, stage: Stage, cur: Stream, ctx: PlanContext) -> list[Module]:
        """The bnnc_mvtu of :meth:`units` at the node's folding (and the units of an absorbed op computed after it)."""
        folding = self.folding(stage.head)
        params = self.units(stage, folding, ctx)[-1]
        assert isinstance(params, MvtuParams), params
        return mvtu_units(stage, cur, folding, params, ctx)

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
        wb = weight_bits(node)
        row: dict[str, Any] = dict(mh=mh, mw=mw, pixels=px, weight_count=mh * mw, weight_bits_packed=mh * mw * wb,
                                   weight_bytes_float32=mh * mw * FLOAT32_BITS // 8)
        if wb > 1:  # (absent for ±1 weights: 1-bit manifests stay as they were)
            row["weight_bits"] = wb
        for key in ("pe", "simd", "cycles", "weight_rom"):  # weight_rom: the folding search's block-RAM choice
            if key in node.attrs:
                row[key] = node.attrs[key]
        return row
