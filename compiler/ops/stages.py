"""The fusion pattern, decided once: a node and the consumer its op absorbs form one stage.

Both the reference executor (which may run a stage with one fused kernel) and
the hardware lowering (one core instance per stage) walk these stages, so the
two can never disagree on what is fused.
"""

from __future__ import annotations

from compiler.ir import Graph

from .base import Stage
from .registry import OPS


def stages(graph: Graph) -> list[Stage]:
    """The graph's nodes grouped into stages, in order (a matrix layer with its threshold or affine)."""
    out: list[Stage] = []
    nodes = graph.nodes
    i = 0
    while i < len(nodes):
        node = nodes[i]
        nxt = nodes[i + 1] if i + 1 < len(nodes) else None
        if nxt is not None and nxt.op in OPS[node.op].absorbs:
            out.append(Stage(node, nxt))
            i += 2
        else:
            out.append(Stage(node))
            i += 1
    return out
