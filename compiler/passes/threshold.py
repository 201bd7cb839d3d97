"""An activation (with the batchnorm and float scale before it, or bare on integers) → its op's integer form:
sign → a threshold, quant → a multithreshold."""

from __future__ import annotations

from compiler.ir import Graph, Node
from compiler.ops import OPS, infer_types

from .registry import PassContext, register


@register("fold_threshold")
def fold_threshold(graph: Graph, ctx: PassContext) -> Graph:
    """act(γ(s·x−μ)/σ+β) and act(x) on integers → the activation op's integer node (sign: x ≥ T, quant: a multithreshold)."""
    nodes: list[Node] = []
    for node in graph.nodes:
        # the float chain before the activation: [scale] [batchnorm], read back from what is kept so far
        k = len(nodes)
        bn = nodes[k - 1] if k >= 1 and nodes[k - 1].op == "batchnorm" else None
        j = k - (bn is not None)
        scale = nodes[j - 1] if j >= 1 and nodes[j - 1].op == "scale" else None
        start = j - (scale is not None)
        src = graph.input if start == 0 else nodes[start - 1].out
        # the activation's own rule (OpDef.fold_activation) decides; a float source stays float (the model's input)
        folded = OPS[node.op].fold_activation(node, bn, src, scale) if src.dtype.is_integral else None
        if folded is None:
            nodes.append(node)
        else:
            del nodes[start:]
            nodes.append(folded)
    return infer_types(graph.with_nodes(nodes))
