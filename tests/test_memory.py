"""The in-memory backends: the PortalStore, the access log, the token-bucket limiter, the clock."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from attrs import evolve

from clientportal import (
    AccessEvent,
    AccessLog,
    AccessMode,
    Clock,
    Link,
    Portal,
    PortalStore,
    RateLimiter,
    SystemClock,
    TokenBucketLimiter,
)
from clientportal.access import OK, AccessAction, OneTimeCode, PortalAccess, secret_digest
from clientportal.errors import NotFound, ValidationError
from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore

T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
PORTAL = Portal(id="portal-1", client_id="client-1", name="Acme", created_at=T0)


def make_link(link_id: str, portal_id: str = "portal-1", at: dt.datetime = T0) -> Link:
    return Link(
        id=link_id,
        portal_id=portal_id,
        contact_id="alice",
        secret_hash=secret_digest(link_id),
        created_at=at,
    )


def make_code(code_id: str, link_id: str = "link-1") -> OneTimeCode:
    return OneTimeCode(
        id=code_id,
        link_id=link_id,
        code_hash=secret_digest(code_id),
        created_at=T0,
        expires_at=T0 + dt.timedelta(minutes=15),
    )


def in_threads(work: Callable[[], object], threads: int = 8) -> None:
    barrier = threading.Barrier(threads)

    def run() -> None:
        barrier.wait()
        work()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def test_the_memory_backends_implement_the_ports() -> None:
    assert isinstance(MemoryPortalStore(), PortalStore)
    assert isinstance(MemoryAccessLog(), AccessLog)
    assert isinstance(TokenBucketLimiter(capacity=1, refill_every=dt.timedelta(1)), RateLimiter)
    assert isinstance(ManualClock(T0), Clock)
    assert isinstance(SystemClock(), Clock)


# --------------------------------------------------------------------------------------------------
# Portals and their access state


def test_a_new_portal_starts_at_generation_zero_in_link_mode() -> None:
    store = MemoryPortalStore([PORTAL])
    assert store.get_portal("portal-1") == PORTAL
    assert store.get_access("portal-1") == PortalAccess(portal_id="portal-1")
    assert store.get_portal("nope") is None
    assert store.get_access("nope") is None


def test_replacing_a_portal_keeps_its_access_state() -> None:
    store = MemoryPortalStore([PORTAL])
    store.bump_generation("portal-1")
    store.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
    store.put_portal(evolve(PORTAL, name="Renamed"))
    assert store.get_access("portal-1") == PortalAccess(
        portal_id="portal-1", generation=1, mode=AccessMode.LINK_AND_CODE
    )
    assert [p.name for p in store.list_portals()] == ["Renamed"]


def test_portals_are_listed_by_id() -> None:
    store = MemoryPortalStore([evolve(PORTAL, id="b"), evolve(PORTAL, id="a")])
    assert [p.id for p in store.list_portals()] == ["a", "b"]


def test_unknown_portals_raise_not_found_on_access_changes() -> None:
    store = MemoryPortalStore()
    with pytest.raises(NotFound, match="put_portal"):
        store.bump_generation("nope")
    with pytest.raises(NotFound):
        store.set_access_mode("nope", AccessMode.LINK)


def test_generation_bumps_are_atomic() -> None:
    store = MemoryPortalStore([PORTAL])
    in_threads(lambda: [store.bump_generation("portal-1") for _ in range(200)])
    access = store.get_access("portal-1")
    assert access is not None
    assert access.generation == 8 * 200


# --------------------------------------------------------------------------------------------------
# Links


def test_links_are_listed_per_portal_oldest_first() -> None:
    store = MemoryPortalStore([PORTAL, evolve(PORTAL, id="portal-2")])
    store.add_link(make_link("b", at=T0 + dt.timedelta(minutes=1)))
    store.add_link(make_link("c", at=T0))
    store.add_link(make_link("a", at=T0 + dt.timedelta(minutes=1)))
    store.add_link(make_link("x", portal_id="portal-2"))
    assert [link.id for link in store.list_links("portal-1")] == ["c", "a", "b"]
    assert [link.id for link in store.list_links("portal-2")] == ["x"]
    assert store.list_links("nope") == []


def test_a_link_of_a_portal_the_store_does_not_hold_is_refused() -> None:
    store = MemoryPortalStore()
    with pytest.raises(NotFound, match="put_portal"):
        store.add_link(make_link("a"))
    assert store.get_link("a") is None


def test_a_link_id_can_be_added_only_once() -> None:
    store = MemoryPortalStore([PORTAL])
    store.add_link(make_link("a"))
    with pytest.raises(ValidationError, match="'a' exists"):
        store.add_link(make_link("a"))


def test_revoking_keeps_the_first_revocation_time_and_using_touches_only_last_used() -> None:
    store = MemoryPortalStore([PORTAL])
    store.add_link(make_link("a"))
    store.revoke_link("a", T0 + dt.timedelta(hours=1))
    store.revoke_link("a", T0 + dt.timedelta(hours=2))
    store.mark_link_used("a", T0 + dt.timedelta(hours=3))
    link = store.get_link("a")
    assert link is not None
    assert link.revoked_at == T0 + dt.timedelta(hours=1)
    assert link.last_used_at == T0 + dt.timedelta(hours=3)
    store.revoke_link("nope", T0)
    store.mark_link_used("nope", T0)
    assert store.get_link("nope") is None


def test_a_concurrent_use_never_undoes_a_revocation() -> None:
    store = MemoryPortalStore([PORTAL])
    store.add_link(make_link("a"))

    def work() -> None:
        for minute in range(100):
            store.mark_link_used("a", T0 + dt.timedelta(minutes=minute))
            store.revoke_link("a", T0 + dt.timedelta(minutes=minute))

    in_threads(work)
    link = store.get_link("a")
    assert link is not None
    assert link.revoked_at == T0


# --------------------------------------------------------------------------------------------------
# One-time codes


def test_a_new_code_replaces_the_links_previous_code() -> None:
    store = MemoryPortalStore()
    store.put_code(make_code("first"))
    store.put_code(make_code("second"))
    current = store.get_code("link-1")
    assert current is not None
    assert current.id == "second"
    assert store.count_code_attempt("first") == 0
    assert store.use_code("first", T0) is False
    assert store.get_code("other-link") is None


def test_code_attempts_are_counted_atomically() -> None:
    store = MemoryPortalStore()
    store.put_code(make_code("code"))
    counts: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(50):
            count = store.count_code_attempt("code")
            with lock:
                counts.append(count)

    in_threads(work)
    assert sorted(counts) == list(range(1, 8 * 50 + 1))


def test_a_code_is_used_by_exactly_one_caller() -> None:
    store = MemoryPortalStore()
    store.put_code(make_code("code"))
    wins: list[bool] = []
    in_threads(lambda: wins.append(store.use_code("code", T0)))
    assert wins.count(True) == 1
    used = store.get_code("link-1")
    assert used is not None
    assert used.used_at == T0


# --------------------------------------------------------------------------------------------------
# The access log


def test_the_access_log_keeps_events_in_order() -> None:
    log = MemoryAccessLog()
    events = [
        AccessEvent(at=T0 + dt.timedelta(seconds=n), action=AccessAction.OPEN, reason=OK)
        for n in range(3)
    ]
    for event in events:
        log.record(event)
    assert log.events == tuple(events)

    def work() -> None:
        for _ in range(100):
            log.record(events[0])

    in_threads(work)
    assert len(log.events) == 3 + 800


# --------------------------------------------------------------------------------------------------
# The token bucket


def test_a_bucket_allows_its_capacity_then_refuses() -> None:
    limiter = TokenBucketLimiter(capacity=3, refill_every=dt.timedelta(minutes=1))
    assert [limiter.hit("k", now=T0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allowed("k", now=T0) is False
    assert limiter.allowed("other", now=T0) is True


def test_asking_whether_a_key_is_allowed_spends_nothing() -> None:
    limiter = TokenBucketLimiter(capacity=1, refill_every=dt.timedelta(minutes=1))
    for _ in range(10):
        assert limiter.allowed("k", now=T0)
    assert limiter.hit("k", now=T0)


def test_a_bucket_refills_one_unit_per_period_up_to_its_capacity() -> None:
    limiter = TokenBucketLimiter(capacity=2, refill_every=dt.timedelta(minutes=1))
    limiter.hit("k", now=T0)
    limiter.hit("k", now=T0)
    assert not limiter.allowed("k", now=T0 + dt.timedelta(seconds=59))
    assert limiter.hit("k", now=T0 + dt.timedelta(minutes=1))
    assert not limiter.hit("k", now=T0 + dt.timedelta(minutes=1))
    later = T0 + dt.timedelta(hours=5)
    assert [limiter.hit("k", now=later) for _ in range(3)] == [True, True, False]


def test_a_clock_going_backwards_refills_nothing() -> None:
    limiter = TokenBucketLimiter(capacity=1, refill_every=dt.timedelta(minutes=1))
    limiter.hit("k", now=T0)
    assert not limiter.allowed("k", now=T0 - dt.timedelta(hours=1))


def test_a_bucket_never_gives_more_than_its_capacity_to_concurrent_callers() -> None:
    limiter = TokenBucketLimiter(capacity=300, refill_every=dt.timedelta(hours=1))
    results: list[bool] = []
    in_threads(lambda: results.extend(limiter.hit("k", now=T0) for _ in range(100)))
    assert results.count(True) == 300


def test_the_limiter_forgets_full_buckets_first_when_it_tracks_too_many_keys() -> None:
    limiter = TokenBucketLimiter(capacity=2, refill_every=dt.timedelta(minutes=1), max_keys=3)
    for key in ("a", "b", "c"):
        limiter.hit(key, now=T0)
    limiter.hit("d", now=T0 + dt.timedelta(minutes=5))  # a, b, c are full again by then
    assert repr(limiter).endswith("<1 keys>)")
    limiter.hit("e", now=T0 + dt.timedelta(minutes=5))
    limiter.hit("e", now=T0 + dt.timedelta(minutes=5))
    assert not limiter.allowed("e", now=T0 + dt.timedelta(minutes=5))


@pytest.mark.parametrize(
    "config",
    [
        {"capacity": 0, "refill_every": dt.timedelta(seconds=1)},
        {"capacity": True, "refill_every": dt.timedelta(seconds=1)},
        {"capacity": 1, "refill_every": dt.timedelta(0)},
        {"capacity": 1, "refill_every": 5},
        {"capacity": 1, "refill_every": dt.timedelta(seconds=1), "max_keys": 0},
    ],
)
def test_the_limiter_refuses_nonsense_configuration(config: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        TokenBucketLimiter(**config)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Clocks


def test_the_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(T0)
    assert clock.now() == T0
    assert clock.advance(dt.timedelta(hours=1)) == T0 + dt.timedelta(hours=1)
    clock.set(T0)
    assert clock.now() == T0


def test_clocks_are_timezone_aware() -> None:
    assert SystemClock().now().tzinfo is not None
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(dt.datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(T0).set(dt.datetime(2025, 1, 1))
