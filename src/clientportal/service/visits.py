"""What the access gate hands out: a new session, the result of opening a link, a checked visit,
and a one-time code to deliver."""

from __future__ import annotations

import datetime as dt

from attrs import field, frozen

from ..access import Link
from ..model import Portal

__all__ = ["CodeDelivery", "Opening", "SessionGrant", "Visit"]


@frozen(kw_only=True)
class _ThroughLink:
    """Something that came through a ``link`` to its ``portal``."""

    link: Link
    portal: Portal

    @property
    def contact_id(self) -> str | None:
        """The link's contact (``None`` for a shared link)."""
        return self.link.contact_id


@frozen(kw_only=True)
class SessionGrant(_ThroughLink):
    """A new session: ``value`` goes into an HttpOnly cookie for :attr:`max_age` seconds, and
    ``csrf_token`` into every form that changes something."""

    value: str = field(repr=False)
    csrf_token: str = field(repr=False)
    issued_at: dt.datetime
    expires_at: dt.datetime

    @property
    def max_age(self) -> int:
        """The cookie's lifetime in seconds."""
        return int((self.expires_at - self.issued_at).total_seconds())


@frozen(kw_only=True)
class Opening(_ThroughLink):
    """The result of opening a link.

    With :attr:`AccessMode.LINK` it carries the ``session``. With :attr:`AccessMode.LINK_AND_CODE`
    it carries ``pending`` instead: a signed value for a short-lived cookie that lets the visitor
    ask for (:meth:`~clientportal.service.access.AccessGate.request_code`) and enter
    (:meth:`~clientportal.service.access.AccessGate.verify_code`) the
    link's one-time code.
    """

    session: SessionGrant | None = None
    pending: str | None = field(default=None, repr=False)

    @property
    def needs_code(self) -> bool:
        """True when the visitor must still enter a one-time code."""
        return self.session is None


@frozen(kw_only=True)
class Visit(_ThroughLink):
    """A request with a valid session: who (``link``) is looking at which ``portal``."""

    session_id: str = field(repr=False)
    code_verified: bool
    expires_at: dt.datetime


@frozen(kw_only=True)
class CodeDelivery:
    """A one-time code made for ``contact_id`` (:meth:`AccessGate.new_code
    <clientportal.service.access.AccessGate.new_code>`): the host delivers it; a gate with a
    notifier e-mails it instead and never hands it out."""

    link: Link
    portal: Portal
    contact_id: str
    code: str = field(repr=False)
    expires_at: dt.datetime
