"""The company's notice that a client contact took back (undid) their decision in the portal.

An undo is never silent: :func:`entries_undone` tells the company, in its language, which items
(time entries, expenses, trips, listed as the portal showed them) a contact took their approval
or rejection back on, and that they await the client's decision again. Replies go to the
contact. A company's own :class:`~clientportal.mail.templates.MailTemplate` of kind
``ENTRIES_UNDONE`` may word it (its variables are those of the approval notice:
:data:`~clientportal.mail.templates.TEMPLATE_VARIABLES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from ..i18n import LocaleLike, Translator, translator
from ..model import Contact, Portal
from .blocks import Block, Heading, Note, Paragraph
from .content import Content
from .envelope import Mail, Recipient, Sender, mailbox
from .items import (
    NOTHING,
    EntryLike,
    ExpenseLike,
    Named,
    TripLike,
    cost_sections,
    count_phrases,
    entry_table,
    hours,
    item_values,
    listed,
    names,
    rich,
    showing,
)
from .items import period as items_period
from .messages import _build, _check_max_rows, _item_ids
from .templates import MailKind, MailTemplate, TemplateValue

__all__ = ["entries_undone", "entries_undone_content"]


def entries_undone(
    *,
    portal: Portal,
    contact: Contact,
    entries: Sequence[EntryLike],
    projects: Iterable[Named],
    employees: Iterable[Named],
    recipients: Sequence[Recipient],
    sender: Sender,
    now: dt.datetime,
    locale: LocaleLike,
    template: MailTemplate | None = None,
    message_id: str | None = None,
    max_rows: int | None = None,
    expenses: Sequence[ExpenseLike] = (),
    trips: Sequence[TripLike] = (),
) -> Mail:
    """Tell the company that ``contact`` took back their decision on ``entries``, ``expenses``
    and ``trips`` (any may be empty, not all), in the company's ``locale``.

    A section per kind lists its items as the portal showed them; ``max_rows`` lists only the
    first (oldest) of each kind with a note how many there are (counts and totals cover all);
    ``None`` lists every item. Raises :class:`ValueError` without items or recipients.
    """
    if not entries and not expenses and not trips:
        raise ValueError("an entries_undone e-mail needs at least one entry, expense or trip")
    _check_max_rows(max_rows)
    if not recipients:
        raise ValueError("an entries_undone e-mail needs at least one recipient at the company")
    t = translator(locale)
    content = entries_undone_content(
        t,
        portal=portal,
        contact=contact,
        entries=entries,
        projects=projects,
        employees=employees,
        sender=sender,
        max_rows=max_rows,
        expenses=expenses,
        trips=trips,
    )
    return _build(
        MailKind.ENTRIES_UNDONE,
        t,
        content,
        template=template,
        sender=sender,
        to=", ".join(mailbox(r.name, r.address) for r in recipients),
        reply_to=None if contact.email is None else mailbox(contact.name, contact.email),
        now=now,
        message_id=message_id,
        identity=(
            "undone",
            portal.id,
            contact.id,
            *sorted(r.address for r in recipients),
            *_item_ids(entries, expenses, trips),
        ),
    )


def entries_undone_content(
    t: Translator,
    *,
    portal: Portal,
    contact: Contact,
    entries: Sequence[EntryLike],
    projects: Iterable[Named],
    employees: Iterable[Named],
    sender: Sender,
    max_rows: int | None,
    expenses: Sequence[ExpenseLike] = (),
    trips: Sequence[TripLike] = (),
) -> Content:
    """The notice's subject, blocks and template values (see :func:`entries_undone`)."""
    project_names = names(projects)
    employee_names = names(employees)
    rows, table = entry_table(t, entries, project_names, employee_names, max_rows)
    tables = cost_sections(
        t, expenses, trips, projects=project_names, employees=employee_names, max_rows=max_rows
    )
    sections: list[Block] = []
    if entries:
        sections += [Heading(t.label("hours"))] if (expenses or trips) else []
        sections += [table, *showing(t, len(rows), len(entries))]
    sections += tables.blocks
    items = listed(t, count_phrases(t, entries, expenses, trips))
    fill = {"contact": contact.name, "portal": portal.name, "items": items}
    subject = t.gettext("%(contact)s took back their decision on %(items)s: %(portal)s", **fill)
    said = t.gettext(
        "%(contact)s (%(email)s) took back their approval or rejection of %(items)s in the "
        "portal %(portal)s, within the time the portal allows for undoing a decision.",
        email=contact.email or t.gettext("no e-mail address"),
        **fill,
    )
    next_step = t.gettext(
        "The items await the client's decision again: do not invoice them until %(contact)s "
        "has decided.",
        contact=contact.name,
    )
    blocks: list[Block] = [
        Paragraph(said),
        *sections,
        Paragraph(next_step),
        Note(t.gettext("This message was sent automatically by the client portal.")),
    ]
    values: dict[str, TemplateValue] = {
        "company_name": sender.company_name,
        "portal_name": portal.name,
        "language": t.language,
        "contact_name": contact.name,
        "contact_email": contact.email or "",
        "entry_count": len(entries),
        "total_hours": hours(t)(sum(e.seconds for e in entries)),
        "period": items_period([*entries, *expenses, *trips], t),
        "entries_table": rich(table) if entries else NOTHING,
        "entries": rows,
        **item_values(t, entries, expenses, trips, tables),
    }
    return Content(subject=subject, blocks=blocks, values=values)
