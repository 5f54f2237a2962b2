"""Finding 11 of the adversarial review: opening a link that does not open does the same work
whatever the reason, so its timing tells nobody whether the link was ever issued.

Timing itself is measured by ``benchmarks/open_timing.py``; here the work is compared exactly:
every failure kind makes the same sequence of store calls (memory, SQLite and PostgreSQL), the
same limiter calls and one access-log line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from attrs import evolve

import clientportal.sql as cs
from clientportal import AccessGate, TokenBucketLimiter
from clientportal.access import AccessCodec, LinkClaim, new_secret
from clientportal.errors import (
    AccessDenied,
    GenerationMismatch,
    InvalidToken,
    LinkExpired,
    LinkRevoked,
    PortalInactive,
)
from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore
from clientportal.model import Portal
from clientportal.ports import PortalStore, RateLimiter
from clientportal.sql.testing import clear_tables, postgres_url, ready_for_tests, temporary_schema
from worlds import SECRET, T0

CLIENT = "203.0.113.77"


class _Recorder:
    """Passes every call on to ``store`` and notes the method's name."""

    def __init__(self, store: PortalStore, calls: list[str]) -> None:
        self._store = store
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if not callable(method):
            return method

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self._calls.append(name)
            return method(*args, **kwargs)

        return recorded


class _RecordingLimits:
    """In-process token buckets that note ``(name, method)`` of every call."""

    def __init__(self, calls: list[str]) -> None:
        self._calls = calls

    def rate_limiter(self, name: str, *, capacity: int, refill_every: dt.timedelta) -> RateLimiter:
        bucket = TokenBucketLimiter(capacity=capacity * 100, refill_every=refill_every)
        calls = self._calls

        class Limiter:
            def allowed(self, key: str, *, now: dt.datetime) -> bool:
                calls.append(f"{name}.allowed")
                return bucket.allowed(key, now=now)

            def hit(self, key: str, *, now: dt.datetime) -> bool:
                calls.append(f"{name}.hit")
                return bucket.hit(key, now=now)

        return Limiter()


def _portal(portal_id: str, **changes: Any) -> Portal:
    base = Portal(
        id=portal_id, client_id="c", name="Acme", created_at=T0, contact_ids={"alice", "bob"}
    )
    return evolve(base, **changes)


class _Setup:
    """A gate over a recorded store, its log, the calls noted, and a token for every kind of
    failure with the refusal it must raise."""

    def __init__(
        self,
        gate: AccessGate,
        log: MemoryAccessLog,
        calls: list[str],
        kinds: dict[str, tuple[str, type]],
    ) -> None:
        self.gate = gate
        self.log = log
        self.calls = calls
        self.kinds = kinds


def _failures(store: PortalStore) -> _Setup:
    """Every kind of failed open, set up over ``store``."""
    calls: list[str] = []
    log = MemoryAccessLog()
    clock = ManualClock(T0)
    for portal_id in ("live", "superseded", "inactive"):
        store.put_portal(_portal(portal_id))
    gate = AccessGate(
        _Recorder(store, calls),  # type: ignore[arg-type]
        SECRET,
        log=log,
        clock=clock,
        limits=_RecordingLimits(calls),
    )
    codec = gate.codec
    good = gate.links.issue("live", "alice")
    other_key = AccessCodec("another-secret-key-0123456789-xyz")

    def signed(link_id: str, secret: str | None = None, generation: int = 0) -> str:
        claim = LinkClaim(
            link_id=link_id,
            generation=generation,
            secret=new_secret() if secret is None else secret,
            issued_at=T0,
        )
        return codec.link_token(claim)

    revoked = gate.links.issue("live", "alice")
    gate.links.revoke(revoked.link.id)
    expiring = gate.links.issue("live", "alice", expires_at=T0 + dt.timedelta(minutes=1))
    superseded = gate.links.issue("superseded", "alice")
    gate.links.revoke_all("superseded")
    inactive = gate.links.issue("inactive", "alice")
    store.put_portal(_portal("inactive", active=False))
    removed = gate.links.issue("live", "bob")
    store.put_portal(_portal("live", contact_ids={"alice"}))
    clock.advance(dt.timedelta(minutes=2))
    wrong_signature = other_key.link_token(
        LinkClaim(link_id=good.link.id, generation=0, secret=new_secret(), issued_at=T0)
    )
    kinds: dict[str, tuple[str, type]] = {
        "malformed": ("not-a-token-at-all", InvalidToken),
        "wrong signature": (wrong_signature, InvalidToken),
        "never issued": (signed("never-issued-link"), InvalidToken),
        "wrong secret": (signed(good.link.id), InvalidToken),
        "revoked": (revoked.token, LinkRevoked),
        "expired": (expiring.token, LinkExpired),
        "superseded": (superseded.token, GenerationMismatch),
        "inactive portal": (inactive.token, PortalInactive),
        "contact removed": (removed.token, LinkRevoked),
    }
    return _Setup(gate, log, calls, kinds)


def _work_of_each_failure(store: PortalStore) -> dict[str, list[str]]:
    setup = _failures(store)
    gate, calls, log = setup.gate, setup.calls, setup.log
    work: dict[str, list[str]] = {}
    for kind, (token, refusal) in setup.kinds.items():
        calls.clear()
        logged = len(log.events)
        with pytest.raises(AccessDenied) as caught:
            gate.open(token, client=CLIENT)
        assert type(caught.value) is refusal, kind
        assert len(log.events) == logged + 1, kind
        work[kind] = list(calls)
    return work


def _assert_same_work(work: dict[str, list[str]]) -> None:
    reference = work["revoked"]
    assert any(not call.endswith((".allowed", ".hit")) for call in reference)
    different = {kind: calls for kind, calls in work.items() if calls != reference}
    assert different == {}, f"revoked does {reference}"


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[PortalStore]:
    engine = ready_for_tests(cs.create_engine(f"sqlite:///{tmp_path / 'timing.sqlite3'}"))
    yield cs.SqlStore(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def postgres_engine() -> Iterator[Any]:
    with temporary_schema(postgres_url()) as engine:
        yield ready_for_tests(engine)


def test_finding_11_every_failed_open_does_the_same_work_in_memory() -> None:
    """Finding 11: every failure kind makes the same memory-store, limiter and log calls."""
    _assert_same_work(_work_of_each_failure(MemoryPortalStore()))


def test_finding_11_every_failed_open_does_the_same_work_on_sqlite(
    sqlite_store: PortalStore,
) -> None:
    """Finding 11: every failure kind makes the same SQLite-store, limiter and log calls."""
    _assert_same_work(_work_of_each_failure(sqlite_store))


def test_finding_11_every_failed_open_does_the_same_work_on_postgresql(
    postgres_engine: Any,
) -> None:
    """Finding 11: every failure kind makes the same PostgreSQL-store, limiter and log calls."""
    clear_tables(postgres_engine)
    _assert_same_work(_work_of_each_failure(cs.SqlStore(postgres_engine)))


def test_finding_11_a_good_token_still_opens_through_the_recorder() -> None:
    """Finding 11: the recorded gate is a working gate (the same work is not "always refuse")."""
    gate = _failures(MemoryPortalStore()).gate
    token = gate.links.issue("live", "alice").token
    assert gate.open(token, client=CLIENT).session is not None
