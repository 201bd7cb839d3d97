"""Max-pooling rewrites: pools on bipolar values become OR pools, and move past thresholds."""

from __future__ import annotations

import numpy as np

from compiler.ir import Graph, Node
from compiler.ops import infer_types

from .registry import PassContext, register


@register("pool_past_threshold")
def pool_past_threshold(graph: Graph, ctx: PassContext) -> Graph:
    """T(maxpool(x)) → bitpool(T(x)): OR of the thresholded bits, AND in channels whose compare is negated."""
    nodes: list[Node] = []
    for node in graph.nodes:
        if node.op == "threshold" and nodes and nodes[-1].op == "maxpool2d":
            # a chain of pools (pool -> pool -> threshold) moves whole: each becomes a bit pool
            pools: list[Node] = []
            while nodes and nodes[-1].op == "maxpool2d":
                pools.insert(0, nodes.pop())
            nodes.append(Node(graph.unique_name(f"{node.name}_pre"), "threshold", {}, dict(node.params)))
            for k, prev in enumerate(pools):
                name = node.name if k == len(pools) - 1 else prev.name
                nodes.append(Node(name, "bitpool", dict(prev.attrs), {"and_mask": node.params["negate"]}))
            continue
        nodes.append(node)
    return infer_types(graph.with_nodes(nodes))


@register("maxpool_to_or")
def maxpool_to_or(graph: Graph, ctx: PassContext) -> Graph:
    """maxpool(bipolar x) → OR over the window's bits."""
    nodes: list[Node] = []
    for i, node in enumerate(graph.nodes):
        t = graph.input_type(i)
        if node.op == "maxpool2d" and t.dtype.is_bipolar:
            node = Node(node.name, "bitpool", dict(node.attrs), {"and_mask": np.zeros(t.channels, dtype=bool)})
        nodes.append(node)
    return infer_types(graph.with_nodes(nodes))
