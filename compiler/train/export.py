"""Export a trained binarized MLP to bnnc's ``net.yaml`` + ``weights.npz``.

The format is docs/net-yaml.md. What is written:

* ``input: {shape: [784], dtype: uint8}`` -- raw pixels, the domain training saw.
* ``input: binarize`` models begin with ``{op: sign, threshold: 127.5}``.
* Each ``BinaryLinear`` becomes ``{op: dense, units}`` with ``<name>.weight`` of
  shape (units, in). The values written are ``sign(w)`` (±1, sign(0)=+1) -- exactly
  the weights torch used -- as float16 by default (exact for ±1 and small once
  compressed); latent weights are not needed by the compiler.
* Each ``BatchNorm1d`` becomes ``{op: batchnorm, eps}`` with ``gamma`` (weight),
  ``beta`` (bias), ``mean`` (running_mean), ``var`` (running_var), float32 as in torch.
* For ``input: uint8`` models, training fed ``x / s`` into fc1; the export is in
  the raw pixel domain, so the first batchnorm gets ``mean*s``, ``var*s^2`` and
  ``eps*s^2``, which gives exactly the same function:
  ``gamma*(Wx/s - m)/sqrt(v + e) + beta == gamma*(Wx - m*s)/sqrt(v*s^2 + e*s^2) + beta``.
  These arrays are float64 so the scaling adds no rounding of its own.
* ``output: argmax``, ``hardware: {clock_mhz: 100}``, ``weights: weights.npz``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from torch import nn

from .layers import BinaryLinear, InputBinarize, SignActivation, sign_pm1
from .module import BnnClassifier, InputScale


class ExportError(ValueError):
    """The model cannot be expressed in net.yaml (message is one line)."""


def _f(x: float) -> float:
    return float(x)


def export(model: BnnClassifier | nn.Module, path: str | Path, *, name: str | None = None,
           weight_dtype: str = "float16", clock_mhz: float = 100.0) -> tuple[Path, Path]:
    """Write ``path`` (net.yaml) and ``weights.npz`` beside it.

    Args:
        model: a :class:`BnnClassifier` (or its ``net`` Sequential) with binary layers.
        path: the yaml file to write; its folder is created.
        name: network name (defaults to the config's name).
        weight_dtype: dtype of the ±1 weight arrays (``float16``, ``float32`` or ``float64``).
        clock_mhz: the ``hardware.clock_mhz`` field.

    Returns:
        (yaml path, npz path).
    """
    net = model.net if isinstance(model, BnnClassifier) else model
    if name is None:
        name = model.cfg.name if isinstance(model, BnnClassifier) else "net"
    if weight_dtype not in ("float16", "float32", "float64"):
        raise ExportError(f"weight_dtype must be float16, float32 or float64, not {weight_dtype}")
    path = Path(path)
    layers: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    input_scale: float | None = None
    first_bn_pending = False
    seen_matrix = False
    in_features: int | None = None
    mods = list(net.named_children())
    for i, (lname, m) in enumerate(mods):
        if isinstance(m, nn.Dropout):
            continue
        if isinstance(m, InputBinarize):
            if seen_matrix:
                raise ExportError(f"layer {lname}: input binarization must come first")
            layers.append({"name": lname, "op": "sign", "threshold": _f(m.threshold)})
        elif isinstance(m, InputScale):
            if seen_matrix:
                raise ExportError(f"layer {lname}: input scaling must come first")
            input_scale = m.scale
        elif isinstance(m, BinaryLinear):
            if in_features is None:
                in_features = m.in_features
            w = sign_pm1(m.weight.detach().cpu().double()).numpy().astype(weight_dtype)
            arrays[f"{lname}.weight"] = w
            layers.append({"name": lname, "op": "dense", "units": int(m.out_features)})
            first_bn_pending = not seen_matrix and input_scale is not None
            seen_matrix = True
        elif isinstance(m, nn.BatchNorm1d):
            if not seen_matrix:
                raise ExportError(f"layer {lname}: batchnorm before any dense layer is not supported")
            if not (m.affine and m.track_running_stats):
                raise ExportError(f"layer {lname}: batchnorm must be affine with running statistics")
            gamma = m.weight.detach().cpu().double().numpy()
            beta = m.bias.detach().cpu().double().numpy()
            mean = m.running_mean.detach().cpu().double().numpy()
            var = m.running_var.detach().cpu().double().numpy()
            eps = float(m.eps)
            dt: str = "float32"
            if first_bn_pending:
                s = float(input_scale)  # type: ignore[arg-type]
                mean, var, eps = mean * s, var * s * s, eps * s * s
                dt = "float64"
                first_bn_pending = False
            arrays[f"{lname}.gamma"] = gamma.astype(dt)
            arrays[f"{lname}.beta"] = beta.astype(dt)
            arrays[f"{lname}.mean"] = mean.astype(dt)
            arrays[f"{lname}.var"] = var.astype(dt)
            layers.append({"name": lname, "op": "batchnorm", "eps": eps})
        elif isinstance(m, SignActivation):
            layers.append({"name": lname, "op": "sign"})
        else:
            raise ExportError(f"layer {lname}: {type(m).__name__} cannot be exported to net.yaml "
                              "(float twins are not exportable)")
    if in_features is None:
        raise ExportError("model has no binary dense layer")
    if first_bn_pending:
        raise ExportError("a uint8-input first layer needs a batchnorm after it to carry the input scale")
    doc = {
        "name": name,
        "input": {"shape": [int(in_features)], "dtype": "uint8"},
        "layers": layers,
        "output": "argmax",
        "hardware": {"clock_mhz": clock_mhz},
        "weights": "weights.npz",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    npz = path.parent / "weights.npz"
    with open(path, "w") as fh:
        fh.write(f"# exported by compiler.train.export from a trained {name} (bnnc train)\n")
        yaml.safe_dump(doc, fh, sort_keys=False, default_flow_style=None, width=120)
    np.savez_compressed(npz, **arrays)
    return path, npz


def load_checkpoint(ckpt: str | Path) -> BnnClassifier:
    """Load a :class:`BnnClassifier` from a Lightning checkpoint (CPU, eval mode)."""
    model = BnnClassifier.load_from_checkpoint(str(ckpt), map_location="cpu")
    model.eval()
    return model


@torch.no_grad()
def torch_predict(model: BnnClassifier, x_uint8: np.ndarray, dtype: torch.dtype = torch.float64) -> np.ndarray:
    """Argmax predictions of the torch model in eval mode (float64 by default, like the reference)."""
    m = model.to(dtype)
    try:
        return m.predict_classes(torch.from_numpy(np.asarray(x_uint8)).to(dtype)).numpy()
    finally:
        model.to(torch.float32)
