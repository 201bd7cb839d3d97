"""The net.yaml schema (pydantic): field names, types, defaults and bounds.

Only the shape of the document is checked here; cross-field rules (layer order,
array shapes, weights path) are in :mod:`compiler.frontend.netyaml`.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
PositiveInt = Annotated[int, Field(gt=0)]
_DTYPE = re.compile(r"^(bipolar|u?int([1-9]|[12][0-9]|3[0-2]))$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class InputSpec(_Strict):
    """The network input: one image's shape (channel-last) and element type."""

    shape: Annotated[list[PositiveInt], Field(min_length=1, max_length=3)]
    dtype: str = "uint8"

    @field_validator("dtype")
    @classmethod
    def _dtype(cls, v: str) -> str:
        if not _DTYPE.match(v):
            raise ValueError("one of bipolar, uint8, int8, uintN, intN (N = 1..32)")
        return v


class _Layer(_Strict):
    name: Identifier


class DenseSpec(_Layer):
    """Fully connected layer with ±1 weights."""

    op: Literal["dense"]
    units: PositiveInt


class Conv2dSpec(_Layer):
    """2-D convolution with ±1 weights, channel-last."""

    op: Literal["conv2d"]
    filters: PositiveInt
    kernel: Union[PositiveInt, Annotated[list[PositiveInt], Field(min_length=2, max_length=2)]]
    stride: PositiveInt = 1
    padding: Annotated[int, Field(ge=0)] = 0
    pad_value: int | None = None


class MaxPoolSpec(_Layer):
    """Max pooling over square windows."""

    op: Literal["maxpool2d"]
    kernel: PositiveInt
    stride: PositiveInt | None = None


class BatchNormSpec(_Layer):
    """Batch normalization (inference form) over the last axis."""

    op: Literal["batchnorm"]
    eps: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1e-5


class SignSpec(_Layer):
    """Binarization: +1 where x >= threshold, else -1."""

    op: Literal["sign"]
    threshold: float = 0.0

    @field_validator("threshold")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("a finite number")
        return v


class FlattenSpec(_Layer):
    """(H, W, C) -> (H*W*C) in channel-last order."""

    op: Literal["flatten"]


LayerSpec = Annotated[
    Union[DenseSpec, Conv2dSpec, MaxPoolSpec, BatchNormSpec, SignSpec, FlattenSpec],
    Field(discriminator="op"),
]
LAYER_OPS = ("dense", "conv2d", "maxpool2d", "batchnorm", "sign", "flatten")


class FoldingSpec(_Strict):
    """Requested parallelism of one matrix layer."""

    pe: PositiveInt
    simd: PositiveInt


class HardwareSpec(_Strict):
    """Hardware settings: target clock and optional per-layer folding."""

    clock_mhz: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 100.0
    folding: dict[str, FoldingSpec] = Field(default_factory=dict)


class NetSpec(_Strict):
    """A whole net.yaml document."""

    name: Identifier
    input: InputSpec
    layers: Annotated[list[LayerSpec], Field(min_length=1)]
    output: Literal["argmax", "scores"] = "argmax"
    hardware: HardwareSpec = Field(default_factory=HardwareSpec)
    weights: str = "weights.npz"


_LAYER_SPECS = {"dense": DenseSpec, "conv2d": Conv2dSpec, "maxpool2d": MaxPoolSpec, "batchnorm": BatchNormSpec,
                "sign": SignSpec, "flatten": FlattenSpec}


def model_for_location(loc: list, op: object = None) -> tuple[str, list[str]]:
    """(what, its field names) of the mapping at ``loc`` (a path below the document or below a layer of ``op``)."""
    if op is not None:
        spec = _LAYER_SPECS.get(str(op))
        return (str(op), list(spec.model_fields)) if spec else ("a layer", ["name", "op"])
    model: type[BaseModel] = NetSpec
    what = "the network"
    names = {(): (NetSpec, "the network"), ("input",): (InputSpec, "input"), ("hardware",): (HardwareSpec, "hardware")}
    key = tuple(str(p) for p in loc)
    if key in names:
        model, what = names[key]
    elif len(key) == 3 and key[:2] == ("hardware", "folding"):
        model, what = FoldingSpec, ".".join(key)
    return what, list(model.model_fields)
