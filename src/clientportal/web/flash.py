"""One-time messages across a redirect: what a form's POST leaves for the page it redirects to.

Every form of the portal answers its POST with ``303 See Other`` (Post/Redirect/Get), so Back
and reload never send it again. What the next page has to say — how many entries were approved,
or what was wrong and what the visitor had typed — travels in a short-lived cookie, the *flash*:
signed with itsdangerous under the visitor's own CSRF token (so only the browser that posted can
have it shown), sent only to the portal's own pages (its ``Path``), read once by the next page
and deleted by that page's response, so a reload does not show it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, Literal

from attrs import field, frozen
from attrs import validators as v
from itsdangerous import BadData, URLSafeTimedSerializer

from ..i18n import LABELS, PLURAL_LABELS

__all__ = ["FLASH_COOKIE", "FLASH_MAX_AGE", "Flash", "Notice", "dump_flash", "load_flash"]

#: The flash cookie's name (its path is the portal's, so portals side by side keep their own).
FLASH_COOKIE: Final = "cp_flash"
#: Seconds a flash waits for the page it was left for.
FLASH_MAX_AGE: Final = 300
#: The longest cookie value written: a browser keeps about 4 KB of a cookie with its attributes.
MAX_FLASH_BYTES: Final = 3600
_SALT: Final = "clientportal.flash"

Level = Literal["success", "warning", "error"]


def _known_label(instance: object, attribute: object, key: str) -> None:
    if key not in LABELS and key not in PLURAL_LABELS:
        raise ValueError(f"a flash names a page text by its key; {key!r} is none")


@frozen
class Notice:
    """A line at the top of the page: the text ``key`` (plural when it has a ``count``)."""

    key: str = field(validator=[v.instance_of(str), _known_label])
    count: int | None = field(default=None, validator=v.optional(v.instance_of(int)))
    level: Level = field(default="success", validator=v.in_(("success", "warning", "error")))


def _notices(value: Iterable[Notice]) -> tuple[Notice, ...]:
    return tuple(value)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@frozen
class Flash:
    """What a POST leaves for the next page: ``notices`` to show once; an ``error`` (a text key)
    to show where ``focus`` points (a page's own name for the field or row concerned); what the
    visitor ``typed`` there and which entries were ``selected``, to fill the form in again; what
    the visitor may ``undo`` until ``undo_until``."""

    notices: tuple[Notice, ...] = field(default=(), converter=_notices)
    error: str | None = field(default=None, validator=v.optional(_known_label))
    typed: str = field(default="", validator=v.instance_of(str))
    selected: tuple[str, ...] = field(default=(), converter=_strings)
    focus: str | None = field(default=None, validator=v.optional(v.instance_of(str)))
    #: The items (``<kind>:<id>``) of the decision just taken that the visitor may undo, and
    #: until when (ISO 8601, UTC): the approvals page offers "Undo" while that time is ahead.
    undo: tuple[str, ...] = field(default=(), converter=_strings)
    undo_until: str | None = field(default=None, validator=v.optional(v.instance_of(str)))


def _serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=_SALT)


def _payload(flash: Flash) -> dict[str, Any]:
    return {
        "n": [[n.key, n.count, n.level] for n in flash.notices],
        "e": flash.error,
        "t": flash.typed,
        "s": list(flash.selected),
        "f": flash.focus,
        "u": list(flash.undo),
        "uu": flash.undo_until,
    }


def dump_flash(flash: Flash, key: str) -> str:
    """``flash`` as a cookie value signed with ``key``. When it would not fit in a cookie, what
    the visitor typed is shortened, then the selection left out: the message always fits."""
    serializer = _serializer(key)
    payload = _payload(flash)
    value = serializer.dumps(payload)
    while len(value) > MAX_FLASH_BYTES:
        if payload["t"]:
            payload["t"] = payload["t"][: len(payload["t"]) * 3 // 4]
        elif payload["s"]:
            payload["s"] = []
        elif payload["u"]:
            payload["u"], payload["uu"] = [], None
        else:  # notices and an error are a few dozen bytes: only a misuse gets here
            raise ValueError(f"a flash of {len(value)} bytes does not fit in a cookie")
        value = serializer.dumps(payload)
    return value


def load_flash(value: str, key: str) -> Flash | None:
    """The flash of a cookie value signed with ``key`` within :data:`FLASH_MAX_AGE` seconds;
    ``None`` when it is older, forged, of another visitor, or not a flash this version writes."""
    if len(value) > MAX_FLASH_BYTES:
        return None
    try:
        payload = _serializer(key).loads(value, max_age=FLASH_MAX_AGE)
    except BadData:
        return None
    try:
        return Flash(
            notices=[Notice(str(k), c, lvl) for k, c, lvl in payload["n"]],
            error=payload["e"],
            typed=payload["t"],
            selected=[str(s) for s in payload["s"]],
            focus=payload["f"],
            undo=[str(u) for u in payload.get("u", ())],
            undo_until=payload.get("uu"),
        )
    except (KeyError, TypeError, ValueError):
        return None
