"""The net.yaml schema (pydantic): the document's fields, and the layers' from the op registry.

Each op's layer fields are its definition's ``spec`` (:mod:`compiler.ops`); this
module only assembles them into the document model. Only the shape of the
document is checked here; cross-field rules (layer order, array shapes, weights
path) are in :mod:`compiler.frontend.build`, :mod:`compiler.frontend.netyaml` and the ops' ``build``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from compiler.config import DEFAULT_CLOCK_MHZ, Budget, HardwareConfig
from compiler.ops import OPS, LayerSpec
from compiler.ops.base import Identifier, PositiveInt
from compiler.limits import MAX_CLOCK_MHZ, MIN_TARGET_FPS
from compiler.targets import DEFAULT_TARGET, TARGETS

from .build import LAYER_OPS

TARGET_NAMES = tuple(TARGETS)

# uint1..uint32 and int2..int32: a 1-bit signed integer (values -1 and 0) has no hardware lane; use bipolar.
_DTYPE = re.compile(r"^(bipolar|uint([1-9]|[12][0-9]|3[0-2])|int([2-9]|[12][0-9]|3[0-2]))$")

# The net.yaml layer models by op, in registry order.
LAYER_SPECS: dict[str, type[LayerSpec]] = {op: spec for op in LAYER_OPS if (spec := OPS[op].spec) is not None}


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
            raise ValueError("one of bipolar, uint8, int8, uintN (N = 1..32), intN (N = 2..32)")
        return v


LayerSpecUnion: Any = Annotated[Union[tuple(LAYER_SPECS.values())], Field(discriminator="op")]


class FoldingSpec(_Strict):
    """Requested parallelism of one matrix layer."""

    pe: PositiveInt
    simd: PositiveInt


class BudgetSpec(_Strict):
    """Most modelled resources a rate-driven folding may use (compiler/cores' units: compiler.cores.Resources)."""

    lut: PositiveInt | None = None
    ff: PositiveInt | None = None
    bram: PositiveInt | None = None
    dsp: Annotated[int, Field(ge=0)] | None = None


class HardwareSpec(_Strict):
    """Hardware settings: target clock and optional per-layer folding."""

    clock_mhz: Annotated[float, Field(gt=0, le=MAX_CLOCK_MHZ, allow_inf_nan=False)] = DEFAULT_CLOCK_MHZ
    folding: dict[str, FoldingSpec] = Field(default_factory=dict)
    # The FPGA the ROMs are planned for (compiler/targets.py; bnnc compile --target overrides).
    target: Literal[TARGET_NAMES] = DEFAULT_TARGET  # type: ignore[valid-type]
    # Frames per second to reach at clock_mhz: the folding search picks the cheapest modelled folding.
    target_fps: Annotated[float, Field(ge=MIN_TARGET_FPS, allow_inf_nan=False)] | None = None
    # Resource limits for the folding search (alone: the fastest folding within them).
    budget: BudgetSpec | None = None

    def to_config(self) -> HardwareConfig:
        """The typed settings these validated fields describe."""
        return HardwareConfig(target=self.target, clock_mhz=self.clock_mhz,
                              folding={k: (v.pe, v.simd) for k, v in self.folding.items()},
                              target_fps=self.target_fps,
                              budget=Budget(**self.budget.model_dump()) if self.budget is not None else None)


class NetSpec(_Strict):
    """A whole net.yaml document."""

    name: Identifier
    input: InputSpec
    layers: Annotated[list[LayerSpecUnion], Field(min_length=1)]
    output: Literal["argmax", "scores"] = "argmax"
    hardware: HardwareSpec = Field(default_factory=HardwareSpec)
    weights: str = "weights.npz"

    @field_validator("weights")
    @classmethod
    def _path(cls, v: str) -> str:
        if "\0" in v:  # no file system can name it: refused here, not by the OS deep in a read
            raise ValueError("a path without NUL bytes")
        return v


def model_for_location(loc: list, op: object = None) -> tuple[str, list[str]]:
    """(what, its field names) of the mapping at ``loc`` (a path below the document or below a layer of ``op``)."""
    if op is not None:
        spec = LAYER_SPECS.get(str(op))
        return (str(op), list(spec.model_fields)) if spec else ("a layer", ["name", "op"])
    model: type[BaseModel] = NetSpec
    what = "the network"
    names = {(): (NetSpec, "the network"), ("input",): (InputSpec, "input"), ("hardware",): (HardwareSpec, "hardware"),
             ("hardware", "budget"): (BudgetSpec, "hardware.budget")}
    key = tuple(str(p) for p in loc)
    if key in names:
        model, what = names[key]
    elif len(key) == 3 and key[:2] == ("hardware", "folding"):
        model, what = FoldingSpec, ".".join(key)
    return what, list(model.model_fields)
