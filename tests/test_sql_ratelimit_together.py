"""``SqlRateLimiter.allowed_together``: the budgets a step checks (its address and its prefix)
read in one SELECT, answering exactly what each limiter's ``allowed`` answers; and the access
gate's session check reading them that way."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from clientportal import TokenBucketLimiter
from clientportal.ports.effects import JointRateLimiter
from clientportal.sql import SqlRateLimiter, SqlStore, create_engine
from clientportal.sql.testing import ready_for_tests

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_allowed_together_answers_as_each_limiter_does(engine: Engine) -> None:
    store = SqlStore(engine)
    first = store.rate_limiter("first", capacity=3, refill_every=dt.timedelta(seconds=7))
    second = store.rate_limiter("second", capacity=2, refill_every=dt.timedelta(seconds=5))
    assert isinstance(first, JointRateLimiter)
    rng = random.Random(5)
    now = T0
    for step in range(300):
        now += dt.timedelta(seconds=rng.choice([0, 0, 1, 2.5, 5, 7, 30]))
        limiter = rng.choice([first, second])
        limiter.hit(rng.choice("abc"), now=now)
        checks = [
            (rng.choice([first, second]), rng.choice("abcd")) for _ in range(rng.randint(1, 4))
        ]
        expected = [limiter.allowed(key, now=now) for limiter, key in checks]
        assert first.allowed_together(checks, now=now) == expected, step
        assert second.allowed_together(checks, now=now) == expected, step


def test_a_spent_budget_is_seen_whichever_of_the_two_is_spent(engine: Engine) -> None:
    store = SqlStore(engine)
    client = store.rate_limiter("open", capacity=1, refill_every=dt.timedelta(minutes=1))
    prefix = store.rate_limiter("open_prefix", capacity=1, refill_every=dt.timedelta(minutes=1))
    checks = [(client, "address"), (prefix, "prefix")]
    assert client.allowed_together(checks, now=T0) == [True, True]
    prefix.hit("prefix", now=T0)
    assert client.allowed_together(checks, now=T0) == [True, False]
    client.hit("address", now=T0)
    assert client.allowed_together(checks, now=T0) == [False, False]
    later = T0 + dt.timedelta(minutes=1)
    assert client.allowed_together(checks, now=later) == [True, True]


def test_long_keys_are_read_under_their_hashed_row_key(engine: Engine) -> None:
    limiter = SqlStore(engine).rate_limiter("long", capacity=1, refill_every=dt.timedelta(hours=1))
    key = "k" * 500
    limiter.hit(key, now=T0)
    assert limiter.allowed_together([(limiter, key), (limiter, "short")], now=T0) == [False, True]


def test_limiters_it_cannot_read_are_left_to_their_own_allowed(engine: Engine) -> None:
    limiter = SqlStore(engine).rate_limiter("open", capacity=1, refill_every=dt.timedelta(hours=1))
    in_process = TokenBucketLimiter(capacity=1, refill_every=dt.timedelta(hours=1))
    assert limiter.allowed_together([(limiter, "a"), (in_process, "b")], now=T0) is None
    other = create_engine(engine.url)  # another engine: maybe another database
    try:
        elsewhere = SqlRateLimiter(other, "open", capacity=1, refill_every=dt.timedelta(hours=1))
        assert limiter.allowed_together([(limiter, "a"), (elsewhere, "b")], now=T0) is None
    finally:
        other.dispose()


@pytest.mark.parametrize("count", [1, 2, 3])
def test_one_select_of_a_fixed_shape_reads_every_bucket(tmp_path: object, count: int) -> None:
    engine = ready_for_tests(create_engine(f"sqlite:///{tmp_path}/together.sqlite3"))
    limiter = SqlStore(engine).rate_limiter("open", capacity=2, refill_every=dt.timedelta(hours=1))
    seen: list[tuple[str, object]] = []

    def note(
        conn: object, cursor: object, statement: str, parameters: object, *args: object
    ) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        limiter.allowed_together([(limiter, f"k{i}") for i in range(count)], now=T0)
    finally:
        event.remove(engine, "before_cursor_execute", note)
        engine.dispose()
    assert len(seen) == 1  # one SELECT, no BEGIN
    statement, parameters = seen[0]
    assert statement.count("?") == count
    assert list(parameters) == [f"open:k{i}" for i in range(count)]  # type: ignore[call-overload]
