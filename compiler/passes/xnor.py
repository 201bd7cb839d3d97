"""Bipolar matrix layers → XNOR-popcount, with their consumers moved into the popcount domain."""

from __future__ import annotations

import numpy as np

from compiler.ir import Graph, Node
from compiler.ops import OPS, MatrixOp, infer_types
from compiler.ops.matrix import weight_bits

from .registry import PassContext, register

@register("lower_xnor_popcount")
def lower_xnor_popcount(graph: Graph, ctx: PassContext) -> Graph:
    """W·x (x bipolar, W ±1) → p = popcount(xnor(w, x)), x = 2p − N: thresholds T → ⌈(T+N)/2⌉, affines A,B → 2A, B−AN."""
    nodes: list[Node] = []
    src = list(graph.nodes)
    i = 0
    while i < len(src):
        node = src[i]
        in_type = graph.input_type(i)
        d = OPS[node.op]
        # few-bit weights on bipolar lanes stay a plain sum (x ? w : −w in the unit): XNOR is for ±1 weights only
        if not isinstance(d, MatrixOp) or d.xnor_form is None or not in_type.dtype.is_bipolar \
                or weight_bits(node) != 1:
            nodes.append(node)
            i += 1
            continue
        n = d.dims(node)[1]
        nodes.append(Node(node.name, d.xnor_form, dict(node.attrs), dict(node.params)))
        nxt = src[i + 1] if i + 1 < len(src) else None
        moved = OPS[nxt.op].in_popcount_domain(nxt, n) if nxt is not None else None  # the consumer's own rule
        if moved is not None:
            nodes.append(moved)
            i += 2
        else:
            # Any other consumer sees the accumulator again through x = 2p − N.
            c = node.out.channels
            nodes.append(Node(graph.unique_name(f"{node.name}_acc"), "affine", {"frac_bits": 0},
                              {"scale": np.full(c, 2, dtype=np.int64), "offset": np.full(c, -n, dtype=np.int64)}))
            i += 1
    return infer_types(graph.with_nodes(nodes))
