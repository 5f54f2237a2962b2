"""The outbox against a real SMTP server: every message arrives exactly once after the server
recovers, retries back off exponentially and keep the Message-ID, giving up keeps the last error,
and a worker that dies between claiming and marking loses nothing."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from email.message import EmailMessage

import pytest
from attrs import evolve

from worlds import EVA, MAX, T0, service_dataset, service_world

pytest.importorskip("aiosmtpd", reason="the outbox tests need aiosmtpd (the test extra)")

from clientportal import ConfigError, MemoryStore
from clientportal.errors import DeliveryError
from clientportal.memory import ManualClock
from clientportal.ports import EntryQuery, OutboxMessage
from clientportal.smtp import DeliveryReport, deliver_outbox, run_outbox_worker
from smtp_sink import Inbox, SmtpServer

MINUTE = dt.timedelta(minutes=1)


def queue(store: MemoryStore, count: int, at: dt.datetime = T0) -> list[OutboxMessage]:
    messages = []
    for i in range(count):
        mail = EmailMessage()
        mail["From"] = "Example Co <portal@example.com>"
        mail["To"] = f"contact{i}@client.example"
        mail["Subject"] = f"Message {i}"
        mail["Message-ID"] = f"<m{i}@portal.example.com>"
        mail.set_content(f"Body {i}\n")
        messages.append(OutboxMessage.of(f"out-{i:03d}", mail, created_at=at))
    store.enqueue(messages)
    return messages


class Crash(BaseException):
    """A worker killed mid-flight (not an Exception: nothing catches it)."""


class CrashingMailer:
    def send(self, message: bytes, *, sender: str | None, recipients: Sequence[str]) -> None:
        raise Crash()


class FailingMailer:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def send(self, message: bytes, *, sender: str | None, recipients: Sequence[str]) -> None:
        self.calls += 1
        raise self.error


# --------------------------------------------------------------------------------------------------
# Recovery from a refusing server


def test_every_message_arrives_exactly_once_after_the_server_recovers() -> None:
    w = service_world()
    ids = [
        e.id
        for e in w.service.pages.hours(w.service.admin.portal("acme-web"), EntryQuery()).entries
    ]
    w.service.approvals.submit([i for i in ids if i != "w7"], by=MAX)  # two approval requests
    store = w.store
    queue(store, 6)
    queued = store.pending()
    assert len(queued) == 8
    clock = ManualClock(T0)
    with SmtpServer(Inbox(refuse_data=3)) as server:
        mailer = server.mailer()
        first = deliver_outbox(store, mailer, clock=clock, backoff=MINUTE)
        assert (first.claimed, first.sent, first.failed, first.given_up) == (8, 5, 3, 0)
        assert all("451" in error for _, error in first.errors)
        # Not yet due: nothing is tried again before the backoff has passed.
        assert deliver_outbox(store, mailer, clock=clock, backoff=MINUTE).claimed == 0
        clock.advance(MINUTE)
        second = deliver_outbox(store, mailer, clock=clock, backoff=MINUTE)
        assert (second.claimed, second.sent) == (3, 3)
        assert deliver_outbox(store, mailer, clock=clock).claimed == 0
        received = server.inbox.message_ids
    expected = sorted(m.message_id for m in queued)
    assert sorted(received) == expected  # every message, each exactly once
    assert len(set(expected)) == 8
    assert store.pending() == ()
    final = [store.outbox_message(m.id) for m in queued]
    retried = [m for m in final if m is not None and m.attempts == 1]
    assert len(retried) == 3
    for m in retried:
        assert m.sent_at == T0 + MINUTE
        assert "451" in (m.last_error or "")


def test_a_display_name_with_a_comma_reaches_its_address() -> None:
    data = service_dataset()
    contacts = [evolve(c, name="Jones, Bob") if c.id == "bob" else c for c in data.contacts]
    w = service_world(data=evolve(data, contacts=contacts))
    w.service.approvals.submit(["w1"], by=EVA)
    assert sorted(m.recipients for m in w.store.pending()) == [
        ("anna@acme.example",),
        ("bob@acme.example",),
    ]
    with SmtpServer(Inbox()) as server:
        report = deliver_outbox(w.store, server.mailer(), clock=ManualClock(T0))
        assert report.sent == 2
        rcpts = sorted(r for _, r, _ in server.inbox.received)
        to_bob = [m for _, r, m in server.inbox.received if r == ("bob@acme.example",)]
    assert rcpts == [("anna@acme.example",), ("bob@acme.example",)]
    assert str(to_bob[0]["To"]) == '"Jones, Bob" <bob@acme.example>'


def test_retries_back_off_exponentially_keep_the_message_id_and_give_up_with_the_last_error() -> (
    None
):
    store = MemoryStore()
    [original] = queue(store, 1)
    clock = ManualClock(T0)
    with SmtpServer(Inbox(refuse_data=100, data_reply="421 4.7.0 Busy, come back")) as server:
        mailer = server.mailer()
        waits = []
        for attempt in range(1, 5):
            report = deliver_outbox(
                store, mailer, clock=clock, max_attempts=4, backoff=MINUTE, max_backoff=3 * MINUTE
            )
            assert report.claimed == 1
            message = store.outbox_message(original.id)
            assert message is not None
            assert message.attempts == attempt
            assert message.message == original.message  # same bytes, same Message-ID
            if attempt < 4:
                assert report.failed == 1
                assert message.next_attempt_at is not None
                waits.append(message.next_attempt_at - clock.now())
                clock.set(message.next_attempt_at)
            else:
                assert report.given_up == 1
        assert server.inbox.refused == 4
    assert waits == [MINUTE, 2 * MINUTE, 3 * MINUTE]  # doubling, capped at max_backoff
    [kept] = store.pending()
    assert kept.sent_at is None
    assert kept.next_attempt_at is None
    assert kept.last_error is not None
    assert "421 4.7.0 Busy, come back" in kept.last_error
    clock.advance(dt.timedelta(days=30))
    assert deliver_outbox(store, FailingMailer(RuntimeError()), clock=clock).claimed == 0


def test_a_permanent_refusal_is_given_up_at_once() -> None:
    store = MemoryStore()
    queue(store, 2)
    clock = ManualClock(T0)
    with SmtpServer(Inbox(refuse_rcpt=frozenset({"contact0@client.example"}))) as server:
        report = deliver_outbox(store, server.mailer(), clock=clock)
        assert (report.sent, report.given_up, report.failed) == (1, 1, 0)
        assert server.inbox.message_ids == ["<m1@portal.example.com>"]
    [kept] = store.pending()
    assert kept.id == "out-000"
    assert kept.attempts == 1
    assert "550 5.1.1 No such user" in (kept.last_error or "")


def test_any_mailer_error_is_retried_and_named() -> None:
    store = MemoryStore()
    queue(store, 1)
    clock = ManualClock(T0)
    report = deliver_outbox(store, FailingMailer(OSError("network is down")), clock=clock)
    assert report.errors == (("out-000", "OSError: network is down"),)
    clock.advance(MINUTE)
    report = deliver_outbox(store, FailingMailer(DeliveryError("x", permanent=True)), clock=clock)
    assert report.given_up == 1


# --------------------------------------------------------------------------------------------------
# Crashes: nothing is lost


def test_a_worker_that_dies_after_claiming_loses_nothing() -> None:
    store = MemoryStore()
    queue(store, 3)
    clock = ManualClock(T0)
    with pytest.raises(Crash):
        deliver_outbox(store, CrashingMailer(), clock=clock, lease=5 * MINUTE)
    assert len(store.pending()) == 3  # all still there, none marked
    with SmtpServer(Inbox()) as server:
        # Leased to the dead worker: nobody takes them yet ...
        assert deliver_outbox(store, server.mailer(), clock=clock).claimed == 0
        clock.advance(5 * MINUTE)
        # ... and once the lease has run out, another worker delivers them, once each.
        report = deliver_outbox(store, server.mailer(), clock=clock)
        assert report.sent == 3
        assert sorted(server.inbox.message_ids) == [f"<m{i}@portal.example.com>" for i in range(3)]
    assert store.pending() == ()


class ForgetfulStore(MemoryStore):
    """A store whose worker dies right after the first message went out, before marking it."""

    def __init__(self) -> None:
        super().__init__()
        self.crash_on_mark = True

    def mark_sent(self, message_id: str, *, at: dt.datetime) -> None:
        if self.crash_on_mark:
            self.crash_on_mark = False
            raise Crash()
        super().mark_sent(message_id, at=at)


def test_a_worker_that_dies_between_sending_and_marking_sends_again_with_the_same_id() -> None:
    store = ForgetfulStore()
    queue(store, 2)
    clock = ManualClock(T0)
    with SmtpServer(Inbox()) as server:
        with pytest.raises(Crash):
            deliver_outbox(store, server.mailer(), clock=clock)
        assert server.inbox.message_ids == ["<m0@portal.example.com>"]
        clock.advance(dt.timedelta(minutes=5))
        report = deliver_outbox(store, server.mailer(), clock=clock)
        assert report.sent == 2
        ids = server.inbox.message_ids
    # At least once: the first message went out twice, as the same mail (same Message-ID), so
    # the receiving side can tell it is a duplicate; nothing was lost.
    assert sorted(ids) == [
        "<m0@portal.example.com>",
        "<m0@portal.example.com>",
        "<m1@portal.example.com>",
    ]
    assert store.pending() == ()


class SlowClock(ManualClock):
    """A clock that moves on by ``step`` every time it is read."""

    def __init__(self, start: dt.datetime, step: dt.timedelta) -> None:
        super().__init__(start)
        self.step = step

    def now(self) -> dt.datetime:
        return self.advance(self.step)


def test_messages_whose_lease_ran_out_are_left_to_the_next_worker() -> None:
    store = MemoryStore()
    queue(store, 5)
    with SmtpServer(Inbox()) as server:
        clock = SlowClock(T0, dt.timedelta(seconds=20))
        report = deliver_outbox(store, server.mailer(), clock=clock, lease=MINUTE)
        assert report.claimed == 5
        assert report.released > 0
        assert report.sent + report.released == 5
        assert len(store.pending()) == report.released
        assert len(server.inbox.received) == report.sent


# --------------------------------------------------------------------------------------------------
# The worker loop


def test_two_workers_deliver_every_message_exactly_once() -> None:
    store = MemoryStore()
    queue(store, 40)
    stop = threading.Event()
    with SmtpServer(Inbox(refuse_data=5)) as server:
        reports: list[DeliveryReport] = []

        def work() -> None:
            reports.append(
                run_outbox_worker(
                    store,
                    server.mailer(),
                    stop=stop,
                    interval=0.02,
                    batch=7,
                    backoff=dt.timedelta(milliseconds=10),
                )
            )

        workers = [threading.Thread(target=work) for _ in range(2)]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 20
        while len(server.inbox.received) < 40 and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
        ids = server.inbox.message_ids
    assert sorted(ids) == sorted(f"<m{i}@portal.example.com>" for i in range(40))
    total = reports[0] + reports[1]
    assert total.sent == 40
    assert total.failed == 5
    assert store.pending() == ()


class FlakyStore(MemoryStore):
    """A store whose database is down for the first two claims."""

    def __init__(self) -> None:
        super().__init__()
        self.outages = 2

    def claim_due(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> Sequence[OutboxMessage]:
        if self.outages:
            self.outages -= 1
            raise ConnectionError("database is down")
        return super().claim_due(now=now, limit=limit, lease=lease)


def test_the_worker_survives_a_store_outage(caplog: pytest.LogCaptureFixture) -> None:
    store = FlakyStore()
    queue(store, 3)
    stop = threading.Event()
    with SmtpServer(Inbox()) as server:
        thread = threading.Thread(
            target=run_outbox_worker,
            args=(store, server.mailer()),
            kwargs={"stop": stop, "interval": 0.02},
        )
        thread.start()
        deadline = time.monotonic() + 10
        while len(server.inbox.received) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()
        thread.join(timeout=10)
        assert len(server.inbox.received) == 3
    assert store.outages == 0
    assert "database is down" in caplog.text


def test_delivery_options_are_checked() -> None:
    with pytest.raises(ConfigError) as caught:
        deliver_outbox(MemoryStore(), FailingMailer(RuntimeError()), batch=0,
                       lease=dt.timedelta(0), max_attempts=0)  # fmt: skip
    assert len(caught.value.problems) == 3
    with pytest.raises(ConfigError, match="interval"):
        run_outbox_worker(MemoryStore(), FailingMailer(RuntimeError()), stop=threading.Event(),
                          interval=0)  # fmt: skip
