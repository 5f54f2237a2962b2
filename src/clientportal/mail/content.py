"""What each e-mail says, in its language: the standard subject and blocks, and the values a
company's template can use instead.

The builders of :mod:`clientportal.mail.messages` check their inputs and choose the language;
the functions here write the e-mail's content with that :class:`~clientportal.i18n.Translator`
(hours, money, distances, dates and numbers the way the language writes them) as a
:class:`Content`. An e-mail about hours alone reads as it always did; one that is also (or only)
about expenses and trips names every kind and gives each its own section
(:mod:`clientportal.mail.items`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from attrs import frozen

from ..i18n import Translator, format_date_range
from ..model import Contact, Portal
from .blocks import (
    Block,
    Button,
    Code,
    Heading,
    Note,
    Paragraph,
    Quote,
    Table,
    html_link,
)
from .envelope import Sender
from .items import (
    NOTHING,
    ExpenseLike,
    TripLike,
    cost_sections,
    count_phrases,
    entry_table,
    hours,
    item_values,
    listed,
    names,
    request_subject,
    rich,
    showing,
    summary_phrases,
)
from .items import EntryLike as EntryLike
from .items import Named as Named
from .items import period as items_period
from .templates import ProjectHours, RichValue, TemplateValue, WeekHours

__all__ = [
    "Content",
    "EntryLike",
    "Named",
    "access_code_content",
    "approval_request_content",
    "decision_content",
]

_K = TypeVar("_K", bound=Hashable)


@frozen
class Content:
    """An e-mail's standard ``subject`` and ``blocks``, and the ``values`` of its template."""

    subject: str
    blocks: Sequence[Block]
    values: Mapping[str, TemplateValue]


def approval_request_content(
    t: Translator,
    *,
    portal: Portal,
    contact: Contact,
    entries: Sequence[EntryLike],
    projects: Iterable[Named],
    submitted_by: str,
    url: str,
    link_valid_for: dt.timedelta | None,
    sender: Sender,
    expenses: Sequence[ExpenseLike] = (),
    trips: Sequence[TripLike] = (),
    employees: Iterable[Named] = (),
    max_rows: int | None = None,
    action_url: str | None = None,
    note: str | None = None,
) -> Content:
    """The request to ``contact`` to approve ``entries`` (hours per project and per ISO week),
    ``expenses`` and ``trips`` (each listed, the first ``max_rows`` of a kind; ``None``: all).

    With ``link_valid_for``, ``url`` is the contact's personal link and the e-mail says how long
    it works. With ``action_url``, the first button decides from the e-mail (a page that shows
    the items and asks to confirm) and ``url`` opens the portal. ``note`` is the staff's word on
    why the items come back (reopened)."""
    project_names = names(projects)
    employee_names = names(employees)
    total = sum(e.seconds for e in entries)
    in_hours = hours(t)
    when = items_period([*entries, *expenses, *trips], t)
    costs = bool(expenses or trips)

    per_project = _seconds_by(entries, lambda e: e.project_id)
    project_rows = tuple(
        ProjectHours(project_names.get(pid, pid), in_hours(s))
        for pid, s in sorted(
            per_project.items(), key=lambda item: (project_names.get(item[0], ""), item[0])
        )
    )
    week_rows = tuple(
        WeekHours(_week_label(t, year, week), in_hours(s))
        for (year, week), s in sorted(_seconds_by(entries, _iso_week).items())
    )
    project_table = Table(
        columns=(t.label("project"), t.label("hours")),
        rows=tuple((r.name, r.hours) for r in project_rows),
        total=(t.label("total"), in_hours(total)),
        numeric=frozenset({1}),
    )
    week_table = Table(
        columns=(t.gettext("Period"), t.label("hours")),
        rows=tuple((r.label, r.hours) for r in week_rows),
        total=(t.label("total"), in_hours(total)),
        numeric=frozenset({1}),
    )
    tables = cost_sections(
        t, expenses, trips, projects=project_names, employees=employee_names, max_rows=max_rows
    )
    hour_blocks: tuple[Block, ...] = ()
    if entries:
        hour_blocks = (
            Heading(t.gettext("Hours per project")),
            project_table,
            Heading(t.gettext("Hours per week")),
            week_table,
        )
    if costs:
        awaiting = t.ngettext(
            "%(items)s in the portal %(portal)s is awaiting your approval.",
            "%(items)s in the portal %(portal)s are awaiting your approval.",
            len(entries) + len(expenses) + len(trips),
            items=listed(t, summary_phrases(t, entries, expenses, trips)),
            portal=portal.name,
        )
        review = t.gettext("Please review them in the portal and approve or reject them:")
        button = t.gettext("Review in the portal")
    else:
        awaiting = t.ngettext(
            "%(count)s time entry (%(hours)s) in the portal %(portal)s is awaiting your approval.",
            "%(count)s time entries (%(hours)s) in the portal %(portal)s are awaiting your "
            "approval.",
            len(entries),
            hours=in_hours(total),
            portal=portal.name,
        )
        review = t.gettext("Please review the hours and approve or reject them in the portal:")
        button = t.gettext("Review the hours")
    blocks = (
        _greeting(t, contact),
        Paragraph(awaiting),
        Paragraph(
            t.gettext("Submitted by: %(name)s", name=submitted_by)
            + "\n"
            + t.gettext("Period: %(period)s", period=when)
        ),
        *(
            ()
            if note is None
            else (
                Paragraph(t.gettext("A note from %(company)s:", company=sender.company_name)),
                Quote(note),
            )
        ),
        *hour_blocks,
        *tables.blocks,
        *_decision_buttons(t, review, button, url, action_url),
        *(() if link_valid_for is None else (Paragraph(_personal_link_note(t, link_valid_for)),)),
        _signature(t, sender),
        Note(
            t.gettext(
                "You receive this e-mail because you are a contact of %(company)s for the "
                "portal %(portal)s.",
                company=sender.company_name,
                portal=portal.name,
            )
        ),
    )
    values: dict[str, TemplateValue] = {
        **_common_values(t, sender, portal, contact),
        "submitted_by": submitted_by,
        "portal_url": RichValue(text=url, html=html_link(url)),
        "action_url": ""
        if action_url is None
        else RichValue(text=action_url, html=html_link(action_url)),
        "note": note or "",
        "link_valid_for": "" if link_valid_for is None else _duration_words(t, link_valid_for),
        "entry_count": len(entries),
        "total_hours": in_hours(total),
        "period": when,
        "hours_by_project": rich(project_table),
        "hours_by_week": rich(week_table),
        "projects": project_rows,
        "weeks": week_rows,
        **item_values(t, entries, expenses, trips, tables),
    }
    subject = request_subject(t, portal.name, entries, expenses, trips)
    return Content(subject=subject, blocks=blocks, values=values)


def _decision_buttons(
    t: Translator, review: str, button: str, url: str, action_url: str | None
) -> tuple[Block, ...]:
    """The request's call to act: the portal's button, or with ``action_url`` first the one
    that decides from the e-mail and then the portal's."""
    if action_url is None:
        return (Paragraph(review), Button(button, url))
    return (
        Paragraph(t.gettext("Approve or reject them straight from this e-mail:")),
        Button(t.gettext("Approve or reject"), action_url),
        Paragraph(t.gettext("Or look at them in the portal first:")),
        Button(button, url),
    )


def decision_content(
    t: Translator,
    *,
    portal: Portal,
    contact: Contact,
    entries: Sequence[EntryLike],
    projects: Iterable[Named],
    employees: Iterable[Named],
    reason: str | None,
    sender: Sender,
    max_rows: int | None,
    expenses: Sequence[ExpenseLike] = (),
    trips: Sequence[TripLike] = (),
) -> Content:
    """The company's notice that ``contact`` rejected ``entries``, ``expenses`` and ``trips``
    (with a ``reason``) or approved them (``reason`` ``None``): a section per kind, each table
    listing the first ``max_rows`` of its kind (``None``: all)."""
    in_hours = hours(t)
    project_names = names(projects)
    employee_names = names(employees)
    rows, table = entry_table(t, entries, project_names, employee_names, max_rows)
    total = sum(e.seconds for e in entries)
    costs = bool(expenses or trips)
    tables = cost_sections(
        t, expenses, trips, projects=project_names, employees=employee_names, max_rows=max_rows
    )
    sections: list[Block] = []
    if entries:
        sections += [Heading(t.label("hours"))] if costs else []
        sections += [table, *showing(t, len(rows), len(entries))]
    sections += tables.blocks
    n = len(entries)
    fill = {"contact": contact.name, "portal": portal.name}
    items = listed(t, count_phrases(t, entries, expenses, trips))
    blocks: list[Block]
    if reason is not None:
        if costs:
            subject = t.gettext("%(contact)s rejected %(items)s: %(portal)s", items=items, **fill)
            said = t.gettext(
                "%(contact)s (%(email)s) rejected %(items)s in the portal %(portal)s.",
                email=_shown_email(t, contact),
                items=items,
                **fill,
            )
            next_step = (
                t.gettext(
                    "The items are marked as rejected. Correct them and submit them again, or "
                    "reply to this e-mail to reach %(contact)s.",
                    contact=contact.name,
                )
                if contact.email
                else t.gettext(
                    "The items are marked as rejected. Correct them and submit them again."
                )
            )
        else:
            subject = t.ngettext(
                "%(contact)s rejected %(count)s time entry: %(portal)s",
                "%(contact)s rejected %(count)s time entries: %(portal)s",
                n,
                **fill,
            )
            said = t.ngettext(
                "%(contact)s (%(email)s) rejected %(count)s time entry in the portal %(portal)s.",
                "%(contact)s (%(email)s) rejected %(count)s time entries in the portal %(portal)s.",
                n,
                email=_shown_email(t, contact),
                **fill,
            )
            next_step = (
                t.gettext(
                    "The entries are marked as rejected. Correct them and submit them again, or "
                    "reply to this e-mail to reach %(contact)s.",
                    contact=contact.name,
                )
                if contact.email
                else t.gettext(
                    "The entries are marked as rejected. Correct them and submit them again."
                )
            )
        blocks = [
            Paragraph(said),
            Heading(t.gettext("Reason given by %(contact)s:", contact=contact.name)),
            Quote(reason),
            *sections,
            Paragraph(next_step),
        ]
    else:
        if costs:
            subject = t.gettext("%(contact)s approved %(items)s: %(portal)s", items=items, **fill)
            said = t.gettext(
                "%(contact)s (%(email)s) approved %(items)s in the portal %(portal)s.",
                email=_shown_email(t, contact),
                items=items,
                **fill,
            )
        else:
            subject = t.ngettext(
                "%(contact)s approved %(count)s time entry: %(portal)s",
                "%(contact)s approved %(count)s time entries: %(portal)s",
                n,
                **fill,
            )
            said = t.ngettext(
                "%(contact)s (%(email)s) approved %(count)s time entry in the portal %(portal)s.",
                "%(contact)s (%(email)s) approved %(count)s time entries in the portal %(portal)s.",
                n,
                email=_shown_email(t, contact),
                **fill,
            )
        blocks = [Paragraph(said), *sections]
    blocks.append(Note(t.gettext("This message was sent automatically by the client portal.")))
    values: dict[str, TemplateValue] = {
        **_common_values(t, sender, portal, contact),
        "contact_email": contact.email or "",
        "entry_count": n,
        "total_hours": in_hours(total),
        "period": items_period([*entries, *expenses, *trips], t),
        "entries_table": rich(table) if entries else NOTHING,
        "entries": rows,
        **item_values(t, entries, expenses, trips, tables),
    }
    if reason is not None:
        values["reason"] = reason
    return Content(subject=subject, blocks=blocks, values=values)


def access_code_content(
    t: Translator,
    *,
    portal: Portal,
    contact: Contact,
    code: str,
    valid_for: dt.timedelta,
    sender: Sender,
) -> Content:
    """The one-time ``code`` for ``contact``, and how many minutes it is valid."""
    minutes = max(1, round(valid_for.total_seconds() / 60))
    blocks = (
        _greeting(t, contact),
        Paragraph(
            t.gettext(
                "Use this code to open the portal %(portal)s of %(company)s:",
                portal=portal.name,
                company=sender.company_name,
            )
        ),
        Code(code),
        Paragraph(
            t.ngettext(
                "The code is valid for %(count)s minute and can be used once.",
                "The code is valid for %(count)s minutes and can be used once.",
                minutes,
            )
        ),
        Paragraph(t.gettext("If you did not ask for this code, you can ignore this e-mail.")),
        _signature(t, sender),
    )
    values: dict[str, TemplateValue] = {
        **_common_values(t, sender, portal, contact),
        "code": code,
        "valid_minutes": minutes,
        "valid_for": t.ngettext("%(count)s minute", "%(count)s minutes", minutes),
    }
    subject = t.gettext("Your access code for %(portal)s", portal=portal.name)
    return Content(subject=subject, blocks=blocks, values=values)


# --------------------------------------------------------------------------------------------------
# Helpers


def _days_or_hours(valid_for: dt.timedelta) -> tuple[int, int]:
    """``valid_for`` as whole days (when at least one), else as hours (at least one)."""
    days = valid_for.days
    if days >= 1:
        return days, 0
    return 0, max(1, -(-int(valid_for.total_seconds()) // 3600))


def _personal_link_note(t: Translator, valid_for: dt.timedelta) -> str:
    """That the link above is the contact's own, how long it works, and not to forward it."""
    days, hours = _days_or_hours(valid_for)
    if days:
        return t.ngettext(
            "This link is personal and works for %(count)s day. Please do not forward this e-mail.",
            "This link is personal and works for %(count)s days. Please do not forward this "
            "e-mail.",
            days,
        )
    return t.ngettext(
        "This link is personal and works for %(count)s hour. Please do not forward this e-mail.",
        "This link is personal and works for %(count)s hours. Please do not forward this e-mail.",
        hours,
    )


def _duration_words(t: Translator, valid_for: dt.timedelta) -> str:
    """``30 days``, ``12 hours``: how long a link works, in words."""
    days, hours = _days_or_hours(valid_for)
    if days:
        return t.ngettext("%(count)s day", "%(count)s days", days)
    return t.ngettext("%(count)s hour", "%(count)s hours", hours)


def _shown_email(t: Translator, contact: Contact) -> str:
    """The contact's address as a notice to the company names it (said so when there is none)."""
    return contact.email or t.gettext("no e-mail address")


def _greeting(t: Translator, contact: Contact) -> Paragraph:
    return Paragraph(t.gettext("Dear %(name)s,", name=contact.name))


def _signature(t: Translator, sender: Sender) -> Paragraph:
    return Paragraph(t.gettext("Kind regards,") + "\n" + sender.company_name)


def _common_values(
    t: Translator, sender: Sender, portal: Portal, contact: Contact
) -> dict[str, TemplateValue]:
    return {
        "company_name": sender.company_name,
        "portal_name": portal.name,
        "language": t.language,
        "contact_name": contact.name,
    }


def _seconds_by(entries: Iterable[EntryLike], key: Callable[[EntryLike], _K]) -> dict[_K, int]:
    totals: dict[_K, int] = {}
    for e in entries:
        totals[key(e)] = totals.get(key(e), 0) + e.seconds
    return totals


def _iso_week(entry: EntryLike) -> tuple[int, int]:
    year, week, _ = entry.date.isocalendar()
    return year, week


def _week_label(t: Translator, year: int, week: int) -> str:
    monday = dt.date.fromisocalendar(year, week, 1)
    days = format_date_range(monday, monday + dt.timedelta(days=6), t.locale)
    return t.gettext("Week %(week)s (%(dates)s)", week=week, dates=days)
