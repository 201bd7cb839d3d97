"""Folding: PE/SIMD for every matrix layer, cycles per image and the pipeline interval."""

from __future__ import annotations

import math

from compiler.errors import BnncError
from compiler.ir import MATRIX_OPS, Graph, Node

from .registry import PassContext, register

# Parallelism given to the heaviest layer when the yaml leaves folding open; the
# other layers get the least PE*SIMD that keeps up with it (a balanced pipeline).
DEFAULT_PE = 16
DEFAULT_SIMD = 64


def matrix_dims(node: Node) -> tuple[int, int, int]:
    """(MH, MW, output pixels) of a matrix layer: rows, columns, and matrix-vector products per image."""
    w = node.params["weight"]
    mh, mw = int(w.shape[0]), int(math.prod(w.shape[1:]))
    pixels = 1 if node.op in ("dense", "xnor_dense") else int(node.out.shape[0] * node.out.shape[1])
    return mh, mw, pixels


def cycles(mh: int, mw: int, pixels: int, pe: int, simd: int) -> int:
    """FINN's folding formula, padding included: ⌈MH/PE⌉·⌈MW/SIMD⌉·pixels."""
    return -(-mh // pe) * -(-mw // simd) * pixels


def cheapest_folding(mh: int, mw: int, pixels: int, budget: int, simd_cap: int = DEFAULT_SIMD) -> tuple[int, int]:
    """The (PE, SIMD) with the fewest lanes whose cycles fit ``budget`` (ties: less padding, then more SIMD).

    SIMD is kept at most ``simd_cap`` when some such folding fits: one very wide
    popcount tree per PE simulates slowly and synthesizes poorly (TOOLCHAIN.md), so
    parallelism beyond it goes into more PEs.
    """
    best: tuple[int, int, int, int] | None = None
    best_capped: tuple[int, int, int, int] | None = None
    for pe in range(1, mh + 1):
        nf = -(-mh // pe)
        if pe > 1 and -(-mh // (pe - 1)) == nf:
            continue  # same neuron folds with fewer lanes already tried
        sf_max = budget // (nf * pixels)
        if sf_max < 1:
            continue
        candidates = {-(-mw // min(mw, sf_max))}  # the narrowest SIMD that fits
        if -(-mw // min(mw, simd_cap)) <= sf_max:
            candidates.add(min(mw, simd_cap))
        for simd in candidates:
            sf = -(-mw // simd)
            simd = -(-mw // sf)  # same folds, less padding
            key = (pe * simd, nf * pe * sf * simd - mh * mw, -simd, pe)
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
    mats = [(i, n) for i, n in enumerate(graph.nodes) if n.op in MATRIX_OPS]
    if not mats:
        return graph
    for i, node in mats:
        if node.name in requested:
            mh, mw, _ = matrix_dims(node)
            pe, simd = requested[node.name]
            for field, value, limit, what in (("pe", pe, mh, "output rows"), ("simd", simd, mw, "inputs")):
                if value > limit:
                    raise BnncError(f"{field} must be at most the layer's {limit} {what}, not {value}",
                                    file=graph.source, layer=node.name, field=f"hardware.folding.{field}")
    # Budget: the slowest requested layer, else the heaviest layer at the default parallelism.
    budget = 0
    for i, node in mats:
        mh, mw, px = matrix_dims(node)
        if node.name in requested:
            budget = max(budget, cycles(mh, mw, px, *requested[node.name]))
    if budget == 0:
        heavy = max(mats, key=lambda m: math.prod(matrix_dims(m[1])))[1]
        mh, mw, px = matrix_dims(heavy)
        budget = cycles(mh, mw, px, min(mh, DEFAULT_PE), min(mw, DEFAULT_SIMD))
    nodes = list(graph.nodes)
    for i, node in mats:
        mh, mw, px = matrix_dims(node)
        pe, simd = requested.get(node.name) or cheapest_folding(mh, mw, px, budget)
        nodes[i] = node.with_attrs(pe=pe, simd=simd, cycles=cycles(mh, mw, px, pe, simd))
    out = graph.with_nodes(nodes)
    slowest = max((n for n in out.nodes if "cycles" in n.attrs), key=lambda n: n.attrs["cycles"])
    return out.with_report(interval_cycles=slowest.attrs["cycles"], bottleneck=slowest.name)
