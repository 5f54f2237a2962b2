"""The company's side of the e-mails, and where the portal lives: :class:`MailSettings`.

Every e-mail the service writes speaks with these settings: who sends it, under which Message-ID
domain, who in the company is told of a client's decision, and the URLs its links open (the
portal's own pages, a personal link, a one-click action link).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from email.utils import getaddresses
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import attrs
from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from .._segments import encode_segment
from ..mail.templates import MailKind, MailTemplate, select_template
from ..model import Portal

if TYPE_CHECKING:
    from ..mail.messages import Recipient, Sender

__all__ = ["LANDING_PAGES", "MailSettings"]

#: The portal pages a link's URL may ask to land on (``?next=approvals``) once it opened: the
#: web layer lands on the overview for any other value, so ``next`` is never a URL.
LANDING_PAGES: Final = frozenset({"overview", "hours", "invoices", "quotes", "approvals"})


_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_URL = re.compile(r"https?://[^\s/?#]+(?:/[^\s?#]*)?", re.IGNORECASE)


def _domain(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _DOMAIN.fullmatch(value) or "." not in value:
        raise ValueError(
            f"{attribute.name} must be a domain name such as 'portal.example.com', got {value!r}"
        )


def _base_url(value: object) -> object:
    return value.rstrip("/") if isinstance(value, str) else value


def _url(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _URL.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be an http(s) URL without query or fragment, such as "
            f"'https://portal.example.com', got {value!r}"
        )


def _path(placeholder: str) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or not value.startswith("/") or placeholder not in value:
            raise ValueError(
                f"{attribute.name} must be a path starting with '/' that contains {placeholder}, "
                f"got {value!r}"
            )

    return check


def _recipients(value: object) -> tuple[tuple[str, str], ...]:
    """Addresses as ``"a@b.example"`` or ``"Name <a@b.example>"``, parsed to (name, address)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        raise TypeError(f"company_recipients must be a list of e-mail addresses, got {value!r}")
    parsed: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, tuple) and len(item) == 2:
            name, address = item
        elif isinstance(item, str):
            pairs = getaddresses([item])  # several addresses in one item are refused below
            name, address = pairs[0] if len(pairs) == 1 else ("", "")
        else:
            raise TypeError(f"company_recipients must hold e-mail addresses, got {item!r}")
        if cv.email_problem(address) is not None:
            raise ValueError(
                f"company_recipients: {item!r} is not an e-mail address "
                "('office@example.com' or 'Office <office@example.com>')"
            )
        parsed.append((str(name), address))
    return tuple(parsed)


@frozen(kw_only=True)
class MailSettings:
    """The company's side of the e-mails, and where the portal lives.

    ``company_recipients`` are told when a client approves or rejects items (no notice is sent
    when there are none); give addresses as ``"office@example.com"`` or
    ``"Office <office@example.com>"``. Their notices are written in ``company_language``.
    ``base_url`` is where the web layer is mounted: a link's URL is ``base_url + link_path``,
    the portal's own page ``base_url + portal_path``, and a one-click action link's
    ``base_url + action_path``. Every e-mail to a contact carries a
    personal link of its own that works for ``email_link_days`` (30 by default).
    ``templates`` are the company's own wordings
    (:class:`~clientportal.mail.templates.MailTemplate`). A notice about a decision on many items
    lists the first ``listed_entries`` of each kind (its counts and totals cover all), and so
    does an approval request its expenses and trips.
    ``company_name`` is the company the texts name ("a contact of Pixel & Co", the sign-off);
    by default the ``sender_name``.
    """

    sender_name: str = field(validator=cv.non_empty_text)
    sender_address: str = field(validator=cv.email)
    message_id_domain: str = field(validator=_domain)
    base_url: str = field(converter=_base_url, validator=_url)
    company_recipients: tuple[tuple[str, str], ...] = field(default=(), converter=_recipients)
    company_language: str = field(default="en", validator=cv.language)
    link_path: str = field(default="/open/{token}", validator=_path("{token}"))
    portal_path: str = field(default="/portal/{portal_id}", validator=_path("{portal_id}"))
    action_path: str = field(default="/act/{token}", validator=_path("{token}"))
    templates: tuple[MailTemplate, ...] = field(
        default=(),
        converter=cv.to_tuple,
        validator=v.deep_iterable(v.instance_of(MailTemplate)),
    )
    listed_entries: int = field(default=200, validator=[v.instance_of(int), v.ge(1)])
    company_name: str | None = field(default=None, validator=v.optional(cv.non_empty_text))
    email_link_days: int = field(default=30, validator=[v.instance_of(int), v.ge(1), v.le(366)])

    @property
    def email_link_lifetime(self) -> dt.timedelta:
        """How long the personal link in an e-mail to a contact works."""
        return dt.timedelta(days=self.email_link_days)

    def link_url(self, token: str, *, page: str | None = None) -> str:
        """The URL that opens a link: what to send the contact. With ``page`` (one of
        :data:`LANDING_PAGES`) the visitor lands on that page of the portal once it opened."""
        url = self.base_url + self.link_path.format(token=token)
        if page is None:
            return url
        if page not in LANDING_PAGES:
            raise ValueError(
                f"page must be one of {', '.join(sorted(LANDING_PAGES))}, got {page!r}"
            )
        return url + ("&" if "?" in url else "?") + urlencode({"next": page})

    def action_url(self, token: str) -> str:
        """The URL of a one-click action link (``base_url + action_path``): a page that shows
        what an approval request asks and decides only when its form is sent."""
        return self.base_url + self.action_path.format(token=token)

    def portal_url(self, portal_id: str) -> str:
        """The URL of the portal's own page (the visitor needs a session, or their link)."""
        return self.base_url + self.portal_path.format(portal_id=encode_segment(portal_id))

    def sender(self) -> Sender:
        """The :class:`~clientportal.mail.messages.Sender` of every e-mail."""
        from ..mail.messages import Sender

        return Sender(
            self.sender_name, self.sender_address, self.message_id_domain, self.company_name
        )

    def recipients(self) -> tuple[Recipient, ...]:
        """The company's recipients as :class:`~clientportal.mail.messages.Recipient` values."""
        from ..mail.messages import Recipient

        return tuple(Recipient(name, address) for name, address in self.company_recipients)

    def template(self, kind: MailKind, portal: Portal, language: str) -> MailTemplate | None:
        """The company's template for this e-mail, if it has one."""
        if not self.templates:
            return None
        return select_template(self.templates, kind, portal_id=portal.id, language=language)
