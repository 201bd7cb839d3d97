"""Shape and dtype/range inference as a pass."""

from __future__ import annotations

from compiler.ir import Graph
from compiler.ops import infer_types

from .registry import PassContext, register


@register("infer_types")
def infer_types_pass(graph: Graph, ctx: PassContext) -> Graph:
    """type(node) := rule(op, type(input)): shapes and exact integer ranges, recomputed for every node."""
    return infer_types(graph)
