"""Secret keys: the one rule a signing key must meet, and the list of keys a host gives.

A key must be at least :data:`MIN_KEY_BYTES` long *and* hard to guess: a key of 16 spaces, one
letter repeated, a run such as ``0123456789abcdef`` or a short pattern repeated is refused, and so
is a placeholder copied from documentation (``change-me``, ``your-secret-key-here``…). The
estimate is deliberately simple and generous (it cannot tell a pass phrase from a random string);
what it catches are the keys nobody meant to deploy. Errors name the key by its position, never
show it, and say what to use instead: ``secrets.token_urlsafe(32)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TypeAlias

from ..errors import ConfigError

__all__ = [
    "MIN_KEY_BITS",
    "MIN_KEY_BYTES",
    "MIN_KEY_CHARACTERS",
    "SecretKeys",
    "check_secret_keys",
    "estimated_bits",
    "key_problem",
]

#: Secret keys as given by a host: one key, or a sequence of keys ordered oldest → newest.
SecretKeys: TypeAlias = str | bytes | Sequence[str | bytes]

#: The shortest key accepted, in bytes (UTF-8 for a ``str``).
MIN_KEY_BYTES = 16
#: The fewest different characters a key may hold.
MIN_KEY_CHARACTERS = 8
#: The least estimated entropy, in bits (16 random URL-safe characters carry 96,
#: estimated at 65 or more).
MIN_KEY_BITS = 56

_ADVICE = "generate one with secrets.token_urlsafe(32) and keep it out of version control"

#: Phrases that mark a placeholder wherever they stand in a key (compared without case,
#: spaces, dashes, dots and underscores): those of this project's documentation and the usual ones.
_PLACEHOLDER_PHRASES = (
    "changeme",
    "replaceme",
    "yoursecret",
    "yourkey",
    "secretkeyhere",
    "keygoeshere",
    "insertkey",
    "insertsecret",
    "longrandomsecret",
    "randomsecretfrom",
    "supersecret",
    "placeholder",
    "notasecret",
    "notsecret",
    "dontuseinproduction",
    "donotuseinproduction",
)
#: Keys that are placeholders as a whole (normalised the same way).
_PLACEHOLDER_KEYS = frozenset(
    {
        "secret",
        "secretkey",
        "mysecretkey",
        "mysecret",
        "password",
        "passwordpassword",
        "default",
        "defaultsecretkey",
        "testsecretkey",
        "development",
        "developmentsecretkey",
        "flasksecretkey",
        "djangosecretkey",
        "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiopasdfghjklzxcvbnm",
    }
)
_SEPARATORS = re.compile(r"[\s_.\-]+")
_PERIODS = range(2, 9)


def check_secret_keys(secret_keys: SecretKeys) -> list[bytes]:
    """The keys as bytes, oldest first; :class:`~clientportal.ConfigError` naming every key
    that is not a ``str`` or ``bytes``, too short, guessable or a placeholder."""
    given: Sequence[str | bytes]
    given = [secret_keys] if isinstance(secret_keys, str | bytes) else secret_keys
    keys: list[bytes] = []
    problems: list[str] = []
    for number, key in enumerate(given, start=1):
        where = f"secret key {number} of {len(given)} (oldest first)"
        if not isinstance(key, str | bytes):
            problems.append(f"{where} is a {type(key).__name__}: give str or bytes; {_ADVICE}")
            continue
        problem = key_problem(key)
        if problem is not None:
            problems.append(f"{where} {problem}: {_ADVICE}")
        keys.append(key.encode("utf-8") if isinstance(key, str) else key)
    if not given:
        problems.append(f"no secret key given: pass at least one; {_ADVICE}")
    if problems:
        raise ConfigError(problems, subject="the list of secret keys")
    return keys


def key_problem(key: str | bytes) -> str | None:
    """What makes ``key`` unfit to sign with (without quoting it), or ``None`` when it is fit."""
    raw = key.encode("utf-8") if isinstance(key, str) else key
    if len(raw) < MIN_KEY_BYTES:
        return f"has {len(raw)} bytes: use at least {MIN_KEY_BYTES} random bytes"
    text = key if isinstance(key, str) else raw.decode("latin-1")
    if _is_placeholder(text):
        return "is a placeholder from an example, not a secret"
    distinct = len(set(text))
    if distinct < MIN_KEY_CHARACTERS:
        return (
            f"has only {distinct} different characters: a key needs at least "
            f"{MIN_KEY_CHARACTERS}, and should be random"
        )
    bits = estimated_bits(text)
    if bits < MIN_KEY_BITS:
        return (
            f"is easy to guess (a run, a repeated pattern or too few random characters: about "
            f"{bits:.0f} bits, at least {MIN_KEY_BITS} needed)"
        )
    return None


def _is_placeholder(text: str) -> bool:
    folded = _SEPARATORS.sub("", text.casefold())
    return folded in _PLACEHOLDER_KEYS or any(p in folded for p in _PLACEHOLDER_PHRASES)


def estimated_bits(text: str) -> float:
    """A simple guess of the entropy of ``text``, in bits: each character that is not predictable
    from the ones before it (a repeat of the last one, a run such as ``abc`` going on, the
    continuation of a short repeated pattern) counts the bits of the character classes used."""
    surprising = sum(1 for i in range(len(text)) if not _predictable(text, i))
    return surprising * math.log2(_pool(text))


def _predictable(text: str, i: int) -> bool:
    if i == 0:
        return False
    step = ord(text[i]) - ord(text[i - 1])
    if step == 0 or (step in (-1, 1) and i >= 2 and ord(text[i - 1]) - ord(text[i - 2]) == step):
        return True  # a repeat, or a run (abc, 321) going on
    # The character continues a pattern of length p that already repeated once before.
    return any(
        i >= 2 * p - 1 and text[i] == text[i - p] and text[i - 1] == text[i - 1 - p]
        for p in _PERIODS
    )


def _pool(text: str) -> int:
    """How many characters the classes found in ``text`` hold together."""
    pool = 0
    if any(c.islower() and c.isascii() for c in text):
        pool += 26
    if any(c.isupper() and c.isascii() for c in text):
        pool += 26
    if any(c.isdigit() and c.isascii() for c in text):
        pool += 10
    if any(c.isascii() and not c.isalnum() for c in text):
        pool += 33
    if any(not c.isascii() for c in text):
        pool += 128
    return max(pool, 2)
