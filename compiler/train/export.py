"""Export a trained binarized MLP or CNN to bnnc's ``net.yaml`` + ``weights.npz``.

The format is docs/net-yaml.md. What is written:

* ``input: {shape: [784], dtype: uint8}`` -- raw pixels, the domain training saw;
  a conv net's input is its image, channel-last: ``shape: [H, W, C]``.
* ``input: binarize`` models begin with ``{op: sign, threshold: 127.5}``.
* Each ``BinaryConv2d`` becomes ``{op: conv2d, filters, kernel, padding, pad_value}``
  with ``<name>.weight`` of shape (filters, C, kh, kw), PyTorch's layout, which
  net.yaml keeps. ``pad_value`` is the value training padded with: -1 on bipolar
  maps (bit 0), 0 on raw uint8 pixels (see :class:`~compiler.train.layers.BinaryConv2d`).
* Each ``MaxPool2d`` becomes ``{op: maxpool2d, kernel, stride}``.
* ``nn.Flatten`` becomes ``{op: flatten}``. bnnc flattens channel-last ((h*W + w)*C + c)
  where torch flattened NCHW (c*H*W + h*W + w), so the columns of the dense layer
  after it are permuted: ``W.reshape(U, C, H, W).transpose(0, 2, 3, 1).reshape(U, -1)``.
* Each ``BinaryLinear`` becomes ``{op: dense, units}`` with ``<name>.weight`` of
  shape (units, in). The values written are ``sign(w)`` (±1, sign(0)=+1) -- exactly
  the weights torch used -- as float16 by default (exact for ±1 and small once
  compressed); latent weights are not needed by the compiler.
* Few-bit layers (issue 23, docs/few-bit.md): a ``QuantLinear`` / ``QuantConv2d`` adds
  ``weight_bits: n`` to its layer, writes the integer codes (int8, signed narrow range)
  as ``<name>.weight`` and its scales as ``<name>.weight_scale`` (float64, (1,) per
  tensor or (out,) per output channel); 1-bit layers are written as before, without a
  scale. A ``QuantActivation`` becomes ``{op: quant, bits, signed, narrow, scale}`` after
  its batchnorm, ``scale`` the Python float the float64 pass divides by (its YAML repr
  round-trips); a conv after it pads with code 0.
* Each ``BatchNorm1d`` / ``BatchNorm2d`` (per channel) becomes ``{op: batchnorm, eps}``
  with ``gamma`` (weight), ``beta`` (bias), ``mean`` (running_mean), ``var``
  (running_var), float32 as in torch. A ``ScaledBatchNorm`` (``model.bn_scale``: ``s * BN(x)``,
  ``s > 0`` per channel) is written as the batchnorm of ``gamma*s`` and ``beta*s``, in float64.
* For ``input: uint8`` models, training fed ``x / s`` into the first matrix layer;
  the export is in the raw pixel domain, so the first batchnorm gets ``mean*s``,
  ``var*s^2`` and ``eps*s^2``, which gives exactly the same function:
  ``gamma*(Wx/s - m)/sqrt(v + e) + beta == gamma*(Wx - m*s)/sqrt(v*s^2 + e*s^2) + beta``
  (a max-pool between them commutes with the positive scale). These arrays are
  float64 so the scaling adds no rounding of its own.
* ``output: argmax``, ``hardware: {clock_mhz: 100}``, ``weights: weights.npz``.
* Optionally ``calibration.npy``: training images (uint8, shaped like the net's input)
  for ``bnnc compile/inspect --calibration`` and ``compiler.fold(calibration=...)``.
  bnnc sizes the fixed point of the final scores so that their argmax matches
  float64 on its calibration inputs (plus 4 bits). Random pixels (its default) or
  ordinary images rarely come close to a tie between two classes, so the width can be
  too narrow for the few real images that do (seen: 1 to 7 flips on 1,000 to 10,000
  MNIST test images with conv nets). :func:`pick_calibration` therefore picks the
  training images whose two best scores are closest: the ones that need the bits.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from torch import nn

from compiler.config import DEFAULT_CLOCK_MHZ
from compiler.errors import BnncError, describe
from compiler.frontend.netyaml import import_net
from compiler.kernels import conv_out_hw
from compiler.limits import DEFAULT_MAX_BYTES, fmt_bytes

from .config import COUNT_MAX, check_footprint, validate
from .data import check_regular
from .layers import (
    BinaryConv2d,
    BinaryLinear,
    InputBinarize,
    QuantActivation,
    QuantConv2d,
    QuantLinear,
    SignActivation,
    _ScaledBatchNorm,
    sign_pm1,
)
from .module import BnnClassifier, InputScale, ToImage


class ExportError(BnncError, ValueError):
    """The model cannot be expressed in net.yaml, or a checkpoint cannot be loaded (message is one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def _f(x: float) -> float:
    return float(x)


def _pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _one(v: tuple[int, int]) -> int | list[int]:
    """A square window as one int (net.yaml's short form), else [h, w]."""
    return v[0] if v[0] == v[1] else [v[0], v[1]]


@dataclass
class _Walk:
    """Where the walk over a model's modules stands: what it has written so far (mutable, one export's)."""

    weight_dtype: str
    layers: list[dict[str, Any]] = field(default_factory=list)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    input_scale: float | None = None
    first_bn_pending: bool = False
    seen_matrix: bool = False
    in_shape: list[int] | None = None
    # The (H, W, C) map flowing through a conv net (None outside images), and the (C, H, W)
    # of the map a Flatten consumed, which the next dense layer's columns are permuted by.
    hwc: tuple[int, int, int] | None = None
    flattened: tuple[int, int, int] | None = None
    # Whether the map the next layer reads is few-bit codes (a quant's output): a conv pads it with code 0.
    reads_codes: bool = False


def _weights(w: _Walk, lname: str, m: BinaryLinear | BinaryConv2d, lay: dict[str, Any]) -> np.ndarray:
    """A matrix layer's weights as written (before a flatten's column permutation): ±1 in ``weight_dtype``
    for 1 bit (unchanged), the int8 codes for few-bit layers, whose ``weight_bits`` and
    ``<layer>.weight_scale`` (float64, exactly the scales torch's float64 pass multiplies by) go with them."""
    if isinstance(m, (QuantLinear, QuantConv2d)):
        lay["weight_bits"] = int(m.weight_bits)
        w.arrays[f"{lname}.weight_scale"] = m.export_scale()
        return m.export_codes()
    return sign_pm1(m.weight.detach().cpu().double()).numpy().astype(w.weight_dtype)


def _skip(w: _Walk, lname: str, m: nn.Module) -> None:
    """Dropout: nothing at inference."""


def _to_image(w: _Walk, lname: str, m: ToImage) -> None:
    """The image reshape: the net's input is the (H, W, C) image."""
    if w.seen_matrix or w.layers:
        raise ExportError(f"layer {lname}: the image reshape must come first")
    w.hwc = tuple(m.shape)  # type: ignore[assignment]
    w.in_shape = list(m.shape)


def _input_binarize(w: _Walk, lname: str, m: InputBinarize) -> None:
    """Input binarization: a sign layer at the threshold."""
    if w.seen_matrix:
        raise ExportError(f"layer {lname}: input binarization must come first")
    w.layers.append({"name": lname, "op": "sign", "threshold": _f(m.threshold)})


def _input_scale(w: _Walk, lname: str, m: InputScale) -> None:
    """Input scaling: no layer; the first batchnorm takes the scale."""
    if w.seen_matrix:
        raise ExportError(f"layer {lname}: input scaling must come first")
    w.input_scale = m.scale


def _conv2d(w: _Walk, lname: str, m: BinaryConv2d) -> None:
    """A binary convolution: conv2d, its ±1 weights in PyTorch's layout."""
    if w.hwc is None:
        raise ExportError(f"layer {lname}: a conv2d layer needs an image input (H, W, C), not a flat vector")
    if _pair(m.dilation) != (1, 1) or m.groups != 1 or _pair(m.stride)[0] != _pair(m.stride)[1]:
        raise ExportError(f"layer {lname}: conv2d must have dilation 1, groups 1 and a square "
                          f"stride, not dilation {m.dilation}, groups {m.groups}, stride {m.stride}")
    ph, pw = _pair(m.padding)  # type: ignore[arg-type]
    if ph != pw:
        raise ExportError(f"layer {lname}: conv2d padding must be the same on both axes, not {m.padding}")
    kh, kw = _pair(m.kernel_size)
    stride = _pair(m.stride)[0]
    lay: dict[str, Any] = {"name": lname, "op": "conv2d", "filters": int(m.out_channels), "kernel": _one((kh, kw))}
    if stride != 1:
        lay["stride"] = stride
    if ph:
        lay["padding"] = ph
        pad = float(m.pad_value)
        if not pad.is_integer():
            raise ExportError(f"layer {lname}: pad_value must be an integer, not {pad}")
        if w.reads_codes and pad != 0:
            raise ExportError(f"layer {lname}: pad_value on few-bit codes must be 0 (code 0), not {pad:g}")
        lay["pad_value"] = int(pad)
    w.arrays[f"{lname}.weight"] = _weights(w, lname, m, lay)  # (filters, C, kh, kw): PyTorch's layout, net.yaml's too
    w.layers.append(lay)
    w.reads_codes = False
    h, wd, _ = w.hwc
    w.hwc = (*conv_out_hw(h, wd, kh, kw, stride, ph), int(m.out_channels))
    w.first_bn_pending = not w.seen_matrix and w.input_scale is not None
    w.seen_matrix = True


def _maxpool2d(w: _Walk, lname: str, m: nn.MaxPool2d) -> None:
    """A square max-pool without padding: maxpool2d."""
    k, s = _pair(m.kernel_size), _pair(m.stride)
    if w.hwc is None or k[0] != k[1] or s[0] != s[1] or _pair(m.padding) != (0, 0) \
            or _pair(m.dilation) != (1, 1) or m.ceil_mode:
        raise ExportError(f"layer {lname}: maxpool2d must be a square window on an image with "
                          f"padding 0, dilation 1 and ceil_mode off, not {m}")
    w.layers.append({"name": lname, "op": "maxpool2d", "kernel": k[0], "stride": s[0]})
    h, wd, c = w.hwc
    w.hwc = (*conv_out_hw(h, wd, k[0], k[0], s[0], 0), c)


def _flatten(w: _Walk, lname: str, m: nn.Flatten) -> None:
    """Flatten: the next dense layer's columns are permuted to channel-last order."""
    if w.hwc is None:
        raise ExportError(f"layer {lname}: flatten needs an image (H, W, C) before it")
    w.layers.append({"name": lname, "op": "flatten"})
    w.flattened = (w.hwc[2], w.hwc[0], w.hwc[1])
    w.hwc = None


def _dense(w: _Walk, lname: str, m: BinaryLinear) -> None:
    """A binary linear layer: dense, its ±1 weights (units, in)."""
    if w.hwc is not None:
        raise ExportError(f"layer {lname}: a dense layer on an image needs a flatten before it")
    lay: dict[str, Any] = {"name": lname, "op": "dense", "units": int(m.out_features)}
    weight = _weights(w, lname, m, lay)
    if w.flattened is not None:
        c, h, wd = w.flattened
        if m.in_features != c * h * wd:
            raise ExportError(f"layer {lname}: in_features must be {c * h * wd} (the flattened "
                              f"{h}x{wd}x{c} map), not {m.in_features}")
        # torch's NCHW flatten order -> bnnc's channel-last order.
        weight = weight.reshape(-1, c, h, wd).transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)
        w.flattened = None
    if w.in_shape is None:
        w.in_shape = [int(m.in_features)]
    w.arrays[f"{lname}.weight"] = np.ascontiguousarray(weight)
    w.layers.append(lay)
    w.reads_codes = False
    w.first_bn_pending = not w.seen_matrix and w.input_scale is not None
    w.seen_matrix = True


def _batchnorm(w: _Walk, lname: str, m: nn.BatchNorm1d | nn.BatchNorm2d) -> None:
    """A batchnorm with running statistics: batchnorm (the first one after a scaled input in the raw pixel domain)."""
    if not w.seen_matrix:
        raise ExportError(f"layer {lname}: batchnorm before any dense or conv layer is not supported")
    if not (m.affine and m.track_running_stats):
        raise ExportError(f"layer {lname}: batchnorm must be affine with running statistics")
    gamma = m.weight.detach().cpu().double().numpy()
    beta = m.bias.detach().cpu().double().numpy()
    scaled = isinstance(m, _ScaledBatchNorm)
    if scaled:  # model.bn_scale: s * BN(x) is the batchnorm of gamma * s and beta * s (s > 0)
        gamma, beta = m.folded_affine()
    mean = m.running_mean.detach().cpu().double().numpy()  # type: ignore[union-attr]
    var = m.running_var.detach().cpu().double().numpy()  # type: ignore[union-attr]
    eps = float(m.eps)
    # float64 where float32 would round: the first batchnorm's rescaled statistics, a folded scale's products.
    dt: str = "float64" if scaled else "float32"
    if w.first_bn_pending:
        s = float(w.input_scale)  # type: ignore[arg-type]
        mean, var, eps = mean * s, var * s * s, eps * s * s
        dt = "float64"
        w.first_bn_pending = False
    w.arrays[f"{lname}.gamma"] = gamma.astype(dt)
    w.arrays[f"{lname}.beta"] = beta.astype(dt)
    w.arrays[f"{lname}.mean"] = mean.astype(dt)
    w.arrays[f"{lname}.var"] = var.astype(dt)
    w.layers.append({"name": lname, "op": "batchnorm", "eps": eps})


def _sign(w: _Walk, lname: str, m: SignActivation) -> None:
    """A sign activation: sign."""
    w.layers.append({"name": lname, "op": "sign"})
    w.reads_codes = False


def _quant(w: _Walk, lname: str, m: QuantActivation) -> None:
    """A few-bit activation quantizer: quant (docs/few-bit.md), its scale the exact float the float64 pass uses."""
    if not w.layers or w.layers[-1]["op"] != "batchnorm":
        raise ExportError(f"layer {lname}: a quant must follow a batchnorm, not "
                          f"{w.layers[-1]['op'] if w.layers else 'the input'}")
    w.layers.append({"name": lname, "op": "quant", "bits": int(m.bits), "signed": bool(m.signed),
                     "narrow": bool(m.narrow), "scale": m.export_scale()})
    w.reads_codes = True


# How each exportable module becomes net.yaml, first match in this order (BinaryConv2d and BinaryLinear
# before anything their float twins nn.Conv2d and nn.Linear would match: those are refused).
EXPORTERS: tuple[tuple[type[nn.Module] | tuple[type[nn.Module], ...], Callable[[_Walk, str, Any], None]], ...] = (
    (nn.Dropout, _skip),
    (ToImage, _to_image),
    (InputBinarize, _input_binarize),
    (InputScale, _input_scale),
    (BinaryConv2d, _conv2d),
    (nn.MaxPool2d, _maxpool2d),
    (nn.Flatten, _flatten),
    (BinaryLinear, _dense),
    ((nn.BatchNorm1d, nn.BatchNorm2d), _batchnorm),
    (SignActivation, _sign),
    (QuantActivation, _quant),
)


def _document(net: nn.Module, name: str, weight_dtype: str, clock_mhz: float) -> tuple[dict[str, Any], _Walk]:
    """The net.yaml document of ``net`` and the walk that holds its arrays (nothing written, nothing imported)."""
    w = _Walk(weight_dtype)
    for lname, m in net.named_children():
        hook = next((fn for kind, fn in EXPORTERS if isinstance(m, kind)), None)
        if hook is None:
            raise ExportError(f"layer {lname}: {type(m).__name__} cannot be exported to net.yaml "
                              "(float twins are not exportable)")
        hook(w, lname, m)
    if not w.seen_matrix or w.in_shape is None:
        raise ExportError("model has no binary dense layer")
    if w.first_bn_pending:
        raise ExportError("a uint8-input first layer needs a batchnorm after it to carry the input scale")
    doc = {
        "name": name,
        "input": {"shape": [int(v) for v in w.in_shape], "dtype": "uint8"},
        "layers": w.layers,
        "output": "argmax",
        "hardware": {"clock_mhz": clock_mhz},
        "weights": "weights.npz",
    }
    return doc, w


def check_exportable(model: BnnClassifier, src: str) -> None:
    """Refuse, before any training, a network whose export bnnc would refuse (one line naming ``src``).

    The untrained network goes through the same walk and graph builder as :func:`export`:
    what the builder refuses is a matter of the architecture (layer order, kinds, ranges), not of
    trained values, so hours of training never end in a refused export.
    """
    with torch.no_grad():
        doc, w = _document(model.net, model.cfg.name, "float16", DEFAULT_CLOCK_MHZ)
    try:
        import_net(doc, Path("net.yaml"), lambda *_: dict(w.arrays))  # its messages name the file to be
    except BnncError as e:
        raise ExportError(f"{src}: the network must be one bnnc compiles (checked before training), not refused "
                          f"with: {e}") from None


def export(model: BnnClassifier | nn.Module, path: str | Path, *, name: str | None = None,
           weight_dtype: str = "float16", clock_mhz: float = DEFAULT_CLOCK_MHZ,
           calibration: np.ndarray | None = None) -> tuple[Path, Path]:
    """Write ``path`` (net.yaml) and ``weights.npz`` beside it (and ``calibration.npy`` if given).

    The network is first built by the compiler's graph builder (:mod:`compiler.frontend.build`),
    so a model bnnc would refuse is refused here, before any file is written.

    Args:
        model: a :class:`BnnClassifier` (or its ``net`` Sequential) with binary layers.
        path: the yaml file to write; its folder is created.
        name: network name (defaults to the config's name).
        weight_dtype: dtype of the ±1 weight arrays (``float16``, ``float32`` or ``float64``).
        clock_mhz: the ``hardware.clock_mhz`` field.
        calibration: raw uint8 training images, flat or shaped; written as
            ``calibration.npy`` in the net's input shape (N, *input.shape).

    Returns:
        (yaml path, npz path).
    """
    net = model.net if isinstance(model, BnnClassifier) else model
    if name is None:
        name = model.cfg.name if isinstance(model, BnnClassifier) else "net"
    if weight_dtype not in ("float16", "float32", "float64"):
        raise ExportError(f"weight_dtype must be float16, float32 or float64, not {weight_dtype}")
    path = Path(path)
    doc, w = _document(net, name, weight_dtype, clock_mhz)
    in_shape = w.in_shape
    assert in_shape is not None
    npz = path.parent / "weights.npz"
    try:  # the graph builder every frontend uses: what it refuses, bnnc would refuse on load
        import_net(doc, path, lambda *_: dict(w.arrays))
    except BnncError as e:
        raise ExportError(f"the exported network must be one bnnc compiles, not refused with: {e}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fh.write(f"# exported by compiler.train.export from a trained {name} (bnnc train)\n")
        yaml.safe_dump(doc, fh, sort_keys=False, default_flow_style=None, width=120)
    np.savez_compressed(npz, **w.arrays)
    if calibration is not None:
        cal = np.asarray(calibration)
        if cal.dtype != np.uint8 or cal.size != cal.shape[0] * int(np.prod(in_shape)):
            raise ExportError(f"calibration must be uint8 images of {int(np.prod(in_shape))} values, "
                              f"not {cal.dtype} {list(cal.shape)}")
        np.save(path.parent / "calibration.npy", cal.reshape(cal.shape[0], *in_shape))
    return path, npz


def pick_calibration(model: BnnClassifier, x_uint8: np.ndarray, count: int = 512) -> np.ndarray:
    """The ``count`` images of ``x_uint8`` with the smallest gap between their two best class scores.

    These near-ties are what the fixed point of bnnc's final scores must resolve, so
    calibrating on them sizes it for the whole data set, not just for typical images.
    Ranked with the torch model in float32 (ties broken by position, so it is deterministic).
    """
    x = np.asarray(x_uint8)
    scores = torch_scores(model, x, torch.float32)
    top2 = np.sort(scores, axis=1)[:, -2:]
    order = np.argsort(top2[:, 1] - top2[:, 0], kind="stable")
    return x[np.sort(order[:count])]


def _why(e: BaseException) -> str:
    """torch's reason for refusing a file, short and on one line (its advice to load unsafely left out)."""
    text = str(e)
    m = re.search(r"Unsupported global: GLOBAL (\S+)", text)
    if m:
        return f"it refers to {m.group(1)}"
    m = re.search(r"WeightsUnpickler error: ([^\n]*)", text)
    text = m.group(1) if m else text
    return " ".join(text.split())[:160] or type(e).__name__


def load_checkpoint(ckpt: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> BnnClassifier:
    """Load a :class:`BnnClassifier` from a Lightning checkpoint (CPU, eval mode).

    The checkpoint is untrusted: a regular file of at most ``max_bytes``, read by
    torch's safe loader (``weights_only=True``: tensors and plain values, never
    pickled code), its saved config validated like a config file and its network's
    size checked before the network is built. Errors are one line (:class:`ExportError`).
    """
    path = Path(ckpt)
    check_regular(path, "the checkpoint", ExportError)
    size = path.stat().st_size
    if size > max_bytes:
        raise ExportError(f"{path}: the checkpoint must be at most {fmt_bytes(max_bytes)} (--max-bytes), "
                          f"not {fmt_bytes(size)}")
    try:
        ck = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise ExportError(f"{path}: the checkpoint must be loadable safely (tensors and plain values only), "
                          f"not one that needs pickled code ({_why(e)})") from None
    except Exception as e:  # noqa: BLE001 - whatever torch's reader trips on in a damaged file is the file's fault
        raise ExportError(f"{path}: the checkpoint must be a PyTorch Lightning checkpoint, not an unreadable file "
                          f"({type(e).__name__}: {_why(e)})") from None
    hp = ck.get("hyper_parameters") if isinstance(ck, dict) else None
    sd = ck.get("state_dict") if isinstance(ck, dict) else None
    if not isinstance(hp, dict) or not isinstance(hp.get("config"), dict) or not isinstance(sd, dict):
        raise ExportError(f"{path}: the checkpoint must be one bnnc train wrote (hyper_parameters.config and a "
                          f"state_dict), not {describe(sorted(map(str, ck)) if isinstance(ck, dict) else ck)}")
    cfg = validate(hp["config"], f"{path}: hyper_parameters.config")
    in_features, classes, in_shape = hp.get("in_features", 784), hp.get("classes", 10), hp.get("in_shape")

    def count(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 0 < v <= COUNT_MAX

    if not count(in_features) or not count(classes):
        raise ExportError(f"{path}: the checkpoint's hyper_parameters in_features and classes must be positive "
                          f"integers, not {describe(in_features)} and {describe(classes)}")
    if in_shape is not None and not (isinstance(in_shape, (list, tuple)) and len(in_shape) == 3
                                     and all(count(v) for v in in_shape)):
        raise ExportError(f"{path}: the checkpoint's hyper_parameters in_shape must be (H, W, C), "
                          f"not {describe(in_shape)}")
    check_footprint(cfg, in_features, classes, in_shape, max_bytes, f"{path}: hyper_parameters.config")
    model = BnnClassifier(cfg.to_dict(), in_features=in_features, classes=classes, in_shape=in_shape)
    try:
        model.load_state_dict(sd, strict=True)
    except (RuntimeError, TypeError, ValueError, KeyError, AttributeError) as e:
        raise ExportError(f"{path}: the checkpoint's state_dict must fit the network of its hyper_parameters, not "
                          f"differ ({' '.join(str(e).split())[:200]})") from None
    model.eval()
    return model


@torch.no_grad()
def torch_scores(model: BnnClassifier, x_uint8: np.ndarray, dtype: torch.dtype = torch.float64,
                 chunk: int = 500) -> np.ndarray:
    """Class scores (the last batchnorm's outputs) of the torch model in eval mode, (N, classes).

    Runs ``chunk`` images at a time: a conv net's float64 feature maps of a whole test
    set would take gigabytes.
    """
    x = np.asarray(x_uint8)
    was = model.training
    model.to(dtype).eval()
    try:
        parts = [model(torch.from_numpy(x[k:k + chunk]).to(dtype)).numpy() for k in range(0, len(x), chunk)]
        return np.concatenate(parts) if parts else np.zeros((0, model.classes))
    finally:
        model.to(torch.float32).train(was)


def torch_predict(model: BnnClassifier, x_uint8: np.ndarray, dtype: torch.dtype = torch.float64) -> np.ndarray:
    """Argmax predictions of the torch model in eval mode (float64 by default, like the reference)."""
    return torch_scores(model, x_uint8, dtype).argmax(1)
