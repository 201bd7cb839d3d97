"""LightningModule for binarized MLPs and CNNs (and their float twins).

Binarized network (``model.binarized: true``)::

    x (raw pixels 0..255, channel-last: (N, H*W*C) or (N, H, W, C))
      -> [conv nets] ToImage: (N, C, H, W), torch's layout
      -> input stage: InputBinarize(127.5)            [input: binarize]
                      or x / input_scale               [input: uint8]
      -> Dropout(dropout_in)
      -> for each conv block {filters, kernel, padding, pool}:
           BinaryConv2d (pads with -1 on bipolar maps, 0 on uint8 pixels)
           -> MaxPool2d(pool) if pool -> BatchNorm2d -> SignActivation
      -> [conv nets] Flatten (NCHW order; the export permutes fc1's columns to channel-last)
      -> for each hidden width h:
           BinaryLinear(h) -> BatchNorm1d(h) -> SignActivation -> Dropout(dropout)
      -> BinaryLinear(classes) -> BatchNorm1d(classes, affine)   (scores; argmax)

Few-bit networks (issue 23): a matrix layer with ``weight_bits`` >= 2 is a
:class:`QuantLinear` / :class:`QuantConv2d` (signed narrow codes times a scale), and
where ``act_quant`` is set the sign is a :class:`QuantActivation` (codes times its
scale); a conv after a quantizer pads with 0 (code 0). The per-layer settings come
from :func:`~compiler.train.config.layer_quant`.

Float twin (``model.binarized: false``): the same graph with ``nn.Linear`` /
``nn.Conv2d`` (float weights, no bias, zero padding) and ``float_activation``
(ReLU or hardtanh) in place of the sign; the input stage is the same, so the comparison isolates the
binarization of weights and activations. Float twins cannot be exported to bnnc.

Loss: cross-entropy on the final batchnorm's outputs; with a teacher (``train.teacher``,
knowledge distillation after Hinton et al., "Distilling the Knowledge in a Neural
Network", 2015), ``(1 - w) * CE + w * T^2 * KL(teacher || student)`` on the logits at
temperature T. Optimiser: Adam with an optional linear warm-up (``warmup_epochs``, from
``lr / 10``) and then a per-epoch LR schedule (cosine or exponential from ``lr`` to
``lr_final``, or constant). Latent binary weights are clipped to [-1, 1] after every step.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import DATASET_SHAPES, Config, LayerQuant, conv_shapes, layer_quant, validate
from .layers import (
    BinaryConv2d,
    BinaryLinear,
    InputBinarize,
    QuantActivation,
    QuantConv2d,
    QuantLinear,
    ScaledBatchNorm1d,
    ScaledBatchNorm2d,
    SignActivation,
    clip_latent_weights,
)


class ToImage(nn.Module):
    """Channel-last raw pixels, (N, H*W*C) or (N, H, W, C), to torch's (N, C, H, W).

    The data and the exported net.yaml both hold images channel-last (bnnc streams
    (H, W, C)); the conversion lives in the model so that the same uint8 array
    feeds torch and bnnc's reference.
    """

    def __init__(self, shape: tuple[int, int, int]) -> None:
        super().__init__()
        self.shape = tuple(int(v) for v in shape)

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], *self.shape).permute(0, 3, 1, 2)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class InputScale(nn.Module):
    """Multiply raw inputs by ``1/scale`` (the uint8-input first layer's training scale)."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = float(scale)

    def forward(self, x: Tensor) -> Tensor:
        return x * (1.0 / self.scale)

    def extra_repr(self) -> str:
        return f"scale={self.scale}"


def _activation(cfg: Config, lq: LayerQuant | None = None) -> nn.Module:
    """The activation after a matrix layer's batchnorm: sign, a few-bit quantizer, or the float twin's."""
    m = cfg.model
    if m.binarized:
        if lq is not None and lq.act is not None:
            a = lq.act
            return QuantActivation(a["bits"], a["signed"], a["narrow"], a["scale"], a["learn_scale"])
        return SignActivation()
    return nn.ReLU() if m.float_activation == "relu" else nn.Hardtanh()


def _is_codes(act: nn.Module) -> bool:
    """Whether a map is few-bit codes (a quant's output): padding it pads with 0, code 0."""
    return isinstance(act, QuantActivation)


def build_net(cfg: Config, in_features: int = 784, classes: int = 10,
              in_shape: tuple[int, int, int] | None = None) -> nn.Sequential:
    """Build the network of a config as an ``nn.Sequential`` with named stages.

    ``in_shape`` (H, W, C) is the image shape a conv net reshapes its input to
    (default: the config's dataset); MLPs take ``in_features`` flat inputs.
    """
    m = cfg.model
    layers: list[tuple[str, nn.Module]] = []
    if m.conv:
        shape = tuple(in_shape) if in_shape is not None else DATASET_SHAPES[cfg.train.dataset]
        layers.append(("to_image", ToImage(shape)))  # type: ignore[arg-type]
    if m.input == "binarize":
        layers.append(("in_bin", InputBinarize(m.input_threshold)))
    else:
        layers.append(("in_scale", InputScale(m.input_scale)))
    if m.dropout_in > 0:
        layers.append(("drop_in", nn.Dropout(m.dropout_in)))
    prev_act: nn.Module | None = None  # the activation whose output the next matrix layer reads
    if m.conv:
        channels = shape[2]
        for k, blk in enumerate(m.conv, start=1):
            lq = layer_quant(m, f"conv{k}")
            if m.binarized:
                # Bipolar maps pad with -1 (bit 0, bnnc's default); the raw uint8 input and few-bit codes with 0.
                pad_value = 0.0 if ((k == 1 and m.input == "uint8") or _is_codes(prev_act)) else -1.0
                if lq.weight_bits == 1:
                    conv: nn.Module = BinaryConv2d(channels, blk.filters, blk.kernel, padding=blk.padding,
                                                   pad_value=pad_value)
                else:
                    conv = QuantConv2d(channels, blk.filters, blk.kernel, padding=blk.padding, pad_value=pad_value,
                                       weight_bits=lq.weight_bits, weight_scale=lq.weight_scale,
                                       per_channel=lq.per_channel)
            else:
                conv = nn.Conv2d(channels, blk.filters, blk.kernel, padding=blk.padding, bias=False)
            layers.append((f"conv{k}", conv))
            if blk.pool:
                # Pooling before the batchnorm: bnnc moves it past the threshold (an OR / AND of bits,
                # a max / min of few-bit codes).
                layers.append((f"pool{k}", nn.MaxPool2d(blk.pool)))
            bn2 = ScaledBatchNorm2d if (m.binarized and m.bn_scale) else nn.BatchNorm2d
            layers.append((f"bn_conv{k}", bn2(blk.filters, eps=m.bn_eps, momentum=m.bn_momentum)))
            prev_act = _activation(cfg, lq)
            layers.append((f"act_conv{k}", prev_act))
            channels = blk.filters
        h, w, c = conv_shapes(shape, m.conv)[-1]  # type: ignore[arg-type]
        layers.append(("flatten", nn.Flatten()))
        in_features = h * w * c
    widths = [in_features, *m.hidden, classes]
    n = len(widths) - 1
    for i in range(n):
        k = i + 1
        fan_in, fan_out = widths[i], widths[i + 1]
        lq = layer_quant(m, f"fc{k}")
        if m.binarized and lq.weight_bits == 1:
            layers.append((f"fc{k}", BinaryLinear(fan_in, fan_out)))
        elif m.binarized:
            layers.append((f"fc{k}", QuantLinear(fan_in, fan_out, lq.weight_bits, lq.weight_scale, lq.per_channel)))
        else:
            layers.append((f"fc{k}", nn.Linear(fan_in, fan_out, bias=False)))
        # The class layer's batchnorm gives the scores (no sign after it): it keeps plain gamma and beta.
        bn1 = ScaledBatchNorm1d if (m.binarized and m.bn_scale and k < n) else nn.BatchNorm1d
        layers.append((f"bn{k}", bn1(fan_out, eps=m.bn_eps, momentum=m.bn_momentum)))
        if k < n:
            layers.append((f"act{k}", _activation(cfg, lq)))
            if m.dropout > 0:
                layers.append((f"drop{k}", nn.Dropout(m.dropout)))
    return nn.Sequential(OrderedDict(layers))


# The name it had when only MLPs were built.
build_mlp = build_net


def distill_loss(logits: Tensor, teacher_logits: Tensor, y: Tensor, weight: float, temperature: float) -> Tensor:
    """``(1 - weight) * CE(logits, y) + weight * T^2 * KL(softmax(teacher/T) || softmax(logits/T))``.

    The T^2 keeps the soft term's gradients on the scale of the hard one's (Hinton et al., 2015).
    """
    ce = F.cross_entropy(logits, y)
    if weight == 0:
        return ce
    T = temperature
    kl = F.kl_div(F.log_softmax(logits / T, dim=1), F.log_softmax(teacher_logits / T, dim=1),
                  log_target=True, reduction="batchmean")
    return (1.0 - weight) * ce + weight * T * T * kl


# TWN's threshold (Li, Zhang and Liu, "Ternary Weight Networks", 2016): a weight w of a float layer is
# ternarised to 0 where |w| <= 0.7 * mean|w|. Started from a float twin, a few-bit layer's latent weights
# are scaled so that this threshold lands on the quantizer's first rounding step (0.5 / qmax for the
# constant scale): the float layer's large weights become the non-zero codes. Without the rescale, a float
# layer's weights (|w| ~ 1/sqrt(fan_in)) all round to code 0, a dead layer.
TWN_THRESHOLD = 0.7


def init_from_float(student: nn.Module, source: nn.Module) -> list[str]:
    """Start ``student``'s matrix layers and batchnorms from ``source``'s (a float twin or any bnnc network).

    Pretrained float initialisation is a standard step for binarized and few-bit networks (Bi-Real Net,
    Liu et al., ECCV 2018; Zhuang et al., "Towards Effective Low-bitwidth CNNs", CVPR 2018). Every
    parameter and buffer of the same name and shape is copied; a constant-scaled few-bit layer's weights
    are rescaled by TWN's threshold (above), a ``max_abs`` one's to max|w| = 1 (its codes do not change),
    and 1-bit layers keep the source's values (only their signs matter). Latent weights are then clipped
    to [-1, 1] as after every training step. Returns the names copied; the caller checks they cover the net.
    """
    from .layers import BINARY_LAYERS  # the binary layers and their few-bit subclasses

    src = source.state_dict()
    copied: list[str] = []
    with torch.no_grad():
        for name, t in student.state_dict().items():
            s = src.get(name)
            if s is None or tuple(s.shape) != tuple(t.shape) or not t.is_floating_point():
                continue
            t.copy_(s.to(t.dtype))
            copied.append(name)
        for mod_name, m in student.named_modules():
            if not isinstance(m, BINARY_LAYERS) or f"{mod_name}.weight" not in copied:
                continue
            w = m.weight
            if isinstance(m, (QuantLinear, QuantConv2d)):
                if m.scale_mode == "const":
                    mean = float(w.abs().mean())
                    if mean > 0:
                        w.mul_((0.5 / m.qmax) / (TWN_THRESHOLD * mean))
                else:
                    peak = float(w.abs().max())
                    if peak > 0:
                        w.div_(peak)
            w.clamp_(-1.0, 1.0)
    return copied


class BnnClassifier(pl.LightningModule):
    """A (binarized) MLP or CNN classifier trained with Adam.

    Args:
        config: the training config as a dict (``Config.to_dict()``); stored in
            the checkpoint's hyper-parameters so a checkpoint rebuilds itself.
        in_features, classes: data dimensions.
        in_shape: (H, W, C) of one image for conv nets (default: the config's dataset).
    """

    def __init__(self, config: dict[str, Any], in_features: int = 784, classes: int = 10,
                 in_shape: tuple[int, int, int] | list[int] | None = None) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.cfg: Config = validate(config, "<checkpoint config>")
        self.in_features = in_features
        self.classes = classes
        self.in_shape = tuple(in_shape) if in_shape is not None else DATASET_SHAPES[self.cfg.train.dataset]
        self.net = build_net(self.cfg, in_features, classes, self.in_shape)  # type: ignore[arg-type]

    def forward(self, x: Tensor) -> Tensor:
        """Class scores (the last batchnorm's outputs) for raw channel-last pixels (N, H*W*C) or (N, H, W, C)."""
        return self.net(x)

    def set_teacher(self, teacher: nn.Module | None) -> None:
        """Distil from ``teacher`` (frozen, eval mode) while training; None trains on the labels alone.

        The teacher is held outside the module's parameters, so it is neither optimised nor saved
        in this model's checkpoints.
        """
        if teacher is not None:
            teacher.eval()
            for p in teacher.parameters():
                p.requires_grad_(False)
        self._teacher = [teacher] if teacher is not None else []

    def on_fit_start(self) -> None:
        for t in getattr(self, "_teacher", []):
            t.to(self.device)

    def _step(self, batch: tuple[Tensor, Tensor], stage: str) -> Tensor:
        x, y = batch
        logits = self(x)
        teacher = getattr(self, "_teacher", [])
        if stage == "train" and teacher:
            with torch.no_grad():
                t_logits = teacher[0](x.to(next(teacher[0].parameters()).dtype)).to(logits.dtype)
            t = self.cfg.train
            loss = distill_loss(logits, t_logits, y, t.distill_weight, t.distill_temperature)
        else:
            loss = F.cross_entropy(logits, y)
        acc = (logits.argmax(1) == y).float().mean()
        on_step = stage == "train"
        self.log(f"{stage}_loss", loss, prog_bar=True, on_step=on_step, on_epoch=True, batch_size=len(y))
        self.log(f"{stage}_acc", acc, prog_bar=True, on_step=False, on_epoch=True, batch_size=len(y))
        return loss

    def training_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> None:
        self._step(batch, "test")

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        """Clip the latent binary weights to [-c, c] (``train.latent_clip``; 0: never) after the optimizer step."""
        if self.cfg.train.latent_clip > 0:
            clip_latent_weights(self, self.cfg.train.latent_clip)

    def on_train_epoch_start(self) -> None:
        opt = self.optimizers()
        if not isinstance(opt, list):
            self.log("lr", opt.param_groups[0]["lr"], on_step=False, on_epoch=True)

    def configure_optimizers(self) -> Any:
        t = self.cfg.train
        opt = torch.optim.Adam(self.parameters(), lr=t.lr, weight_decay=t.weight_decay)
        # A --max-epochs override may leave fewer epochs than the config's warm-up: keep one for the schedule.
        warm = min(t.warmup_epochs, t.max_epochs - 1)
        epochs = max(1, t.max_epochs - 1 - warm)
        if t.lr_schedule == "cosine":
            sched: Any = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs, eta_min=t.lr_final)
        elif t.lr_schedule == "exponential":
            gamma = math.exp(math.log(t.lr_final / t.lr) / epochs)
            sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma)
        else:
            sched = torch.optim.lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0)
        if warm > 0:
            # Linear from lr/10 at epoch 0 to lr at epoch `warm`, where the schedule takes over.
            ramp = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=warm)
            sched = torch.optim.lr_scheduler.SequentialLR(opt, [ramp, sched], milestones=[warm])
        elif t.lr_schedule == "constant":
            return opt
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "epoch"}}

    @torch.no_grad()
    def predict_classes(self, x: Tensor) -> Tensor:
        """Argmax class indices in eval mode for raw-pixel inputs (any dtype)."""
        was = self.training
        self.eval()
        try:
            p = next(self.parameters())
            return self(x.to(p.dtype)).argmax(1)
        finally:
            self.train(was)
