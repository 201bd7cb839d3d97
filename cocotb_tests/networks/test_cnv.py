"""FINN's CNV topology (random weights, int8 32x32x3 input) through the whole flow on Verilator.

Compiles, lints clean (-Wall, zero warnings) and matches the reference beat for beat
on every stream, with the measured interval equal to the predicted one: as is, and with
padding 1 on every convolution together with a folding whose PE and SIMD do not divide
the layers (one design, one compiled-engine build, for both: padding leaves every
layer's MW and MH, so its PE/SIMD folding, as they are).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import compiler
from compiler.runtime.sim.simulate import simulate
from compiler.runtime.sim.toolchain import lint
from designs.cnv import NON_DIVIDING, cnv
from designs.netgen import random_inputs


@pytest.mark.parametrize("variant", ["plain", "padding1_non_dividing"])
def test_cnv_beat_for_beat(tmp_path: Path, variant: str) -> None:
    net = cnv(7, padding=1 if variant == "padding1_non_dividing" else 0,
              folding=NON_DIVIDING if variant == "padding1_non_dividing" else None).write(tmp_path / "net")
    out = tmp_path / "rtl"
    manifest = compiler.compile(net.path, out)
    if variant == "padding1_non_dividing":
        layers = {r["name"]: r for r in manifest["layers"] if "pe" in r}
        assert any(r["mh"] % r["pe"] or r["mw"] % r["simd"] for r in layers.values())
        assert all(layers[k]["pe"] == f["pe"] and layers[k]["simd"] == f["simd"] for k, f in NON_DIVIDING.items())
        # padding 1 keeps every 3x3 convolution's map: 32, 32, 16, 16, 8, 8 (30, 28, 12, 10, 3, 1 without)
        convs = [r["output_shape"][0] for r in manifest["layers"] if r["op"] in ("conv2d", "xnor_conv2d")]
        assert convs == [32, 32, 16, 16, 8, 8], convs
    files = [out / f for f in (out / "filelist.f").read_text().split()]
    assert lint(files, manifest["rtl"]["top"]) == []
    x = random_inputs(compiler.load(net.path), 4, seed=3)
    rep = simulate(out, x)
    assert rep.matches == rep.images == 4 and rep.taps
    assert rep.interval_measured == rep.interval_predicted == manifest["interval_cycles"]
