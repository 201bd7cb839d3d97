"""Random bnnc networks (net.yaml + weights.npz) for tests and benchmarks.

Every generator is deterministic in its ``rng``/``seed`` and returns a
:class:`GenNet`: the yaml document (a dict), the arrays of the npz, and, once
written with :meth:`GenNet.write`, the path of its net.yaml. Any test or
benchmark may use it::

    from designs.netgen import mlp, cnn, random_inputs
    net = mlp(seed=3, input_dtype="uint8", input_sign=127.5).write(tmp_path)
    graph = compiler.load(net.path)
    x = random_inputs(graph, 100, seed=1)

What can be generated:

* MLPs on ``bipolar``, ``uint8``, ``int8`` (or any ``uintN``/``intN``) inputs,
  with or without an input ``sign`` threshold (integer inputs may also feed the
  first dense layer directly: an add/subtract tree);
* convolutional nets on ``(H, W, C)`` images: conv2d blocks with the max pool
  before the batchnorm (``conv → maxpool → batchnorm → sign``), after the sign
  (``conv → batchnorm → sign → maxpool``) or absent, padding and stride, then
  flatten and dense layers;
* batchnorm parameters in several regimes (:data:`BN_MODES`): negative, zero and
  tiny (1e-12) gamma, huge beta, and exact ties (mean/beta chosen so that the
  folded threshold τ is an integer and the float batchnorm is exactly 0 there);
* a final batchnorm or none, and ``output: argmax`` or ``scores``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

# Regimes of one batchnorm channel; "mixed" draws one per channel.
BN_MODES = ("normal", "negative", "zero", "tiny", "huge_beta", "tie", "tie_negative")


@dataclass
class GenNet:
    """A generated network: ``doc`` (the net.yaml as a dict) and ``arrays`` (the npz)."""

    doc: dict[str, Any]
    arrays: dict[str, np.ndarray]
    path: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.doc["name"])

    def layer(self, name: str) -> dict[str, Any]:
        for layer in self.doc["layers"]:
            if layer["name"] == name:
                return layer
        raise KeyError(name)

    def copy(self) -> GenNet:
        return GenNet(copy.deepcopy(self.doc), {k: v.copy() for k, v in self.arrays.items()}, None,
                      dict(self.meta))

    def write(self, folder: str | Path, yaml_name: str = "net.yaml") -> GenNet:
        """Write ``yaml_name`` and the npz (named by the doc's ``weights``) into ``folder``; sets ``path``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / yaml_name
        path.write_text(yaml.safe_dump(self.doc, sort_keys=False, default_flow_style=None))
        wname = self.doc.get("weights", "weights.npz")
        wpath = (folder / wname)
        if not Path(wname).is_absolute() and ".." not in Path(wname).parts:
            wpath.parent.mkdir(parents=True, exist_ok=True)
            with open(wpath, "wb") as f:
                np.savez(f, **self.arrays)
        self.path = path
        return self


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def bn_params(rng: np.random.Generator | int | None, channels: int, mode: str | Sequence[str] = "mixed",
              acc_range: tuple[int, int] = (-16, 16), eps: float = 1e-5) -> dict[str, np.ndarray]:
    """gamma, beta, mean, var for ``channels`` channels in the given regime(s).

    ``mode`` is one of :data:`BN_MODES`, ``"mixed"`` (a random regime per channel)
    or a sequence of regimes, one per channel. ``acc_range`` is the integer range of
    the batchnorm's input, so thresholds mostly fall inside it (ties always do).
    """
    rng = _rng(rng)
    if isinstance(mode, str):
        modes = [mode] * channels if mode != "mixed" else list(rng.choice(BN_MODES, size=channels))
    else:
        modes = list(mode)
        assert len(modes) == channels
    lo, hi = acc_range
    span = max(1, hi - lo)
    g = np.empty(channels)
    b = np.empty(channels)
    m = np.empty(channels)
    v = np.empty(channels)
    for k, md in enumerate(modes):
        gamma = float(rng.uniform(0.05, 2.0))
        var = float(rng.choice([rng.uniform(0.01, 4.0) * span, 1e-30, rng.uniform(0.5, 2.0)]))
        mean = float(rng.uniform(lo, hi))
        beta = float(rng.normal(0.0, 1.0))
        if md == "negative":
            gamma = -gamma
        elif md == "zero":
            gamma = 0.0 if rng.random() < 0.7 else -0.0
            beta = float(rng.choice([-1.0, 0.0, 1.0]))
        elif md == "tiny":
            gamma = float(rng.choice([1e-12, -1e-12, 5e-300]))
        elif md == "huge_beta":
            beta = float(rng.choice([1e6, -1e6, 1e30, -1e30]))
        elif md in ("tie", "tie_negative"):
            # sigma = 0.5 exactly, gamma = ±0.5, beta = ±0.25: tau = mean - beta/±1 is an integer and the
            # float64 batchnorm is exactly 0 at x = tau, so sign() must give +1 there.
            var = 0.25 - eps
            gamma = 0.5 if md == "tie" else -0.5
            beta = float(rng.choice([0.0, 0.25, -0.25]))
            tau = int(rng.integers(lo, hi + 1))
            mean = tau + beta / (gamma / 0.5)
        else:
            assert md == "normal", md
        g[k], b[k], m[k], v[k] = gamma, beta, mean, var
    return {"gamma": g, "beta": b, "mean": m, "var": v}


def _dtype_range(dtype: str) -> tuple[int, int]:
    if dtype == "bipolar":
        return -1, 1
    if dtype.startswith("uint"):
        return 0, (1 << int(dtype[4:])) - 1
    n = int(dtype[3:])
    return -(1 << (n - 1)), (1 << (n - 1)) - 1


def _weights(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Float latent weights; a few exact zeros (sign(0) = +1)."""
    w = rng.normal(0.0, 1.0, size=shape).astype(np.float32)
    w[rng.random(shape) < 0.05] = 0.0
    return w


def mlp(seed: int | np.random.Generator | None = 0, *, sizes: Sequence[int] | None = None,
        input_dtype: str = "bipolar", input_sign: float | None | str = "auto", final_bn: bool = True,
        output: str = "argmax", bn_mode: str | Sequence[str] = "mixed", final_bn_mode: str = "normal",
        name: str = "mlp",
        folding: dict[str, dict[str, int]] | None = None, eps: float = 1e-5) -> GenNet:
    """An MLP: [sign] dense → (batchnorm → sign → dense)* → [batchnorm].

    ``sizes`` = [inputs, hidden..., classes] (random small sizes when None).
    ``input_sign``: a threshold for an input ``sign`` layer, None for none (integer
    inputs then feed the first dense layer directly), or "auto" (a sign at a random
    threshold for integer inputs, none for bipolar).
    """
    rng = _rng(seed)
    if sizes is None:
        depth = int(rng.integers(1, 4))
        sizes = [int(rng.integers(2, 40))] + [int(rng.integers(1, 24)) for _ in range(depth - 1)] + \
            [int(rng.integers(2, 11))]
    sizes = list(sizes)
    lo, hi = _dtype_range(input_dtype)
    if input_sign == "auto":
        input_sign = None if input_dtype == "bipolar" else float(rng.choice([(lo + hi) / 2, np.ceil((lo + hi) / 2)]))
    layers: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    in_range = (lo, hi)
    if input_sign is not None:
        layers.append({"name": "in_sign", "op": "sign", "threshold": float(input_sign)})
        in_range = (-1, 1)
    for i in range(1, len(sizes)):
        fan_in, units = sizes[i - 1], sizes[i]
        fc = f"fc{i}"
        layers.append({"name": fc, "op": "dense", "units": units})
        arrays[f"{fc}.weight"] = _weights(rng, (units, fan_in))
        amp = max(abs(in_range[0]), abs(in_range[1])) * fan_in
        acc = (-amp, amp)
        last = i == len(sizes) - 1
        if last and not final_bn:
            break
        bn = f"bn{i}"
        layers.append({"name": bn, "op": "batchnorm", "eps": eps})
        mode = bn_mode if not last else final_bn_mode
        for k, a in bn_params(rng, units, mode, acc_range=(max(acc[0], -64), min(acc[1], 64)), eps=eps).items():
            arrays[f"{bn}.{k}"] = a
        if last:
            break
        layers.append({"name": f"act{i}", "op": "sign"})
        in_range = (-1, 1)
    doc: dict[str, Any] = {"name": name, "input": {"shape": [sizes[0]], "dtype": input_dtype}, "layers": layers,
                           "output": output}
    if folding:
        doc["hardware"] = {"clock_mhz": 100, "folding": folding}
    return GenNet(doc, arrays, meta={"kind": "mlp", "sizes": sizes})


def cnn(seed: int | np.random.Generator | None = 0, *, input_shape: Sequence[int] = (6, 6, 2),
        input_dtype: str = "bipolar", input_sign: float | None | str = "auto", filters: Sequence[int] = (4,),
        kernel: int | Sequence[int] = 3, padding: int = 0, stride: int = 1, pad_value: int | None = None,
        padding_rest: int = 0, pad_value_rest: int | None = None, pool: str = "before_bn", pool_kernel: int = 2, pool_stride: int | None = None,
        hidden: Sequence[int] = (), classes: int = 4, final_bn: bool = True, output: str = "argmax",
        bn_mode: str | Sequence[str] = "mixed", name: str = "cnn") -> GenNet:
    """Conv blocks, flatten, dense layers.

    Each conv block is ``conv → maxpool → batchnorm → sign`` (``pool="before_bn"``),
    ``conv → batchnorm → sign → maxpool`` (``"after_sign"``) or ``conv → batchnorm → sign``
    (``"none"``); the first block gets ``padding``/``stride``/``pad_value``, later ones
    ``padding_rest``/``pad_value_rest`` (on signs: -1 or +1) and stride 1.
    """
    rng = _rng(seed)
    h, w, c = (int(d) for d in input_shape)
    lo, hi = _dtype_range(input_dtype)
    if input_sign == "auto":
        input_sign = None if input_dtype == "bipolar" else float((lo + hi) // 2) + 0.5
    layers: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    bipolar = input_dtype == "bipolar"
    if input_sign is not None:
        layers.append({"name": "in_sign", "op": "sign", "threshold": float(input_sign)})
        bipolar = True
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
    for j, f in enumerate(filters):
        conv = f"conv{j + 1}"
        entry: dict[str, Any] = {"name": conv, "op": "conv2d", "filters": int(f),
                                 "kernel": kernel if isinstance(kernel, int) else [kh, kw]}
        p, s = (padding, stride) if j == 0 else (padding_rest, 1)
        pv = pad_value if j == 0 else pad_value_rest
        if p:
            entry["padding"] = p
            if pv is not None:
                entry["pad_value"] = pv
        if s != 1:
            entry["stride"] = s
        layers.append(entry)
        arrays[f"{conv}.weight"] = _weights(rng, (int(f), c, kh, kw))
        amp = kh * kw * c * (1 if bipolar else max(abs(lo), abs(hi)))
        h, w, c = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1, int(f)
        pool_entry = {"name": f"pool{j + 1}", "op": "maxpool2d", "kernel": pool_kernel}
        if pool_stride is not None:
            pool_entry["stride"] = pool_stride
        ps = pool_stride or pool_kernel
        if pool == "before_bn":
            layers.append(pool_entry)
            h, w = (h - pool_kernel) // ps + 1, (w - pool_kernel) // ps + 1
        bn = f"bn_c{j + 1}"
        layers.append({"name": bn, "op": "batchnorm"})
        for k, a in bn_params(rng, c, bn_mode, acc_range=(max(-amp, -64), min(amp, 64))).items():
            arrays[f"{bn}.{k}"] = a
        layers.append({"name": f"act_c{j + 1}", "op": "sign"})
        if pool == "after_sign":
            layers.append(pool_entry)
            h, w = (h - pool_kernel) // ps + 1, (w - pool_kernel) // ps + 1
        bipolar = True
    layers.append({"name": "flat", "op": "flatten"})
    fan_in = h * w * c
    dims = list(hidden) + [classes]
    for i, units in enumerate(dims):
        fc = f"fc{i + 1}"
        layers.append({"name": fc, "op": "dense", "units": int(units)})
        arrays[f"{fc}.weight"] = _weights(rng, (int(units), fan_in))
        last = i == len(dims) - 1
        if last and not final_bn:
            break
        bn = f"bn{i + 1}"
        layers.append({"name": bn, "op": "batchnorm"})
        for k, a in bn_params(rng, int(units), "normal" if last else bn_mode,
                              acc_range=(-min(fan_in, 64), min(fan_in, 64))).items():
            arrays[f"{bn}.{k}"] = a
        if not last:
            layers.append({"name": f"act{i + 1}", "op": "sign"})
        fan_in = int(units)
    doc = {"name": name, "input": {"shape": [int(d) for d in input_shape], "dtype": input_dtype},
           "layers": layers, "output": output}
    return GenNet(doc, arrays, meta={"kind": "cnn", "pool": pool})


def random_net(seed: int) -> GenNet:
    """Any of the above with random options (both pool placements, every input dtype, both outputs)."""
    rng = np.random.default_rng(seed)
    output = str(rng.choice(["argmax", "scores"]))
    final_bn = bool(rng.random() < 0.7)
    if rng.random() < 0.6:
        dtype = str(rng.choice(["bipolar", "uint8", "int8", "uint4", "int3"]))
        sign: Any = "auto" if rng.random() < 0.7 else None
        return mlp(rng, input_dtype=dtype, input_sign=sign, final_bn=final_bn, output=output)
    dtype = str(rng.choice(["bipolar", "uint8"]))
    pool = str(rng.choice(["before_bn", "after_sign", "none"]))
    nf = int(rng.integers(1, 3))
    side = (5, 8) if nf == 1 else (8, 10)  # two conv(2) + pool(2) blocks need 8 pixels
    return cnn(rng, input_shape=(int(rng.integers(*side)), int(rng.integers(*side)), int(rng.integers(1, 3))),
               input_dtype=dtype, input_sign="auto" if dtype != "bipolar" or rng.random() < 0.3 else None,
               filters=[int(rng.integers(1, 5)) for _ in range(nf)], kernel=int(rng.choice([2, 3])) if nf == 1 else 2,
               padding=int(rng.integers(0, 2)), pool=pool, hidden=[int(rng.integers(2, 8))] if rng.random() < 0.5 else [],
               classes=int(rng.integers(2, 6)), final_bn=final_bn, output=output)


def random_inputs(graph_or_net: Any, n: int, seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """``n`` random inputs over the full range of a graph's (or GenNet's) input dtype."""
    rng = _rng(seed)
    if isinstance(graph_or_net, GenNet):
        shape = tuple(graph_or_net.doc["input"]["shape"])
        dt = graph_or_net.doc["input"].get("dtype", "uint8")
        lo, hi = _dtype_range(dt)
        bipolar = dt == "bipolar"
    else:
        shape = tuple(graph_or_net.input.shape)
        d = graph_or_net.input.dtype
        lo, hi, bipolar = d.lo, d.hi, d.is_bipolar
    if bipolar:
        return rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, *shape))
    return rng.integers(lo, hi + 1, size=(n, *shape), dtype=np.int64)


def fewbit(net: GenNet, seed: int | np.random.Generator | None = 0, *, act: tuple[int, bool, bool] = (2, True, True),
           act_scale: float = 0.5, weight_bits: int | Sequence[int] = 2, weight_scale: str | None = "channel") -> GenNet:
    """``net`` made few-bit (docs/few-bit.md): every ``sign`` after a batchnorm (not an input sign, nor
    an input batchnorm's) becomes a
    ``quant`` of ``act`` = (bits, signed, narrow) and scale ``act_scale``; the matrix layers take ``weight_bits``
    (one for all, or one per matrix layer in order; codes drawn uniformly over the narrow range) and a
    ``weight_scale`` ("channel": one per output, "tensor": shape (1,), None: none). A convolution reading codes
    pads with code 0 (every range holds it)."""
    rng = _rng(seed)
    out = net.copy()
    layers = out.doc["layers"]
    matrix = [layer for layer in layers if layer["op"] in ("dense", "conv2d")]
    bits_each = [int(weight_bits)] * len(matrix) if isinstance(weight_bits, int) else [int(b) for b in weight_bits]
    codes = False
    for i, layer in enumerate(layers):
        # a sign after an input batchnorm (no matrix layer before it) stays: a multi-threshold needs the matrix
        # unit before it, and the input is an image of uint8/int8/bipolar pixels (docs/few-bit.md)
        if (layer["op"] == "sign" and i > 0 and layers[i - 1]["op"] == "batchnorm"
                and any(prev["op"] in ("dense", "conv2d") for prev in layers[:i])):
            bits, signed, narrow = act
            layers[i] = {"name": layer["name"], "op": "quant", "bits": bits, "signed": signed, "narrow": narrow,
                         "scale": act_scale}
            codes = True
            continue
        if layer["op"] in ("dense", "conv2d"):
            wb = bits_each[matrix.index(layer)]
            name = layer["name"]
            w = out.arrays[f"{name}.weight"]
            if wb > 1:
                top = (1 << (wb - 1)) - 1
                out.arrays[f"{name}.weight"] = rng.integers(-top, top + 1, size=w.shape).astype(np.int8)
                layer["weight_bits"] = wb
            if weight_scale == "channel":
                out.arrays[f"{name}.weight_scale"] = rng.uniform(0.5, 2.0, size=(int(w.shape[0]),))
            elif weight_scale == "tensor":
                out.arrays[f"{name}.weight_scale"] = rng.uniform(0.5, 2.0, size=(1,))
            if layer["op"] == "conv2d" and codes and layer.get("padding"):
                layer["pad_value"] = 0
            codes = False
    out.meta = {**out.meta, "fewbit": (act, act_scale, bits_each, weight_scale)}
    return out
