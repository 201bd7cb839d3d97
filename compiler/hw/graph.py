"""The hardware graph: streaming module instances joined by AXI4-Stream links.

Built from a folded IR graph by :mod:`compiler.hw.lower`; rendered to Verilog by
:mod:`compiler.codegen`. Every stream says which IR tensor it carries (``tap``) and
how (lanes, element width), so the reference can predict every beat on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Stream:
    """One AXI4-Stream link: ``vectors`` vectors of ``elems`` elements per image, ``lanes`` per beat."""

    name: str
    tap: str
    lanes: int
    elem_bits: int
    signed: bool
    bipolar: bool
    elems: int
    vectors: int = 1

    @property
    def width(self) -> int:
        return self.lanes * self.elem_bits

    @property
    def beats_per_vector(self) -> int:
        return -(-self.elems // self.lanes)

    @property
    def beats_per_image(self) -> int:
        return self.beats_per_vector * self.vectors

    def describe(self) -> dict[str, Any]:
        """The manifest's record of this stream."""
        return {"name": self.name, "tap": self.tap, "lanes": self.lanes, "elem_bits": self.elem_bits,
                "signed": self.signed, "bipolar": self.bipolar, "elems_per_vector": self.elems,
                "vectors_per_image": self.vectors, "width": self.width, "beats_per_image": self.beats_per_image}


@dataclass(frozen=True)
class Module:
    """One instance of a core: its Verilog module, parameters, streams, ROM contents and cost."""

    name: str
    core: str
    params: Mapping[str, Any]
    s_axis: Stream
    m_axis: Stream
    layers: tuple[str, ...] = ()
    cycles: int = 0
    roms: Mapping[str, list[str]] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "core": self.core, "layers": list(self.layers), "cycles_per_image": self.cycles,
                "params": {k: v for k, v in self.params.items()}, "in": self.s_axis.name, "out": self.m_axis.name}


@dataclass(frozen=True)
class HwGraph:
    """A whole accelerator: modules in stream order, from the top input to the top output."""

    name: str
    modules: tuple[Module, ...]
    clock_mhz: float

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

    @property
    def interval(self) -> int:
        """Predicted cycles between images: the slowest module's cycles per image."""
        return max(m.cycles for m in self.modules)
