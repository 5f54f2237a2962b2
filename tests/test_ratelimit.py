"""The in-process token bucket's eviction (O(1) per hit past ``max_keys``), the memory store's
rate limits (the :class:`~clientportal.ports.RateLimits` port) and its bounded access log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from clientportal import TokenBucketLimiter
from clientportal.access import OK, AccessAction, AccessEvent
from clientportal.memory import MemoryAccessLog, MemoryStore
from clientportal.ports import RateLimiter, RateLimits

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


# --------------------------------------------------------------------------------------------------
# TokenBucketLimiter: eviction


def test_past_max_keys_the_least_recently_hit_key_is_forgotten() -> None:
    limiter = TokenBucketLimiter(capacity=1, refill_every=MINUTE, max_keys=3)
    for key in ("a", "b", "c"):
        assert limiter.hit(key, now=T0)
    assert not limiter.hit("a", now=T0)  # a is now the most recently hit
    assert limiter.hit("d", now=T0)  # b, the least recently hit, goes
    assert len(limiter) == 3
    assert limiter.allowed("b", now=T0)
    assert not limiter.allowed("a", now=T0)
    assert not limiter.allowed("c", now=T0)
    assert not limiter.allowed("d", now=T0)


def test_asking_does_not_make_a_key_recent() -> None:
    limiter = TokenBucketLimiter(capacity=1, refill_every=MINUTE, max_keys=2)
    limiter.hit("a", now=T0)
    limiter.hit("b", now=T0)
    assert not limiter.allowed("a", now=T0)
    limiter.hit("c", now=T0)
    assert limiter.allowed("a", now=T0)  # forgotten: asking is not a hit
    assert not limiter.allowed("b", now=T0)


def test_full_buckets_are_dropped_as_new_keys_arrive() -> None:
    limiter = TokenBucketLimiter(capacity=2, refill_every=MINUTE, max_keys=1_000)
    for n in range(500):
        limiter.hit(f"old{n}", now=T0)
    later = T0 + 2 * MINUTE  # every old bucket is full again
    for n in range(40):
        limiter.hit(f"new{n}", now=later)
    assert len(limiter) == 40  # 40 hits dropped up to 16 full buckets each: all 500
    assert limiter.allowed("old1", now=later)


def test_a_bucket_still_filling_is_kept_while_under_max_keys() -> None:
    limiter = TokenBucketLimiter(capacity=2, refill_every=MINUTE, max_keys=10)
    limiter.hit("slow", now=T0)
    limiter.hit("slow", now=T0)
    for n in range(5):
        limiter.hit(f"k{n}", now=T0 + dt.timedelta(seconds=30))
    assert not limiter.allowed("slow", now=T0 + dt.timedelta(seconds=30))
    assert len(limiter) == 6


def test_a_hit_past_max_keys_costs_the_same_however_many_keys_came() -> None:
    """Finding 10: past max_keys a new address no longer re-sorts every key (77.6 ms a hit).

    Counted, not timed: the buckets a hit looks at stay a handful however many keys are tracked
    (the sorting limiter looked at every key on every hit). ``benchmarks/ratelimit.py`` times it.
    """
    looked_at: dict[int, int] = {}
    for size in (2_000, 20_000):
        limiter = TokenBucketLimiter(capacity=5, refill_every=MINUTE, max_keys=size)
        for n in range(size):
            limiter.hit(f"fill{n}", now=T0)
        level = limiter._level
        calls = 0

        def counted(*args: Any, _level: Any = level) -> float:
            nonlocal calls
            calls += 1
            return float(_level(*args))

        limiter._level = counted  # type: ignore[method-assign]
        for n in range(100):
            limiter.hit(f"flood{n}", now=T0)
        assert len(limiter) == size
        looked_at[size] = calls
    assert looked_at[2_000] == looked_at[20_000] <= 100 * 18, looked_at


# --------------------------------------------------------------------------------------------------
# MemoryStore: RateLimits


def test_the_memory_store_gives_one_limiter_per_name() -> None:
    store = MemoryStore()
    assert isinstance(store, RateLimits)
    opens = store.rate_limiter("open", capacity=2, refill_every=MINUTE)
    assert isinstance(opens, RateLimiter)
    assert store.rate_limiter("open", capacity=2, refill_every=MINUTE) is opens
    codes = store.rate_limiter("code", capacity=2, refill_every=MINUTE)
    assert codes is not opens
    opens.hit("k", now=T0)
    opens.hit("k", now=T0)
    assert not opens.allowed("k", now=T0)
    assert codes.allowed("k", now=T0)  # another name's keys never meet these


def test_a_name_asked_for_with_other_limits_is_refused() -> None:
    store = MemoryStore()
    store.rate_limiter("open", capacity=2, refill_every=MINUTE)
    with pytest.raises(ValueError, match=r"'open' has capacity 2.*give each limit a name"):
        store.rate_limiter("open", capacity=3, refill_every=MINUTE)


# --------------------------------------------------------------------------------------------------
# The memory access log, bounded


def _refusal(n: int, *, client: str = "c" * 64, action: AccessAction = AccessAction.SESSION,
             at: dt.datetime = T0) -> AccessEvent:  # fmt: skip
    return AccessEvent(at=at, action=action, reason="invalid_token", client_hash=client,
                       link_id=f"l{n}")  # fmt: skip


@pytest.mark.parametrize("make", [MemoryAccessLog, MemoryStore], ids=["log", "store"])
def test_refusals_are_logged_within_a_budget_per_client_and_action(make: type) -> None:
    """Finding 2: a flood of refusals from one client adds a handful of events."""
    log = make()
    for n in range(1_000):
        log.record(_refusal(n))
    for n in range(5):
        log.record(_refusal(n, action=AccessAction.OPEN))
        log.record(_refusal(n, client="d" * 64))
    for _ in range(20):
        log.record(AccessEvent(at=T0, action=AccessAction.OPEN, reason=OK, client_hash="c" * 64))
    events = log.events if isinstance(log, MemoryAccessLog) else log.access_events()
    refusals = [e for e in events if e.reason != OK]
    assert [e.link_id for e in refusals[:10]] == [f"l{n}" for n in range(10)]
    assert len(refusals) == 10 + 5 + 5
    assert sum(e.reason == OK for e in events) == 20  # successes are always recorded
    six_minutes_on = T0 + dt.timedelta(minutes=6)
    log.record(_refusal(1_000, at=six_minutes_on))
    log.record(_refusal(1_001, at=six_minutes_on))
    events = log.events if isinstance(log, MemoryAccessLog) else log.access_events()
    assert [e.link_id for e in events][-1] == "l1000"


def test_the_memory_log_drops_old_events_as_it_records() -> None:
    log = MemoryAccessLog(retention=dt.timedelta(days=1))
    for n in range(5):
        log.record(AccessEvent(at=T0 + n * MINUTE, action=AccessAction.OPEN, reason=OK))
    log.record(AccessEvent(at=T0 + dt.timedelta(days=2), action=AccessAction.OPEN, reason=OK))
    assert len(log.events) == 4  # two of the five old ones went with this record
    log.record(AccessEvent(at=T0 + dt.timedelta(days=2), action=AccessAction.OPEN, reason=OK))
    log.record(AccessEvent(at=T0 + dt.timedelta(days=2), action=AccessAction.OPEN, reason=OK))
    assert [e.at for e in log.events] == [T0 + dt.timedelta(days=2)] * 3


def test_the_memory_store_prunes_its_access_log() -> None:
    store = MemoryStore()
    for n in range(4):
        store.record(AccessEvent(at=T0 + n * MINUTE, action=AccessAction.OPEN, reason=OK))
    assert store.prune_access_log(T0 + 2 * MINUTE) == 2
    assert [e.at for e in store.access_events()] == [T0 + 2 * MINUTE, T0 + 3 * MINUTE]
    assert store.prune_access_log(T0) == 0


def test_a_log_retention_must_be_positive() -> None:
    with pytest.raises(ValueError, match="retention must be a positive timedelta"):
        MemoryAccessLog(retention=dt.timedelta(0))
