"""``affine``: (scale[c]*x + offset[c]) >> shift on integers (fixed point with ``frac_bits`` fraction bits).

Created by ``quantize_scores`` (the final batchnorm) and ``lower_xnor_popcount``
(x = 2p − N); ``lean_scores`` picks its hardware form (attr ``form``, see
compiler/passes/scores.py). ``shift`` (default 0) drops low score bits that the
argmax does not need: an arithmetic shift, i.e. floor division by 2**shift. In
hardware it exists only absorbed into the bnnc_mvtu before it (OUT_MODE 2,
``parallel``) or as the bnnc_affine_serial after it (``shared``, ``shift``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compiler.bits import bits_for_range
from compiler.cores.affine_serial import AffineSerialParams, affine_serial_lines
from compiler.cores.mvtu import MvtuOutput, OutMode, signed_bits
from compiler.hw.graph import Module, Rom
from compiler.hw.stream import Stream
from compiler.ir import DType, Node, TensorType

from .base import NoRTL, OpDef, PlanContext, check_channels, int_range
from .registry import register_op

# Hardware forms of a final affine (attr "form"), named in the manifest's "affine" field.
FORMS = ("none", "shift", "shared", "parallel")


def signed_width(values: np.ndarray) -> int:
    """The narrowest two's-complement width (>= 2) holding every value and 0."""
    v = np.asarray(values, dtype=np.int64)
    return max(2, bits_for_range(min(int(v.min()), -1), max(int(v.max()), 0))[0])


def affine_widths(node: Node) -> dict[str, int]:
    """Scale, offset and score widths of an affine node (two's complement, each the narrowest that holds it)."""
    o = node.out.dtype
    assert o.lo is not None and o.hi is not None
    return {"scale_bits": signed_width(node.params["scale"]), "offset_bits": signed_width(node.params["offset"]),
            "score_bits": max(2, bits_for_range(min(o.lo, -1), max(o.hi, 0))[0])}


def affine_serial_unit(node: Node, cur: Stream) -> Module:
    """A bnnc_affine_serial computing ``node`` (form shift or shared) from the matrix unit's accumulators ``cur``.

    One score per beat, in class order; the unit spends one cycle per score, N per vector.
    """
    form = node.attrs["form"]
    assert form in ("shift", "shared"), form
    a, c = node.params["scale"], node.params["offset"]
    w = affine_widths(node)
    mode = 0 if form == "shift" else 1
    a_bits, b_bits = w["scale_bits"], w["offset_bits"]
    params = AffineSerialParams(N=cur.elems, LANES=cur.lanes, ACC_BITS=cur.elem_bits, MODE=mode, A_BITS=a_bits,
                                A_SHIFT=int(a[0]).bit_length() - 1 if mode == 0 else 0, B_BITS=b_bits,
                                SHIFT=int(node.attrs.get("shift", 0)), OUT_BITS=w["score_bits"])
    out = Stream(node.name, node.name, 1, w["score_bits"], True, False, cur.elems, cur.vectors)
    rom = Rom("PARAM_FILE", lambda: affine_serial_lines(a if mode == 1 else None, c, a_bits, b_bits))
    return Module(node.name, params, cur, out, layers=(node.name,), cycles=cur.elems * cur.vectors,
                  roms={"params": rom}, memory={"rom_bits": len(c) * params.rom_width})


@register_op
class Affine(OpDef):
    name = "affine"
    doc = "(scale[c]*x + offset[c]) >> shift, integers (fixed point with frac_bits)"
    attrs = ("frac_bits",)
    params = ("scale", "offset")
    user_op = "batchnorm"
    rtl = NoRTL("an affine has RTL only inside the matrix layer before it (bnnc_mvtu's AFFINE output mode)")

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((3,), DType.int(0, 15)),
                Node("a", "affine", {"frac_bits": 2}, {"scale": np.array([3, -1, 0]), "offset": np.array([-5, 0, 9])}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        lo, hi = int_range(t, node)
        check_channels(node, t, "scale", "offset")
        a = node.params["scale"].astype(object)
        b = node.params["offset"].astype(object)
        s = int(node.attrs.get("shift", 0))
        # floor(v / 2**s) is monotone, so the extremes stay at the ends of the input range
        ends = [(a * lo + b) >> s, (a * hi + b) >> s]
        return TensorType(t.shape, DType.int(int(min(e.min() for e in ends)), int(max(e.max() for e in ends))))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        full = node.params["scale"].astype(np.int64) * x.astype(np.int64) + node.params["offset"].astype(np.int64)
        return full >> int(node.attrs.get("shift", 0))

    def in_popcount_domain(self, node: Node, n: int) -> Node | None:
        """A, B → 2A, B − AN."""
        a, b = node.params["scale"].astype(np.int64), node.params["offset"].astype(np.int64)
        return node.replace(params={"scale": 2 * a, "offset": b - a * n})

    def plan_after(self, node: Node, cur: Stream, ctx: PlanContext) -> list[Module]:
        """The bnnc_affine_serial computing ``node`` (forms shift, shared) from the matrix unit's accumulators."""
        return [affine_serial_unit(node, cur)]

    def mvtu_output(self, node: Node, acc: DType) -> MvtuOutput:
        """AFFINE, A*acc + B per neuron in the unit (form parallel, the default until lean_scores picks a form);
        raw accumulators for the other forms, whose affine is computed after the unit (or nowhere: none)."""
        assert acc.lo is not None and acc.hi is not None
        form = node.attrs.get("form", "parallel")
        if form != "parallel":  # shift / shared: a bnnc_affine_serial after the unit (plan_after); none: nothing
            return MvtuOutput.accumulator(acc.lo, acc.hi, after=form != "none")
        a, c = node.params["scale"], node.params["offset"]
        o = node.out.dtype
        assert o.lo is not None and o.hi is not None
        aff_bits = max(signed_bits(int(a.min()), int(a.max())), signed_bits(int(c.min()), int(c.max())))
        return MvtuOutput(OutMode.AFFINE, signed_bits(acc.lo, acc.hi), signed_bits(o.lo, o.hi), aff_bits)

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        row: dict[str, Any] = {"frac_bits": node.attrs["frac_bits"]}
        if "form" in node.attrs:
            row.update(affine=node.attrs["form"], shift=int(node.attrs.get("shift", 0)), **affine_widths(node))
        return row
