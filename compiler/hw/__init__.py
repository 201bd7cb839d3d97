"""The hardware graph model: streams, core instances (typed by compiler/cores) and the builder ops lower into.

The lowering that fills it from a folded IR graph is :mod:`compiler.lower`.
"""

from .graph import HwGraph, Module, Rom
from .stream import Stream

__all__ = ["HwGraph", "Module", "Rom", "Stream"]
