"""The quick fuzz tier of ``make test``: a few random networks through the whole flow (``make fuzz`` runs 500+)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz import check

# Seeds chosen to cover MLPs and convolutional nets, several input dtypes and foldings; fixed so builds cache.
QUICK_SEEDS = list(range(1000, 1008))


@pytest.mark.parametrize("seed", QUICK_SEEDS)
def test_fuzz_quick(tmp_path: Path, seed: int) -> None:
    r = check(seed, tmp_path, images=8)
    assert r.ok, f"fuzz seed {seed} ({r.kind}, {r.input_dtype}): {r.failure}"
    assert r.beats_compared > 0 and r.matches == r.images == 8
