"""SmtpMailer against a real SMTP server (aiosmtpd on 127.0.0.1, an ephemeral port): plain,
STARTTLS and implicit TLS, login, and how refusals, timeouts and closed ports are reported.

The server itself is in smtp_sink.py (the outbox, CLI and journey tests use it too).
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

aiosmtpd = pytest.importorskip("aiosmtpd", reason="the SMTP tests need aiosmtpd (the test extra)")

from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from clientportal import ConfigError  # noqa: E402
from clientportal.errors import DeliveryError  # noqa: E402
from clientportal.smtp import SmtpMailer  # noqa: E402
from smtp_sink import HOST, Inbox, SmtpServer  # noqa: E402


def message(to: str = "anna@acme.example", message_id: str = "<m1@portal.example.com>") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Example Co <portal@example.com>"
    msg["To"] = to
    msg["Subject"] = "Hours awaiting your approval"
    msg["Message-ID"] = message_id
    msg.set_content("Please have a look.\n")
    return msg.as_bytes()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def server(inbox: Inbox) -> Iterator[SmtpServer]:
    with SmtpServer(inbox) as running:
        yield running


# --------------------------------------------------------------------------------------------------
# Delivery


def test_plain_delivery_uses_the_from_address_as_envelope_sender(server: SmtpServer) -> None:
    server.mailer().send(message(), sender=None, recipients=["anna@acme.example"])
    [(mail_from, rcpt, received)] = server.inbox.received
    assert mail_from == "portal@example.com"
    assert rcpt == ("anna@acme.example",)
    assert received["Message-ID"] == "<m1@portal.example.com>"
    assert received.get_content().strip() == "Please have a look."


def test_lf_line_endings_are_sent_as_crlf(server: SmtpServer) -> None:
    # Python's e-mail package writes LF; SMTP wants CRLF, or a strict server sees one long line.
    msg = EmailMessage()
    msg["From"] = "portal@example.com"
    msg["To"] = "anna@acme.example"
    msg["Message-ID"] = "<long@portal.example.com>"
    msg.set_content("".join(f"line {i}: {'x' * 60}\n" for i in range(200)) + ".hidden dot\n")
    raw = msg.as_bytes()
    assert b"\r\n" not in raw
    assert len(raw) > 10_000
    server.mailer().send(raw, sender=None, recipients=["anna@acme.example"])
    [(_, _, received)] = server.inbox.received
    body = received.get_content()
    assert body.count("line ") == 200
    assert body.splitlines()[-1] == ".hidden dot"  # dot-stuffing kept the leading dot


def test_the_envelope_sender_can_be_given(server: SmtpServer) -> None:
    server.mailer(envelope_from="bounces@example.com").send(
        message(), sender=None, recipients=["a@x.example", "b@x.example"]
    )
    server.mailer().send(message(), sender="other@example.com", recipients=["a@x.example"])
    assert [(f, r) for f, r, _ in server.inbox.received] == [
        ("bounces@example.com", ("a@x.example", "b@x.example")),
        ("other@example.com", ("a@x.example",)),
    ]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_on_the_loopback_interface() -> None:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:  # fmt: skip
        ok = isinstance(auth_data, LoginPassword) and auth_data == (b"portal", b"s3cret")
        return AuthResult(success=ok, handled=False)

    with SmtpServer(Inbox(), authenticator=authenticator, auth_required=True,
                    auth_require_tls=False) as server:  # fmt: skip
        server.mailer(username="portal", password="s3cret").send(
            message(), sender=None, recipients=["anna@acme.example"]
        )
        assert len(server.inbox.received) == 1
        with pytest.raises(DeliveryError, match="535") as caught:
            server.mailer(username="portal", password="wrong").send(
                message(), sender=None, recipients=["anna@acme.example"]
            )
        assert not caught.value.permanent  # a wrong password is a setting to fix, then retry
        assert "wrong" not in str(caught.value)
        with pytest.raises(DeliveryError, match="530"):  # no login: the server wants one
            server.mailer().send(message(), sender=None, recipients=["anna@acme.example"])
        assert len(server.inbox.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_login_with_the_mechanism_the_server_offers(mechanism: str) -> None:
    used: list[str] = []

    def authenticator(server: Any, session: Any, envelope: Any, name: str,
                      auth_data: Any) -> AuthResult:  # fmt: skip
        used.append(name)
        return AuthResult(success=auth_data == LoginPassword(b"portal", b"s3cret"), handled=False)

    other = {"LOGIN": "PLAIN", "PLAIN": "LOGIN"}[mechanism]
    with SmtpServer(Inbox(), authenticator=authenticator, auth_required=True,
                    auth_require_tls=False, auth_exclude_mechanism=[other]) as server:  # fmt: skip
        server.mailer(username="portal", password="s3cret").send(
            message(), sender=None, recipients=["anna@acme.example"]
        )
    assert used == [mechanism]
    assert len(server.inbox.received) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the TLS tests make a self-signed certificate with the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def contexts(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def test_starttls_encrypts_before_logging_in(certificate: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = contexts(certificate)
    seen_tls: list[bool] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:  # fmt: skip
        seen_tls.append(session.ssl is not None)
        return AuthResult(success=auth_data == LoginPassword(b"portal", b"s3cret"), handled=False)

    with SmtpServer(Inbox(), tls_context=server_ctx, require_starttls=True,
                    authenticator=authenticator, auth_required=True) as server:  # fmt: skip
        server.mailer(
            security="starttls", ssl_context=client_ctx, username="portal", password="s3cret"
        ).send(message(), sender=None, recipients=["anna@acme.example"])
        assert len(server.inbox.received) == 1
        assert seen_tls == [True]
        # The default context does not trust a self-signed certificate: refused, not sent.
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            server.mailer(security="starttls").send(
                message(), sender=None, recipients=["anna@acme.example"]
            )
        assert len(server.inbox.received) == 1


def test_starttls_is_required_when_asked_for(server: SmtpServer) -> None:
    with pytest.raises(DeliveryError, match=r"does not offer STARTTLS") as caught:
        server.mailer(security="starttls").send(message(), sender=None, recipients=["a@x.example"])
    assert not caught.value.permanent
    assert server.inbox.received == []


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = contexts(certificate)
    with SmtpServer(Inbox(), ssl_context=server_ctx) as server:
        server.mailer(security="ssl", ssl_context=client_ctx).send(
            message(), sender=None, recipients=["anna@acme.example"]
        )
        assert len(server.inbox.received) == 1


# --------------------------------------------------------------------------------------------------
# Failures


def test_a_4xx_answer_is_temporary_and_a_5xx_answer_permanent() -> None:
    with SmtpServer(Inbox(refuse_data=1)) as server:
        with pytest.raises(DeliveryError, match=r"451 4\.3\.0 Try again later") as caught:
            server.mailer().send(message(), sender=None, recipients=["a@x.example"])
        assert not caught.value.permanent
        server.mailer().send(message(), sender=None, recipients=["a@x.example"])
        assert len(server.inbox.received) == 1
    with SmtpServer(Inbox(refuse_data=1, data_reply="554 5.6.0 Content rejected")) as server:
        with pytest.raises(DeliveryError, match="554") as caught:
            server.mailer().send(message(), sender=None, recipients=["a@x.example"])
        assert caught.value.permanent


def test_refused_recipients() -> None:
    with SmtpServer(Inbox(refuse_rcpt=frozenset({"gone@x.example"}))) as server:
        with pytest.raises(DeliveryError, match="refused every recipient") as caught:
            server.mailer().send(message(), sender=None, recipients=["gone@x.example"])
        assert caught.value.permanent
        assert "gone@x.example (550 5.1.1 No such user)" in str(caught.value)
        # Some refused, some taken: sent (sending again would duplicate it for the others).
        server.mailer().send(message(), sender=None, recipients=["gone@x.example", "a@x.example"])
        assert [r for _, r, _ in server.inbox.received] == [("a@x.example",)]


def test_a_closed_port_is_a_temporary_failure() -> None:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    mailer = SmtpMailer(HOST, port, security="plain", local_hostname="client.test", timeout=2)
    with pytest.raises(DeliveryError, match="ConnectionRefusedError") as caught:
        mailer.send(message(), sender=None, recipients=["a@x.example"])
    assert not caught.value.permanent


def test_a_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        port = listener.getsockname()[1]
        mailer = SmtpMailer(HOST, port, security="plain", local_hostname="client.test",
                            timeout=0.3)  # fmt: skip
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="timed out"):
            mailer.send(message(), sender=None, recipients=["a@x.example"])
        assert time.monotonic() - started < 5


def test_a_message_without_from_or_recipients_is_refused_for_good(server: SmtpServer) -> None:
    bare = EmailMessage()
    bare["To"] = "a@x.example"
    bare.set_content("x")
    with pytest.raises(DeliveryError, match="no From address") as caught:
        server.mailer().send(bare.as_bytes(), sender=None, recipients=["a@x.example"])
    assert caught.value.permanent
    with pytest.raises(DeliveryError, match="no recipients"):
        server.mailer().send(message(), sender=None, recipients=[])


# --------------------------------------------------------------------------------------------------
# Settings


def test_settings_are_checked_and_the_password_never_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        SmtpMailer("mail.example.com", 99999, security="tls", timeout=0)  # type: ignore[arg-type]
    assert len(caught.value.problems) == 3
    with pytest.raises(ConfigError, match="clear text"):
        SmtpMailer("mail.example.com", security="plain", username="u", password="p")
    with pytest.raises(ConfigError, match="both username and password"):
        SmtpMailer("mail.example.com", username="u")
    mailer = SmtpMailer("mail.example.com", username="portal", password="s3cret")
    assert mailer.port == 587
    assert "s3cret" not in repr(mailer)
    assert SmtpMailer(security="ssl").port == 465
    assert SmtpMailer("10.0.0.5", security="plain", username="u", password="p",
                      allow_insecure_login=True).port == 25  # fmt: skip
