"""Lowering a folded IR graph to the hardware graph: one streaming module per layer, plus glue."""

from __future__ import annotations

import numpy as np

from compiler.errors import BnncError
from compiler.ir import Graph, Node, TensorType
from runtime.bits import bits_for_range, to_bits
from runtime.sim.mem import mvtu_param_lines, mvtu_weight_lines

from .graph import HwGraph, Module, Stream

# Extra FIFO slots beyond one whole vector, so a producer never waits on a consumer
# that is still working through its neuron folds of the previous vector.
FIFO_SLACK = 2

# Weight ROMs of at least this many bits are marked for block RAM; smaller ones are
# left to the synthesis tool (one 18 kbit block RAM would mostly sit empty). Yosys
# and Vivado read the rom_style attribute this selects; simulation ignores it.
ROM_BLOCK_MIN_BITS = 16 * 1024


def _signed_bits(lo: int, hi: int) -> int:
    """Two's-complement width holding [lo, hi] and 0 (lanes that are compared or summed are signed)."""
    return bits_for_range(min(lo, -1), max(hi, 0))[0]


def _stream(name: str, tap: str, t: TensorType, lanes: int, vectors: int = 1) -> Stream:
    elems = t.size // vectors
    if t.dtype.is_bipolar:
        return Stream(name, tap, lanes, 1, False, True, elems, vectors)
    assert t.dtype.lo is not None and t.dtype.hi is not None
    bits, signed = bits_for_range(t.dtype.lo, t.dtype.hi)
    return Stream(name, tap, lanes, bits, signed, False, elems, vectors)


class _Builder:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.modules: list[Module] = []

    def error(self, node: Node, msg: str) -> BnncError:
        return BnncError(msg, file=self.graph.source, layer=node.name, field="op")

    def connect(self, out: Stream, lanes: int, elem_bits: int, signed: bool) -> Stream:
        """Glue from ``out`` to a consumer wanting ``lanes`` lanes: width converter and FIFO as needed."""
        cur = out
        if cur.lanes != lanes:
            conv = Stream(f"{out.name}_dwc", out.tap, lanes, cur.elem_bits, cur.signed, cur.bipolar, cur.elems,
                          cur.vectors)
            self.modules.append(Module(conv.name, "bnnc_width_converter",
                                       {"EW": cur.elem_bits, "IN_LANES": cur.lanes, "OUT_LANES": lanes,
                                        "N": cur.elems}, cur, conv,
                                       cycles=max(cur.beats_per_image, conv.beats_per_image)))
            cur = conv
        assert cur.elem_bits == elem_bits and cur.signed == signed, (cur, elem_bits, signed)
        fifo = Stream(f"{out.name}_q", cur.tap, cur.lanes, cur.elem_bits, cur.signed, cur.bipolar, cur.elems,
                      cur.vectors)
        depth = max(2, cur.beats_per_vector + FIFO_SLACK)
        self.modules.append(Module(fifo.name, "bnnc_fifo", {"WIDTH": cur.width, "DEPTH": depth}, cur, fifo,
                                   cycles=cur.beats_per_image))
        return fifo


def _consumer_lanes(nodes: list[Node], start: int) -> int:
    """Lanes the next matrix layer at or after ``start`` reads (its SIMD), or 1 if none."""
    for node in nodes[start:]:
        if "simd" in node.attrs:
            return int(node.attrs["simd"])
        if node.op not in ("flatten", "threshold"):
            break
    return 1


def lower_to_hw(graph: Graph) -> HwGraph:
    """Build the hardware graph of a folded binarized MLP (dense layers; conv2d is not lowered yet)."""
    b = _Builder(graph)
    nodes = [n for n in graph.nodes if n.op != "flatten"]  # flatten keeps the channel-last element order
    user_op = {"xnor_conv2d": "conv2d", "conv2d": "conv2d", "bitpool": "maxpool2d", "maxpool2d": "maxpool2d"}
    for n in nodes:
        if n.op in user_op:
            raise b.error(n, f"op must be dense for RTL generation, not {user_op[n.op]} (conv2d/maxpool2d RTL is not "
                             "generated yet; bnnc run and bnnc inspect handle them)")
    in_t = TensorType((graph.input.size,), graph.input.dtype)
    cur = _stream("src", "input", in_t, _consumer_lanes(nodes, 0))
    i = 0
    first = True
    while i < len(nodes):
        node = nodes[i]
        t_in = graph.input_type(graph.index(node.name))
        if node.op == "threshold":
            th, neg = node.params["thresholds"], node.params["negate"]
            if not (np.all(th == th[0]) and np.all(neg == neg[0])):
                raise b.error(node, "an input threshold must be the same for every element in RTL "
                                    "(one bnnc_threshold), not vary per channel")
            lanes = cur.lanes
            out = _stream(node.name, node.name, node.out, lanes)
            b.modules.append(Module(node.name, "bnnc_threshold",
                                    {"LANES": lanes, "IN_BITS": cur.elem_bits, "IN_SIGNED": int(cur.signed),
                                     "THRESHOLD": int(th[0]), "NEGATE": int(neg[0])}, cur, out,
                                    layers=(node.name,), cycles=cur.beats_per_image))
            cur = out
            i += 1
            first = False
            continue
        if node.op in ("dense", "xnor_dense"):
            if not first:
                cur = b.connect(cur, int(node.attrs["simd"]), cur.elem_bits, cur.signed)
            nxt = nodes[i + 1] if i + 1 < len(nodes) else None
            cur = _mvtu(b, node, nxt, cur, t_in)
            i += 2 if nxt is not None and nxt.op in ("threshold", "affine") else 1
            first = False
            continue
        if node.op == "argmax":
            cur = b.connect(cur, cur.lanes, cur.elem_bits, cur.signed)
            out = _stream(node.name, node.name, node.out, 1)
            b.modules.append(Module(node.name, "bnnc_argmax",
                                    {"NUM_CLASSES": cur.elems, "LANES": cur.lanes, "IN_BITS": cur.elem_bits},
                                    cur, out, layers=(node.name,), cycles=cur.beats_per_image))
            cur = out
            i += 1
            continue
        raise b.error(node, f"a {node.op} layer has no RTL lowering here; op must be dense, threshold or argmax")
    return HwGraph(graph.name, tuple(b.modules), float(graph.hardware.get("clock_mhz", 100.0)))


def _mvtu(b: _Builder, node: Node, nxt: Node | None, cur: Stream, t_in: TensorType) -> Stream:
    pe, simd = int(node.attrs["pe"]), int(node.attrs["simd"])
    w = node.params["weight"]
    mh, mw = w.shape
    binary = node.op == "xnor_dense"
    acc = node.out.dtype
    assert acc.lo is not None and acc.hi is not None
    rom_bits = -(-mh // pe) * -(-mw // simd) * pe * simd
    params: dict[str, object] = {"MW": mw, "MH": mh, "PE": pe, "SIMD": simd, "BINARY_IN": int(binary),
                                 "IN_BITS": cur.elem_bits, "IN_SIGNED": int(cur.signed),
                                 "ROM_STYLE": 1 if rom_bits >= ROM_BLOCK_MIN_BITS else 0}
    roms_: dict[str, list[str]] = {"weights": mvtu_weight_lines(to_bits(w), pe, simd)}
    layers = [node.name]
    if nxt is not None and nxt.op == "threshold":
        th = nxt.params["thresholds"]
        acc_bits = _signed_bits(min(acc.lo, int(th.min())), max(acc.hi, int(th.max())))
        params.update(OUT_MODE=0, ACC_BITS=acc_bits, OUT_BITS=1, AFF_BITS=1)
        roms_["params"] = mvtu_param_lines(th, 0, pe, acc_bits=acc_bits)
        out_node = nxt
    elif nxt is not None and nxt.op == "affine":
        acc_bits = _signed_bits(acc.lo, acc.hi)
        a, c = nxt.params["scale"], nxt.params["offset"]
        aff_bits = max(_signed_bits(int(a.min()), int(a.max())), _signed_bits(int(c.min()), int(c.max())))
        o = nxt.out.dtype
        assert o.lo is not None and o.hi is not None
        params.update(OUT_MODE=2, ACC_BITS=acc_bits, OUT_BITS=_signed_bits(o.lo, o.hi), AFF_BITS=aff_bits)
        roms_["params"] = mvtu_param_lines((a, c), 2, pe, aff_bits=aff_bits)
        out_node = nxt
    else:
        acc_bits = _signed_bits(acc.lo, acc.hi)
        params.update(OUT_MODE=1, ACC_BITS=acc_bits, OUT_BITS=acc_bits, AFF_BITS=1)
        out_node = node
    if out_node is not node:
        layers.append(out_node.name)
    out = _stream(node.name, out_node.name, out_node.out, pe)
    if params["OUT_MODE"] != 0:
        out = Stream(out.name, out.tap, pe, int(params["OUT_BITS"]), True, False, out.elems)
    mod = Module(node.name, "bnnc_mvtu", params, cur, out, layers=tuple(layers), cycles=int(node.attrs["cycles"]),
                 roms=roms_)
    b.modules.append(mod)
    return out
