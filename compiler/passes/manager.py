"""The pass manager: runs passes in order, verifies after each, and dumps the IR on request."""

from __future__ import annotations

from typing import Callable, Iterable

from compiler.ir import Graph, dump
from compiler.ops import verify

from .registry import REGISTRY, PassContext

# The lowering pipeline from an imported float graph to the folded integer graph.
PIPELINE: tuple[str, ...] = (
    "infer_types",
    "fold_threshold",
    "pool_past_threshold",
    "maxpool_to_or",
    "absorb_negation",
    "quantize_scores",
    "lower_xnor_popcount",
    "choose_folding",
    "lean_scores",
)


class PassManager:
    """Owns pass ordering, verification after every pass and ``--dump-after``."""

    def __init__(self, passes: Iterable[str] = PIPELINE, dump_after: Iterable[str] = (),
                 dump_fn: Callable[[str, str], None] | None = None) -> None:
        self.passes = tuple(passes)
        unknown = [p for p in (*self.passes, *dump_after) if p not in REGISTRY]
        if unknown:
            raise KeyError(f"pass must be one of {', '.join(REGISTRY)}, not {unknown[0]!r}")
        self.dump_after = set(dump_after)
        self.dump_fn = dump_fn or (lambda name, text: print(f"// after {name}\n{text}", end=""))

    def run(self, graph: Graph, ctx: PassContext | None = None) -> Graph:
        ctx = ctx or PassContext()
        verify(graph)
        for name in self.passes:
            graph = REGISTRY[name](graph, ctx)
            verify(graph)
            if name in self.dump_after:
                self.dump_fn(name, dump(graph))
        return graph


def lower(graph: Graph, ctx: PassContext | None = None, **kwargs: object) -> Graph:
    """Run the whole pipeline and mark the result as the ``folded`` stage."""
    out = PassManager(**kwargs).run(graph, ctx)  # type: ignore[arg-type]
    folded = out.with_nodes(out.nodes, stage="folded")
    verify(folded)
    return folded
