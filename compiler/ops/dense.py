"""``dense`` and its XNOR-popcount form ``xnor_dense``: y = W x with ±1 weights, on one bnnc_mvtu.

* ``dense`` (net.yaml): ``units``; array ``weight`` (units, in_features), binarized
  with sign(0) = +1. On the integer network input it is an add/subtract of
  integers; on bipolar inputs ``lower_xnor_popcount`` turns it into ``xnor_dense``.
* ``xnor_dense``: p = popcount(xnor(x, w)) over bipolar x, the popcount domain
  (acc + N) / 2.
* Hardware: one ``bnnc_mvtu`` (PE x SIMD folded) whose output stage absorbs the
  threshold (1-bit lanes) or fixed-point affine (score lanes) that follows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np

from compiler.arith import Folding
from compiler.bits import sign, to_bits
from compiler.cores.mvtu import MvtuParams, OutMode, mvtu_param_lines, mvtu_weight_lines, ones_offsets, threshold_fit
from compiler.cores.rom import block_plan
from compiler.hw.builder import HwBuilder
from compiler.hw.graph import Module, Rom
from compiler.hw.stream import Stream
from compiler.ir import DType, Node, TensorType
from compiler.kernels import GEMM_MIN_WORK, int_matmul, xnor_popcount, xnor_threshold_gemm

from .base import ImportContext, LayerSpec, OpTypeError, PositiveInt, Stage, int_range, reads_integer
from .matrix import MatrixOp, matrix_range, stage_output
from .registry import OPS, register_op


class DenseSpec(LayerSpec):
    """Fully connected layer with ±1 weights."""

    op: Literal["dense"]
    units: PositiveInt


def _param_lines(stage: Stage, p: MvtuParams, wbits: np.ndarray) -> list[str]:
    """The parameter ROM's lines: biases -T (THRESHOLD) or {B, A} pairs (AFFINE) of the absorbed op."""
    acc, nxt = stage.head.out.dtype, stage.consumer
    assert nxt is not None and acc.lo is not None and acc.hi is not None
    if p.OUT_MODE == OutMode.THRESHOLD:
        # the unit emits acc - T >= 0 (no comparator): thresholds clamped, ACC_BITS holding acc - T; with integer
        # input the unit sums lanes in ones' complement, and each bias holds its 0 weight bits back
        th = threshold_fit(nxt.params["thresholds"], acc.lo, acc.hi)[0]
        offsets = None if p.BINARY_IN else ones_offsets(wbits, p.SIMD)
        return mvtu_param_lines(th, OutMode.THRESHOLD, p.PE, acc_bits=p.ACC_BITS, offsets=offsets)
    return mvtu_param_lines((nxt.params["scale"], nxt.params["offset"]), OutMode.AFFINE, p.PE, aff_bits=p.AFF_BITS)


def lower_mvtu(b: HwBuilder, stage: Stage, cur: Stream, folding: Folding, params: MvtuParams) -> Stream:
    """The planned bnnc_mvtu (``params``) of a matrix node and the threshold or affine it absorbs, fed ``cur``: its
    ROMs' memory plans and images (built when written) and its output stream."""
    node, nxt = stage.head, stage.consumer
    assert (params.IN_BITS, params.IN_SIGNED) == (cur.elem_bits, int(cur.signed)), (params, cur)
    pe, simd, mode = params.PE, params.SIMD, OutMode(params.OUT_MODE)
    wbits = to_bits(node.params["weight"].reshape(node.params["weight"].shape[0], -1))
    # Each ROM is built as the target's memory plan says (block RAM or logic, by its depth x width),
    # or in block RAM where a rate-driven folding under a block budget chose so (choose_folding).
    if node.attrs.get("weight_rom") == "block":
        wplan = block_plan(folding.rom_words, pe * simd, b.target)
    else:
        wplan = b.plan_rom(folding.rom_words, pe * simd)
    params = replace(params, ROM_STYLE=wplan.rom_style)
    roms = {"weights": Rom("WEIGHT_FILE", lambda: mvtu_weight_lines(wbits, pe, simd), wplan)}
    if mode is not OutMode.ACCUMULATOR:
        pplan = b.plan_rom(folding.nf, pe * params.param_lane)
        params = replace(params, PARAM_STYLE=pplan.rom_style)
        roms["params"] = Rom("PARAM_FILE", lambda p=params: _param_lines(stage, p, wbits), pplan)
    # an absorbed op computed after the unit (an affine's forms shift and shared: a bnnc_affine_serial reading the raw
    # accumulators, the stream then tapping the matrix node's own output)
    serial = nxt if stage_output(stage).after else None
    rom_bits = folding.rom_bits + folding.nf * pe * params.param_lane
    out_node = node if serial is not None else stage.out
    out = Stream.of_tensor(node.name, out_node.name, out_node.out, pe, vectors=folding.pixels)
    if mode is not OutMode.THRESHOLD:
        out = Stream(out.name, out.tap, pe, params.OUT_BITS, True, False, out.elems, out.vectors)
    layers = (node.name,) if out_node is node else (node.name, out_node.name)
    out = b.add(Module(node.name, params, cur, out, layers=layers, cycles=int(node.attrs["cycles"]),
                       roms=roms, memory={"rom_bits": rom_bits}))
    return OPS[serial.op].lower_after(b, serial, out) if serial is not None else out


@register_op
class Dense(MatrixOp):
    name = "dense"
    doc = "y = W x, W in ±1 (add/subtract of integers)"
    attrs = ("units",)
    spec = DenseSpec
    xnor_form = "xnor_dense"
    absorbs = ("threshold", "affine")
    buffered = True

    def infer(self, node: Node, t: TensorType) -> TensorType:
        w = node.params["weight"]
        if len(t.shape) != 1 or t.shape[0] != w.shape[1]:
            raise OpTypeError(f"dense {node.name} needs a ({w.shape[1]},) input, not {list(t.shape)}")
        if t.dtype.is_float:
            return TensorType((w.shape[0],), DType.float())
        return TensorType((w.shape[0],), DType.int(*matrix_range(w, *int_range(t, node))))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        w = node.params["weight"]
        if x.dtype == np.float64:
            return x @ w.T.astype(np.float64)
        return int_matmul(x, w)

    def build(self, ctx: ImportContext, spec: DenseSpec, t: TensorType) -> Node:
        if not t.dtype.is_bipolar and not reads_integer(ctx, t):
            raise ctx.error(f"the input of dense must be bipolar (add a sign layer before it) or the integer "
                            f"network input, not {t.dtype}", spec.name, "op")
        if len(t.shape) != 1:
            raise ctx.error(f"the input of dense must be a vector (add a flatten layer before it), not shape "
                            f"{list(t.shape)}", spec.name, "op")
        w = ctx.take(spec.name, "weight", (spec.units, t.shape[0]))
        return Node(spec.name, "dense", {"units": spec.units}, {"weight": sign(w)})

    def lower(self, b: HwBuilder, stage: Stage, cur: Stream) -> Stream:
        return lower_mvtu(b, stage, cur, self.folding(stage.head), self.plan(stage, self.folding(stage.head),
                                                                             b.input_type(stage.head), {}, b.target)[-1])


@register_op
class XnorDense(MatrixOp):
    name = "xnor_dense"
    doc = "p = popcount(xnor(x, w)) over bipolar x: the popcount domain, (acc + N) / 2"
    attrs = ("units",)
    user_op = "dense"
    absorbs = ("threshold", "affine")
    buffered = True

    def infer(self, node: Node, t: TensorType) -> TensorType:
        w = node.params["weight"]
        if not t.dtype.is_bipolar or len(t.shape) != 1 or t.shape[0] != w.shape[1]:
            raise OpTypeError(f"xnor_dense {node.name} needs a bipolar ({w.shape[1]},) input, not {t}")
        return TensorType((w.shape[0],), DType.int(0, int(w.shape[1])))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        return xnor_popcount(x, node.params["weight"])

    def execute_fused(self, stage: Stage, x: np.ndarray) -> np.ndarray | None:
        """XNOR-popcount and a plain threshold on one float32 GEMM, for batches big enough to gain from it."""
        th = stage.consumer
        w = stage.head.params["weight"]
        if th is None or th.op != "threshold" or th.params["negate"].any() or x.shape[0] * w.size < GEMM_MIN_WORK:
            return None
        return xnor_threshold_gemm(x, w, th.params["thresholds"])

    def lower(self, b: HwBuilder, stage: Stage, cur: Stream) -> Stream:
        return lower_mvtu(b, stage, cur, self.folding(stage.head), self.plan(stage, self.folding(stage.head),
                                                                             b.input_type(stage.head), {}, b.target)[-1])


