"""The few-bit benchmark designs of issue 23 (bench/anchors.py lfc_w1a2, cnv_w1a2, cnv_w2a2).

Each generator's net.yaml (designs/lfc.py, designs/cnv.py) compiles at BNN-PYNQ's folding to
BNN-PYNQ's interval; the generators' net.yaml follows docs/few-bit.md. The default cnv() stays
byte-identical: tests/test_compile_output.py pins the compiled CNV designs it makes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import compiler
from designs.cnv import PYNQ_CNV_FOLDING, PYNQ_CNV_W1A2_FOLDING, PYNQ_CNV_W2A2_FOLDING, cnv
from designs.lfc import PYNQ_LFC_INTERVAL, PYNQ_LFC_W1A2_FOLDING, lfc, pynq_folding
from designs.netgen import random_inputs

# design: (generator, BNN-PYNQ's interval at its folding, cycles)
DESIGNS = {
    "lfc_w1a2": (lambda: lfc(0, folding=pynq_folding(PYNQ_LFC_W1A2_FOLDING)), PYNQ_LFC_INTERVAL),
    "cnv_w1a2": (lambda: cnv(0, folding=pynq_folding(PYNQ_CNV_W1A2_FOLDING), act_bits=2), 32_768),
    # conv4 (BNN-PYNQ's L3): 10x10 pixels x 128/8 rows x 1152/16 columns
    "cnv_w2a2": (lambda: cnv(0, folding=pynq_folding(PYNQ_CNV_W2A2_FOLDING), act_bits=2, weight_bits=2), 115_200),
}


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_fewbit_design_compiles_at_pynq_interval(tmp_path: Path, design: str) -> None:
    make, interval = DESIGNS[design]
    net = make().write(tmp_path / "net")
    # a small calibration batch: the score affine's calibration run on the default random batch is most of a
    # few-bit CNV's compile time, and the interval does not depend on it
    manifest = compiler.compile(net.path, tmp_path / "rtl", calibration=random_inputs(net, 16, seed=0))
    assert manifest["interval_cycles"] == interval


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_fewbit_design_yaml(design: str) -> None:
    net = DESIGNS[design][0]()
    layers = net.doc["layers"]
    quants = [layer for layer in layers if layer["op"] == "quant"]
    assert quants and not [layer for layer in layers if layer["op"] == "sign" and "threshold" not in layer]
    assert all((q["bits"], q["signed"], q["narrow"], q["scale"]) == (2, True, True, 1.0) for q in quants)
    matrices = [layer for layer in layers if layer["op"] in ("dense", "conv2d")]
    wbits = 2 if design == "cnv_w2a2" else 1
    assert all(m.get("weight_bits", 1) == wbits for m in matrices)
    assert set(net.doc["hardware"]["folding"]) == {m["name"] for m in matrices}
    if wbits == 2:
        for m in matrices:
            w = net.arrays[f"{m['name']}.weight"]
            assert set(np.unique(w)) <= {-1.0, 0.0, 1.0} and 0.2 < np.mean(w == 0) < 0.6, m["name"]


def test_cnv_variants_share_draws() -> None:
    """act_bits and weight_bits change the activations and the weights' form, nothing else drawn."""
    base, w2 = cnv(0), cnv(0, act_bits=2, weight_bits=2)
    assert base.doc == cnv(0, act_bits=None, weight_bits=1).doc
    assert base.arrays.keys() == w2.arrays.keys()
    for k, a in base.arrays.items():
        if k.endswith(".weight"):
            nz = w2.arrays[k] != 0
            assert np.array_equal(np.sign(a[nz]), w2.arrays[k][nz]), k
        else:
            assert np.array_equal(a, w2.arrays[k]), k
    assert PYNQ_CNV_W1A2_FOLDING == PYNQ_CNV_FOLDING
