"""The explicit pass registry: every pass is a named function with a one-line rewrite docstring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from compiler.ir import Graph
from compiler.limits import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class PassContext:
    """What passes may need beyond the graph: calibration data and its bounds.

    ``calibration`` is a batch of network inputs used where a pass must measure
    (the fixed-point width of the final scores); None means the pass makes its
    own seeded random inputs, at most ``max_bytes`` of them (``--max-bytes``).
    """

    calibration: np.ndarray | None = None
    seed: int = 0
    max_bytes: int = DEFAULT_MAX_BYTES


PassFn = Callable[[Graph, PassContext], Graph]


@dataclass(frozen=True)
class Pass:
    """A registered pass: its name, its function and the rewrite it performs (one line)."""

    name: str
    fn: PassFn
    rewrite: str

    def __call__(self, graph: Graph, ctx: PassContext) -> Graph:
        return self.fn(graph, ctx)


REGISTRY: dict[str, Pass] = {}


def register(name: str) -> Callable[[PassFn], PassFn]:
    """Register ``fn`` as pass ``name``; its docstring's first line states the rewrite."""

    def deco(fn: PassFn) -> PassFn:
        assert name not in REGISTRY, name
        doc = (fn.__doc__ or "").strip().splitlines()
        assert doc and doc[0], f"pass {name} needs a one-line docstring stating its rewrite"
        REGISTRY[name] = Pass(name, fn, doc[0])
        return fn

    return deco
