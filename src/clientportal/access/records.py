"""The records of access: links, a portal's access state, one-time codes, the access log's events
and the policy of lifetimes and limits.

Attrs values only: whatever decides with them takes the time (``now``) as an argument.
"""

from __future__ import annotations

import datetime as dt
import enum
import hmac
import re
from typing import Any, Final

import attrs
from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from .randomness import secret_digest

__all__ = [
    "OK",
    "AccessAction",
    "AccessEvent",
    "AccessMode",
    "AccessPolicy",
    "Link",
    "LinkStatus",
    "OneTimeCode",
    "PortalAccess",
    "SessionRecord",
]

#: The ``reason`` an :class:`AccessEvent` records when access was granted.
OK: Final = "ok"

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


class AccessMode(enum.Enum):
    """How a portal admits a visitor."""

    #: The link alone opens the portal (as the source product does).
    LINK = "LINK"
    #: The link, then a one-time code e-mailed to the link's contact.
    LINK_AND_CODE = "LINK_AND_CODE"


class LinkStatus(enum.Enum):
    """Whether a link still opens its portal, and if not, why."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    #: All of the portal's links were revoked at once after this one was issued.
    SUPERSEDED = "SUPERSEDED"


def _generation(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{attribute.name} must be a whole number >= 0, got {value!r}")


def _sha256_hex(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _HEX_SHA256.fullmatch(value):
        raise ValueError(f"{attribute.name} must be a SHA-256 hex digest (64 lowercase hex digits)")


def _optional_aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        cv.aware_datetime(instance, attribute, value)


@frozen(kw_only=True)
class Link:
    """One way into one portal: for one contact, or shared when ``contact_id`` is ``None``.

    ``generation`` is the portal's link generation when the link was issued; revoking all of a
    portal's links moves the generation on. ``secret_hash`` is the SHA-256 of the token's random
    part: the token itself is shown once, when the link is issued, and never stored.
    """

    id: str = field(validator=cv.identifier)
    portal_id: str = field(validator=cv.identifier)
    contact_id: str | None = field(default=None, validator=cv.optional_identifier)
    generation: int = field(default=0, validator=_generation)
    secret_hash: str = field(repr=False, validator=_sha256_hex)
    created_at: dt.datetime = field(validator=cv.aware_datetime)
    expires_at: dt.datetime | None = field(default=None, validator=_optional_aware)
    revoked_at: dt.datetime | None = field(default=None, validator=_optional_aware)
    last_used_at: dt.datetime | None = field(default=None, validator=_optional_aware)

    @property
    def shared(self) -> bool:
        """True for a link that names no contact (anybody holding it gets in)."""
        return self.contact_id is None

    def status(self, *, now: dt.datetime, generation: int) -> LinkStatus:
        """The link's status at ``now`` when its portal is at ``generation``.

        Revocation wins over a generation change, which wins over expiry.
        """
        if self.revoked_at is not None and self.revoked_at <= now:
            return LinkStatus.REVOKED
        if self.generation != generation:
            return LinkStatus.SUPERSEDED
        if self.expires_at is not None and now >= self.expires_at:
            return LinkStatus.EXPIRED
        return LinkStatus.ACTIVE

    def matches(self, secret: str) -> bool:
        """True when ``secret`` is this link's token secret (compared in constant time)."""
        return hmac.compare_digest(secret_digest(secret), self.secret_hash)


@frozen(kw_only=True)
class PortalAccess:
    """A portal's access state: its link generation and its :class:`AccessMode`."""

    portal_id: str = field(validator=cv.identifier)
    generation: int = field(default=0, validator=_generation)
    mode: AccessMode = field(default=AccessMode.LINK, validator=v.instance_of(AccessMode))


@frozen(kw_only=True)
class OneTimeCode:
    """A one-time code sent for one link, stored only as a keyed hash (``code_hash``).

    A link has at most one code at a time: a new code replaces the previous one.
    """

    id: str = field(validator=cv.identifier)
    link_id: str = field(validator=cv.identifier)
    code_hash: str = field(repr=False, validator=_sha256_hex)
    created_at: dt.datetime = field(validator=cv.aware_datetime)
    expires_at: dt.datetime = field(validator=cv.aware_datetime)
    attempts: int = field(default=0, validator=_generation)
    used_at: dt.datetime | None = field(default=None, validator=_optional_aware)

    def expired(self, now: dt.datetime) -> bool:
        """True once the code's lifetime is over."""
        return now >= self.expires_at


@frozen(kw_only=True)
class SessionRecord:
    """A session as the store keeps it: the only thing that makes a signed session value good.

    ``id_hash`` is the SHA-256 (:func:`~clientportal.access.secret_digest`) of the session's
    random id: the cookie carries the id, the store only its hash, so neither a database reader
    nor a holder of the signing keys can make a session the store will accept. ``code_verified``
    says whether the one-time code step was passed. ``last_seen_at`` is the last visit (written at
    most about once a minute); ``ended_at`` is set when the visitor signed out.
    """

    id_hash: str = field(repr=False, validator=_sha256_hex)
    link_id: str = field(validator=cv.identifier)
    code_verified: bool = field(validator=v.instance_of(bool))
    created_at: dt.datetime = field(validator=cv.aware_datetime)
    last_seen_at: dt.datetime = field(validator=cv.aware_datetime)
    ended_at: dt.datetime | None = field(default=None, validator=_optional_aware)

    def idle(self, *, now: dt.datetime, timeout: dt.timedelta) -> bool:
        """True once the session has not been used for ``timeout``."""
        return now >= self.last_seen_at + timeout


class AccessAction(enum.Enum):
    """What an :class:`AccessEvent` records."""

    OPEN = "OPEN"
    SESSION = "SESSION"
    CSRF = "CSRF"
    SEND_CODE = "SEND_CODE"
    VERIFY_CODE = "VERIFY_CODE"
    ISSUE = "ISSUE"
    REVOKE = "REVOKE"
    REVOKE_ALL = "REVOKE_ALL"
    SET_MODE = "SET_MODE"
    SIGN_OUT = "SIGN_OUT"


@frozen(kw_only=True)
class AccessEvent:
    """One line of the access log. It never holds a token, session value, code or address.

    ``reason`` is :data:`OK` when access was granted, otherwise the refusal's
    :attr:`~clientportal.AccessDenied.reason`. ``client_hash`` is a keyed hash of the client's
    address: equal addresses give equal hashes, but the address cannot be read back.
    """

    at: dt.datetime = field(validator=cv.aware_datetime)
    action: AccessAction = field(validator=v.instance_of(AccessAction))
    reason: str = field(validator=cv.non_empty_text)
    link_id: str | None = field(default=None, validator=cv.optional_identifier)
    portal_id: str | None = field(default=None, validator=cv.optional_identifier)
    client_hash: str | None = field(default=None, validator=v.optional(v.instance_of(str)))

    @property
    def allowed(self) -> bool:
        """True when the event records a success."""
        return self.reason == OK


def _positive_duration(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.timedelta):
        raise TypeError(f"{attribute.name} must be a datetime.timedelta, got {value!r}")
    if value < dt.timedelta(seconds=1):
        raise ValueError(f"{attribute.name} must be at least one second, got {value}")


def _optional_positive_duration(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is not None:
        _positive_duration(instance, attribute, value)


def _attempts(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
        raise ValueError(f"{attribute.name} must be a whole number from 1 to 100, got {value!r}")


@frozen(kw_only=True)
class AccessPolicy:
    """Lifetimes and limits of access.

    ``session_lifetime`` ends a session however busy it is (30 days, as the source product).
    ``session_idle_timeout`` ends it sooner when it is not used: 7 days by default, so a
    contact who looks in within every week (the rhythm of timesheets and their approval) is not
    sent back to the link, while a cookie left on a shared or lost device stops working a week
    after its last use instead of lasting the whole month.

    ``link_lifetime`` is the expiry of links issued without one: 180 days by default, so a
    forgotten link in an old mailbox stops working by itself within half a year, while a contact
    who uses the portal every month or quarter is not cut off in between (``None``: until
    revoked; an explicit ``expires_at`` always wins). ``pending_lifetime`` bounds the code step:
    from opening a link to entering its code.
    """

    session_lifetime: dt.timedelta = field(
        default=dt.timedelta(days=30), validator=_positive_duration
    )
    session_idle_timeout: dt.timedelta = field(
        default=dt.timedelta(days=7), validator=_positive_duration
    )
    link_lifetime: dt.timedelta | None = field(
        default=dt.timedelta(days=180), validator=_optional_positive_duration
    )
    code_lifetime: dt.timedelta = field(
        default=dt.timedelta(minutes=15), validator=_positive_duration
    )
    code_attempts: int = field(default=5, validator=_attempts)
    pending_lifetime: dt.timedelta = field(
        default=dt.timedelta(hours=1), validator=_positive_duration
    )
