"""E-mail content: the library's e-mails as standard-library ``EmailMessage`` objects.

Four builders, one per :class:`~clientportal.mail_templates.MailKind`:

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

A company's own :class:`~clientportal.mail_templates.MailTemplate` replaces the standard subject
and body. If it cannot be used (invalid, or failing while rendering) the standard text goes out
instead, the reason is logged as a warning and kept on :attr:`Mail.fallback_reason`.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import html
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Protocol, TypeAlias
from urllib.parse import urlsplit

from attrs import field, frozen
from attrs import validators as v
from babel import Locale

from .i18n import (
    LocaleLike,
    Translator,
    format_date,
    format_date_range,
    format_duration,
    format_number,
    negotiate_locale,
    translator,
)
from .mail_templates import (
    EntryRow,
    MailKind,
    MailTemplate,
    ProjectHours,
    RenderedTemplate,
    RichValue,
    TemplateValue,
    WeekHours,
    render_template,
)
from .model import Contact, Portal

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

_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


# --------------------------------------------------------------------------------------------------
# Inputs and result


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


def _address(_: object, attribute: object, value: str) -> None:
    if not _ADDRESS.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address (name@example.com)")


def _domain(_: object, attribute: object, value: str) -> None:
    if not _DOMAIN.fullmatch(value) or "." not in value:
        raise ValueError(
            f"message_id_domain must be a domain name such as 'portal.example.com', got {value!r}"
        )


@frozen
class Sender:
    """Who the e-mails come from: the company's name and address, and its Message-ID domain."""

    name: str = field(validator=v.instance_of(str))
    address: str = field(validator=[v.instance_of(str), _address])
    message_id_domain: str = field(validator=[v.instance_of(str), _domain])


@frozen
class Recipient:
    """Somebody at the company who receives the notifications about decisions."""

    name: str = field(validator=v.instance_of(str))
    address: str = field(validator=[v.instance_of(str), _address])


@frozen(eq=False)
class Mail:
    """A built e-mail and how it was built.

    ``custom_template`` tells whether the company's template wrote it; ``fallback_reason`` says
    why a company template was given but the standard text was sent instead (else ``None``).
    """

    kind: MailKind
    message: EmailMessage
    language: str
    custom_template: bool
    fallback_reason: str | None


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
    locale = negotiate_locale(portal_language=portal.language, contact_language=contact.language)
    t = translator(locale)
    names = _names(projects)
    total = sum(e.seconds for e in entries)
    hours = _hours(t)
    period = _period(entries, t.locale)

    per_project: dict[str, int] = {}
    for e in entries:
        per_project[e.project_id] = per_project.get(e.project_id, 0) + e.seconds
    project_rows = tuple(
        ProjectHours(names.get(pid, pid), hours(s))
        for pid, s in sorted(
            per_project.items(), key=lambda item: (names.get(item[0], ""), item[0])
        )
    )
    per_week: dict[tuple[int, int], int] = {}
    for e in entries:
        year, week, _ = e.date.isocalendar()
        per_week[year, week] = per_week.get((year, week), 0) + e.seconds
    week_rows = tuple(
        WeekHours(_week_label(t, year, week), hours(s))
        for (year, week), s in sorted(per_week.items())
    )
    project_table = _Table(
        columns=(t.label("project"), t.label("hours")),
        rows=tuple((r.name, r.hours) for r in project_rows),
        total=(t.label("total"), hours(total)),
        numeric=frozenset({1}),
    )
    week_table = _Table(
        columns=(t.gettext("Period"), t.label("hours")),
        rows=tuple((r.label, r.hours) for r in week_rows),
        total=(t.label("total"), hours(total)),
        numeric=frozenset({1}),
    )
    button = _Button(t.gettext("Review the hours"), url)

    subject = t.gettext("Hours awaiting your approval: %(portal)s", portal=portal.name)
    blocks: list[_Block] = [
        _Paragraph(t.gettext("Dear %(name)s,", name=contact.name)),
        _Paragraph(
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
        _Paragraph(
            t.gettext("Submitted by: %(name)s", name=submitted_by)
            + "\n"
            + t.gettext("Period: %(period)s", period=period)
        ),
        _Heading(t.gettext("Hours per project")),
        project_table,
        _Heading(t.gettext("Hours per week")),
        week_table,
        _Paragraph(t.gettext("Please review the hours and approve or reject them in the portal:")),
        button,
        _Paragraph(t.gettext("Kind regards,") + "\n" + sender.name),
        _Note(
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
        "portal_url": RichValue(text=url, html=_html_link(url)),
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
        to=formataddr((_header_text(contact.name), contact.email)),
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
    locale = negotiate_locale(portal_language=portal.language, contact_language=contact.language)
    t = translator(locale)
    minutes = max(1, round(valid_for.total_seconds() / 60))
    valid_text = t.ngettext("%(count)s minute", "%(count)s minutes", minutes)
    subject = t.gettext("Your access code for %(portal)s", portal=portal.name)
    blocks: list[_Block] = [
        _Paragraph(t.gettext("Dear %(name)s,", name=contact.name)),
        _Paragraph(
            t.gettext(
                "Use this code to open the portal %(portal)s of %(company)s:",
                portal=portal.name,
                company=sender.name,
            )
        ),
        _Code(code),
        _Paragraph(
            t.ngettext(
                "The code is valid for %(count)s minute and can be used once.",
                "The code is valid for %(count)s minutes and can be used once.",
                minutes,
            )
        ),
        _Paragraph(t.gettext("If you did not ask for this code, you can ignore this e-mail.")),
        _Paragraph(t.gettext("Kind regards,") + "\n" + sender.name),
    ]
    values: dict[str, TemplateValue] = {
        **_common_values(t, sender, portal, contact),
        "code": code,
        "valid_minutes": minutes,
        "valid_for": valid_text,
    }
    return _build(
        MailKind.ACCESS_CODE,
        t,
        subject=subject,
        blocks=blocks,
        values=values,
        template=template,
        sender=sender,
        to=formataddr((_header_text(contact.name), contact.email)),
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
    table = _Table(
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
    blocks: list[_Block]
    if reason is not None:
        subject = t.ngettext(
            "%(contact)s rejected %(count)s time entry: %(portal)s",
            "%(contact)s rejected %(count)s time entries: %(portal)s",
            n,
            **fill,
        )
        blocks = [
            _Paragraph(
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
            _Heading(t.gettext("Reason given by %(contact)s:", contact=contact.name)),
            _Quote(reason),
            table,
            _Paragraph(
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
            _Paragraph(
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
        blocks.insert(blocks.index(table) + 1, _Note(shown))
    blocks.append(_Note(t.gettext("This message was sent automatically by the client portal.")))
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
        to=", ".join(formataddr((_header_text(r.name), r.address)) for r in recipients),
        reply_to=formataddr((_header_text(contact.name), contact.email)),
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
# Assembling the message


def _build(
    kind: MailKind,
    t: Translator,
    *,
    subject: str,
    blocks: Sequence[_Block],
    values: Mapping[str, TemplateValue],
    template: MailTemplate | None,
    sender: Sender,
    to: str,
    reply_to: str | None,
    now: dt.datetime,
    message_id: str | None,
    identity: tuple[str, ...],
) -> Mail:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")
    if message_id is not None and not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"message_id must look like <unique@domain>, got {message_id!r}")

    custom: RenderedTemplate | None = None
    fallback_reason: str | None = None
    if template is not None:
        if template.kind is not kind:
            fallback_reason = f"the template is for {template.kind.value} e-mails, not {kind.value}"
        else:
            try:
                custom = render_template(template, values)
            except Exception as exc:  # a broken template must never stop the e-mail
                fallback_reason = str(exc)
        if fallback_reason is not None:
            logger.warning(
                "the custom %s template (portal %s) could not be used; sent the standard "
                "text instead: %s",
                kind.value,
                template.portal_id or "default",
                fallback_reason,
            )

    if custom is not None:
        subject, text, body_html = custom.subject, custom.text, custom.html
    else:
        text = _text(blocks)
        body_html = "\n".join(_html_block(b) for b in blocks)

    message = EmailMessage(policy=email.policy.default)
    message["Subject"] = _header_text(subject)
    message["From"] = formataddr((_header_text(sender.name), sender.address))
    message["To"] = to
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(now)
    digest = hashlib.sha256(
        "\x1f".join((kind.value, now.isoformat(), *identity)).encode()
    ).hexdigest()
    message["Message-ID"] = message_id or f"<{kind.value}.{digest[:32]}@{sender.message_id_domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text + "\n")
    message.add_alternative(_html_document(t.language, subject, body_html), subtype="html")
    # Set after the parts exist: making the message multipart moves Content-* headers into them.
    message["Content-Language"] = t.language
    # A fixed boundary keeps the bytes deterministic (the default one is random).
    message.set_boundary(f"=_clientportal_{digest[32:56]}")
    return Mail(
        kind=kind,
        message=message,
        language=t.language,
        custom_template=custom is not None,
        fallback_reason=fallback_reason,
    )


# --------------------------------------------------------------------------------------------------
# Content blocks and their text and HTML forms


@frozen
class _Paragraph:
    text: str


@frozen
class _Heading:
    text: str


@frozen
class _Note:
    text: str


@frozen
class _Quote:
    text: str


@frozen
class _Code:
    code: str


@frozen
class _Button:
    label: str
    url: str


@frozen
class _Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None
    numeric: frozenset[int]


_Block: TypeAlias = _Paragraph | _Heading | _Note | _Quote | _Code | _Button | _Table

_FONT = "font-family:Arial,Helvetica,sans-serif;"
_CELL = "padding:4px 12px 4px 0;border-bottom:1px solid #e4e7eb;"


def _text(blocks: Sequence[_Block]) -> str:
    return "\n\n".join(_text_block(b) for b in blocks)


def _text_block(block: _Block) -> str:
    if isinstance(block, _Paragraph | _Heading | _Note):
        return block.text
    if isinstance(block, _Quote):
        return "\n".join("> " + line for line in block.text.splitlines() or [""])
    if isinstance(block, _Code):
        return "    " + block.code
    if isinstance(block, _Button):
        return f"{block.label}\n{block.url}"
    return _text_table(block)


def _text_table(table: _Table) -> str:
    rows = [table.columns, *table.rows, *([table.total] if table.total else [])]
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.columns))]

    def line(row: tuple[str, ...]) -> str:
        cells = (
            cell.rjust(widths[i]) if i in table.numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        )
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(table.columns), rule, *(line(r) for r in table.rows)]
    if table.total:
        out += [rule, line(table.total)]
    return "\n".join(out)


def _html_block(block: _Block) -> str:
    if isinstance(block, _Paragraph):
        return f'<p style="margin:0 0 16px 0;">{_html_lines(block.text)}</p>'
    if isinstance(block, _Heading):
        return f'<p style="margin:0 0 8px 0;font-weight:bold;">{_html_lines(block.text)}</p>'
    if isinstance(block, _Note):
        return f'<p style="margin:24px 0 0 0;font-size:12px;color:#616e7c;">{_esc(block.text)}</p>'
    if isinstance(block, _Quote):
        return (
            '<blockquote style="margin:0 0 16px 0;padding:8px 12px;border-left:3px solid '
            f'#cbd2d9;background:#f5f7fa;">{_html_lines(block.text)}</blockquote>'
        )
    if isinstance(block, _Code):
        return (
            '<p style="margin:0 0 16px 0;font-size:28px;font-weight:bold;letter-spacing:6px;'
            f'font-family:Consolas,Menlo,monospace;">{_esc(block.code)}</p>'
        )
    if isinstance(block, _Button):
        return (
            f'<p style="margin:0 0 24px 0;"><a href="{_esc(block.url)}" style="display:'
            "inline-block;padding:10px 18px;background:#1f4fd8;color:#ffffff;"
            f'text-decoration:none;border-radius:4px;">{_esc(block.label)}</a></p>'
        )
    return _html_table(block)


def _html_table(table: _Table) -> str:
    def cells(row: tuple[str, ...], tag: str, style: str = "") -> str:
        return "".join(
            f'<{tag} style="{_CELL}{style}text-align:'
            f'{"right" if i in table.numeric else "left"};">{_esc(cell)}</{tag}>'
            for i, cell in enumerate(row)
        )

    parts = [
        '<table style="border-collapse:collapse;margin:0 0 16px 0;font-size:14px;">',
        f"<thead><tr>{cells(table.columns, 'th')}</tr></thead>",
        "<tbody>",
        *(f"<tr>{cells(row, 'td')}</tr>" for row in table.rows),
        "</tbody>",
    ]
    if table.total:
        parts.append(f"<tfoot><tr>{cells(table.total, 'td', 'font-weight:bold;')}</tr></tfoot>")
    parts.append("</table>")
    return "".join(parts)


def _html_document(language: str, subject: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_esc(language)}">\n'
        '<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(subject)}</title></head>\n"
        f'<body style="margin:0;padding:24px;{_FONT}font-size:15px;line-height:1.5;'
        'color:#1f2933;">\n'
        f'<div style="max-width:640px;">\n{body}\n</div>\n'
        "</body>\n</html>\n"
    )


def _rich(table: _Table) -> RichValue:
    return RichValue(text=_text_table(table), html=_html_table(table))


def _html_link(url: str) -> str:
    return f'<a href="{_esc(url)}">{_esc(url)}</a>'


def _html_lines(text: str) -> str:
    return "<br>\n".join(_esc(line) for line in text.split("\n"))


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


# --------------------------------------------------------------------------------------------------
# Helpers


def _common_values(
    t: Translator, sender: Sender, portal: Portal, contact: Contact
) -> dict[str, TemplateValue]:
    return {
        "company_name": sender.name,
        "portal_name": portal.name,
        "language": t.language,
        "contact_name": contact.name,
    }


def _hours(t: Translator) -> Callable[[int], str]:
    def hours(seconds: int) -> str:
        return format_duration(seconds, t.locale, style="decimal")

    return hours


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


def _header_text(text: str) -> str:
    """One line for a header: line breaks would end the header (or inject another)."""
    return " ".join(text.split())
