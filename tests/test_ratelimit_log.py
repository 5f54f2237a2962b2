"""The SQL access log, bounded: refusals within a budget per client and action (through
``cp_rate_limits``), old events pruned now and then by the store and by ``clientportal db
prune``, and a 64-bit id that outlives 2**31 events — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the SQL store needs SQLAlchemy (the sql extra)")

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from clientportal.access import OK, AccessAction, AccessEvent, Link, SessionRecord
from clientportal.memory import MemoryStore
from clientportal.sql import SqlStore, create_engine, tables
from clientportal.sql.testing import clear_tables, ready_for_tests
from worlds import acme_portal

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CLIENT = "c" * 64


def _refusal(n: int, *, at: dt.datetime = T0, client: str | None = CLIENT,
             action: AccessAction = AccessAction.SESSION) -> AccessEvent:  # fmt: skip
    return AccessEvent(at=at, action=action, reason="invalid_token", link_id=f"l{n}",
                       client_hash=client)  # fmt: skip


def _ok(at: dt.datetime = T0) -> AccessEvent:
    return AccessEvent(at=at, action=AccessAction.OPEN, reason=OK, client_hash=CLIENT)


def _count(engine: Engine, table: object = tables.access_log) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_refusals_are_recorded_within_a_budget_per_client_and_action(engine: Engine) -> None:
    """Finding 2: a flood of refusals from one client adds a handful of rows."""
    store = SqlStore(engine)
    for n in range(300):
        store.record(_refusal(n))
    for n in range(4):
        store.record(_refusal(n, action=AccessAction.OPEN))
        store.record(_refusal(n, client="d" * 64))
        store.record(_refusal(n, client=None))
    for _ in range(30):
        store.record(_ok())
    events = store.access_events()
    refusals = [e for e in events if e.reason != OK]
    assert [e.link_id for e in refusals[:10]] == [f"l{n}" for n in range(10)]
    assert len(refusals) == 10 + 4 + 4 + 4
    assert sum(e.reason == OK for e in events) == 30  # successes are always recorded
    store.record(_refusal(300, at=T0 + dt.timedelta(minutes=6)))  # one more after 6 minutes
    store.record(_refusal(301, at=T0 + dt.timedelta(minutes=6)))
    assert [e.link_id for e in store.access_events()][-1] == "l300"


def test_two_stores_share_the_log_budget(engine: Engine) -> None:
    first, second = SqlStore(engine), SqlStore(engine)
    for n in range(20):
        (first if n % 2 else second).record(_refusal(n))
    assert _count(engine) == 10


def test_old_events_are_pruned(engine: Engine) -> None:
    store = SqlStore(engine)
    for n in range(6):
        store.record(_ok(T0 + dt.timedelta(days=n)))
    assert store.prune_access_log(T0 + dt.timedelta(days=4), limit=3) == 3
    assert store.prune_access_log(T0 + dt.timedelta(days=4)) == 1
    assert [e.at for e in store.access_events()] == [T0 + dt.timedelta(days=d) for d in (4, 5)]


def test_the_store_prunes_now_and_then_as_it_records(engine: Engine) -> None:
    store = SqlStore(engine, access_log_retention=dt.timedelta(days=30))
    store.prune_every = 20
    limiter = store.rate_limiter("open", capacity=1, refill_every=dt.timedelta(seconds=1))
    limiter.hit("stale", now=T0)
    for n in range(15):
        store.record(_ok(T0 + dt.timedelta(hours=n)))
    later = T0 + dt.timedelta(days=31)
    for _ in range(5):  # the twentieth record prunes: the 15 old events and the stale limit
        store.record(_ok(later))
    assert [e.at for e in store.access_events()] == [later] * 5
    assert _count(engine, tables.rate_limits) == 0


def test_the_retention_must_be_positive() -> None:
    for option in ("access_log_retention", "rate_limit_retention"):
        with pytest.raises(ValueError, match=f"{option} must be a positive timedelta"):
            SqlStore("sqlite://", **{option: dt.timedelta(0)})  # type: ignore[arg-type]


def test_the_access_log_id_outlives_32_bits(postgres: Engine) -> None:
    """Finding 2: ``cp_access_log.id`` is 64-bit; records still work past 2**31 events."""
    clear_tables(postgres)
    store = SqlStore(postgres)
    with postgres.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('cp_access_log', 'id'), :n)"),
                     {"n": 2**31 + 5})  # fmt: skip
    store.record(_ok())
    store.record(_ok(T0 + dt.timedelta(seconds=1)))
    with postgres.connect() as conn:
        ids = list(conn.execute(select(tables.access_log.c.id).order_by("id")).scalars())
    assert ids == [2**31 + 6, 2**31 + 7]
    assert [e.at for e in store.access_events()] == [T0, T0 + dt.timedelta(seconds=1)]


def test_db_prune_deletes_old_events_and_says_how_many(tmp_path: Path) -> None:
    pytest.importorskip("click", reason="the CLI needs click (the cli extra)")
    from click.testing import CliRunner

    from clientportal.cli import main

    db = tmp_path / "prune.sqlite3"
    engine = ready_for_tests(create_engine(f"sqlite:///{db}"))
    store = SqlStore(engine)
    now = dt.datetime.now(dt.UTC)
    for days in (400, 100, 95, 10):
        store.record(_ok(now - dt.timedelta(days=days)))
    store.rate_limiter("open", capacity=1, refill_every=dt.timedelta(seconds=1)).hit(
        "k", now=now - dt.timedelta(days=2)
    )
    result = CliRunner().invoke(main, ["--db", str(db), "db", "prune"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("deleted 3 access events from before ")
    assert result.stdout.endswith(
        " UTC, 0 sessions unused for 90 days and 1 rate-limit entry unused for 1 day\n"
    )
    result = CliRunner().invoke(main, ["--db", str(db), "db", "prune", "--older-than", "5"])
    assert result.stdout.startswith("deleted 1 access event from before ")
    assert ", 0 sessions unused for 30 days and " in result.stdout  # never less than a lifetime
    assert _count(engine) == 0
    engine.dispose()


def _session(store: SqlStore | MemoryStore, key: str, *, seen: dt.datetime,
             ended: dt.datetime | None = None) -> None:  # fmt: skip
    record = SessionRecord(id_hash=key * 64, link_id="link-1", code_verified=False,
                           created_at=seen, last_seen_at=seen, ended_at=ended)  # fmt: skip
    store.add_session(record)


def _store_with_a_link(store: SqlStore | MemoryStore) -> None:
    store.put_portal(acme_portal())
    store.add_link(Link(id="link-1", portal_id="acme-web", contact_id=None, generation=0,
                        secret_hash="0" * 64, created_at=T0))  # fmt: skip


@pytest.mark.parametrize("backend", ["memory", "sql"])
def test_sessions_unseen_or_ended_before_a_time_are_pruned(backend: str, engine: Engine) -> None:
    """Sessions live in the store (finding 4): dead ones must not pile up there either."""
    store: SqlStore | MemoryStore = MemoryStore() if backend == "memory" else SqlStore(engine)
    _store_with_a_link(store)
    cutoff = T0 + dt.timedelta(days=100)
    _session(store, "a", seen=T0)  # unseen since long before the cutoff
    _session(store, "b", seen=cutoff + dt.timedelta(days=1))  # still in use
    _session(store, "c", seen=cutoff + dt.timedelta(days=1), ended=T0 + dt.timedelta(days=2))
    _session(store, "d", seen=cutoff + dt.timedelta(days=1), ended=cutoff + dt.timedelta(days=1))
    assert store.prune_sessions(cutoff) == 2
    assert [k for k in "abcd" if store.get_session(k * 64) is not None] == ["b", "d"]


def test_the_store_prunes_dead_sessions_as_it_records(engine: Engine) -> None:
    store = SqlStore(engine, access_log_retention=dt.timedelta(days=30))
    store.prune_every = 5
    _store_with_a_link(store)
    later = T0 + dt.timedelta(days=31)
    _session(store, "a", seen=T0)
    _session(store, "b", seen=later)
    for _ in range(5):
        store.record(_ok(later))
    assert store.get_session("a" * 64) is None
    assert store.get_session("b" * 64) is not None


def test_a_short_retention_never_prunes_a_session_that_still_works(
    engine: Engine, tmp_path: Path
) -> None:
    """A session lives up to 30 days: neither a one-day retention nor ``db prune --older-than 1``
    deletes one seen two days ago (that would sign its visitor out)."""
    store = SqlStore(engine, access_log_retention=dt.timedelta(days=1))
    store.prune_every = 1
    _store_with_a_link(store)
    now = dt.datetime.now(dt.UTC)
    _session(store, "a", seen=now - dt.timedelta(days=2))
    _session(store, "f", seen=now - dt.timedelta(days=31))
    store.record(_ok(now))
    assert store.get_session("a" * 64) is not None
    assert store.get_session("f" * 64) is None
    if engine.dialect.name != "sqlite":
        return
    pytest.importorskip("click", reason="the CLI needs click (the cli extra)")
    from click.testing import CliRunner

    from clientportal.cli import main

    result = CliRunner().invoke(
        main, ["--db", engine.url.render_as_string(), "db", "prune", "--older-than", "1"]
    )
    assert result.exit_code == 0, result.output
    assert ", 0 sessions unused for 30 days and " in result.stdout
    assert store.get_session("a" * 64) is not None
