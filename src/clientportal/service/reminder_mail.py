"""How the reminders' e-mails to contacts are written and stored once: the items as the portal
shows them, the company's template, the event, and :meth:`ReminderMail.send`, which gives each
e-mail its contact's new personal link and stores the batch under its once-only key
(:meth:`~clientportal.ports.RequestStore.send_once`). Used by
:mod:`clientportal.service.reminders` and :mod:`clientportal.service.staff_reminders`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ..model import Contact, Expense, Portal, TimeEntry, Trip
from ..ports import DataSource, NewEvent, OutboxMessage, Store
from ..visibility import visible_entries, visible_expenses, visible_trips
from .decision_items import DecisionItem, kind_of
from .links import LinkRegister
from .notify import Notifier
from .reading import PortalReader

if TYPE_CHECKING:
    from ..mail.envelope import Mail
    from ..mail.reminders import Awaiting
    from ..mail.templates import MailKind, MailTemplate

__all__ = ["Build", "ReminderMail", "queued", "refs"]

logger = logging.getLogger("clientportal.reminders")

#: Writes a contact's e-mails given the URL of their personal link.
Build = Callable[[str], list[OutboxMessage]]


def queued(mail: Mail, now: dt.datetime) -> OutboxMessage:
    """``mail`` as an outbox message written at ``now``."""
    from ..access import random_id

    return OutboxMessage.of(random_id(), mail.message, created_at=now, secret=mail.secret)


def refs(items: Iterable[DecisionItem]) -> list[dict[str, str]]:
    """The items as an event names them: ``[{"kind": "entry", "id": "w1"}, ...]``."""
    return [{"kind": kind_of(i).value, "id": i.id} for i in items]


class ReminderMail:
    """Writes and stores the reminders' e-mails to contacts (see the module's docstring)."""

    def __init__(
        self,
        *,
        data: DataSource,
        store: Store,
        reader: PortalReader,
        notifier: Notifier,
        links: LinkRegister,
    ) -> None:
        self._data = data
        self._store = store
        self._reader = reader
        self._notifier = notifier
        self._links = links

    def __repr__(self) -> str:
        return "ReminderMail()"

    def shown(self, portal: Portal, items: Sequence[DecisionItem]) -> Awaiting:
        """``items`` as ``portal`` shows them, with its projects and their employees named."""
        from ..mail.reminders import Awaiting

        projects = self._reader.projects(portal)
        entries = tuple(
            visible_entries(
                portal,
                projects,
                [i for i in items if isinstance(i, TimeEntry)],
                self._reader.policy,
            )
        )
        expenses = tuple(
            visible_expenses(portal, projects, [i for i in items if isinstance(i, Expense)])
        )
        trips = tuple(visible_trips(portal, projects, [i for i in items if isinstance(i, Trip)]))
        people = frozenset(
            [e.employee_id for e in entries]
            + [x.employee_id for x in expenses]
            + [x.employee_id for x in trips]
        )
        employees = tuple(self._data.employees(people)) if people else ()
        return Awaiting(entries, expenses, trips, projects, employees)

    def template(self, kind: MailKind, portal: Portal, contact: Contact) -> MailTemplate | None:
        """The company's template for a ``kind`` e-mail to ``contact`` of ``portal``, if any."""
        from ..i18n import negotiate_locale

        locale = negotiate_locale(
            portal_language=portal.language, contact_language=contact.language
        )
        return self._notifier.mail.template(kind, portal, str(locale))

    def contacts(self, portal: Portal, ids: Sequence[str], *, asked: Contact) -> list[Contact]:
        """The contacts ``ids`` of ``portal`` to escalate ``asked``'s request to: those with an
        e-mail address on the portal (the others are logged and left out), never ``asked``."""
        found = []
        for contact_id in ids:
            if contact_id == asked.id:
                continue
            contact = self._notifier.contact(portal, contact_id)
            if contact is None or contact.email is None or contact_id not in portal.contact_ids:
                logger.warning(
                    "escalate_to names contact %s, who is not a contact with an e-mail address "
                    "on portal %s: not escalated to them (add them to the portal)",
                    contact_id,
                    portal.id,
                )
                continue
            found.append(contact)
        return found

    @staticmethod
    def event(type: str, portal: Portal, now: dt.datetime, **data: object) -> NewEvent:
        """The event of a reminder e-mail of ``portal``."""
        return NewEvent(
            type=type, occurred_at=now, portal_id=portal.id, client_id=portal.client_id, data=data
        )

    def send(
        self,
        key: str,
        portal: Portal,
        builders: Sequence[tuple[Contact, Build]],
        event: NewEvent,
        now: dt.datetime,
    ) -> bool:
        """Send each contact's e-mails, with their new personal link, and ``event`` under
        ``key``, at most once whatever the number of workers: True when this call sent them.

        The key is claimed first (:meth:`~clientportal.ports.RequestStore.send_once` with
        nothing else), so a worker that finds it taken issues no link and writes nothing; the
        claimant then issues the links and stores the e-mails and the event in one transaction.
        A claimant that fails in between loses that e-mail (the error is raised and logged by
        the caller): a reminder is never sent twice, rather not at all."""
        if not self._store.send_once(key, at=now):
            return False
        links = self._notifier.mail_links(self._links, now=now)
        links.start()
        stored = False
        try:
            outbox = [
                message
                for contact, build in builders
                for message in build(links.url(portal.id, contact.id, page="approvals"))
            ]
            self._store.apply_changes([], outbox, [event])
            stored = True
        finally:
            links.settle(stored=stored)
        return True
