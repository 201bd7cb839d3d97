"""The numpy reference: executes a bnnc graph at any stage, bit-exact.

Each op's exact semantics is its definition's ``execute`` (:mod:`compiler.ops`);
this module walks the graph's stages (:func:`compiler.ops.stages`, the fusion
pattern the hardware uses too) and, without taps, lets a stage run as one fused
kernel where its op has one. Bipolar tensors are int8 arrays of ±1, integer
tensors int64, float tensors float64.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from compiler.errors import number
from compiler.ir import Graph
from compiler.ops import OPS, stages


def check_input(graph: Graph, x: np.ndarray) -> None:
    """Check a batch against the graph's input type (ValueError, one line), without converting it.

    Values are compared in the array's own dtype (a uint64 maximum is never seen as -1) and
    named exactly (:func:`compiler.errors.number`); inf and NaN are named as such, not as fractions.
    """
    x = np.asarray(x)
    want = graph.input.shape
    if x.shape[1:] != want:
        raise ValueError(f"input must have shape (N, {', '.join(map(str, want))}), not {x.shape}")
    dt = graph.input.dtype
    if dt.is_float or x.size == 0:
        return
    if x.dtype.kind not in "biu":  # floats: finite and whole before anything else is asked of them
        finite = np.isfinite(x)
        if not finite.all():
            bad = x[~finite]
            what = "nan" if np.isnan(bad).any() else number(bad[0])
            raise ValueError(f"input must hold finite numbers for dtype {dt}, not {x.dtype} values such as {what}")
        if not np.all(x == np.round(x)):
            raise ValueError(f"input must hold integers for dtype {dt}, not {x.dtype} values with fractions")
    lo, hi = x.min(), x.max()
    if dt.is_bipolar:
        if not np.all((x == 1) | (x == -1)):
            raise ValueError("bipolar input must hold only -1 and +1")
        return
    assert dt.lo is not None and dt.hi is not None
    # numpy compares a uint64 array with a negative bound exactly; Python ints hold any value
    if int(lo) < dt.lo or int(hi) > dt.hi:
        raise ValueError(f"input values must lie in [{dt.lo}, {dt.hi}] for dtype {dt}, "
                         f"not [{number(lo)}, {number(hi)}]")


def convert_input(graph: Graph, x: np.ndarray) -> np.ndarray:
    """A batch that :func:`check_input` accepted, in the executor's representation (int8 ±1, int64, float64)."""
    dt = graph.input.dtype
    if dt.is_float:
        return np.asarray(x, dtype=np.float64)
    return np.asarray(x).astype(np.int8 if dt.is_bipolar else np.int64)


def prepare_input(graph: Graph, x: np.ndarray) -> np.ndarray:
    """Check a batch against the graph's input type and convert it to the executor's representation."""
    check_input(graph, x)
    return convert_input(graph, x)


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


def execute(graph: Graph, x: np.ndarray, taps: bool = False,
            keep: Collection[str] | None = None) -> np.ndarray | dict[str, np.ndarray]:
    """Run a batch ``x`` of shape (N, *input shape) through ``graph``.

    Returns the last node's output, or with ``taps=True`` a dict of every node's
    output by node name (plus ``"input"``), in graph order; with ``keep`` too, only
    the outputs of the nodes named there (and ``"input"``) are needed. A stage whose
    op has a fused kernel for it (an XNOR layer and its threshold on a big batch)
    runs in one pass where its intermediate is not needed, and that is never stored.
    Big batches run in chunks of images so that the working memory stays near
    :data:`CHUNK_BYTES`.
    """
    check_input(graph, x)
    x = np.asarray(x)
    typed = all(n.type is not None for n in graph.nodes)
    chunk = max(1, CHUNK_BYTES // max(1, bytes_per_image(graph)[0])) if typed else x.shape[0]
    kept = None if keep is None else frozenset(keep)
    if x.shape[0] <= chunk:
        return _execute(graph, convert_input(graph, x), taps, kept)
    # each chunk converted on its own: a uint8 batch is never held whole as int64
    parts = [_execute(graph, convert_input(graph, x[k : k + chunk]), taps, kept)
             for k in range(0, x.shape[0], chunk)]
    if taps:
        # a chunk too small for a fused kernel keeps its intermediate: only what every chunk has is whole
        return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]  # type: ignore[index]
                if all(name in p for p in parts)}
    return np.concatenate(parts)  # type: ignore[arg-type]


def _execute(graph: Graph, cur: np.ndarray, taps: bool,
             keep: frozenset[str] | None = None) -> np.ndarray | dict[str, np.ndarray]:
    """One chunk of an already prepared batch."""
    outs: dict[str, np.ndarray] = {"input": cur}
    for stage in stages(graph):
        needed = taps and (keep is None or stage.head.name in keep)
        fused = None if needed else OPS[stage.head.op].execute_fused(stage, cur)
        if fused is not None:
            cur = fused
            if taps and stage.consumer is not None:
                outs[stage.consumer.name] = cur
            continue
        for node in (stage.head, stage.consumer):
            if node is None:
                continue
            cur = OPS[node.op].execute(node, cur)
            if taps:
                outs[node.name] = cur
    return outs if taps else cur
