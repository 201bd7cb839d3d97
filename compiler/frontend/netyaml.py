"""Load net.yaml + weights.npz into a float-stage graph, with one-line errors for every bad input."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from compiler.errors import BnncError, describe, number
from compiler.ir import DType, Graph, TensorType
from compiler.limits import DEFAULT_MAX_BYTES

from . import safe_yaml
from .arrays import not_regular, read_npz
from .build import LAYER_OPS, ArrayContext, build_graph, check_layers
from .schema import NetSpec, model_for_location

# What a pydantic error type means, phrased as the "Y" of "X must be Y, not Z".
_EXPECT = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "bool_type": "true or false",
    "finite_number": "a finite number",
}


def _expected(err: dict[str, Any]) -> str:
    """The "Y" of "X must be Y, not Z" for one pydantic error (never pydantic's own wording)."""
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind in _EXPECT:
        return _EXPECT[kind]
    bounds = {"greater_than": ("greater than", "gt"), "greater_than_equal": ("at least", "ge"),
              "less_than": ("less than", "lt"), "less_than_equal": ("at most", "le")}
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {number(ctx[key])}"
    if kind == "union":  # a value that matches no member of a union (see _pick)
        return str(ctx["expected"])
    if kind == "literal_error":
        return f"one of {ctx['expected']}".replace("'", "").replace(" or ", ", ")
    if kind == "string_pattern_mismatch":
        return "an identifier (letters, digits and _, not starting with a digit)"
    if kind == "too_short":
        return f"a list of at least {ctx['min_length']} item(s)"
    if kind == "too_long":
        return f"a list of at most {ctx['max_length']} items"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    # any other kind: pydantic's "Input should be Y" (or "Keys should be Y") without its subject
    msg = re.sub(r"^(input|value|keys?) should (be|have) ", "", str(err["msg"]), flags=re.IGNORECASE)
    return msg[0].lower() + msg[1:] if msg else "valid"


# pydantic's name for one member of a plain (undiscriminated) union in an error's location,
# e.g. "constrained-int" and "list[constrained-int]" for conv2d's kernel (int or [kh, kw]).
_UNION_MEMBER = re.compile(r"^(constrained-\w+|\w+\[.*\]|int|float|str|bool|none|list|dict|tuple)$")


def _mismatch(err: dict[str, Any]) -> bool:
    """An error saying the value is not of the member's type at all (it matched another member, if any)."""
    return err["type"].endswith(("_type", "_parsing")) or err["type"] == "int_from_float"


def _pick(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The error to report, with pydantic's union member names taken out of its location.

    For a union (a conv2d kernel is an integer or a list of two), the member that the value's
    type matched says what is wrong (``kernel: 0``: greater than 0; ``kernel: [3]``: a list of
    two); a value that matches no member gets every member's expectation (an integer or a list).
    """
    err = errors[0]
    loc = tuple(err["loc"])
    for k, part in enumerate(loc):
        if not (isinstance(part, str) and _UNION_MEMBER.match(part)):
            continue
        members = [e for e in errors if tuple(e["loc"][:k]) == loc[:k] and len(e["loc"]) > k]
        if len({e["loc"][k] for e in members}) < 2:
            continue  # a name that only looks like a member (a layer called "int")
        matched = [e for e in members if len(e["loc"]) > k + 1 or not _mismatch(e)]
        if matched:
            return {**matched[0], "loc": tuple(matched[0]["loc"][:k]) + tuple(matched[0]["loc"][k + 1:])}
        wants = dict.fromkeys(_expected(e) for e in members)
        return {**err, "loc": loc[:k], "type": "union", "ctx": {"expected": " or ".join(wants)}}
    return err


def _validation_error(path: Path, raw: dict[str, Any], exc: ValidationError) -> BnncError:
    err = _pick(exc.errors())
    loc = list(err["loc"])
    layer = None
    if len(loc) >= 2 and loc[0] == "layers" and isinstance(loc[1], int):
        entry = raw.get("layers", [])[loc[1]]
        layer = entry.get("name") if isinstance(entry, dict) and isinstance(entry.get("name"), str) else None
        layer = layer or f"#{loc[1]}"
        loc = loc[2:]
        if loc and loc[0] in LAYER_OPS:  # the discriminated union adds the op's tag to the path
            loc = loc[1:]
    # list indices inside a field (e.g. shape[1]) print as field[1]
    field = ""
    for part in loc:
        field += f"[{part}]" if isinstance(part, int) else (("." if field else "") + str(part))
    name = field.split(".")[-1]
    if layer is not None and not field:
        entry = raw["layers"][int(err["loc"][1])]
        if not isinstance(entry, dict):
            return BnncError(f"layer must be a mapping of name, op and its fields, not {describe(entry)}",
                             file=str(path), layer=layer)
    if err["type"] == "missing":
        return BnncError(f"{name} must be given, not missing", file=str(path), layer=layer, field=field)
    if err["type"] in ("extra_forbidden", "invalid_key"):  # an unknown field name, or a key that is no name
        name = describe(loc[-1]) if err["type"] == "invalid_key" else describe(name)
        field = ".".join(str(p) for p in loc)
        op = None
        if layer is not None:
            entry = raw["layers"][int(err["loc"][1])]
            op = entry.get("op") if isinstance(entry, dict) else None
        owner, known = model_for_location([p for p in loc[:-1]], op)
        return BnncError(f"field names of {owner} must be {', '.join(known)}, not {name}",
                         file=str(path), layer=layer, field=field)
    if loc and loc[-1] == "[key]":  # a mapping of names (hardware.folding) with a key that is no string
        field = field.removesuffix(".[key]").rsplit("[", 1)[0]
        want = "strings" if err["type"] == "string_type" else _expected(err)
        return BnncError(f"{field.split('.')[-1]} keys must be {want}, not {describe(err['input'])}",
                         file=str(path), layer=layer, field=field)
    if err["type"] == "union_tag_invalid":
        got = err["input"].get("op") if isinstance(err["input"], dict) else err["input"]
        return BnncError(f"op must be one of {', '.join(LAYER_OPS)}, not {describe(got)}",
                         file=str(path), layer=layer, field="op")
    if err["type"] == "union_tag_not_found":
        return BnncError(f"op must be given (one of {', '.join(LAYER_OPS)}), not missing", file=str(path),
                         layer=layer, field="op")
    field = field or "(document)"
    name = name or field
    return BnncError(f"{name} must be {_expected(err)}, not {describe(err['input'])}",
                     file=str(path), layer=layer, field=field)


def _read_yaml(path: Path) -> dict[str, Any]:
    raw = safe_yaml.load_file(path, "the net.yaml")  # the one hardened loader, file rules included
    if not isinstance(raw, dict):
        what = "empty" if raw is None else type(raw).__name__
        raise BnncError(f"the document must be a mapping of name, input, layers, ..., not {what}",
                        file=str(path))
    return raw


def _dtype(spec: str) -> DType:
    if spec == "bipolar":
        return DType.bipolar()
    if spec.startswith("uint"):
        n = int(spec[4:])
        return DType.int(0, (1 << n) - 1)
    n = int(spec[3:])
    return DType.int(-(1 << (n - 1)), (1 << (n - 1)) - 1)


def _load_npz(path: Path, wpath: Path, spec_weights: str, max_bytes: int) -> dict[str, np.ndarray]:
    try:
        rel_ok = wpath.resolve().is_relative_to(path.resolve().parent)
    except OSError:
        rel_ok = False
    if not rel_ok:
        raise BnncError(f"weights must be a path inside {path.parent or '.'}, not {spec_weights!r}",
                        file=str(path), field="weights")
    if not wpath.is_file() or not_regular(wpath):
        raise BnncError(f"weights must name an existing .npz file, not {spec_weights!r} (not found)",
                        file=str(path), field="weights")
    return read_npz(wpath, max_bytes)


def load_net(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Graph:
    """Read, validate and import a net.yaml (and its weights) as a float-stage graph.

    ``max_bytes`` bounds any one array the weights file declares and the memory the
    reference needs for a calibration batch (:mod:`compiler.limits`).
    """
    path = Path(path)
    return import_net(_read_yaml(path), path, lambda wpath, given: _load_npz(path, wpath, given, max_bytes),
                      max_bytes)


def import_net(raw: dict[str, Any], path: Path, read_arrays: Callable[[Path, str], dict[str, np.ndarray]],
               max_bytes: int = DEFAULT_MAX_BYTES) -> Graph:
    """A parsed net.yaml document (as if read from ``path``) as a float-stage graph.

    ``read_arrays(weights path, the weights field)`` gives the arrays by ``<layer>.<param>``
    (the weights file, or an exporter's arrays in memory).
    """
    try:
        spec = NetSpec.model_validate(raw)
    except ValidationError as e:
        raise _validation_error(path, raw, e) from None
    config = spec.hardware.to_config()
    check_layers(str(path), spec.name, spec.layers, config)
    wpath = path.parent / spec.weights
    in_type = TensorType(tuple(spec.input.shape), _dtype(spec.input.dtype))
    arrays = ArrayContext(str(path), str(wpath), in_type, read_arrays(wpath, spec.weights))
    return build_graph(arrays, spec.name, spec.layers, spec.output, config, max_bytes, inputs=(str(path), str(wpath)))
