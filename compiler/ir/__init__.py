"""The layer-graph IR: immutable nodes and graphs, tensor types, and the stable text form.

The op definitions that give nodes meaning (type rules, semantics, lowering) and
the verifier live one floor up, in :mod:`compiler.ops`.
"""

from .graph import Graph, Node, ScoreReport
from .text import dump
from .types import DType, TensorType

__all__ = ["DType", "Graph", "Node", "ScoreReport", "TensorType", "dump"]
