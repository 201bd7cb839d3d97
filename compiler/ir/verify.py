"""The IR verifier: structural invariants checked after every pass."""

from __future__ import annotations

import re

import numpy as np

from .graph import Graph
from .ops import OPS, OpTypeError, infer

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Ops that may not remain once a graph claims to be integer-only.
_FLOAT_OPS = {"batchnorm", "sign"}


class VerifyError(Exception):
    """The graph breaks an IR invariant: a bug in a pass (or a hand-built graph), not a user error."""


def verify(graph: Graph) -> None:
    """Check names, op signatures, parameter encodings and stored types; raise VerifyError on the first fault."""
    seen: set[str] = set()
    t = graph.input
    for node in graph.nodes:
        where = f"node {node.name} ({node.op})"
        if not _IDENT.match(node.name) or node.name in seen or node.name == "input":
            raise VerifyError(f"{where}: name must be a unique identifier other than 'input'")
        seen.add(node.name)
        spec = OPS.get(node.op)
        if spec is None:
            raise VerifyError(f"{where}: unknown op")
        missing = set(spec.params) - set(node.params)
        if missing:
            raise VerifyError(f"{where}: missing params {sorted(missing)}")
        if set(node.params) - set(spec.params):
            raise VerifyError(f"{where}: unexpected params {sorted(set(node.params) - set(spec.params))}")
        absent = [a for a in spec.attrs if a not in node.attrs]
        if absent:
            raise VerifyError(f"{where}: missing attrs {absent}")
        if "weight" in node.params:
            w = node.params["weight"]
            if w.dtype != np.int8 or not np.all(np.abs(w) == 1):
                raise VerifyError(f"{where}: weight must be an int8 array of ±1")
        for name, arr in node.params.items():
            if arr.flags.writeable:
                raise VerifyError(f"{where}: param {name} is writeable; IR arrays must be frozen")
        try:
            expect = infer(node, t)
        except OpTypeError as e:
            raise VerifyError(f"{where}: {e}") from None
        if node.type != expect:
            raise VerifyError(f"{where}: stored type {node.type} differs from inferred {expect}")
        if graph.stage != "float" and (node.op in _FLOAT_OPS or expect.dtype.is_float):
            raise VerifyError(f"{where}: stage {graph.stage} must be integer-only")
        t = expect
