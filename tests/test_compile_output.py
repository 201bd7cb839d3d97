"""`bnnc compile` output of the shipped examples, pinned byte for byte (sha256 of every file).

A refactor must not change what users get; a deliberate change to the generated
files regenerates the pins with ``pytest --regen-golden`` and says why in its commit.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import compiler

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("example", ["mlp_small", "mlp_small_u8", "lfc", "mnist_up5k"])
def test_compile_output_is_pinned(tmp_path: Path, example: str, golden, monkeypatch: pytest.MonkeyPatch) -> None:
    # the manifest records the net.yaml path as given: compile as a user at the repository root would
    monkeypatch.chdir(ROOT)
    out = tmp_path / "rtl"
    cal = ROOT / "examples" / example / "calibration.npy"  # shipped with the example: compile as its README says
    manifest = compiler.compile(f"examples/{example}/net.yaml", out,
                                calibration=np.load(cal) if example == "mnist_up5k" else None)
    files = sorted(p.name for p in out.iterdir())
    assert files == manifest["files"]
    text = "".join(f"{hashlib.sha256((out / f).read_bytes()).hexdigest()}  {f}\n" for f in files)
    golden(f"compile_{example}.sha256", text)
