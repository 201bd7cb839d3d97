"""The lean final layer on Verilator: each form of the final affine (none, shift, shared) in a whole network.

Networks built so that ``lean_scores`` picks each form (checked in the manifest), compiled,
linted and simulated like test_networks.py: random input gaps and output backpressure
with every beat of every stream checked against the reference, then no gaps and no
backpressure, where the measured interval must equal the predicted one. (The parallel
form is what test_networks.py's fast-folded networks use.)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.runtime.sim.runner import SIM_BUILD
from compiler.runtime.sim.toolchain import lint
from tests.sim_checks import check_beats_and_interval, compile_nets
from designs.netgen import GenNet, mlp, random_inputs

IMAGES = 40


def _equal_scales(net: GenNet, bn: str, equal_offsets: bool) -> GenNet:
    """Give ``bn`` one gamma and one variance for every class (equal scales), and one mean and beta if asked."""
    g, v = net.arrays[f"{bn}.gamma"], net.arrays[f"{bn}.var"]
    g[:] = abs(float(g[0])) + 0.1
    v[:] = float(v[0])
    if equal_offsets:
        net.arrays[f"{bn}.mean"][:] = float(net.arrays[f"{bn}.mean"][0])
        net.arrays[f"{bn}.beta"][:] = float(net.arrays[f"{bn}.beta"][0])
    return net


def _nets() -> dict[str, tuple[GenNet, str]]:
    slow = {"fc1": {"pe": 4, "simd": 8}, "fc2": {"pe": 2, "simd": 4}}  # fc2: SF = 6 >= 2 * PE
    return {
        # equal positive scales, argmax: (acc << k) + B' on one adder
        "shift_argmax": (_equal_scales(mlp(21, sizes=[40, 24, 7], input_dtype="bipolar", folding=slow), "bn2",
                                       equal_offsets=False), "shift"),
        # equal scales and offsets: the argmax of the raw accumulators
        "none_argmax": (_equal_scales(mlp(22, sizes=[40, 24, 7], input_dtype="bipolar", folding=slow), "bn2",
                                      equal_offsets=True), "none"),
        # per-class scales, argmax: one shared multiplier, low score bits dropped
        "shared_argmax": (mlp(23, sizes=[40, 24, 7], input_dtype="uint8", input_sign=127.5, folding=slow,
                              final_bn_mode="normal"), "shared"),
        # per-class scales, raw scores out: one shared multiplier, every score bit kept
        "shared_scores": (mlp(24, sizes=[30, 20, 5], input_dtype="int8", input_sign=-0.5, output="scores",
                              folding={"fc1": {"pe": 4, "simd": 6}, "fc2": {"pe": 2, "simd": 4}}), "shared"),
        # no final batchnorm, scores out: scale 2 = 1 << 1, a shift-add
        "shift_scores": (mlp(25, sizes=[30, 20, 6], input_dtype="bipolar", final_bn=False, output="scores",
                             folding={"fc1": {"pe": 4, "simd": 6}, "fc2": {"pe": 3, "simd": 2}}), "shift"),
    }


NETS = _nets()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, compiler.ir.Graph]]:
    return compile_nets({name: net for name, (net, _) in NETS.items()}, tmp_path_factory)


@pytest.mark.parametrize("name", sorted(NETS))
def test_lean_final_layer(name: str, compiled: dict[str, tuple[Path, compiler.ir.Graph]]) -> None:
    """The expected form is chosen; every beat of every stream matches; measured interval = predicted."""
    rtl, folded = compiled[name]
    manifest = json.loads((rtl / "manifest.json").read_text())
    row = [r for r in manifest["layers"] if r["op"] == "affine"][-1]
    assert row["affine"] == NETS[name][1], row
    cores = [m["core"] for m in manifest["rtl"]["modules"]]
    assert ("bnnc_affine_serial" in cores) == (row["affine"] in ("shift", "shared"))
    top = manifest["rtl"]["top"]
    assert lint([rtl / n for n in (rtl / "filelist.f").read_text().split()], top, {"MEM_DIR": f"{rtl}/"}) == []

    x = random_inputs(folded, IMAGES, seed=5)
    bdir = SIM_BUILD / "networks" / f"lean_{name}"
    rep = check_beats_and_interval(rtl, folded, x, bdir)
    assert np.isfinite(rep.interval_predicted)
