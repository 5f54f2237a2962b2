"""The staff's digest: the items awaiting the staff's approval (``PENDING_INTERNAL``), e-mailed to
the company policy's ``staff_recipients`` in the morning, at most once a day
(``staff-reminder:<local day>``), first ``staff_after`` an item started waiting and then every
``staff_every`` while it waits (:func:`clientportal.reminders.staff_due`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..model import ApprovalStatus, Expense, TimeEntry
from ..ports import DataSource, NewEvent, Store
from ..ports.events import STAFF_REMINDER_SENT
from ..reminders import ReminderPolicy, local_day, staff_due
from .decision_items import DecisionItem, ItemKey, ItemReader
from .notify import MailSettings
from .reading import PortalReader
from .reminder_mail import queued

__all__ = ["StaffDigest"]

#: How many items a staff digest lists at most (it counts them all).
STAFF_LISTED = 200


class StaffDigest:
    """Sends the staff's digest of ``store``'s items awaiting them, named from ``data`` (the
    projects' names as the portals read them through ``reader``), with the company's ``mail``
    settings."""

    def __init__(
        self, *, data: DataSource, store: Store, reader: PortalReader, mail: MailSettings
    ) -> None:
        self._data = data
        self._store = store
        self._reader = reader
        self._items = ItemReader(data, reader)
        self._mail = mail

    def __repr__(self) -> str:
        return "StaffDigest()"

    def run(self, policy: ReminderPolicy, now: dt.datetime) -> bool:
        """Send the digest due at ``now`` under ``policy``, once; True when this call sent it."""
        if not policy.staff_recipients:
            return False
        waiting = self._store.items_in_status(ApprovalStatus.PENDING_INTERNAL)
        since = [at for _, _, at in waiting if at is not None]
        if not waiting or not staff_due(policy, since, now):
            return False
        from ..mail.messages import Recipient
        from ..mail.reminder_notices import StaffItem, staff_reminder
        from ..mail.templates import MailKind, select_template

        listed = waiting[:STAFF_LISTED]
        keys: tuple[ItemKey, ...] = tuple((kind, item_id) for kind, item_id, _ in listed)
        read = self._items.read(keys, None)
        when = {(kind, item_id): at for kind, item_id, at in listed}
        language = self._mail.company_language
        names = self._names(read.values())
        projects = self._project_names(read.values())
        rows = [
            StaffItem(
                kind=key[0],
                id=key[1],
                date=item.date,
                employee=names.get(item.employee_id, item.employee_id),
                project=projects.get(item.project_id, item.project_id),
                worth=_worth(item, language),
                since=when[key],
            )
            for key in keys
            if (item := read.get(key)) is not None
        ]
        if not rows:
            return False
        recipients = tuple(Recipient(name, address) for name, address in policy.staff_addresses)
        mail = staff_reminder(
            items=rows,
            total=len(waiting),
            recipients=recipients,
            sender=self._mail.sender(),
            now=now,
            locale=language,
            time_zone=policy.zone,
            template=select_template(
                self._mail.templates, MailKind.STAFF_REMINDER, portal_id="", language=language
            ),
        )
        event = NewEvent(
            type=STAFF_REMINDER_SENT,
            occurred_at=now,
            data={
                "recipients": [r.address for r in recipients],
                "items": [{"kind": row.kind.value, "id": row.id} for row in rows],
                "count": len(waiting),
            },
        )
        key = f"staff-reminder:{local_day(now, policy).isoformat()}"
        return self._store.send_once(key, at=now, outbox=[queued(mail, now)], events=[event])

    def _names(self, items: Iterable[DecisionItem]) -> dict[str, str]:
        ids = frozenset(i.employee_id for i in items)
        return {e.id: e.name for e in self._data.employees(ids)} if ids else {}

    def _project_names(self, items: Iterable[DecisionItem]) -> dict[str, str]:
        """The names of the items' projects, as the portals that show them read them."""
        wanted = frozenset(i.project_id for i in items)
        found: dict[str, str] = {}
        for portal in self._store.list_portals():
            if portal.project_ids.isdisjoint(wanted):
                continue
            found.update((p.id, p.name) for p in self._reader.projects(portal) if p.id in wanted)
        return found


def _worth(item: DecisionItem, language: str) -> str:
    """What ``item`` is worth, written for the staff: hours, an amount, a distance."""
    from ..i18n import format_hours, format_money, format_number

    if isinstance(item, TimeEntry):
        return format_hours(item.seconds, language)
    if isinstance(item, Expense):
        return format_money(item.amount, item.currency, language)
    return f"{format_number(item.distance, language)} km"
