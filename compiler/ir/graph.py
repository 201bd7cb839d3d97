"""The layer-graph IR: an immutable, sequential dataflow graph of named nodes.

bnnc's networks are streaming pipelines, so the graph is a chain: node i consumes
node i-1's output (node 0 consumes the graph input). Nodes and graphs are frozen;
passes build new ones with :meth:`Node.replace` and :meth:`Graph.with_nodes`.
Parameter arrays are made read-only on construction so no pass can mutate a
graph it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Iterator, Mapping

import numpy as np

from compiler.config import HardwareConfig

from .types import TensorType


def _freeze_array(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


def _freeze_value(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_freeze_value(x) for x in v)
    if isinstance(v, np.generic):
        return v.item()
    return v


@dataclass(frozen=True, eq=False)
class Node:
    """One layer: ``op`` with scalar ``attrs``, array ``params`` and its output ``type``.

    ``type`` is None until type inference has run (the frontend runs it at once).
    """

    name: str
    op: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, np.ndarray] = field(default_factory=dict)
    type: TensorType | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "attrs", MappingProxyType({k: _freeze_value(v) for k, v in self.attrs.items()}))
        object.__setattr__(self, "params", MappingProxyType({k: _freeze_array(v) for k, v in self.params.items()}))

    def replace(self, **changes: Any) -> "Node":
        """A copy with some fields changed (attrs/params replaced whole when given)."""
        if "attrs" in changes:
            changes["attrs"] = dict(changes["attrs"])
        if "params" in changes:
            changes["params"] = dict(changes["params"])
        return replace(self, **changes)

    def with_attrs(self, **attrs: Any) -> "Node":
        """A copy with attributes added or overwritten."""
        return self.replace(attrs={**self.attrs, **attrs})

    @property
    def out(self) -> TensorType:
        """The output type; only valid after type inference."""
        assert self.type is not None, f"node {self.name} has no type yet"
        return self.type


@dataclass(frozen=True)
class ScoreReport:
    """How ``quantize_scores`` sized the final scores' fixed point, and how well it holds on calibration inputs."""

    frac_bits: int
    disagreements: int  # calibration inputs whose fixed-point argmax differs from float64's
    calibration_images: int
    calibration: str  # "user" (--calibration) or "random" (seeded inputs over the input range)


@dataclass(frozen=True, eq=False)
class Graph:
    """A network: its input type, the chain of nodes, and the hardware settings it is built for.

    ``stage`` names how far the graph has been lowered (``float`` as imported,
    ``folded`` after the integer passes); ``config`` holds the target, the clock and
    the user's per-layer folding requests; ``source`` is the file it came from;
    ``scores`` is set by ``quantize_scores``. The pipeline's timing is derived from
    the nodes' ``cycles`` (:attr:`timing`), never stored.
    """

    name: str
    input: TensorType
    nodes: tuple[Node, ...]
    output: str = "argmax"
    stage: str = "float"
    config: HardwareConfig = field(default_factory=HardwareConfig)
    source: str = "<memory>"
    scores: ScoreReport | None = None
    # Every file the graph was read from (net.yaml, weights): an output folder must not hold them.
    inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "inputs", tuple(self.inputs))

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def with_nodes(self, nodes: list[Node] | tuple[Node, ...], **changes: Any) -> "Graph":
        """A new graph with these nodes (and any other fields changed)."""
        return replace(self, nodes=tuple(nodes), **changes)

    @property
    def timing(self) -> tuple[int, str] | None:
        """(interval, bottleneck): the slowest folded layer's cycles per image and its name; None before folding.

        The one source of the pipeline's interval: the manifest, ``inspect`` and the
        hardware graph all read it from here.
        """
        timed = [n for n in self.nodes if "cycles" in n.attrs]
        if not timed:
            return None
        slowest = max(timed, key=lambda n: n.attrs["cycles"])
        return int(slowest.attrs["cycles"]), slowest.name

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def index(self, name: str) -> int:
        for i, n in enumerate(self.nodes):
            if n.name == name:
                return i
        raise KeyError(name)

    def input_type(self, i: int) -> TensorType:
        """Type of the tensor node i consumes."""
        return self.input if i == 0 else self.nodes[i - 1].out

    @property
    def output_type(self) -> TensorType:
        return self.nodes[-1].out if self.nodes else self.input

    def prefix(self, end: int) -> "Graph":
        """The graph made of nodes [0, end): used to execute part of a network."""
        return replace(self, nodes=self.nodes[:end])

    def unique_name(self, base: str) -> str:
        """A node name not used yet, derived from ``base``."""
        taken = {n.name for n in self.nodes}
        if base not in taken:
            return base
        k = 1
        while f"{base}_{k}" in taken:
            k += 1
        return f"{base}_{k}"
