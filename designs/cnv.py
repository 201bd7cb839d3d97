"""FINN's CNV topology with random weights, as a net.yaml (for the conv RTL tests and benchmarks), and its foldings.

3x3 convolutions 64-64-pool-128-128-pool-256-256 on a 32x32x3 image, then dense
512-512-classes; every conv block conv → batchnorm → sign, the pools after the sign
of the second conv of a pair. ``padding`` applies to every convolution.

The few-bit variants of issue 23 (docs/few-bit.md): ``act_bits=2`` puts a 2-bit signed narrow
``quant`` (ternary codes {-1, 0, +1}, BNN-PYNQ's "A2") where the sign was, and ``weight_bits=2``
gives every conv and dense layer ternary weight codes (BNN-PYNQ's "W2", its first layer included:
cnvW2A2's config.h has L0_WPI 2 on the 8-bit image). The defaults draw and write exactly what
they did before (tests/test_compile_output.py pins the compiled designs).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from designs.netgen import GenNet, bn_params

# BNN-PYNQ's CNV-W1A1 folding, (PE, SIMD) per layer (bnn/src/network/cnvW1A1/hw/config.h)
PYNQ_CNV_FOLDING = {"conv1": (16, 3), "conv2": (32, 32), "conv3": (16, 32), "conv4": (16, 32), "conv5": (4, 32),
                    "conv6": (1, 32), "fc1": (1, 4), "fc2": (1, 8), "fc3": (4, 1)}

# BNN-PYNQ's CNV-W1A2 folding (bnn/src/network/cnvW1A2/hw/config.h): the W1A1 one, layer for layer
PYNQ_CNV_W1A2_FOLDING = dict(PYNQ_CNV_FOLDING)

# BNN-PYNQ's CNV-W2A2 folding, (PE, SIMD) per layer (bnn/src/network/cnvW2A2/hw/config.h); its slowest
# layer is conv4 (L3: 100 pixels x 128/8 x 1152/16 = 115,200 cycles, the file's largest "Ext Latency")
PYNQ_CNV_W2A2_FOLDING = {"conv1": (8, 3), "conv2": (16, 16), "conv3": (8, 16), "conv4": (8, 16), "conv5": (4, 8),
                         "conv6": (1, 8), "fc1": (1, 2), "fc2": (2, 2), "fc3": (4, 1)}

# A folding where no PE divides its layer's rows and no SIMD its columns (every partial tile of bnnc_mvtu)
NON_DIVIDING = {"conv1": {"pe": 5, "simd": 4}, "conv2": {"pe": 7, "simd": 20}, "conv3": {"pe": 6, "simd": 28},
                "conv4": {"pe": 9, "simd": 25}, "conv5": {"pe": 3, "simd": 50}, "conv6": {"pe": 5, "simd": 45},
                "fc1": {"pe": 7, "simd": 11}, "fc2": {"pe": 3, "simd": 7}, "fc3": {"pe": 3, "simd": 9}}


def cnv(seed: int = 0, *, input_dtype: str = "int8", padding: int = 0, classes: int = 10,
        folding: dict[str, dict[str, int]] | None = None, widths: tuple[int, ...] = (64, 64, 128, 128, 256, 256),
        dense: tuple[int, ...] = (512, 512), side: int = 32, name: str = "cnv", act_bits: int | None = None,
        weight_bits: int = 1) -> GenNet:
    """The CNV with weights and batchnorms drawn from ``seed``; ``folding`` becomes its hardware section.

    ``act_bits`` (None: ``sign``; 2..4: a signed narrow ``quant`` of that many bits, scale 1) is every
    hidden activation; ``weight_bits`` (1..4) every conv and dense layer's. With ``weight_bits`` n >= 2
    the codes are the same normal draws as for 1 bit, scaled by 2^(n-1) - 1, rounded and clipped into
    the signed narrow range (2 bits: |w| < 0.5 -> 0, about 38 % zeros), so every variant of one seed
    has the same batchnorms and the same weight signs.
    """
    rng = np.random.default_rng(seed)
    layers: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    h, c = side, 3
    for i, f in enumerate(widths):
        conv = f"conv{i + 1}"
        entry: dict[str, Any] = {"name": conv, "op": "conv2d", "filters": f, "kernel": 3}
        if padding:
            entry["padding"] = padding
        with_weight_bits(entry, weight_bits)
        layers.append(entry)
        arrays[f"{conv}.weight"] = weight_codes(rng.normal(size=(f, c, 3, 3)).astype(np.float32), weight_bits)
        h = h + 2 * padding - 2
        fan = 9 * c * (1 if i else 128)
        layers.append({"name": f"bn_c{i + 1}", "op": "batchnorm"})
        for k, a in bn_params(rng, f, "mixed", acc_range=(-min(fan, 64), min(fan, 64))).items():
            arrays[f"bn_c{i + 1}.{k}"] = a
        layers.append(activation_layer(f"act_c{i + 1}", act_bits))
        if i in (1, 3):
            layers.append({"name": f"pool{i // 2 + 1}", "op": "maxpool2d", "kernel": 2})
            h //= 2
        c = f
    layers.append({"name": "flat", "op": "flatten"})
    fan = h * h * c
    for j, units in enumerate((*dense, classes)):
        fc = f"fc{j + 1}"
        layers.append(with_weight_bits({"name": fc, "op": "dense", "units": units}, weight_bits))
        arrays[f"{fc}.weight"] = weight_codes(rng.normal(size=(units, fan)).astype(np.float32), weight_bits)
        layers.append({"name": f"bn{j + 1}", "op": "batchnorm"})
        for k, a in bn_params(rng, units, "mixed" if j < len(dense) else "normal",
                              acc_range=(-min(fan, 64), min(fan, 64))).items():
            arrays[f"bn{j + 1}.{k}"] = a
        if j < len(dense):
            layers.append(activation_layer(f"act{j + 1}", act_bits))
        fan = units
    doc: dict[str, Any] = {"name": name, "input": {"shape": [side, side, 3], "dtype": input_dtype}, "layers": layers}
    if folding:
        doc["hardware"] = {"clock_mhz": 100, "folding": folding}
    return GenNet(doc, arrays, meta={"kind": "cnv"})


def activation_layer(name: str, bits: int | None) -> dict[str, Any]:
    """A ``sign`` (bits None) or a signed narrow ``quant`` of ``bits`` bits, scale 1 (docs/few-bit.md)."""
    if bits is None:
        return {"name": name, "op": "sign"}
    return {"name": name, "op": "quant", "bits": bits, "signed": True, "narrow": True, "scale": 1.0}


def with_weight_bits(entry: dict[str, Any], bits: int) -> dict[str, Any]:
    """``entry`` with ``weight_bits`` where it is not the default 1 (1-bit yaml unchanged)."""
    if bits != 1:
        entry["weight_bits"] = bits
    return entry


def weight_codes(w: np.ndarray, bits: int) -> np.ndarray:
    """1 bit: the float draws (their signs are the weights); n bits: signed narrow integer codes (float32)."""
    if bits == 1:
        return w
    qmax = (1 << (bits - 1)) - 1
    return np.clip(np.rint(w * qmax), -qmax, qmax).astype(np.float32)
