"""The hardware builder: what an op's lowering adds its modules to, and the glue between stages."""

from __future__ import annotations

from dataclasses import replace

from compiler.arith import ceil_div
from compiler.errors import BnncError
from compiler.ir import Graph, Node

from .graph import Module, Rom
from .memory import MemoryPlan, block_plan, plan_rom
from .stream import Stream

# Extra FIFO slots beyond one whole vector, so a producer never waits on a consumer
# that is still working through its neuron folds of the previous vector.
FIFO_SLACK = 2

# bnnc_swu's IN_CYCLES and OUT_CYCLES must stay below 2**27 (its ring-size analysis in 32-bit integers).
SWU_MAX_CYCLES = 1 << 27


def fifo_params(width: int, beats: int) -> dict[str, int]:
    """bnnc_fifo parameters of the FIFO in front of a consumer reading ``beats`` beats per vector.

    No bypass (``BYPASS = 0``): a beat takes one cycle more through an empty FIFO, which
    only delays the pipeline's first output, and the output register then needs no mux
    (a LUT per bit); without the bypass a FIFO needs 3 slots for one beat per cycle.
    """
    return {"WIDTH": width, "DEPTH": max(3, beats + FIFO_SLACK), "BYPASS": 0}


def dwc_up_copy(n: int, in_lanes: int, out_lanes: int) -> bool:
    """bnnc_width_converter's UP_COPY structure (its ``IS_COPY``): OUT = K x IN, K >= 2 dividing the
    input beats of a vector, so every output beat is K whole input beats (the testbench checks the
    core agrees).

    >>> dwc_up_copy(576, 64, 192), dwc_up_copy(29, 4, 12), dwc_up_copy(7, 7, 7)
    (True, False, False)
    """
    return out_lanes % in_lanes == 0 and out_lanes // in_lanes >= 2 and ceil_div(n, in_lanes) % (out_lanes // in_lanes) == 0


def converter_buffers_enough(elems: int, in_lanes: int, out_lanes: int, consumer_cycles: int | None) -> bool:
    """An up-converter's own registers stand in for the FIFO in front of its consumer.

    True for an UP_COPY converter (:func:`dwc_up_copy`: a fill register and an output register,
    two vectors) whose output vector is a single beat, feeding a consumer that spends at least
    K + 2 cycles on each vector (``consumer_cycles``; K = OUT / IN). The next vector then waits in
    the output register before the consumer asks: K beats refill the fill register and one cycle
    copies it while the consumer works. ``consumer_cycles`` None: not known, keep the FIFO.

    >>> converter_buffers_enough(576, 64, 576, 13), converter_buffers_enough(576, 64, 576, 10)
    (True, False)
    >>> converter_buffers_enough(576, 64, 192, 13)   # three beats per vector: the FIFO stays
    False
    """
    if consumer_cycles is None or not dwc_up_copy(elems, in_lanes, out_lanes) or ceil_div(elems, out_lanes) != 1:
        return False
    return consumer_cycles >= out_lanes // in_lanes + 2


class HwBuilder:
    """Collects the modules of one accelerator in stream order."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.modules: list[Module] = []
        self.target = graph.config.target  # hardware.target / --target

    def plan_rom(self, depth: int, width: int, sync_read: bool = True) -> MemoryPlan:
        """How a ``depth`` x ``width`` ROM is built on this design's target (:func:`compiler.hw.memory.plan_rom`)."""
        return plan_rom(depth, width, self.target, sync_read=sync_read)

    def fill_spare_blocks(self, limit: int) -> None:
        """Spend the block RAMs ``limit`` leaves on logic-planned ROMs, most LUTs saved per block first.

        plan_rom weighs blocks against LUTs at the part's average rate, as if blocks were as scarce
        as LUTs; a design that states its block budget (``hardware.budget.bram``) and uses less
        leaves blocks idle while its wide, shallow ROMs take LUTs. This moves such ROMs (registered
        reads only: bnnc_mvtu's) into block RAM while the design's modelled blocks (ROMs, FIFOs,
        line buffers) stay within ``limit``.
        """
        from .resources import module_resources

        used = sum(module_resources(m.core, m.params, self.target).bram for m in self.modules)
        style_param = {"weights": "ROM_STYLE", "params": "PARAM_STYLE"}
        moves = []
        for i, m in enumerate(self.modules):
            for kind, rom in m.roms.items():
                p = rom.plan
                if m.core != "bnnc_mvtu" or kind not in style_param or p is None or p.style != "logic" or not p.luts:
                    continue
                blk = block_plan(p.depth, p.width, self.target)
                if p.luts > blk.luts:  # LUTs saved per block (a deep block ROM keeps its output selects)
                    moves.append(((p.luts - blk.luts) / blk.blocks, i, kind, blk))
        for _, i, kind, blk in sorted(moves, key=lambda mv: (-mv[0], mv[1], mv[2])):
            if used + blk.blocks > limit:
                continue
            m = self.modules[i]
            roms = {**m.roms, kind: Rom(m.roms[kind].parameter, m.roms[kind].lines, blk)}
            self.modules[i] = replace(m, roms=roms, params={**m.params, style_param[kind]: blk.rom_style})
            used += blk.blocks

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
        if slowest >= SWU_MAX_CYCLES:  # the core's 32-bit schedule arithmetic
            raise self.error(node, f"the pipeline's interval must be below {SWU_MAX_CYCLES:,} cycles per image for "
                                   f"this layer's window unit, not {slowest:,}; fold the matrix layers wider",
                             field="hardware.folding")
        return pacing

    def connect(self, out: Stream, lanes: int, elems: int | None = None, consumer_cycles: int | None = None) -> Stream:
        """Glue from ``out`` to a consumer reading ``lanes`` lanes: a width converter when they differ, then a FIFO
        (none where the converter's registers are buffer enough, :func:`converter_buffers_enough`).

        ``elems``: the consumer's vector length, when it regroups the stream (a dense layer
        reading a flattened map as one vector); ``out`` then has no padding lanes, so its
        beats are the regrouped vector's beats. ``consumer_cycles``: the consumer's cycles per
        vector, where known.
        """
        cur = out
        n = elems or cur.elems
        if n != cur.elems:
            assert cur.elems % cur.lanes == 0 and (cur.elems * cur.vectors) % n == 0, (cur, n)
        if cur.lanes != lanes:
            conv = replace(cur, name=f"{out.name}_dwc", lanes=lanes, elems=n, vectors=cur.elems * cur.vectors // n)
            cur = self.add(Module(conv.name, "bnnc_width_converter",
                                  {"EW": cur.elem_bits, "IN_LANES": cur.lanes, "OUT_LANES": lanes, "N": n},
                                  cur, conv, cycles=max(cur.beats_per_image, conv.beats_per_image)))
            if converter_buffers_enough(n, out.lanes, lanes, consumer_cycles):
                return cur
        fifo = replace(cur, name=f"{out.name}_q")
        # One whole vector of the consumer's (n elements, which a flattened map regroups into one
        # long vector): a consumer with several neuron folds takes its input only during the first,
        # and the producer must not stall through the others.
        return self.add(Module(fifo.name, "bnnc_fifo", fifo_params(cur.width, ceil_div(n, cur.lanes)), cur, fifo,
                               cycles=cur.beats_per_image))
