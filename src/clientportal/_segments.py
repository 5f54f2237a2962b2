"""An id as one segment of a URL path, and back: the one rule every URL the library builds follows.

A segment carries any id the model accepts (``INV/2026/041``, ``..``, ``100%``). Servers
percent-decode the path before an app sees it and browsers resolve ``.`` and ``..`` segments, so
:func:`encode_segment` escapes ``%`` and ``/`` (and a value of only dots) once more, as ``%25``,
``%2F`` and ``%2E``, before percent-encoding the value; :func:`decode_segment` undoes exactly that
on the path the server decoded.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["decode_segment", "encode_segment"]

_ESCAPED = re.compile(r"%(25|2F|2E)", re.IGNORECASE)


def encode_segment(value: str) -> str:
    """``value`` as one path segment of a URL."""
    escaped = value.replace("%", "%25").replace("/", "%2F")
    if escaped in (".", ".."):
        escaped = escaped.replace(".", "%2E")
    return quote(escaped, safe="")


def decode_segment(value: str) -> str:
    """The value of a segment :func:`encode_segment` made, once the server percent-decoded it."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
