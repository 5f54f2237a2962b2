"""The reminder e-mails: what the worker sends when approval requests go unanswered.

Three builders, one per kind (:class:`~clientportal.mail.templates.MailKind`):

* :func:`reminder` (``REMINDER``) — to a contact: a digest of everything that still awaits their
  approval in one portal, with their personal link;
* :func:`escalation` (``REMINDER_ESCALATION``) — to another contact of the client: what the
  asked contact left unanswered, with the recipient's own personal link;
* :func:`auto_approval_warning` (``AUTO_APPROVAL_WARNING``) — to a contact: unless they decide,
  the company's policy approves the items at a given time;

The contact's e-mails are written in the portal's language (else the contact's), list the items
as the portal shows them (``PortalEntry``, ``PortalExpense``, ``PortalTrip``), and carry a
personal link (so the outbox drops their text once sent). The company's own e-mails of the
reminders are in :mod:`clientportal.mail.reminder_notices`. Like
:mod:`clientportal.mail.messages`, the builders are pure and a company's
:class:`~clientportal.mail.templates.MailTemplate` may replace the standard text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from attrs import frozen
from babel.dates import format_date as babel_date
from babel.dates import format_time

from ..i18n import Translator, format_date
from ..model import Contact, Portal
from .blocks import Block, Button, Heading, Note, Paragraph, Table, html_link
from .content import Content, _duration_words, _personal_link_note
from .envelope import Mail, Sender, mailbox
from .items import (
    NOTHING,
    CostSections,
    Dated,
    EntryLike,
    ExpenseLike,
    Named,
    TripLike,
    cost_sections,
    hours,
    item_values,
    listed,
    names,
    period,
    rich,
    showing,
    summary_phrases,
)
from .messages import _address, _build, _check_max_rows, _checked_url, _contact_translator
from .templates import MailKind, MailTemplate, RichValue, TemplateValue

__all__ = [
    "Awaiting",
    "auto_approval_warning",
    "escalation",
    "reminder",
]


@frozen
class Awaiting:
    """What awaits a contact's approval in one portal, as the portal shows it: ``entries``,
    ``expenses``, ``trips``, the visible ``projects`` and the ``employees`` they name."""

    entries: Sequence[EntryLike] = ()
    expenses: Sequence[ExpenseLike] = ()
    trips: Sequence[TripLike] = ()
    projects: Iterable[Named] = ()
    employees: Iterable[Named] = ()

    @property
    def count(self) -> int:
        """How many items await."""
        return len(self.entries) + len(self.expenses) + len(self.trips)


def reminder(
    *,
    portal: Portal,
    contact: Contact,
    awaiting: Awaiting,
    number: int,
    asked_on: dt.date,
    portal_url: str,
    sender: Sender,
    now: dt.datetime,
    link_valid_for: dt.timedelta | None = None,
    template: MailTemplate | None = None,
    max_rows: int | None = None,
) -> Mail:
    """Remind ``contact`` (the ``number``-th time) of everything that still awaits their
    approval in ``portal``, asked first on ``asked_on``; ``portal_url`` is their personal link,
    working for ``link_valid_for``."""
    if number < 1:
        raise ValueError(f"number must be 1 or more (the first reminder is 1), got {number}")
    t = _contact_translator(portal, contact)
    url = _checked_url(portal_url)
    asked = format_date(asked_on, t.locale)
    intro = Paragraph(
        t.gettext(
            "This is a reminder: %(items)s in the portal %(portal)s still await your approval "
            "(asked since %(date)s).",
            items=listed(
                t, summary_phrases(t, awaiting.entries, awaiting.expenses, awaiting.trips)
            ),
            portal=portal.name,
            date=asked,
        )
    )
    subject = t.gettext("Reminder: approval awaited in %(portal)s", portal=portal.name)
    extra: dict[str, TemplateValue] = {"reminder_number": number, "asked_since": asked}
    content = _contact_content(
        t, portal, contact, awaiting, subject, intro, url, link_valid_for, sender, max_rows, extra
    )
    return _to_contact(
        MailKind.REMINDER, t, content, portal, contact, awaiting, template, sender, now
    )


def escalation(
    *,
    portal: Portal,
    contact: Contact,
    asked: Contact,
    awaiting: Awaiting,
    asked_on: dt.date,
    portal_url: str,
    sender: Sender,
    now: dt.datetime,
    link_valid_for: dt.timedelta | None = None,
    template: MailTemplate | None = None,
    max_rows: int | None = None,
) -> Mail:
    """Tell ``contact`` that ``asked`` (another contact of the client) has not answered the
    approval request of ``asked_on`` about ``awaiting``; ``portal_url`` is ``contact``'s own
    personal link, with which they may decide instead."""
    t = _contact_translator(portal, contact)
    url = _checked_url(portal_url)
    day = format_date(asked_on, t.locale)
    intro = Paragraph(
        t.gettext(
            "%(asked)s was asked on %(date)s to approve %(items)s in the portal %(portal)s, and "
            "has not answered yet. You can review and decide on them too:",
            asked=asked.name,
            date=day,
            items=listed(
                t, summary_phrases(t, awaiting.entries, awaiting.expenses, awaiting.trips)
            ),
            portal=portal.name,
        )
    )
    subject = t.gettext("Still unanswered: approval in %(portal)s", portal=portal.name)
    extra: dict[str, TemplateValue] = {"asked_contact": asked.name, "asked_since": day}
    content = _contact_content(
        t, portal, contact, awaiting, subject, intro, url, link_valid_for, sender, max_rows, extra
    )
    return _to_contact(
        MailKind.REMINDER_ESCALATION, t, content, portal, contact, awaiting, template, sender, now
    )


def auto_approval_warning(
    *,
    portal: Portal,
    contact: Contact,
    awaiting: Awaiting,
    approve_at: dt.datetime,
    time_zone: ZoneInfo,
    portal_url: str,
    sender: Sender,
    now: dt.datetime,
    link_valid_for: dt.timedelta | None = None,
    template: MailTemplate | None = None,
    max_rows: int | None = None,
) -> Mail:
    """Warn ``contact`` that ``awaiting`` will be approved on their behalf at ``approve_at``
    (written in ``time_zone``) under the company's policy, unless they approve or reject first."""
    t = _contact_translator(portal, contact)
    url = _checked_url(portal_url)
    when = _moment(approve_at, time_zone, t)
    intro = Paragraph(
        t.gettext(
            "%(items)s in the portal %(portal)s still await your approval. As agreed with "
            "%(company)s, they will be approved automatically on %(when)s unless you approve or "
            "reject them before then.",
            items=listed(
                t, summary_phrases(t, awaiting.entries, awaiting.expenses, awaiting.trips)
            ),
            portal=portal.name,
            company=sender.company_name,
            when=when,
        )
    )
    subject = t.gettext(
        "Approval on %(when)s unless you decide: %(portal)s", when=when, portal=portal.name
    )
    extra: dict[str, TemplateValue] = {"approve_at": when}
    content = _contact_content(
        t, portal, contact, awaiting, subject, intro, url, link_valid_for, sender, max_rows, extra
    )
    return _to_contact(
        MailKind.AUTO_APPROVAL_WARNING, t, content, portal, contact, awaiting, template, sender, now
    )


# --------------------------------------------------------------------------------------------------
# The contact's e-mails


def _contact_content(
    t: Translator,
    portal: Portal,
    contact: Contact,
    awaiting: Awaiting,
    subject: str,
    intro: Paragraph,
    url: str,
    link_valid_for: dt.timedelta | None,
    sender: Sender,
    max_rows: int | None,
    extra: dict[str, TemplateValue],
) -> Content:
    """The body every contact's reminder e-mail shares: greeting, ``intro``, the items, the
    button to the portal, the personal link's note, the signature."""
    if not awaiting.count:
        raise ValueError("a reminder needs at least one entry, expense or trip that awaits")
    _check_max_rows(max_rows)
    if link_valid_for is not None and link_valid_for <= dt.timedelta(0):
        raise ValueError(f"link_valid_for must be positive, got {link_valid_for}")
    table, hour_blocks, costs = item_blocks(t, awaiting, max_rows)
    entries = awaiting.entries
    in_hours = hours(t)
    blocks: list[Block] = [
        Paragraph(t.gettext("Dear %(name)s,", name=contact.name)),
        intro,
        *hour_blocks,
        *costs.blocks,
        Button(t.gettext("Review in the portal"), url),
    ]
    if link_valid_for is not None:
        blocks.append(Paragraph(_personal_link_note(t, link_valid_for)))
    blocks += [
        Paragraph(t.gettext("Kind regards,") + "\n" + sender.company_name),
        Note(
            t.gettext(
                "You receive this e-mail because you are a contact of %(company)s for the "
                "portal %(portal)s.",
                company=sender.company_name,
                portal=portal.name,
            )
        ),
    ]
    items: list[Dated] = [*awaiting.entries, *awaiting.expenses, *awaiting.trips]
    values: dict[str, TemplateValue] = {
        "company_name": sender.company_name,
        "portal_name": portal.name,
        "language": t.language,
        "contact_name": contact.name,
        "portal_url": RichValue(text=url, html=html_link(url)),
        "link_valid_for": "" if link_valid_for is None else _duration_words(t, link_valid_for),
        "entry_count": len(entries),
        "total_hours": in_hours(sum(e.seconds for e in entries)),
        "period": period(items, t),
        "entries_table": rich(table) if entries else NOTHING,
        **item_values(t, awaiting.entries, awaiting.expenses, awaiting.trips, costs),
        **extra,
    }
    return Content(subject=subject, blocks=blocks, values=values)


def item_blocks(
    t: Translator, awaiting: Awaiting, max_rows: int | None
) -> tuple[Table, list[Block], CostSections]:
    """The hours' table (oldest first, the first ``max_rows``) and the expenses' and trips'
    sections of ``awaiting``: the table, the blocks that show it, the cost sections."""
    project_names = names(awaiting.projects)
    employee_names = names(awaiting.employees)
    in_hours = hours(t)
    entries = sorted(awaiting.entries, key=lambda e: (e.date, e.id))
    shown = entries[:max_rows]
    table = Table(
        columns=(
            t.label("date"),
            t.label("employee"),
            t.label("project"),
            t.label("hours"),
            t.label("description"),
        ),
        rows=tuple(
            (
                format_date(e.date, t.locale),
                employee_names.get(e.employee_id, e.employee_id),
                project_names.get(e.project_id, e.project_id),
                in_hours(e.seconds),
                e.description or "–",
            )
            for e in shown
        ),
        total=(t.label("total"), "", "", in_hours(sum(e.seconds for e in entries)), ""),
        numeric=frozenset({3}),
    )
    costs = cost_sections(
        t,
        awaiting.expenses,
        awaiting.trips,
        projects=project_names,
        employees=employee_names,
        max_rows=max_rows,
    )
    hour_blocks: list[Block] = []
    if entries:
        hour_blocks = [Heading(t.label("hours")), table, *showing(t, len(shown), len(entries))]
    return table, hour_blocks, costs


def _to_contact(
    kind: MailKind,
    t: Translator,
    content: Content,
    portal: Portal,
    contact: Contact,
    awaiting: Awaiting,
    template: MailTemplate | None,
    sender: Sender,
    now: dt.datetime,
) -> Mail:
    return _build(
        kind,
        t,
        content,
        template=template,
        sender=sender,
        to=mailbox(contact.name, _address(contact)),
        reply_to=None,
        now=now,
        message_id=None,
        identity=(portal.id, contact.id, *item_ids(awaiting)),
    )


def item_ids(awaiting: Awaiting) -> tuple[str, ...]:
    """What tells the items of an e-mail apart in its Message-ID."""
    return (
        *sorted(e.id for e in awaiting.entries),
        *sorted(f"expense:{x.id}" for x in awaiting.expenses),
        *sorted(f"trip:{x.id}" for x in awaiting.trips),
    )


def _moment(at: dt.datetime, zone: ZoneInfo, t: Translator) -> str:
    """``at`` as the clock in ``zone`` shows it, in ``t``'s language, naming the zone:
    ``10 maart 2026 09:00 (Europe/Amsterdam)``."""
    local = at.astimezone(zone)
    day = babel_date(local.date(), format="long", locale=t.locale)
    return f"{day} {format_time(local, format='short', locale=t.locale)} ({zone.key})"
