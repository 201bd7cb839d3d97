"""The ops: one definition per op (attributes, net.yaml schema, type rule, numpy semantics, hardware plan).

Importing this package registers every op in :data:`OPS`. To add an op, add a
module here and import it below (see docs/architecture.md).
"""

# Registration order is the order net.yaml's ops are listed in messages and docs.
from . import dense, conv, pool, batchnorm, sign, quant, flatten, threshold, affine, argmax  # noqa: F401,I001
from .base import ImportContext, LayerSpec, NoRTL, OpDef, OpTypeError, PlanContext, Stage
from .matrix import MatrixOp
from .registry import OPS, matrix_ops, op_def
from .stages import stages
from .verify import VerifyError, infer, infer_types, verify

__all__ = ["OPS", "ImportContext", "LayerSpec", "MatrixOp", "NoRTL", "OpDef", "OpTypeError", "PlanContext", "Stage",
           "VerifyError", "infer", "infer_types", "matrix_ops", "op_def", "stages", "verify"]
