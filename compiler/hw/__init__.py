"""Hardware lowering: from the folded IR to a graph of streaming core instances."""

from .graph import HwGraph, Module, Stream
from .lower import lower_to_hw

__all__ = ["HwGraph", "Module", "Stream", "lower_to_hw"]
