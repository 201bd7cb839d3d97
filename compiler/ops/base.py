"""What an op is: one class per op (or op family) holds everything bnnc knows about it.

An :class:`OpDef` gives, in one place:

* its attributes and parameter arrays (the verifier checks nodes against them),
* its layer spec (``spec``: typed, frozen fields that net.yaml's schema is made of and
  any frontend fills in; None for ops that only passes create) and how a layer of
  that spec becomes an IR node (``build``, through a frontend-neutral ImportContext),
* its type rule (``infer``: shape and exact integer range),
* its exact numpy semantics (``execute``, and optionally a fused kernel for a
  consumer it absorbs),
* its hardware (``plan``: the units of its stage, typed core parameters, which the
  lowering appends and the folding search prices), or ``rtl = NoRTL(reason)`` that
  ``bnnc compile`` reports.

Ops register themselves in :data:`compiler.ops.registry.OPS`; the frontend, the
verifier, the reference, the hardware lowering, the manifest and ``inspect``
all read that one registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from compiler.config import HardwareConfig
from compiler.cores.mvtu import MvtuOutput
from compiler.cores.swu import MAX_CYCLES
from compiler.errors import BnncError
from compiler.hw.graph import Module
from compiler.hw.stream import Stream
from compiler.ir import DType, Node, TensorType

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
PositiveInt = Annotated[int, Field(gt=0)]


class OpTypeError(Exception):
    """A node that does not fit its input (an internal invariant once the frontend has validated)."""


class LayerSpec(BaseModel):
    """Base of every op's layer spec (net.yaml's layer schema): strict types, unknown fields refused, a name."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: Identifier
    op: str  # each spec narrows it to its op's name (the tag of net.yaml's layer union)


class ImportContext(Protocol):
    """What an op's ``build`` may ask of a frontend: the network input, the parameter arrays and the error format."""

    source: str
    # The network's input type: an integer tensor a matrix layer may read as it is (see reads_integer).
    network_input: TensorType
    # Whether the tensor the layer being built reads holds a quant's codes (set by the graph builder: a quant's
    # output, unchanged through flatten and max-pools): integers a matrix layer may read too.
    reads_codes: bool

    def take(self, layer: str, param: str, shape: tuple[int, ...]) -> np.ndarray:
        """The float64 array ``<layer>.<param>`` of the weights file, checked to have ``shape``."""
        ...

    def optional(self, layer: str, param: str, shapes: tuple[tuple[int, ...], ...]) -> np.ndarray | None:
        """The float64 array ``<layer>.<param>`` if the weights file has it, checked to have one of ``shapes``;
        None where it is absent."""
        ...

    def error(self, message: str, layer: str, field: str, *, weights_file: bool = False) -> BnncError:
        """A one-line error naming the network file (or the weights file), the layer and the field."""
        ...

    def check_unused(self) -> None:
        """Refuse parameter arrays that no layer took."""
        ...


def reads_integer(ctx: ImportContext, t: TensorType) -> bool:
    """Whether a matrix layer reads ``t`` as integers: the network input itself (the first layer's hardware takes its
    raw lanes) or a quant's codes (:attr:`ImportContext.reads_codes`); any other input must be bipolar (a raw
    accumulator has no lane width the next unit could take)."""
    return t.dtype.is_int and (t == ctx.network_input or ctx.reads_codes)


@dataclass(frozen=True)
class NoRTL:
    """Why an op has no hardware lowering; ``bnnc compile`` reports it with field ``op``."""

    reason: str


@dataclass(frozen=True)
class Stage:
    """A node and the consumer it absorbs (if any): one step of the reference and one hardware unit."""

    head: Node
    consumer: Node | None = None

    @property
    def out(self) -> Node:
        """The node whose output leaves the stage."""
        return self.consumer or self.head


@dataclass(frozen=True)
class PlanContext:
    """What planning a stage's hardware may read besides the stage and its input stream."""

    config: HardwareConfig
    t_in: TensorType  # the stage's input type
    # Cycles per image of the slowest unit before the stage and after it: what paces a window unit's ring.
    before: int = 0
    after: int = 0
    source: str | None = None  # the network file, for messages

    @property
    def target(self) -> str:
        """The FPGA the units are planned for."""
        return self.config.target

    def window_pacing(self, node: Node, own: int) -> dict[str, int]:
        """bnnc_swu's IN_CYCLES and OUT_CYCLES for the window unit reading ``node``'s input: the cycles per
        image of the slowest unit before it (its input comes no faster) and of the slowest of ``own`` (the unit
        it feeds) and every unit after it (its output is taken no faster). Its ring is sized so that
        neither side then waits for the other (docs/hardware.md, bnnc_swu "Line buffer")."""
        pacing = {"IN_CYCLES": self.before, "OUT_CYCLES": max(own, self.after)}
        slowest = max(pacing.values())
        if slowest >= MAX_CYCLES:  # the core's 32-bit schedule arithmetic
            raise BnncError(f"the pipeline's interval must be below {MAX_CYCLES:,} cycles per image for this "
                            f"layer's window unit, not {slowest:,}; fold the matrix layers wider",
                            file=self.source, layer=node.name, field="hardware.folding")
        return pacing


class OpDef:
    """One op's definition. Subclasses set the class attributes and override what applies."""

    name: ClassVar[str]
    doc: ClassVar[str]
    attrs: ClassVar[tuple[str, ...]] = ()
    params: ClassVar[tuple[str, ...]] = ()
    # The layer spec a frontend fills in (net.yaml's layer schema); None for ops that only passes create.
    spec: ClassVar[type[LayerSpec] | None] = None
    # Arrays of the weights file its layer may give besides its params (read by ``build``, e.g. dense's weight_scale).
    optional_arrays: ClassVar[tuple[str, ...]] = ()
    # The net.yaml op a node of this op comes from, for messages (xnor_dense comes from dense).
    user_op: ClassVar[str | None] = None
    # A ±1 weight matrix (param ``weight``) folded onto PE x SIMD lanes.
    matrix: ClassVar[bool] = False
    # Float-stage only: the folding passes must remove it.
    float_only: ClassVar[bool] = False
    # Ops whose node, directly after this one, joins its stage (one hardware unit, one reference step).
    absorbs: ClassVar[tuple[str, ...]] = ()
    # None when ``plan`` gives hardware; else the reason there is none.
    rtl: ClassVar[NoRTL | None] = None
    # Hardware: keeps its input stream's lanes, so the lanes wanted after it are decided further on.
    lane_transparent: ClassVar[bool] = False
    # Hardware: reads its input from a FIFO (with a width converter when lanes differ).
    buffered: ClassVar[bool] = False
    # Hardware: none of its own on a stream it need not regroup, which then goes on as it came (the top input
    # can reach the next op through it).
    passes_through: ClassVar[bool] = False

    @property
    def yaml_op(self) -> str:
        """The op's name as the user wrote it."""
        return self.user_op or self.name

    def example(self) -> tuple[TensorType, Node]:
        """A small node of this op and its input type, part of the definition: tests/test_op_registry.py types,
        verifies, executes and lowers it for every registered op (matrix nodes carry a folding)."""
        raise NotImplementedError(f"{self.name} has no example")

    def infer(self, node: Node, t: TensorType) -> TensorType:
        """Output type of ``node`` on input type ``t`` (raise OpTypeError when it does not fit)."""
        raise NotImplementedError

    def execute(self, node: Node, x: np.ndarray) -> np.ndarray:
        """Exact numpy semantics on a batch ``x`` (N, *input shape)."""
        raise NotImplementedError

    def execute_fused(self, stage: Stage, x: np.ndarray) -> np.ndarray | None:
        """The stage's output in one kernel, when this op has a faster fused one for this batch; else None."""
        return None

    def build(self, ctx: ImportContext, spec: Any, t: TensorType) -> Node:
        """The IR node of a validated layer ``spec`` (this op's :attr:`spec` model) on input type ``t``."""
        raise NotImplementedError(f"{self.name} has no layer spec")

    def choose_lanes(self, node: Node, t_in: TensorType, budget: int) -> tuple[int, int] | None:
        """(lanes, cycles) of a unit that streams whole maps and keeps within ``budget`` cycles; None for other ops."""
        return None

    def in_lanes(self, node: Node) -> int | None:
        """Lanes per beat this op's hardware reads; None takes whatever arrives."""
        return None

    def in_elems(self, node: Node) -> int | None:
        """Elements per vector this op's hardware reads, when it regroups its input; None keeps them."""
        return None

    def plan(self, stage: Stage, cur: Stream, ctx: PlanContext) -> list[Module]:
        """This stage's units fed by ``cur``, in stream order (none: ``cur`` goes on as it came); the last one's
        output is the stream it produces."""
        raise NotImplementedError

    def fold_activation(self, node: Node, bn: Node | None, src: TensorType, scale: Node | None = None) -> Node | None:
        """The integer node replacing this float-stage activation on integer input ``src``, with the batchnorm ``bn``
        before it and the ``scale`` node before that (a matrix layer's float output scale) folded in when given
        (``fold_threshold``); None where this op is no such activation."""
        return None

    def in_popcount_domain(self, node: Node, n: int) -> Node | None:
        """``node`` rewritten to read p = (x + n) / 2, the popcount of an XNOR matrix layer of ``n`` inputs, instead
        of that layer's sum x; None where it does not (lower_xnor_popcount then puts x = 2p - n before it)."""
        return None

    def plan_after(self, node: Node, cur: Stream, ctx: PlanContext) -> list[Module]:
        """The units computing ``node``, absorbed by the matrix unit before it, from that unit's raw accumulators
        ``cur`` (where its :meth:`mvtu_output` says ``after``), in stream order."""
        raise NotImplementedError(f"{self.name} is computed by the matrix unit that absorbs it")

    def mvtu_output(self, node: Node, acc: DType) -> MvtuOutput:
        """What the matrix unit absorbing ``node`` emits for it (OUT_MODE and widths), from accumulators in ``acc``."""
        raise NotImplementedError(f"{self.name} is absorbed by no matrix unit")

    def manifest_row(self, node: Node, t_in: TensorType) -> dict[str, Any]:
        """Op-specific fields of the node's row in the manifest's layer table."""
        return {}

    def working_bytes(self, node: Node, t_in: TensorType) -> int:
        """Bytes the reference holds per image while executing ``node``: its input and output tensors."""
        return element_bytes(t_in) * t_in.size + element_bytes(node.out) * node.out.size


def example_weights(*shape: int) -> np.ndarray:
    """Seeded ±1 weights of ``shape`` for an op's :meth:`OpDef.example`."""
    return np.random.default_rng(7).choice(np.array([-1, 1], dtype=np.int8), size=shape)


def element_bytes(t: TensorType) -> int:
    """Bytes per element of a tensor in the reference: int8 for bipolar, 8 bytes for integers and floats."""
    return 1 if t.dtype.is_bipolar else 8


def check_channels(node: Node, t: TensorType, *names: str) -> None:
    """Per-channel parameters must have one value per channel of ``t``."""
    for name in names:
        if node.params[name].shape != (t.channels,):
            raise OpTypeError(f"{node.op} {node.name}: {name} must have shape ({t.channels},), "
                              f"not {node.params[name].shape}")


def int_range(t: TensorType, node: Node) -> tuple[int, int]:
    """The exact range of an integral input, or OpTypeError for a float one."""
    if not t.dtype.is_integral:
        raise OpTypeError(f"{node.op} {node.name} needs an integer or bipolar input, not {t.dtype}")
    assert t.dtype.lo is not None and t.dtype.hi is not None
    return t.dtype.lo, t.dtype.hi
