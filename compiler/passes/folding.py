"""Folding: PE/SIMD for every matrix layer, cycles per image and the pipeline interval.

Two ways to choose: *balanced* (the default; the yaml's requests kept, every other layer
the fewest lanes that keep up with the slowest requested layer, or with the heaviest layer
at PE=16, SIMD=64), and *for a frame rate* (``hardware.target_fps`` / ``--target-fps``,
optionally under ``hardware.budget``): the interval is clock_mhz·10⁶/N cycles and every
layer takes the (PE, SIMD) of least modelled cost (compiler/cores: each core's cost, LUTs plus block
RAMs at the target's exchange rate) that meets it, found by :func:`fold_for_interval`. Under a
block budget (``hardware.budget.bram``) its blocks are free: the search may also put a layer's
weight ROM in block RAM (node attribute ``weight_rom: block``) and keeps the fewest LUTs whose
blocks fit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from compiler.arith import Folding, ceil_div
from compiler.bits import bits_for_range
from compiler.cores import BRAM_LUTS, CoreParams, Resources, cost
from compiler.config import HardwareConfig
from compiler.cores.mvtu import MvtuParams
from compiler.cores.rom import RomStyle
from compiler.cores.swu import MAX_CYCLES as SWU_MAX_CYCLES
from compiler.errors import BnncError
from compiler.hw.builder import connect, glue
from compiler.hw.stream import Stream
from compiler.ir import Graph, Node, TensorType
from compiler.ops import OPS, MatrixOp, PlanContext, Stage, stages

from .registry import PassContext, register

# The longest interval a frame rate asks for: far beyond any folding's (every one qualifies there),
# and an exact integer whatever tiny rate or fast clock produced it.
MAX_INTERVAL = 2**62

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


# ---------------------------------------------------------------------------
# Folding for a frame rate: the cheapest modelled folding whose interval fits
# ---------------------------------------------------------------------------

# Cheapest candidates per layer kept for the search over neighbouring layers (the glue
# between two layers depends on both): enough to hold every shape that can win.
KEEP_PER_LAYER = 40
# SIMD multiples of the narrowest fitting SIMD also priced (wider lanes, shallower ROMs).
SIMD_STRETCH = (1, 2, 3, 4, 6, 8)


@dataclass(frozen=True)
class _Layer:
    """What pricing one matrix layer's foldings needs."""

    index: int
    stage: Stage
    node: Node
    op: MatrixOp
    t_in: TensorType
    mh: int
    mw: int
    px: int
    in_bits: int  # element bits of its input stream
    channels: int | None  # input channels of a convolution (its window unit reads gcd(C, SIMD) lanes)
    first: bool  # the top input itself reaches it (no FIFO in front, compiler/lower.py)
    chained: bool  # reached from the previous matrix layer through lane-transparent ops only
    argmax_after: Stage | None  # the argmax stage that follows (a FIFO of its PE lanes and the argmax unit)
    config: HardwareConfig
    # unit()'s answers: the searches of one folding choice (a bisection over intervals) price the
    # same foldings again and again (a convolution's at each interval: its window unit's ring is paced by it)
    units: dict[tuple[int, int, str, bool, int], Resources] = field(default_factory=dict, compare=False, repr=False)
    edges: dict[tuple[int, int, str], Resources] = field(default_factory=dict, compare=False, repr=False)

    def cycles(self, pe: int, simd: int) -> int:
        return self.op.cycles(self.node, self.t_in, pe, simd)

    def limit(self, interval: int) -> int:
        """The most cycles per image a folding of this layer may take at ``interval``: a convolution's window unit
        counts its schedule in 32-bit arithmetic, so it must stay below bnnc_swu's limit whatever the interval."""
        return min(interval, SWU_MAX_CYCLES - 1) if self.channels else interval

    def in_lanes(self, simd: int) -> int:
        """Lanes of the stream it reads (a convolution's window unit reads gcd(C, SIMD))."""
        return math.gcd(self.channels, simd) if self.channels else simd

    def unit(self, pe: int, simd: int, target: str, interval: int, block_weights: bool = False) -> Resources:
        """The matrix unit and the glue that depends on its own folding only, in a pipeline of ``interval`` cycles
        per image (``block_weights``: its weight ROM in block RAM whatever the memory plan would choose)."""
        key = (pe, simd, target, block_weights, interval if self.channels else 0)  # only a window unit's ring
        if key not in self.units:
            self.units[key] = self._unit(pe, simd, target, block_weights, interval)
        return self.units[key]

    def _unit(self, pe: int, simd: int, target: str, block_weights: bool, interval: int) -> Resources:
        # the stage's own units (their memory plans by the fast pricing of compiler.cores.rom.rom_resources)
        ctx = _context(self, target, interval)
        units = self.op.units(self.stage, self.op.folding(self.node, pe, simd), ctx)
        p = units[-1]
        assert isinstance(p, MvtuParams), units
        if block_weights:
            units[-1] = p = replace(p, ROM_STYLE=int(RomStyle.BLOCK))
        r = sum((cost(u, target, fast=True) for u in units), Resources())
        if not self.first:  # the FIFO compiler/lower.py puts in front of a buffered stage
            lanes = self.in_lanes(simd)
            r += _glue((None, glue(self.in_bits, lanes, lanes, int(self.op.in_elems(self.node) or self.mw))[1]), target)
        if self.argmax_after is not None:  # the FIFO compiler/lower.py puts in front of it, and its own plan
            scores = Stream(self.node.name, self.stage.out.name, pe, p.OUT_BITS, True, False, self.mh)
            fifo = connect(scores, pe)
            argmax = OPS[self.argmax_after.head.op].plan(self.argmax_after, fifo[-1].m_axis,
                                                          replace(ctx, t_in=self.stage.out.out))
            r += sum((cost(m.params, target) for m in (*fifo, *argmax)), Resources())
        return r

    def edge(self, prev_lanes: int, simd: int, target: str) -> Resources:
        """The width converter from the previous matrix layer's PE lanes, when they differ."""
        lanes = self.in_lanes(simd)
        if not self.chained or prev_lanes == lanes:
            return Resources()
        key = (prev_lanes, lanes, target)
        if key not in self.edges:  # the walk along the chain asks for every pair of neighbouring candidates
            self.edges[key] = _glue((glue(self.in_bits, prev_lanes, lanes, self.channels or self.mw)[0],), target)
        return self.edges[key]


def _context(layer: _Layer, target: str, interval: int) -> PlanContext:
    """The plan context at which a layer's price sizes its window unit's ring: producer and consumer at
    ``interval`` cycles per image. The lowering paces it by the slowest units before and after it
    (:meth:`compiler.ops.PlanContext.window_pacing`), which depend on the other layers' foldings, unknown
    while one layer's candidates are priced, but keep within the interval (capped at the core's limit)."""
    cycles = min(interval, SWU_MAX_CYCLES - 1)
    config = layer.config if layer.config.target == target else layer.config.replace(target=target)
    return PlanContext(config, layer.t_in, cycles, cycles)


def _glue(units: tuple[CoreParams | None, ...], target: str) -> Resources:
    """The cost of the glue units :func:`compiler.hw.builder.glue` plans."""
    return sum((cost(u, target) for u in units if u is not None), Resources())


def _layers(graph: Graph) -> list[_Layer]:
    """The matrix layers of ``graph`` with what pricing their foldings needs."""
    out: list[_Layer] = []
    st = stages(graph)
    transparent_run = False  # only lane-transparent stages since the previous matrix stage
    for k, stage in enumerate(st):
        d = OPS[stage.head.op]
        if not isinstance(d, MatrixOp):
            transparent_run = transparent_run and d.lane_transparent
            continue
        node = stage.head
        i = graph.index(node.name)
        t_in = graph.input_type(i)
        mh, mw, px = d.dims(node)
        in_bits = 1 if t_in.dtype.is_bipolar else bits_for_range(t_in.dtype.lo, t_in.dtype.hi)[0]
        first = all(OPS[s.head.op].passes_through for s in st[:k])
        after = st[k + 1] if k + 1 < len(st) else None
        out.append(_Layer(i, stage, node, d, t_in, mh, mw, px, in_bits,
                          int(t_in.shape[2]) if len(t_in.shape) == 3 else None, first,
                          transparent_run and bool(out), after if after is not None and after.head.op == "argmax"
                          else None, graph.config))
        transparent_run = True
    return out


def _candidates(layer: _Layer, interval: int) -> list[tuple[int, int]]:
    """(PE, SIMD) pairs meeting ``interval``: per neuron fold count the narrowest SIMD and some wider ones."""
    limit = layer.limit(interval)
    found: set[tuple[int, int]] = set()
    extra = layer.op.simd_candidates(layer.node, layer.t_in)
    for pe in range(1, layer.mh + 1):
        nf = ceil_div(layer.mh, pe)
        if pe > 1 and ceil_div(layer.mh, pe - 1) == nf:
            continue
        sf_max = limit // (nf * layer.px)
        if sf_max < 1:
            continue
        s0 = ceil_div(layer.mw, min(layer.mw, sf_max))
        for simd in {*(min(layer.mw, s0 * k) for k in SIMD_STRETCH), *(s for s in extra if s >= s0)}:
            simd = ceil_div(layer.mw, ceil_div(layer.mw, simd))  # same folds, least padding
            if layer.cycles(pe, simd) <= limit:
                found.add((pe, simd))
    return sorted(found)


@dataclass(frozen=True)
class RateFolding:
    """The folding search's answer: (PE, SIMD) per matrix layer, the layers whose weight ROM it puts
    in block RAM (a stated block budget only), and the modelled resources of its units."""

    folding: dict[str, tuple[int, int]]
    resources: Resources
    block_weights: frozenset[str] = frozenset()


def fastest_interval(graph: Graph) -> int:
    """The least interval any folding reaches: every matrix layer (unless requested) and pool at full width."""
    requested = dict(graph.config.folding)
    best = 1
    for i, node in enumerate(graph.nodes):
        d = OPS[node.op]
        t_in = graph.input_type(i)
        if isinstance(d, MatrixOp):
            mh, mw, _ = d.dims(node)
            pe, simd = requested.get(node.name, (mh, mw))
            cyc = d.cycles(node, t_in, pe, simd)
            if node.name not in requested:
                cyc = min([cyc, *(d.cycles(node, t_in, mh, s) for s in d.simd_candidates(node, t_in))])
            best = max(best, cyc)
        chosen = d.choose_lanes(node, t_in, 0)
        if chosen is not None:
            best = max(best, chosen[1])
    return best


# Extra weights tried, in order, on the budget's lines when the cheapest folding exceeds a budget.
BUDGET_WEIGHTS = (4.0, 16.0, 64.0, 256.0)
# Prices of a block RAM (fractions of the target's exchange rate, BRAM_LUTS) tried under a stated
# block budget: blocks the budget leaves idle cost nothing, so the search looks for the least LUTs
# whose blocks fit, from the part's average rate down to free blocks (a Lagrangian sweep).
BLOCK_PRICES = (1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.0)

# one priced choice of a layer: (resources, PE, SIMD, weight ROM forced into block RAM)
_Option = tuple[Resources, int, int, bool]


def fold_for_interval(graph: Graph, interval: int, target: str, fixed: dict[str, tuple[int, int]] | None = None,
                      limit: dict[str, int] | None = None, layers: list[_Layer] | None = None) -> RateFolding:
    """:func:`cheapest_for_interval`, adjusted to ``limit`` (``hardware.budget``).

    A block line (``bram``) makes the budget's blocks free: every layer may also put its weight
    ROM in block RAM, and of the searches at :data:`BLOCK_PRICES` the one with the least
    LUTs whose blocks fit wins. A line still exceeded gets more weight (:data:`BUDGET_WEIGHTS`)
    until it fits; the least-exceeding try when none does. ``layers``: :func:`_layers` of ``graph``,
    when the caller has them (their priced units are kept across its searches).
    """
    layers = _layers(graph) if layers is None else layers
    priced = _price(layers, interval, target, dict(fixed or {}), block_variants="bram" in (limit or {}))
    if not limit:
        return _walk(layers, priced, target)
    tries = list(_tries(layers, priced, target, limit))
    fitting = [t for t in tries if not _over(t.resources, limit)]
    if fitting:
        return min(fitting, key=lambda t: budget_cost(t.resources, target, limit))
    for r in _escalations(layers, priced, target, limit):
        if not _over(r.resources, limit):
            return r
        tries.append(r)
    # least exceeding: the excess over each line, relative to the line (a line of 0, e.g. dsp: 0, counts as 1)
    return min(tries, key=lambda t: sum((need - allowed) / max(allowed, 1)
                                        for _, need, allowed in _over(t.resources, limit)))


def _fits(layers: list[_Layer], interval: int, target: str, requested: dict[str, tuple[int, int]],
          limit: dict[str, int]) -> bool:
    """Whether some search :func:`fold_for_interval` weighs keeps within ``limit`` (stops at the first)."""
    priced = _price(layers, interval, target, dict(requested), block_variants="bram" in limit)
    return any(not _over(r.resources, limit) for r in itertools.chain(_tries(layers, priced, target, limit),
                                                                      _escalations(layers, priced, target, limit)))


def _tries(layers: list[_Layer], priced: list[tuple[list[_Option], _Option | None]], target: str,
           limit: dict[str, int]) -> Iterator[RateFolding]:
    """The searches whose least-LUT fitting one :func:`fold_for_interval` takes, lazily: the plain
    one, and under a block budget the sweep of :data:`BLOCK_PRICES` and the search without the
    block option (so a budget never costs LUTs)."""
    yield _walk(layers, priced, target)
    if "bram" in limit:
        for price in BLOCK_PRICES[1:]:
            yield _walk(layers, priced, target, {"bram": price})
        yield _walk(layers, [([o for o in opts if not o[3]], pick) for opts, pick in priced], target)


def _escalations(layers: list[_Layer], priced: list[tuple[list[_Option], _Option | None]], target: str,
                 limit: dict[str, int]) -> Iterator[RateFolding]:
    """The searches with more weight on the budget's lines (:data:`BUDGET_WEIGHTS`), lazily."""
    for w in BUDGET_WEIGHTS:
        yield _walk(layers, priced, target, {k: w for k in limit})


def budget_cost(res: Resources, target: str, limit: dict[str, int] | None) -> float:
    """What a rate-driven folding minimises: :meth:`Resources.cost`, except that under a stated
    block budget the blocks are the budget's (free), so LUTs alone count."""
    free = BRAM_LUTS[target] * res.bram if limit and "bram" in limit else 0
    return res.cost(target) - free


def _weighted(res: Resources, target: str, weights: dict[str, float] | None) -> float:
    """The search's objective: :meth:`Resources.cost`, with extra weight on budgeted resources."""
    if not weights:
        return res.cost(target)
    w = {"lut": 1.0, "ff": 0.0, "dsp": 0.0, "bram": 1.0, **weights}
    return (w["lut"] * res.lut + w["ff"] * res.ff + w["dsp"] * 100 * res.dsp
            + w["bram"] * BRAM_LUTS[target] * res.bram)


def cheapest_for_interval(graph: Graph, interval: int, target: str, fixed: dict[str, tuple[int, int]] | None = None,
                          weights: dict[str, float] | None = None) -> RateFolding:
    """The modelled-cheapest (PE, SIMD) of every matrix layer with cycles <= ``interval``.

    Cost: :meth:`Resources.cost` (LUTs plus block RAMs at the target's exchange rate) of the
    matrix units and the glue around them (FIFOs, width converters, window units), found
    exactly over each layer's :data:`KEEP_PER_LAYER` cheapest candidates by a walk along the
    chain (the converter between two layers depends on both foldings). ``fixed`` layers
    (the yaml's requests) keep theirs. ``interval`` must be at least :func:`fastest_interval`.
    """
    layers = _layers(graph)
    return _walk(layers, _price(layers, interval, target, dict(fixed or {})), target, weights)


def _price(layers: list[_Layer], interval: int, target: str, fixed: dict[str, tuple[int, int]],
           block_variants: bool = False) -> list[tuple[list[_Option], _Option | None]]:
    """Per layer: every candidate folding priced (``block_variants``: each also with its weight ROM
    in block RAM, where the memory plan would build it in logic), and the fewest-lanes folding
    (:func:`cheapest_folding`) that a walk always keeps."""
    out: list[tuple[list[_Option], _Option | None]] = []
    for layer in layers:
        name = layer.node.name
        cands = [fixed[name]] if name in fixed else _candidates(layer, interval)
        opts: list[_Option] = []
        for pe, simd in cands:
            r = layer.unit(pe, simd, target, interval)
            opts.append((r, pe, simd, False))
            if block_variants:
                rb = layer.unit(pe, simd, target, interval, block_weights=True)
                if rb != r:
                    opts.append((rb, pe, simd, True))
        pick: _Option | None = None
        if name not in fixed:
            pe, simd = cheapest_folding(layer.mh, layer.mw, layer.px, layer.limit(interval), cost=layer.cycles,
                                        extra_simd=layer.op.simd_candidates(layer.node, layer.t_in))
            if layer.cycles(pe, simd) <= layer.limit(interval):
                pick = (layer.unit(pe, simd, target, interval), pe, simd, False)
        assert opts, f"no folding of {name} meets {interval} cycles"
        out.append((opts, pick))
    return out


def _walk(layers: list[_Layer], priced: list[tuple[list[_Option], _Option | None]], target: str,
          weights: dict[str, float] | None = None) -> RateFolding:
    """The cheapest choice per layer under ``weights`` (:func:`_weighted`): each layer's
    :data:`KEEP_PER_LAYER` cheapest options, then a walk along the chain that adds the glue
    between neighbours."""
    options: list[list[tuple[float, Resources, int, int, bool]]] = []
    for layer, (opts, pick) in zip(layers, priced):
        ranked = sorted(((_weighted(r, target, weights), r, pe, simd, blk) for r, pe, simd, blk in opts),
                        key=lambda o: (o[0], o[2] * o[3], o[2], o[4]))
        keep = ranked[:KEEP_PER_LAYER]
        if pick is not None and all((p, s, b) != pick[1:] for _, _, p, s, b in keep):
            keep.append((_weighted(pick[0], target, weights), *pick))
        options.append(keep)
    # walk the chain: best[j][c] = (total cost, total resources, back pointer)
    best: list[list[tuple[float, Resources, int]]] = []
    for j, (layer, opts) in enumerate(zip(layers, options)):
        row = []
        for price, res, pe, simd, _ in opts:
            if j == 0:
                row.append((price, res, -1))
                continue
            choice = None
            for k, (pcost, pres, _) in enumerate(best[j - 1]):
                e = layer.edge(options[j - 1][k][2], simd, target)
                total = pcost + price + _weighted(e, target, weights)
                if choice is None or total < choice[0]:
                    choice = (total, pres + res + e, k)
            assert choice is not None
            row.append(choice)
        best.append(row)
    if not layers:
        return RateFolding({}, Resources())
    k = min(range(len(best[-1])), key=lambda c: best[-1][c][0])
    total = best[-1][k][1]
    folding: dict[str, tuple[int, int]] = {}
    blocked: set[str] = set()
    for j in range(len(layers) - 1, -1, -1):
        _, _, pe, simd, blk = options[j][k]
        folding[layers[j].node.name] = (pe, simd)
        if blk:
            blocked.add(layers[j].node.name)
        k = best[j][k][2]
    return RateFolding(folding, total, frozenset(blocked))


def _fps(clock_mhz: float, interval: int) -> int:
    return int(clock_mhz * 1e6 // interval)


def _rate_budget(graph: Graph, requested: dict[str, tuple[int, int]], layers: list[_Layer]) -> int:
    """The interval that ``hardware.target_fps`` (and ``hardware.budget``) ask for; one-line errors when out of reach."""
    hw = graph.config
    clock = float(hw.clock_mhz)
    target = hw.target
    fastest = fastest_interval(graph)
    limit = hw.limit
    fps = hw.target_fps
    if fps is not None:
        # cycles per image; the epsilon absorbs float rounding. Beyond the slowest folding's interval
        # every folding qualifies, so a slower rate (a tiny fps) asks for no more than that.
        cycles = clock * 1e6 / fps + 1e-6
        interval = int(cycles) if cycles < MAX_INTERVAL else MAX_INTERVAL
        if interval < fastest:
            option = hw.fps_option  # the command line's --target-fps, when it set the rate
            what = option or "hardware.target_fps"
            raise BnncError(f"{what} must be at most {_fps(clock, fastest):,} (the fastest folding at "
                            f"{clock:g} MHz), not {fps:.15g}", file=None if option else graph.source, field=what)
        if limit:
            _check_budget(graph, layers, interval, target, requested, limit, clock, fastest)
        return interval
    # a budget alone: the fastest interval whose cheapest folding fits it
    slowest = max(fastest, _slowest_interval(graph))
    if not _fits(layers, slowest, target, requested, limit):
        _check_budget(graph, layers, slowest, target, requested, limit, clock, fastest)
    return _fastest_fitting(layers, fastest, slowest, target, requested, limit)


def _fastest_fitting(layers: list[_Layer], fastest: int, slowest: int, target: str, requested: dict[str, tuple[int, int]],
                     limit: dict[str, int]) -> int:
    """The interval a budget alone yields: bisection between ``fastest`` and ``slowest`` (which fits).

    Cost is not monotonic in the interval (a ROM one word deeper can need another LUT level), so
    this is the bisection's answer, not a proven optimum; the budget-alone compile and the
    over-budget refusal both use it, so the rate a refusal names is the rate a compile reaches.
    """
    lo, hi = fastest, slowest
    while lo < hi:
        mid = (lo + hi) // 2
        if _fits(layers, mid, target, requested, limit):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _slowest_interval(graph: Graph) -> int:
    """The interval of every matrix layer at PE = SIMD = 1."""
    worst = 1
    for i, node in enumerate(graph.nodes):
        d = OPS[node.op]
        if isinstance(d, MatrixOp):
            worst = max(worst, d.cycles(node, graph.input_type(i), 1, 1))
    return worst


def _over(res: Resources, limit: dict[str, int]) -> list[tuple[str, int, int]]:
    """(field, needed, allowed) of each budget line ``res`` exceeds."""
    return [(k, getattr(res, k), v) for k, v in sorted(limit.items()) if getattr(res, k) > v]


def _check_budget(graph: Graph, layers: list[_Layer], interval: int, target: str, requested: dict[str, tuple[int, int]],
                  limit: dict[str, int], clock: float, fastest: int) -> None:
    """Refuse a budget the cheapest folding at ``interval`` exceeds, naming the fastest rate within it."""
    over = _over(fold_for_interval(graph, interval, target, requested, limit, layers).resources, limit)
    if not over:
        return
    field, need, allowed = over[0]
    slowest = max(fastest, _slowest_interval(graph))
    reach = "no folding fits it"
    if _fits(layers, slowest, target, requested, limit):
        lo = _fastest_fitting(layers, fastest, slowest, target, requested, limit)
        reach = f"within it the fastest folding reaches {_fps(clock, lo):,} frames/s"
    raise BnncError(f"hardware.budget.{field} must be at least {need:,} for {_fps(clock, interval):,} frames/s "
                    f"at {clock:g} MHz (the cheapest modelled folding; {reach}), not {allowed:,}",
                    file=graph.source, field=f"hardware.budget.{field}")


@register("choose_folding")
def choose_folding(graph: Graph, ctx: PassContext) -> Graph:
    """matrix layer → (PE, SIMD, cycles = ⌈MH/PE⌉·⌈MW/SIMD⌉·pixels); yaml requests kept, the rest balanced or rate-driven."""
    requested = dict(graph.config.folding)
    mats = [(i, n, d) for i, n in enumerate(graph.nodes) if (d := _matrix(n)) is not None]
    if not mats:
        return graph
    for i, node, d in mats:
        if node.name in requested:
            mh, mw, _ = d.dims(node)
            pe, simd = requested[node.name]
            # bnnc_mvtu elaborates with PE > MH or SIMD > MW (docs/hardware.md), but the extra lanes only
            # compute padding: LUTs for no cycle saved, so a request for them is a mistake, refused
            for field, value, limit, what in (("pe", pe, mh, "output rows"), ("simd", simd, mw, "inputs")):
                if value > limit:
                    raise BnncError(f"{field} must be at most the layer's {limit} {what} (more lanes would only "
                                    f"compute padding, no faster), not {value}",
                                    file=graph.source, layer=node.name, field=f"hardware.folding.{field}")
    target = graph.config.target
    if graph.config.target_fps is not None or graph.config.limit:
        layers = _layers(graph)  # priced once for all the searches below
        budget = _rate_budget(graph, requested, layers)
        limit = graph.config.limit
        chosen = fold_for_interval(graph, budget, target, requested, limit, layers)
        balanced = {**_balanced(graph, mats, budget), **requested}
        options = [(g, _planned(g, target)) for g in (_apply(graph, mats, chosen.folding, budget,
                                                              chosen.block_weights),
                                                       _apply(graph, mats, balanced, budget))]
        # the per-layer prices cannot see all the glue (pools' converters) nor the window units' pacing: the
        # designs' plans, priced whole, decide, the balanced one only where it keeps within the budget too
        fitting = [o for o in options[1:] if o[1] is not None and not _over(o[1], limit)]
        return min([options[0], *fitting],
                   key=lambda o: budget_cost(o[1], target, limit) if o[1] is not None else 0)[0]
    # Budget: the slowest requested layer, else the heaviest layer at the default parallelism.
    budget = 0
    for i, node, d in mats:
        if node.name in requested:
            budget = max(budget, d.cycles(node, graph.input_type(i), *requested[node.name]))
    if budget == 0:
        hi, heavy, hd = max(mats, key=lambda m: math.prod(m[2].dims(m[1])))
        mh, mw, px = hd.dims(heavy)
        budget = hd.cycles(heavy, graph.input_type(hi), min(mh, DEFAULT_PE), min(mw, DEFAULT_SIMD))
    return _apply(graph, mats, {**_balanced(graph, mats, budget), **requested}, budget)


def _balanced(graph: Graph, mats: list[tuple[int, Node, MatrixOp]], budget: int) -> dict[str, tuple[int, int]]:
    """Each matrix layer's fewest lanes that keep within ``budget`` cycles (:func:`cheapest_folding`)."""
    out = {}
    for i, node, d in mats:
        mh, mw, px = d.dims(node)
        t_in = graph.input_type(i)
        out[node.name] = cheapest_folding(mh, mw, px, budget, cost=lambda p, s, n=node, d=d, t=t_in: d.cycles(n, t, p, s),
                                          extra_simd=d.simd_candidates(node, t_in))
    return out


def _apply(graph: Graph, mats: list[tuple[int, Node, MatrixOp]], folding: dict[str, tuple[int, int]],
           budget: int, block_weights: frozenset[str] = frozenset()) -> Graph:
    """``graph`` with each matrix layer's (PE, SIMD, cycles) and the lanes of the units that stream whole maps;
    ``block_weights``: layers whose weight ROM goes in block RAM (attribute ``weight_rom: block``)."""
    nodes = list(graph.nodes)
    for i, node, d in mats:
        pe, simd = folding[node.name]
        nodes[i] = node.with_attrs(pe=pe, simd=simd, cycles=d.cycles(node, graph.input_type(i), pe, simd))
        if node.name in block_weights:
            nodes[i] = nodes[i].with_attrs(weight_rom="block")
    # units that are not matrix layers but stream whole maps (bit pools) get lanes that keep up
    for i, node in enumerate(nodes):
        chosen = OPS[node.op].choose_lanes(node, graph.input_type(i), budget)
        if chosen is not None:
            nodes[i] = node.with_attrs(lanes=chosen[0], cycles=chosen[1])
    # the interval and bottleneck follow from the cycles (Graph.timing)
    return graph.with_nodes(nodes)


def _planned(graph: Graph, target: str) -> Resources | None:
    """The modelled resources of the design's plan: the sum over the ops' plans of every stage, the glue between
    them and the window units paced by their neighbours (no ROM image is built), priced with the cores' cost; None
    for a graph with no RTL for some layer or whose block ROMs do not fit its part.

    It is :func:`compiler.lower.plan_design`'s sum, not the stages' plans summed here: under a block budget
    ``fill_spare_blocks`` moves ROMs into the blocks the whole design leaves idle (which ROMs depends on every
    unit), and a refused block plan rules the design out."""
    from compiler.lower import plan_design

    try:
        modules = plan_design(graph)
    except BnncError:
        return None
    return sum((cost(m.params, target) for m in modules), Resources())
