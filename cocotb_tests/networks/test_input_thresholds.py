"""Input binarization whose threshold differs per channel (an input batchnorm + sign): bnnc_threshold_rom in RTL.

Dense inputs (each element its own channel) and image inputs (per channel, tiled over
pixels), with negative gamma (negated compares), on Verilator beat for beat.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.runtime.sim.simulate import simulate
from compiler.runtime.sim.toolchain import lint
from designs.netgen import GenNet, bn_params, mlp, random_inputs


def _with_input_batchnorm(net: GenNet, channels: int, seed: int) -> GenNet:
    """Replace the input sign by batchnorm + sign over the input's last axis (mixed-sign gamma, ties)."""
    layers = net.doc["layers"]
    assert layers[0]["op"] == "sign"
    net.doc["layers"] = [{"name": "in_bn", "op": "batchnorm"}] + layers
    for k, a in bn_params(np.random.default_rng(seed), channels, "mixed", acc_range=(0, 255)).items():
        net.arrays[f"in_bn.{k}"] = a
    return net


@pytest.mark.parametrize("seed,simd", [(0, 4), (1, 7)])
def test_per_element_input_thresholds(tmp_path: Path, seed: int, simd: int) -> None:
    net = mlp(seed, sizes=[11, 6, 4], input_dtype="uint8", input_sign=0.0,
              folding={"fc1": {"pe": 2, "simd": simd}})
    net = _with_input_batchnorm(net, 11, seed).write(tmp_path / "net")
    folded = compiler.fold(net.path)
    th = folded.nodes[0]
    assert th.op == "threshold" and len(set(th.params["thresholds"].tolist())) > 1 and th.params["negate"].any()
    out = tmp_path / "rtl"
    manifest = compiler.compile(net.path, out)
    cores = {m["core"] for m in manifest["rtl"]["modules"]}
    assert "bnnc_threshold_rom" in cores and "bnnc_threshold" not in cores
    files = [out / f for f in (out / "filelist.f").read_text().split()]
    assert lint(files, manifest["rtl"]["top"]) == []
    x = random_inputs(folded, 40, seed=seed)
    rep = simulate(out, x, gap_prob=0.3, ready_prob=0.6, seed=seed)
    assert rep.matches == rep.images == 40
