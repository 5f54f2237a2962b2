"""E-mail content: the library's e-mails as standard-library ``EmailMessage`` objects.

Four builders, one per :class:`~clientportal.mail.templates.MailKind`:

* :func:`approval_requested` — to a client contact: hours, expenses and trips wait for their
  approval (their personal link and how long it works, hours per project and per ISO week, the
  expenses and trips listed, the totals, who submitted them);
* :func:`entries_rejected` — to the company: which items (entries, expenses, trips) a contact
  rejected, and why;
* :func:`entries_approved` — to the company: which items a contact approved;
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
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from ..i18n import LocaleLike, Translator, negotiate_locale, translator
from ..model import Contact, Portal
from .blocks import html_part, text_part
from .content import (
    Content,
    access_code_content,
    approval_request_content,
    decision_content,
)
from .content import EntryLike as EntryLike
from .content import Named as Named
from .envelope import Mail as Mail
from .envelope import Recipient as Recipient
from .envelope import Sender as Sender
from .envelope import check_date_and_id, envelope, mailbox
from .items import ExpenseLike, TripLike
from .templates import MailKind as MailKind
from .templates import MailTemplate, RenderedTemplate, TemplateValue, render_template

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
    link_valid_for: dt.timedelta | None = None,
    template: MailTemplate | None = None,
    message_id: str | None = None,
    expenses: Sequence[ExpenseLike] = (),
    trips: Sequence[TripLike] = (),
    employees: Iterable[Named] = (),
    max_rows: int | None = None,
    action_url: str | None = None,
    note: str | None = None,
) -> Mail:
    """Ask ``contact`` to approve ``entries``, ``expenses`` and ``trips`` (any of them may be
    empty, not all) in the portal at ``portal_url``.

    Written in the portal's language (else the contact's, else English). Shows the hours per
    project and per ISO week, the expenses and trips as the portal shows them (``PortalExpense``,
    ``PortalTrip``; the first ``max_rows`` of each, their ``employees`` named), the totals, the
    period and who submitted them (``submitted_by``). ``portal_url`` should be a URL that opens
    the portal without a session: the contact's personal link, working for ``link_valid_for``
    (the e-mail says so, and not to forward it). ``action_url``, when given, is the one-click
    action link (:mod:`clientportal.service.actions`): the e-mail's first button. ``note`` is
    the staff's note on why the items come back.
    """
    if not entries and not expenses and not trips:
        raise ValueError("an approval request needs at least one entry, expense or trip to approve")
    _check_max_rows(max_rows)
    if link_valid_for is not None and link_valid_for <= dt.timedelta(0):
        raise ValueError(f"link_valid_for must be positive, got {link_valid_for}")
    url = _checked_url(portal_url)
    action = None if action_url is None else _checked_url(action_url)
    t = _contact_translator(portal, contact)
    content = approval_request_content(
        t,
        portal=portal,
        contact=contact,
        entries=entries,
        projects=projects,
        submitted_by=submitted_by,
        url=url,
        link_valid_for=link_valid_for,
        sender=sender,
        expenses=expenses,
        trips=trips,
        employees=employees,
        max_rows=max_rows,
        action_url=action,
        note=note,
    )
    return _build(
        MailKind.APPROVAL_REQUESTED,
        t,
        content,
        template=template,
        sender=sender,
        to=mailbox(contact.name, _address(contact)),
        reply_to=None,
        now=now,
        message_id=message_id,
        identity=(portal.id, contact.id, *_item_ids(entries, expenses, trips)),
    )


def _address(contact: Contact) -> str:
    """The contact's e-mail address; a contact without one is never mailed (the service leaves
    them out), so building a message for them is a mistake in the caller."""
    if contact.email is None:
        raise ValueError(
            f"contact {contact.id!r} has no e-mail address: a contact without one receives no "
            "e-mail (leave them out of the recipients)"
        )
    return contact.email


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
    expenses: Sequence[ExpenseLike] = (),
    trips: Sequence[TripLike] = (),
) -> Mail:
    """Tell the company that ``contact`` rejected ``entries``, ``expenses`` and ``trips`` (any
    may be empty, not all), and the ``reason`` they gave.

    Written in the company's ``locale``; replies go to the contact. A section per kind lists its
    items as the portal showed them; ``max_rows`` lists only the first (oldest) of each kind,
    with a note how many there are (counts and totals cover all); ``None`` lists every item.
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
        expenses=expenses,
        trips=trips,
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
    expenses: Sequence[ExpenseLike] = (),
    trips: Sequence[TripLike] = (),
) -> Mail:
    """Tell the company that ``contact`` approved ``entries``, ``expenses`` and ``trips``, in the
    company's ``locale`` (the sections and ``max_rows`` as for :func:`entries_rejected`)."""
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
        expenses=expenses,
        trips=trips,
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
    content = access_code_content(
        t, portal=portal, contact=contact, code=code, valid_for=valid_for, sender=sender
    )
    return _build(
        MailKind.ACCESS_CODE,
        t,
        content,
        template=template,
        sender=sender,
        to=mailbox(contact.name, _address(contact)),
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
    expenses: Sequence[ExpenseLike] = (),
    trips: Sequence[TripLike] = (),
) -> Mail:
    if not entries and not expenses and not trips:
        raise ValueError(f"a {kind.value} e-mail needs at least one entry, expense or trip")
    _check_max_rows(max_rows)
    if not recipients:
        raise ValueError(f"a {kind.value} e-mail needs at least one recipient at the company")
    t = translator(locale)
    content = decision_content(
        t,
        portal=portal,
        contact=contact,
        entries=entries,
        projects=projects,
        employees=employees,
        reason=reason,
        sender=sender,
        max_rows=max_rows,
        expenses=expenses,
        trips=trips,
    )
    return _build(
        kind,
        t,
        content,
        template=template,
        sender=sender,
        to=", ".join(mailbox(r.name, r.address) for r in recipients),
        reply_to=None if contact.email is None else mailbox(contact.name, contact.email),
        now=now,
        message_id=message_id,
        identity=(
            portal.id,
            contact.id,
            *sorted(r.address for r in recipients),
            *_item_ids(entries, expenses, trips),
        ),
    )


# --------------------------------------------------------------------------------------------------
# The company's template or the standard text, in its envelope


def _build(
    kind: MailKind,
    t: Translator,
    content: Content,
    *,
    template: MailTemplate | None,
    sender: Sender,
    to: str,
    reply_to: str | None,
    now: dt.datetime,
    message_id: str | None,
    identity: tuple[str, ...],
) -> Mail:
    check_date_and_id(now, message_id)
    custom, fallback_reason = _custom(kind, template, content.values)
    if custom is not None:
        subject, text, body_html = custom.subject, custom.text, custom.html
    else:
        subject = content.subject
        text, body_html = text_part(content.blocks), html_part(content.blocks)
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
        secret=kind.carries_secret,
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


def _check_max_rows(max_rows: int | None) -> None:
    if max_rows is not None and max_rows < 1:
        raise ValueError(f"max_rows must be at least 1 (or None for every item), got {max_rows}")


def _item_ids(
    entries: Sequence[EntryLike], expenses: Sequence[ExpenseLike], trips: Sequence[TripLike]
) -> tuple[str, ...]:
    """What tells the items of an e-mail apart in its Message-ID: the entries' ids (alone, as
    before expenses and trips existed), then the expenses' and the trips' by kind."""
    return (
        *sorted(e.id for e in entries),
        *sorted(f"expense:{x.id}" for x in expenses),
        *sorted(f"trip:{x.id}" for x in trips),
    )


def _contact_translator(portal: Portal, contact: Contact) -> Translator:
    """The portal's language, else the contact's, else English."""
    return translator(
        negotiate_locale(portal_language=portal.language, contact_language=contact.language)
    )


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in url):
        raise ValueError(f"portal_url must be an http(s) URL without spaces, got {url!r}")
    return url
