"""Type inference and the IR verifier, both driven by the op registry."""

from __future__ import annotations

import re

from compiler.ir import Graph, Node, TensorType

from .base import OpTypeError
from .registry import op_def
from .matrix import check_weight_bits

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

class VerifyError(Exception):
    """The graph breaks an IR invariant: a bug in a pass (or a hand-built graph), not a user error."""

def infer(node: Node, t: TensorType) -> TensorType:
    """Output type of ``node`` given its input type."""
    try:
        d = op_def(node.op)
    except OpTypeError:
        raise OpTypeError(f"unknown op {node.op!r} in node {node.name}") from None
    return d.infer(node, t)

def infer_types(graph: Graph) -> Graph:
    """Return ``graph`` with every node's output type (re)computed from the input type."""
    nodes = []
    t = graph.input
    for node in graph.nodes:
        t = infer(node, t)
        nodes.append(node.replace(type=t))
    return graph.with_nodes(nodes)

def verify(graph: Graph) -> None:
    """Check names, op signatures, parameter encodings and stored types; raise VerifyError on the first fault."""
    seen: set[str] = set()
    t = graph.input
    for node in graph.nodes:
        where = f"node {node.name} ({node.op})"
        if not _IDENT.match(node.name) or node.name in seen or node.name == "input":
            raise VerifyError(f"{where}: name must be a unique identifier other than 'input'")
        seen.add(node.name)
        try:
            d = op_def(node.op)
        except OpTypeError:
            raise VerifyError(f"{where}: unknown op") from None
        missing = set(d.params) - set(node.params)
        if missing:
            raise VerifyError(f"{where}: missing params {sorted(missing)}")
        if set(node.params) - set(d.params):
            raise VerifyError(f"{where}: unexpected params {sorted(set(node.params) - set(d.params))}")
        absent = [a for a in d.attrs if a not in node.attrs]
        if absent:
            raise VerifyError(f"{where}: missing attrs {absent}")
        if d.matrix:
            why = check_weight_bits(node)  # ±1, or few-bit codes within the narrow range of weight_bits
            if why is not None:
                raise VerifyError(f"{where}: {why}")
        for name, arr in node.params.items():
            if arr.flags.writeable:
                raise VerifyError(f"{where}: param {name} is writeable; IR arrays must be frozen")
        try:
            expect = d.infer(node, t)
        except OpTypeError as e:
            raise VerifyError(f"{where}: {e}") from None
        if node.type != expect:
            raise VerifyError(f"{where}: stored type {node.type} differs from inferred {expect}")
        if graph.stage != "float" and (d.float_only or expect.dtype.is_float):
            raise VerifyError(f"{where}: stage {graph.stage} must be integer-only")
        t = expect
