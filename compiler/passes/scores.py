"""The final batchnorm becomes a per-class fixed-point affine whose width keeps the argmax exact."""

from __future__ import annotations

import math

import numpy as np

from compiler.ir import Graph, Node, ScoreReport
from compiler.kernels import batchnorm_f64
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


def max_fit_frac_bits(a: np.ndarray, b: np.ndarray, acc_bound: int) -> int:
    """The largest F (<= MAX_FRAC_BITS, possibly negative) whose |A|*acc_bound + |B| stays below SCORE_LIMIT."""
    mag = float(np.max(np.abs(a) * float(acc_bound) + np.abs(b)))
    if mag == 0.0:
        return MAX_FRAC_BITS
    # one bit of slack covers the rounding of A and B
    return min(MAX_FRAC_BITS, math.floor(math.log2(SCORE_LIMIT / mag)) - 1)


def calibration_inputs(graph: Graph, ctx: PassContext) -> np.ndarray:
    """The user's calibration batch, or seeded random inputs over the input dtype's full range.

    1024 random images, or fewer for networks whose multiply-accumulates per image would
    make that slow (at least 64): compile time stays near a second.
    """
    if ctx.calibration is not None:
        return ctx.calibration
    rng = np.random.default_rng(ctx.seed)
    dt = graph.input.dtype
    macs = sum(OPS[n.op].dims(n)[0] * OPS[n.op].dims(n)[1] * OPS[n.op].dims(n)[2]
               for n in graph.nodes if OPS[n.op].matrix)
    images = min(CALIBRATION_IMAGES, max(MIN_CALIBRATION_IMAGES, CALIBRATION_MACS // max(1, macs)))
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


def disagreements(acc: np.ndarray, bn: Node, frac_bits: int) -> int:
    """Images whose integer-affine argmax differs from the float64 batchnorm argmax."""
    p = bn.params
    ref = np.argmax(batchnorm_f64(acc, p["gamma"], p["beta"], p["mean"], p["var"], bn.attrs["eps"]), axis=-1)
    big_a, big_b = quantize(*affine_of(bn), frac_bits)
    return int(np.count_nonzero(np.argmax(big_a * acc + big_b, axis=-1) != ref))


@register("quantize_scores")
def quantize_scores(graph: Graph, ctx: PassContext) -> Graph:
    """final γ(x−μ)/σ+β → A·x + B with A, B = round(·2^F), F the narrowest exact-argmax width + margin."""
    nodes = list(graph.nodes)
    for i, node in enumerate(nodes):
        if node.op != "batchnorm" or i == 0 or not OPS[nodes[i - 1].op].matrix:
            continue
        acc = execute(graph.prefix(i), calibration_inputs(graph, ctx))
        assert isinstance(acc, np.ndarray)
        src = nodes[i - 1].out.dtype
        assert src.lo is not None and src.hi is not None
        # Huge |beta| or |gamma| cap F (below 0 if need be: scores then drop low bits) so nothing overflows.
        top = max_fit_frac_bits(*affine_of(node), max(abs(src.lo), abs(src.hi)))
        bottom = min(0, top)
        # Disagreements are not monotone in F (rounding can fix an order by luck), so take the
        # width from which every wider one is exact, then add the margin.
        counts = {f: disagreements(acc, node, f) for f in range(bottom, top + 1)}
        stable = next(f for f in range(top, bottom - 1, -1) if f == bottom or counts[f - 1] > 0)
        frac = min(top, max(MIN_FRAC_BITS, stable + MARGIN_BITS))
        big_a, big_b = quantize(*affine_of(node), frac)
        nodes[i] = Node(node.name, "affine", {"frac_bits": frac}, {"scale": big_a, "offset": big_b})
        graph = graph.with_nodes(graph.nodes, scores=ScoreReport(
            frac_bits=frac, disagreements=disagreements(acc, node, frac), calibration_images=int(acc.shape[0]),
            calibration="user" if ctx.calibration is not None else "random"))
    return infer_types(graph.with_nodes(nodes))
