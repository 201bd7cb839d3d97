"""User-facing errors: one line that names the file, the layer and the field."""

from __future__ import annotations

import reprlib


class BnncError(Exception):
    """An error in the user's input or request, reported as one line with exit code 2.

    The message follows ``FILE: layer NAME: field FIELD: X must be Y, not Z``;
    parts that do not apply are left out.
    """

    def __init__(self, message: str, *, file: str | None = None, layer: str | None = None,
                 field: str | None = None) -> None:
        self.file = file
        self.layer = layer
        self.field = field
        self.detail = message
        parts = []
        if file:
            parts.append(str(file))
        if layer:
            parts.append(f"layer {layer}")
        if field:
            parts.append(f"field {field}")
        parts.append(message)
        super().__init__(": ".join(parts))


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 6
_SHORT.maxlevel = 3


def describe(value: object, limit: int = 40) -> str:
    """Short printable form of a bad value for error messages (never the repr of a whole huge value).

    >>> describe(list(range(10**6)))
    '[0, 1, 2, 3, 4, 5, ...]'
    >>> describe("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxx..."
    """
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
