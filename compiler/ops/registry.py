"""The op registry: every op definition, by name. Op modules register themselves on import."""

from __future__ import annotations

from typing import TypeVar

from .base import OpDef, OpTypeError

OPS: dict[str, OpDef] = {}

_D = TypeVar("_D", bound=type[OpDef])


def register_op(cls: _D) -> _D:
    """Class decorator: add one instance of ``cls`` to :data:`OPS` under ``cls.name``."""
    assert cls.name not in OPS, f"op {cls.name} registered twice"
    assert cls.doc, f"op {cls.name} needs a one-line doc"
    OPS[cls.name] = cls()
    return cls


def op_def(name: str) -> OpDef:
    """The definition of op ``name`` (OpTypeError for an unknown op)."""
    try:
        return OPS[name]
    except KeyError:
        raise OpTypeError(f"unknown op {name!r}") from None


def matrix_ops() -> tuple[str, ...]:
    """Names of the ±1 weight-matrix ops (folded onto PE x SIMD)."""
    return tuple(n for n, d in OPS.items() if d.matrix)
