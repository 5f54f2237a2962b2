"""Custom e-mail templates: a company's own subject and body, checked and rendered in a sandbox.

A company words an e-mail its own way with a :class:`MailTemplate`: a Jinja2 subject and body, for
one portal or as its default. The templates see a fixed, documented set of variables per
:class:`MailKind` (:data:`TEMPLATE_VARIABLES`) and a small subset of Jinja2: variables, ``if``,
``for``, and the filters and tests allowed by :mod:`clientportal.mail.sandbox`. No calls, imports,
includes, macros, ``autoescape`` blocks, or attributes beyond those of the documented rows.
:func:`validate_template` checks all of that when the template is saved and raises a
:class:`~clientportal.ValidationError` naming each line and what is allowed.

Rendering happens in Jinja2's ``ImmutableSandboxedEnvironment`` with strict undefined variables.
The HTML part escapes every value *and* the template's own text, so neither a company nor a
client's reason can put markup into an e-mail; the portal link and the tables are the library's
own markup. Jinja2 is imported only when a template is checked or rendered, so ``import
clientportal`` stays free of it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeAlias

from attrs import field, frozen
from attrs import validators as v

from ..errors import ValidationError
from .blocks import escape, html_paragraphs
from .sandbox import ALLOWED_ATTRIBUTES as ALLOWED_ATTRIBUTES
from .sandbox import ALLOWED_FILTERS as ALLOWED_FILTERS
from .sandbox import ALLOWED_TESTS as ALLOWED_TESTS
from .sandbox import check_source, environment

if TYPE_CHECKING:
    from jinja2 import Template

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_FILTERS",
    "ALLOWED_TESTS",
    "REQUIRED_VARIABLES",
    "TEMPLATE_VARIABLES",
    "EntryRow",
    "MailKind",
    "MailTemplate",
    "ProjectHours",
    "RenderedTemplate",
    "RichValue",
    "TemplateValue",
    "WeekHours",
    "render_template",
    "select_template",
    "validate_template",
]


class MailKind(enum.Enum):
    """The e-mails the library writes."""

    #: To a client contact: hours, expenses and trips wait for their approval.
    APPROVAL_REQUESTED = "approval_requested"
    #: To the company: a client contact rejected hours, expenses or trips, with their reason.
    ENTRIES_REJECTED = "entries_rejected"
    #: To the company: a client contact approved hours, expenses or trips.
    ENTRIES_APPROVED = "entries_approved"
    #: To a client contact: the one-time code that opens the portal.
    ACCESS_CODE = "access_code"
    #: To a client contact: a digest of what still awaits their approval.
    REMINDER = "reminder"
    #: To other contacts of the client: items left unanswered too long.
    REMINDER_ESCALATION = "reminder_escalation"
    #: To a client contact: items will be approved by the company's policy unless they decide.
    AUTO_APPROVAL_WARNING = "auto_approval_warning"
    #: To the company's approvers: a digest of what awaits the staff's approval.
    STAFF_REMINDER = "staff_reminder"
    #: To the company: a client contact accepted or declined a quote.
    QUOTE_DECIDED = "quote_decided"
    #: To the company: a client contact took back their decision.
    ENTRIES_UNDONE = "entries_undone"

    @property
    def carries_secret(self) -> bool:
        """True for the e-mails that carry a secret: the one-time code, and the personal links
        of the approval request and of the e-mails that remind a contact of it. The outbox
        keeps none of their text once they are sent."""
        return self in (
            MailKind.ACCESS_CODE,
            MailKind.APPROVAL_REQUESTED,
            MailKind.REMINDER,
            MailKind.REMINDER_ESCALATION,
            MailKind.AUTO_APPROVAL_WARNING,
        )


_COMMON = ("company_name", "portal_name", "language", "contact_name")
#: About the expenses and trips beside the hours (empty tables and zero counts without them).
_ITEMS = ("expense_count", "trip_count", "expenses_table", "trips_table", "item_summary")
_DECISION = (
    "contact_email",
    "entry_count",
    "total_hours",
    "period",
    "entries_table",
    "entries",
    *_ITEMS,
)
#: What every reminder e-mail to a contact shows (reminders, H5).
_REMINDED = (
    "portal_url",
    "link_valid_for",
    "entry_count",
    "total_hours",
    "period",
    "entries_table",
    *_ITEMS,
)

#: The variables each kind of template can use (the values are described in docs/languages.md).
TEMPLATE_VARIABLES: Mapping[MailKind, frozenset[str]] = {
    MailKind.APPROVAL_REQUESTED: frozenset(
        (
            *_COMMON,
            "submitted_by",
            "portal_url",
            "action_url",
            "note",
            "link_valid_for",
            "entry_count",
            "total_hours",
            "period",
            "hours_by_project",
            "hours_by_week",
            "projects",
            "weeks",
            *_ITEMS,
        )
    ),
    MailKind.ENTRIES_REJECTED: frozenset((*_COMMON, *_DECISION, "reason")),
    MailKind.ENTRIES_APPROVED: frozenset((*_COMMON, *_DECISION)),
    MailKind.ACCESS_CODE: frozenset((*_COMMON, "code", "valid_minutes", "valid_for")),
    # reminders (H5): mail/reminders.py
    MailKind.REMINDER: frozenset((*_COMMON, *_REMINDED, "reminder_number", "asked_since")),
    MailKind.REMINDER_ESCALATION: frozenset((*_COMMON, *_REMINDED, "asked_contact", "asked_since")),
    MailKind.AUTO_APPROVAL_WARNING: frozenset((*_COMMON, *_REMINDED, "approve_at")),
    MailKind.STAFF_REMINDER: frozenset((*_COMMON, "item_count", "items_table")),
    # quotes (H6)
    MailKind.QUOTE_DECIDED: frozenset(
        (
            *_COMMON,
            "contact_email",
            "quote_number",
            "quote_date",
            "valid_until",
            "amount",
            "project_names",
            "decision",
            "accepted",
            "signature",
            "reason",
            "decided_at",
        )
    ),
    # undo (H2)
    MailKind.ENTRIES_UNDONE: frozenset((*_COMMON, *_DECISION)),
}

#: What a template of each kind must show, or the e-mail would lose its point.
REQUIRED_VARIABLES: Mapping[MailKind, frozenset[str]] = {
    MailKind.APPROVAL_REQUESTED: frozenset({"portal_url"}),
    MailKind.ENTRIES_REJECTED: frozenset({"reason"}),
    MailKind.ENTRIES_APPROVED: frozenset(),
    MailKind.ACCESS_CODE: frozenset({"code"}),
    MailKind.REMINDER: frozenset({"portal_url"}),
    MailKind.REMINDER_ESCALATION: frozenset({"portal_url"}),
    MailKind.AUTO_APPROVAL_WARNING: frozenset({"portal_url"}),
    MailKind.STAFF_REMINDER: frozenset(),
    MailKind.QUOTE_DECIDED: frozenset({"quote_number", "signature"}),
    MailKind.ENTRIES_UNDONE: frozenset(),
}

_MAX_SUBJECT = 500
_MAX_BODY = 10_000
_MAX_OUTPUT = 100_000


# --------------------------------------------------------------------------------------------------
# Values


@frozen
class MailTemplate:
    """A company's own subject and body for one kind of e-mail.

    ``portal_id`` ``None`` makes it the company's default for every portal; ``language`` ``None``
    uses it whatever the e-mail's language. Create one with :meth:`create` to check it.
    """

    kind: MailKind = field(validator=v.instance_of(MailKind))
    subject: str = field(validator=v.instance_of(str))
    body: str = field(validator=v.instance_of(str))
    portal_id: str | None = field(default=None, validator=v.optional(v.instance_of(str)))
    language: str | None = field(default=None, validator=v.optional(v.instance_of(str)))

    @classmethod
    def create(
        cls,
        *,
        kind: MailKind,
        subject: str,
        body: str,
        portal_id: str | None = None,
        language: str | None = None,
    ) -> MailTemplate:
        """A template, checked with :func:`validate_template` (raises ``ValidationError``)."""
        template = cls(
            kind=kind, subject=subject, body=body, portal_id=portal_id, language=language
        )
        validate_template(template)
        return template


@frozen
class RichValue:
    """A value with its own plain-text and HTML forms (a table, a link).

    ``html`` is markup the library built and escaped itself; it is inserted as is.
    """

    text: str
    html: str


@frozen
class ProjectHours:
    """A row of ``projects``: a project's name and its hours."""

    name: str
    hours: str


@frozen
class WeekHours:
    """A row of ``weeks``: the ISO week (``Week 5 (27 Jan – 2 Feb 2025)``) and its hours."""

    label: str
    hours: str


@frozen
class EntryRow:
    """A row of ``entries``: one time entry, every field already written out."""

    date: str
    employee: str
    project: str
    hours: str
    description: str


@frozen
class RenderedTemplate:
    """A custom template filled in: the subject, the plain-text body and the HTML body fragment."""

    subject: str
    text: str
    html: str


#: What a template variable holds: text, a count, a table or link, or rows to loop over.
TemplateValue: TypeAlias = (
    str | int | RichValue | tuple[ProjectHours, ...] | tuple[WeekHours, ...] | tuple[EntryRow, ...]
)


# --------------------------------------------------------------------------------------------------
# Choosing, checking, rendering


def select_template(
    templates: Iterable[MailTemplate], kind: MailKind, *, portal_id: str, language: str
) -> MailTemplate | None:
    """The template to use for a ``kind`` e-mail of a portal in ``language``, if any.

    The most specific wins: the portal's own in that language, the portal's own for any
    language, the company default in that language, the company default for any language.
    """
    primary = _primary_language(language)
    best: tuple[int, MailTemplate] | None = None
    for template in templates:
        if template.kind is not kind:
            continue
        if template.portal_id is not None and template.portal_id != portal_id:
            continue
        lang = template.language
        if lang is not None and _primary_language(lang) != primary:
            continue
        rank = (0 if template.portal_id is not None else 2) + (0 if lang is not None else 1)
        if best is None or rank < best[0]:
            best = (rank, template)
    return None if best is None else best[1]


def validate_template(template: MailTemplate) -> None:
    """Check a template before it is saved; raise ``ValidationError`` listing every problem.

    Each problem names the part and line (``"body, line 3: ..."``) and says what is allowed:
    syntax errors, unknown variables, a missing required variable, calls, imports, includes,
    macros, ``autoescape`` blocks, attributes outside
    :data:`~clientportal.mail.sandbox.ALLOWED_ATTRIBUTES` (so never a ``__dunder__`` or
    ``_private`` one), filters and tests outside the allow-lists.
    """
    problems = list(dict.fromkeys(_problems(template)))  # one line per problem, in order
    if problems:
        raise ValidationError(
            problems, summary=f"the {template.kind.value} e-mail template cannot be used"
        )


def render_template(
    template: MailTemplate, values: Mapping[str, TemplateValue]
) -> RenderedTemplate:
    """Fill in ``template`` with ``values`` (exactly the variables of its kind).

    Raises ``ValidationError`` when the template is not valid or fails while rendering; the
    e-mail builders catch it and send their standard text instead.
    """
    expected = TEMPLATE_VARIABLES[template.kind]
    if set(values) != expected:
        raise ValueError(
            f"a {template.kind.value} template needs exactly the values "
            f"{', '.join(sorted(expected))}; got {', '.join(sorted(values))}"
        )
    validate_template(template)
    from jinja2 import TemplateError, nodes
    from markupsafe import Markup

    text_values = {k: (x.text if isinstance(x, RichValue) else x) for k, x in values.items()}
    html_values = {
        k: (Markup(x.html) if isinstance(x, RichValue) else x) for k, x in values.items()
    }
    failed = f"the {template.kind.value} e-mail template failed"
    part = "subject"
    try:
        text_env = environment(autoescape=False)
        subject = " ".join(_render(text_env.from_string(template.subject), text_values).split())
        part = "body"
        text = _render(text_env.from_string(template.body), text_values).strip()
        html_env = environment(autoescape=True)
        ast = html_env.parse(template.body)
        for data in ast.find_all(nodes.TemplateData):
            data.data = escape(data.data)
        html_body = _render(html_env.from_string(ast), html_values).strip()
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"{part}, line {line}" if line else part
        raise ValidationError(
            [f"{where}: rendering failed: {type(exc).__name__}: {exc}"], summary=failed
        ) from exc
    if not subject:
        raise ValidationError(["subject: rendered empty"], summary=failed)
    return RenderedTemplate(subject=subject, text=text, html=html_paragraphs(html_body))


def _render(template: Template, values: Mapping[str, TemplateValue]) -> str:
    """Render chunk by chunk, stopping as soon as the output grows past the limit."""
    chunks: list[str] = []
    size = 0
    for chunk in template.generate(values):
        size += len(chunk)
        if size > _MAX_OUTPUT:
            raise ValueError(f"the output grew past {_MAX_OUTPUT} characters")
        chunks.append(chunk)
    return "".join(chunks)


def _problems(template: MailTemplate) -> Iterator[str]:
    kind = template.kind
    if len(template.subject) > _MAX_SUBJECT:
        yield f"subject: longer than {_MAX_SUBJECT} characters; shorten it"
    if "\n" in template.subject or "\r" in template.subject:
        yield "subject, line 2: the subject must be a single line"
    if not template.subject.strip():
        yield "subject: empty; write a subject"
    if len(template.body) > _MAX_BODY:
        yield f"body: longer than {_MAX_BODY} characters; shorten it"
    if not template.body.strip():
        yield "body: empty; write the text of the e-mail"
    used: set[str] = set()
    for part, source in (("subject", template.subject), ("body", template.body)):
        yield from check_source(
            part, source, kind=kind.value, known=TEMPLATE_VARIABLES[kind], used=used
        )
    for name in sorted(REQUIRED_VARIABLES[kind] - used):
        yield (
            f"body: {{{{ {name} }}}} is missing; the {kind.value} e-mail must show it "
            "(add it to the subject or body)"
        )


def _primary_language(tag: str) -> str:
    """``nl`` for ``nl``, ``nl-BE`` and ``nl_BE``."""
    return tag.replace("-", "_").split("_")[0].lower()
