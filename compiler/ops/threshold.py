"""``threshold``: +1 if (negate ? -x : x) >= T[c] else -1, on integers, per channel.

Created by ``fold_threshold``. After a matrix layer it is absorbed into that
layer's bnnc_mvtu (its output stage compares); on the network input it is a
lane-wise binarizer: ``bnnc_threshold`` when every channel has the same compare,
``bnnc_threshold_rom`` (a threshold per element position) when they differ.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compiler.arith import ceil_div

from compiler.cores.threshold import ThresholdParams
from compiler.cores.mvtu import MvtuOutput, OutMode, threshold_fit
from compiler.cores.rom import plan_rom
from compiler.cores.threshold_rom import ThresholdRomParams, threshold_rom_lines, threshold_rom_width
from compiler.hw.graph import Module, Rom
from compiler.hw.stream import Stream
from compiler.ir import DType, Node, TensorType

from .base import OpDef, PlanContext, Stage, check_channels, int_range
from .registry import register_op


@register_op
class Threshold(OpDef):
    name = "threshold"
    doc = "+1 if (negate ? -x : x) >= T[c] else -1, integers per channel"
    params = ("thresholds", "negate")
    user_op = "sign"
    lane_transparent = True

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((3,), DType.int(0, 15)),
                Node("t", "threshold", {}, {"thresholds": np.array([8, 8, 8]), "negate": np.array([False, False, False])}))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        int_range(t, node)
        check_channels(node, t, "thresholds", "negate")
        return TensorType(t.shape, DType.bipolar())

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        neg = node.params["negate"]
        xx = np.where(neg, -x.astype(np.int64), x) if neg.any() else x
        return np.where(xx >= node.params["thresholds"], np.int8(1), np.int8(-1))

    def plan(self, stage: Stage, cur: Stream, ctx: PlanContext) -> list[Module]:
        """One compare for every element (bnnc_threshold), else per-element thresholds (bnnc_threshold_rom)."""
        node = stage.head
        th, neg = node.params["thresholds"], node.params["negate"]
        out = Stream.of_tensor(node.name, node.name, node.out, cur.lanes, vectors=cur.vectors)
        common = {"LANES": cur.lanes, "IN_BITS": cur.elem_bits, "IN_SIGNED": int(cur.signed)}
        if np.all(th == th[0]) and np.all(neg == neg[0]):
            return [Module(node.name, ThresholdParams(**common, THRESHOLD=int(th[0]), NEGATE=int(neg[0]), N=cur.elems),
                           cur, out, layers=(node.name,), cycles=cur.beats_per_image)]
        # channel-last: element e of a stream vector is channel e % C
        reps = cur.elems // th.shape[0]
        th_e, neg_e = np.tile(th, reps), np.tile(neg, reps)
        tw = threshold_rom_width(th_e, neg_e)
        depth = ceil_div(cur.elems, cur.lanes)
        # bnnc_threshold_rom reads its ROM in the beat's own cycle: never block RAM (registered read).
        plan = plan_rom(depth, cur.lanes * (tw + 1), ctx.target, sync_read=False)
        return [Module(node.name, ThresholdRomParams(**common, N=cur.elems, TW=tw, ROM_STYLE=plan.rom_style), cur, out,
                       layers=(node.name,), cycles=cur.beats_per_image,
                       roms={"thresholds": Rom("THR_FILE", lambda: threshold_rom_lines(th_e, neg_e, cur.elems,
                                                                                       cur.lanes)[0], plan)},
                       memory={"rom_bits": depth * cur.lanes * (tw + 1)})]

    def in_popcount_domain(self, node: Node, n: int) -> Node | None:
        """T → ⌈(T+N)/2⌉, kept inside [0, N+1]; a negated compare is left as it is."""
        if node.params["negate"].any():
            return None
        t = node.params["thresholds"].astype(np.int64)
        return node.replace(params={**node.params, "thresholds": np.clip(ceil_div(t + n, 2), 0, n + 1)})

    def mvtu_output(self, node: Node, acc: DType) -> MvtuOutput:
        """THRESHOLD: the unit emits acc - T >= 0, ACC_BITS holding acc - T (:func:`threshold_fit`)."""
        assert acc.lo is not None and acc.hi is not None
        return MvtuOutput(OutMode.THRESHOLD, threshold_fit(node.params["thresholds"], acc.lo, acc.hi)[1], 1)

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        return {"threshold_bits": t_in.dtype.bits}
