"""The company's e-mails of the reminders, in the company's language:

* :func:`staff_reminder` (``STAFF_REMINDER``) — to the company's approvers: what awaits the
  staff's approval, and since when;
* :func:`auto_approved` (an ``ENTRIES_APPROVED`` e-mail) — to the company's recipients: the
  reminder policy approved items for a client who did not answer in time.

Pure, like :mod:`clientportal.mail.messages`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from attrs import frozen

from ..i18n import LocaleLike, format_date, translator
from ..model import ItemKind, Portal
from .blocks import Block, Note, Paragraph, Table
from .content import Content
from .envelope import Mail, Recipient, Sender, mailbox
from .items import NOTHING, Dated, item_values, listed, period, rich, showing, summary_phrases
from .messages import _build, _check_max_rows
from .reminders import Awaiting, item_blocks, item_ids
from .templates import MailKind, MailTemplate, TemplateValue

__all__ = ["StaffItem", "auto_approved", "staff_reminder"]


@frozen
class StaffItem:
    """One item awaiting the staff's approval, for their digest: its ``kind``, ``id``, date,
    employee and project names, what it is worth (hours, money or distance, written out) and
    since when it waits (``None`` when the store does not know)."""

    kind: ItemKind
    id: str
    date: dt.date
    employee: str
    project: str
    worth: str
    since: dt.datetime | None


def staff_reminder(
    *,
    items: Sequence[StaffItem],
    total: int,
    recipients: Sequence[Recipient],
    sender: Sender,
    now: dt.datetime,
    locale: LocaleLike,
    time_zone: ZoneInfo,
    template: MailTemplate | None = None,
) -> Mail:
    """Tell the company's approvers (``recipients``) that ``total`` items await the staff's
    approval, listing ``items`` (the oldest first), in the company's ``locale``."""
    if not items:
        raise ValueError("a staff reminder needs at least one item awaiting the staff")
    if not recipients:
        raise ValueError("a staff reminder needs at least one recipient at the company")
    t = translator(locale)
    kinds = {
        ItemKind.ENTRY: t.label("hours"),
        ItemKind.EXPENSE: t.gettext("Expense"),
        ItemKind.TRIP: t.gettext("Trip"),
    }
    table = Table(
        columns=(
            t.label("date"),
            t.label("employee"),
            t.label("project"),
            t.gettext("Item"),
            t.gettext("Waiting since"),
        ),
        rows=tuple(
            (
                format_date(i.date, t.locale),
                i.employee,
                i.project,
                f"{kinds[i.kind]}: {i.worth}",
                "–" if i.since is None else format_date(i.since.astimezone(time_zone), t.locale),
            )
            for i in items
        ),
        total=None,
        numeric=frozenset(),
    )
    said = t.gettext(
        "Items awaiting the approval of the staff in the client portal of %(company)s: %(count)s.",
        count=total,
        company=sender.company_name,
    )
    blocks: list[Block] = [
        Paragraph(said),
        table,
        *showing(t, len(items), total),
        Paragraph(t.gettext("Please approve or reject them, so the clients can be asked.")),
        Note(t.gettext("This message was sent automatically by the client portal.")),
    ]
    values: dict[str, TemplateValue] = {
        "company_name": sender.company_name,
        # Sent to the staff about every portal: no one portal or contact to name.
        "portal_name": "",
        "contact_name": "",
        "language": t.language,
        "item_count": total,
        "items_table": rich(table),
    }
    subject = t.gettext("Awaiting the staff's approval: %(count)s", count=total)
    content = Content(subject=subject, blocks=blocks, values=values)
    return _build(
        MailKind.STAFF_REMINDER,
        t,
        content,
        template=template,
        sender=sender,
        to=", ".join(mailbox(r.name, r.address) for r in recipients),
        reply_to=None,
        now=now,
        message_id=None,
        identity=(
            *sorted(r.address for r in recipients),
            *(f"{i.kind.value}:{i.id}" for i in items),
        ),
    )


def auto_approved(
    *,
    portal: Portal,
    awaiting: Awaiting,
    recipients: Sequence[Recipient],
    sender: Sender,
    now: dt.datetime,
    locale: LocaleLike,
    max_rows: int | None = None,
) -> Mail:
    """Tell the company (``recipients``, in its ``locale``) that its reminder policy approved
    ``awaiting`` for the client of ``portal``, because nobody answered in time."""
    if not awaiting.count:
        raise ValueError("an approval by the policy needs at least one entry, expense or trip")
    if not recipients:
        raise ValueError("the notice of an approval by the policy needs a recipient")
    _check_max_rows(max_rows)
    t = translator(locale)
    table, hour_blocks, costs = item_blocks(t, awaiting, max_rows)
    items = listed(t, summary_phrases(t, awaiting.entries, awaiting.expenses, awaiting.trips))
    blocks: list[Block] = [
        Paragraph(
            t.gettext(
                "%(items)s in the portal %(portal)s were approved automatically by the reminder "
                "policy: the client's contacts did not answer in time.",
                items=items,
                portal=portal.name,
            )
        ),
        *hour_blocks,
        *costs.blocks,
        Note(t.gettext("This message was sent automatically by the client portal.")),
    ]
    dated: list[Dated] = [*awaiting.entries, *awaiting.expenses, *awaiting.trips]
    values: dict[str, TemplateValue] = {
        "company_name": sender.company_name,
        "portal_name": portal.name,
        "language": t.language,
        "period": period(dated, t),
        "entries_table": rich(table) if awaiting.entries else NOTHING,
        **item_values(t, awaiting.entries, awaiting.expenses, awaiting.trips, costs),
    }
    subject = t.gettext("Approved by the reminder policy: %(portal)s", portal=portal.name)
    return _build(
        MailKind.ENTRIES_APPROVED,
        t,
        Content(subject=subject, blocks=blocks, values=values),
        template=None,
        sender=sender,
        to=", ".join(mailbox(r.name, r.address) for r in recipients),
        reply_to=None,
        now=now,
        message_id=None,
        identity=("policy", portal.id, *sorted(r.address for r in recipients), *item_ids(awaiting)),
    )
