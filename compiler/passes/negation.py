"""Move negated threshold and multi-threshold compares into the weight rows of the matrix layer before them."""

from __future__ import annotations

import numpy as np

from compiler.ir import Graph, Node
from compiler.ops import OPS, infer_types

from .registry import PassContext, register


@register("absorb_negation")
def absorb_negation(graph: Graph, ctx: PassContext) -> Graph:
    """(−(W x) ≥ T) → ((−W) x ≥ T), one or many T per row: negate weight rows (±1 or codes) so hardware only compares ≥."""
    nodes: list[Node] = list(graph.nodes)
    for i in range(1, len(nodes)):
        node, prev = nodes[i], nodes[i - 1]
        if node.op not in ("threshold", "multithreshold") or not OPS[prev.op].matrix or not node.params["negate"].any():
            continue
        neg = node.params["negate"]
        w = prev.params["weight"].copy()
        w[neg] = -w[neg]
        nodes[i - 1] = prev.replace(params={**prev.params, "weight": w})
        nodes[i] = node.replace(params={**node.params, "negate": np.zeros_like(neg)})
    return infer_types(graph.with_nodes(nodes))
