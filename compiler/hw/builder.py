"""The hardware builder: what an op's lowering adds its modules to, and the glue between stages."""

from __future__ import annotations

from dataclasses import replace

from compiler.arith import ceil_div
from compiler.errors import BnncError
from compiler.ir import Graph, Node, TensorType
from compiler.cores import cost
from compiler.cores.fifo import FifoParams
from compiler.cores.mvtu import MvtuParams
from compiler.cores.rom import MemoryPlan, block_plan, plan_rom
from compiler.cores.swu import MAX_CYCLES
from compiler.cores.width_converter import WidthConverterParams, buffers_enough

from .graph import Module
from .stream import Stream


def glue(elem_bits: int, in_lanes: int, lanes: int, elems: int, consumer_cycles: int | None = None
         ) -> tuple[WidthConverterParams | None, FifoParams | None]:
    """The glue in front of a consumer reading vectors of ``elems`` elements on ``lanes`` lanes from a stream of
    ``in_lanes``: a width converter when the lanes differ, then a FIFO (none where the converter's registers are
    buffer enough for a consumer of ``consumer_cycles`` per vector, :func:`buffers_enough`). The lowering builds it
    (:meth:`HwBuilder.connect`) and the folding search prices it."""
    dwc = WidthConverterParams(EW=elem_bits, IN_LANES=in_lanes, OUT_LANES=lanes, N=elems) if in_lanes != lanes else None
    if dwc is not None and buffers_enough(elems, in_lanes, lanes, consumer_cycles):
        return dwc, None
    # One whole vector of the consumer's (n elements, which a flattened map regroups into one long vector): a
    # consumer with several neuron folds takes its input only during the first, and the producer must not stall
    # through the others.
    return dwc, FifoParams.feeding(lanes * elem_bits, ceil_div(elems, lanes))


class HwBuilder:
    """Collects the modules of one accelerator in stream order."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.modules: list[Module] = []
        self.target = graph.config.target  # hardware.target / --target

    def plan_rom(self, depth: int, width: int, sync_read: bool = True) -> MemoryPlan:
        """How a ``depth`` x ``width`` ROM is built on this design's target (:func:`compiler.cores.rom.plan_rom`)."""
        return plan_rom(depth, width, self.target, sync_read=sync_read)

    def fill_spare_blocks(self, limit: int) -> None:
        """Spend the block RAMs ``limit`` leaves on logic-planned ROMs, most LUTs saved per block first.

        plan_rom weighs blocks against LUTs at the part's average rate, as if blocks were as scarce
        as LUTs; a design that states its block budget (``hardware.budget.bram``) and uses less
        leaves blocks idle while its wide, shallow ROMs take LUTs. This moves such ROMs (registered
        reads only: bnnc_mvtu's) into block RAM while the design's modelled blocks (ROMs, FIFOs,
        line buffers) stay within ``limit``.
        """
        used = sum(cost(m.params, self.target).bram for m in self.modules)
        moves = []
        for i, m in enumerate(self.modules):
            for kind, rom in m.roms.items():
                p = rom.plan
                if not isinstance(m.params, MvtuParams) or kind not in MvtuParams.STYLES or p is None \
                        or p.style != "logic" or not p.luts:
                    continue
                blk = block_plan(p.depth, p.width, self.target)
                if p.luts > blk.luts:  # LUTs saved per block (a deep block ROM keeps its output selects)
                    moves.append(((p.luts - blk.luts) / blk.blocks, i, kind, blk))
        for _, i, kind, blk in sorted(moves, key=lambda mv: (-mv[0], mv[1], mv[2])):
            if used + blk.blocks > limit:
                continue
            m = self.modules[i]
            roms = {**m.roms, kind: replace(m.roms[kind], plan=blk)}
            self.modules[i] = replace(m, roms=roms, params=replace(m.params, **{MvtuParams.STYLES[kind]: blk.rom_style}))
            used += blk.blocks

    def input_type(self, node: Node) -> TensorType:
        """The type of ``node``'s input in the graph being lowered."""
        return self.graph.input_type(self.graph.index(node.name))

    def add(self, module: Module) -> Stream:
        """Append ``module``; return its output stream."""
        self.modules.append(module)
        return module.m_axis

    def error(self, node: Node, msg: str, field: str = "op") -> BnncError:
        """A one-line error about ``node`` of the network being lowered."""
        return BnncError(msg, file=self.graph.source, layer=node.name, field=field)

    def window_pacing(self, node: Node, own: int) -> dict[str, int]:
        """bnnc_swu's IN_CYCLES and OUT_CYCLES for the window unit reading ``node``'s input: the cycles per
        image of the slowest unit before it (its input comes no faster) and of the slowest of ``own`` (the unit
        it feeds) and every unit after it (its output is taken no faster). Its ring is sized so that
        neither side then waits for the other (docs/hardware.md, bnnc_swu "Line buffer")."""
        i = self.graph.index(node.name)
        before = [int(n.attrs["cycles"]) for n in self.graph.nodes[:i] if "cycles" in n.attrs]
        after = [int(n.attrs["cycles"]) for n in self.graph.nodes[i + 1:] if "cycles" in n.attrs]
        pacing = {"IN_CYCLES": max(before, default=0), "OUT_CYCLES": max([own, *after])}
        slowest = max(pacing.values())
        if slowest >= MAX_CYCLES:  # the core's 32-bit schedule arithmetic
            raise self.error(node, f"the pipeline's interval must be below {MAX_CYCLES:,} cycles per image for "
                                   f"this layer's window unit, not {slowest:,}; fold the matrix layers wider",
                             field="hardware.folding")
        return pacing

    def connect(self, out: Stream, lanes: int, elems: int | None = None, consumer_cycles: int | None = None) -> Stream:
        """Glue from ``out`` to a consumer reading ``lanes`` lanes: a width converter when they differ, then a FIFO
        (none where the converter's registers are buffer enough, :func:`compiler.cores.width_converter.buffers_enough`).

        ``elems``: the consumer's vector length, when it regroups the stream (a dense layer
        reading a flattened map as one vector); ``out`` then has no padding lanes, so its
        beats are the regrouped vector's beats. ``consumer_cycles``: the consumer's cycles per
        vector, where known.
        """
        n = elems or out.elems
        if n != out.elems:
            assert out.elems % out.lanes == 0 and (out.elems * out.vectors) % n == 0, (out, n)
        return self.attach(out, *glue(out.elem_bits, out.lanes, lanes, n, consumer_cycles), n)

    def attach(self, out: Stream, dwc: WidthConverterParams | None, fifo: FifoParams | None, elems: int) -> Stream:
        """The planned glue after ``out`` (:func:`glue`) for a consumer of ``elems``-element vectors; its output."""
        cur, n = out, elems
        if dwc is not None:
            conv = replace(cur, name=f"{out.name}_dwc", lanes=dwc.OUT_LANES, elems=n, vectors=cur.elems * cur.vectors // n)
            cur = self.add(Module(conv.name, dwc, cur, conv, cycles=max(cur.beats_per_image, conv.beats_per_image)))
        if fifo is not None:
            cur = self.add(Module(f"{out.name}_q", fifo, cur, replace(cur, name=f"{out.name}_q"),
                                  cycles=cur.beats_per_image))
        return cur
