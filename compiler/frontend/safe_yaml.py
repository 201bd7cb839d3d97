"""The one YAML loader for untrusted files (net.yaml, training configs): safe types only, duplicate keys
refused, bounded aliases, depth and size.

It also reads ``1e-5`` as the number the user meant (YAML 1.1 wants ``1.0e-5``,
so PyYAML's plain loader gives the string "1e-5"). :func:`load_file` adds the
file rules: a regular file (a FIFO or a device is never opened), at most
``YAML_MAX_BYTES``, UTF-8 text, and every failure as one :class:`BnncError` line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from compiler.errors import BnncError, describe
from compiler.limits import YAML_MAX_ALIASES, YAML_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_NODES, fmt_bytes

from .arrays import not_regular


class YamlLimitError(yaml.YAMLError):
    """The document breaks a rule of this loader; ``problem`` and ``problem_mark`` say what and where."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class SafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader plus duplicate-key, alias-count and depth checks, and exponent-only floats."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > YAML_MAX_ALIASES:
                raise YamlLimitError(f"at most {YAML_MAX_ALIASES} alias uses (*name), not more",
                                     self.peek_event().start_mark)
        self._depth += 1
        if self._depth > YAML_MAX_DEPTH:
            raise YamlLimitError(f"nesting at most {YAML_MAX_DEPTH} deep, not deeper", self.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:  # type: ignore[override]
        node = super().compose_document()
        _check_expanded_size(node)
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise YamlLimitError("mapping keys that are plain values, not lists or mappings",
                                     key_node.start_mark) from None
            if key in seen:
                raise YamlLimitError(f"each key once per mapping, not {describe(key)} twice (first on line "
                                     f"{seen[key].line + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _check_expanded_size(root: Any) -> None:
    """Refuse a document whose aliases expand it past YAML_MAX_NODES nodes, or that refers to itself."""
    weight: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in weight:
            return weight[key]
        if key in active:
            raise YamlLimitError("no alias inside the node it names, not a recursive alias", node.start_mark)
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        active.discard(key)
        if total > YAML_MAX_NODES:
            raise YamlLimitError(f"at most {YAML_MAX_NODES} values once aliases are expanded, not {total} or more",
                                 node.start_mark)
        weight[key] = total
        return total

    if root is not None:
        size(root)


# YAML 1.2 floats without a dot (1e-5, 2E3), which YAML 1.1 leaves as strings.
SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def load(text: str) -> Any:
    """Parse one YAML document with :class:`SafeLoader`."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 (SafeLoader subclass)


def load_file(path: str | Path, what: str = "the net.yaml") -> Any:
    """Read and parse the YAML file ``path`` under every rule of this module; ``what`` names it in messages.

    Raises :class:`BnncError` (file set, one line) for a missing, special, oversized,
    unreadable or non-UTF-8 file and for YAML that is invalid or breaks a limit.
    """
    path = Path(path)
    try:
        kind = not_regular(path)
        if kind:
            raise BnncError(f"{what} must be a regular file, not {kind}", file=str(path))
        size = path.stat().st_size
        if size > YAML_MAX_BYTES:
            raise BnncError(f"{what} must be at most {fmt_bytes(YAML_MAX_BYTES)}, not {fmt_bytes(size)}",
                            file=str(path))
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BnncError(f"{what} must be an existing file, not missing", file=str(path)) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as e:
        raise BnncError(f"{what} must be a readable text file, not unreadable ({type(e).__name__})",
                        file=str(path)) from None
    except OSError as e:
        raise BnncError(f"{what} must be a readable file, not fail with {e.strerror or e}", file=str(path)) from None
    try:
        return load(text)
    except YamlLimitError as e:
        raise BnncError(f"line {e.problem_mark.line + 1}: the YAML must have {e.problem}", file=str(path)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or (str(e).splitlines() or ["syntax error"])[0]
        raise BnncError(f"{where}the file must be valid YAML, not ({' '.join(problem.split())[:200]})",
                        file=str(path)) from None
