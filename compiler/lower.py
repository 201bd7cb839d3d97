"""Hardware lowering: from the folded IR to the hardware graph, one stage at a time.

Data flow, not index juggling: the graph's stages (:func:`compiler.ops.stages`)
are lowered in order by their head op's definition, each fed the stream the
previous one produced. Between stages the builder adds the glue an op asks for
(``buffered``: a FIFO, and a width converter when the lanes differ). The top
input's lanes are those of the first op that reads a fixed number of lanes,
looking past lane-transparent ops (an input threshold, a flatten).
"""

from __future__ import annotations

from compiler.hw.builder import HwBuilder
from compiler.hw.graph import HwGraph
from compiler.hw.stream import Stream
from compiler.ir import Graph, TensorType
from compiler.ops import OPS, Stage, stages


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
    return HwGraph(graph.name, tuple(b.modules), float(graph.hardware.get("clock_mhz", 100.0)), *timing)
