"""FINN's CNV topology with random weights, as a net.yaml (for the conv RTL tests and benchmarks), and its foldings.

3x3 convolutions 64-64-pool-128-128-pool-256-256 on a 32x32x3 image, then dense
512-512-classes; every conv block conv → batchnorm → sign, the pools after the sign
of the second conv of a pair. ``padding`` applies to every convolution.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from designs.netgen import GenNet, bn_params

# BNN-PYNQ's CNV-W1A1 folding, (PE, SIMD) per layer (bnn/src/network/cnvW1A1/hw/config.h)
PYNQ_CNV_FOLDING = {"conv1": (16, 3), "conv2": (32, 32), "conv3": (16, 32), "conv4": (16, 32), "conv5": (4, 32),
                    "conv6": (1, 32), "fc1": (1, 4), "fc2": (1, 8), "fc3": (4, 1)}

# A folding where no PE divides its layer's rows and no SIMD its columns (every partial tile of bnnc_mvtu)
NON_DIVIDING = {"conv1": {"pe": 5, "simd": 4}, "conv2": {"pe": 7, "simd": 20}, "conv3": {"pe": 6, "simd": 28},
                "conv4": {"pe": 9, "simd": 25}, "conv5": {"pe": 3, "simd": 50}, "conv6": {"pe": 5, "simd": 45},
                "fc1": {"pe": 7, "simd": 11}, "fc2": {"pe": 3, "simd": 7}, "fc3": {"pe": 3, "simd": 9}}


def cnv(seed: int = 0, *, input_dtype: str = "int8", padding: int = 0, classes: int = 10,
        folding: dict[str, dict[str, int]] | None = None, widths: tuple[int, ...] = (64, 64, 128, 128, 256, 256),
        dense: tuple[int, ...] = (512, 512), side: int = 32, name: str = "cnv") -> GenNet:
    """The CNV with weights and batchnorms drawn from ``seed``; ``folding`` becomes its hardware section."""
    rng = np.random.default_rng(seed)
    layers: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    h, c = side, 3
    for i, f in enumerate(widths):
        conv = f"conv{i + 1}"
        entry: dict[str, Any] = {"name": conv, "op": "conv2d", "filters": f, "kernel": 3}
        if padding:
            entry["padding"] = padding
        layers.append(entry)
        arrays[f"{conv}.weight"] = rng.normal(size=(f, c, 3, 3)).astype(np.float32)
        h = h + 2 * padding - 2
        fan = 9 * c * (1 if i else 128)
        layers.append({"name": f"bn_c{i + 1}", "op": "batchnorm"})
        for k, a in bn_params(rng, f, "mixed", acc_range=(-min(fan, 64), min(fan, 64))).items():
            arrays[f"bn_c{i + 1}.{k}"] = a
        layers.append({"name": f"act_c{i + 1}", "op": "sign"})
        if i in (1, 3):
            layers.append({"name": f"pool{i // 2 + 1}", "op": "maxpool2d", "kernel": 2})
            h //= 2
        c = f
    layers.append({"name": "flat", "op": "flatten"})
    fan = h * h * c
    for j, units in enumerate((*dense, classes)):
        fc = f"fc{j + 1}"
        layers.append({"name": fc, "op": "dense", "units": units})
        arrays[f"{fc}.weight"] = rng.normal(size=(units, fan)).astype(np.float32)
        layers.append({"name": f"bn{j + 1}", "op": "batchnorm"})
        for k, a in bn_params(rng, units, "mixed" if j < len(dense) else "normal",
                              acc_range=(-min(fan, 64), min(fan, 64))).items():
            arrays[f"bn{j + 1}.{k}"] = a
        if j < len(dense):
            layers.append({"name": f"act{j + 1}", "op": "sign"})
        fan = units
    doc: dict[str, Any] = {"name": name, "input": {"shape": [side, side, 3], "dtype": input_dtype}, "layers": layers}
    if folding:
        doc["hardware"] = {"clock_mhz": 100, "folding": folding}
    return GenNet(doc, arrays, meta={"kind": "cnv"})
