"""Signed webhooks against a real local HTTP receiver (``http.server`` in a thread): the
receiver checks every request's signature with :func:`verify_signature`, answers 500 the first
time, and sees the same event again, with the same idempotency key, after the backoff; the
worker gives up after its attempts and keeps the last error. Callbacks run in order, at least
once, retried after a failure."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from clientportal import ConfigError, ValidationError
from clientportal.memory import ManualClock, MemoryStore
from clientportal.model import Portal
from clientportal.ports import Event, NewEvent, WebhookEndpoint
from clientportal.webhooks import deliver_webhooks, sign, verify_signature
from clientportal.worker import run_callbacks, run_worker, work_once

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SECRET = "whsec-0123456789abcdef"


class Receiver(http.server.BaseHTTPRequestHandler):
    """Checks each POST's signature; answers the statuses of ``answers`` in turn, then 204."""

    answers: ClassVar[list[int]] = []
    seen: ClassVar[list[dict[str, Any]]] = []
    now: ClassVar[float | None] = T0.timestamp()  # None: the real time

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            verify_signature(self.headers.get("Clientportal-Signature"), body, SECRET, now=self.now)
            genuine = True
        except ValidationError:
            genuine = False
        self.seen.append(
            {
                "genuine": genuine,
                "event": json.loads(body),
                "key": self.headers["Idempotency-Key"],
                "type": self.headers["Clientportal-Event-Type"],
            }
        )
        status = self.answers.pop(0) if self.answers else 204
        self.send_response(status if genuine else 400)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.answers = []
    Receiver.seen = []
    Receiver.now = T0.timestamp()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    server.shutdown()
    server.server_close()


def _store_with_event(url: str) -> MemoryStore:
    store = MemoryStore()
    store.add_webhook(WebhookEndpoint(id="h1", url=url, secret=SECRET, created_at=T0))
    portal = Portal(id="p1", client_id="c1", name="Acme", created_at=T0)
    store.put_portal(
        portal,
        events=[NewEvent(type="portal.created", occurred_at=T0, portal_id="p1", data={"x": 1})],
    )
    return store


def test_a_500_is_retried_after_the_backoff_with_the_same_key_and_a_good_signature(
    receiver: str,
) -> None:
    store = _store_with_event(receiver)
    clock = ManualClock(T0)
    Receiver.answers = [500]
    first = deliver_webhooks(store, clock=clock, backoff=dt.timedelta(seconds=30))
    assert (first.delivered, first.failed) == (0, 1)
    (pending,) = store.deliveries()
    assert pending.last_error == f"HTTP 500 from {receiver}"
    assert pending.next_attempt_at == T0 + dt.timedelta(seconds=30)
    clock.advance(dt.timedelta(seconds=29))
    assert deliver_webhooks(store, clock=clock).claimed == 0  # not due yet
    clock.advance(dt.timedelta(seconds=1))
    second = deliver_webhooks(store, clock=clock)
    assert second.delivered == 1
    assert [s["genuine"] for s in Receiver.seen] == [True, True]
    assert Receiver.seen[0]["key"] == Receiver.seen[1]["key"] == Receiver.seen[0]["event"]["id"]
    assert Receiver.seen[1]["event"]["type"] == "portal.created"
    assert Receiver.seen[1]["event"]["data"] == {"x": 1}
    (done,) = store.deliveries()
    assert done.delivered_at == T0 + dt.timedelta(seconds=30)
    assert done.attempts == 2


def test_the_worker_gives_up_after_its_attempts_and_keeps_the_error(receiver: str) -> None:
    store = _store_with_event(receiver)
    clock = ManualClock(T0)
    Receiver.answers = [503] * 3
    for _ in range(3):
        deliver_webhooks(store, clock=clock, max_attempts=3, backoff=dt.timedelta(seconds=1))
        clock.advance(dt.timedelta(minutes=1))
    (given_up,) = store.deliveries()
    assert given_up.given_up
    assert given_up.attempts == 3
    assert given_up.last_error == f"HTTP 503 from {receiver}"
    assert deliver_webhooks(store, clock=clock).claimed == 0
    assert len(Receiver.seen) == 3


def test_an_endpoint_that_does_not_answer_is_retried() -> None:
    store = _store_with_event("http://127.0.0.1:9/nobody")  # the discard port: refused
    report = deliver_webhooks(store, clock=ManualClock(T0), timeout=2)
    assert report.failed == 1
    assert "URLError" in (store.deliveries()[0].last_error or "")


def test_a_signature_is_checked_for_secret_body_and_age() -> None:
    body = b'{"id":"1"}'
    header = sign(body, SECRET, at=1_700_000_000)
    assert verify_signature(header, body, SECRET, now=1_700_000_100) == 1_700_000_000
    problems = {
        "missing": (None, body, SECRET, 1_700_000_000),
        "expected 't=<unix time>,v1=<hex>'": ("v1=abc", body, SECRET, 1_700_000_000),
        "no v1 signature matches": (header, body + b" ", SECRET, 1_700_000_000),
        "no v1 signature matches ": (header, body, "another secret", 1_700_000_000),
        "a replayed or delayed request": (header, body, SECRET, 1_700_000_301),
    }
    for expected, (given, payload, secret, now) in problems.items():
        with pytest.raises(ValidationError, match=expected.strip()):
            verify_signature(given, payload, secret, now=now)
    rotated = f"{header},v1={'0' * 64}"  # several v1 values: one must match
    assert verify_signature(rotated, body, SECRET, now=1_700_000_000) == 1_700_000_000


def test_callbacks_run_in_order_and_a_failure_is_retried_with_the_same_event() -> None:
    store = MemoryStore()
    portal = Portal(id="p1", client_id="c1", name="Acme", created_at=T0)
    for n in range(3):
        store.put_portal(
            portal, events=[NewEvent(type="portal.updated", occurred_at=T0, data={"n": n})]
        )
    clock = ManualClock(T0)
    handled: list[int] = []
    failures = [1]

    def lock(event: Event) -> None:
        if event.data["n"] in failures:
            failures.clear()
            raise RuntimeError("the host's database is busy")
        handled.append(event.data["n"])

    first = run_callbacks(store, {"lock": lock}, clock=clock, backoff=dt.timedelta(seconds=10))
    assert (first.handled, first.failed) == (1, 1)
    assert handled == [0]
    assert run_callbacks(store, {"lock": lock}, clock=clock).handled == 0  # retry not due
    clock.advance(dt.timedelta(seconds=10))
    run_callbacks(store, {"lock": lock}, clock=clock)
    assert handled == [0, 1, 2]
    assert run_callbacks(store, {"lock": lock}, clock=clock).handled == 0


def test_two_workers_never_run_one_callback_at_once() -> None:
    store = MemoryStore()
    portal = Portal(id="p1", client_id="c1", name="Acme", created_at=T0)
    for n in range(40):
        store.put_portal(
            portal, events=[NewEvent(type="portal.updated", occurred_at=T0, data={"n": n})]
        )
    running = threading.Lock()
    overlaps: list[int] = []
    handled: list[int] = []

    def slow(event: Event) -> None:
        if not running.acquire(blocking=False):
            overlaps.append(event.data["n"])
            return
        try:
            threading.Event().wait(0.002)
            handled.append(event.data["n"])
        finally:
            running.release()

    def worker() -> None:
        for _ in range(30):
            work_once(store, callbacks={"slow": slow})

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert handled == list(range(40))


def test_the_worker_loop_stops_when_asked(receiver: str) -> None:
    store = _store_with_event(receiver)
    Receiver.now = None  # the worker signs with the system clock
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, kwargs={"store": store, "stop": stop, "interval": 0.05}
    )
    thread.start()
    for _ in range(100):
        if store.deliveries()[0].delivered_at is not None:
            break
        threading.Event().wait(0.05)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert store.deliveries()[0].delivered_at is not None


class Redirector(http.server.BaseHTTPRequestHandler):
    """Answers every POST with a 302 to ``/landing``, whose GET answers 200."""

    gets: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(302)
        self.send_header("Location", "/landing")
        self.end_headers()

    def do_GET(self) -> None:
        self.gets.append(dict(self.headers.items()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_redirect_is_a_failed_attempt_not_a_delivery() -> None:
    Redirector.gets = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        store = _store_with_event(url)
        report = deliver_webhooks(store, clock=ManualClock(T0))
    finally:
        server.shutdown()
        server.server_close()
    assert (report.delivered, report.failed) == (0, 1)
    (pending,) = store.deliveries()
    assert pending.last_error is not None
    assert pending.last_error.startswith(f"HTTP 302 from {url}")
    assert "redirect is not followed" in pending.last_error
    assert Redirector.gets == []  # neither the body lost in a GET nor the signature sent on


def test_no_post_starts_that_could_outlast_the_lease() -> None:
    store = _store_with_event("http://127.0.0.1:9/unused")
    portal = Portal(id="p1", client_id="c1", name="Acme 2", created_at=T0)
    store.put_portal(
        portal, events=[NewEvent(type="portal.updated", occurred_at=T0, portal_id="p1", data={})]
    )
    clock = ManualClock(T0)
    posted: list[str] = []

    def slow_post(url: str, body: bytes, headers: Any, timeout: float) -> int:
        posted.append(headers["Idempotency-Key"])
        clock.advance(dt.timedelta(seconds=115))  # the first post takes most of the lease
        return 204

    report = deliver_webhooks(
        store, clock=clock, post=slow_post, lease=dt.timedelta(minutes=2), timeout=10
    )
    # 5 seconds of lease left, a post may take 10: the second waits for the lease to end.
    assert (report.claimed, report.delivered, len(posted)) == (2, 1, 1)
    with pytest.raises(ConfigError, match="lease"):
        deliver_webhooks(store, clock=clock, lease=dt.timedelta(seconds=10), timeout=10)


def test_a_malformed_signature_header_is_a_validation_error_not_a_crash() -> None:
    body = b'{"id":"1"}'
    good = sign(body, SECRET, at=1_700_000_000).partition(",")[2]
    for header in (f"t=\u00b9,{good}", "t=1700000000,v1=\u00e9\u00e9", "t=\u0661,v1=ab"):
        with pytest.raises(ValidationError):
            verify_signature(header, body, SECRET, now=1_700_000_000)
