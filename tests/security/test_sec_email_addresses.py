"""Finding 8: an e-mail address is one address. Commas, semicolons, angle brackets or quotes
must never turn one contact's address into extra recipients of a portal e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
from attrs import evolve
from click.testing import CliRunner

from clientportal import MailSettings, MemoryStore, ValidationError
from clientportal.convert import structure
from clientportal.mail.messages import Mail, Recipient, Sender, access_code
from clientportal.model import Contact, Portal
from clientportal.ports import OutboxMessage

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
EVIL = "a,evil@attacker.example"
SMUGGLING = [
    EVIL,
    "a;evil@attacker.example",
    "a@b.example, evil@attacker.example",
    "Ann <evil@attacker.example>",
    "a<evil@attacker.example>",
    "a>@b.example",
    '"a,evil"@attacker.example',
    "a@b.example\nBcc: evil@attacker.example",
    "a @b.example",
    "no-at-sign.example",
    "a@b",
]


@pytest.mark.parametrize("address", SMUGGLING)
def test_finding_8_a_contact_takes_one_address_only(address: str) -> None:
    """Finding 8: the model refuses an address that is not exactly one address, saying why."""
    with pytest.raises(ValueError, match="email must be one e-mail address") as caught:
        Contact("ann", "acme", "Ann", address)
    assert "name@example.com" in str(caught.value)


def test_finding_8_the_exact_input_is_refused_when_structured() -> None:
    """Finding 8: the review's exact input, as a host's JSON, is a path-carrying ValidationError."""
    raw = {"id": "ann", "client_id": "acme", "name": "Ann", "email": EVIL}
    with pytest.raises(ValidationError) as caught:
        structure(raw, Contact)
    assert "email" in str(caught.value)
    assert "invalid characters" in str(caught.value) or "','" in str(caught.value)


def test_finding_8_good_addresses_still_pass() -> None:
    """Finding 8: the stricter rule keeps real addresses (subaddresses, subdomains, IDN domains
    in their ASCII form, the documentation's .example domains)."""
    for address in (
        "anna@acme.example",
        "k.bergmann+portal@mail.bergmann.example",
        "o'brien@example.com",
        "x@xn--mller-kva.example",
    ):
        assert Contact("ann", "acme", "Ann", address).email == address


def _smuggled_contact() -> Contact:
    """A contact whose address skipped the model's check (a DataSource that builds records
    without validation): the mail layer must refuse it on its own."""
    contact = Contact("ann", "acme", "Ann", "ann@acme.example")
    object.__setattr__(contact, "email", EVIL)
    return contact


def _code_mail(contact: Contact) -> Mail:
    """The access-code e-mail of Acme's portal to ``contact``."""
    return access_code(
        portal=Portal(id="p", client_id="acme", name="Acme", created_at=T0, contact_ids={"ann"}),
        contact=contact,
        code="123456",
        valid_for=dt.timedelta(minutes=15),
        sender=Sender("Example Co", "portal@example.com", "example.com"),
        now=T0,
    )


def test_finding_8_an_unchecked_address_never_reaches_the_outbox() -> None:
    """Finding 8: even a contact built without validation gets no e-mail to extra recipients."""
    store = MemoryStore()
    mail = None
    with pytest.raises(ValueError, match="one e-mail address"):
        mail = _code_mail(_smuggled_contact())
    if mail is not None:  # the old code built it: queue it to show where it would go
        store.enqueue([OutboxMessage.of("m1", mail.message, created_at=T0)])
    assert store.pending() == ()


def test_finding_8_a_header_with_extra_recipients_is_not_queued() -> None:
    """Finding 8: the outbox refuses a message whose To holds an address that is not one."""
    message = _code_mail(Contact("ann", "acme", "Ann", "ann@acme.example")).message
    del message["To"]
    message["To"] = '"a,evil"@attacker.example'
    with pytest.raises(ValidationError, match="not one e-mail address"):
        OutboxMessage.of("m1", message, created_at=T0)


@pytest.mark.parametrize("address", [EVIL, "a@b.example, evil@attacker.example"])
def test_finding_8_senders_and_company_recipients_take_one_address(address: str) -> None:
    """Finding 8: the From, the company's recipients and the mail settings take one address."""
    with pytest.raises(ValueError, match="one e-mail address"):
        Sender("Example Co", address, "example.com")
    with pytest.raises(ValueError, match="one e-mail address"):
        Recipient("Office", address)
    settings = MailSettings(
        sender_name="Example Co",
        sender_address="portal@example.com",
        message_id_domain="example.com",
        base_url="https://portal.example.com",
    )
    with pytest.raises(ValueError, match="e-mail address"):
        evolve(settings, sender_address=address)
    with pytest.raises(ValueError, match="e-mail address"):
        evolve(settings, company_recipients=[address])
    with pytest.raises(ValueError, match="e-mail address"):
        evolve(settings, company_recipients=[f"Office <{address}>"])


@pytest.mark.parametrize(
    "value", [EVIL, "Ann <a@b.example>, evil@attacker.example", "a@b.example; c@d.example"]
)
def test_finding_8_the_cli_sender_is_one_address(value: str) -> None:
    """Finding 8: `--sender` takes exactly one address."""
    from clientportal.cli import main

    result = CliRunner().invoke(main, ["--db", "sqlite://", "--sender", value, "portal", "list"])
    assert result.exit_code == 2
    assert "is not an address" in result.output


def test_finding_8_the_mailer_never_fans_out_a_bad_recipient_list() -> None:
    """Finding 8: an outbox row written around the checks (recipients ('a',
    'evil@attacker.example'), as the review found them) is refused by the mailer for good, and
    the SMTP server receives nothing."""
    from clientportal.errors import DeliveryError
    from smtp_sink import Inbox, SmtpServer

    with SmtpServer(Inbox()) as server:
        with pytest.raises(DeliveryError, match="not one e-mail address") as caught:
            server.mailer().send(
                b"Subject: x\r\n\r\nhi\r\n",
                sender="portal@example.com",
                recipients=("a", "evil@attacker.example"),
            )
        assert caught.value.permanent
        assert server.inbox.received == []
