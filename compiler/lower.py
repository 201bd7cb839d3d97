"""Hardware lowering: from the folded IR to the hardware graph, one stage at a time.

The hardware graph is the design's plan: each unit's typed core parameters, streams and
memory plans, its ROM images built only when written (:class:`compiler.hw.graph.Rom`),
so the folding search prices whole candidate designs from it cheaply.

Data flow, not index juggling: the graph's stages (:func:`compiler.ops.stages`)
are lowered in order by their head op's definition, each fed the stream the
previous one produced. Between stages the builder adds the glue an op asks for
(``buffered``: a FIFO, and a width converter when the lanes differ). The top
input's lanes are those of the first op that reads a fixed number of lanes,
looking past lane-transparent ops (an input threshold, a flatten).
"""

from __future__ import annotations

from compiler.errors import BnncError
from compiler.hw.builder import HwBuilder
from compiler.hw.graph import HwGraph
from compiler.hw.stream import Stream
from compiler.ir import Graph, TensorType
from compiler.ops import OPS, Stage, stages
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


def lower_to_hw(graph: Graph) -> HwGraph:
    """Build the hardware graph of a folded network; a BnncError names the first layer without RTL."""
    b = HwBuilder(graph)
    stage_list = stages(graph)
    for stage in stage_list:
        no_rtl = OPS[stage.head.op].rtl
        if no_rtl is not None:
            raise b.error(stage.head, no_rtl.reason)
    top_in = Stream.of_tensor("src", "input", TensorType((graph.input.size,), graph.input.dtype),
                              _input_lanes(stage_list))
    cur = top_in
    for stage in stage_list:
        d = OPS[stage.head.op]
        if d.buffered and cur is not top_in:
            cur = b.connect(cur, d.in_lanes(stage.head) or cur.lanes, d.in_elems(stage.head))
        cur = d.lower(b, stage, cur)
    timing = graph.timing
    assert timing is not None, "lowering needs a folded graph (choose_folding sets every matrix layer's cycles)"
    spare = graph.config.limit.get("bram")
    if spare is not None:  # a stated block budget: idle blocks take the ROMs that save the most LUTs
        t = get_target(b.target)
        b.fill_spare_blocks(min(int(spare), t.blocks) if t.enforce_capacity else int(spare))
    _check_block_memory(b)
    return HwGraph(graph.name, tuple(b.modules), float(graph.config.clock_mhz), *timing)


def _check_block_memory(b: HwBuilder) -> None:
    """Refuse a design whose block-planned ROMs need more blocks than a Lattice part has (aspect waste counted).

    The blocks are counted as planned (each ROM cut into whole blocks of one aspect ratio per
    column), so a ROM whose bits fit may still be refused: the message gives both figures.
    Xilinx is a family, not a part: its count is only reported.
    """
    t = get_target(b.target)
    if not t.enforce_capacity:
        return
    plans = [rom.plan for m in b.modules for rom in m.roms.values() if rom.plan is not None]
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
                    file=b.graph.source, field="hardware.target")
