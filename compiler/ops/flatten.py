"""``flatten``: (H, W, C) -> (H*W*C) in channel-last order (element index ``(h*W + w)*C + c``).

Free in hardware: streams already carry elements in channel-last order.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from compiler.hw.builder import connect
from compiler.hw.graph import Module
from compiler.hw.stream import Stream
from compiler.ir import DType, Node, TensorType

from .base import ImportContext, LayerSpec, OpDef, PlanContext, Stage
from .registry import register_op


class FlattenSpec(LayerSpec):
    """(H, W, C) -> (H*W*C) in channel-last order."""

    op: Literal["flatten"]


@register_op
class Flatten(OpDef):
    name = "flatten"
    doc = "(H, W, C) -> (H*W*C), channel-last order"
    spec = FlattenSpec
    lane_transparent = True
    passes_through = True

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((2, 2, 3), DType.bipolar()), Node("f", "flatten"))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        return TensorType((t.size,), t.dtype)

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[0], -1)

    def build(self, ctx: ImportContext, spec: FlattenSpec, t: TensorType) -> Node:
        return Node(spec.name, "flatten")

    def plan(self, stage: Stage, cur: Stream, ctx: PlanContext) -> list[Module]:
        """Nothing, unless pixel vectors carry padding lanes: then a width converter to lanes that divide C.

        The lanes are the fewest that divide C and are no fewer than the stream's, so the
        converter never needs more beats than its producer (it cannot slow the pipeline).
        """
        if cur.vectors > 1 and cur.elems % cur.lanes:
            return connect(cur, min(d for d in range(cur.lanes, cur.elems + 1) if cur.elems % d == 0))
        return []
