"""The e-mails the service queues, as outbox messages: who is told what, and where the links go.

:class:`MailSettings` holds the company's side of every e-mail (sender, Message-ID domain, the
people told about client decisions, the portal's base URL, custom templates). The functions here
turn the service's events into :class:`~clientportal.ports.OutboxMessage` values with the builders
of :mod:`clientportal.messages`: approval requests (one per contact and portal), the company's
notices about a client's decision, and one-time access codes. :mod:`clientportal.messages` (and
so Babel) is imported only when an e-mail is built, so importing the service stays light.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

import attrs
from attrs import field, frozen
from attrs import validators as v

from . import _validators as cv
from .access import random_id
from .mail_templates import MailKind, MailTemplate, select_template
from .model import Contact, Employee, Portal, Project, TimeEntry
from .ports import OutboxMessage
from .visibility import PortalEntry

if TYPE_CHECKING:
    from .messages import Mail, Recipient, Sender

__all__ = [
    "MailSettings",
    "access_code_message",
    "approval_request_messages",
    "decision_message",
]

_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
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
            name, address = parseaddr(item)
        else:
            raise TypeError(f"company_recipients must hold e-mail addresses, got {item!r}")
        if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
            raise ValueError(
                f"company_recipients: {item!r} is not an e-mail address "
                "('office@example.com' or 'Office <office@example.com>')"
            )
        parsed.append((str(name), address))
    return tuple(parsed)


@frozen(kw_only=True)
class MailSettings:
    """The company's side of the e-mails, and where the portal lives.

    ``company_recipients`` are told when a client approves or rejects hours (no notice is sent
    when there are none); give addresses as ``"office@example.com"`` or
    ``"Office <office@example.com>"``. Their notices are written in ``company_language``.
    ``base_url`` is where the web layer is mounted: a link's URL is ``base_url + link_path`` and
    the portal's own page (linked from approval requests) ``base_url + portal_path``.
    ``templates`` are the company's own wordings
    (:class:`~clientportal.mail_templates.MailTemplate`). A notice about a decision on many entries
    lists the first ``listed_entries`` of them (its counts and totals cover all).
    """

    sender_name: str = field(validator=cv.non_empty_text)
    sender_address: str = field(validator=cv.email)
    message_id_domain: str = field(validator=_domain)
    base_url: str = field(converter=_base_url, validator=_url)
    company_recipients: tuple[tuple[str, str], ...] = field(default=(), converter=_recipients)
    company_language: str = field(default="en", validator=cv.language)
    link_path: str = field(default="/open/{token}", validator=_path("{token}"))
    portal_path: str = field(default="/portal/{portal_id}", validator=_path("{portal_id}"))
    templates: tuple[MailTemplate, ...] = field(
        default=(),
        converter=cv.to_tuple,
        validator=v.deep_iterable(v.instance_of(MailTemplate)),
    )
    listed_entries: int = field(default=200, validator=[v.instance_of(int), v.ge(1)])

    def link_url(self, token: str) -> str:
        """The URL that opens a link: what to send the contact."""
        return self.base_url + self.link_path.format(token=token)

    def portal_url(self, portal_id: str) -> str:
        """The URL of the portal's own page (the visitor needs a session, or their link)."""
        return self.base_url + self.portal_path.format(portal_id=portal_id)

    def sender(self) -> Sender:
        """The :class:`~clientportal.messages.Sender` of every e-mail."""
        from .messages import Sender

        return Sender(self.sender_name, self.sender_address, self.message_id_domain)

    def recipients(self) -> tuple[Recipient, ...]:
        """The company's recipients as :class:`~clientportal.messages.Recipient` values."""
        from .messages import Recipient

        return tuple(Recipient(name, address) for name, address in self.company_recipients)

    def template(self, kind: MailKind, portal: Portal, language: str) -> MailTemplate | None:
        """The company's template for this e-mail, if it has one."""
        if not self.templates:
            return None
        return select_template(self.templates, kind, portal_id=portal.id, language=language)


def _queued(mail: Mail, now: dt.datetime) -> OutboxMessage:
    return OutboxMessage.of(random_id(), mail.message, created_at=now)


def approval_request_messages(
    settings: MailSettings,
    *,
    portal: Portal,
    contacts: Sequence[Contact],
    entries: Sequence[PortalEntry],
    projects: Iterable[Project],
    submitted_by: str,
    now: dt.datetime,
) -> list[OutboxMessage]:
    """One e-mail per contact asking them to approve ``entries`` (as the portal shows them)."""
    if not entries or not contacts:
        return []
    from .i18n import negotiate_locale
    from .messages import approval_requested

    shown = tuple(projects)
    sender = settings.sender()
    url = settings.portal_url(portal.id)
    messages = []
    for contact in contacts:
        locale = negotiate_locale(
            portal_language=portal.language, contact_language=contact.language
        )
        mail = approval_requested(
            portal=portal,
            contact=contact,
            entries=entries,
            projects=shown,
            submitted_by=submitted_by,
            portal_url=url,
            sender=sender,
            now=now,
            template=settings.template(MailKind.APPROVAL_REQUESTED, portal, str(locale)),
        )
        messages.append(_queued(mail, now))
    return messages


def decision_message(
    settings: MailSettings,
    *,
    portal: Portal,
    contact: Contact,
    entries: Sequence[TimeEntry],
    projects: Iterable[Project],
    employees: Iterable[Employee],
    reason: str | None,
    now: dt.datetime,
) -> OutboxMessage | None:
    """The company's notice that ``contact`` approved (``reason`` ``None``) or rejected
    ``entries``; ``None`` when there is nobody to tell or nothing decided."""
    recipients = settings.recipients()
    if not entries or not recipients:
        return None
    from .messages import entries_approved, entries_rejected

    language = settings.company_language
    kind = MailKind.ENTRIES_APPROVED if reason is None else MailKind.ENTRIES_REJECTED
    sender = settings.sender()
    template = settings.template(kind, portal, language)
    named_projects = tuple(projects)
    named_employees = tuple(employees)
    if reason is None:
        mail = entries_approved(
            portal=portal,
            contact=contact,
            entries=entries,
            projects=named_projects,
            employees=named_employees,
            recipients=recipients,
            sender=sender,
            now=now,
            locale=language,
            template=template,
            max_rows=settings.listed_entries,
        )
    else:
        mail = entries_rejected(
            portal=portal,
            contact=contact,
            entries=entries,
            projects=named_projects,
            employees=named_employees,
            reason=reason,
            recipients=recipients,
            sender=sender,
            now=now,
            locale=language,
            template=template,
            max_rows=settings.listed_entries,
        )
    return _queued(mail, now)


def access_code_message(
    settings: MailSettings,
    *,
    portal: Portal,
    contact: Contact,
    code: str,
    valid_for: dt.timedelta,
    now: dt.datetime,
) -> OutboxMessage:
    """The e-mail that brings ``contact`` their one-time ``code``."""
    from .i18n import negotiate_locale
    from .messages import access_code

    locale = negotiate_locale(portal_language=portal.language, contact_language=contact.language)
    mail = access_code(
        portal=portal,
        contact=contact,
        code=code,
        valid_for=valid_for,
        sender=settings.sender(),
        now=now,
        template=settings.template(MailKind.ACCESS_CODE, portal, str(locale)),
    )
    return _queued(mail, now)
