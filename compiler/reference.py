"""The numpy reference: executes a bnnc graph at any stage, bit-exact.

Each op's exact semantics is its definition's ``execute`` (:mod:`compiler.ops`);
this module walks the graph's stages (:func:`compiler.ops.stages`, the fusion
pattern the hardware uses too) and, without taps, lets a stage run as one fused
kernel where its op has one. Bipolar tensors are int8 arrays of ±1, integer
tensors int64, float tensors float64.
"""

from __future__ import annotations

import numpy as np

from compiler.ir import Graph
from compiler.ops import OPS, stages


def prepare_input(graph: Graph, x: np.ndarray) -> np.ndarray:
    """Check a batch against the graph's input type and convert it to the executor's representation."""
    x = np.asarray(x)
    want = graph.input.shape
    if x.shape[1:] != want:
        raise ValueError(f"input must have shape (N, {', '.join(map(str, want))}), not {x.shape}")
    dt = graph.input.dtype
    if dt.is_float:
        return x.astype(np.float64)
    if not np.issubdtype(x.dtype, np.integer) and not np.all(np.isfinite(x) & (x == np.round(x))):
        raise ValueError(f"input must hold integers for dtype {dt}, not {x.dtype} values with fractions")
    xi = x.astype(np.int64)
    if dt.is_bipolar:
        if not np.all((xi == 1) | (xi == -1)):
            raise ValueError("bipolar input must hold only -1 and +1")
        return xi.astype(np.int8)
    assert dt.lo is not None and dt.hi is not None
    if xi.size and (xi.min() < dt.lo or xi.max() > dt.hi):
        raise ValueError(f"input values must lie in [{dt.lo}, {dt.hi}] for dtype {dt}, "
                         f"not [{xi.min()}, {xi.max()}]")
    return xi


# Working memory of one executed chunk of images: batches are run in chunks of at most this.
CHUNK_BYTES = 256 << 20


def bytes_per_image(graph: Graph) -> tuple[int, str]:
    """(bytes, layer): the most working memory one image needs in the reference, and the layer needing it."""
    worst, where = 0, "input"
    for i, node in enumerate(graph.nodes):
        b = OPS[node.op].working_bytes(node, graph.input_type(i))
        if b > worst:
            worst, where = b, node.name
    return worst, where


def execute(graph: Graph, x: np.ndarray, taps: bool = False) -> np.ndarray | dict[str, np.ndarray]:
    """Run a batch ``x`` of shape (N, *input shape) through ``graph``.

    Returns the last node's output, or with ``taps=True`` a dict of every node's
    output by node name (plus ``"input"``), in graph order. Without taps, a stage
    whose op has a fused kernel for it (an XNOR layer and its threshold on a big
    batch) runs in one pass and its intermediate is never stored. Big batches run
    in chunks of images so that the working memory stays near :data:`CHUNK_BYTES`.
    """
    x = prepare_input(graph, x)
    typed = all(n.type is not None for n in graph.nodes)
    chunk = max(1, CHUNK_BYTES // max(1, bytes_per_image(graph)[0])) if typed else x.shape[0]
    if x.shape[0] <= chunk:
        return _execute(graph, x, taps)
    parts = [_execute(graph, x[k : k + chunk], taps) for k in range(0, x.shape[0], chunk)]
    if taps:
        return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}  # type: ignore[index]
    return np.concatenate(parts)  # type: ignore[arg-type]


def _execute(graph: Graph, cur: np.ndarray, taps: bool) -> np.ndarray | dict[str, np.ndarray]:
    """One chunk of an already prepared batch."""
    outs: dict[str, np.ndarray] = {"input": cur}
    for stage in stages(graph):
        fused = None if taps else OPS[stage.head.op].execute_fused(stage, cur)
        if fused is not None:
            cur = fused
            continue
        for node in (stage.head, stage.consumer):
            if node is None:
                continue
            cur = OPS[node.op].execute(node, cur)
            if taps:
                outs[node.name] = cur
    return outs if taps else cur
