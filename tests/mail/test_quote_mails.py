"""The company's notice of a decision on a quote (clientportal.mail.quotes): what it says in each
language, its headers, a company's own template, determinism and escaping."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from decimal import Decimal
from email.message import EmailMessage

import pytest

from clientportal import Contact, DocumentStatus, Portal, Quote
from clientportal.mail import MailKind, MailTemplate
from clientportal.mail.messages import Recipient, Sender
from clientportal.mail.quotes import quote_decided
from clientportal.model import SUPPORTED_LANGUAGES
from clientportal.ports.requests import QuoteDecision

AT = dt.datetime(2026, 3, 2, 14, 5, tzinfo=dt.UTC)
SENDER = Sender("Lumen BV", "hours@lumen.example", "lumen.example")
OFFICE = (Recipient("Mira Kos", "mira@lumen.example"), Recipient("", "boss@lumen.example"))
PORTAL = Portal(id="p1", client_id="c1", name="Zephyr", created_at=AT - dt.timedelta(days=9))
CONTACT = Contact("k1", "c1", "Ruud Visser", "ruud@klant.example")
QUOTE = Quote(
    "q1",
    "c1",
    "OFF-2026-12",
    dt.date(2026, 2, 20),
    Decimal("12500.50"),
    "EUR",
    DocumentStatus.SENT,
    {"w"},
    dt.date(2026, 3, 31),
)


def decision(
    *, accepted: bool = True, signature: str = "Ruud Visser", reason: str | None = None
) -> QuoteDecision:
    return QuoteDecision(
        client_id="c1",
        quote_id="q1",
        portal_id="p1",
        contact_id="k1",
        accepted=accepted,
        signature=signature,
        at=AT,
        reason=reason,
    )


def notice(**kw: object) -> EmailMessage:
    values: dict[str, object] = {
        "portal": PORTAL,
        "contact": CONTACT,
        "quote": QUOTE,
        "decision": decision(),
        "project_names": ("Website",),
        "recipients": OFFICE,
        "sender": SENDER,
        "locale": "en",
    }
    values.update(kw)
    mail = quote_decided(**values)  # type: ignore[arg-type]
    assert mail.kind is MailKind.QUOTE_DECIDED
    assert not mail.secret
    return mail.message


def text(message: EmailMessage, kind: str = "plain") -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    return str(part.get_content())


def test_an_acceptance_names_the_quote_the_contact_and_the_typed_signature() -> None:
    message = notice()
    assert message["Subject"] == "Ruud Visser accepted quote OFF-2026-12: Zephyr"
    assert message["From"] == "Lumen BV <hours@lumen.example>"
    assert message["To"] == "Mira Kos <mira@lumen.example>, boss@lumen.example"
    assert message["Reply-To"] == "Ruud Visser <ruud@klant.example>"
    assert message["Content-Language"] == "en"
    body = text(message)
    assert (
        "Ruud Visser (ruud@klant.example) accepted the quote OFF-2026-12 (€12,500.50) in the "
        "portal Zephyr on Mar 2, 2026, 2:05:00\u202fPM (UTC)." in body
    )
    assert "Number: OFF-2026-12\nDate: Feb 20, 2026\nValid until: Mar 31, 2026\n" in body
    assert "Amount: €12,500.50\nProjects: Website" in body
    assert "Signed by typing the name:\n\n> Ruud Visser" in body
    assert "Reason given" not in body


def test_a_refusal_quotes_the_reason() -> None:
    message = notice(decision=decision(accepted=False, reason="Te duur.\nVolgend jaar?"))
    assert message["Subject"] == "Ruud Visser declined quote OFF-2026-12: Zephyr"
    body = text(message)
    assert "declined the quote OFF-2026-12" in body
    assert "Reason given by Ruud Visser:\n\n> Te duur.\n> Volgend jaar?" in body


def test_a_contact_without_an_address_is_named_without_a_reply_to() -> None:
    message = notice(contact=Contact("k1", "c1", "Ruud Visser"))
    assert message["Reply-To"] is None
    assert "Ruud Visser (no e-mail address) accepted" in text(message)


@pytest.mark.parametrize("language", sorted(SUPPORTED_LANGUAGES))
def test_every_language_writes_the_notice_with_the_number_and_the_signature(language: str) -> None:
    message = notice(locale=language, decision=decision(signature="Łucja Żółć"))
    body = text(message)
    assert message["Content-Language"] == language
    assert "OFF-2026-12" in message["Subject"]
    assert "> Łucja Żółć" in body
    if language != "en":
        assert "accepted the quote" not in body


def test_the_html_part_escapes_what_the_contact_typed() -> None:
    message = notice(decision=decision(accepted=False, signature="<b>Ruud</b>", reason="<script>x"))
    markup = text(message, "html")
    assert "&lt;b&gt;Ruud&lt;/b&gt;" in markup
    assert "&lt;script&gt;x" in markup
    assert "<script>" not in markup


def test_the_same_decision_gives_the_same_bytes_and_another_quote_another_message_id() -> None:
    first, again = notice(), notice()
    assert first.as_bytes() == again.as_bytes()
    other = Quote("q2", "c1", "OFF-2", QUOTE.date, QUOTE.amount, "EUR", DocumentStatus.SENT)
    second = notice(quote=other, decision=QuoteDecision(
        client_id="c1", quote_id="q2", portal_id="p1", contact_id="k1", accepted=True,
        signature="Ruud", at=AT,
    ))  # fmt: skip
    assert second["Message-ID"] != first["Message-ID"]
    assert first["Message-ID"].endswith("@lumen.example>")


def test_a_company_template_words_the_notice() -> None:
    template = MailTemplate.create(
        kind=MailKind.QUOTE_DECIDED,
        subject="{{ decision }}: {{ quote_number }} ({{ amount }})",
        body="{{ contact_name }} signed as {{ signature }} on {{ decided_at }}.\n"
        "{% if not accepted %}Why: {{ reason }}{% endif %} {{ project_names }} {{ valid_until }}",
    )
    message = notice(template=template)
    assert message["Subject"] == "Accepted: OFF-2026-12 (€12,500.50)"
    assert text(message).startswith(
        "Ruud Visser signed as Ruud Visser on Mar 2, 2026, 2:05:00\u202fPM (UTC).\n"
        " Website Mar 31, 2026"
    )


def test_a_company_template_must_name_the_quote_and_the_signature() -> None:
    from clientportal import ValidationError

    with pytest.raises(ValidationError, match="signature"):
        MailTemplate.create(
            kind=MailKind.QUOTE_DECIDED, subject="{{ quote_number }}", body="{{ quote_number }}"
        )


def test_a_notice_needs_somebody_to_tell_and_the_decisions_own_quote() -> None:
    with pytest.raises(ValueError, match="at least one recipient"):
        notice(recipients=())
    with pytest.raises(ValueError, match="not on quote 'q2'"):
        notice(quote=Quote("q2", "c1", "X", QUOTE.date, Decimal(1), "EUR", DocumentStatus.SENT))


def test_the_notice_parses_back_as_the_same_message() -> None:
    message = notice()
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == message["Subject"]
