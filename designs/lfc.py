"""BNN-PYNQ's LFC topology with random weights and few-bit activations (issue 23), as a net.yaml, and its folding.

784-1024-1024-1024-10 dense on a 28x28 uint8 MNIST image binarized by an input ``sign`` at
127.5, as bench/sim_engines.py's wide LFC (the LFC-W1A1 anchor) and BNN-PYNQ's LFC (its
first layer reads the binarized image: ``Recast<Binary>`` in lfcW1A2/hw/top.cpp). Each hidden
layer is dense → batchnorm → quant (``act_bits``, signed narrow, scale 1: 2 bits = ternary
codes {-1, 0, +1}, BNN-PYNQ's "A2"), the last dense → batchnorm → argmax. ``weight_bits`` is
every dense layer's (1: ±1, as LFC-W1A2; n >= 2: signed narrow integer codes, docs/few-bit.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from designs.cnv import activation_layer, weight_codes, with_weight_bits
from designs.netgen import GenNet, bn_params

# BNN-PYNQ's LFC-W1A2 folding, (PE, SIMD) per layer (bnn/src/network/lfcW1A2/hw/config.h: L0 (32, 64),
# L1 (64, 32), L2 (32, 64), L3 (16, 8)). Its last layer has 64 rows (10 classes padded), 64/16 x 1024/8 =
# 512 cycles; ours has 10 rows, so PE 10 (one row fold, 128 cycles), as the W1A1 anchor's WIDE_FOLDING
# (bench/sim_engines.py). Interval 512 cycles (fc2 and fc3: 1024/64 x 1024/32 and 1024/32 x 1024/64).
PYNQ_LFC_W1A2_FOLDING = {"fc1": (32, 64), "fc2": (64, 32), "fc3": (32, 64), "fc4": (10, 8)}
PYNQ_LFC_INTERVAL = 512


def lfc(seed: int = 0, *, act_bits: int | None = 2, weight_bits: int = 1, sizes: tuple[int, ...] = (784, 1024, 1024, 1024, 10),
        folding: dict[str, dict[str, int]] | None = None, name: str = "lfc_w1a2") -> GenNet:
    """The LFC with weights and batchnorms drawn from ``seed``; ``folding`` becomes its hardware section.

    ``act_bits`` None gives ``sign`` activations (LFC-W1A1's topology); hidden batchnorms are drawn in
    the "mixed" regimes (designs/netgen.py bn_params) over the accumulator range ±64, as designs/cnv.py's.
    """
    rng = np.random.default_rng(seed)
    layers: list[dict[str, Any]] = [{"name": "in_bin", "op": "sign", "threshold": 127.5}]
    arrays: dict[str, np.ndarray] = {}
    for i in range(1, len(sizes)):
        fan, units = sizes[i - 1], sizes[i]
        fc, bn = f"fc{i}", f"bn{i}"
        layers.append(with_weight_bits({"name": fc, "op": "dense", "units": units}, weight_bits))
        arrays[f"{fc}.weight"] = weight_codes(rng.normal(size=(units, fan)).astype(np.float32), weight_bits)
        last = i == len(sizes) - 1
        layers.append({"name": bn, "op": "batchnorm"})
        for k, a in bn_params(rng, units, "normal" if last else "mixed", acc_range=(-min(fan, 64), min(fan, 64))).items():
            arrays[f"{bn}.{k}"] = a
        if not last:
            layers.append(activation_layer(f"act{i}", act_bits))
    doc: dict[str, Any] = {"name": name, "input": {"shape": [sizes[0]], "dtype": "uint8"}, "layers": layers,
                           "output": "argmax"}
    if folding:
        doc["hardware"] = {"clock_mhz": 100, "folding": folding}
    return GenNet(doc, arrays, meta={"kind": "lfc"})


def pynq_folding(table: dict[str, tuple[int, int]]) -> dict[str, dict[str, int]]:
    """A (PE, SIMD) table as net.yaml's ``hardware.folding``."""
    return {k: {"pe": pe, "simd": simd} for k, (pe, simd) in table.items()}
