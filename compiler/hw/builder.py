"""What the lowering puts between and over the ops' planned units: the glue between stages and the design-wide ROM
moves, pure functions over :class:`Module` plans (the lowering, :mod:`compiler.lower`, appends them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from compiler.arith import ceil_div
from compiler.cores import cost
from compiler.cores.fifo import FifoParams
from compiler.cores.mvtu import MvtuParams
from compiler.cores.rom import block_plan
from compiler.cores.width_converter import WidthConverterParams, buffers_enough

from .graph import Module
from .stream import Stream


def glue(elem_bits: int, in_lanes: int, lanes: int, elems: int, consumer_cycles: int | None = None
         ) -> tuple[WidthConverterParams | None, FifoParams | None]:
    """The glue in front of a consumer reading vectors of ``elems`` elements on ``lanes`` lanes from a stream of
    ``in_lanes``: a width converter when the lanes differ, then a FIFO (none where the converter's registers are
    buffer enough for a consumer of ``consumer_cycles`` per vector, :func:`buffers_enough`). The lowering builds it
    (:func:`connect`) and the folding search prices it."""
    dwc = WidthConverterParams(EW=elem_bits, IN_LANES=in_lanes, OUT_LANES=lanes, N=elems) if in_lanes != lanes else None
    if dwc is not None and buffers_enough(elems, in_lanes, lanes, consumer_cycles):
        return dwc, None
    # One whole vector of the consumer's (n elements, which a flattened map regroups into one long vector): a
    # consumer with several neuron folds takes its input only during the first, and the producer must not stall
    # through the others.
    return dwc, FifoParams.feeding(lanes * elem_bits, ceil_div(elems, lanes))


def connect(out: Stream, lanes: int, elems: int | None = None, consumer_cycles: int | None = None) -> list[Module]:
    """The glue units from ``out`` to a consumer reading ``lanes`` lanes (:func:`glue`), in stream order.

    ``elems``: the consumer's vector length, when it regroups the stream (a dense layer
    reading a flattened map as one vector); ``out`` then has no padding lanes, so its
    beats are the regrouped vector's beats. ``consumer_cycles``: the consumer's cycles per
    vector, where known.
    """
    n = elems or out.elems
    if n != out.elems:
        assert out.elems % out.lanes == 0 and (out.elems * out.vectors) % n == 0, (out, n)
    return attach(out, *glue(out.elem_bits, out.lanes, lanes, n, consumer_cycles), n)


def attach(out: Stream, dwc: WidthConverterParams | None, fifo: FifoParams | None, elems: int) -> list[Module]:
    """The units of the planned glue after ``out`` (:func:`glue`) for a consumer of ``elems``-element vectors."""
    units: list[Module] = []
    cur, n = out, elems
    if dwc is not None:
        conv = replace(cur, name=f"{out.name}_dwc", lanes=dwc.OUT_LANES, elems=n, vectors=cur.elems * cur.vectors // n)
        units.append(Module(conv.name, dwc, cur, conv, cycles=max(cur.beats_per_image, conv.beats_per_image)))
        cur = conv
    if fifo is not None:
        units.append(Module(f"{out.name}_q", fifo, cur, replace(cur, name=f"{out.name}_q"), cycles=cur.beats_per_image))
    return units


def fill_spare_blocks(modules: Sequence[Module], limit: int, target: str) -> list[Module]:
    """``modules`` with the block RAMs ``limit`` leaves spent on logic-planned ROMs, most LUTs saved per block first.

    plan_rom weighs blocks against LUTs at the part's average rate, as if blocks were as scarce
    as LUTs; a design that states its block budget (``hardware.budget.bram``) and uses less
    leaves blocks idle while its wide, shallow ROMs take LUTs. This moves such ROMs (registered
    reads only: bnnc_mvtu's) into block RAM while the design's modelled blocks (ROMs, FIFOs,
    line buffers) stay within ``limit``.
    """
    out = list(modules)
    used = sum(cost(m.params, target).bram for m in out)
    moves = []
    for i, m in enumerate(out):
        for kind, rom in m.roms.items():
            p = rom.plan
            if not isinstance(m.params, MvtuParams) or kind not in MvtuParams.STYLES or p is None \
                    or p.style != "logic" or not p.luts:
                continue
            blk = block_plan(p.depth, p.width, target)
            if p.luts > blk.luts:  # LUTs saved per block (a deep block ROM keeps its output selects)
                moves.append(((p.luts - blk.luts) / blk.blocks, i, kind, blk))
    for _, i, kind, blk in sorted(moves, key=lambda mv: (-mv[0], mv[1], mv[2])):
        if used + blk.blocks > limit:
            continue
        m = out[i]
        roms = {**m.roms, kind: replace(m.roms[kind], plan=blk)}
        out[i] = replace(m, roms=roms, params=replace(m.params, **{MvtuParams.STYLES[kind]: blk.rom_style}))
        used += blk.blocks
    return out
