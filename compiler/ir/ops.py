"""Operator definitions: for each op, its attributes, parameters and type rule.

The numpy semantics of each op live in :mod:`runtime.reference`; this module
only says what an op accepts and what type it produces, so type inference, the
verifier and the text form all read one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .graph import Node
from .types import DType, TensorType


class OpTypeError(Exception):
    """A node that does not fit its input (an internal invariant once the frontend has validated)."""


@dataclass(frozen=True)
class OpSpec:
    """What an op is: its attribute and parameter names, and its type rule."""

    name: str
    attrs: tuple[str, ...]
    params: tuple[str, ...]
    infer: Callable[[Node, TensorType], TensorType]
    doc: str


def _matrix_range(w: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """Exact range of sum_j w_j * x_j over x_j in [lo, hi] for each row of ±1 weights, unioned over rows."""
    rows = w.reshape(w.shape[0], -1)
    n_pos = (rows > 0).sum(axis=1).astype(np.int64)
    n_neg = rows.shape[1] - n_pos
    row_lo = n_pos * lo - n_neg * hi
    row_hi = n_pos * hi - n_neg * lo
    return int(row_lo.min()), int(row_hi.max())


def _int_range(t: TensorType, node: Node) -> tuple[int, int]:
    if not t.dtype.is_integral:
        raise OpTypeError(f"{node.op} {node.name} needs an integer or bipolar input, not {t.dtype}")
    assert t.dtype.lo is not None and t.dtype.hi is not None
    return t.dtype.lo, t.dtype.hi


def _conv_out_hw(node: Node, t: TensorType) -> tuple[int, int]:
    if len(t.shape) != 3:
        raise OpTypeError(f"{node.op} {node.name} needs an (H, W, C) input, not shape {list(t.shape)}")
    kh, kw = node.attrs["kernel"]
    s = node.attrs["stride"]
    p = node.attrs.get("padding", 0)
    h, w, _ = t.shape
    oh, ow = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
    if oh < 1 or ow < 1:
        raise OpTypeError(f"{node.op} {node.name}: window {kh}x{kw} does not fit input {h}x{w}")
    return oh, ow


def _infer_dense(node: Node, t: TensorType) -> TensorType:
    w = node.params["weight"]
    if len(t.shape) != 1 or t.shape[0] != w.shape[1]:
        raise OpTypeError(f"dense {node.name} needs a ({w.shape[1]},) input, not {list(t.shape)}")
    lo, hi = _int_range(t, node) if not t.dtype.is_float else (0, 0)
    if t.dtype.is_float:
        return TensorType((w.shape[0],), DType.float())
    return TensorType((w.shape[0],), DType.int(*_matrix_range(w, lo, hi)))


def _infer_conv(node: Node, t: TensorType) -> TensorType:
    w = node.params["weight"]
    oh, ow = _conv_out_hw(node, t)
    if t.shape[2] != w.shape[3]:
        raise OpTypeError(f"conv2d {node.name} needs {w.shape[3]} input channels, not {t.shape[2]}")
    if t.dtype.is_float:
        return TensorType((oh, ow, w.shape[0]), DType.float())
    lo, hi = _int_range(t, node)
    if node.attrs.get("padding", 0):
        pad = int(node.attrs["pad_value"])
        lo, hi = min(lo, pad), max(hi, pad)
    return TensorType((oh, ow, w.shape[0]), DType.int(*_matrix_range(w, lo, hi)))


def _xnor_n(node: Node) -> int:
    w = node.params["weight"]
    return int(np.prod(w.shape[1:]))


def _infer_xnor_dense(node: Node, t: TensorType) -> TensorType:
    w = node.params["weight"]
    if not t.dtype.is_bipolar or len(t.shape) != 1 or t.shape[0] != w.shape[1]:
        raise OpTypeError(f"xnor_dense {node.name} needs a bipolar ({w.shape[1]},) input, not {t}")
    return TensorType((w.shape[0],), DType.int(0, _xnor_n(node)))


def _infer_xnor_conv(node: Node, t: TensorType) -> TensorType:
    w = node.params["weight"]
    if not t.dtype.is_bipolar:
        raise OpTypeError(f"xnor_conv2d {node.name} needs a bipolar input, not {t}")
    oh, ow = _conv_out_hw(node, t)
    return TensorType((oh, ow, w.shape[0]), DType.int(0, _xnor_n(node)))


def _infer_pool(node: Node, t: TensorType) -> TensorType:
    if len(t.shape) != 3:
        raise OpTypeError(f"{node.op} {node.name} needs an (H, W, C) input, not shape {list(t.shape)}")
    k, s = node.attrs["kernel"], node.attrs["stride"]
    h, w, c = t.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    if oh < 1 or ow < 1:
        raise OpTypeError(f"{node.op} {node.name}: window {k} does not fit input {h}x{w}")
    if node.op == "bitpool" and not t.dtype.is_bipolar:
        raise OpTypeError(f"bitpool {node.name} needs a bipolar input, not {t.dtype}")
    return TensorType((oh, ow, c), t.dtype)


def _check_channels(node: Node, t: TensorType, *names: str) -> None:
    for name in names:
        if node.params[name].shape != (t.channels,):
            raise OpTypeError(f"{node.op} {node.name}: {name} must have shape ({t.channels},), "
                              f"not {node.params[name].shape}")


def _infer_batchnorm(node: Node, t: TensorType) -> TensorType:
    _check_channels(node, t, "gamma", "beta", "mean", "var")
    return TensorType(t.shape, DType.float())


def _infer_sign(node: Node, t: TensorType) -> TensorType:
    return TensorType(t.shape, DType.bipolar())


def _infer_threshold(node: Node, t: TensorType) -> TensorType:
    _int_range(t, node)
    _check_channels(node, t, "thresholds", "negate")
    return TensorType(t.shape, DType.bipolar())


def _infer_affine(node: Node, t: TensorType) -> TensorType:
    lo, hi = _int_range(t, node)
    _check_channels(node, t, "scale", "offset")
    a = node.params["scale"].astype(object)
    b = node.params["offset"].astype(object)
    ends = [a * lo + b, a * hi + b]
    return TensorType(t.shape, DType.int(int(min(e.min() for e in ends)), int(max(e.max() for e in ends))))


def _infer_flatten(node: Node, t: TensorType) -> TensorType:
    return TensorType((t.size,), t.dtype)


def _infer_argmax(node: Node, t: TensorType) -> TensorType:
    if len(t.shape) != 1:
        raise OpTypeError(f"argmax {node.name} needs a vector input, not shape {list(t.shape)}")
    return TensorType((1,), DType.int(0, max(0, t.shape[0] - 1)))


OPS: dict[str, OpSpec] = {
    spec.name: spec
    for spec in [
        OpSpec("dense", ("units",), ("weight",), _infer_dense, "y = W x, W in ±1 (add/subtract of integers)"),
        OpSpec("conv2d", ("filters", "kernel", "stride", "padding", "pad_value"), ("weight",), _infer_conv,
               "channel-last convolution with ±1 weights, weight (F, kh, kw, C)"),
        OpSpec("xnor_dense", ("units",), ("weight",), _infer_xnor_dense,
               "p = popcount(xnor(x, w)) over bipolar x: the popcount domain, (acc + N) / 2"),
        OpSpec("xnor_conv2d", ("filters", "kernel", "stride", "padding", "pad_value"), ("weight",),
               _infer_xnor_conv, "convolution in the popcount domain"),
        OpSpec("maxpool2d", ("kernel", "stride"), (), _infer_pool, "max over each window, per channel"),
        OpSpec("bitpool", ("kernel", "stride"), ("and_mask",), _infer_pool,
               "bipolar pooling: OR of the window's bits, AND where and_mask is set"),
        OpSpec("batchnorm", ("eps",), ("gamma", "beta", "mean", "var"), _infer_batchnorm,
               "gamma*(x-mean)/sqrt(var+eps)+beta in float64"),
        OpSpec("sign", ("threshold",), (), _infer_sign, "+1 if x >= threshold else -1"),
        OpSpec("threshold", (), ("thresholds", "negate"), _infer_threshold,
               "+1 if (negate ? -x : x) >= T[c] else -1, integers per channel"),
        OpSpec("affine", ("frac_bits",), ("scale", "offset"), _infer_affine,
               "scale[c]*x + offset[c], integers (fixed point with frac_bits)"),
        OpSpec("flatten", (), (), _infer_flatten, "(H, W, C) -> (H*W*C), channel-last order"),
        OpSpec("argmax", (), (), _infer_argmax, "index of the largest element, lowest on ties"),
    ]
}

MATRIX_OPS = ("dense", "conv2d", "xnor_dense", "xnor_conv2d")


def infer(node: Node, t: TensorType) -> TensorType:
    """Output type of ``node`` given its input type."""
    spec = OPS.get(node.op)
    if spec is None:
        raise OpTypeError(f"unknown op {node.op!r} in node {node.name}")
    return spec.infer(node, t)
