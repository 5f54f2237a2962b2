"""The event log, webhook deliveries and callbacks' cursors of every store: memory, SQLite and
PostgreSQL. Events are written with the change they record (or not at all), read back in order,
and a reader never skips an event that commits after a later-numbered one (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from clientportal import ChangedMeanwhile, ValidationError
from clientportal.memory import MemoryStore
from clientportal.model import ApprovalState, ApprovalStatus, Portal, Workflow
from clientportal.ports import (
    ApprovalChange,
    ConsumerState,
    Event,
    NewEvent,
    Store,
    WebhookEndpoint,
)
from clientportal.workflow import Action, Actor, ApprovalEvent, Party

T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=30)


def _event(n: int, type: str = "portal.updated") -> NewEvent:
    return NewEvent(
        type=type,
        occurred_at=T0 + dt.timedelta(seconds=n),
        portal_id="p1",
        client_id="c1",
        data={"n": n},
    )


def _portal(pid: str = "p1") -> Portal:
    return Portal(id=pid, client_id="c1", name="Acme", created_at=T0)


def _change(entry_id: str, expected: int = 0) -> ApprovalChange:
    before = ApprovalState(status=ApprovalStatus.OPEN, version=expected, workflow=None)
    after = ApprovalState(
        status=ApprovalStatus.PENDING_EXTERNAL, version=expected + 1, workflow=Workflow.EXTERNAL
    )
    event = ApprovalEvent(
        action=Action.SUBMIT, actor=Actor(Party.MANAGER, "m1"), at=T0, before=before, after=after
    )
    return ApprovalChange(entry_id=entry_id, expected_version=expected, state=after, event=event)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each store in turn: in memory, over a SQLite file, over the test PostgreSQL's schema."""
    if request.param == "memory":
        yield MemoryStore()
        return
    from clientportal.sql import SqlStore, create_engine
    from clientportal.sql.testing import clear_tables, ready_for_tests

    if request.param == "sqlite":
        made = ready_for_tests(create_engine(f"sqlite:///{tmp_path / 'events.sqlite3'}"))
        yield SqlStore(made)
        made.dispose()
    else:
        shared: Engine = request.getfixturevalue("postgres")
        clear_tables(shared)
        yield SqlStore(shared)


def test_events_are_written_with_the_change_and_read_in_order(store: Store) -> None:
    store.put_portal(_portal(), events=[_event(1)])
    store.apply_changes([_change("e1")], events=[_event(2, "entries.submitted")])
    read = store.events()
    assert [(e.type, e.data["n"]) for e in read] == [
        ("portal.updated", 1),
        ("entries.submitted", 2),
    ]
    assert (read[0].portal_id, read[0].client_id) == ("p1", "c1")
    assert read[0].occurred_at == T0 + dt.timedelta(seconds=1)
    assert list(store.events(after=read[0].id)) == list(read[1:])
    assert not store.events(after=read[1].id)
    assert len({e.id for e in read}) == 2


def test_a_refused_change_writes_no_event(store: Store) -> None:
    store.apply_changes([_change("e1")])
    with pytest.raises(ChangedMeanwhile):
        store.apply_changes([_change("e1", expected=5)], events=[_event(1)])
    assert not store.events()


def test_revoking_twice_writes_one_event(store: Store) -> None:
    from clientportal.access import Link

    store.put_portal(_portal())
    link = Link(
        id="l1", portal_id="p1", contact_id=None, generation=0, secret_hash="a" * 64, created_at=T0
    )
    store.add_link(link, events=[_event(1, "link.issued")])
    store.revoke_link("l1", T0, events=[_event(2, "link.revoked")])
    store.revoke_link("l1", T0, events=[_event(3, "link.revoked")])
    store.mark_link_used("l1", T0, events=[_event(4, "link.opened")])
    assert [e.data["n"] for e in store.events()] == [1, 2, 4]


def test_pages_follow_one_another_without_gaps(store: Store) -> None:
    for n in range(7):
        store.put_portal(_portal(), events=[_event(n)])
    seen: list[int] = []
    after = None
    while page := store.events(after=after, limit=3):
        seen.extend(e.data["n"] for e in page)
        after = page[-1].id
    assert seen == list(range(7))


@pytest.mark.parametrize("after", ["999999", "abc", "", "-1", "1" * 40, "\u00b9"])
def test_an_unknown_cursor_is_refused_with_what_to_pass(store: Store, after: str) -> None:
    store.put_portal(_portal(), events=[_event(1)])
    with pytest.raises(ValidationError, match="is not the id of an event of this log"):
        store.events(after=after)


@pytest.mark.parametrize("limit", [0, 1001, -3])
def test_a_bad_limit_is_refused(store: Store, limit: int) -> None:
    with pytest.raises(ValidationError, match="limit: must be a whole number from 1 to 1000"):
        store.events(limit=limit)


def test_every_event_is_queued_for_every_endpoint_and_leased_once(store: Store) -> None:
    store.put_portal(_portal(), events=[_event(0)])  # before the endpoints: not delivered
    for name in ("a", "b"):
        store.add_webhook(
            WebhookEndpoint(id=name, url=f"http://x/{name}", secret="s", created_at=T0)
        )
    store.put_portal(_portal(), events=[_event(1), _event(2)])
    now = T0 + dt.timedelta(minutes=1)
    first = store.claim_deliveries(now=now, limit=10, lease=LEASE)
    assert sorted((d.endpoint.id, d.event.data["n"]) for d in first) == [
        ("a", 1),
        ("a", 2),
        ("b", 1),
        ("b", 2),
    ]
    assert not store.claim_deliveries(now=now, limit=10, lease=LEASE)
    done, failed = first[0], first[1]
    store.mark_delivered(done.id, at=now)
    store.mark_delivery_failed(failed.id, at=now, error="HTTP 500", retry_at=now + LEASE)
    later = now + LEASE + dt.timedelta(seconds=1)
    again = store.claim_deliveries(now=later, limit=10, lease=LEASE)
    assert failed.id in {d.id for d in again}
    assert done.id not in {d.id for d in again}
    store.mark_delivery_failed(failed.id, at=later, error="HTTP 503", retry_at=None)
    kept = {d.id: d for d in store.deliveries()}[failed.id]
    assert kept.given_up
    assert (kept.attempts, kept.last_error) == (2, "HTTP 503")
    assert {d.id for d in store.deliveries("a")} == {d.id for d in first if d.endpoint.id == "a"}


def test_a_removed_endpoint_gets_nothing_more(store: Store) -> None:
    store.add_webhook(WebhookEndpoint(id="a", url="http://x/a", secret="s", created_at=T0))
    with pytest.raises(ValidationError, match="webhook id 'a' is taken"):
        store.add_webhook(WebhookEndpoint(id="a", url="http://x/b", secret="s", created_at=T0))
    store.put_portal(_portal(), events=[_event(1)])
    assert store.remove_webhook("a") is True
    assert store.remove_webhook("a") is False
    assert not store.webhooks()
    assert not store.claim_deliveries(now=T0 + LEASE, limit=10, lease=LEASE)


def test_a_consumer_is_leased_to_one_worker_and_remembers_its_place(store: Store) -> None:
    state = store.claim_consumer("locker", now=T0, lease=LEASE)
    assert state is not None
    assert state.after is None
    assert store.claim_consumer("locker", now=T0, lease=LEASE) is None
    store.advance_consumer("locker", "7")
    store.consumer_failed("locker", error="boom", retry_at=T0 + 2 * LEASE)
    store.release_consumer("locker")
    assert store.claim_consumer("locker", now=T0 + LEASE, lease=LEASE) is None  # retry not due
    again = store.claim_consumer("locker", now=T0 + 2 * LEASE, lease=LEASE)
    assert again is not None
    assert (again.after, again.attempts, again.last_error) == ("7", 1, "boom")


# -- PostgreSQL: several writers -------------------------------------------------------------------


def test_a_later_writer_numbers_its_event_only_after_an_earlier_one_commits(
    postgres: Engine,
) -> None:
    """T1 numbers its event and stays open; T2 (another thread) waits to number its own until
    T1 commits, so no event with a higher number is visible while a lower one may still come:
    the reader sees nothing new, then both, in order."""
    from clientportal.sql import SqlStore
    from clientportal.sql.engine import WRITE
    from clientportal.sql.events import insert_events
    from clientportal.sql.testing import clear_tables

    clear_tables(postgres)
    store = SqlStore(postgres)
    store.put_portal(_portal(), events=[_event(0)])
    (start,) = store.events()
    writer = postgres.execution_options(**{WRITE: True})
    with writer.connect() as slow:
        tx = slow.begin()
        insert_events(slow, [_event(1)], postgres=True)  # numbered, not committed
        later = threading.Thread(
            target=store.put_portal, args=(_portal(),), kwargs={"events": [_event(2)]}
        )
        later.start()
        later.join(timeout=0.5)
        assert later.is_alive()  # T2 waits for T1's commit before numbering its event
        assert not store.events(after=start.id)
        tx.commit()
    later.join(timeout=10)
    assert not later.is_alive()
    read = store.events(after=start.id)
    assert [e.data["n"] for e in read] == [1, 2]


def test_without_the_lock_a_reader_would_skip_an_event(postgres: Engine) -> None:
    """The hazard the lock removes, shown: two transactions that number events without it
    commit out of order, and a reader following the numbers skips the lower one."""
    from clientportal.sql import SqlStore
    from clientportal.sql.engine import WRITE
    from clientportal.sql.event_tables import events
    from clientportal.sql.testing import clear_tables

    clear_tables(postgres)
    store = SqlStore(postgres)
    store.put_portal(_portal(), events=[_event(0)])
    (start,) = store.events()
    row = {"type": "portal.updated", "occurred_at": T0, "data": "{}"}
    writer = postgres.execution_options(**{WRITE: True})
    with writer.connect() as first, writer.connect() as second:
        t1, t2 = first.begin(), second.begin()
        low = first.execute(events.insert().returning(events.c.seq), row).scalar_one()
        high = second.execute(events.insert().returning(events.c.seq), row).scalar_one()
        t2.commit()
        seen = store.events(after=start.id)
        t1.commit()
    assert low < high
    assert [e.id for e in seen] == [str(high)]
    assert not store.events(after=seen[-1].id)  # the lower one is behind the cursor for ever


def test_concurrent_writers_and_a_reader_lose_nothing(postgres: Engine) -> None:
    """Eight threads write 40 events each while a reader follows the log with its cursor:
    it reads every event exactly once."""
    from clientportal.sql import SqlStore
    from clientportal.sql.testing import clear_tables

    clear_tables(postgres)
    store = SqlStore(postgres)
    store.put_portal(_portal(), events=[_event(-1)])
    writers_done = threading.Event()

    def write(w: int) -> None:
        for i in range(40):
            store.put_portal(_portal(), events=[_event(w * 1000 + i)])

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    seen: list[int] = []
    after: str | None = None

    def follow() -> None:
        nonlocal after
        while page := store.events(after=after, limit=7):
            seen.extend(e.data["n"] for e in page)
            after = page[-1].id

    while not writers_done.is_set():
        follow()
        if not any(t.is_alive() for t in threads):
            writers_done.set()
    for thread in threads:
        thread.join()
    follow()
    expected = [-1] + [w * 1000 + i for w in range(8) for i in range(40)]
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(expected)


def test_the_migration_goes_down_and_up_again(engine: Engine) -> None:
    from clientportal.sql.migrate import _config

    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
    assert "cp_events" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    names = set(inspect(engine).get_table_names())
    assert {"cp_events", "cp_webhooks", "cp_webhook_deliveries", "cp_event_consumers"} <= names


# -- leases: a worker whose lease another worker took writes nothing ---------------------------


def test_a_consumer_lease_taken_over_cannot_move_the_cursor_or_end_the_new_lease(
    store: Store,
) -> None:
    first = store.claim_consumer("taken", now=T0, lease=LEASE)
    assert first is not None
    assert first.leased_until == T0 + LEASE
    assert store.advance_consumer("taken", "1", lease=first.leased_until) is True
    second = store.claim_consumer("taken", now=T0 + LEASE, lease=LEASE)  # the first ran out
    assert second is not None
    assert second.leased_until == T0 + 2 * LEASE
    assert store.advance_consumer("taken", "9", lease=first.leased_until) is False
    assert (
        store.consumer_failed("taken", error="late", retry_at=T0, lease=first.leased_until) is False
    )
    assert store.release_consumer("taken", lease=first.leased_until) is False
    assert store.claim_consumer("taken", now=T0 + LEASE, lease=LEASE) is None  # still held
    assert store.advance_consumer("taken", "2", lease=second.leased_until) is True
    assert store.release_consumer("taken", lease=second.leased_until) is True
    third = store.claim_consumer("taken", now=T0 + LEASE, lease=LEASE)
    assert third is not None
    assert (third.after, third.attempts, third.last_error) == ("2", 0, None)


def test_a_delivery_lease_taken_over_cannot_mark_it(store: Store) -> None:
    store.add_webhook(WebhookEndpoint(id="a", url="http://x/a", secret="s", created_at=T0))
    store.put_portal(_portal(), events=[_event(0)])
    (first,) = store.claim_deliveries(now=T0, limit=10, lease=LEASE)
    assert first.leased_until == T0 + LEASE
    (second,) = store.claim_deliveries(now=T0 + LEASE, limit=10, lease=LEASE)
    assert second.leased_until == T0 + 2 * LEASE
    assert store.mark_delivered(first.id, at=T0, lease=first.leased_until) is False
    late = store.mark_delivery_failed(
        first.id, at=T0, error="late", retry_at=None, lease=first.leased_until
    )
    assert late is False
    (kept,) = store.deliveries()
    assert (kept.attempts, kept.delivered_at, kept.last_error) == (0, None, None)
    assert kept.leased_until == second.leased_until
    assert not store.claim_deliveries(now=T0 + LEASE, limit=10, lease=LEASE)  # still held
    assert store.mark_delivered(second.id, at=T0, lease=second.leased_until) is True
    (done,) = store.deliveries()
    assert (done.attempts, done.delivered_at, done.leased_until) == (1, T0, None)


def test_a_worker_whose_callback_outlasted_its_lease_leaves_the_new_holders_cursor(
    store: Store,
) -> None:
    from clientportal.memory import ManualClock
    from clientportal.worker import run_callbacks

    store.put_portal(_portal(), events=[_event(0), _event(1)])
    clock = ManualClock(T0)
    taken: list[ConsumerState] = []

    def slow(event: Event) -> None:
        clock.advance(LEASE)  # the callback outlasts the lease; another worker claims it
        state = store.claim_consumer("slow", now=clock.now(), lease=LEASE)
        assert state is not None
        taken.append(state)

    report = run_callbacks(store, {"slow": slow}, clock=clock, lease=LEASE)
    assert report.handled == 0
    (other,) = taken
    assert store.claim_consumer("slow", now=clock.now(), lease=LEASE) is None  # not released
    assert store.release_consumer("slow", lease=other.leased_until) is True
    state = store.claim_consumer("slow", now=clock.now(), lease=LEASE)
    assert state is not None
    assert state.after is None  # the first worker did not move the cursor


@pytest.mark.parametrize("status", [204, 500])
def test_a_worker_whose_post_outlasted_its_lease_does_not_mark_the_delivery(
    store: Store, status: int
) -> None:
    from clientportal.memory import ManualClock
    from clientportal.webhooks import deliver_webhooks

    store.add_webhook(WebhookEndpoint(id="a", url="http://x/a", secret="s", created_at=T0))
    store.put_portal(_portal(), events=[_event(0)])
    clock = ManualClock(T0)
    lease = dt.timedelta(minutes=2)

    def slow_post(url: str, body: bytes, headers: object, timeout: float) -> int:
        clock.advance(lease)  # the post outlasts the lease; another worker claims it
        assert store.claim_deliveries(now=clock.now(), limit=10, lease=lease)
        return status

    report = deliver_webhooks(store, clock=clock, post=slow_post, lease=lease, timeout=10)
    assert (report.claimed, report.delivered, report.failed) == (1, 0, 0)
    (kept,) = store.deliveries()
    assert (kept.attempts, kept.delivered_at, kept.last_error) == (0, None, None)
    assert kept.leased_until == T0 + 2 * lease  # the new holder's lease


def test_moving_a_generation_on_writes_its_events_in_the_same_transaction(store: Store) -> None:
    from clientportal import NotFound

    store.put_portal(_portal())
    assert store.bump_generation("p1", [_event(5, "link.revoked")]) == 1
    assert [e.data["n"] for e in store.events()] == [5]
    with pytest.raises(NotFound):
        store.bump_generation("nope", [_event(6, "link.revoked")])
    assert [e.data["n"] for e in store.events()] == [5]
