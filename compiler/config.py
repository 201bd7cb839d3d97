"""The hardware settings of a network, typed: every default defined here, once.

A frontend (net.yaml's ``hardware`` section) builds a :class:`HardwareConfig`; ``bnnc
compile``'s options replace fields of it (:meth:`HardwareConfig.replace`); the passes,
the lowering and the manifest read it from ``Graph.config``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, Mapping

from compiler.targets import DEFAULT_TARGET, target

# hardware.clock_mhz when net.yaml gives none.
DEFAULT_CLOCK_MHZ = 100.0


@dataclass(frozen=True)
class Budget:
    """Most modelled resources a rate-driven folding may use (compiler/cores' units: compiler.cores.Resources); None: no limit."""

    lut: int | None = None
    ff: int | None = None
    bram: int | None = None
    dsp: int | None = None

    def lines(self) -> dict[str, int]:
        """The stated limits by resource name (the folding search's ``limit``)."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


@dataclass(frozen=True)
class HardwareConfig:
    """What the hardware is built for: target, clock, per-layer folding requests, a frame rate and a budget."""

    # The FPGA the ROMs are planned for (compiler/targets.py).
    target: str = DEFAULT_TARGET
    clock_mhz: float = DEFAULT_CLOCK_MHZ
    # Requested (PE, SIMD) per matrix layer; the folding pass chooses the rest.
    folding: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    # Frames per second to reach at clock_mhz: the folding search picks the cheapest modelled folding.
    target_fps: float | None = None
    budget: Budget | None = None
    # The command-line option that set target_fps (``--target-fps``), so that messages about the rate blame it.
    fps_option: str | None = None

    def __post_init__(self) -> None:
        target(self.target)  # ValueError for a name that is no target
        folding = {str(k): (int(pe), int(simd)) for k, (pe, simd) in self.folding.items()}
        object.__setattr__(self, "folding", MappingProxyType(folding))

    def replace(self, **changes: Any) -> HardwareConfig:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def limit(self) -> dict[str, int]:
        """The budget's stated lines (empty without a budget)."""
        return self.budget.lines() if self.budget is not None else {}

    def to_json(self) -> dict[str, Any]:
        """The JSON record of the IR file's ``hardware`` (optional fields only when set)."""
        out: dict[str, Any] = {"clock_mhz": self.clock_mhz, "target": self.target,
                               "folding": {k: list(v) for k, v in self.folding.items()}}
        if self.target_fps is not None:
            out["target_fps"] = self.target_fps
        if self.budget is not None:
            out["budget"] = self.budget.lines()
        if self.fps_option is not None:
            out["target_fps_option"] = self.fps_option
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> HardwareConfig:
        """The config a :meth:`to_json` record describes."""
        return cls(target=d.get("target", DEFAULT_TARGET), clock_mhz=d.get("clock_mhz", DEFAULT_CLOCK_MHZ),
                   folding={k: tuple(v) for k, v in d.get("folding", {}).items()}, target_fps=d.get("target_fps"),
                   budget=Budget(**d["budget"]) if "budget" in d else None, fps_option=d.get("target_fps_option"))
