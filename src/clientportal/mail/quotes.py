"""The company's notice that a client contact accepted or declined a quote in the portal.

:func:`quote_decided` writes it in the company's language: which quote (number, date, valid
until, amount, projects), who decided and when, the name they typed as their signature, and
the reason they gave for declining. Replies go to the contact. A company's own
:class:`~clientportal.mail.templates.MailTemplate` of kind ``QUOTE_DECIDED`` may word it (its
variables: :data:`~clientportal.mail.templates.TEMPLATE_VARIABLES`); the quote's number and the
signature must be in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from babel import dates as babel_dates

from ..i18n import LocaleLike, Translator, format_date, format_money, translator
from ..model import Contact, DocumentStatus, Portal
from .blocks import Block, Heading, Note, Paragraph, Quote
from .content import Content
from .envelope import Mail, Recipient, Sender, mailbox
from .messages import _build
from .templates import MailKind, MailTemplate, TemplateValue

if TYPE_CHECKING:
    from decimal import Decimal

    from ..ports.requests import QuoteDecision

__all__ = ["QuoteLike", "quote_decided", "quote_decided_content"]


class QuoteLike(Protocol):
    """What the notice reads of a quote: a :class:`~clientportal.Quote` or the portal's
    :class:`~clientportal.public.PortalQuote`."""

    @property
    def id(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def valid_until(self) -> dt.date | None: ...


def quote_decided(
    *,
    portal: Portal,
    contact: Contact,
    quote: QuoteLike,
    decision: QuoteDecision,
    project_names: Sequence[str],
    recipients: Sequence[Recipient],
    sender: Sender,
    locale: LocaleLike,
    template: MailTemplate | None = None,
    message_id: str | None = None,
) -> Mail:
    """Tell the company (``recipients``) that ``contact`` accepted or declined ``quote``
    (``decision``: how, when, the amount decided on, the typed signature, the reason), in the
    company's ``locale``.
    ``project_names`` are the names of the quote's projects as the portal shows them. The
    e-mail is dated at the decision."""
    if not recipients:
        raise ValueError("a quote_decided e-mail needs at least one recipient at the company")
    if decision.quote_id != quote.id:
        raise ValueError(
            f"the decision is on quote {decision.quote_id!r}, not on quote {quote.id!r}"
        )
    t = translator(locale)
    content = quote_decided_content(
        t,
        portal=portal,
        contact=contact,
        quote=quote,
        decision=decision,
        project_names=project_names,
        sender=sender,
    )
    return _build(
        MailKind.QUOTE_DECIDED,
        t,
        content,
        template=template,
        sender=sender,
        to=", ".join(mailbox(r.name, r.address) for r in recipients),
        reply_to=None if contact.email is None else mailbox(contact.name, contact.email),
        now=decision.at,
        message_id=message_id,
        identity=(
            portal.id,
            contact.id,
            f"quote:{quote.id}",
            *sorted(r.address for r in recipients),
        ),
    )


def quote_decided_content(
    t: Translator,
    *,
    portal: Portal,
    contact: Contact,
    quote: QuoteLike,
    decision: QuoteDecision,
    project_names: Sequence[str],
    sender: Sender,
) -> Content:
    """What the notice says, in the language of ``t``, and its template's values. The amount
    is the one decided on (the decision's; the quote's when the decision has none)."""
    amount = format_money(
        quote.amount if decision.amount is None else decision.amount,
        quote.currency if decision.currency is None else decision.currency,
        t.locale,
    )
    dated = format_date(quote.date, t.locale)
    until = format_date(quote.valid_until, t.locale) if quote.valid_until else ""
    at = _moment(t, decision.at)
    email = contact.email or t.gettext("no e-mail address")
    fill = {"contact": contact.name, "number": quote.number, "portal": portal.name}
    if decision.accepted:
        subject = t.gettext("%(contact)s accepted quote %(number)s: %(portal)s", **fill)
        said = t.gettext(
            "%(contact)s (%(email)s) accepted the quote %(number)s (%(amount)s) in the portal "
            "%(portal)s on %(at)s.",
            email=email,
            amount=amount,
            at=at,
            **fill,
        )
        decided = t.document_status(DocumentStatus.ACCEPTED, "quote")
    else:
        subject = t.gettext("%(contact)s declined quote %(number)s: %(portal)s", **fill)
        said = t.gettext(
            "%(contact)s (%(email)s) declined the quote %(number)s (%(amount)s) in the portal "
            "%(portal)s on %(at)s.",
            email=email,
            amount=amount,
            at=at,
            **fill,
        )
        decided = t.document_status(DocumentStatus.DECLINED, "quote")
    facts = [
        ("number", quote.number),
        ("date", dated),
        ("valid_until", until or "–"),
        ("amount", amount),
    ]
    if project_names:
        facts.append(("projects", ", ".join(project_names)))
    lines = "\n".join(t.label("label_value", label=t.label(k), value=v) for k, v in facts)
    blocks: list[Block] = [
        Paragraph(said),
        Paragraph(lines),
        Heading(t.gettext("Signed by typing the name:")),
        Quote(decision.signature),
    ]
    if decision.reason is not None:
        blocks += [
            Heading(t.gettext("Reason given by %(contact)s:", contact=contact.name)),
            Quote(decision.reason),
        ]
    blocks.append(Note(t.gettext("This message was sent automatically by the client portal.")))
    values: dict[str, TemplateValue] = {
        "company_name": sender.company_name,
        "portal_name": portal.name,
        "language": t.language,
        "contact_name": contact.name,
        "contact_email": contact.email or "",
        "quote_number": quote.number,
        "quote_date": dated,
        "valid_until": until,
        "amount": amount,
        "project_names": ", ".join(project_names),
        "decision": decided,
        "accepted": int(decision.accepted),
        "signature": decision.signature,
        "reason": decision.reason or "",
        "decided_at": at,
    }
    return Content(subject=subject, blocks=tuple(blocks), values=values)


def _moment(t: Translator, at: dt.datetime) -> str:
    """When something happened, in UTC, as the locale writes a date and time ("(UTC)" added)."""
    utc = at.astimezone(dt.UTC)
    written = babel_dates.format_datetime(utc, "medium", tzinfo=dt.UTC, locale=t.locale)
    return f"{written} (UTC)"
