"""Code generation: the output folder of ``bnnc compile``."""

from .writer import write_output

__all__ = ["write_output"]
