"""Type inference over a whole graph (shapes and exact integer ranges)."""

from __future__ import annotations

from .graph import Graph
from .ops import infer


def infer_types(graph: Graph) -> Graph:
    """Return ``graph`` with every node's output type (re)computed from the input type."""
    nodes = []
    t = graph.input
    for node in graph.nodes:
        t = infer(node, t)
        nodes.append(node.replace(type=t))
    return graph.with_nodes(nodes)
