"""Optimization passes over the IR, in an explicit registry run by the pass manager."""

from . import registered as _registered  # noqa: F401  (registers every pass)
from .manager import PIPELINE, PassManager, lower
from .registry import REGISTRY, Pass, PassContext, register

__all__ = ["PIPELINE", "PassManager", "lower", "REGISTRY", "Pass", "PassContext", "register"]
