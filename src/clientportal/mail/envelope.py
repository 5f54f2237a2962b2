"""The e-mail around the text: who it is from and to, its headers and its two parts.

:class:`Sender` and :class:`Recipient` say who writes and who is told; :func:`envelope` puts a
subject, a plain-text part and an HTML body into an ``EmailMessage`` with ``From``, ``To``,
``Reply-To``, ``Date``, ``Message-ID``, ``Auto-Submitted`` and ``Content-Language``; a
:class:`Mail` carries the result and how it was built. The same inputs give the same bytes: the
Message-ID (unless given) and the MIME boundary are derived from the e-mail's identity and time.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import re
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from attrs import field, frozen
from attrs import validators as v

from .._validators import email_problem
from .blocks import html_document
from .templates import MailKind

__all__ = [
    "Mail",
    "Recipient",
    "Sender",
    "check_date_and_id",
    "envelope",
    "header_text",
    "mailbox",
]

_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")


def _one_address(value: str) -> str:
    """``value`` when it is exactly one e-mail address; ``ValueError`` saying why not."""
    problem = email_problem(value)
    if problem is not None:
        raise ValueError(
            f"{value[:80]!r} is not one e-mail address such as 'name@example.com' ({problem})"
        )
    return value


def _address(_: object, attribute: object, value: str) -> None:
    _one_address(value)


def _domain(_: object, attribute: object, value: str) -> None:
    if not _DOMAIN.fullmatch(value) or "." not in value:
        raise ValueError(
            f"message_id_domain must be a domain name such as 'portal.example.com', got {value!r}"
        )


@frozen
class Sender:
    """Who the e-mails come from: the name and address of their From, the Message-ID domain,
    and the ``company`` the texts name (the From's name when not given: "Pixel & Co" when the
    e-mails come from "Pixel & Co hours")."""

    name: str = field(validator=v.instance_of(str))
    address: str = field(validator=[v.instance_of(str), _address])
    message_id_domain: str = field(validator=[v.instance_of(str), _domain])
    company: str | None = field(default=None, validator=v.optional(v.instance_of(str)))

    @property
    def company_name(self) -> str:
        """The company the texts name."""
        return self.company or self.name


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
    ``secret`` tells that it carries a secret (a one-time code, a personal link): queue it with
    ``OutboxMessage.of(..., secret=mail.secret)`` so the outbox drops it once it is sent.
    """

    kind: MailKind
    message: EmailMessage
    language: str
    custom_template: bool
    fallback_reason: str | None
    secret: bool = False


def check_date_and_id(now: dt.datetime, message_id: str | None) -> None:
    """Raise ``ValueError`` unless ``now`` is timezone-aware and ``message_id`` (when given)
    looks like ``<unique@domain>``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")
    if message_id is not None and not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"message_id must look like <unique@domain>, got {message_id!r}")


def envelope(
    kind: MailKind,
    *,
    subject: str,
    text: str,
    html_body: str,
    language: str,
    sender: Sender,
    to: str,
    reply_to: str | None,
    now: dt.datetime,
    message_id: str | None,
    identity: tuple[str, ...],
) -> EmailMessage:
    """The ``kind`` e-mail from ``sender`` to ``to`` (a header value), sent at ``now``.

    ``identity`` (the ids of what the e-mail is about) and ``now`` derive the Message-ID, unless
    ``message_id`` is given, and the MIME boundary. Check ``now`` and ``message_id`` first with
    :func:`check_date_and_id`.
    """
    message = EmailMessage(policy=email.policy.default)
    message["Subject"] = header_text(subject)
    message["From"] = mailbox(sender.name, sender.address)
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
    message.add_alternative(html_document(language, subject, html_body), subtype="html")
    # Set after the parts exist: making the message multipart moves Content-* headers into them.
    message["Content-Language"] = language
    # A fixed boundary keeps the bytes deterministic (the default one is random).
    message.set_boundary(f"=_clientportal_{digest[32:56]}")
    return message


def mailbox(name: str, address: str) -> str:
    """``Name <address>`` for an address header, the name on one line. ``ValueError`` unless
    ``address`` is exactly one e-mail address (so no header ever gains a recipient)."""
    return formataddr((header_text(name), _one_address(address)))


def header_text(text: str) -> str:
    """One line for a header: line breaks would end the header (or inject another)."""
    return " ".join(text.split())
