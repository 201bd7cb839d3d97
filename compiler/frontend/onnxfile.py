"""Import QONNX and Brevitas ONNX files: a chain of ONNX nodes becomes net.yaml's layers.

The file is hostile input (:func:`read_model`): a regular file within the size limit, no
external data, every tensor's declared size checked before it is read, a damaged protobuf
one line. :func:`translate` then walks the graph once, in topological order:

* constant subgraphs (initializers, ``Constant``, the Shape → Gather → Unsqueeze → Concat
  chain Brevitas emits before a ``Reshape``, ``Transpose`` of weights, scalar arithmetic)
  are folded here, in numpy, never by running the model;
* a ``Quant`` or ``BipolarQuant`` of a constant is a quantized weight: its integer codes are
  computed from the values (annotations are never trusted over them);
* the one dynamic path from the input must be a chain (a fan-out, a residual ``Add`` or a
  ``Concat`` of two dynamic tensors is refused), and its nodes become layers:

  =====================================  ==============================================
  ONNX                                   net.yaml
  =====================================  ==============================================
  ``MatMul`` / ``Gemm`` on quant weights ``dense`` (``weight_bits``, ``weight_scale``)
  ``Conv`` on quant weights              ``conv2d`` (NCHW weights as they are)
  ``BatchNormalization``, scalar or      one ``batchnorm`` (its own parameters when it
  per-channel ``Mul``/``Add``/``Sub``/   stands alone, else the composed affine with
  ``Div``, a ``Gemm``/``Conv`` bias       mean 0, var 1, eps 0)
  ``BipolarQuant`` (scale 1)             ``sign`` (after the pending affine's batchnorm)
  ``Quant`` (zero point 0, ROUND)        ``batchnorm`` + ``quant``
  ``MaxPool`` / FINN's ``MaxPoolNHWC``   ``maxpool2d``
  ``Transpose`` of the data (0 2 3 1,    nothing: the map's axis order is tracked (FINN's
  or back 0 3 1 2)                       channel-last MultiThreshold / MaxPoolNHWC)
  ``Reshape`` / ``Flatten`` to (N, F)    ``flatten`` (the next dense's columns permuted
                                         from NCHW to bnnc's channel-last order)
  ``TopK`` (k = 1) / ``ArgMax``          ``output: argmax``
  =====================================  ==============================================

The result is a net.yaml document plus its arrays, handed to the same graph builder as a
net.yaml file (:func:`compiler.frontend.netyaml.import_net`); no op knows about ONNX.
docs/onnx.md lists what is read and what is refused, and why.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from compiler.errors import BnncError, describe, number
from compiler.ir import Graph
from compiler.limits import DEFAULT_MAX_BYTES, fmt_bytes
from compiler.names import printable, sanitize

from .arrays import not_regular
from .netyaml import import_net

# The custom-op domains whose Quant/BipolarQuant/MultiThreshold/Trunc nodes are QONNX's (qonnx maps them all onto
# qonnx.custom_op.general).
QONNX_DOMAINS = frozenset({"qonnx.custom_op.general", "onnx.brevitas", "finn", "finn.custom_op.general"})
STANDARD_DOMAINS = frozenset({"", "ai.onnx"})

# Ops folded when all their inputs are constants (and the shape ops on a dynamic tensor's shape).
CONST_OPS = frozenset({"Constant", "Identity", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape",
                       "Flatten", "Transpose", "Cast", "Mul", "Add", "Sub", "Div", "Pow", "Neg", "Sqrt",
                       "Slice"})
# Ops on the dynamic chain.
CHAIN_OPS = frozenset({"MatMul", "Gemm", "Conv", "BatchNormalization", "Mul", "Add", "Sub", "Div", "BipolarQuant",
                       "Quant", "IntQuant", "MaxPool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity",
                       "Dropout", "TopK", "ArgMax", "Shape", "Transpose"})
# QONNX / FINN custom ops read (in QONNX_DOMAINS).
QONNX_OPS = frozenset({"Quant", "BipolarQuant", "IntQuant", "MultiThreshold", "MaxPoolNHWC"})
# Ops refused with their own reason (the rest: "not supported").
REFUSED = {
    "Sign": "ONNX Sign maps 0 to 0, a third value; bnnc's sign maps 0 to +1 (export Brevitas's BipolarQuant)",
    "FloatQuant": "minifloat activations have no integer threshold form",
    "Trunc": "Trunc (average pooling's truncation) has no bnnc op",
    "AveragePool": "average pooling has no bnnc op (use MaxPool)",
    "GlobalAveragePool": "average pooling has no bnnc op (use MaxPool)",
    "QuantizeLinear": "QCDQ quantization is not read (export QONNX: brevitas.export.export_qonnx)",
    "DequantizeLinear": "QCDQ quantization is not read (export QONNX: brevitas.export.export_qonnx)",
}

MAX_NODES = 100_000
MAX_TENSOR_DIMS = 8

_NP_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
              9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}


@dataclass(frozen=True)
class ImportOptions:
    """How to read an ONNX file's float input and what the net.yaml around its layers says.

    ``input_dtype`` (``uint8``, ``int8``, ``bipolar``, ``uintN``/``intN``) and ``input_scale``
    say which integers the model's float input carries: input = ``input_scale`` · q. Without
    them a graph input with an integer ``finn_datatype`` annotation is read as those integers
    (scale 1); any other float input is refused. ``hardware`` is net.yaml's ``hardware``
    section; ``name`` the network's name (default: the file's stem as an identifier).
    """

    input_dtype: str | None = None
    input_scale: float | None = None
    name: str | None = None
    hardware: dict[str, Any] = field(default_factory=dict)
    output: str | None = None


def _node_err(path: str, node: Any, message: str) -> BnncError:
    return BnncError(f"node {printable(node.name or '?')} ({printable(node.op_type)}): {message}", file=path)


def read_model(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The ``onnx.ModelProto`` of ``path``, read as hostile input (one-line :class:`BnncError` on any fault)."""
    import onnx
    from google.protobuf.message import DecodeError

    p = Path(path)
    src = str(p)
    why = not_regular(p)
    if why is not None:
        raise BnncError(f"the ONNX model must be a regular file, not {why}", file=src)
    size = p.stat().st_size
    if size > max_bytes:
        raise BnncError(f"the ONNX model must be at most {fmt_bytes(max_bytes)} (--max-bytes), not {fmt_bytes(size)}",
                        file=src)
    data = p.read_bytes()
    try:
        model = onnx.ModelProto()
        model.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as e:
        raise BnncError(f"the file must be an ONNX model (a ModelProto protobuf), not damaged data "
                        f"({printable(describe(str(e), 80))})", file=src) from None
    g = model.graph
    if not g.node and not g.output:
        raise BnncError("the file must be an ONNX model with a graph, not an empty protobuf", file=src)
    if len(g.node) > MAX_NODES:
        raise BnncError(f"the graph must have at most {MAX_NODES} nodes, not {len(g.node)}", file=src)
    if any(len(fn.node) for fn in model.functions):
        raise BnncError("the model must not define ONNX functions (inline them), not "
                        f"{len(model.functions)}", file=src)
    for t in _all_tensors(model):
        _check_tensor(src, t, max_bytes)
    return model


def _all_tensors(model: Any) -> Iterable[Any]:
    yield from model.graph.initializer
    for n in model.graph.node:
        for a in n.attribute:
            if a.HasField("t"):
                yield a.t
            yield from a.tensors
            if a.HasField("g") or len(a.graphs):
                raise BnncError(f"node {printable(n.name)} ({printable(n.op_type)}): subgraphs (If, Loop, Scan) "
                                "must not appear in a dataflow network, not be present")


def _check_tensor(src: str, t: Any, max_bytes: int) -> None:
    """A tensor's declared size, data type and data location, before any of it is turned into an array."""
    import onnx

    name = printable(t.name or "?")
    if t.data_location == onnx.TensorProto.EXTERNAL or len(t.external_data):
        raise BnncError(f"tensor {name} must hold its data in the model file, not in external data "
                        "(save the model with onnx.save(..., save_as_external_data=False))", file=src)
    if t.data_type not in _NP_DTYPES:
        raise BnncError(f"tensor {name} must be a number type (float, int, bool), not ONNX data type {t.data_type}",
                        file=src)
    if len(t.dims) > MAX_TENSOR_DIMS or any(d < 0 for d in t.dims):
        raise BnncError(f"tensor {name} must have at most {MAX_TENSOR_DIMS} non-negative dims, not {list(t.dims)}",
                        file=src)
    count = math.prod(t.dims)
    nbytes = count * np.dtype(_NP_DTYPES[t.data_type]).itemsize
    if nbytes > max_bytes:
        raise BnncError(f"tensor {name} must be at most {fmt_bytes(max_bytes)} (--max-bytes), not "
                        f"{fmt_bytes(nbytes)} (dims {list(t.dims)})", file=src)
    held = len(t.raw_data) if t.raw_data else _field_count(t)
    want = nbytes if t.raw_data else count
    if held != want:
        raise BnncError(f"tensor {name} must hold the {want} {'bytes' if t.raw_data else 'values'} its dims "
                        f"{list(t.dims)} declare, not {held}", file=src)


def _field_count(t: Any) -> int:
    for f in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data"):
        n = len(getattr(t, f))
        if n:
            return n
    return 0


def _array(t: Any) -> np.ndarray:
    from onnx import numpy_helper

    return np.array(numpy_helper.to_array(t))


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
    return out


# --------------------------------------------------------------------------- constant values


@dataclass(frozen=True)
class QWeight:
    """A quantized constant: float value = codes · scale (codes integers, scale > 0 per tensor or per channel)."""

    codes: np.ndarray
    scale: np.ndarray  # broadcastable to codes
    bits: int          # 1: bipolar ±1

    @property
    def value(self) -> np.ndarray:
        return self.codes * self.scale


def _const_fold(op: str, ins: list[Any], a: dict[str, Any]) -> list[Any]:
    """Outputs of a standard op on constant inputs (numpy), or raise ValueError."""
    x = ins[0] if ins else None
    if op == "Identity" or op == "Cast":
        return [x if op == "Identity" else x.astype(np.float64 if np.issubdtype(x.dtype, np.floating) else x.dtype)]
    if op == "Gather":
        axis = int(a.get("axis", 0))
        return [np.take(x, ins[1].astype(np.int64), axis=axis)]
    if op == "Unsqueeze":
        axes = a.get("axes", list(ins[1]) if len(ins) > 1 and ins[1] is not None else None)
        out = x
        for ax in sorted(int(v) % (out.ndim + len(axes)) for v in axes):
            out = np.expand_dims(out, ax)
        return [out]
    if op == "Squeeze":
        axes = a.get("axes", list(ins[1]) if len(ins) > 1 and ins[1] is not None else None)
        return [np.squeeze(x, axis=None if axes is None else tuple(int(v) for v in axes))]
    if op == "Concat":
        return [np.concatenate([np.atleast_1d(v) for v in ins], axis=int(a.get("axis", 0)))]
    if op == "Reshape":
        return [x.reshape(_reshape_target(x.shape, ins[1], a.get("allowzero", 0)))]
    if op == "Flatten":
        ax = int(a.get("axis", 1)) % max(1, x.ndim)
        return [x.reshape(math.prod(x.shape[:ax]), -1)]
    if op == "Transpose":
        perm = a.get("perm")
        return [np.transpose(x, perm)]
    if op in ("Mul", "Add", "Sub", "Div", "Pow"):
        f = {"Mul": np.multiply, "Add": np.add, "Sub": np.subtract, "Div": np.divide, "Pow": np.power}[op]
        with np.errstate(all="ignore"):
            return [f(x, ins[1])]
    if op == "Neg":
        return [-x]
    if op == "Sqrt":
        return [np.sqrt(x)]
    if op == "Slice":
        starts, ends = ins[1], ins[2]
        axes = ins[3] if len(ins) > 3 and ins[3] is not None else np.arange(len(starts))
        steps = ins[4] if len(ins) > 4 and ins[4] is not None else np.ones(len(starts), np.int64)
        sl = [slice(None)] * x.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            sl[int(ax)] = slice(int(s), int(e), int(st))
        return [x[tuple(sl)]]
    raise ValueError(op)


def _reshape_target(shape: tuple[int, ...], target: np.ndarray, allowzero: int) -> tuple[int, ...]:
    t = [int(v) for v in np.asarray(target).reshape(-1)]
    if not allowzero:
        t = [shape[i] if v == 0 and i < len(shape) else v for i, v in enumerate(t)]
    if t.count(-1) > 1:
        raise ValueError("two -1 dims")
    if -1 in t:
        known = math.prod(v for v in t if v != -1)
        if known == 0 or math.prod(shape) % known:
            raise ValueError("no whole -1 dim")
        t[t.index(-1)] = math.prod(shape) // known
    if math.prod(t) != math.prod(shape):
        raise ValueError(f"{list(shape)} has {math.prod(shape)} values, {t} holds {math.prod(t)}")
    return tuple(t)


def _quant_bits(path: str, node: Any, a: dict[str, Any], zero_point: Any, bit_width: Any, what: str,
                units: str) -> int:
    """A Quant's bit width, once its zero point (0), bit width (1..8; at most 4 for bnnc's ``units``) and
    rounding mode (ROUND: half to even, as numpy's rint) are checked."""
    zp = np.asarray(zero_point, dtype=np.float64).reshape(-1)
    bits = np.asarray(bit_width, dtype=np.float64).reshape(-1)
    if np.any(zp != 0):
        raise _node_err(path, node, f"the zero point must be 0, not {describe(zp.tolist())}")
    if bits.size != 1 or not float(bits[0]).is_integer() or not 1 <= bits[0] <= 8:
        raise _node_err(path, node, f"the bit width must be an integer in [1, 8], not {describe(bits.tolist())}")
    n = int(bits[0])
    if n > 4:
        raise _node_err(path, node, f"{what} must have at most 4 bits for {units}, not {n}")
    rounding = a.get("rounding_mode", "ROUND")
    if rounding != "ROUND":
        raise _node_err(path, node, f"rounding_mode must be ROUND (half to even), not {printable(str(rounding))}")
    return n


def _quantize(path: str, node: Any, ins: list[Any], a: dict[str, Any]) -> QWeight:
    """The codes of a Quant / BipolarQuant of constant weights, from the values."""
    x = np.asarray(ins[0], dtype=np.float64)
    scale = np.asarray(ins[1], dtype=np.float64)
    if not np.all(np.isfinite(x)) or not np.all(np.isfinite(scale)) or np.any(scale <= 0):
        raise _node_err(path, node, f"the weights and the scale must be finite with scale > 0, not scale "
                        f"{describe(scale.reshape(-1).tolist())}")
    if node.op_type == "BipolarQuant":
        return QWeight(np.where(x / scale >= 0, 1.0, -1.0), scale, 1)
    n = _quant_bits(path, node, a, ins[2], ins[3], "weights", "bnnc's matrix units")
    signed, narrow = int(a.get("signed", 1)), int(a.get("narrow", 0))
    if not signed:
        raise _node_err(path, node, "weights must be signed (signed = 1), not unsigned")
    qmax = (1 << (n - 1)) - 1
    qmin = -qmax if narrow else -(1 << (n - 1))
    codes = np.clip(np.rint(x / scale), qmin, qmax)
    if n == 1:  # a signed 1-bit range is {-1, 0}: not ±1 weights
        raise _node_err(path, node, "1-bit weights must be BipolarQuant (±1), not a signed 1-bit Quant {-1, 0}")
    if codes.min(initial=0) < -qmax:
        raise _node_err(path, node, f"weight codes must lie in the narrow range [-{qmax}, {qmax}] bnnc's "
                        f"matrix units hold, not reach {int(codes.min())} (export with narrow_range=True)")
    return QWeight(codes, scale, n)


# --------------------------------------------------------------------------- the chain


@dataclass
class _Affine:
    """y = g · x + b per channel (g, b broadcast over the channel axis), or the one BN that makes it."""

    g: np.ndarray
    b: np.ndarray
    bn: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None = None  # gamma, beta, mean, var, eps
    nodes: list[str] = field(default_factory=list)

    @staticmethod
    def identity(c: int) -> _Affine:
        return _Affine(np.ones(c), np.zeros(c))

    def then(self, g: np.ndarray, b: np.ndarray, node: str) -> _Affine:
        return _Affine(self.g * g, self.b * g + b, None, [*self.nodes, node])

    @property
    def is_identity(self) -> bool:
        return self.bn is None and bool(np.all(self.g == 1) and np.all(self.b == 0))


class _Chain:
    """The walk along the dynamic path: the current tensor's ONNX shape and kind, and the layers made so far."""

    def __init__(self, path: str, opts: ImportOptions) -> None:
        self.path = path
        self.opts = opts
        self.layers: list[dict[str, Any]] = []
        self.arrays: dict[str, np.ndarray] = {}
        self.shape: tuple[int, ...] = ()  # ONNX shape of the current tensor, batch included
        self.kind = "input"               # input | bipolar | codes | acc
        self.pending: _Affine | None = None  # an affine on the current tensor, not yet a layer
        self.chw: tuple[int, int, int] | None = None  # set by a flatten: the next dense permutes its columns
        # Whether a 4-D current tensor's axes are (N, H, W, C): after a data Transpose (0, 2, 3, 1), as FINN's
        # NHWC MultiThreshold and MaxPoolNHWC read them, or an input a data_layout NHWC MultiThreshold reads first.
        self.nhwc = False
        self.input_shape: list[int] = []
        self.output = "scores"
        self.names: set[str] = set()
        self.done = False

    # ---- helpers
    def name(self, base: str) -> str:
        s = sanitize(base[:100] or "layer")
        if s == "input":
            s = "input_"
        out, k = s, 2
        while out in self.names:
            out, k = f"{s}_{k}", k + 1
        self.names.add(out)
        return out

    def channels(self) -> int:
        if len(self.shape) == 4 and self.nhwc:
            return int(self.shape[3])
        if len(self.shape) == 3:  # a vector with a unit dim added (Unsqueeze): its values are its channels
            return int(math.prod(self.shape[1:]))
        return int(self.shape[1]) if len(self.shape) >= 2 else 1

    def channel_vector(self, node: Any, c: np.ndarray) -> np.ndarray:
        """A constant operand of an elementwise op as one value per channel (or refuse)."""
        c = np.asarray(c, dtype=np.float64)
        ch = self.channels()
        if c.size == 1:
            return np.full(ch, float(c.reshape(-1)[0]))
        sq = c.reshape(-1)
        # per channel: (C,), (1, C) on (N, C); (C, 1, 1), (1, C, 1, 1) on (N, C, H, W)
        rank = len(self.shape)
        if rank == 4 and self.nhwc:  # (C,), (1, 1, 1, C) on (N, H, W, C)
            ok = sq.size == ch and c.shape[-1] == ch
        else:
            ok = sq.size == ch and (c.shape[-1] == ch if rank == 2 else
                                    (c.ndim >= 3 and c.shape[-3] == ch and c.shape[-1] == c.shape[-2] == 1))
        if not ok:
            raise _node_err(self.path, node, f"a constant operand must be a scalar or one value per channel "
                            f"({ch}), not shape {list(c.shape)}")
        return sq.copy()

    def chw_dims(self) -> tuple[int, int, int]:
        """(C, H, W) of a 4-D current tensor, whichever its axis order."""
        if self.nhwc:
            _, h, w, c = self.shape
        else:
            _, c, h, w = self.shape
        return int(c), int(h), int(w)

    def need_nchw(self, node: Any) -> None:
        """Refuse an ONNX op whose channel axis is 1 on an (N, H, W, C) map."""
        if len(self.shape) == 4 and self.nhwc:
            raise _node_err(self.path, node, f"{node.op_type} must read an (N, C, H, W) map (its channels on axis 1), "
                            f"not the (N, H, W, C) map {list(self.shape)} a Transpose or an NHWC MultiThreshold made")

    def flush(self, node_name: str, *, force: bool = False) -> None:
        """Emit the pending affine as a batchnorm layer (an identity one when forced and none is pending)."""
        a = self.pending
        if a is None:
            if not force:
                return
            a = _Affine.identity(self.channels())
            a.nodes = [node_name + "_bn"]
        lname = self.name(a.nodes[0] if a.nodes else node_name + "_bn")
        if a.bn is not None:
            gamma, beta, mean, var, eps = a.bn
        else:
            gamma, beta = a.g, a.b
            mean, var, eps = np.zeros_like(gamma), np.ones_like(gamma), 0.0
        self.layers.append({"name": lname, "op": "batchnorm", "eps": float(eps)})
        for k, v in (("gamma", gamma), ("beta", beta), ("mean", mean), ("var", var)):
            self.arrays[f"{lname}.{k}"] = np.asarray(v, dtype=np.float64).reshape(-1)
        self.pending = None
        self.kind = "bn"

    def multiply_only(self, node: Any) -> float:
        """The pending affine before a matrix layer: a positive scalar factor (else refuse)."""
        a = self.pending
        self.pending = None
        if a is None:
            return 1.0
        if a.bn is not None or np.any(a.b != 0) or np.any(a.g != a.g[0]) or a.g[0] <= 0:
            raise _node_err(self.path, node, "the input of a matrix layer must be the previous activation times one "
                            "positive scalar, not a per-channel or offset affine (nodes "
                            f"{', '.join(map(printable, a.nodes)) or '?'}) that bnnc cannot fold")
        return float(a.g[0])


def translate(model: Any, path: str | Path, opts: ImportOptions = ImportOptions()) -> tuple[dict[str, Any],
                                                                                           dict[str, np.ndarray]]:
    """A net.yaml document and its arrays for an ONNX model (read by :func:`read_model`)."""
    src = str(path)
    g = model.graph
    _check_ops(src, g)
    order = _topological(src, g)
    consts: dict[str, Any] = {t.name: _array(t) for t in g.initializer}
    inits = set(consts)
    real_inputs = [i for i in g.input if i.name not in inits]
    if len(real_inputs) != 1:
        raise BnncError(f"the graph must have one input that is not an initializer, not {len(real_inputs)} "
                        f"({', '.join(printable(i.name) for i in real_inputs)})", file=src)
    inp = real_inputs[0]
    dims = [d.dim_value if d.HasField("dim_value") else None for d in inp.type.tensor_type.shape.dim]
    if len(dims) not in (2, 4) or any(d is None or d <= 0 for d in dims[1:]):
        raise BnncError(f"input {printable(inp.name)} must have a static shape (N, F) or (N, C, H, W), not "
                        f"{['?' if d is None else d for d in dims]}", file=src)
    ch = _Chain(src, opts)
    ch.shape = (1, *(int(d) for d in dims[1:]))
    in_dtype, in_scale = _input_numbers(src, model, inp.name, opts)
    if in_scale != 1.0:
        ch.pending = _Affine(np.full(ch.channels(), in_scale), np.zeros(ch.channels()), None, [])
    if len(ch.shape) == 4:
        _, c, h, w = ch.shape
        ch.input_shape = [h, w, c]
    else:
        ch.input_shape = [ch.shape[1]]
    dyn = {inp.name}
    shapes = {inp.name: ch.shape}  # each dynamic tensor's ONNX shape (batch 1), for Shape nodes
    consumed: dict[str, str] = {}
    out_names = {o.name for o in g.output}
    last_dyn = inp.name
    for node in order:
        ins_names = list(node.input)
        dyn_ins = [n for n in ins_names if n in dyn]
        a = _attrs(node)
        if not dyn_ins:
            _fold_node(src, node, ins_names, a, consts)
            continue
        if node.op_type == "Shape":
            consts[node.output[0]] = np.array(shapes[dyn_ins[0]], dtype=np.int64)
            continue
        if len(dyn_ins) > 1 or len(set(dyn_ins)) != len(dyn_ins):
            raise _node_err(src, node, "the network must be a chain (one dynamic input per node), not join "
                            f"{', '.join(map(printable, dyn_ins))} (residual Add/Concat is not supported)")
        d = dyn_ins[0]
        if d in consumed:
            raise _node_err(src, node, f"the network must be a chain, not read {printable(d)} that node "
                            f"{printable(consumed[d])} also reads (a fan-out)")
        if d != last_dyn:
            raise _node_err(src, node, f"the network must be a chain, not read {printable(d)} off the main path")
        consumed[d] = node.name
        if ch.done:
            raise _node_err(src, node, "the argmax (TopK/ArgMax) must be the last node, not be followed by this")
        _chain_node(ch, node, ins_names, a, consts)
        outs = [o for o in node.output if o]
        main = outs[1] if node.op_type == "TopK" and len(outs) > 1 else outs[0]
        dyn.add(main)
        shapes[main] = ch.shape
        last_dyn = main
    if last_dyn not in out_names:
        raise BnncError(f"the graph's output must be the end of the chain ({printable(last_dyn)}), not "
                        f"{', '.join(printable(o) for o in sorted(out_names))}", file=src)
    return _finish(ch, src, in_dtype)


def _check_ops(src: str, g: Any) -> None:
    """Every node's op is one bnnc reads; else one line listing every other node."""
    bad = []
    for n in g.node:
        dom = n.domain or ""
        known = (dom in STANDARD_DOMAINS and (n.op_type in CONST_OPS | CHAIN_OPS)) or \
                (dom in QONNX_DOMAINS and n.op_type in QONNX_OPS)
        if not known:
            why = REFUSED.get(n.op_type)
            where = f"{n.op_type}" if dom in STANDARD_DOMAINS else f"{dom}.{n.op_type}"
            bad.append((printable(n.name or "?"), printable(where), why))
    if bad:
        first_why = next((w for _, _, w in bad if w), None)
        listed = ", ".join(f"{nm} ({op})" for nm, op, _ in bad[:12]) + (f", ... ({len(bad)} in all)"
                                                                           if len(bad) > 12 else "")
        raise BnncError(f"every node must be an op bnnc reads (docs/onnx.md), not {listed}"
                        + (f": {first_why}" if first_why else ""), file=src)


def _topological(src: str, g: Any) -> list[Any]:
    producers: dict[str, int] = {}
    for i, n in enumerate(g.node):
        for o in n.output:
            if o:
                if o in producers:
                    raise BnncError(f"tensor {printable(o)} must have one producer, not nodes "
                                    f"{printable(g.node[producers[o]].name)} and {printable(n.name)}", file=src)
                producers[o] = i
    deps = [{producers[t] for t in n.input if t in producers} for n in g.node]
    users: dict[int, list[int]] = {}
    for i, ds in enumerate(deps):
        for d in ds:
            users.setdefault(d, []).append(i)
    count = [len(ds) for ds in deps]
    ready = [i for i, c in enumerate(count) if c == 0]
    order = []
    while ready:
        i = ready.pop(0)
        order.append(g.node[i])
        for u in users.get(i, []):
            count[u] -= 1
            if count[u] == 0:
                ready.append(u)
    if len(order) != len(g.node):
        stuck = next(g.node[i] for i, c in enumerate(count) if c > 0)
        raise BnncError(f"the graph must be acyclic, not have a cycle through node {printable(stuck.name)} "
                        f"({printable(stuck.op_type)})", file=src)
    return order


def _fold_node(src: str, node: Any, ins: list[str], a: dict[str, Any], consts: dict[str, Any]) -> None:
    """A node on constants only: its outputs become constants (a quantizer's a QWeight)."""
    op = node.op_type
    if op == "Constant":
        if "value" in a:
            consts[node.output[0]] = _array(a["value"])
        elif any(k in a for k in ("value_float", "value_int", "value_floats", "value_ints")):
            k = next(k for k in ("value_float", "value_int", "value_floats", "value_ints") if k in a)
            consts[node.output[0]] = np.asarray(a[k], dtype=np.float32 if "float" in k else np.int64)
        else:
            raise _node_err(src, node, "a Constant must hold a tensor or numbers (value, value_float(s), "
                            f"value_int(s)), not {', '.join(sorted(a)) or 'nothing'}")
        return
    vals = []
    for n in ins:
        if not n:
            vals.append(None)
            continue
        if n not in consts:
            raise _node_err(src, node, f"input {printable(n)} must be produced before it is read, not missing")
        vals.append(consts[n])
    raw = [v.value if isinstance(v, QWeight) else v for v in vals]
    if op in ("Quant", "BipolarQuant", "IntQuant"):
        consts[node.output[0]] = _quantize(src, node, raw, a)
        return
    if op == "Transpose" and isinstance(vals[0], QWeight):
        q = vals[0]
        perm = a.get("perm")
        scale = np.broadcast_to(q.scale, q.codes.shape)
        consts[node.output[0]] = QWeight(np.transpose(q.codes, perm), np.transpose(scale, perm), q.bits)
        return
    if op not in CONST_OPS:
        raise _node_err(src, node, "this op must read the network's data, not constants only (bnnc cannot fold it)")
    try:
        outs = _const_fold(op, raw, a)
    except (ValueError, IndexError, TypeError) as e:
        raise _node_err(src, node, f"the constant subgraph must fold, not fail with {printable(describe(str(e), 80))}") \
            from None
    for o, v in zip(node.output, outs):
        consts[o] = v


def _input_numbers(src: str, model: Any, name: str, opts: ImportOptions) -> tuple[str, float]:
    """The bnnc input dtype and the scale from its integers to the model's float input."""
    ann = {}
    for qa in model.graph.quantization_annotation:
        for kv in qa.quant_parameter_tensor_names:
            if kv.key == "finn_datatype":
                ann[qa.tensor_name] = kv.value
    if opts.input_dtype is not None:
        return opts.input_dtype, 1.0 if opts.input_scale is None else float(opts.input_scale)
    dt = ann.get(name)
    m = re.fullmatch(r"(U?INT)(\d+)|BIPOLAR", dt or "")
    if m:
        if dt == "BIPOLAR":
            return "bipolar", 1.0
        kind, bits = m.group(1), int(m.group(2))
        if 1 <= bits <= 32 and not (kind == "INT" and bits < 2):
            return f"{'uint' if kind == 'UINT' else 'int'}{bits}", 1.0 if opts.input_scale is None \
                else float(opts.input_scale)
    raise BnncError(f"input {printable(name)} must say which integers it carries: an integer finn_datatype "
                    f"annotation, or --input-dtype (and --input-scale, e.g. uint8 and 1/255 for pixels "
                    f"/ 255), not {printable(dt or 'a plain float tensor')}", file=src, field="input")


def _chain_node(ch: _Chain, node: Any, ins: list[str], a: dict[str, Any], consts: dict[str, Any]) -> None:
    op = node.op_type
    src = ch.path

    def const(i: int, what: str) -> Any:
        if i >= len(ins) or not ins[i]:
            return None
        if ins[i] not in consts:
            raise _node_err(src, node, f"{what} must be a constant, not the network's data {printable(ins[i])}")
        return consts[ins[i]]

    if op in ("Identity", "Dropout"):
        return
    if op in ("Mul", "Div", "Add", "Sub"):
        dyn_first = ins[0] not in consts
        c = const(1 if dyn_first else 0, "the other operand")
        c = c.value if isinstance(c, QWeight) else c
        v = ch.channel_vector(node, c)
        if op == "Div" and not dyn_first:
            raise _node_err(src, node, "a division by the network's data must not appear, not c / x")
        if op in ("Mul", "Div") and np.any(v == 0):
            raise _node_err(src, node, "a multiplier must not be 0 (the network's output would not depend on "
                            "its input)")
        g, b = {"Mul": (v, 0 * v), "Div": (1 / v, 0 * v), "Add": (1 + 0 * v, v),
                "Sub": ((1 + 0 * v, -v) if dyn_first else (-1 + 0 * v, v))}[op]
        ch.pending = (ch.pending or _Affine.identity(ch.channels())).then(g, b, node.name)
        return
    if op == "BatchNormalization":
        ch.need_nchw(node)
        gamma, beta, mean, var = (np.asarray(const(i, n), dtype=np.float64).reshape(-1)
                                  for i, n in ((1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")))
        eps = float(a.get("epsilon", 1e-5))
        if a.get("training_mode", 0):
            raise _node_err(src, node, "training_mode must be 0 (inference), not 1")
        c = ch.channels()
        if any(v.size != c for v in (gamma, beta, mean, var)):
            raise _node_err(src, node, f"scale, B, mean and var must have one value per channel ({c})")
        if ch.pending is None and ch.kind in ("acc", "input"):
            ch.pending = _Affine(gamma / np.sqrt(var + eps), beta - mean * gamma / np.sqrt(var + eps),
                                 (gamma, beta, mean, var, eps), [node.name])
        else:
            k = gamma / np.sqrt(var + eps)
            ch.pending = (ch.pending or _Affine.identity(c)).then(k, beta - mean * k, node.name)
        return
    if op == "BipolarQuant":
        s = np.asarray(const(1, "the scale"), dtype=np.float64)
        if s.size != 1 or float(s.reshape(-1)[0]) != 1.0:
            raise _node_err(src, node, f"the scale of an activation BipolarQuant must be 1, not "
                            f"{describe(s.reshape(-1).tolist())}")
        if ch.kind == "bipolar" and ch.pending is None:
            return  # the sign of ±1 values is themselves
        if ch.kind in ("bipolar", "codes"):  # codes hold 0, whose sign (+1) is no code: not a no-op
            raise _node_err(src, node, "a BipolarQuant of an activation must read a matrix layer's or the input's "
                            "values, not an already quantized one")
        ch.flush(node.name)  # the pending affine, if any, becomes the batchnorm before the sign
        ch.layers.append({"name": ch.name(node.name), "op": "sign"})
        ch.kind = "bipolar"
        return
    if op in ("Quant", "IntQuant"):
        s = np.asarray(const(1, "the scale"), dtype=np.float64).reshape(-1)
        n = _quant_bits(src, node, a, const(2, "the zero point"), const(3, "the bit width"), "activations",
                        "bnnc's thresholds")
        if s.size < 1 or np.any(s != s[0]):
            raise _node_err(src, node, f"the activation scale must be one value (uniform over channels), not "
                            f"{describe(s.tolist())}")
        if not np.isfinite(s[0]) or s[0] <= 0:
            raise _node_err(src, node, f"the scale must be a positive number, not {number(s[0])}")
        signed, narrow = bool(a.get("signed", 1)), bool(a.get("narrow", 0))
        if n == 1 and narrow:
            raise _node_err(src, node, "a narrow 1-bit range holds only 0: narrow must be 0")
        if ch.kind in ("bipolar", "codes") and ch.pending is None:
            raise _node_err(src, node, "a Quant must read a matrix layer's or the input's values (after a "
                            "BatchNormalization), not an already quantized one")
        ch.flush(node.name, force=True)
        ch.layers.append({"name": ch.name(node.name), "op": "quant", "bits": n, "signed": signed,
                          "narrow": narrow, "scale": float(s[0])})
        ch.kind = "codes"
        return
    if op == "MultiThreshold":
        _multithreshold(ch, node, a, const(1, "the thresholds"))
        return
    if op in ("MatMul", "Gemm", "Conv"):
        _matrix(ch, node, ins, a, const)
        return
    if op == "Transpose":
        rank = len(ch.shape)
        perm = [int(v) for v in a.get("perm", range(rank - 1, -1, -1))]
        if rank == 4 and perm == [0, 2, 3, 1] and not ch.nhwc:
            ch.nhwc, ch.shape = True, tuple(ch.shape[i] for i in perm)
            return
        if rank == 4 and perm == [0, 3, 1, 2] and ch.nhwc:
            ch.nhwc, ch.shape = False, tuple(ch.shape[i] for i in perm)
            return
        now = "(N, H, W, C)" if rank == 4 and ch.nhwc else "(N, C, H, W)" if rank == 4 else f"rank {rank}"
        raise _node_err(src, node, f"a Transpose of the data must turn (N, C, H, W) into (N, H, W, C) (perm 0 2 3 1) "
                        f"or back (perm 0 3 1 2), not perm {' '.join(map(str, perm))} on the {now} map "
                        f"{list(ch.shape)}")
    if op in ("MaxPool", "MaxPoolNHWC"):
        if op == "MaxPool":
            ch.need_nchw(node)
        elif len(ch.shape) != 4 or not ch.nhwc:
            raise _node_err(src, node, f"MaxPoolNHWC must read an (N, H, W, C) map (after a Transpose 0 2 3 1), not "
                            f"the {'(N, C, H, W) map' if len(ch.shape) == 4 else 'tensor'} {list(ch.shape)}")
        k = list(a.get("kernel_shape", []))
        st = list(a.get("strides", k))
        if len(ch.shape) != 4 or len(k) != 2 or k[0] != k[1] or st[0] != st[1]:
            raise _node_err(src, node, f"MaxPool must be square with equal strides on an (N, C, H, W) map, not "
                            f"kernel {k}, strides {st}")
        if any(a.get("pads", [0] * 4)) or a.get("ceil_mode", 0) or any(d != 1 for d in a.get("dilations", [1, 1])) \
                or a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            raise _node_err(src, node, "MaxPool must have no padding, no dilation and ceil_mode 0")
        if ch.pending is not None and (ch.pending.bn is not None or np.any(ch.pending.g <= 0)):
            # a max-pool moves past a positive per-channel scale and offset, not past a batchnorm's or a negative one
            raise _node_err(src, node, "a MaxPool after a BatchNormalization must read the quantized activation "
                            "(put the pool after the quantizer, or before the batchnorm)")
        ch.layers.append({"name": ch.name(node.name), "op": "maxpool2d", "kernel": int(k[0]), "stride": int(st[0])})
        c, h, w = ch.chw_dims()
        ho, wo = (h - k[0]) // st[0] + 1, (w - k[0]) // st[0] + 1
        ch.shape = (1, ho, wo, c) if ch.nhwc else (1, c, ho, wo)
        return
    if op in ("Reshape", "Flatten", "Squeeze", "Unsqueeze"):
        if op == "Reshape":
            try:
                tgt = _reshape_target(ch.shape, np.asarray(const(1, "the target shape")), a.get("allowzero", 0))
            except ValueError as e:
                raise _node_err(src, node, f"the target shape must fit the data, not fail with {e}") from None
        elif op == "Flatten":
            ax = int(a.get("axis", 1)) % len(ch.shape)
            tgt = (math.prod(ch.shape[:ax]), math.prod(ch.shape[ax:]))
        else:
            axes = a.get("axes")
            if axes is None:
                c = const(1, "the axes")
                axes = [] if c is None else [int(v) for v in np.asarray(c).reshape(-1)]
            probe = np.empty(ch.shape, dtype=np.int8)
            tgt = (np.squeeze(probe, axis=tuple(axes)) if op == "Squeeze" else
                   _const_fold("Unsqueeze", [probe], {"axes": axes})[0]).shape
        _reshape(ch, node, tuple(int(v) for v in tgt))
        return
    if op in ("TopK", "ArgMax"):
        if op == "TopK":
            k = np.asarray(const(1, "K")).reshape(-1)
            if k.size != 1 or int(k[0]) != 1 or not a.get("largest", 1):
                raise _node_err(src, node, f"TopK must take the largest 1 (argmax), not k = {describe(k.tolist())}")
        elif a.get("select_last_index", 0):
            raise _node_err(src, node, "ArgMax must pick the first maximum (select_last_index = 0)")
        if len(ch.shape) != 2 or int(a.get("axis", -1)) % 2 != 1:
            raise _node_err(src, node, f"the argmax must run over the class scores (N, C), not shape {list(ch.shape)}")
        ch.output, ch.done = "argmax", True
        return
    raise _node_err(src, node, "this op must not read the network's data (bnnc has no layer for it)")


def _multithreshold(ch: _Chain, node: Any, a: dict[str, Any], t: Any) -> None:
    """FINN's MultiThreshold: ``out_scale · #{k : x ≥ T[c, k]} + out_bias``.

    One threshold per channel with out_scale 2 and out_bias −1 is a bipolar sign of x − T: the batchnorm
    (γ 1, β 0, μ T, var 1, eps 0) then ``sign``, exact (x − T ≥ 0 ⇔ x ≥ T in IEEE arithmetic, where x ≠ T
    never rounds to 0). Otherwise it is net.yaml's ``thresholds`` layer: codes out_bias/out_scale + count,
    each worth out_scale (after a batchnorm made of any pending affine).
    """
    src = ch.path
    if t is None or isinstance(t, QWeight):
        raise _node_err(src, node, "the thresholds must be a constant matrix (channels, thresholds)")
    th = np.asarray(t, dtype=np.float64)
    layout = a.get("data_layout", "NCHW")
    if len(ch.shape) == 4:
        if layout not in ("NCHW", "NHWC"):
            raise _node_err(src, node, f"data_layout must be NCHW or NHWC on a 4-D map, not {printable(str(layout))}")
        if layout == "NHWC" and not ch.nhwc and not ch.layers and ch.kind == "input":
            # the graph's input itself, told to be (N, H, W, C): bnnc's own channel-last image
            ch.nhwc = True
            _, h, w, cc = ch.shape
            ch.input_shape = [int(h), int(w), int(cc)]
            if ch.pending is not None:  # the input scale: one scalar, now per channel of the last axis
                ch.pending = _Affine(np.full(cc, ch.pending.g[0]), np.full(cc, ch.pending.b[0]), None,
                                     ch.pending.nodes)
        if (layout == "NHWC") != ch.nhwc:
            now = "NHWC (after a Transpose 0 2 3 1)" if ch.nhwc else "NCHW"
            raise _node_err(src, node, f"data_layout must be the layout of the map it reads, {now}, not "
                            f"{printable(str(layout))}")
    c = ch.channels()
    if th.ndim != 2 or th.shape[0] not in (1, c) or th.shape[1] < 1:
        raise _node_err(src, node, f"the thresholds must have shape ({c}, K) or (1, K), not {list(th.shape)}")
    if not np.all(np.isfinite(th)):
        raise _node_err(src, node, "the thresholds must be finite, not hold NaN or infinity")
    scale, bias = float(a.get("out_scale", 1.0)), float(a.get("out_bias", 0.0))
    if ch.kind in ("bipolar", "codes") and ch.pending is None:
        raise _node_err(src, node, "a MultiThreshold must read a matrix layer's or the input's values, not an "
                        "already quantized one")
    if not bool(np.all(np.diff(th, axis=1) >= 0)):
        raise _node_err(src, node, "the thresholds must be ascending in each channel, not fall")
    full = np.broadcast_to(th, (c, th.shape[1])).copy()
    if th.shape[1] == 1 and scale == 2.0 and bias == -1.0:
        # a bipolar sign of x − T: the batchnorm (γ 1, β 0, μ T, var 1, eps 0) then sign, exact
        thr = full[:, 0]
        pending = ch.pending or _Affine.identity(c)
        if pending.is_identity:
            ch.pending = _Affine(np.ones(c), -thr, (np.ones(c), np.zeros(c), thr, np.ones(c), 0.0), [node.name])
        else:
            ch.pending = pending.then(np.ones(c), -thr, node.name)
        ch.flush(node.name)
        ch.layers.append({"name": ch.name(node.name + "_sign"), "op": "sign"})
        ch.kind = "bipolar"
        return
    b0 = bias / scale if scale > 0 else float("nan")
    if not (scale > 0 and math.isfinite(b0) and b0 == round(b0)):
        raise _node_err(src, node, f"out_bias / out_scale must be a whole number with out_scale > 0 (codes "
                        f"out_bias/out_scale + count, each worth out_scale), not {number(bias)} / {number(scale)}")
    k = th.shape[1]
    lo, hi = int(b0), int(b0) + k
    if not ((lo >= 0 and hi <= 15) or (lo >= -8 and hi <= 7)):
        raise _node_err(src, node, f"the codes [{lo}, {hi}] must fit 4 bits ([0, 15] or [-8, 7]) for bnnc's "
                        f"units, not {k} threshold(s) from {lo}")
    ch.flush(node.name)  # a pending affine (a BatchNormalization, a scale) becomes the batchnorm before it
    lname = ch.name(node.name)
    ch.layers.append({"name": lname, "op": "thresholds", "out_bias": lo, "scale": scale})
    ch.arrays[f"{lname}.thresholds"] = full
    ch.kind = "codes"


def _matrix(ch: _Chain, node: Any, ins: list[str], a: dict[str, Any], const: Any) -> None:
    src, op = ch.path, node.op_type
    if ch.kind == "bn":
        raise _node_err(src, node, "a matrix layer must read a quantized activation (BipolarQuant/Quant) or the "
                        "input, not a BatchNormalization's float output")
    if ch.kind == "acc":
        raise _node_err(src, node, "a matrix layer must read a quantized activation, not directly another "
                        "matrix layer's output")
    if ch.kind == "input" and ch.pending is not None and np.any(ch.pending.b != 0):
        raise _node_err(src, node, "the input of the first matrix layer must be the input times a positive scalar, "
                        "not with an offset (quantize it with BipolarQuant/Quant first)")
    factor = ch.multiply_only(node)
    # (a quant's own scale on codes is the graph builder's in_scale: not a weight scale)
    w = const(1, "the weights")
    if w is None:
        raise _node_err(src, node, "the weights must be a constant, not missing")
    if not isinstance(w, QWeight):
        wv = np.asarray(w, dtype=np.float64)
        mag = np.abs(wv)
        if wv.size and np.all(mag == mag.reshape(-1)[0]) and mag.reshape(-1)[0] > 0:
            w = QWeight(np.sign(wv), np.asarray(mag.reshape(-1)[0]), 1)
        elif wv.size and np.all(wv == np.rint(wv)) and mag.max() <= 7:
            # FINN-ONNX holds quantized weights as their values (annotated INT2, INT4, ...): the values decide
            bits = next(n for n in (2, 3, 4) if mag.max() <= (1 << (n - 1)) - 1)
            w = QWeight(wv, np.asarray(1.0), bits)
        else:
            raise _node_err(src, node, "the weights must be quantized (BipolarQuant or Quant of the weights, ±c "
                            "values, or integers in [-7, 7]), not float")
    codes = np.asarray(w.codes, dtype=np.float64)
    scale = np.broadcast_to(np.asarray(w.scale, dtype=np.float64), codes.shape)
    bias = None
    if op == "Conv":
        ch.need_nchw(node)
        if len(ch.shape) != 4 or codes.ndim != 4:
            raise _node_err(src, node, f"Conv must be 2-D on an (N, C, H, W) map, not input {list(ch.shape)}, "
                            f"weights {list(codes.shape)}")
        if int(a.get("group", 1)) != 1 or any(d != 1 for d in a.get("dilations", [1, 1])):
            raise _node_err(src, node, "Conv must have group 1 and no dilation")
        if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            raise _node_err(src, node, f"auto_pad must be NOTSET or VALID, not {printable(a['auto_pad'])}")
        f, c, kh, kw = codes.shape
        pads = list(a.get("pads", [0, 0, 0, 0]))
        st = list(a.get("strides", [1, 1]))
        if len(set(pads)) > 1 or st[0] != st[1]:
            raise _node_err(src, node, f"Conv must pad all sides alike and stride alike, not pads {pads}, strides {st}")
        if c != ch.shape[1]:
            raise _node_err(src, node, f"the weights must read {ch.shape[1]} channels, not {c}")
        per_out = scale.reshape(f, -1)
        layer: dict[str, Any] = {"name": ch.name(node.name), "op": "conv2d", "filters": int(f),
                                 "kernel": [int(kh), int(kw)] if kh != kw else int(kh), "stride": int(st[0]),
                                 "padding": int(pads[0])}
        if pads[0]:
            if ch.kind == "bipolar":
                raise _node_err(src, node, "a Conv on ±1 maps must not pad: ONNX pads with 0, which is neither "
                                "+1 nor -1 (pad before the sign, or remove the padding)")
            layer["pad_value"] = 0
        if len(ins) > 2 and ins[2]:
            bias = np.asarray(const(2, "the bias"), dtype=np.float64).reshape(-1)
        _, _, h, wd = ch.shape
        ch.shape = (1, int(f), (h + 2 * pads[0] - kh) // st[0] + 1, (wd + 2 * pads[0] - kw) // st[0] + 1)
    else:
        if len(ch.shape) != 2:
            raise _node_err(src, node, f"{op} must read a vector (N, F), not shape {list(ch.shape)} (flatten first)")
        if op == "Gemm":
            if a.get("transA", 0):
                raise _node_err(src, node, "Gemm must not transpose its data input (transA = 0)")
            if not a.get("transB", 0):
                codes, scale = codes.T, scale.T
            alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
            if alpha <= 0:
                raise _node_err(src, node, f"alpha must be positive, not {number(alpha)}")
            factor *= alpha
            if len(ins) > 2 and ins[2]:
                bias = beta * np.asarray(const(2, "the bias C"), dtype=np.float64).reshape(-1)
        else:
            if codes.ndim != 2:
                raise _node_err(src, node, f"the weights must be a matrix, not shape {list(codes.shape)}")
            codes, scale = codes.T, scale.T
        f = codes.shape[0]
        if codes.shape[1] != ch.shape[1]:
            raise _node_err(src, node, f"the weights must read {ch.shape[1]} inputs, not {codes.shape[1]}")
        per_out = scale
        if ch.chw is not None:  # the flatten before it was NCHW: bnnc's is channel-last
            c, h, w_ = ch.chw
            perm = np.arange(c * h * w_).reshape(c, h, w_).transpose(1, 2, 0).reshape(-1)
            codes, per_out = codes[:, perm], per_out[:, perm]
            ch.chw = None
        layer = {"name": ch.name(node.name), "op": "dense", "units": int(f)}
        ch.shape = (1, int(f))
    rows = per_out.reshape(per_out.shape[0], -1)
    if np.any(rows != rows[:, :1]):
        raise _node_err(src, node, "the weight scale must be per tensor or per output channel, not vary along inputs")
    wscale = rows[:, 0] * factor
    if w.bits > 1:
        layer["weight_bits"] = int(w.bits)
    ch.layers.append(layer)
    lname = layer["name"]
    ch.arrays[f"{lname}.weight"] = codes.astype(np.float64) if w.bits > 1 else codes.astype(np.float32)
    if np.any(wscale != 1):
        ch.arrays[f"{lname}.weight_scale"] = wscale if np.any(wscale != wscale[0]) else wscale[:1].copy()
    ch.kind = "acc"
    if bias is not None and np.any(bias != 0):
        if bias.size != f:
            raise _node_err(src, node, f"the bias must have one value per output ({f}), not {bias.size}")
        ch.pending = _Affine.identity(int(f)).then(np.ones(f), bias, node.name + "_bias")


def _reshape(ch: _Chain, node: Any, tgt: tuple[int, ...]) -> None:
    src = ch.path
    cur = ch.shape
    if tgt == cur:
        return
    if math.prod(tgt) != math.prod(cur):
        raise _node_err(src, node, f"the reshape must keep the {math.prod(cur)} values of {list(cur)}, not give "
                        f"{list(tgt)}")
    squeezed_t = [d for d in tgt if d != 1]
    squeezed_c = [d for d in cur if d != 1]
    if squeezed_t == squeezed_c and len(cur) in (2, 3) and len(tgt) in (2, 3) and tgt[0] == cur[0] == 1:
        # a vector gains or loses unit dims (Unsqueeze / Squeeze around a Gemm): its values stay in order
        ch.shape = tgt
        return
    hw1 = len(cur) == 4 and ch.chw_dims()[1:] == (1, 1)  # a 1x1 map, whichever its axis order
    if squeezed_t == squeezed_c and len(cur) in (2, 4) and (len(cur) == 2 or hw1 or len(squeezed_c) <= 1) \
            and len(tgt) in (2, 4) and (len(tgt) == len(cur) or len(cur) == 2 or hw1):
        # only unit dims change: a no-op for bnnc (a 1x1 map's channels are its vector)
        if len(tgt) == 2 and len(cur) == 4:
            if ch.layers or ch.kind != "input":
                ch.layers.append({"name": ch.name(node.name), "op": "flatten"})
            else:
                ch.input_shape = [ch.chw_dims()[0]]
        if len(tgt) == 2:
            ch.nhwc = False
        elif hw1:  # a 1x1 map's unit dims moved: its channels are where its one non-unit dim is
            ch.nhwc = tgt[1] == 1 and tgt[3] != 1
        ch.shape = tgt
        return
    if len(cur) == 4 and len(tgt) == 2 and tgt[0] == 1:
        c, h, w = ch.chw_dims()
        if ch.pending is not None and np.any(ch.pending.g != ch.pending.g[0]) or \
                (ch.pending is not None and np.any(ch.pending.b != ch.pending.b[0])):
            raise _node_err(src, node, "a flatten must not follow a per-channel affine that is not yet a layer")
        if not ch.layers and ch.kind == "input":
            # the network input itself is flattened: bnnc reads it as the flat channel-last vector
            ch.input_shape = [c * h * w]
        else:
            ch.layers.append({"name": ch.name(node.name), "op": "flatten"})
        if ch.pending is not None:  # a scalar affine stays one scalar per value
            ch.pending = _Affine(np.full(c * h * w, ch.pending.g[0]), np.full(c * h * w, ch.pending.b[0]), None,
                                 ch.pending.nodes)
        # An (N, H, W, C) map flattens in bnnc's own channel-last order: the next dense's columns stay.
        ch.chw = None if ch.nhwc else (c, h, w)
        ch.nhwc = False
        ch.shape = tgt
        return
    raise _node_err(src, node, f"a reshape of the data must flatten (N, C, H, W) to (N, C*H*W), not turn "
                    f"{list(cur)} into {list(tgt)}")


def _finish(ch: _Chain, src: str, in_dtype: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    if ch.pending is not None:  # the scores' affine (a bias, a TensorNorm): the last batchnorm
        ch.flush("scores")
    _flat_gray_input(ch)
    name = ch.opts.name or sanitize(Path(src).stem[:100] or "net")
    doc: dict[str, Any] = {
        "name": name,
        "input": {"shape": list(ch.input_shape), "dtype": in_dtype},
        "layers": ch.layers,
        "output": ch.opts.output or ch.output,
    }
    if ch.opts.hardware:
        doc["hardware"] = dict(ch.opts.hardware)
    doc["weights"] = Path(src).name  # array errors name the ONNX file; bnnc import writes weights.npz
    return doc, ch.arrays


def _flat_gray_input(ch: _Chain) -> None:
    """A one-channel image that only elementwise layers touch before its flatten is read as the flat vector.

    (H, W, 1) flattened is the vector itself, so MNIST-style data (N, H*W) feeds the net as it is; each
    per-channel array of those layers (one value) is repeated per element.
    """
    if len(ch.input_shape) != 3 or ch.input_shape[2] != 1:
        return
    k = next((i for i, layer in enumerate(ch.layers) if layer["op"] == "flatten"), None)
    if k is None or any(layer["op"] not in ("batchnorm", "sign", "quant") for layer in ch.layers[:k]):
        return
    n = ch.input_shape[0] * ch.input_shape[1]
    for layer in ch.layers[:k]:
        for key in [key for key in ch.arrays if key.startswith(layer["name"] + ".")]:
            ch.arrays[key] = np.repeat(ch.arrays[key], n)
    del ch.layers[k]
    ch.input_shape = [n]


def parse_scale(text: str) -> float:
    """``--input-scale``: a positive number or a fraction ``a/b`` (``1/255``).

    >>> parse_scale("1/255") == 1 / 255, parse_scale("0.5")
    (True, 0.5)
    """
    t = text.strip()
    try:
        v = float(Fraction(t)) if "/" in t else float(t)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"must be a positive number or a fraction a/b, not {describe(text)}") from None
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"must be a positive number or a fraction a/b, not {describe(text)}")
    return v


SIDE_FIELDS = ("name", "input", "output", "hardware")
INPUT_DTYPE = re.compile(r"bipolar|uint([1-9]|[12][0-9]|3[0-2])|int([2-9]|[12][0-9]|3[0-2])")


def options_from(side: str | Path | None, input_dtype: str | None, input_scale: float | None) -> ImportOptions | None:
    """The import options of a side yaml (``name``, ``input: {dtype, scale}``, ``output``, ``hardware``) and
    the command line's --input-dtype / --input-scale, which win; None when none is given."""
    from . import safe_yaml

    if side is None and input_dtype is None and input_scale is None:
        return None
    raw: dict[str, Any] = {}
    src = str(side) if side is not None else None
    if side is not None:
        loaded = safe_yaml.load_file(side, "the ONNX side config")
        if not isinstance(loaded, dict):
            raise BnncError(f"the document must be a mapping of {', '.join(SIDE_FIELDS)}, not "
                            f"{describe(loaded)}", file=src)
        for k in loaded:
            if k not in SIDE_FIELDS:
                raise BnncError(f"field names must be {', '.join(SIDE_FIELDS)}, not {describe(k)}", file=src,
                                field=str(k))
        raw = loaded
    inp = raw.get("input", {})
    if not isinstance(inp, dict) or any(k not in ("dtype", "scale") for k in inp):
        raise BnncError(f"input must be a mapping of dtype and scale, not {describe(inp)}", file=src, field="input")
    dtype = input_dtype if input_dtype is not None else inp.get("dtype")
    if dtype is not None and (not isinstance(dtype, str) or not INPUT_DTYPE.fullmatch(dtype)):
        where = "--input-dtype" if input_dtype is not None else "input.dtype"
        raise BnncError(f"{where} must be bipolar, uintN (N = 1..32) or intN (N = 2..32), not {describe(dtype)}",
                        file=None if input_dtype is not None else src, field=where)
    scale = input_scale
    if scale is None and "scale" in inp:
        v = inp["scale"]
        try:
            scale = parse_scale(str(v)) if not isinstance(v, bool) else parse_scale("x")
        except ValueError as e:
            raise BnncError(f"input.scale {e}", file=src, field="input.scale") from None
    if scale is not None and dtype is None:
        raise BnncError("--input-scale must come with --input-dtype (or input.dtype), not alone", field="--input-scale")
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,127}", name)):
        raise BnncError(f"name must be an identifier of at most 128 characters, not {describe(name)}", file=src,
                        field="name")
    output = raw.get("output")
    if output is not None and output not in ("argmax", "scores"):
        raise BnncError(f"output must be argmax or scores, not {describe(output)}", file=src, field="output")
    hw = raw.get("hardware", {})
    if not isinstance(hw, dict):
        raise BnncError(f"hardware must be a mapping (as net.yaml's), not {describe(hw)}", file=src, field="hardware")
    return ImportOptions(input_dtype=dtype, input_scale=scale, name=name, hardware=hw, output=output)


IMPORT_FILES = ("net.yaml", "weights.npz")
IMPORT_MARKER = "import_manifest.json"


def write_import(model_path: str | Path, out: Path, opts: ImportOptions | None,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> list[Path]:
    """``bnnc import``: net.yaml + weights.npz in ``out``, checked by loading them as bnnc would, written whole."""
    import yaml

    from compiler.outdir import atomic_files, check_own_files

    opts = opts or ImportOptions()
    check_own_files(out, IMPORT_FILES, IMPORT_MARKER, field="-o", inputs=[model_path])
    model = read_model(model_path, max_bytes)
    doc, arrays = translate(model, model_path, opts)
    # The translation must load as it will be written (any refusal now, not when the user compiles it).
    import_net(doc, Path(model_path), lambda _w, _s: arrays, max_bytes)
    doc = {**doc, "weights": "weights.npz"}
    with atomic_files(out, IMPORT_FILES, IMPORT_MARKER, field="-o", inputs=[model_path]) as stage:
        with open(stage / "net.yaml", "w") as fh:
            fh.write(f"# imported by bnnc import from {printable(Path(model_path).name)}\n")
            yaml.safe_dump(doc, fh, sort_keys=False, default_flow_style=None, width=120)
        np.savez_compressed(stage / "weights.npz", **arrays)
    return [out / n for n in IMPORT_FILES]


def load_onnx(path: str | Path, opts: ImportOptions = ImportOptions(),
              max_bytes: int = DEFAULT_MAX_BYTES) -> Graph:
    """An ONNX file as a float-stage graph (via its net.yaml translation and the shared graph builder)."""
    model = read_model(path, max_bytes)
    doc, arrays = translate(model, path, opts)
    return import_net(doc, Path(path), lambda _w, _s: arrays, max_bytes)
