"""The hardware graph: streaming core instances joined by AXI4-Stream links.

Built from a folded IR graph by :mod:`compiler.lower` (each op plans its own
stage's units); rendered to Verilog by :mod:`compiler.codegen`. Every stream says which
IR tensor it carries (``tap``) and how (lanes, element width), so the reference
can predict every beat on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from compiler.cores.base import Bits, CoreParams
from compiler.cores.rom import MemoryPlan

from .stream import Stream


@dataclass(frozen=True)
class Rom:
    """One ROM image of a core instance: the Verilog file parameter it is passed in, how to build its ``$readmemh``
    lines (only when they are written: planning and pricing a design never build them) and its memory plan."""

    parameter: str
    image: Callable[[], Sequence[str]] = field(compare=False, repr=False)
    plan: MemoryPlan | None = None  # how it is built on the target (compiler/cores/rom.py)

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """The ``$readmemh`` lines, built on first use."""
        return tuple(self.image())


@dataclass(frozen=True)
class Module:
    """One instance of a core, the unit plan an op's ``plan`` gives (the lowering appends it, the folding search
    prices it): its typed parameters (which name the Verilog module), streams, ROM images (by file suffix) and cycles
    per image."""

    name: str
    params: CoreParams
    s_axis: Stream
    m_axis: Stream
    layers: tuple[str, ...] = ()
    cycles: int = 0
    roms: Mapping[str, Rom] = field(default_factory=dict)
    # Bits of the memories inside the instance, by kind ("rom_bits", "line_buffer_bits"), for the manifest.
    memory: Mapping[str, int] = field(default_factory=dict)

    @property
    def core(self) -> str:
        """The Verilog module it instantiates."""
        return self.params.CORE

    def describe(self) -> dict[str, Any]:
        d = {"name": self.name, "core": self.core, "layers": list(self.layers), "cycles_per_image": self.cycles,
             "params": {k: v.verilog() if isinstance(v, Bits) else v for k, v in self.params.items()},
             "in": self.s_axis.name, "out": self.m_axis.name}
        if self.memory:
            d["memory"] = dict(self.memory)
        plans = {kind: rom.plan.describe() for kind, rom in self.roms.items() if rom.plan is not None}
        if plans:
            d["rom_plans"] = plans
        return d


@dataclass(frozen=True)
class HwGraph:
    """A whole accelerator: modules in stream order, from the top input to the top output.

    ``interval`` is the folded IR's figure (:attr:`compiler.ir.Graph.timing`), the one
    source of the pipeline's cycles per image; the lowering checks that no module
    (glue included) is slower.
    """

    name: str
    modules: tuple[Module, ...]
    clock_mhz: float
    interval: int
    bottleneck: str

    def __post_init__(self) -> None:
        slow = [m.name for m in self.modules if m.cycles > self.interval]
        assert not slow, f"modules {slow} are slower than the pipeline interval {self.interval}"

    @property
    def input(self) -> Stream:
        return self.modules[0].s_axis

    @property
    def output(self) -> Stream:
        return self.modules[-1].m_axis

    @property
    def streams(self) -> list[Stream]:
        """Every link in order: the top input, then each module's output."""
        return [self.input] + [m.m_axis for m in self.modules]
