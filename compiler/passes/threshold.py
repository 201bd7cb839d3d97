"""An activation (with the batchnorm before it, or bare on integers) → its op's integer form: sign → a threshold."""

from __future__ import annotations

from compiler.ir import Graph, Node
from compiler.ops import OPS, infer_types

from .registry import PassContext, register


@register("fold_threshold")
def fold_threshold(graph: Graph, ctx: PassContext) -> Graph:
    """act(γ(x−μ)/σ+β) and act(x) on integers → the activation op's integer node (sign: x ≥ ⌈μ−βσ/γ⌉, negated where γ<0)."""
    nodes: list[Node] = []
    for node in graph.nodes:
        prev = nodes[-1] if nodes else None
        bn = prev if prev is not None and prev.op == "batchnorm" else None
        if bn is not None:
            src = graph.input if len(nodes) == 1 else nodes[-2].out
        else:
            src = graph.input if not nodes else nodes[-1].out
        # the activation's own rule (OpDef.fold_activation) decides; a float source stays float (the model's input)
        folded = OPS[node.op].fold_activation(node, bn, src) if src.dtype.is_integral else None
        if folded is None:
            nodes.append(node)
        elif bn is not None:
            nodes[-1] = folded
        else:
            nodes.append(folded)
    return infer_types(graph.with_nodes(nodes))
