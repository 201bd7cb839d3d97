"""``threshold``: +1 if (negate ? -x : x) >= T[c] else -1, on integers, per channel.

Created by ``fold_threshold``. After a matrix layer it is absorbed into that
layer's bnnc_mvtu (its output stage compares); on the network input it is a
``bnnc_threshold`` lane-wise binarizer, which holds one threshold for all lanes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compiler.hw.builder import HwBuilder
from compiler.hw.graph import Module
from compiler.hw.stream import Stream
from compiler.ir import DType, Node, TensorType

from .base import OpDef, Stage, check_channels, int_range
from .registry import register_op


@register_op
class Threshold(OpDef):
    name = "threshold"
    doc = "+1 if (negate ? -x : x) >= T[c] else -1, integers per channel"
    params = ("thresholds", "negate")
    user_op = "sign"
    lane_transparent = True

    def infer(self, node: Node, t: TensorType) -> TensorType:
        int_range(t, node)
        check_channels(node, t, "thresholds", "negate")
        return TensorType(t.shape, DType.bipolar())

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        neg = node.params["negate"]
        xx = np.where(neg, -x.astype(np.int64), x) if neg.any() else x
        return np.where(xx >= node.params["thresholds"], np.int8(1), np.int8(-1))

    def lower(self, b: HwBuilder, stage: Stage, cur: Stream) -> Stream:
        node = stage.head
        th, neg = node.params["thresholds"], node.params["negate"]
        if not (np.all(th == th[0]) and np.all(neg == neg[0])):
            raise b.error(node, "an input threshold must be the same for every element in RTL "
                                "(one bnnc_threshold), not vary per channel")
        out = Stream.of_tensor(node.name, node.name, node.out, cur.lanes)
        return b.add(Module(node.name, "bnnc_threshold",
                            {"LANES": cur.lanes, "IN_BITS": cur.elem_bits, "IN_SIGNED": int(cur.signed),
                             "THRESHOLD": int(th[0]), "NEGATE": int(neg[0])}, cur, out,
                            layers=(node.name,), cycles=cur.beats_per_image))

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        return {"threshold_bits": t_in.dtype.bits}
