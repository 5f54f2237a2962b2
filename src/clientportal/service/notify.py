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
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from ..access import random_id
from ..errors import NotFound
from ..mail.templates import MailKind
from ..model import Contact, Expense, ItemKind, Portal, Project, TimeEntry, Trip
from ..ports import DataSource, OutboxMessage, OutboxStore, unique_by_id
from ..visibility import Scope, visible_entries, visible_expenses, visible_trips
from .decision_items import DecisionItem, kind_of, shown_to_client
from .events import clients_of
from .mail_links import MailLinks
from .mail_settings import LANDING_PAGES, MailSettings
from .reading import PortalReader

if TYPE_CHECKING:
    from ..mail.messages import Mail
    from .actions import ActionTokens
    from .links import LinkRegister
    from .visits import CodeDelivery

__all__ = ["LANDING_PAGES", "Audience", "MailSettings", "Notifier", "unasked"]

logger = logging.getLogger("clientportal.service")

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
        tokens: ActionTokens | None = None,
    ) -> None:
        self._data = data
        self._reader = reader
        self._portals = portals
        self._outbox = outbox
        self._mail = mail
        self._tokens = tokens

    def __repr__(self) -> str:
        return f"Notifier(mail={self._mail!r})"

    @property
    def mail(self) -> MailSettings:
        """The company's side of the e-mails."""
        return self._mail

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
        return MailLinks(register, self._mail, now=now, tokens=self._tokens)

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
        note: str | None = None,
    ) -> list[OutboxMessage]:
        """One e-mail per contact of each audience, asking them to approve the ``waiting``
        entries, ``expenses`` and ``trips`` their portal shows (:meth:`Audience.shows`), as it
        shows them (V3, V13, V14). Each carries the contact's personal link from ``links``,
        landing on the approvals page, and a one-click action link for those items (with
        ``note``, the staff's word on why they come back)."""
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
            listed = {(ItemKind.ENTRY, x.id) for x in shown}
            listed |= {(ItemKind.EXPENSE, x.id) for x in shown_expenses}
            listed |= {(ItemKind.TRIP, x.id) for x in shown_trips}
            candidates: list[DecisionItem] = [*waiting, *expenses, *trips]
            asked = [i for i in candidates if (kind_of(i), i.id) in listed]
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
                    action_url=links.action_url(portal.id, contact.id, asked, note=note),
                    note=note,
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
        attachment: tuple[str, bytes] | None = None,
    ) -> OutboxMessage | None:
        """The company's notice that ``contact`` approved (``reason`` ``None``) or rejected
        ``entries``, ``expenses`` and ``trips``, each as ``portal`` shows it (its visible
        ``projects``); ``None`` when there is nobody to tell or nothing decided. ``attachment``
        is a PDF (file name, bytes) it carries: the approval's sign-off certificate."""
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
        if attachment is not None:
            filename, pdf = attachment
            mail.message.add_attachment(
                pdf, maintype="application", subtype="pdf", filename=filename
            )
        return _queued(mail, now)

    def company_notice(  # workflow + undo (H2)
        self,
        kind: MailKind,
        build: Callable[..., Mail],
        portal: Portal,
        contact: Contact,
        entries: Sequence[TimeEntry],
        *,
        expenses: Sequence[Expense] = (),
        trips: Sequence[Trip] = (),
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """The company's notice of ``kind`` about what ``contact`` did to ``entries``,
        ``expenses`` and ``trips`` (each as ``portal`` shows it), written by ``build`` (a builder
        with the keywords of :func:`~clientportal.mail.messages.entries_approved`, e.g.
        :func:`~clientportal.mail.undo.entries_undone`) in the company's language with its
        template of ``kind``; ``None`` when there is nobody to tell or nothing shown."""
        recipients = self._mail.recipients()
        if not recipients:
            return None
        projects = self._reader.projects(portal)
        shown = tuple(visible_entries(portal, projects, entries, self._reader.policy))
        shown_expenses = tuple(visible_expenses(portal, projects, expenses))
        shown_trips = tuple(visible_trips(portal, projects, trips))
        if not shown and not shown_expenses and not shown_trips:
            return None
        language = self._mail.company_language
        people = frozenset(
            [e.employee_id for e in shown]
            + [x.employee_id for x in shown_expenses]
            + [x.employee_id for x in shown_trips]
        )
        mail = build(
            portal=portal,
            contact=contact,
            entries=shown,
            expenses=shown_expenses,
            trips=shown_trips,
            projects=projects,
            employees=tuple(self._data.employees(people)),
            recipients=recipients,
            sender=self._mail.sender(),
            now=now,
            locale=language,
            template=self._mail.template(kind, portal, language),
            max_rows=self._mail.listed_entries,
        )
        return _queued(mail, now)


def _queued(mail: Mail, now: dt.datetime) -> OutboxMessage:
    return OutboxMessage.of(random_id(), mail.message, created_at=now, secret=mail.secret)
