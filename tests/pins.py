"""Pinning error messages whole: ``pytest.raises(..., match=whole(PATTERN))``.

``pytest.raises`` searches its pattern anywhere in the message, so a pin could
pass on a message that has grown or lost a part. :func:`whole` anchors it to the
entire message (its first line, for multi-line reports), after the folder part of
a leading file path, which differs from machine to machine.
"""

from __future__ import annotations


def whole(pattern: str) -> str:
    r"""The regex matching exactly ``pattern`` as the whole (first line of the) message.

    >>> import re
    >>> bool(re.search(whole(r"net\.yaml: x must be 1, not 2"), "/tmp/a/net.yaml: x must be 1, not 2"))
    True
    >>> bool(re.search(whole(r"x must be 1"), "x must be 1, not 2"))
    False
    """
    return rf"\A(?:\S*/)?(?:{pattern})(?:\n|\Z)"
