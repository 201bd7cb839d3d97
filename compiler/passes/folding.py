"""Folding: PE/SIMD for every matrix layer, cycles per image and the pipeline interval."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from compiler.arith import Folding, ceil_div
from compiler.errors import BnncError
from compiler.ir import Graph, Node
from compiler.ops import OPS, MatrixOp

from .registry import PassContext, register

# Parallelism given to the heaviest layer when the yaml leaves folding open; the
# other layers get the least PE*SIMD that keeps up with it (a balanced pipeline).
DEFAULT_PE = 16
DEFAULT_SIMD = 64


def _matrix(node: Node) -> MatrixOp | None:
    d = OPS[node.op]
    return d if isinstance(d, MatrixOp) else None


def cycles(mh: int, mw: int, pixels: int, pe: int, simd: int) -> int:
    """FINN's folding formula, padding included: ⌈MH/PE⌉·⌈MW/SIMD⌉·pixels."""
    return Folding(mh, mw, pe, simd, pixels).cycles


def cheapest_folding(mh: int, mw: int, pixels: int, budget: int, simd_cap: int = DEFAULT_SIMD,
                     cost: Callable[[int, int], int] | None = None,
                     extra_simd: Iterable[int] = ()) -> tuple[int, int]:
    """The (PE, SIMD) with the fewest lanes whose cycles fit ``budget`` (ties: less padding, then more SIMD).

    SIMD is kept at most ``simd_cap`` when some such folding fits: one very wide
    popcount tree per PE simulates slowly and synthesizes poorly (docs/toolchain.md), so
    parallelism beyond it goes into more PEs. ``cost(pe, simd)`` is the unit's cycles
    per image (default FINN's formula; a convolution adds its sliding window's), and
    ``extra_simd`` more SIMD values to try.
    """
    cost = cost or (lambda pe, simd: Folding(mh, mw, pe, simd, pixels).cycles)
    extra = sorted({s for s in extra_simd if 1 <= s <= mw})
    best: tuple[int, int, int, int] | None = None
    best_capped: tuple[int, int, int, int] | None = None
    for pe in range(1, mh + 1):
        nf = ceil_div(mh, pe)
        if pe > 1 and ceil_div(mh, pe - 1) == nf:
            continue  # same neuron folds with fewer lanes already tried
        sf_max = budget // (nf * pixels)
        if sf_max < 1:
            continue
        candidates = {ceil_div(mw, min(mw, sf_max))}  # the narrowest SIMD that fits
        if ceil_div(mw, min(mw, simd_cap)) <= sf_max:
            candidates.add(min(mw, simd_cap))
        candidates.update(s for s in extra if ceil_div(mw, s) <= sf_max)
        for simd in candidates:
            if cost(pe, simd) > budget:
                continue
            simd = ceil_div(mw, ceil_div(mw, simd))  # same folds, less padding
            if cost(pe, simd) > budget:
                continue
            key = (pe * simd, Folding(mh, mw, pe, simd).padding_weights, -simd, pe)
            if best is None or key < best:
                best = key
            if simd <= simd_cap and (best_capped is None or key < best_capped):
                best_capped = key
    chosen = best_capped or best
    if chosen is None:
        return mh, mw
    return chosen[3], -chosen[2]


@register("choose_folding")
def choose_folding(graph: Graph, ctx: PassContext) -> Graph:
    """matrix layer → (PE, SIMD, cycles = ⌈MH/PE⌉·⌈MW/SIMD⌉·pixels); yaml requests kept, the rest balanced."""
    requested = dict(graph.hardware.get("folding", {}))
    mats = [(i, n, d) for i, n in enumerate(graph.nodes) if (d := _matrix(n)) is not None]
    if not mats:
        return graph
    for i, node, d in mats:
        if node.name in requested:
            mh, mw, _ = d.dims(node)
            pe, simd = requested[node.name]
            for field, value, limit, what in (("pe", pe, mh, "output rows"), ("simd", simd, mw, "inputs")):
                if value > limit:
                    raise BnncError(f"{field} must be at most the layer's {limit} {what}, not {value}",
                                    file=graph.source, layer=node.name, field=f"hardware.folding.{field}")
    # Budget: the slowest requested layer, else the heaviest layer at the default parallelism.
    budget = 0
    for i, node, d in mats:
        if node.name in requested:
            budget = max(budget, d.cycles(node, graph.input_type(i), *requested[node.name]))
    if budget == 0:
        hi, heavy, hd = max(mats, key=lambda m: math.prod(m[2].dims(m[1])))
        mh, mw, px = hd.dims(heavy)
        budget = hd.cycles(heavy, graph.input_type(hi), min(mh, DEFAULT_PE), min(mw, DEFAULT_SIMD))
    nodes = list(graph.nodes)
    for i, node, d in mats:
        mh, mw, px = d.dims(node)
        t_in = graph.input_type(i)
        pe, simd = requested.get(node.name) or cheapest_folding(
            mh, mw, px, budget, cost=lambda p, s, n=node, d=d, t=t_in: d.cycles(n, t, p, s),
            extra_simd=d.simd_candidates(node, t_in))
        nodes[i] = node.with_attrs(pe=pe, simd=simd, cycles=d.cycles(node, t_in, pe, simd))
    # units that are not matrix layers but stream whole maps (bit pools) get lanes that keep up
    for i, node in enumerate(nodes):
        chooser = getattr(OPS[node.op], "choose_lanes", None)
        if chooser is not None:
            lanes, c = chooser(node, graph.input_type(i), budget)
            nodes[i] = node.with_attrs(lanes=lanes, cycles=c)
    # the interval and bottleneck follow from the cycles (Graph.timing)
    return graph.with_nodes(nodes)
