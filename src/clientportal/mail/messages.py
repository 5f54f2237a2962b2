"""E-mail content: the library's e-mails as standard-library ``EmailMessage`` objects.

Four builders, one per :class:`~clientportal.mail.templates.MailKind`:

* :func:`approval_requested` — to a client contact: hours wait for their approval (the portal link,
  hours per project and per ISO week, the total, who submitted them);
* :func:`entries_rejected` — to the company: which entries a contact rejected, and why;
* :func:`entries_approved` — to the company: which entries a contact approved;
* :func:`access_code` — to a client contact: the one-time code that opens the portal.

Each message has a plain-text part and an HTML alternative, ``From``, ``To``, ``Subject``,
``Date``, ``Message-ID`` and ``Content-Language``. The builders are pure: they take plain values
(the model's and the visibility filter's records, names, a URL, the time ``now``) and give the
same bytes for the same inputs. The service layer turns workflow effects and access codes into
calls to them and hands the result to a mailer.

A company's own :class:`~clientportal.mail.templates.MailTemplate` replaces the standard subject
and body. If it cannot be used (invalid, or failing while rendering) the standard text goes out
instead, the reason is logged as a warning and kept on :attr:`Mail.fallback_reason`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from babel import Locale

from ..i18n import (
    LocaleLike,
    Translator,
    format_date,
    format_date_range,
    format_duration,
    format_number,
    negotiate_locale,
    translator,
)
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
    html_part,
    html_table,
    text_part,
    text_table,
)
from .envelope import Mail as Mail
from .envelope import Recipient as Recipient
from .envelope import Sender as Sender
from .envelope import check_date_and_id, envelope, mailbox
from .templates import (
    EntryRow,
    MailTemplate,
    ProjectHours,
    RenderedTemplate,
    RichValue,
    TemplateValue,
    WeekHours,
    render_template,
)
from .templates import MailKind as MailKind

__all__ = [
    "EntryLike",
    "Mail",
    "MailKind",
    "Named",
    "Recipient",
    "Sender",
    "access_code",
    "approval_requested",
    "entries_approved",
    "entries_rejected",
]

logger = logging.getLogger(__name__)

_K = TypeVar("_K", bound=Hashable)


class EntryLike(Protocol):
    """What the e-mails read of a time entry (a ``TimeEntry`` or a ``PortalEntry``)."""

    @property
    def id(self) -> str: ...
    @property
    def project_id(self) -> str: ...
    @property
    def employee_id(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def seconds(self) -> int: ...
    @property
    def description(self) -> str | None: ...


class Named(Protocol):
    """Anything with an id and a name: a project or an employee (model or portal record)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


# --------------------------------------------------------------------------------------------------
# The e-mails


def approval_requested(
    *,
    portal: Portal,
    contact: Contact,
    entries: Sequence[EntryLike],
    projects: Iterable[Named],
    submitted_by: str,
    portal_url: str,
    sender: Sender,
    now: dt.datetime,
    template: MailTemplate | None = None,
    message_id: str | None = None,
) -> Mail:
    """Ask ``contact`` to approve ``entries`` in the portal at ``portal_url``.

    Written in the portal's language (else the contact's, else English). Shows the hours per
    project and per ISO week, the total, the period and who submitted them (``submitted_by``).
    """
    if not entries:
        raise ValueError("an approval request needs at least one entry to approve")
    url = _checked_url(portal_url)
    t = _contact_translator(portal, contact)
    names = _names(projects)
    total = sum(e.seconds for e in entries)
    hours = _hours(t)
    period = _period(entries, t.locale)

    per_project = _seconds_by(entries, lambda e: e.project_id)
    project_rows = tuple(
        ProjectHours(names.get(pid, pid), hours(s))
        for pid, s in sorted(
            per_project.items(), key=lambda item: (names.get(item[0], ""), item[0])
        )
    )
    week_rows = tuple(
        WeekHours(_week_label(t, year, week), hours(s))
        for (year, week), s in sorted(_seconds_by(entries, _iso_week).items())
    )
    project_table = Table(
        columns=(t.label("project"), t.label("hours")),
        rows=tuple((r.name, r.hours) for r in project_rows),
        total=(t.label("total"), hours(total)),
        numeric=frozenset({1}),
    )
    week_table = Table(
        columns=(t.gettext("Period"), t.label("hours")),
        rows=tuple((r.label, r.hours) for r in week_rows),
        total=(t.label("total"), hours(total)),
        numeric=frozenset({1}),
    )

    subject = t.gettext("Hours awaiting your approval: %(portal)s", portal=portal.name)
    blocks: list[Block] = [
        _greeting(t, contact),
        Paragraph(
            t.ngettext(
                "%(count)s time entry (%(hours)s) in the portal %(portal)s is awaiting your "
                "approval.",
                "%(count)s time entries (%(hours)s) in the portal %(portal)s are awaiting your "
                "approval.",
                len(entries),
                hours=hours(total),
                portal=portal.name,
            )
        ),
        Paragraph(
            t.gettext("Submitted by: %(name)s", name=submitted_by)
            + "\n"
            + t.gettext("Period: %(period)s", period=period)
        ),
        Heading(t.gettext("Hours per project")),
        project_table,
        Heading(t.gettext("Hours per week")),
        week_table,
        Paragraph(t.gettext("Please review the hours and approve or reject them in the portal:")),
        Button(t.gettext("Review the hours"), url),
        _signature(t, sender),
        Note(
            t.gettext(
                "You receive this e-mail because you are a contact of %(company)s for the "
                "portal %(portal)s.",
                company=sender.name,
                portal=portal.name,
            )
        ),
    ]
    values: dict[str, TemplateValue] = {
        **_common_values(t, sender, portal, contact),
        "submitted_by": submitted_by,
        "portal_url": RichValue(text=url, html=html_link(url)),
        "entry_count": len(entries),
        "total_hours": hours(total),
        "period": period,
        "hours_by_project": _rich(project_table),
        "hours_by_week": _rich(week_table),
        "projects": project_rows,
        "weeks": week_rows,
    }
    return _build(
        MailKind.APPROVAL_REQUESTED,
        t,
        subject=subject,
        blocks=blocks,
        values=values,
        template=template,
        sender=sender,
        to=mailbox(contact.name, contact.email),
        reply_to=None,
        now=now,
        message_id=message_id,
        identity=(portal.id, contact.id, *sorted(e.id for e in entries)),
    )


def entries_rejected(
    *,
    portal: Portal,
    contact: Contact,
    entries: Sequence[EntryLike],
    projects: Iterable[Named],
    employees: Iterable[Named],
    reason: str,
    recipients: Sequence[Recipient],
    sender: Sender,
    now: dt.datetime,
    locale: LocaleLike,
    template: MailTemplate | None = None,
    message_id: str | None = None,
    max_rows: int | None = None,
) -> Mail:
    """Tell the company that ``contact`` rejected ``entries``, and the ``reason`` they gave.

    Written in the company's ``locale``; replies go to the contact. ``max_rows`` lists only the
    first (oldest) entries in the table, with a note how many there are (count and total cover
    all); ``None`` lists every entry.
    """
    if not reason.strip():
        raise ValueError("a rejection needs the reason the contact gave")
    return _decision(
        MailKind.ENTRIES_REJECTED,
        portal=portal,
        contact=contact,
        entries=entries,
        projects=projects,
        employees=employees,
        reason=reason,
        recipients=recipients,
        sender=sender,
        now=now,
        locale=locale,
        template=template,
        message_id=message_id,
        max_rows=max_rows,
    )


def entries_approved(
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
) -> Mail:
    """Tell the company that ``contact`` approved ``entries``, in the company's ``locale``
    (``max_rows`` as for :func:`entries_rejected`)."""
    return _decision(
        MailKind.ENTRIES_APPROVED,
        portal=portal,
        contact=contact,
        entries=entries,
        projects=projects,
        employees=employees,
        reason=None,
        recipients=recipients,
        sender=sender,
        now=now,
        locale=locale,
        template=template,
        message_id=message_id,
        max_rows=max_rows,
    )


def access_code(
    *,
    portal: Portal,
    contact: Contact,
    code: str,
    valid_for: dt.timedelta,
    sender: Sender,
    now: dt.datetime,
    template: MailTemplate | None = None,
    message_id: str | None = None,
) -> Mail:
    """Send ``contact`` the one-time ``code`` that opens the portal, and how long it is valid.

    The derived Message-ID never depends on the code (it travels through mail logs).
    """
    if not code.strip() or any(c.isspace() for c in code):
        raise ValueError("the access code must be a non-empty string without spaces")
    if valid_for <= dt.timedelta(0):
        raise ValueError(f"valid_for must be positive, got {valid_for}")
    t = _contact_translator(portal, contact)
    minutes = max(1, round(valid_for.total_seconds() / 60))
    subject = t.gettext("Your access code for %(portal)s", portal=portal.name)
    blocks: list[Block] = [
        _greeting(t, contact),
        Paragraph(
            t.gettext(
                "Use this code to open the portal %(portal)s of %(company)s:",
                portal=portal.name,
                company=sender.name,
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
    ]
    values: dict[str, TemplateValue] = {
        **_common_values(t, sender, portal, contact),
        "code": code,
        "valid_minutes": minutes,
        "valid_for": t.ngettext("%(count)s minute", "%(count)s minutes", minutes),
    }
    return _build(
        MailKind.ACCESS_CODE,
        t,
        subject=subject,
        blocks=blocks,
        values=values,
        template=template,
        sender=sender,
        to=mailbox(contact.name, contact.email),
        reply_to=None,
        now=now,
        message_id=message_id,
        identity=(portal.id, contact.id),
    )


def _decision(
    kind: MailKind,
    *,
    portal: Portal,
    contact: Contact,
    entries: Sequence[EntryLike],
    projects: Iterable[Named],
    employees: Iterable[Named],
    reason: str | None,
    recipients: Sequence[Recipient],
    sender: Sender,
    now: dt.datetime,
    locale: LocaleLike,
    template: MailTemplate | None,
    message_id: str | None,
    max_rows: int | None = None,
) -> Mail:
    if not entries:
        raise ValueError(f"a {kind.value} e-mail needs at least one entry")
    if max_rows is not None and max_rows < 1:
        raise ValueError(f"max_rows must be at least 1 (or None for every entry), got {max_rows}")
    if not recipients:
        raise ValueError(f"a {kind.value} e-mail needs at least one recipient at the company")
    t = translator(locale)
    hours = _hours(t)
    project_names = _names(projects)
    employee_names = _names(employees)
    ordered = sorted(entries, key=lambda e: (e.date, e.id))[:max_rows]
    rows = tuple(
        EntryRow(
            date=format_date(e.date, t.locale),
            employee=employee_names.get(e.employee_id, e.employee_id),
            project=project_names.get(e.project_id, e.project_id),
            hours=hours(e.seconds),
            description=e.description or "",
        )
        for e in ordered
    )
    total = sum(e.seconds for e in entries)
    table = Table(
        columns=(
            t.label("date"),
            t.label("employee"),
            t.label("project"),
            t.label("hours"),
            t.label("description"),
        ),
        rows=tuple((r.date, r.employee, r.project, r.hours, r.description or "–") for r in rows),
        total=(t.label("total"), "", "", hours(total), ""),
        numeric=frozenset({3}),
    )
    n = len(entries)
    fill = {"contact": contact.name, "portal": portal.name}
    blocks: list[Block]
    if reason is not None:
        subject = t.ngettext(
            "%(contact)s rejected %(count)s time entry: %(portal)s",
            "%(contact)s rejected %(count)s time entries: %(portal)s",
            n,
            **fill,
        )
        blocks = [
            Paragraph(
                t.ngettext(
                    "%(contact)s (%(email)s) rejected %(count)s time entry in the portal "
                    "%(portal)s.",
                    "%(contact)s (%(email)s) rejected %(count)s time entries in the portal "
                    "%(portal)s.",
                    n,
                    email=contact.email,
                    **fill,
                )
            ),
            Heading(t.gettext("Reason given by %(contact)s:", contact=contact.name)),
            Quote(reason),
            table,
            Paragraph(
                t.gettext(
                    "The entries are marked as rejected. Correct them and submit them again, or "
                    "reply to this e-mail to reach %(contact)s.",
                    contact=contact.name,
                )
            ),
        ]
    else:
        subject = t.ngettext(
            "%(contact)s approved %(count)s time entry: %(portal)s",
            "%(contact)s approved %(count)s time entries: %(portal)s",
            n,
            **fill,
        )
        blocks = [
            Paragraph(
                t.ngettext(
                    "%(contact)s (%(email)s) approved %(count)s time entry in the portal "
                    "%(portal)s.",
                    "%(contact)s (%(email)s) approved %(count)s time entries in the portal "
                    "%(portal)s.",
                    n,
                    email=contact.email,
                    **fill,
                )
            ),
            table,
        ]
    if len(rows) < n:
        shown = t.label(
            "showing",
            first=format_number(1, t.locale),
            last=format_number(len(rows), t.locale),
            total=format_number(n, t.locale),
        )
        blocks.insert(blocks.index(table) + 1, Note(shown))
    blocks.append(Note(t.gettext("This message was sent automatically by the client portal.")))
    values: dict[str, TemplateValue] = {
        **_common_values(t, sender, portal, contact),
        "contact_email": contact.email,
        "entry_count": n,
        "total_hours": hours(total),
        "period": _period(entries, t.locale),
        "entries_table": _rich(table),
        "entries": rows,
    }
    if reason is not None:
        values["reason"] = reason
    return _build(
        kind,
        t,
        subject=subject,
        blocks=blocks,
        values=values,
        template=template,
        sender=sender,
        to=", ".join(mailbox(r.name, r.address) for r in recipients),
        reply_to=mailbox(contact.name, contact.email),
        now=now,
        message_id=message_id,
        identity=(
            portal.id,
            contact.id,
            *sorted(r.address for r in recipients),
            *sorted(e.id for e in entries),
        ),
    )


# --------------------------------------------------------------------------------------------------
# The company's template or the standard text, in the envelope


def _build(
    kind: MailKind,
    t: Translator,
    *,
    subject: str,
    blocks: Sequence[Block],
    values: Mapping[str, TemplateValue],
    template: MailTemplate | None,
    sender: Sender,
    to: str,
    reply_to: str | None,
    now: dt.datetime,
    message_id: str | None,
    identity: tuple[str, ...],
) -> Mail:
    check_date_and_id(now, message_id)
    custom, fallback_reason = _custom(kind, template, values)
    if custom is not None:
        subject, text, body_html = custom.subject, custom.text, custom.html
    else:
        text, body_html = text_part(blocks), html_part(blocks)
    message = envelope(
        kind,
        subject=subject,
        text=text,
        html_body=body_html,
        language=t.language,
        sender=sender,
        to=to,
        reply_to=reply_to,
        now=now,
        message_id=message_id,
        identity=identity,
    )
    return Mail(
        kind=kind,
        message=message,
        language=t.language,
        custom_template=custom is not None,
        fallback_reason=fallback_reason,
    )


def _custom(
    kind: MailKind, template: MailTemplate | None, values: Mapping[str, TemplateValue]
) -> tuple[RenderedTemplate | None, str | None]:
    """The company's template filled in, or why the standard text goes out instead."""
    if template is None:
        return None, None
    if template.kind is not kind:
        reason = f"the template is for {template.kind.value} e-mails, not {kind.value}"
    else:
        try:
            return render_template(template, values), None
        except Exception as exc:  # a broken template must never stop the e-mail
            reason = str(exc)
    logger.warning(
        "the custom %s template (portal %s) could not be used; sent the standard text instead: %s",
        kind.value,
        template.portal_id or "default",
        reason,
    )
    return None, reason


# --------------------------------------------------------------------------------------------------
# Helpers


def _contact_translator(portal: Portal, contact: Contact) -> Translator:
    """The portal's language, else the contact's, else English."""
    return translator(
        negotiate_locale(portal_language=portal.language, contact_language=contact.language)
    )


def _greeting(t: Translator, contact: Contact) -> Paragraph:
    return Paragraph(t.gettext("Dear %(name)s,", name=contact.name))


def _signature(t: Translator, sender: Sender) -> Paragraph:
    return Paragraph(t.gettext("Kind regards,") + "\n" + sender.name)


def _common_values(
    t: Translator, sender: Sender, portal: Portal, contact: Contact
) -> dict[str, TemplateValue]:
    return {
        "company_name": sender.name,
        "portal_name": portal.name,
        "language": t.language,
        "contact_name": contact.name,
    }


def _rich(table: Table) -> RichValue:
    return RichValue(text=text_table(table), html=html_table(table))


def _hours(t: Translator) -> Callable[[int], str]:
    def hours(seconds: int) -> str:
        return format_duration(seconds, t.locale, style="decimal")

    return hours


def _seconds_by(entries: Iterable[EntryLike], key: Callable[[EntryLike], _K]) -> dict[_K, int]:
    totals: dict[_K, int] = {}
    for e in entries:
        totals[key(e)] = totals.get(key(e), 0) + e.seconds
    return totals


def _iso_week(entry: EntryLike) -> tuple[int, int]:
    year, week, _ = entry.date.isocalendar()
    return year, week


def _names(records: Iterable[Named]) -> dict[str, str]:
    return {r.id: r.name for r in records}


def _period(entries: Sequence[EntryLike], locale: Locale) -> str:
    return format_date_range(min(e.date for e in entries), max(e.date for e in entries), locale)


def _week_label(t: Translator, year: int, week: int) -> str:
    monday = dt.date.fromisocalendar(year, week, 1)
    days = format_date_range(monday, monday + dt.timedelta(days=6), t.locale)
    return t.gettext("Week %(week)s (%(dates)s)", week=week, dates=days)


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in url):
        raise ValueError(f"portal_url must be an http(s) URL without spaces, got {url!r}")
    return url
