"""Who is told what, and when: the e-mails the service queues, and where their links go.

:class:`MailSettings` holds the company's side of every e-mail (sender, Message-ID domain, the
people told about client decisions, the portal's base URL, custom templates). :class:`Notifier`
turns what happened into :class:`~clientportal.ports.OutboxMessage` values with the builders of
:mod:`clientportal.mail.messages`: approval requests (one per contact of each portal that lets
its client approve the items, listing the hours, expenses and trips that await them as the portal
shows them), the company's notice about a client's decision (a section per kind of item), and
one-time access codes. Which portal asks about an item is worked out per item (its kind, its
project, the portal's scope); items that await the client though no portal shows them to a contact
are logged as a warning, "nobody was asked", naming each (:meth:`Notifier.warn_unasked`). The
builders (and so Babel) are imported only when an e-mail is built, so importing the service stays
light.

An approval request carries the contact's personal link of its own (see
:mod:`clientportal.service.mail_links`), which lands on the approvals page. The code e-mail
carries no link: it answers a visitor who is already at the code step of a link.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from email.utils import getaddresses
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import attrs
from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from .._segments import encode_segment
from ..access import random_id
from ..errors import NotFound
from ..mail.templates import MailKind, MailTemplate, select_template
from ..model import Contact, Expense, Portal, Project, TimeEntry, Trip
from ..ports import DataSource, OutboxMessage, OutboxStore, unique_by_id
from ..visibility import Scope, visible_entries, visible_expenses, visible_trips
from .decision_items import DecisionItem, kind_of, shown_to_client
from .events import clients_of
from .mail_links import MailLinks
from .reading import PortalReader

if TYPE_CHECKING:
    from ..mail.messages import Mail, Recipient, Sender
    from .links import LinkRegister
    from .visits import CodeDelivery

__all__ = ["LANDING_PAGES", "Audience", "MailSettings", "Notifier", "unasked"]

#: The portal pages a link's URL may ask to land on (``?next=approvals``) once it opened: the
#: web layer lands on the overview for any other value, so ``next`` is never a URL.
LANDING_PAGES: Final = frozenset({"overview", "hours", "invoices", "quotes", "approvals"})

logger = logging.getLogger("clientportal.service")

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
    ``base_url`` is where the web layer is mounted: a link's URL is ``base_url + link_path`` and
    the portal's own page ``base_url + portal_path``. Every e-mail to a contact carries a
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


#: How many items the "nobody was asked" warning names (it counts them all).
_NAMED_UNASKED: Final = 20


@frozen
class Audience:
    """A portal that asks its ``contacts`` to approve the items it shows: of its visible
    ``projects``, by its ``scope`` (V3, V13, V14)."""

    portal: Portal
    contacts: tuple[Contact, ...]
    projects: tuple[Project, ...]
    scope: Scope
    visible_ids: frozenset[str]

    def shows(self, item: DecisionItem) -> bool:
        """Whether the portal shows ``item`` to its client, and so lets them decide on it (the
        rule :class:`~clientportal.service.decision_items.ItemReader` applies to a decision)."""
        return shown_to_client(item, self.scope, self.visible_ids)


def unasked(audiences: Sequence[Audience], items: Iterable[DecisionItem]) -> list[DecisionItem]:
    """The ``items`` none of the ``audiences`` shows: nobody is asked to approve them, and no
    client can (their portals answer not found)."""
    return [i for i in items if not any(a.shows(i) for a in audiences)]


class Notifier:
    """Writes the e-mails of what happened, for the other use cases to queue.

    It reads the host's ``data`` (contacts, employee names) and, through the ``reader``, what
    each of the ``portals`` shows and whether it lets its client approve; the e-mails speak with
    the company's ``mail`` settings. Nothing here decides: it only tells.
    """

    def __init__(
        self,
        *,
        data: DataSource,
        reader: PortalReader,
        portals: Callable[[], Iterable[Portal]],
        outbox: OutboxStore,
        mail: MailSettings,
    ) -> None:
        self._data = data
        self._reader = reader
        self._portals = portals
        self._outbox = outbox
        self._mail = mail

    def __repr__(self) -> str:
        return f"Notifier(mail={self._mail!r})"

    # -- who -------------------------------------------------------------------------------------

    def contact(self, portal: Portal, contact_id: str) -> Contact | None:
        """The portal's contact ``contact_id`` as the DataSource knows them, or ``None`` when it
        no longer lists them among the portal client's contacts."""
        for contact in self._data.contacts(portal.client_id):
            if contact.id == contact_id and contact.client_id == portal.client_id:
                return contact
        return None

    def require_contact(self, portal: Portal, contact_id: str) -> Contact:
        """As :meth:`contact`, but raises :class:`~clientportal.NotFound` for a contact the
        DataSource no longer lists (whom nobody can tell or hear from)."""
        contact = self.contact(portal, contact_id)
        if contact is None:
            raise NotFound(
                f"contact {contact_id!r} of portal {portal.id!r} is not among client "
                f"{portal.client_id!r}'s contacts in the DataSource: add them back or take them "
                "off the portal"
            )
        return contact

    def name_of_staff(self, employee_id: str) -> str:
        """The employee's name, or their id when the DataSource does not know them."""
        for employee in self._data.employees(frozenset({employee_id})):
            if employee.id == employee_id:
                return employee.name
        return employee_id

    # -- access codes ----------------------------------------------------------------------------

    def send_code(
        self, delivery: CodeDelivery, *, valid_for: dt.timedelta, now: dt.datetime
    ) -> None:
        """Queue the e-mail that brings a link's contact their one-time code. Raises
        :class:`~clientportal.NotFound` when the DataSource no longer lists the contact."""
        from ..i18n import negotiate_locale
        from ..mail.messages import access_code

        portal = delivery.portal
        contact = self.require_contact(portal, delivery.contact_id)
        if contact.email is None:
            raise NotFound(
                f"contact {contact.id!r} of portal {portal.id!r} has no e-mail address, so no "
                "code can reach them: give them an address in the DataSource, or let the portal "
                "open by link alone"
            )
        locale = negotiate_locale(
            portal_language=portal.language, contact_language=contact.language
        )
        mail = access_code(
            portal=portal,
            contact=contact,
            code=delivery.code,
            valid_for=valid_for,
            sender=self._mail.sender(),
            now=now,
            template=self._mail.template(MailKind.ACCESS_CODE, portal, str(locale)),
        )
        self._outbox.enqueue([_queued(mail, now)])

    # -- approvals -------------------------------------------------------------------------------

    def audiences(self, items: Iterable[DecisionItem]) -> tuple[Audience, ...]:
        """The active portals with contacts that let their client approve, and show, some of
        ``items`` (time entries, expenses, trips): each with those contacts, its visible
        projects and its scope. :func:`unasked` tells the items none of them shows."""
        items = tuple(items)
        project_ids = frozenset(i.project_id for i in items)
        if not project_ids:
            return ()
        audiences = []
        for portal in self._portals():
            if not portal.active or portal.project_ids.isdisjoint(project_ids):
                continue
            scope = self._reader.scope(portal)
            if not scope.approval:
                continue
            shown = self._reader.projects(portal)
            visible = frozenset(p.id for p in shown)
            if not any(shown_to_client(i, scope, visible) for i in items):
                continue
            contacts = tuple(
                sorted(
                    unique_by_id(
                        c
                        for c in self._data.contacts(portal.client_id)
                        if c.client_id == portal.client_id
                        and c.id in portal.contact_ids
                        and c.email is not None  # a contact without an address is not mailed
                    ),
                    key=lambda c: c.id,
                )
            )
            if contacts:
                audiences.append(Audience(portal, contacts, shown, scope, visible))
        return tuple(audiences)

    def clients_of(self, project_ids: Iterable[str]) -> dict[str, str]:
        """The client of each of ``project_ids`` a portal shows (:func:`.events.clients_of`)."""
        return clients_of(project_ids, self._portals, self._reader.projects)

    def warn_unasked(self, items: Sequence[DecisionItem]) -> None:
        """Log (a warning on the ``clientportal.service`` logger) that ``items`` now await the
        client's approval though no portal shows them to a contact: nobody was asked."""
        if not items:
            return
        named = ", ".join(
            f"{kind_of(i).value} {i.id!r} (project {i.project_id!r})"
            for i in items[:_NAMED_UNASKED]
        )
        more = len(items) - _NAMED_UNASKED
        logger.warning(
            "%d item(s) now await the client's approval, but no active portal with client "
            "approval and contacts shows them: nobody was asked: %s%s",
            len(items),
            named,
            f" and {more} more" if more > 0 else "",
        )

    def mail_links(self, register: LinkRegister, *, now: dt.datetime) -> MailLinks:
        """The personal links of a batch of e-mails written at ``now``, issued by ``register``
        (see :mod:`clientportal.service.mail_links`)."""
        return MailLinks(register, self._mail, now=now)

    def approval_requests(
        self,
        audiences: Sequence[Audience],
        waiting: Sequence[TimeEntry],
        *,
        expenses: Sequence[Expense] = (),
        trips: Sequence[Trip] = (),
        submitted_by: str,
        links: MailLinks,
        now: dt.datetime,
    ) -> list[OutboxMessage]:
        """One e-mail per contact of each audience, asking them to approve the ``waiting``
        entries, ``expenses`` and ``trips`` their portal shows (:meth:`Audience.shows`), as it
        shows them (V3, V13, V14). Each carries the contact's personal link from ``links``,
        landing on the approvals page."""
        from ..i18n import negotiate_locale
        from ..mail.messages import approval_requested

        messages: list[OutboxMessage] = []
        if not waiting and not expenses and not trips:
            return messages
        sender = self._mail.sender()
        for audience in audiences:
            portal = audience.portal
            projects = audience.projects
            shown = tuple(
                visible_entries(
                    portal, projects, [e for e in waiting if audience.shows(e)], self._reader.policy
                )
            )
            shown_expenses = tuple(
                visible_expenses(portal, projects, [x for x in expenses if audience.shows(x)])
            )
            shown_trips = tuple(
                visible_trips(portal, projects, [t for t in trips if audience.shows(t)])
            )
            if not shown and not shown_expenses and not shown_trips:
                continue
            spenders = frozenset(x.employee_id for x in shown_expenses) | frozenset(
                x.employee_id for x in shown_trips
            )
            employees = tuple(self._data.employees(spenders)) if spenders else ()
            for contact in audience.contacts:
                locale = negotiate_locale(
                    portal_language=portal.language, contact_language=contact.language
                )
                mail = approval_requested(
                    portal=portal,
                    contact=contact,
                    entries=shown,
                    expenses=shown_expenses,
                    trips=shown_trips,
                    projects=audience.projects,
                    employees=employees,
                    submitted_by=submitted_by,
                    portal_url=links.url(portal.id, contact.id, page="approvals"),
                    link_valid_for=links.valid_for,
                    sender=sender,
                    now=now,
                    template=self._mail.template(MailKind.APPROVAL_REQUESTED, portal, str(locale)),
                    max_rows=self._mail.listed_entries,
                )
                messages.append(_queued(mail, now))
        return messages

    def decision_notice(
        self,
        portal: Portal,
        contact: Contact,
        entries: Sequence[TimeEntry],
        projects: Iterable[Project],
        *,
        expenses: Sequence[Expense] = (),
        trips: Sequence[Trip] = (),
        reason: str | None,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """The company's notice that ``contact`` approved (``reason`` ``None``) or rejected
        ``entries``, ``expenses`` and ``trips``, each as ``portal`` shows it (its visible
        ``projects``); ``None`` when there is nobody to tell or nothing decided."""
        recipients = self._mail.recipients()
        if not recipients:
            return None
        projects = tuple(projects)
        shown = tuple(visible_entries(portal, projects, entries, self._reader.policy))
        shown_expenses = tuple(visible_expenses(portal, projects, expenses))
        shown_trips = tuple(visible_trips(portal, projects, trips))
        if not shown and not shown_expenses and not shown_trips:
            return None
        from ..mail.messages import entries_approved, entries_rejected

        language = self._mail.company_language
        kind = MailKind.ENTRIES_APPROVED if reason is None else MailKind.ENTRIES_REJECTED
        people = frozenset(
            [e.employee_id for e in shown]
            + [x.employee_id for x in shown_expenses]
            + [x.employee_id for x in shown_trips]
        )
        common: dict[str, Any] = {
            "portal": portal,
            "contact": contact,
            "entries": shown,
            "expenses": shown_expenses,
            "trips": shown_trips,
            "projects": projects,
            "employees": tuple(self._data.employees(people)),
            "recipients": recipients,
            "sender": self._mail.sender(),
            "now": now,
            "locale": language,
            "template": self._mail.template(kind, portal, language),
            "max_rows": self._mail.listed_entries,
        }
        if reason is None:
            mail = entries_approved(**common)
        else:
            mail = entries_rejected(reason=reason, **common)
        return _queued(mail, now)


def _queued(mail: Mail, now: dt.datetime) -> OutboxMessage:
    return OutboxMessage.of(random_id(), mail.message, created_at=now, secret=mail.secret)
