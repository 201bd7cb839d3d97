"""The lean final layer (compiler/passes/scores.py): exact rewrites of the score affine and the choice of its form."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.manifest import build_manifest
from compiler.ops import OPS
from compiler.ops.affine import signed_width
from compiler.passes.scores import SHARED_MIN_CYCLES, equal_scale_form, score_shift
from designs.netgen import mlp


def _first_argmax(v: np.ndarray) -> np.ndarray:
    return np.argmax(v, axis=-1)


@pytest.mark.parametrize("seed", range(40))
def test_equal_scale_form_keeps_the_argmax_exactly(seed: int) -> None:
    """(x << k) + B' orders every score vector as A*x + B does, ties included, for any equal A > 0."""
    rng = np.random.default_rng(seed)
    classes = int(rng.integers(1, 12))
    a0 = int(rng.choice([1, 2, 3, 5, 7, 8, 100, 129, int(rng.integers(1, 1 << 20))]))
    b = rng.integers(-(1 << 24), 1 << 24, size=classes)
    if seed % 3 == 0:  # offsets a multiple of A apart or equal: many exact ties
        b = a0 * rng.integers(-3, 4, size=classes) + int(rng.integers(0, a0))
    a = np.full(classes, a0, dtype=np.int64)
    res = equal_scale_form(a, b)
    assert res is not None
    a2, b2 = res
    k = int(a2[0]).bit_length() - 1
    assert (a2 == 1 << k).all() and (1 << k) >= a0 > (1 << k) // 2
    x = rng.integers(-300, 301, size=(2000, classes))
    x[: classes * 3] = rng.integers(-2, 3, size=(classes * 3, classes))  # small range: more ties
    assert np.array_equal(_first_argmax(a * x + b), _first_argmax(a2 * x + b2))
    # order-preserving on every pair, not just at the maximum
    s1, s2 = (a * x + b).ravel(), (a2 * x + b2).ravel()
    i, j = rng.integers(0, s1.size, size=(2, 5000))
    assert np.array_equal(np.sign(s1[i] - s1[j]), np.sign(s2[i] - s2[j]))


@pytest.mark.parametrize("a", [[3, 4], [-2, -2], [0, 0], [5, 5, -5]])
def test_equal_scale_form_only_for_equal_positive_scales(a: list[int]) -> None:
    """Unequal, zero or negative scales keep their multiply."""
    assert equal_scale_form(np.array(a), np.zeros(len(a), dtype=np.int64)) is None


def test_score_shift_keeps_the_argmax_and_a_margin() -> None:
    """Dropping the chosen low bits keeps every calibration argmax; MARGIN_BITS more would also (the margin)."""
    rng = np.random.default_rng(1)
    full = rng.integers(-(1 << 20), 1 << 20, size=(500, 10)) << 6  # 6 zero low bits: those can always go
    s = score_shift(full, frac_bits=12)
    assert s >= 2
    for t in range(s + 5):  # s plus the 4 margin bits: all exact on these scores
        assert np.array_equal(np.argmax(full >> t, axis=-1), np.argmax(full, axis=-1))
    assert score_shift(full, frac_bits=0) == 0


def _fold(net) -> compiler.ir.Graph:  # type: ignore[no-untyped-def]
    folder = Path(tempfile.mkdtemp(prefix="bnnc-lean-"))
    net.write(folder)
    return compiler.fold(folder / "net.yaml")


def _affine(folded: compiler.ir.Graph) -> tuple[compiler.ir.Node, compiler.ir.Node]:
    i = max(k for k, n in enumerate(folded.nodes) if n.op == "affine")
    return folded.nodes[i - 1], folded.nodes[i]


def test_shared_when_the_rate_allows_parallel_otherwise() -> None:
    """SF >= SHARED_MIN_CYCLES * PE: one shared multiplier; faster layers keep one per lane, and no shift."""
    slow = _fold(mlp(23, sizes=[40, 24, 7], input_dtype="bipolar", folding={"fc2": {"pe": 2, "simd": 4}}))
    fast = _fold(mlp(23, sizes=[40, 24, 7], input_dtype="bipolar", folding={"fc2": {"pe": 7, "simd": 24}}))
    for g, form in ((slow, "shared"), (fast, "parallel")):
        mat, aff = _affine(g)
        f = OPS[mat.op].folding(mat)
        assert (f.sf >= SHARED_MIN_CYCLES * f.pe) == (form == "shared")
        assert aff.attrs["form"] == form
    assert _affine(fast)[1].attrs["shift"] == 0
    # the same network, the same predictions: the shift never changes an argmax on the calibration set
    x = np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8), size=(300, 40))
    assert np.array_equal(compiler.predict(slow, x), compiler.predict(fast, x))


def test_manifest_reports_form_and_widths() -> None:
    """The affine's manifest row names its form and the scale, offset and score widths; inspect prints them."""
    net = mlp(23, sizes=[40, 24, 7], input_dtype="bipolar", folding={"fc2": {"pe": 2, "simd": 4}})
    folded = _fold(net)
    row = [r for r in build_manifest(folded)["layers"] if r["op"] == "affine"][-1]
    _, aff = _affine(folded)
    assert row["affine"] == "shared"
    assert row["scale_bits"] == signed_width(aff.params["scale"]) <= 1 + int(np.abs(aff.params["scale"]).max()).bit_length()
    assert row["offset_bits"] == signed_width(aff.params["offset"])
    assert row["score_bits"] == row["output_bits"]
    assert row["shift"] == aff.attrs["shift"]
    text = compiler.inspect(net.path)
    assert f"final affine {aff.name}: shared" in text


def test_scores_output_keeps_every_bit() -> None:
    """output: scores never drops score bits (the scores are the fixed point with frac_bits fraction bits)."""
    folded = _fold(mlp(24, sizes=[30, 20, 5], input_dtype="bipolar", output="scores",
                       folding={"fc2": {"pe": 2, "simd": 4}}))
    assert _affine(folded)[1].attrs["shift"] == 0


def test_shared_unit_never_slows_the_layer() -> None:
    """bnnc_affine_serial's N cycles per vector fit inside its matrix layer's: Graph.timing's interval stands."""
    from compiler.lower import lower_to_hw

    folded = _fold(mlp(23, sizes=[40, 24, 7], input_dtype="bipolar", folding={"fc2": {"pe": 2, "simd": 4}}))
    hw = lower_to_hw(folded)
    serial = [m for m in hw.modules if m.core == "bnnc_affine_serial"]
    assert len(serial) == 1 and serial[0].params["MODE"] == 1
    mat, _ = _affine(folded)
    assert serial[0].cycles == 7 <= int(mat.attrs["cycles"])
    assert hw.interval == folded.timing[0] and max(m.cycles for m in hw.modules) <= hw.interval
