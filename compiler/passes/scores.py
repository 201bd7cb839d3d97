"""The final batchnorm becomes a per-class fixed-point affine whose width keeps the argmax exact.

``quantize_scores`` sizes the fixed point (fraction bits F, and for ``output: argmax``
the low score bits the argmax can do without); ``lean_scores``, once the folding is
known, picks the affine's hardware form (the node's ``form`` attr, the manifest's
``affine`` field):

* ``none``: the affine does not change the argmax (or is the identity): the matrix
  unit's raw accumulators are the scores.
* ``shift``: every scale is the same positive power of two 2**k (for ``output: argmax``
  every *equal positive* scale is made one, exactly, by :func:`equal_scale_form`):
  scores are ``(acc << k) + B``, an add, no multiplier.
* ``shared``: the layer yields at most one score every SHARED_MIN_CYCLES cycles, so one
  multiplier (bnnc_affine_serial) serves every class in turn.
* ``parallel``: one multiplier per PE lane inside the bnnc_mvtu (OUT_MODE 2).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from compiler.errors import BnncError
from compiler.ir import Graph, Node, ScoreReport
from compiler.limits import REFERENCE_ELEMENT_BYTES, fmt_bytes
from compiler.ops import OPS, infer_types
from compiler.reference import execute

from .registry import PassContext, register

# Fraction bits tried for the score affine, and the margin added to the smallest
# width that reproduces the float argmax on the calibration set: calibration data
# is a sample, so a few spare bits keep unseen inputs from flipping near-ties.
MAX_FRAC_BITS = 24
MARGIN_BITS = 4
MIN_FRAC_BITS = 8
CALIBRATION_IMAGES = 1024
# Multiply-accumulates the random calibration may cost (about a second of BLAS on 2 cores):
# a big convolutional net is calibrated on fewer images, never fewer than the minimum.
CALIBRATION_MACS = 8_000_000_000
MIN_CALIBRATION_IMAGES = 64
# Every fixed-point score |A*x + B| (and the popcount-domain form 2A*p + B - A*N) stays below
# this, so the int64 reference and disagreement counts never overflow.
SCORE_LIMIT = 2**61
# A shared affine unit handles one score per cycle; it is used where the matrix unit's
# synapse folds give it at least this many cycles per score (SF >= this * PE), so it
# never slows the layer (its PE scores per beat arrive every SF cycles).
SHARED_MIN_CYCLES = 2


def max_fit_frac_bits(a: np.ndarray, b: np.ndarray, acc_bound: int) -> int:
    """The largest F (<= MAX_FRAC_BITS, possibly negative) whose |A|*acc_bound + |B| stays below SCORE_LIMIT.

    Computed exactly (rationals, not float64): for scales near float64's ends (5e-324, 1e300)
    SCORE_LIMIT / magnitude is no float, and a float log2 of it would overflow or hit a domain error.

    >>> max_fit_frac_bits(np.array([1.0]), np.array([0.0]), 2**20), max_fit_frac_bits(np.array([5e-324]), np.array([0.0]), 1)
    (24, 24)
    >>> max_fit_frac_bits(np.array([1e300]), np.array([0.0]), 1)
    -937
    """
    mag = max(Fraction(abs(float(x))) * acc_bound + Fraction(abs(float(y))) for x, y in zip(a, b))
    if mag == 0:
        return MAX_FRAC_BITS
    # floor(log2(SCORE_LIMIT / mag)): the bit lengths give it or one more
    ratio = Fraction(SCORE_LIMIT) / mag
    e = ratio.numerator.bit_length() - ratio.denominator.bit_length()
    if Fraction(2) ** e > ratio:
        e -= 1
    # one bit of slack covers the rounding of A and B
    return min(MAX_FRAC_BITS, e - 1)


def calibration_inputs(graph: Graph, ctx: PassContext) -> np.ndarray:
    """The user's calibration batch, or seeded random inputs over the input dtype's full range.

    1024 random images, or fewer for networks whose multiply-accumulates per image would
    make that slow, or whose batch would exceed ``ctx.max_bytes`` (``--max-bytes``); never
    fewer than 64: a network whose 64 random images exceed the byte budget is refused in one
    line before anything is allocated.
    """
    if ctx.calibration is not None:
        return ctx.calibration
    rng = np.random.default_rng(ctx.seed)
    dt = graph.input.dtype
    macs = sum(OPS[n.op].dims(n)[0] * OPS[n.op].dims(n)[1] * OPS[n.op].dims(n)[2]
               for n in graph.nodes if OPS[n.op].matrix)
    images = min(CALIBRATION_IMAGES, max(MIN_CALIBRATION_IMAGES, CALIBRATION_MACS // max(1, macs)))
    # the generator's int64 values (and the int8 ±1 picked by them for a bipolar input)
    per_image = graph.input.size * (REFERENCE_ELEMENT_BYTES + (1 if dt.is_bipolar else 0))
    images = min(images, max(MIN_CALIBRATION_IMAGES, ctx.max_bytes // per_image))
    if images * per_image > ctx.max_bytes:
        raise BnncError(f"the random calibration batch must be at most {fmt_bytes(ctx.max_bytes)} (--max-bytes), "
                        f"not {fmt_bytes(images * per_image)} for its {images} images of {graph.input}; give "
                        "--calibration inputs or raise --max-bytes", file=graph.source, field="input.shape")
    shape = (images, *graph.input.shape)
    if dt.is_bipolar:
        return rng.choice(np.array([-1, 1], dtype=np.int8), size=shape)
    assert dt.lo is not None and dt.hi is not None
    return rng.integers(dt.lo, dt.hi + 1, size=shape)


def affine_of(bn: Node) -> tuple[np.ndarray, np.ndarray]:
    """The float affine (a, b) with batchnorm(x) = a*x + b."""
    p = bn.params
    a = p["gamma"] / np.sqrt(p["var"] + bn.attrs["eps"])
    return a, p["beta"] - a * p["mean"]


def quantize(a: np.ndarray, b: np.ndarray, frac_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer (A, B) = round((a, b) * 2**frac_bits)."""
    s = float(2**frac_bits)
    return np.rint(a * s).astype(np.int64), np.rint(b * s).astype(np.int64)


def chain_affine(chain: list[Node]) -> tuple[np.ndarray, np.ndarray]:
    """The float affine (a, b) of a final float chain [scale] [batchnorm]: batchnorm(s·x) = (a·s)·x + b."""
    bn = next((n for n in chain if n.op == "batchnorm"), None)
    sc = next((n for n in chain if n.op == "scale"), None)
    if bn is None:
        assert sc is not None
        s = sc.params["scale"]
        return s.copy(), np.zeros_like(s)
    a, b = affine_of(bn)
    return (a if sc is None else a * sc.params["scale"]), b


def chain_scores(chain: list[Node], acc: np.ndarray) -> np.ndarray:
    """The float64 scores the float stage computes from the accumulators: the chain's own ops executed in order."""
    y: np.ndarray = acc
    for n in chain:
        y = OPS[n.op].execute(n, y)
    return y


def disagreements(acc: np.ndarray, chain: list[Node], frac_bits: int) -> int:
    """Images whose integer-affine argmax differs from the float64 argmax of the chain ([scale] [batchnorm])."""
    ref = np.argmax(chain_scores(chain, acc), axis=-1)
    big_a, big_b = quantize(*chain_affine(chain), frac_bits)
    return int(np.count_nonzero(np.argmax(big_a * acc + big_b, axis=-1) != ref))


def score_chain(nodes: list[Node], i: int) -> list[Node]:
    """The final float chain starting at ``i`` right after a matrix layer: [scale] [batchnorm] (empty if none)."""
    if i == 0 or not OPS[nodes[i - 1].op].matrix:
        return []
    chain = [nodes[i]] if nodes[i].op in ("scale", "batchnorm") else []
    if chain and chain[0].op == "scale" and i + 1 < len(nodes) and nodes[i + 1].op == "batchnorm":
        chain.append(nodes[i + 1])
    return chain


def score_shift(full: np.ndarray, frac_bits: int) -> int:
    """Low bits (at most ``frac_bits``) the integer scores ``full`` (N, classes) can drop, keeping their argmax.

    The largest s such that ``full >> t`` has the same argmax on every calibration image for
    every t <= s, less MARGIN_BITS (spare bits for unseen inputs, as for F); 0 at least.
    """
    ref = np.argmax(full, axis=-1)
    s = 0
    while s < frac_bits and np.array_equal(np.argmax(full >> (s + 1), axis=-1), ref):
        s += 1
    return max(0, s - MARGIN_BITS)


def equal_scale_form(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For equal positive scales A, the affine (2**k, B') with the same order of scores; None otherwise.

    With A > 0 the same for every class, k = ceil(log2 A), B = q·A + r (q = floor(B/A),
    0 <= r < A) and B' = q·2**k + r: A·x + B = A·(x + q) + r and (x << k) + B' =
    (x + q)·2**k + r. Both are ordered as the pairs (x + q, r) lexicographically,
    because 0 <= r < A <= 2**k; so equal scores stay equal, and larger stay larger:
    the argmax, ties included, is unchanged (tests/test_lean_scores.py checks it).
    """
    a = np.asarray(a, dtype=np.int64)
    if a.size == 0 or int(a[0]) <= 0 or (a != a[0]).any():
        return None
    a0 = int(a[0])
    k = (a0 - 1).bit_length()  # ceil(log2(a0))
    q, r = np.divmod(np.asarray(b, dtype=np.int64), a0)
    return np.full_like(a, 1 << k), q * (1 << k) + r


def _power_of_two(a: np.ndarray) -> bool:
    a0 = int(a[0]) if a.size else 0
    return a0 > 0 and a0 & (a0 - 1) == 0 and bool((a == a0).all())


@register("quantize_scores")
def quantize_scores(graph: Graph, ctx: PassContext) -> Graph:
    """final [s·] then γ(x−μ)/σ+β → A·x + B with A, B = round((a·s, b)·2^F), F the narrowest exact-argmax width + margin."""
    nodes = list(graph.nodes)
    i = 0
    while i < len(nodes):
        chain = score_chain(nodes, i)
        if not chain:
            i += 1
            continue
        acc = execute(graph.prefix(i), calibration_inputs(graph, ctx))
        assert isinstance(acc, np.ndarray)
        src = nodes[i - 1].out.dtype
        assert src.lo is not None and src.hi is not None
        a, b = chain_affine(chain)
        # Huge |beta| or |gamma| cap F (below 0 if need be: scores then drop low bits) so nothing overflows.
        top = max_fit_frac_bits(a, b, max(abs(src.lo), abs(src.hi)))
        bottom = min(0, top)
        # Disagreements are not monotone in F (rounding can fix an order by luck), so take the
        # width from which every wider one is exact, then add the margin.
        counts = {f: disagreements(acc, chain, f) for f in range(bottom, top + 1)}
        stable = next(f for f in range(top, bottom - 1, -1) if f == bottom or counts[f - 1] > 0)
        frac = min(top, max(MIN_FRAC_BITS, stable + MARGIN_BITS))
        big_a, big_b = quantize(a, b, frac)
        # Scores only feed the argmax: drop the low bits it does not need (output: scores keeps them).
        end = i + len(chain)
        argmax_next = end < len(nodes) and nodes[end].op == "argmax"
        shift = score_shift(big_a * acc.astype(np.int64) + big_b, frac) if argmax_next else 0
        # the affine takes the batchnorm's name (the user's layer), else the scale's
        name = chain[-1].name
        nodes[i:end] = [Node(name, "affine", {"frac_bits": frac, "shift": shift}, {"scale": big_a, "offset": big_b})]
        graph = graph.with_nodes(graph.nodes, scores=ScoreReport(
            frac_bits=frac, disagreements=disagreements(acc, chain, frac), calibration_images=int(acc.shape[0]),
            calibration="user" if ctx.calibration is not None else "random"))
        i += 1
    return infer_types(graph.with_nodes(nodes))


@register("lean_scores")
def lean_scores(graph: Graph, ctx: PassContext) -> Graph:
    """final affine → form none | shift (acc·2^k + B', equal positive scales) | shared (one multiplier) | parallel."""
    nodes = list(graph.nodes)
    for i, node in enumerate(nodes):
        prev = nodes[i - 1] if i > 0 else None
        if node.op != "affine" or prev is None or not OPS[prev.op].matrix or "pe" not in prev.attrs:
            continue
        rest = [n.op for n in nodes[i + 1 :]]
        if rest not in ([], ["argmax"]):
            # not the network's scores: stays inside the matrix unit, exact to the last bit
            nodes[i] = node.with_attrs(form="parallel", shift=0)
            continue
        argmax = rest == ["argmax"]
        a, b = node.params["scale"].astype(np.int64), node.params["offset"].astype(np.int64)
        shift = int(node.attrs.get("shift", 0)) if argmax else 0
        form = "shift" if _power_of_two(a) else "shared"
        equal = equal_scale_form(a, b) if argmax else None
        if equal is not None:
            # the order of the scores is what counts: no multiplier, and no bits to drop
            a, b, shift, form = equal[0], equal[1], 0, "shift"
            if (b == b[0]).all():
                a, b = np.ones_like(a), np.zeros_like(b)  # argmax(acc·2^k + c) = argmax(acc)
        if (a == 1).all() and (b == 0).all() and shift == 0:
            form = "none"
        f = OPS[prev.op].folding(prev)
        if form != "none" and f.sf < SHARED_MIN_CYCLES * f.pe:
            form, shift = "parallel", 0  # too many scores per cycle for one unit: one multiplier per lane
        nodes[i] = Node(node.name, "affine", {**node.attrs, "shift": shift, "form": form}, {"scale": a, "offset": b})
    return infer_types(graph.with_nodes(nodes))
