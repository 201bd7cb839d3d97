"""The hardware graph model: streams, core instances, the builder ops lower into, and bnnc_mvtu's ROM layout.

The lowering that fills it from a folded IR graph is :mod:`compiler.lower`.
"""

from .graph import Bits, HwGraph, Module, Rom
from .stream import Stream

__all__ = ["Bits", "HwGraph", "Module", "Rom", "Stream"]
