"""Finding 9: one-time codes (and the personal links of approval requests) stay in the outbox
table in plain text after their e-mail is sent. Once delivered, a message that carries a secret
keeps only its envelope: the code and the link appear nowhere in the stored rows."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from clientportal import AccessMode, MemoryStore
from clientportal.smtp import run_outbox_worker
from smtp_sink import Inbox, SmtpServer
from worlds import MAX, service_world

CLIENT = "198.51.100.1"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "memory":
        yield MemoryStore()
        return
    from clientportal.sql import SqlStore
    from clientportal.sql.testing import clear_tables

    engine = request.getfixturevalue("sqlite_memory" if request.param == "sqlite" else "postgres")
    clear_tables(engine)
    yield SqlStore(engine)


def _stored_rows(store: Any) -> list[str]:
    """Every stored outbox row, each value as text (bytes decoded): raw SQL for a SQL store."""
    if isinstance(store, MemoryStore):
        rows = [[getattr(m, f.name) for f in attrs.fields(type(m))] for m in store._outbox.values()]
    else:
        with store.engine.connect() as conn:
            rows = [list(r) for r in conn.execute(sa.text("SELECT * FROM cp_outbox"))]
    values = [bytes(v) if isinstance(v, memoryview) else v for row in rows for v in row]
    return [text for v in values for text in _readable(v)]


def _readable(value: object) -> list[str]:
    """A stored value as text; stored bytes also as the decoded parts of the e-mail they hold
    (quoted-printable or base64 would hide a token from a plain search)."""
    if not isinstance(value, bytes):
        return [str(value)]
    texts = [value.decode("utf-8", "replace")]
    if value:
        parsed = email.message_from_bytes(value, policy=email.policy.default)
        texts += [str(part.get_content()) for part in parsed.walk() if not part.is_multipart()]
    return texts


def _deliver(store: Any, clock: Any, inbox: Inbox, count: int) -> None:
    """The real outbox worker delivers to a real SMTP server until ``count`` e-mails arrived and
    nothing is pending."""
    with SmtpServer(inbox) as server:
        stop = threading.Event()
        worker = threading.Thread(
            target=run_outbox_worker,
            args=(store, server.mailer()),
            kwargs={"stop": stop, "clock": clock, "interval": 0.05},
        )
        worker.start()
        try:
            deadline = time.monotonic() + 30
            while len(inbox.received) < count or store.pending():
                assert time.monotonic() < deadline, "the worker did not deliver in time"
                time.sleep(0.05)
        finally:
            stop.set()
            worker.join(10)


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_finding_9_a_sent_code_is_nowhere_in_the_outbox(store: Any) -> None:
    """Finding 9: after the code e-mail is delivered, no stored outbox value holds the code."""
    w = service_world(store=store)
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    issued = w.service.links.issue("acme-web", "anna")
    opening = w.service.access.open(issued.token, client=CLIENT)
    assert opening.pending is not None
    w.service.access.request_code(opening.pending, client=CLIENT)
    [queued] = store.pending()
    assert queued.secret
    inbox = Inbox()
    _deliver(store, w.clock, inbox, 1)

    [(_, recipients, message)] = inbox.received
    assert recipients == ("anna@acme.example",)
    code = re.search(r"\b\d{6}\b", _text(message))
    assert code is not None
    stored = _stored_rows(store)
    assert stored, "the sent message is kept (its envelope)"
    assert not [value for value in stored if code.group() in value]
    kept = store.outbox_message(queued.id)
    assert kept.sent_at is not None
    assert kept.recipients == ("anna@acme.example",)
    assert kept.message_id == queued.message_id
    assert kept.message == b""
    # The code still works: only the outbox forgot it.
    w.service.access.verify_code(opening.pending, code.group(), client=CLIENT)


def test_finding_9_a_sent_approval_request_keeps_no_personal_link(store: Any) -> None:
    """Finding 9: the approval request's personal link token is gone from the outbox once sent;
    the company's notices (no secret) are kept whole."""
    w = service_world(store=store)
    entry_ids = ["w1", "w2"]
    result = w.service.approvals.submit(entry_ids, by=MAX)
    assert result.all_applied, result
    pending = store.pending()
    assert pending
    assert all(m.secret for m in pending)
    inbox = Inbox()
    _deliver(store, w.clock, inbox, len(pending))

    tokens = [
        m.group(1)
        for _, _, message in inbox.received
        for m in re.finditer(r"https://portal\.example\.com/open/(\S+)", _text(message))
    ]
    assert tokens
    stored = _stored_rows(store)
    assert not [value for value in stored for token in tokens if token in value]


def test_finding_9_a_given_up_code_is_not_kept_but_notices_are(store: Any) -> None:
    """Finding 9: a code e-mail the server refused for good is kept with its error, not its
    text; a message without a secret keeps its text when given up."""
    from clientportal.errors import DeliveryError
    from clientportal.smtp import deliver_outbox

    w = service_world(store=store)
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    opening = w.service.access.open(w.service.links.issue("acme-web", "anna").token, client=CLIENT)
    assert opening.pending is not None
    w.service.access.request_code(opening.pending, client=CLIENT)
    plain = attrs.evolve(store.pending()[0], id="plain", secret=False)
    store.enqueue([plain])

    class Refusing:
        def send(self, message: bytes, *, sender: str | None, recipients: Any) -> None:
            raise DeliveryError("550 no such user", permanent=True)

    report = deliver_outbox(store, Refusing(), clock=w.clock)
    assert report.given_up == 2
    by_id = {m.id: m for m in store.pending()}
    assert by_id["plain"].message == plain.message
    [secret] = [m for m in by_id.values() if m.secret]
    assert secret.message == b""
    assert secret.last_error == "550 no such user"


def test_finding_9_the_migration_drops_codes_already_sent(tmp_path: Any) -> None:
    """Finding 9: upgrading a database drops the text of code e-mails sent before the upgrade
    (recognised by the Message-ID the library derives), and keeps what still waits."""
    import datetime as dt

    from clientportal.sql import create_engine, upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0003")
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    rows = [
        ("sent-code", "<access_code.1@x.example>", b"code 424242", at),
        ("waiting-code", "<access_code.2@x.example>", b"code 535353", None),
        ("sent-notice", "<entries_approved.3@x.example>", b"approved", at),
        # A host's own mail whose Message-ID differs only where LIKE's "_" matches anything.
        ("host-mail", "<accessXcode.4@host.example>", b"host's own", at),
    ]
    with engine.begin() as conn:
        for id_, message_id, body, sent_at in rows:
            conn.execute(
                sa.text(
                    "INSERT INTO cp_outbox (id, message_id, recipients, message, created_at, "
                    "attempts, sent_at) VALUES (:id, :mid, '[\"a@b.example\"]', :body, :at, "
                    ":attempts, :sent)"
                ),
                {
                    "id": id_,
                    "mid": message_id,
                    "body": body,
                    "at": at,
                    "sent": sent_at,
                    "attempts": 0 if sent_at is None else 1,
                },
            )
    upgrade(engine)
    with engine.connect() as conn:
        kept = dict(conn.execute(sa.text("SELECT id, message FROM cp_outbox")).all())
        secret = dict(conn.execute(sa.text("SELECT id, secret FROM cp_outbox")).all())
    assert bytes(kept["sent-code"]) == b""
    assert bytes(kept["waiting-code"]) == b"code 535353"
    assert bytes(kept["sent-notice"]) == b"approved"
    assert bytes(kept["host-mail"]) == b"host's own"
    assert secret == {"sent-code": 1, "waiting-code": 1, "sent-notice": 0, "host-mail": 0}
    engine.dispose()
