"""``argmax``: the index of the largest score, lowest index on ties (``output: argmax``).

Hardware: ``bnnc_argmax`` behind a FIFO, one class index beat per image.
"""

from __future__ import annotations

import numpy as np

from compiler.cores.argmax import ArgmaxParams
from compiler.hw.graph import Module
from compiler.hw.stream import Stream
from compiler.ir import DType, Node, TensorType

from .base import OpDef, OpTypeError, PlanContext, Stage
from .registry import register_op


@register_op
class Argmax(OpDef):
    name = "argmax"
    doc = "index of the largest element, lowest on ties"
    user_op = "output"
    buffered = True

    def example(self) -> tuple[TensorType, Node]:
        return (TensorType((5,), DType.int(-9, 9)), Node("am", "argmax"))

    def infer(self, node: Node, t: TensorType) -> TensorType:
        if len(t.shape) != 1:
            raise OpTypeError(f"argmax {node.name} needs a vector input, not shape {list(t.shape)}")
        return TensorType((1,), DType.int(0, max(0, t.shape[0] - 1)))

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        return np.argmax(x, axis=-1).astype(np.int64)[:, None]

    def plan(self, stage: Stage, cur: Stream, ctx: PlanContext) -> list[Module]:
        """One bnnc_argmax over the scores ``cur`` carries (the folding search prices the same)."""
        node = stage.head
        out = Stream.of_tensor(node.name, node.name, node.out, 1)
        return [Module(node.name, ArgmaxParams(NUM_CLASSES=cur.elems, LANES=cur.lanes, IN_BITS=cur.elem_bits),
                       cur, out, layers=(node.name,), cycles=cur.beats_per_image)]
