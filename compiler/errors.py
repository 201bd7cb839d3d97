"""User-facing errors: one line that names the file, the layer and the field."""

from __future__ import annotations

import math
import numbers
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


def number(value: object) -> str:
    """A number for messages, exactly as the user's data holds it: integers of any width in full (a uint64
    maximum is 18446744073709551615, never -1), whole floats without a fraction, non-finite ones named.

    >>> import numpy as np
    >>> number(np.uint64(2**64 - 1)), number(np.int8(-3)), number(255.0), number(0.5), number(float("-inf"))
    ('18446744073709551615', '-3', '255', '0.5', '-inf')
    >>> number(1e300), number(np.float32(0.1)), number(float("nan")), number(True)
    ('1e+300', '0.1', 'nan', '1')
    """
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            return str(f)
        if f.is_integer() and abs(f) < 1e16:
            return str(int(f))
        # the shortest text that reads back as the value in its own precision (numpy's str: float32 0.1 is 0.1)
        return repr(f) if isinstance(value, float) else str(value)
    return describe(value)
