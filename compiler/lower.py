"""Hardware lowering: from the folded IR to the hardware graph, one stage at a time.

The hardware graph is the design's plan: each unit's typed core parameters, streams and
memory plans (:class:`compiler.hw.graph.Module`), its ROM images built only when written
(:class:`compiler.hw.graph.Rom`), so the folding search prices whole candidate designs from it cheaply.

Data flow, not index juggling: the graph's stages (:func:`compiler.ops.stages`)
are planned in order by their head op's definition (``OpDef.plan``, pure), each fed the
stream the previous one produced; this module alone appends the units. Between stages it
adds the glue an op asks for (``buffered``: a FIFO, and a width converter when the lanes differ). The top
input's lanes are those of the first op that reads a fixed number of lanes,
looking past lane-transparent ops (an input threshold, a flatten).
"""

from __future__ import annotations

from compiler.errors import BnncError
from compiler.hw.builder import connect, fill_spare_blocks
from compiler.hw.graph import HwGraph, Module
from compiler.hw.stream import Stream
from compiler.ir import Graph, TensorType
from compiler.ops import OPS, PlanContext, Stage, stages
from compiler.targets import target as get_target


def _input_lanes(stage_list: list[Stage]) -> int:
    """Lanes of the top input: what the first lane-fixing op reads (1 if none)."""
    for stage in stage_list:
        d = OPS[stage.head.op]
        lanes = d.in_lanes(stage.head)
        if lanes is not None:
            return lanes
        if not d.lane_transparent:
            break
    return 1


def plan_context(graph: Graph, stage: Stage) -> PlanContext:
    """What planning ``stage`` may read: the settings, its input type and the slowest units before and after it."""
    i = graph.index(stage.head.name)
    before = [int(n.attrs["cycles"]) for n in graph.nodes[:i] if "cycles" in n.attrs]
    after = [int(n.attrs["cycles"]) for n in graph.nodes[i + 1:] if "cycles" in n.attrs]
    return PlanContext(graph.config, graph.input_type(i), max(before, default=0), max(after, default=0), graph.source)


def plan_design(graph: Graph) -> list[Module]:
    """The units of a folded network in stream order: each stage's plan, the glue between stages and, under a
    stated block budget, the idle blocks' ROMs; a BnncError names the first layer without RTL, or a design whose
    block ROMs do not fit its part."""
    stage_list = stages(graph)
    for stage in stage_list:
        no_rtl = OPS[stage.head.op].rtl
        if no_rtl is not None:
            raise BnncError(no_rtl.reason, file=graph.source, layer=stage.head.name, field="op")
    top_in = Stream.of_tensor("src", "input", TensorType((graph.input.size,), graph.input.dtype),
                              _input_lanes(stage_list))
    modules: list[Module] = []
    cur = top_in
    for stage in stage_list:
        d = OPS[stage.head.op]
        if d.buffered and cur is not top_in:
            glued = connect(cur, d.in_lanes(stage.head) or cur.lanes, d.in_elems(stage.head))
            modules += glued
            cur = glued[-1].m_axis
        units = d.plan(stage, cur, plan_context(graph, stage))
        modules += units
        cur = units[-1].m_axis if units else cur
    spare = graph.config.limit.get("bram")
    if spare is not None:  # a stated block budget: idle blocks take the ROMs that save the most LUTs
        t = get_target(graph.config.target)
        limit = min(int(spare), t.blocks) if t.enforce_capacity else int(spare)
        modules = fill_spare_blocks(modules, limit, graph.config.target)
    _check_block_memory(graph, modules)
    return modules


def lower_to_hw(graph: Graph) -> HwGraph:
    """Build the hardware graph of a folded network (:func:`plan_design`)."""
    modules = plan_design(graph)
    timing = graph.timing
    assert timing is not None, "lowering needs a folded graph (choose_folding sets every matrix layer's cycles)"
    return HwGraph(graph.name, tuple(modules), float(graph.config.clock_mhz), *timing)


def _check_block_memory(graph: Graph, modules: list[Module]) -> None:
    """Refuse a design whose block-planned ROMs need more blocks than a Lattice part has (aspect waste counted).

    The blocks are counted as planned (each ROM cut into whole blocks of one aspect ratio per
    column), so a ROM whose bits fit may still be refused: the message gives both figures.
    Xilinx is a family, not a part: its count is only reported.
    """
    t = get_target(graph.config.target)
    if not t.enforce_capacity:
        return
    plans = [rom.plan for m in modules for rom in m.roms.values() if rom.plan is not None]
    need = sum(p.blocks for p in plans if p.style == "block")
    if need <= t.blocks:
        return
    unit = t.bram.name
    bits = sum(p.bits for p in plans if p.style == "block")
    cap = t.capacity_bits
    if bits > cap:  # no folding helps: the weights themselves do not fit
        held, fix = f"{bits - cap:,} bits over its {cap:,} initialisable bits", "pick a larger target"
    else:  # the bits fit, the blocks' aspect ratios waste the rest: another PE x SIMD may fill them
        held = f"{bits:,} bits, within its {cap:,} initialisable bits but not in whole blocks of their aspect ratios"
        fix = "fold with another PE x SIMD, or pick a larger target"
    raise BnncError(f"the ROMs planned for block RAM must fit {t.name}'s {t.bram_what}, not need {need} {unit} "
                    f"({need - t.blocks} {unit} too many; the ROMs hold {held}); {fix}",
                    file=graph.source, field="hardware.target")
