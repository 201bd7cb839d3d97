"""Static checks of a folded network that are worth a warning: things that are legal but probably wrong."""

from __future__ import annotations

import numpy as np

from compiler.ir import Graph


def constant_output(folded: Graph) -> str | None:
    """Why the network's output provably never depends on its input, or None.

    A threshold layer whose every channel compares against a value its input can
    never reach (or always reaches) emits one fixed vector, and so does everything
    after it.

    >>> from compiler.ir import DType, Node, TensorType
    >>> from compiler.ops import infer_types
    >>> t = Node("t", "threshold", {}, {"thresholds": np.array([300, 0]), "negate": np.array([False, False])})
    >>> constant_output(infer_types(Graph("g", TensorType((2,), DType.int(0, 255)), (t,))))
    'layer t: every channel compares against a value its input range [0, 255] never or always reaches'
    """
    for i, node in enumerate(folded.nodes):
        if node.op != "threshold":
            continue
        dt = folded.input_type(i).dtype
        assert dt.lo is not None and dt.hi is not None
        th = node.params["thresholds"].astype(object)
        neg = node.params["negate"]
        # the compared value lies in [lo, hi], or [-hi, -lo] where the compare is negated
        lo = np.where(neg, -dt.hi, dt.lo)
        hi = np.where(neg, -dt.lo, dt.hi)
        if np.all((th <= lo) | (th > hi)):
            return (f"layer {node.name}: every channel compares against a value its input range "
                    f"[{dt.lo}, {dt.hi}] never or always reaches")
    return None
