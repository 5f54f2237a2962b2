"""Unguessable values: random ids, a token's random part, one-time codes, and the digest a link
record keeps of its token's random part.

Randomness is a function ``random_bytes(n)`` that defaults to :func:`secrets.token_bytes`, so
tests can pass a predictable one.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from typing import Final, TypeAlias

__all__ = [
    "CODE_DIGITS",
    "RandomBytes",
    "new_code",
    "new_secret",
    "random_id",
    "secret_digest",
]

#: A source of random bytes: ``random_bytes(n)`` returns ``n`` unpredictable bytes.
RandomBytes: TypeAlias = Callable[[int], bytes]

#: How many digits a one-time code has.
CODE_DIGITS: Final = 6

_CODE_SPACE = 10**CODE_DIGITS
# The largest multiple of 10**6 below 2**32: 4-byte draws at or above it are redrawn, so every code
# is equally likely.
_CODE_DRAW_LIMIT = (2**32 // _CODE_SPACE) * _CODE_SPACE
_CODE_MAX_DRAWS = 64
_SECRET_BYTES = 16
_ID_BYTES = 12


def random_id(random_bytes: RandomBytes = secrets.token_bytes, *, size: int = _ID_BYTES) -> str:
    """A URL-safe random id of ``size`` bytes (16 characters for the default 12 bytes).

    It never starts with ``-`` (a leading ``-`` becomes ``_``), so a command line never takes an
    id for an option (``clientportal link revoke ID``)."""
    raw = random_bytes(size)
    if len(raw) != size:
        raise ValueError(
            f"the random source returned {len(raw)} bytes where {size} were asked: "
            "pass a function like secrets.token_bytes"
        )
    text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return "_" + text[1:] if text.startswith("-") else text


def new_code(random_bytes: RandomBytes = secrets.token_bytes) -> str:
    """A one-time code of :data:`CODE_DIGITS` digits, every value equally likely."""
    for _ in range(_CODE_MAX_DRAWS):
        draw = int.from_bytes(random_bytes(4), "big")
        if draw < _CODE_DRAW_LIMIT:
            return f"{draw % _CODE_SPACE:0{CODE_DIGITS}d}"
    raise ValueError(
        f"the random source gave no usable value in {_CODE_MAX_DRAWS} draws: "
        "pass a function like secrets.token_bytes"
    )


def secret_digest(secret: str) -> str:
    """The SHA-256 (hex) a link record keeps of its token's random part, instead of the part."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret(random_bytes: RandomBytes = secrets.token_bytes) -> str:
    """A token's random part: 128 unpredictable bits, URL-safe."""
    return random_id(random_bytes, size=_SECRET_BYTES)
