"""`clientportal outbox`: list what waits (and why), deliver it once or keep delivering, to the
company's stored SMTP server or this run's --smtp: plain, STARTTLS or TLS, with a login."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from smtp_sink import Inbox, SmtpServer
from test_smtp import certificate  # noqa: F401 - the self-signed certificate fixture

from .running import rows, run, script, start, wait_until

RECIPIENTS = ["k.bergmann@bergmann.example", "ruud.visser@lumen.example", "sanne@lumen.example"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_outbox_lists_what_waits_and_an_empty_one_says_so(demo_db: str, empty_db: str) -> None:
    code, out, _ = run(empty_db, "outbox", "list")
    assert (code, out) == (0, "the outbox is empty: every e-mail has been sent\n")
    code, out, _ = run(demo_db, "outbox", "list")
    assert code == 0
    header = out.splitlines()[0]
    for column in ("ID", "STATUS", "TO", "SUBJECT", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"):
        assert column in header
    listed = rows(out)
    assert sorted(r[2] for r in listed) == RECIPIENTS
    assert {r[1] for r in listed} == {"waiting"}
    assert {r[4] for r in listed} == {"0"}
    assert {r[5] for r in listed} == {"now"}  # due, no error (the last column stays empty)
    assert {len(r) for r in listed} == {6}
    subjects = {r[2]: r[3] for r in listed}
    # The demo asks for hours, expenses and trips: the subject names hours and costs.
    assert subjects["k.bergmann@bergmann.example"] == (
        "Stunden und Kosten warten auf Ihre Freigabe: Bergmann Kundenportal"
    )


def test_deliver_to_the_stored_server_then_nothing_waits(demo_db: str) -> None:
    with SmtpServer(Inbox()) as server:
        assert run(demo_db, "company", "set", "--smtp-host", "127.0.0.1",
                   "--smtp-port", str(server.port), "--smtp-tls", "none")[0] == 0  # fmt: skip
        code, out, err = run(demo_db, "outbox", "deliver")
        assert (code, out) == (0, "sent 3, failed 0 (will retry), given up 0\n"), err
        assert sorted(r for _, rcpt, _ in server.inbox.received for r in rcpt) == RECIPIENTS
    assert run(demo_db, "outbox", "list")[1].startswith("the outbox is empty")


def test_failures_are_listed_with_their_error_and_the_exit_status_tells(demo_db: str) -> None:
    port = closed_port()
    code, out, err = run(demo_db, "outbox", "deliver", "--smtp", f"127.0.0.1:{port}")
    assert code == 1
    assert out.startswith("sent 0, failed 3 (will retry)")
    assert "ConnectionRefusedError" in err
    listed = rows(run(demo_db, "outbox", "list")[1])
    assert {(r[1], r[4]) for r in listed} == {("retrying", "1")}
    assert all(r[5].endswith(" UTC") for r in listed)  # a minute later
    assert all(f"127.0.0.1:{port}: ConnectionRefusedError" in r[6] for r in listed)

    with SmtpServer(Inbox()) as server:
        code, out, _ = run(demo_db, "outbox", "deliver", "--smtp", f"127.0.0.1:{server.port}")
    assert (code, out) == (0, "sent 0, failed 0 (will retry), given up 0\n")  # not due yet
    assert server.inbox.received == []


def test_a_message_refused_for_good_is_given_up_and_listed(empty_db: str) -> None:
    from clientportal.sql import SqlStore, create_engine

    store = SqlStore(create_engine(f"sqlite:///{empty_db}"))
    import datetime as dt
    from email.message import EmailMessage

    from clientportal.ports import OutboxMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@pixel.example", "gone@x.example", "Hallo"
    mail["Message-ID"] = "<1@pixel.example>"
    mail.set_content("x")
    store.enqueue([OutboxMessage.of("m1", mail, created_at=dt.datetime.now(dt.UTC))])
    with SmtpServer(Inbox(refuse_rcpt=frozenset({"gone@x.example"}))) as server:
        code, out, _err = run(empty_db, "outbox", "deliver", "--smtp", f"127.0.0.1:{server.port}")
    assert code == 1
    assert out.startswith("sent 0, failed 0 (will retry), given up 1")
    [row] = rows(run(empty_db, "outbox", "list")[1])
    assert row[:6] == ["m1", "given up", "gone@x.example", "Hallo", "1", "never"]
    assert "gone@x.example (550 5.1.1 No such user)" in row[6]


def test_deliver_without_a_server_is_a_usage_error(demo_db: str) -> None:
    code, _, err = run(demo_db, "outbox", "deliver")
    assert code == 2
    assert "no SMTP server to deliver to: give --smtp HOST:PORT, or store one with " in err
    for args, message in {
        ("--smtp", "nohost"): "is not HOST:PORT",
        ("--smtp-tls", "tls"): "go with an SMTP server",
        ("--smtp", "127.0.0.1:25", "--smtp-username", "u"): "--smtp-username needs "
        "--smtp-password-env VAR",
        ("--smtp", "127.0.0.1:25", "--smtp-password-env", "PW"): "--smtp-password-env goes "
        "with --smtp-username",
        ("--smtp", "127.0.0.1:25", "--smtp-tls", "ssl"): "'ssl' is not one of 'none', "
        "'starttls', 'tls'",
    }.items():
        code, _, err = run(demo_db, "outbox", "deliver", *args)
        assert code == 2, args
        assert message in " ".join(err.split()), (args, err)


def authenticator(logins: list[tuple[bool, str]]) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        logins.append((session.ssl is not None, mechanism))
        return AuthResult(success=data == LoginPassword(b"portal", b"s3cret"), handled=False)

    return check


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_starttls_and_a_login_from_the_stored_settings(
    demo_db: str,
    certificate: tuple[Path, Path],  # noqa: F811
) -> None:
    from clientportal.sql import SqlStore, create_engine

    engine = create_engine(demo_db)
    cert, key = certificate
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    logins: list[tuple[bool, str]] = []
    with SmtpServer(Inbox(), tls_context=tls, require_starttls=True, auth_required=True,
                    authenticator=authenticator(logins)) as server:  # fmt: skip
        stored = run(demo_db, "company", "set", "--smtp-host", "127.0.0.1",
                     "--smtp-port", str(server.port), "--smtp-tls", "starttls",
                     "--smtp-username", "portal", "--smtp-password-env", "PIXEL_PW")  # fmt: skip
        assert stored[0] == 0
        code, out, err = run(demo_db, "outbox", "deliver", env={"PIXEL_PW": "s3cret"})
        assert code == 1
        assert "CERTIFICATE_VERIFY_FAILED" in err  # a certificate nobody vouches for
        trusted = {"SSL_CERT_FILE": str(cert)}
        code, _, err = run(demo_db, "outbox", "deliver", env=trusted)
        assert code == 1
        assert "the SMTP password is read from the environment variable PIXEL_PW, which is " in (
            " ".join(err.split())
        )
        with engine.begin() as conn:  # due again
            conn.exec_driver_sql("UPDATE cp_outbox SET next_attempt_at = created_at")
        code, out, err = run(demo_db, "outbox", "deliver", env={**trusted, "PIXEL_PW": "wrong"})
        assert code == 1
        assert "535" in err
        assert "wrong" not in out + err
        assert logins
        assert all(encrypted for encrypted, _ in logins)  # before logging in
        assert server.inbox.received == []
        assert run(demo_db, "outbox", "list")[1].count("retrying") == 3

    # The retries are due later: a server for this run, on the loopback, with AUTH LOGIN.
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cp_outbox SET next_attempt_at = created_at")
    logins.clear()
    with SmtpServer(Inbox(), auth_required=True, auth_require_tls=False,
                    auth_exclude_mechanism=["PLAIN"],
                    authenticator=authenticator(logins)) as plain:  # fmt: skip
        code, out, err = run(
            demo_db, "outbox", "deliver", "--smtp", f"127.0.0.1:{plain.port}",
            "--smtp-username", "portal", "--smtp-password-env", "PW", env={"PW": "s3cret"},
        )  # fmt: skip
        assert (code, out) == (0, "sent 3, failed 0 (will retry), given up 0\n"), err
        assert logins == [(False, "LOGIN")] * 3
    assert not SqlStore(engine).pending()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_with_auth_plain(
    demo_db: str,
    certificate: tuple[Path, Path],  # noqa: F811
) -> None:
    cert, key = certificate
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    logins: list[tuple[bool, str]] = []
    # aiosmtpd does not see its implicit TLS as TLS: it must offer AUTH all the same.
    with SmtpServer(Inbox(), ssl_context=tls, auth_required=True, auth_require_tls=False,
                    authenticator=authenticator(logins)) as server:  # fmt: skip
        assert run(demo_db, "company", "set", "--smtp-host", "127.0.0.1",
                   "--smtp-port", str(server.port), "--smtp-tls", "tls",
                   "--smtp-username", "portal", "--smtp-password", "s3cret")[0] == 0  # fmt: skip
        code, out, err = run(demo_db, "outbox", "deliver", env={"SSL_CERT_FILE": str(cert)})
        assert (code, out) == (0, "sent 3, failed 0 (will retry), given up 0\n"), err
    assert {mechanism for _, mechanism in logins} == {"PLAIN"}
    assert len(server.inbox.received) == 3


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_worker_keeps_delivering_until_stopped_and_outbox_list_as_the_real_command(
    demo_db: str,
) -> None:
    listed = script("--db", demo_db, "outbox", "list")
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[0].split()[:4] == ["ID", "STATUS", "TO", "SUBJECT"]
    assert len(listed.stdout.splitlines()) == 4
    with SmtpServer(Inbox()) as server:
        smtp = f"127.0.0.1:{server.port}"
        with start("--db", demo_db, "outbox", "worker", "--smtp", smtp, "--interval", "0.2") as p:
            try:
                wait_until(lambda: len(server.inbox.received) == 3)
            finally:
                p.terminate()
                out, err = p.communicate(timeout=20)
        assert p.returncode == 0, err
        assert out.splitlines()[0].startswith("delivering the outbox of sqlite:///")
        assert f"to {smtp} (no TLS) (Ctrl+C stops)" in out
        assert out.splitlines()[-1] == "stopped: sent 3, failed 0, given up 0"
    empty = script("--db", demo_db, "outbox", "list")
    assert empty.stdout == "the outbox is empty: every e-mail has been sent\n"
