"""Binary layers with straight-through estimators (STE).

Conventions (docs/conventions.md): sign(0) = +1 everywhere, in training, in the
numpy reference and in hardware.

* :func:`sign_ste` -- forward ``+1 if x >= 0 else -1``; backward passes the
  gradient where ``|x| <= 1`` and cancels it where ``|x| > 1`` (the gradient of
  hardtanh).
* :class:`BinaryLinear` / :class:`BinaryConv2d` keep float *latent* weights;
  the forward pass uses ``sign(w)``. The latent weights are clipped to [-1, 1]
  after each optimizer step by :func:`clip_latent_weights` (called from the
  LightningModule), so the weight STE never cancels in practice.
* :class:`SignActivation` binarizes activations with the same STE.
* :class:`InputBinarize` thresholds raw pixels: ``+1 if x >= threshold else -1``
  (threshold 127.5 for uint8 pixels, i.e. x >= 128). No gradient flows into the
  input (it is data).

Few-bit layers (issue 23, docs/few-bit.md): :class:`QuantActivation` (1..4-bit codes
times a scale), :class:`QuantLinear` / :class:`QuantConv2d` (2..4-bit signed narrow
weight codes times a per-tensor or per-channel scale); weight_bits 1 stays
:class:`BinaryLinear` / :class:`BinaryConv2d`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn


def sign_pm1(x: Tensor) -> Tensor:
    """Bipolar sign with sign(0) = +1, no gradient semantics.

    >>> sign_pm1(torch.tensor([-2.0, -0.0, 0.0, 3.0])).tolist()
    [-1.0, 1.0, 1.0, 1.0]
    """
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))


class _SignSTE(torch.autograd.Function):
    """sign(x) forward (sign(0)=+1); hardtanh gradient backward."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        return sign_pm1(x)

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor) -> Tensor:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        return grad_out * (x.abs() <= 1).to(grad_out.dtype)


def sign_ste(x: Tensor) -> Tensor:
    """Sign with a straight-through estimator.

    Forward: ``+1 if x >= 0 else -1``. Backward: ``grad * 1[|x| <= 1]``.

    >>> x = torch.tensor([-1.5, -0.5, 0.0, 1.0, 2.0], requires_grad=True)
    >>> y = sign_ste(x); y.sum().backward()
    >>> y.tolist(), x.grad.tolist()
    ([-1.0, -1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0, 0.0])
    """
    return _SignSTE.apply(x)


class SignActivation(nn.Module):
    """Binary activation: sign with sign(0)=+1 and a hardtanh-gradient STE."""

    def forward(self, x: Tensor) -> Tensor:
        return sign_ste(x)


class InputBinarize(nn.Module):
    """Threshold raw inputs to bipolar values: ``+1 if x >= threshold else -1``.

    Args:
        threshold: the comparison threshold in the raw input domain (127.5 for
            uint8 pixels, so pixel values 128..255 become +1).
    """

    def __init__(self, threshold: float = 127.5) -> None:
        super().__init__()
        self.threshold = float(threshold)

    def forward(self, x: Tensor) -> Tensor:
        return sign_pm1(x - self.threshold).detach()

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}"


class BinaryLinear(nn.Linear):
    """Fully connected layer with binary (±1) weights and no bias.

    The parameter ``weight`` holds the latent float weights; the forward pass
    uses ``sign(weight)`` (sign(0)=+1) through the STE. Initialised uniformly in
    [-init_scale, init_scale].
    """

    def __init__(self, in_features: int, out_features: int, init_scale: float | None = None) -> None:
        super().__init__(in_features, out_features, bias=False)
        if init_scale is not None:
            nn.init.uniform_(self.weight, -init_scale, init_scale)

    def binary_weight(self) -> Tensor:
        """The ±1 weights the forward pass uses (no gradient)."""
        return sign_pm1(self.weight.detach())

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, sign_ste(self.weight))


class BinaryConv2d(nn.Conv2d):
    """2-D convolution with binary (±1) weights and no bias (NCHW, like nn.Conv2d).

    Padding pads with ``pad_value`` (default -1), not with torch's zeros: on a
    bipolar map 0 is neither value, and bnnc pads a bipolar input with -1 or +1
    (the bit 0 or 1 in hardware). Training with the same pad value as the exported
    ``conv2d`` layer's ``pad_value`` makes torch and bnnc compute the same function.
    A first layer on integer pixels pads with 0 (``pad_value=0``), bnnc's default there.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int = 1, padding: int = 0, init_scale: float | None = None,
                 pad_value: float = -1.0) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False)
        self.pad_value = float(pad_value)
        if init_scale is not None:
            nn.init.uniform_(self.weight, -init_scale, init_scale)

    def binary_weight(self) -> Tensor:
        """The ±1 weights the forward pass uses (no gradient)."""
        return sign_pm1(self.weight.detach())

    def forward(self, x: Tensor) -> Tensor:
        ph, pw = self.padding  # type: ignore[misc]
        if ph or pw:
            x = F.pad(x, (pw, pw, ph, ph), value=self.pad_value)
        return F.conv2d(x, sign_ste(self.weight), None, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", pad_value={self.pad_value:g}"


BINARY_LAYERS = (BinaryLinear, BinaryConv2d)


@torch.no_grad()
def clip_latent_weights(module: nn.Module, bound: float = 1.0) -> None:
    """Clip the latent weights of every binary layer in ``module`` to [-bound, bound]."""
    for m in module.modules():
        if isinstance(m, BINARY_LAYERS):
            m.weight.clamp_(-bound, bound)


class _ScaledBatchNorm:
    """A batchnorm times a learnable positive per-channel scale ``s = exp(log_scale)`` (``model.bn_scale``).

    ``s * BN(x)`` is ``BN(x)`` with gamma and beta multiplied by ``s``: the same functions, a different
    parametrisation. Before a sign, ``s`` leaves the forward pass unchanged and sets, per channel, the
    width of the STE's pass-through window (|BN(x)| <= 1/s), which plain gamma cannot without also
    moving beta's gradient scale; before a quant it is a learnable step size (as LSQ's, Esser et al.,
    ICLR 2020). Scales on the channels of a binary layer's output are XNOR-Net++'s (Bulat and
    Tzimiropoulos, BMVC 2019). ``s > 0`` keeps sign(s * y) = sign(y) at y = 0 as well, so the export
    folds it into gamma and beta (:meth:`folded_affine`) with nothing changed.
    """

    log_scale: nn.Parameter

    def _init_scale(self, channels: int) -> None:
        self.log_scale = nn.Parameter(torch.zeros(channels))

    def scale(self) -> Tensor:
        """The per-channel scale ``exp(log_scale)`` (positive)."""
        return torch.exp(self.log_scale)

    def _scaled(self, y: Tensor) -> Tensor:
        shape = [1, -1] + [1] * (y.dim() - 2)
        return y * self.scale().to(y.dtype).view(shape)

    @torch.no_grad()
    def folded_affine(self) -> tuple[np.ndarray, np.ndarray]:
        """gamma * s and beta * s in float64, the batchnorm the export writes (``s`` as the float64 pass has it)."""
        s = torch.exp(self.log_scale.detach().cpu().double())
        gamma = self.weight.detach().cpu().double() * s  # type: ignore[attr-defined]
        beta = self.bias.detach().cpu().double() * s  # type: ignore[attr-defined]
        return gamma.numpy(), beta.numpy()


class ScaledBatchNorm1d(_ScaledBatchNorm, nn.BatchNorm1d):
    """``nn.BatchNorm1d`` times a learnable positive per-feature scale (see :class:`_ScaledBatchNorm`)."""

    def __init__(self, num_features: int, **kw: Any) -> None:
        super().__init__(num_features, **kw)
        self._init_scale(num_features)

    def forward(self, x: Tensor) -> Tensor:
        return self._scaled(super().forward(x))


class ScaledBatchNorm2d(_ScaledBatchNorm, nn.BatchNorm2d):
    """``nn.BatchNorm2d`` times a learnable positive per-channel scale (see :class:`_ScaledBatchNorm`)."""

    def __init__(self, num_features: int, **kw: Any) -> None:
        super().__init__(num_features, **kw)
        self._init_scale(num_features)

    def forward(self, x: Tensor) -> Tensor:
        return self._scaled(super().forward(x))


# --------------------------------------------------------------------------- few-bit (issue 23, docs/few-bit.md)
#
# Few-bit tensors follow docs/few-bit.md: a value is ``scale * q`` with q an integer code in a fixed range,
# q = clip(round_half_to_even(x / scale), qmin, qmax). torch.round rounds half to even, as numpy's rint
# and bnnc's ``quant`` op do. The straight-through estimator is Brevitas's (QuantIdentity / QuantHardTanh,
# Pappalardo et al., "Brevitas", 2021) and the learned-scale gradient that of LSQ (Esser et al., "Learned
# Step Size Quantization", ICLR 2020): the rounding passes the gradient unchanged, the clip cancels it
# outside [qmin, qmax], so d out/d x = 1 inside the range and 0 outside, and d out/d scale = q - x/scale
# inside and qmin or qmax outside.

# The smallest (learned) scale the forward pass uses: a power of two, so float32 and float64 agree on it.
MIN_SCALE = 2.0**-20


def code_range(bits: int, signed: bool, narrow: bool) -> tuple[int, int]:
    """(qmin, qmax) of a quantizer, docs/few-bit.md's table.

    >>> [code_range(2, True, True), code_range(2, True, False), code_range(2, False, False), code_range(3, False, True)]
    [(-1, 1), (-2, 1), (0, 3), (0, 6)]
    """
    if not (isinstance(bits, int) and 1 <= bits <= 4):
        raise ValueError(f"bits must be an integer in [1, 4], not {bits!r}")
    if narrow and bits == 1:
        raise ValueError("a narrow quantizer must have at least 2 bits, not 1 (its range holds only 0)")
    if signed:
        hi = 2 ** (bits - 1) - 1
        return (-hi if narrow else -hi - 1), hi
    return 0, 2**bits - (2 if narrow else 1)


class _RoundSTE(torch.autograd.Function):
    """torch.round (half to even) forward; identity backward."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:  # type: ignore[override]
        return torch.round(x)

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor) -> Tensor:  # type: ignore[override]
        return grad_out


def round_ste(x: Tensor) -> Tensor:
    """Round half to even with a straight-through (identity) gradient.

    >>> round_ste(torch.tensor([-1.5, -0.5, 0.5, 1.5, 2.5])).tolist()
    [-2.0, -0.0, 0.0, 2.0, 2.0]
    """
    return _RoundSTE.apply(x)


def quantize_codes(x: Tensor, scale: Tensor | float, qmin: int, qmax: int) -> Tensor:
    """The codes ``clip(round(x / scale), qmin, qmax)`` with the STE gradient (float tensor of integers).

    The clip comes first (``round(clip(v)) == clip(round(v))`` for integer bounds), so its gradient is
    hardtanh's: 1 inside [qmin, qmax], 0 outside. The division is a true division, as bnnc's ``quant``
    computes it (never a multiplication by ``1/scale``), so float64 results agree bit for bit.
    """
    return round_ste(torch.clamp(x / scale, qmin, qmax))


class QuantActivation(nn.Module):
    """Few-bit activation: ``scale * clip(round(x / scale), qmin, qmax)`` with an STE (``op: quant`` in net.yaml).

    Args:
        bits: 1 to 4.
        signed, narrow: the code range (docs/few-bit.md; a narrow 1-bit range is refused).
        scale: the per-tensor scale (> 0), the initial value when learned. Brevitas's bnn_pynq models
            (CommonActQuant: min_val -1, max_val 1, constant scaling) use 1.0 for signed narrow
            2 bits, i.e. codes {-1, 0, +1} on the batchnorm's output directly.
        learn_scale: learn the scale (LSQ's gradient), else it is a constant.
    """

    def __init__(self, bits: int = 2, signed: bool = True, narrow: bool = True, scale: float = 1.0,
                 learn_scale: bool = False) -> None:
        super().__init__()
        self.bits, self.signed, self.narrow = int(bits), bool(signed), bool(narrow)
        self.qmin, self.qmax = code_range(self.bits, self.signed, self.narrow)
        if not scale > 0:
            raise ValueError(f"scale must be a positive number, not {scale!r}")
        self.learn_scale = bool(learn_scale)
        self.fixed_scale = float(scale)
        if self.learn_scale:
            self.scale = nn.Parameter(torch.tensor(float(scale)))

    def scale_value(self) -> Tensor | float:
        """The scale the forward pass divides by: the constant, or the learned one (kept >= MIN_SCALE)."""
        if self.learn_scale:
            return self.scale.abs().clamp_min(MIN_SCALE)
        return self.fixed_scale

    def export_scale(self) -> float:
        """The scale as the float64 forward pass uses it (a Python float: its repr round-trips)."""
        s = self.scale_value()
        return float(s.detach().double()) if isinstance(s, Tensor) else float(s)

    def codes(self, x: Tensor) -> Tensor:
        """The integer codes of ``x`` (as floats), no gradient."""
        with torch.no_grad():
            return quantize_codes(x, self.scale_value(), self.qmin, self.qmax)

    def forward(self, x: Tensor) -> Tensor:
        s = self.scale_value()
        return quantize_codes(x, s, self.qmin, self.qmax) * s

    def extra_repr(self) -> str:
        return (f"bits={self.bits}, signed={self.signed}, narrow={self.narrow}, scale={self.export_scale()}"
                + (", learned" if self.learn_scale else ""))


# How a few-bit weight tensor is scaled: "const" is Brevitas's CommonWeightQuant (scaling_const 1.0 over
# the integer range, so scale = 1/qmax: ternary weights for 2 bits with scale 1); "max_abs" is the
# statistics scaling max|w| / qmax (Brevitas's STATS scaling, here detached from the gradient).
WEIGHT_SCALES = ("const", "max_abs")


class _FewBitWeights:
    """Few-bit weight quantization shared by :class:`QuantLinear` and :class:`QuantConv2d`.

    Codes are signed narrow, [-(2^(n-1) - 1), 2^(n-1) - 1] (docs/few-bit.md), computed in float64
    whatever the layer's dtype (so training, float64 evaluation and the export agree on every code);
    the layer's output is ``op(x, codes) * scale`` per output channel.
    """

    weight: nn.Parameter
    weight_bits: int
    scale_mode: str
    per_channel: bool

    def _init_quant(self, weight_bits: int, weight_scale: str, per_channel: bool) -> None:
        if not (isinstance(weight_bits, int) and 2 <= weight_bits <= 4):
            raise ValueError(f"weight_bits must be an integer in [2, 4], not {weight_bits!r}")
        if weight_scale not in WEIGHT_SCALES:
            raise ValueError(f"weight_scale must be one of {', '.join(WEIGHT_SCALES)}, not {weight_scale!r}")
        self.weight_bits, self.scale_mode, self.per_channel = weight_bits, weight_scale, bool(per_channel)
        self.qmax = 2 ** (weight_bits - 1) - 1

    def weight_scale64(self) -> Tensor:
        """The per-output-channel scales (out,), float64, no gradient (per tensor: all equal)."""
        w = self.weight.detach().double()
        out = w.shape[0]
        if self.scale_mode == "const":
            return torch.full((out,), 1.0 / self.qmax, dtype=torch.float64, device=w.device)
        a = w.abs().reshape(out, -1)
        m = a.amax(1) if self.per_channel else a.max().expand(out)
        # An all-zero channel keeps scale 1/qmax: its codes are 0 whatever the scale.
        return torch.where(m > 0, m, torch.ones_like(m)) / self.qmax

    def weight_codes64(self) -> Tensor:
        """The integer codes, float64, with the STE gradient to the latent weights."""
        s = self.weight_scale64().reshape(-1, *([1] * (self.weight.dim() - 1)))
        return quantize_codes(self.weight.double(), s, -self.qmax, self.qmax)

    def export_scale(self) -> np.ndarray:
        """``<layer>.weight_scale`` as written: (1,) per tensor, (out,) per channel, float64."""
        s = self.weight_scale64().cpu().numpy()
        return s[:1].copy() if (self.scale_mode == "const" or not self.per_channel) else s

    def export_codes(self) -> np.ndarray:
        """``<layer>.weight`` as written: the integer codes, int8."""
        with torch.no_grad():
            return self.weight_codes64().cpu().numpy().astype(np.int8)

    def quant_repr(self) -> str:
        return f", weight_bits={self.weight_bits}, weight_scale={self.scale_mode}" + \
            (", per_channel" if self.per_channel and self.scale_mode != "const" else "")


# Few-bit latent weights start uniform in [-1, 1], as Brevitas's bnn_pynq models initialise theirs: torch's
# default (|w| <= 1/sqrt(fan_in)) would put every weight of a constant-scaled ternary layer at code 0, and a
# layer of zero codes passes no gradient back (a dead network).
FEWBIT_INIT_SCALE = 1.0


class QuantLinear(_FewBitWeights, BinaryLinear):
    """Fully connected layer with few-bit (2..4) signed narrow weights, no bias: ``(x @ codes.T) * scale``."""

    def __init__(self, in_features: int, out_features: int, weight_bits: int = 2, weight_scale: str = "const",
                 per_channel: bool = True, init_scale: float | None = FEWBIT_INIT_SCALE) -> None:
        BinaryLinear.__init__(self, in_features, out_features, init_scale)
        self._init_quant(weight_bits, weight_scale, per_channel)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight_codes64().to(x.dtype)) * self.weight_scale64().to(x.dtype)

    def extra_repr(self) -> str:
        return super().extra_repr() + self.quant_repr()


class QuantConv2d(_FewBitWeights, BinaryConv2d):
    """2-D convolution with few-bit (2..4) signed narrow weights, no bias; pads with ``pad_value`` as
    :class:`BinaryConv2d` does (0 on few-bit codes and on pixels, -1 on bipolar maps)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int = 1, padding: int = 0, init_scale: float | None = FEWBIT_INIT_SCALE,
                 pad_value: float = -1.0, weight_bits: int = 2, weight_scale: str = "const", per_channel: bool = True) -> None:
        BinaryConv2d.__init__(self, in_channels, out_channels, kernel_size, stride, padding, init_scale, pad_value)
        self._init_quant(weight_bits, weight_scale, per_channel)

    def forward(self, x: Tensor) -> Tensor:
        ph, pw = self.padding  # type: ignore[misc]
        if ph or pw:
            x = F.pad(x, (pw, pw, ph, ph), value=self.pad_value)
        y = F.conv2d(x, self.weight_codes64().to(x.dtype), None, self.stride, 0, self.dilation, self.groups)
        return y * self.weight_scale64().to(x.dtype).reshape(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return super().extra_repr() + self.quant_repr()
