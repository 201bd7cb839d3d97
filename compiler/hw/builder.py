"""The hardware builder: what an op's lowering adds its modules to, and the glue between stages."""

from __future__ import annotations

from compiler.errors import BnncError
from compiler.ir import Graph, Node

from .graph import Module
from .stream import Stream

# Extra FIFO slots beyond one whole vector, so a producer never waits on a consumer
# that is still working through its neuron folds of the previous vector.
FIFO_SLACK = 2


class HwBuilder:
    """Collects the modules of one accelerator in stream order."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.modules: list[Module] = []

    def add(self, module: Module) -> Stream:
        """Append ``module``; return its output stream."""
        self.modules.append(module)
        return module.m_axis

    def error(self, node: Node, msg: str, field: str = "op") -> BnncError:
        """A one-line error about ``node`` of the network being lowered."""
        return BnncError(msg, file=self.graph.source, layer=node.name, field=field)

    def connect(self, out: Stream, lanes: int) -> Stream:
        """Glue from ``out`` to a consumer reading ``lanes`` lanes: a width converter when they differ, then a FIFO."""
        cur = out
        if cur.lanes != lanes:
            conv = Stream(f"{out.name}_dwc", out.tap, lanes, cur.elem_bits, cur.signed, cur.bipolar, cur.elems,
                          cur.vectors)
            cur = self.add(Module(conv.name, "bnnc_width_converter",
                                  {"EW": cur.elem_bits, "IN_LANES": cur.lanes, "OUT_LANES": lanes, "N": cur.elems},
                                  cur, conv, cycles=max(cur.beats_per_image, conv.beats_per_image)))
        fifo = Stream(f"{out.name}_q", cur.tap, cur.lanes, cur.elem_bits, cur.signed, cur.bipolar, cur.elems,
                      cur.vectors)
        depth = max(2, cur.beats_per_vector + FIFO_SLACK)
        return self.add(Module(fifo.name, "bnnc_fifo", {"WIDTH": cur.width, "DEPTH": depth}, cur, fifo,
                               cycles=cur.beats_per_image))
