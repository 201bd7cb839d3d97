"""The stable text form of the IR (``--dump-ir``, ``--dump-after``), used for golden tests."""

from __future__ import annotations

import hashlib

import numpy as np

from .graph import Graph, Node


def _fmt_value(v: object) -> str:
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, tuple):
        return "[" + ",".join(_fmt_value(x) for x in v) + "]"
    return str(v)


def _fmt_array(a: np.ndarray) -> str:
    """Arrays of up to 8 elements in full, larger ones as dtype, shape and a content hash."""
    if a.size <= 8:
        vals = a.tolist()
        return f"{a.dtype}{list(a.shape)}={vals}"
    digest = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:12]
    return f"{a.dtype}{list(a.shape)}#{digest}"


def format_node(node: Node, src: str) -> str:
    attrs = ", ".join(f"{k}={_fmt_value(v)}" for k, v in sorted(node.attrs.items()))
    params = " ".join(f"{k}={_fmt_array(v)}" for k, v in sorted(node.params.items()))
    body = f"%{node.name} = {node.op}(%{src})"
    if attrs:
        body += " {" + attrs + "}"
    if params:
        body += " " + params
    return f"{body} : {node.type}"


def dump(graph: Graph) -> str:
    """Deterministic text of a graph: one line per node, arrays summarized by hash."""
    lines = [f"graph {graph.name} stage={graph.stage} output={graph.output}", f"  %input : {graph.input}"]
    src = "input"
    for node in graph.nodes:
        lines.append("  " + format_node(node, src))
        src = node.name
    return "\n".join(lines) + "\n"
