"""Max-pooling rewrites: pools move past thresholds, and become OR pools on bits or max pools on integer codes."""

from __future__ import annotations

import numpy as np

from compiler.ir import Graph, Node
from compiler.ops import infer_types

from .registry import PassContext, register

# A compare op a max-pool before it moves past (it is monotone per channel), and the pool it then becomes: its op and
# its mask parameter (set where the compare is negated, so the moved pool takes the min).
_MOVED_POOL: dict[str, tuple[str, str]] = {"threshold": ("bitpool", "and_mask"), "multithreshold": ("codepool", "min_mask")}


@register("pool_past_threshold")
def pool_past_threshold(graph: Graph, ctx: PassContext) -> Graph:
    """T(maxpool(x)) → pool(T(x)): bitpool after a threshold, codepool after a multithreshold; min where negated."""
    nodes: list[Node] = []
    for node in graph.nodes:
        if node.op in _MOVED_POOL and nodes and nodes[-1].op == "maxpool2d":
            # a chain of pools (pool -> pool -> threshold) moves whole: each becomes a bit or code pool
            pool_op, mask = _MOVED_POOL[node.op]
            pools: list[Node] = []
            while nodes and nodes[-1].op == "maxpool2d":
                pools.insert(0, nodes.pop())
            nodes.append(Node(graph.unique_name(f"{node.name}_pre"), node.op, dict(node.attrs), dict(node.params)))
            for k, prev in enumerate(pools):
                name = node.name if k == len(pools) - 1 else prev.name
                nodes.append(Node(name, pool_op, dict(prev.attrs), {mask: node.params["negate"]}))
            continue
        nodes.append(node)
    return infer_types(graph.with_nodes(nodes))


@register("maxpool_to_or")
def maxpool_to_or(graph: Graph, ctx: PassContext) -> Graph:
    """maxpool(bipolar x) → bitpool (OR over the window's bits); maxpool(integer x) → codepool (max of the codes)."""
    nodes: list[Node] = []
    for i, node in enumerate(graph.nodes):
        t = graph.input_type(i)
        if node.op == "maxpool2d" and t.dtype.is_bipolar:
            node = Node(node.name, "bitpool", dict(node.attrs), {"and_mask": np.zeros(t.channels, dtype=bool)})
        elif node.op == "maxpool2d" and t.dtype.is_int:
            node = Node(node.name, "codepool", dict(node.attrs), {"min_mask": np.zeros(t.channels, dtype=bool)})
        nodes.append(node)
    return infer_types(graph.with_nodes(nodes))
