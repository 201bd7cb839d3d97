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


@pytest.mark.parametrize("example", ["mlp_small", "mlp_small_u8", "lfc", "mnist_up5k", "conv_mnist_u8",
                                     "conv_mnist_w2a2"])
def test_compile_output_is_pinned(tmp_path: Path, example: str, golden, monkeypatch: pytest.MonkeyPatch) -> None:
    # the manifest records the net.yaml path as given: compile as a user at the repository root would
    monkeypatch.chdir(ROOT)
    out = tmp_path / "rtl"
    cal = ROOT / "examples" / example / "calibration.npy"  # shipped with the example: compile as its README says
    manifest = compiler.compile(f"examples/{example}/net.yaml", out,
                                calibration=np.load(cal) if cal.exists() else None)
    files = sorted(p.name for p in out.iterdir())
    assert files == manifest["files"]
    text = "".join(f"{hashlib.sha256((out / f).read_bytes()).hexdigest()}  {f}\n" for f in files)
    golden(f"compile_{example}.sha256", text)


# The three CNV designs of BENCHMARKS.md's at-a-glance table (bench/anchors.py --designs cnv,cnv_pynq,cnv_3k
# --bram 280): BNN-PYNQ's CNV topology, random weights, under the XC7Z020's block budget.
CNV_DESIGNS = {"cnv": ["--target-fps", "9150"], "cnv_pynq": [], "cnv_3k": ["--target-fps", "3052"]}


@pytest.mark.parametrize("design", sorted(CNV_DESIGNS))
def test_cnv_compile_output_is_pinned(tmp_path: Path, design: str, golden, monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler.cli import main
    from designs.cnv import PYNQ_CNV_FOLDING, cnv

    folding = {k: {"pe": pe, "simd": simd} for k, (pe, simd) in PYNQ_CNV_FOLDING.items()}
    net = cnv(0, folding=folding) if design == "cnv_pynq" else cnv(0)
    net.doc.setdefault("hardware", {})["budget"] = {"bram": 280}
    monkeypatch.chdir(tmp_path)  # the manifest records the net.yaml path as given
    net.write(design)
    assert main(["compile", f"{design}/net.yaml", "-o", "rtl", *CNV_DESIGNS[design]]) == 0
    out = tmp_path / "rtl"
    files = sorted(p.name for p in out.iterdir())
    text = "".join(f"{hashlib.sha256((out / f).read_bytes()).hexdigest()}  {f}\n" for f in files)
    golden(f"compile_{design}.sha256", text)
