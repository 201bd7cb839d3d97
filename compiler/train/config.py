"""Training configuration (a YAML file) and its validation.

Example of an MLP (``examples/lfc/train.yaml``)::

    name: lfc                     # network name (identifier), names the exported net
    model:
      hidden: [1024, 1024, 1024]  # hidden layer widths
      input: binarize             # binarize (x >= 128 -> +1) | uint8 (raw pixels into fc1)
      binarized: true             # false: float twin (float weights, BN, float activation)
      float_activation: relu      # float twin only: relu | hardtanh
      dropout_in: 0.2             # dropout on the (binarized) input
      dropout: 0.2                # dropout after each hidden activation
      bn_eps: 1.0e-5
      bn_momentum: 0.1
      bn_scale: false             # a learnable per-channel scale after each batchnorm before a sign/quant (folded at export)
    train:
      batch_size: 100
      max_epochs: 30
      lr: 0.003
      lr_schedule: cosine         # cosine | exponential | constant
      lr_final: 3.0e-6            # LR at the last epoch (cosine / exponential)
      weight_decay: 0.0
      val_size: 5000              # images carved from the training set, or a fraction of it (0.1)
      seed: 0                     # 0 .. 4294967295
      early_stopping_patience: 10 # epochs without val_acc improvement; 0 disables
      threads: 2                  # torch.set_num_threads (at most 1024); 0 leaves torch's default
      dataset: mnist              # mnist (28x28x1) | cifar10 (32x32x3, the python batches)
      augment_shift: 0            # random translation of training images by up to N pixels
      augment_flip: false         # random left-right mirroring of training images (CIFAR-10)
      warmup_epochs: 0            # linear LR warm-up from lr/10 over N epochs before the schedule
      teacher: ""                 # knowledge distillation: a bnnc train checkpoint (the float twin's best.ckpt)
      distill_weight: 0.5         # with a teacher: loss = (1-w)*CE + w*T^2*KL(teacher || student) at temperature T
      distill_temperature: 4.0
      init_from: ""               # start from a bnnc train checkpoint (the float twin's best.ckpt): same layer names and shapes
      latent_clip: 1.0            # clip the latent binary/few-bit weights to [-c, c] after every step; 0: no clipping

Few-bit networks (issue 23, docs/few-bit.md) choose the weights' and the activations'
bits for the whole net, and override them per matrix layer (``conv<k>`` / ``fc<k>``;
a layer's ``act_quant`` is the activation after its batchnorm)::

    model:
      weight_bits: 1              # 1..4; 1: ±1 (sign of the latent weight), n >= 2: signed narrow codes
      weight_scale: const         # n >= 2: const (1/qmax, Brevitas's) | max_abs (max|w| / qmax)
      weight_scale_per_channel: true   # max_abs per output channel (else per tensor)
      act_quant: {bits: 2, signed: true, narrow: true, scale: 1.0, learn_scale: false}  # absent: sign
      per_layer:
        fc1: {weight_bits: 2, act_quant: {bits: 4, signed: false}}
        fc2: {act_quant: sign}

A float twin (``binarized: false``) keeps float weights and its ``float_activation``
whatever these fields say, so a few-bit config and its twin can differ in that one line.

A convolutional network adds ``model.conv``, a list of conv blocks before the
dense layers (``hidden`` may then be empty)::

    model:
      conv:                       # each: 3x3 conv (no bias) -> [max-pool] -> batchnorm -> sign
        - {filters: 32, kernel: 3, padding: 1}
        - {filters: 32, padding: 1, pool: 2}  # pool: window = stride of a max-pool; 0 = none
        - {filters: 64, padding: 1, pool: 2}
      hidden: [256]               # dense widths after the (channel-last) flatten

Padding of a binarized map pads with -1 (bit 0), in training as in the exported
net.yaml (``pad_value: -1``); the first conv on ``input: uint8`` pixels pads with 0.

The file is read by bnnc's one hardened YAML loader (``compiler.frontend.safe_yaml``:
a regular file of at most 16 MiB, bounded aliases and nesting, duplicate keys refused).
Errors are one line: ``FILE: field X must be Y, not Z``, with bad values shown short.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from compiler.errors import BnncError, describe
from compiler.frontend import safe_yaml
from compiler.kernels import conv_out_hw
from compiler.limits import fmt_bytes

# Seeds numpy (and so Lightning's seed_everything) accepts.
SEED_MAX = 2**32 - 1
# torch starts one thread per requested thread; more than this is a typo, not a machine.
THREADS_MAX = 1024
# Counts (epochs, batch size, patience) beyond this are typos and overflow C integers on the way.
COUNT_MAX = 2**31 - 1


class ConfigError(BnncError, ValueError):
    """An invalid configuration or training option; ``str(err)`` is the one-line message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


@dataclass
class ConvBlock:
    """One conv block: ``kernel``x``kernel`` conv (stride 1) -> max-pool ``pool`` (if > 0) -> batchnorm -> sign."""

    filters: int
    kernel: int = 3
    padding: int = 0
    pool: int = 0


# The input image (H, W, C) of each dataset the training data module reads.
DATASET_SHAPES: dict[str, tuple[int, int, int]] = {"mnist": (28, 28, 1), "cifar10": (32, 32, 3)}


@dataclass
class ModelConfig:
    """Architecture: input -> conv blocks... -> flatten -> hidden dense widths... -> classes."""

    conv: list[ConvBlock] = field(default_factory=list)
    hidden: list[int] = field(default_factory=lambda: [256, 256])
    input: str = "binarize"
    binarized: bool = True
    float_activation: str = "relu"
    dropout_in: float = 0.0
    dropout: float = 0.0
    bn_eps: float = 1e-5
    bn_momentum: float = 0.1
    # A learnable positive per-channel scale on each batchnorm that feeds a sign or quant (ScaledBatchNorm):
    # the same function class, a different parametrisation; export folds it into gamma and beta exactly.
    bn_scale: bool = False
    input_threshold: float = 127.5
    input_scale: float = 255.0
    # Few-bit networks (issue 23, docs/few-bit.md); the defaults are the 1-bit network of before.
    weight_bits: int = 1
    weight_scale: str = "const"
    weight_scale_per_channel: bool = True
    act_quant: dict[str, Any] | None = None
    per_layer: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class TrainConfig:
    """Optimisation settings."""

    batch_size: int = 100
    max_epochs: int = 20
    lr: float = 3e-3
    lr_schedule: str = "cosine"
    lr_final: float = 3e-6
    weight_decay: float = 0.0
    val_size: int | float = 5000
    seed: int = 0
    early_stopping_patience: int = 10
    threads: int = 2
    dataset: str = "mnist"
    augment_shift: int = 0
    augment_flip: bool = False
    warmup_epochs: int = 0
    teacher: str = ""
    distill_weight: float = 0.5
    distill_temperature: float = 4.0
    init_from: str = ""
    latent_clip: float = 1.0


@dataclass
class Config:
    """A whole training configuration."""

    name: str = "net"
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (what the YAML holds)."""
        return asdict(self)


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _desc(v: Any) -> str:
    """A bad value for a message: short whatever its size (a YAML alias bomb can hold billions of items)."""
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return str(v)
    return describe(v) if isinstance(v, (str, list, dict, tuple, set)) else describe(v, 60)


def _key(k: Any) -> str:
    """A config key for a field path: itself when it is a short name, else its short repr."""
    return k if isinstance(k, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,39}", k) else _desc(k)


def _count_or_fraction(src: str, where: str, v: Any) -> int | float:
    """``val_size``: a fraction in (0, 1) of the training images, or a whole number of them."""
    if not isinstance(v, bool) and isinstance(v, (int, float)):
        if 0 < v < 1:
            return float(v)
        if v >= 1 and float(v).is_integer() and v <= COUNT_MAX:
            return int(v)
    raise ConfigError(f"{src}: field {where} must be a fraction in (0, 1) or a positive whole number of "
                      f"images, not {_desc(v)}")


def _check_section(src: str, prefix: str, raw: Any, cls: type, skip: tuple[str, ...] = ()) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{src}: field {prefix} must be a mapping, not {_desc(raw)}")
    obj = cls()
    known = {f.name: f for f in fields(cls)}
    for k, v in raw.items():
        if k in skip:  # validated by its own checker
            continue
        where = f"{prefix}.{_key(k)}"
        if k not in known:
            raise ConfigError(f"{src}: field {where} must be one of {', '.join(sorted(known))}, "
                              "not an unknown field")
        default = getattr(obj, k)
        if k == "val_size":
            v = _count_or_fraction(src, where, v)
        elif isinstance(default, bool):
            if not isinstance(v, bool):
                raise ConfigError(f"{src}: field {where} must be true or false, not {_desc(v)}")
        elif isinstance(default, int):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ConfigError(f"{src}: field {where} must be an integer, not {_desc(v)}")
            if abs(v) > COUNT_MAX and k != "seed":  # the seed's own range is checked below
                raise ConfigError(f"{src}: field {where} must be an integer of at most {COUNT_MAX}, "
                                  f"not {_desc(v)}")
        elif isinstance(default, float):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ConfigError(f"{src}: field {where} must be a number, not {_desc(v)}")
            v = float(v)
            if not math.isfinite(v):
                raise ConfigError(f"{src}: field {where} must be a finite number, not {_desc(v)}")
        elif isinstance(default, list):
            if not isinstance(v, list) or not all(_is_int(i) and 0 < i <= COUNT_MAX for i in v):
                raise ConfigError(f"{src}: field {where} must be a list of positive integers, not {_desc(v)}")
        elif isinstance(default, str) and not isinstance(v, str):
            raise ConfigError(f"{src}: field {where} must be a string, not {_desc(v)}")
        setattr(obj, k, v)
    return obj


def _require(src: str, ok: bool, where: str, must: str, value: Any) -> None:
    if not ok:
        raise ConfigError(f"{src}: field {where} must be {must}, not {_desc(value)}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_conv(src: str, raw: Any) -> list[ConvBlock]:
    """Validate ``model.conv``: a list of mappings with the fields of :class:`ConvBlock`."""
    if raw is None:
        return []
    _require(src, isinstance(raw, list), "model.conv", "a list of conv blocks", raw)
    known = [f.name for f in fields(ConvBlock)]
    out = []
    for i, blk in enumerate(raw):
        where = f"model.conv[{i}]"
        _require(src, isinstance(blk, dict), where, "a mapping with fields " + ", ".join(known), blk)
        for k in blk:
            if k not in known:
                raise ConfigError(f"{src}: field {where}.{_key(k)} must be one of {', '.join(known)}, "
                                  "not an unknown field")
        if "filters" not in blk:
            raise ConfigError(f"{src}: field {where}.filters must be a positive integer, not missing")
        b = ConvBlock(**blk)
        _require(src, _is_int(b.filters) and 0 < b.filters <= COUNT_MAX, f"{where}.filters", "a positive integer",
                 b.filters)
        _require(src, _is_int(b.kernel) and 0 < b.kernel <= COUNT_MAX, f"{where}.kernel", "a positive integer",
                 b.kernel)
        _require(src, _is_int(b.padding) and 0 <= b.padding <= COUNT_MAX, f"{where}.padding",
                 "a non-negative integer", b.padding)
        _require(src, _is_int(b.pool) and (b.pool == 0 or 2 <= b.pool <= COUNT_MAX), f"{where}.pool",
                  "0 (no pooling) or an integer >= 2", b.pool)
        out.append(b)
    return out


# An activation quantizer's fields and defaults (docs/few-bit.md's ``quant``; BNN-PYNQ's "A2" is 2 bits,
# signed, narrow: codes {-1, 0, +1}, with Brevitas's constant scale 1.0).
ACT_QUANT_DEFAULTS: dict[str, Any] = {"bits": 2, "signed": True, "narrow": True, "scale": 1.0, "learn_scale": False}
# What one entry of ``model.per_layer`` may set.
PER_LAYER_FIELDS = ("weight_bits", "weight_scale", "weight_scale_per_channel", "act_quant")
WEIGHT_SCALE_MODES = ("const", "max_abs")


def _check_act_quant(src: str, where: str, raw: Any) -> dict[str, Any] | str:
    """An activation: ``'sign'`` (the 1-bit bipolar sign) or a quantizer mapping, its fields checked and filled."""
    if raw == "sign":
        return "sign"
    known = ", ".join(ACT_QUANT_DEFAULTS)
    _require(src, isinstance(raw, dict), where, f"'sign' or a mapping with fields {known}", raw)
    out = dict(ACT_QUANT_DEFAULTS)
    for k, v in raw.items():
        if k not in ACT_QUANT_DEFAULTS:
            raise ConfigError(f"{src}: field {where}.{_key(k)} must be one of {known}, not an unknown field")
        out[k] = v
    _require(src, _is_int(out["bits"]) and 1 <= out["bits"] <= 4, f"{where}.bits", "an integer in [1, 4]",
             out["bits"])
    for k in ("signed", "narrow", "learn_scale"):
        _require(src, isinstance(out[k], bool), f"{where}.{k}", "true or false", out[k])
    v = out["scale"]
    _require(src, not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and v > 0,
             f"{where}.scale", "a positive number", v)
    out["scale"] = float(v)
    _require(src, not (out["narrow"] and out["bits"] == 1), f"{where}.narrow",
             "false for a 1-bit quantizer (a narrow 1-bit range holds only 0)", out["narrow"])
    return out


def _check_weight_fields(src: str, where: str, bits: Any, mode: Any, per_channel: Any) -> None:
    _require(src, _is_int(bits) and 1 <= bits <= 4, f"{where}weight_bits", "an integer in [1, 4]", bits)
    _require(src, mode in WEIGHT_SCALE_MODES, f"{where}weight_scale", "'const' or 'max_abs'", mode)
    _require(src, isinstance(per_channel, bool), f"{where}weight_scale_per_channel", "true or false", per_channel)


def matrix_layer_names(conv: list[ConvBlock], hidden: list[int]) -> list[str]:
    """The names of a config's matrix layers, as the model and the exported net.yaml name them.

    >>> matrix_layer_names([ConvBlock(8)], [16])
    ['conv1', 'fc1', 'fc2']
    """
    return [f"conv{k}" for k in range(1, len(conv) + 1)] + [f"fc{k}" for k in range(1, len(hidden) + 2)]


def _check_per_layer(src: str, raw: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """``model.per_layer``: {matrix layer name: {weight_bits, weight_scale, weight_scale_per_channel, act_quant}}."""
    if raw is None:
        return {}
    _require(src, isinstance(raw, dict), "model.per_layer", "a mapping from matrix layer names to settings", raw)
    out: dict[str, dict[str, Any]] = {}
    for name, entry in raw.items():
        where = f"model.per_layer.{_key(name)}"
        if name not in names:
            raise ConfigError(f"{src}: field {where} must be one of the matrix layers {', '.join(names)}, "
                              "not an unknown layer")
        _require(src, isinstance(entry, dict), where, "a mapping with fields " + ", ".join(PER_LAYER_FIELDS), entry)
        for k in entry:
            if k not in PER_LAYER_FIELDS:
                raise ConfigError(f"{src}: field {where}.{_key(k)} must be one of {', '.join(PER_LAYER_FIELDS)}, "
                                  "not an unknown field")
        _check_weight_fields(src, where + ".", entry.get("weight_bits", 1), entry.get("weight_scale", "const"),
                             entry.get("weight_scale_per_channel", True))
        e = dict(entry)
        if "act_quant" in e:
            _require(src, name != names[-1], f"{where}.act_quant",
                     "absent (the class layer has no activation; its batchnorm feeds argmax)", e["act_quant"])
            e["act_quant"] = _check_act_quant(src, f"{where}.act_quant", e["act_quant"])
        out[name] = e
    return out


@dataclass(frozen=True)
class LayerQuant:
    """How one matrix layer is quantized: its weights and the activation after its batchnorm (None: sign)."""

    weight_bits: int = 1
    weight_scale: str = "const"
    per_channel: bool = True
    act: dict[str, Any] | None = None


def layer_quant(m: ModelConfig, name: str) -> LayerQuant:
    """The quantization of matrix layer ``name``: the net-wide fields, overridden by ``per_layer[name]``."""
    e = m.per_layer.get(name, {})
    act = e.get("act_quant", m.act_quant)
    return LayerQuant(int(e.get("weight_bits", m.weight_bits)), str(e.get("weight_scale", m.weight_scale)),
                      bool(e.get("weight_scale_per_channel", m.weight_scale_per_channel)),
                      None if act in (None, "sign") else dict(act))


def conv_shapes(shape: tuple[int, int, int], conv: list[ConvBlock]) -> list[tuple[int, int, int]]:
    """The (H, W, C) map after each conv block (no check), e.g. to size the first dense layer.

    >>> conv_shapes((28, 28, 1), [ConvBlock(8, padding=1), ConvBlock(16, pool=2)])
    [(28, 28, 8), (13, 13, 16)]
    """
    h, w, _ = shape
    out = []
    for b in conv:
        h, w = conv_out_hw(h, w, b.kernel, b.kernel, 1, b.padding)
        if b.pool:  # floor, like torch's MaxPool2d and bnnc's maxpool2d
            h, w = conv_out_hw(h, w, b.pool, b.pool, b.pool, 0)
        out.append((h, w, b.filters))
    return out


# Evaluation batches (the data module's eval_batch_size): their largest maps are held at once too.
EVAL_BATCH = 1000


def footprint(cfg: Config, in_features: int, classes: int,
              in_shape: tuple[int, int, int] | list[int] | None = None) -> tuple[int, int]:
    """(parameters, bytes): what training the network of ``cfg`` holds at least, before any of it exists.

    Bytes: 16 per parameter (the weight, its gradient and Adam's two moments, float32), 8
    per value a training image leaves for the backward pass (the value and its gradient)
    times the batch size, and 8 per value of the largest two maps of an evaluation image
    times :data:`EVAL_BATCH`. A lower bound, good enough to refuse a typo of a network
    (``hidden: [10000000]``) in one line instead of a crash deep in torch.

    >>> footprint(validate({"model": {"hidden": [8]}}), 784, 10)
    (6388, 6481408)
    """
    m = cfg.model
    params = acts = peak = 0
    features = in_features
    if m.conv:
        h, w, c = (int(v) for v in (in_shape or DATASET_SHAPES[cfg.train.dataset]))
        acts = peak = h * w * c
        for b in m.conv:
            ph, pw = h + 2 * b.padding, w + 2 * b.padding
            oh, ow = (max(v, 1) for v in conv_out_hw(h, w, b.kernel, b.kernel, 1, b.padding))
            params += b.filters * c * b.kernel * b.kernel + 2 * b.filters
            conv_out = oh * ow * b.filters
            if b.pool:
                oh, ow = conv_out_hw(oh, ow, b.pool, b.pool, b.pool, 0)
            pooled = max(oh, 1) * max(ow, 1) * b.filters
            acts += ph * pw * c + conv_out + 3 * pooled  # padded input, conv, (pool,) batchnorm, sign
            peak = max(peak, ph * pw * c + conv_out)
            h, w, c = max(oh, 1), max(ow, 1), b.filters
        features = h * w * c
    for width in [*m.hidden, classes]:
        params += features * width + 2 * width
        acts += 3 * width
        peak = max(peak, features + width)
        features = width
    return params, 16 * params + 8 * cfg.train.batch_size * acts + 8 * EVAL_BATCH * peak


def check_footprint(cfg: Config, in_features: int, classes: int, in_shape: tuple[int, int, int] | list[int] | None,
                    max_bytes: int, src: str) -> None:
    """Refuse a network whose :func:`footprint` exceeds the byte budget, naming the fields that set it."""
    params, need = footprint(cfg, in_features, classes, in_shape)
    if need > max_bytes:
        raise ConfigError(f"{src}: field model: the network must need at most {fmt_bytes(max_bytes)} to train "
                          f"(--max-bytes), not {fmt_bytes(need)} or more ({params:,} parameters, batches of "
                          f"{cfg.train.batch_size}); shrink model.hidden, model.conv or train.batch_size")


def _check_geometry(src: str, shape: tuple[int, int, int], conv: list[ConvBlock]) -> None:
    """Every kernel and pool window must fit the map it slides over."""
    h, w, _ = shape
    for i, b in enumerate(conv):
        ph, pw = h + 2 * b.padding, w + 2 * b.padding
        _require(src, b.kernel <= min(ph, pw), f"model.conv[{i}].kernel",
                 f"at most {min(ph, pw)} (the {h}x{w} map with padding {b.padding})", b.kernel)
        h, w = conv_out_hw(h, w, b.kernel, b.kernel, 1, b.padding)
        if b.pool:
            _require(src, b.pool <= min(h, w), f"model.conv[{i}].pool", f"at most {min(h, w)} (the {h}x{w} map)",
                     b.pool)
            h, w = conv_out_hw(h, w, b.pool, b.pool, b.pool, 0)


def validate(raw: Any, src: str = "<config>") -> Config:
    """Check a parsed YAML document and return a :class:`Config`.

    >>> validate({"name": "x", "model": {"hidden": [8]}}).model.hidden
    [8]
    >>> try:
    ...     validate({"model": {"dropout": 2}}, "c.yaml")
    ... except ConfigError as e:
    ...     print(e)
    c.yaml: field model.dropout must be a number in [0, 1), not 2.0
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{src}: field (top level) must be a mapping, not {_desc(raw)}")
    allowed = {"name", "model", "train"}
    for k in raw:
        if k not in allowed:
            raise ConfigError(f"{src}: field {_key(k)} must be one of {', '.join(sorted(allowed))}, "
                              "not an unknown field")
    name = raw.get("name", "net")
    _require(src, isinstance(name, str) and bool(_IDENT.match(name)), "name",
             "an identifier (letters, digits, _; not starting with a digit)", name)
    m: ModelConfig = _check_section(src, "model", raw.get("model"), ModelConfig,
                                    skip=("conv", "act_quant", "per_layer"))
    t: TrainConfig = _check_section(src, "train", raw.get("train"), TrainConfig)
    if isinstance(raw.get("model"), dict):
        m.conv = _check_conv(src, raw["model"].get("conv"))
        aq = raw["model"].get("act_quant")
        m.act_quant = None if aq is None else _check_act_quant(src, "model.act_quant", aq)  # type: ignore[assignment]
        if m.act_quant == "sign":
            m.act_quant = None
        _check_weight_fields(src, "model.", m.weight_bits, m.weight_scale, m.weight_scale_per_channel)
        m.per_layer = _check_per_layer(src, raw["model"].get("per_layer"), matrix_layer_names(m.conv, m.hidden))
    _require(src, t.dataset in DATASET_SHAPES, "train.dataset", "'mnist' or 'cifar10'", t.dataset)
    # A conv net may go straight from the flatten to the class layer; an MLP needs a hidden layer.
    _require(src, len(m.hidden) >= 1 or bool(m.conv), "model.hidden",
             "a non-empty list of positive integers (or model.conv given)", m.hidden)
    _check_geometry(src, DATASET_SHAPES[t.dataset], m.conv)
    side = min(DATASET_SHAPES[t.dataset][:2])
    _require(src, 0 <= t.augment_shift < side, "train.augment_shift",
             f"an integer in [0, {side - 1}] (pixels)", t.augment_shift)
    _require(src, m.input in ("binarize", "uint8"), "model.input", "'binarize' or 'uint8'", m.input)
    _require(src, m.float_activation in ("relu", "hardtanh"), "model.float_activation",
             "'relu' or 'hardtanh'", m.float_activation)
    for k in ("dropout_in", "dropout"):
        v = getattr(m, k)
        _require(src, 0.0 <= v < 1.0, f"model.{k}", "a number in [0, 1)", v)
    _require(src, m.bn_eps > 0, "model.bn_eps", "a positive number", m.bn_eps)
    _require(src, 0 < m.bn_momentum <= 1, "model.bn_momentum", "a number in (0, 1]", m.bn_momentum)
    _require(src, m.input_scale > 0, "model.input_scale", "a positive number", m.input_scale)
    _require(src, t.batch_size > 0, "train.batch_size", "a positive integer", t.batch_size)
    _require(src, t.max_epochs > 0, "train.max_epochs", "a positive integer", t.max_epochs)
    _require(src, t.lr > 0, "train.lr", "a positive number", t.lr)
    _require(src, t.lr_final > 0, "train.lr_final", "a positive number", t.lr_final)
    _require(src, t.lr_schedule in ("cosine", "exponential", "constant"), "train.lr_schedule",
             "'cosine', 'exponential' or 'constant'", t.lr_schedule)
    _require(src, t.weight_decay >= 0, "train.weight_decay", "a non-negative number", t.weight_decay)
    t.val_size = _count_or_fraction(src, "train.val_size", t.val_size)
    _require(src, 0 <= t.seed <= SEED_MAX, "train.seed", f"an integer in [0, {SEED_MAX}]", t.seed)
    _require(src, t.early_stopping_patience >= 0, "train.early_stopping_patience",
             "a non-negative integer", t.early_stopping_patience)
    _require(src, 0 <= t.warmup_epochs < t.max_epochs, "train.warmup_epochs",
             f"an integer in [0, max_epochs - 1 = {t.max_epochs - 1}]", t.warmup_epochs)
    _require(src, 0 <= t.distill_weight <= 1, "train.distill_weight", "a number in [0, 1]", t.distill_weight)
    _require(src, t.distill_temperature > 0, "train.distill_temperature", "a positive number",
             t.distill_temperature)
    _require(src, "\0" not in t.teacher and len(t.teacher) <= 4096, "train.teacher",
             "a checkpoint path (or empty)", t.teacher)
    _require(src, "\0" not in t.init_from and len(t.init_from) <= 4096, "train.init_from",
             "a checkpoint path (or empty)", t.init_from)
    _require(src, 0 <= t.latent_clip <= 1e6, "train.latent_clip", "a number in [0, 1e6] (0: no clipping)",
             t.latent_clip)
    _require(src, 0 <= t.threads <= THREADS_MAX, "train.threads", f"an integer in [0, {THREADS_MAX}]", t.threads)
    return Config(name=name, model=m, train=t)


def load_config(path: str | Path) -> Config:
    """Read and validate a training config YAML file (errors: :class:`ConfigError`, one line)."""
    try:
        raw = safe_yaml.load_file(path, "the training config")
    except BnncError as e:
        raise ConfigError(str(e)) from None
    return validate(raw, str(path))
