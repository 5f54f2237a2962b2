"""The company's notice that its reminder policy approved items for a client
(:meth:`Approvals.policy_approve <clientportal.service.approvals.Approvals.policy_approve>`),
built with :func:`clientportal.mail.reminders.auto_approved`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..model import Expense, Portal, Project, TimeEntry, Trip
from ..ports import OutboxMessage
from ..visibility import visible_entries, visible_expenses, visible_trips
from .decision_items import DecisionItem
from .notify import Notifier

__all__ = ["auto_approved_notice"]


def auto_approved_notice(
    notifier: Notifier,
    portal: Portal,
    items: Sequence[DecisionItem],
    projects: Sequence[Project],
    *,
    now: dt.datetime,
) -> OutboxMessage | None:
    """The company's notice that the policy approved ``items`` for the client of ``portal``,
    each as the portal shows it (its visible ``projects``); ``None`` when the company has no
    recipients or the portal shows none of them."""
    mail = notifier.mail
    recipients = mail.recipients()
    if not recipients:
        return None
    entries = tuple(
        visible_entries(portal, projects, [i for i in items if isinstance(i, TimeEntry)])
    )
    expenses = tuple(
        visible_expenses(portal, projects, [i for i in items if isinstance(i, Expense)])
    )
    trips = tuple(visible_trips(portal, projects, [i for i in items if isinstance(i, Trip)]))
    if not entries and not expenses and not trips:
        return None
    from ..access import random_id
    from ..mail.items import Named
    from ..mail.reminder_notices import auto_approved
    from ..mail.reminders import Awaiting

    people = sorted(
        {e.employee_id for e in entries}
        | {x.employee_id for x in expenses}
        | {x.employee_id for x in trips}
    )
    employees: list[Named] = [_Employee(p, notifier.name_of_staff(p)) for p in people]
    built = auto_approved(
        portal=portal,
        awaiting=Awaiting(entries, expenses, trips, projects, employees),
        recipients=recipients,
        sender=mail.sender(),
        now=now,
        locale=mail.company_language,
        max_rows=mail.listed_entries,
    )
    return OutboxMessage.of(random_id(), built.message, created_at=now, secret=built.secret)


class _Employee:
    """An employee's id and name, as the e-mail names them."""

    def __init__(self, id: str, name: str) -> None:
        self.id = id
        self.name = name
