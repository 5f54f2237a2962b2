"""``SqlRateLimiter``: token buckets in ``cp_rate_limits`` that every process shares, on SQLite
and PostgreSQL — the same answers as the in-process limiter, atomic under threads and across
stores, pruned with bounded work."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest

pytest.importorskip("sqlalchemy", reason="the SQL store needs SQLAlchemy (the sql extra)")

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from clientportal import TokenBucketLimiter
from clientportal.ports import RateLimiter, RateLimits
from clientportal.sql import SqlRateLimiter, SqlStore, create_engine, tables

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _rows(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(tables.rate_limits.c.key)).scalars())


def test_the_sql_store_gives_one_shared_limiter_per_name(engine: Engine) -> None:
    store = SqlStore(engine)
    assert isinstance(store, RateLimits)
    opens = store.rate_limiter("open", capacity=2, refill_every=MINUTE)
    assert isinstance(opens, RateLimiter)
    assert store.rate_limiter("open", capacity=2, refill_every=MINUTE) is opens
    with pytest.raises(ValueError, match="'open' has capacity 2"):
        store.rate_limiter("open", capacity=5, refill_every=MINUTE)
    codes = store.rate_limiter("code", capacity=2, refill_every=MINUTE)
    assert [opens.hit("k", now=T0) for _ in range(3)] == [True, True, False]
    assert codes.allowed("k", now=T0)
    assert _rows(engine) == ["open:k"]


def test_two_stores_on_one_database_spend_one_budget(engine: Engine) -> None:
    """Finding 10: the budget is the database's, not the process's."""
    first = SqlStore(engine).rate_limiter("open", capacity=3, refill_every=MINUTE)
    second = SqlStore(engine).rate_limiter("open", capacity=3, refill_every=MINUTE)
    assert first is not second
    assert [first.hit("k", now=T0), second.hit("k", now=T0), first.hit("k", now=T0)] == [True] * 3
    assert not second.hit("k", now=T0)
    assert not first.allowed("k", now=T0)
    assert second.allowed("k", now=T0 + MINUTE)


def test_the_sql_limiter_answers_as_the_in_process_one(engine: Engine) -> None:
    sql = SqlRateLimiter(engine, "diff", capacity=3, refill_every=dt.timedelta(seconds=7))
    memory = TokenBucketLimiter(capacity=3, refill_every=dt.timedelta(seconds=7))
    rng = random.Random(17)
    now = T0
    for step in range(1_000):
        now += dt.timedelta(seconds=rng.choice([0, 0, 1, 2, 3.5, 7, 30]), microseconds=rng.choice(
            [0, 250_000, 999_999]))  # fmt: skip
        key = rng.choice("ab")
        if rng.random() < 0.2:
            assert sql.allowed(key, now=now) == memory.allowed(key, now=now), step
        else:
            assert sql.hit(key, now=now) == memory.hit(key, now=now), step


def test_a_refused_hit_spends_nothing_and_a_clock_going_back_refills_nothing(
    engine: Engine,
) -> None:
    limiter = SqlRateLimiter(engine, "open", capacity=2, refill_every=MINUTE)
    assert limiter.hit("k", now=T0)
    assert limiter.hit("k", now=T0)
    for _ in range(5):
        assert not limiter.hit("k", now=T0 + dt.timedelta(seconds=30))
    assert limiter.hit("k", now=T0 + MINUTE)  # the refused hits did not push the refill back
    assert not limiter.allowed("k", now=T0 - dt.timedelta(hours=1))
    assert not limiter.hit("k", now=T0 - dt.timedelta(hours=1))


def test_threads_hammering_one_key_never_get_more_than_its_capacity(
    engine: Engine,
) -> None:
    """Finding 10: a hit is one atomic statement; concurrent hits never overspend."""
    store = SqlStore(engine)
    limiter = store.rate_limiter("open", capacity=25, refill_every=dt.timedelta(hours=1))
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def hammer() -> None:
        start.wait()
        mine = [limiter.hit("one-key", now=T0) for _ in range(10)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 80
    assert results.count(True) == 25


def test_full_rows_are_pruned_with_bounded_work(engine: Engine) -> None:
    limiter = SqlRateLimiter(engine, "open", capacity=2, refill_every=MINUTE)
    other = SqlRateLimiter(engine, "opener", capacity=2, refill_every=MINUTE)
    for n in range(5):
        limiter.hit(f"old{n}", now=T0)
    other.hit("old", now=T0)
    limiter.hit("new", now=T0 + MINUTE)
    assert limiter.prune(now=T0 + 2 * MINUTE, limit=3) == 3  # old rows full at T0 + 2 minutes
    assert limiter.prune(now=T0 + 2 * MINUTE) == 2
    assert _rows(engine) == ["open:new", "opener:old"]  # another name's rows are its own
    assert limiter.allowed("old1", now=T0 + 2 * MINUTE)


def test_the_limiter_prunes_itself_every_so_many_hits(engine: Engine) -> None:
    limiter = SqlRateLimiter(engine, "open", capacity=1, refill_every=MINUTE)
    limiter.prune_every = 10
    for n in range(9):
        limiter.hit(f"old{n}", now=T0)
    limiter.hit("new", now=T0 + MINUTE)  # the tenth hit: every old row is full again
    assert _rows(engine) == ["open:new"]


def test_the_store_prunes_stale_rows_of_every_name(engine: Engine) -> None:
    store = SqlStore(engine)
    store.rate_limiter("a", capacity=1, refill_every=MINUTE).hit("k", now=T0)
    store.rate_limiter("b", capacity=1, refill_every=MINUTE).hit("k", now=T0)
    store.rate_limiter("b", capacity=1, refill_every=MINUTE).hit("j", now=T0 + MINUTE)
    assert store.prune_rate_limits(T0 + MINUTE) == 2
    assert _rows(engine) == ["b:j"]


def test_a_long_key_is_stored_as_its_hash(engine: Engine) -> None:
    limiter = SqlRateLimiter(engine, "link", capacity=1, refill_every=MINUTE)
    long_key = "x" * 500
    assert limiter.hit(long_key, now=T0)
    assert not limiter.hit(long_key, now=T0)
    assert limiter.hit("x" * 499, now=T0)
    (stored, _) = _rows(engine)
    assert stored.startswith("link:#")
    assert len(stored) == len("link:#") + 64


def test_the_limiter_refuses_nonsense_configuration() -> None:
    engine = create_engine("sqlite://")
    for name, capacity, refill in (
        ("", 1, MINUTE),
        ("a:b", 1, MINUTE),
        ("a", 0, MINUTE),
        ("a", 1, dt.timedelta(0)),
    ):
        with pytest.raises(ValueError, match="must be"):
            SqlRateLimiter(engine, name, capacity=capacity, refill_every=refill)
    engine.dispose()


def test_hits_leave_a_row_per_key_not_per_hit(engine: Engine) -> None:
    limiter = SqlRateLimiter(engine, "open", capacity=3, refill_every=MINUTE)
    for _ in range(50):
        limiter.hit("k", now=T0)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.rate_limits)).scalar() == 1
