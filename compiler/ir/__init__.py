"""The layer-graph IR: immutable typed nodes in a sequential dataflow graph."""

from .graph import Graph, Node
from .infer import infer_types
from .ops import MATRIX_OPS, OPS
from .text import dump
from .types import DType, TensorType
from .verify import VerifyError, verify

__all__ = ["Graph", "Node", "DType", "TensorType", "OPS", "MATRIX_OPS", "infer_types", "verify",
           "VerifyError", "dump"]
