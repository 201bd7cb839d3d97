"""The frontend-neutral graph builder: every frontend's layers become a float-stage graph here.

A frontend (net.yaml today, QONNX later) validates its document into each op's typed
layer spec (:attr:`compiler.ops.OpDef.spec`), offers the parameter arrays through an
:class:`~compiler.ops.ImportContext`, and hands both to :func:`check_layers` and
:func:`build_graph`. The graph-wide rules live here once: unique, reserved and
file-sized names, folding requests naming matrix layers, the layer-order rules that
make every accepted network lowerable to integer hardware, the reference's memory
bound, the last layer giving class scores, and the appended argmax.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from compiler.config import HardwareConfig
from compiler.errors import BnncError
from compiler.ir import Graph, Node, TensorType
from compiler.limits import MAX_NAME_CHARS, fmt_bytes
from compiler.ops import OPS, ImportContext, LayerSpec, MatrixOp, OpTypeError, infer, infer_types, verify
from compiler.ops.batchnorm import overflow_error
from compiler.ops.quant import is_unit

# Ops that pass a quant's codes on unchanged (values kept, so still codes of its scale): a matrix layer may read them.
CODE_KEEPING = ("flatten", "maxpool2d", "maxpool")

# Max-pools: a matrix layer's positive float scale moves past them (s * max(x) == max(s * x) exactly in float64 for
# s > 0, as x -> s * x rounds monotonically: the max picks an x whose product is the max), so the pool reads the
# integer accumulator and a batchnorm after it reads the scale's output (conv -> maxpool -> batchnorm -> quant).
SCALE_PASSING = ("maxpool2d", "maxpool")

# The ops a layer spec may name, in registry order.
LAYER_OPS: tuple[str, ...] = tuple(name for name, d in OPS.items() if d.spec is not None)


class ArrayContext:
    """A frontend's arrays by ``<layer>.<param>``, handed out with shape and value checks (an ops.ImportContext)."""

    def __init__(self, source: str, wpath: str, network_input: TensorType, arrays: dict[str, np.ndarray]) -> None:
        self.source = source  # the network file, named by errors about a layer's fields
        self.network_input = network_input
        self.wpath = wpath  # the weights file, named by errors about an array
        self.arrays = arrays
        self.used: set[str] = set()
        self.reads_codes = False  # the graph builder sets it for each layer (ops.base.reads_integer)

    def take(self, layer: str, param: str, shape: tuple[int, ...]) -> np.ndarray:
        key = f"{layer}.{param}"
        if key not in self.arrays:
            raise BnncError(f"array {key} must be present with shape {list(shape)}, not missing",
                            file=str(self.wpath), layer=layer, field=param)
        return self._checked(layer, param, (shape,))

    def optional(self, layer: str, param: str, shapes: tuple[tuple[int, ...], ...]) -> np.ndarray | None:
        """The float64 array ``<layer>.<param>`` if the weights file has it (checked to have one of ``shapes``)."""
        if f"{layer}.{param}" not in self.arrays:
            return None
        return self._checked(layer, param, shapes)

    def _checked(self, layer: str, param: str, shapes: tuple[tuple[int, ...], ...]) -> np.ndarray:
        key = f"{layer}.{param}"
        a = self.arrays[key]
        self.used.add(key)
        if a.shape not in shapes:
            raise BnncError(f"{key} must have shape {' or '.join(str(list(s)) for s in shapes)}, not {list(a.shape)}",
                            file=str(self.wpath), layer=layer, field=param)
        if a.dtype.kind not in "iuf":  # not bool, complex, timedelta, strings
            raise BnncError(f"{key} must be a numeric array, not dtype {a.dtype}",
                            file=str(self.wpath), layer=layer, field=param)
        a = a.astype(np.float64)
        if not np.all(np.isfinite(a)):
            raise BnncError(f"{key} must be finite, not contain NaN or inf",
                            file=str(self.wpath), layer=layer, field=param)
        return a

    def error(self, message: str, layer: str, field: str, *, weights_file: bool = False) -> BnncError:
        return BnncError(message, file=str(self.wpath) if weights_file else self.source, layer=layer, field=field)

    def check_unused(self) -> None:
        extra = sorted(set(self.arrays) - self.used)
        if extra:
            layer, _, param = extra[0].partition(".")
            raise BnncError(f"array {extra[0]} must belong to a layer of the network, not be extra "
                            f"({len(extra)} unused array(s)); remove it or add its layer",
                            file=str(self.wpath), layer=layer, field=param or None)


def check_layers(source: str, name: str, layers: Sequence[LayerSpec], config: HardwareConfig) -> None:
    """The rules on names and folding requests, checked before any array is read."""
    names = [layer.name for layer in layers]
    for i, lname in enumerate(names):
        if lname in names[:i]:
            raise BnncError(f"name must be unique, not a second {lname!r}", file=source, layer=lname, field="name")
        if lname == "input":
            raise BnncError("name must not be 'input' (reserved for the network input)", file=source,
                            layer=lname, field="name")
    # generated file names (<layer>_weights.mem, <network>.v, ...) must fit the file system: refused here,
    # naming the layer, rather than when the output folder is written
    for owner, n in ((None, name), *((lname, lname) for lname in names)):
        if len(n) > MAX_NAME_CHARS:
            shown = None if owner is None else f"{owner[:32]}... (#{names.index(owner)})"
            raise BnncError(f"name must be at most {MAX_NAME_CHARS} characters, not {len(n)}",
                            file=source, layer=shown, field="name")
    matrix = tuple(op for op in LAYER_OPS if OPS[op].matrix)
    ops = {layer.name: layer.op for layer in layers}
    for lname in config.folding:
        if ops.get(lname) not in matrix:
            what = f"a {ops[lname]} layer" if lname in ops else "no layer"
            raise BnncError(f"folding keys must name {' or '.join(matrix)} layers, not {lname!r} ({what})",
                            file=source, field=f"hardware.folding.{lname}")


def build_graph(ctx: ImportContext, name: str, layers: Sequence[LayerSpec], output: str, config: HardwareConfig,
                max_bytes: int, inputs: tuple[str, ...] = ()) -> Graph:
    """The float-stage graph of ``layers`` on ``ctx.network_input``: each op's ``build``, its type, the order rules."""
    source = ctx.source
    nodes: list[Node] = []
    t = ctx.network_input
    # The float scale of the tensor each layer reads (docs/few-bit.md, "Scale bookkeeping"): the network input and
    # bipolar tensors 1, a quant's codes its scale (through flatten and pools), a matrix layer's output after its
    # ``scale`` node 1 (that node after the max-pools that follow the layer: SCALE_PASSING). Whether that tensor is
    # a quant's codes is what lets a matrix layer read it as integers.
    in_scale, codes = 1.0, False
    taken = {layer.name for layer in layers}
    pending: Node | None = None  # a matrix layer's scale node, placed after the max-pools that follow the layer
    for i, layer in enumerate(layers):
        d = OPS[layer.op]
        if pending is not None and layer.op not in SCALE_PASSING:
            nodes.append(pending.replace(type=infer(pending, t)))
            t, pending = nodes[-1].out, None
        ctx.reads_codes = codes
        node = d.build(ctx, layer, t)
        if node.op == "batchnorm" and nodes and nodes[-1].op == "scale":
            # the batchnorm reads scale[c] * acc (float): its float64 overflow check on that range, as the op's
            # build makes it on an integer input
            acc = nodes[-2].out.dtype
            assert acc.lo is not None and acc.hi is not None, nodes[-2]
            err = overflow_error(ctx, layer.name, node.params, float(node.attrs["eps"]), acc.lo, acc.hi,
                                 nodes[-1].params["scale"])
            if err is not None:
                raise err
        try:
            node = node.replace(type=infer(node, t))
        except OpTypeError as e:
            raise BnncError(f"the layer must fit its input {t}, not fail with: {e}", file=source,
                            layer=layer.name) from None
        _check_order(source, [layer.op for layer in layers], i, node, t, nodes[-1] if nodes else None)
        need = d.working_bytes(node, t)
        if need > max_bytes:
            raise BnncError(f"the layer must need at most {fmt_bytes(max_bytes)} per image in the reference "
                            f"(--max-bytes), not {fmt_bytes(need)} (input {t}, output {node.out})",
                            file=source, layer=layer.name, field="op")
        nodes.append(node)
        t = node.out
        if isinstance(d, MatrixOp):
            # the float output is in_scale · weight_scale[c] · acc: a scale node where that is not exactly 1
            factor = in_scale * d.weight_scale(ctx, layer.name, node)
            if not is_unit(factor):
                pending = Node(_fresh(f"{layer.name}_scale", taken), "scale", {}, {"scale": factor})
            in_scale, codes = 1.0, False
        elif node.op in ("quant", "thresholds"):
            in_scale, codes = float(node.attrs["scale"]), True
        elif node.op not in CODE_KEEPING:
            in_scale, codes = 1.0, False
    if pending is not None:  # a last matrix layer's (or its max-pools') scale: the scores' float value
        nodes.append(pending.replace(type=infer(pending, t)))
        t = nodes[-1].out

    last = layers[-1]
    prev = layers[-2] if len(layers) > 1 else None
    ends_ok = OPS[last.op].matrix or (last.op == "batchnorm" and prev is not None and OPS[prev.op].matrix)
    if not ends_ok or len(t.shape) != 1:
        raise BnncError(f"the last layer must be dense (optionally followed by one batchnorm) giving class "
                        f"scores, not {last.op} with output shape {list(t.shape)}", file=source,
                        layer=last.name, field="op")
    ctx.check_unused()
    graph = Graph(name=name, input=ctx.network_input, nodes=tuple(nodes), output=output, stage="float",
                  config=config, source=source, inputs=inputs)
    if output == "argmax":
        graph = graph.with_nodes(list(graph.nodes) + [Node(graph.unique_name("argmax"), "argmax")])
    graph = infer_types(graph)
    verify(graph)
    return graph


def _fresh(base: str, taken: set[str]) -> str:
    """``base``, or ``base_2``, ``base_3``, ...: a node name no layer (nor an earlier made node) has; taken after."""
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def _check_order(source: str, ops: list[str], i: int, node: Node, t: TensorType, prev: Node | None) -> None:
    """Layer-order rules that make every accepted network lowerable to integer hardware (``prev``: the node before)."""
    if node.op == "quant" and (prev is None or prev.op != "batchnorm"):
        what = "the network input" if prev is None else f"{prev.op} {prev.name}'s output"
        raise BnncError(f"the input of quant must be a batchnorm's output (add a batchnorm before it), not {what}",
                        file=source, layer=node.name, field="op")
    if node.op == "batchnorm":
        nxt = ops[i + 1] if i + 1 < len(ops) else None
        if nxt not in (None, "sign", "quant", "thresholds"):
            raise BnncError(f"batchnorm must be followed by sign, quant, thresholds or end the network, not by {nxt}",
                            file=source, layer=node.name, field="op")
        # (a matrix layer's scale node gives a float input whose accumulator is integer)
        if not t.dtype.is_integral and not (prev is not None and prev.op == "scale"):
            raise BnncError(f"batchnorm's input must be integer (a matrix layer, a pool or the input), "
                            f"not {t.dtype}", file=source, layer=node.name, field="op")
    if OPS[node.op].matrix and i + 1 < len(ops) and OPS[ops[i + 1]].matrix:
        raise BnncError(f"{node.op} must be followed by batchnorm/sign/maxpool2d before the next matrix layer, "
                        f"not directly by {ops[i + 1]}", file=source, layer=node.name, field="op")
