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
"""

from __future__ import annotations

from typing import Any

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
