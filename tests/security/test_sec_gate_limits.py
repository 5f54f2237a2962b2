"""Finding 10 (the gate's part) of the adversarial review: failed opens are budgeted per address,
per address prefix (/24, /64) and per link, failed session checks count against the same budgets,
and every key a limiter sees is a keyed hash, never an address."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from attrs import evolve
from itsdangerous import URLSafeTimedSerializer

from clientportal import AccessGate, AccessMode, RateLimited, TokenBucketLimiter
from clientportal.errors import AccessDenied
from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore
from clientportal.model import Portal
from clientportal.ports import RateLimiter
from worlds import SECRET, T0


class _RecordingLimiter:
    """A real token bucket that also notes every key it is asked about."""

    def __init__(self, name: str, limiter: TokenBucketLimiter, keys: list[tuple[str, str]]):
        self._name = name
        self._limiter = limiter
        self._keys = keys

    def allowed(self, key: str, *, now: dt.datetime) -> bool:
        self._keys.append((self._name, key))
        return self._limiter.allowed(key, now=now)

    def hit(self, key: str, *, now: dt.datetime) -> bool:
        self._keys.append((self._name, key))
        return self._limiter.hit(key, now=now)


class _RecordingLimits:
    """A :class:`~clientportal.ports.RateLimits` of in-process token buckets that note their
    keys."""

    def __init__(self) -> None:
        self.keys: list[tuple[str, str]] = []

    def rate_limiter(self, name: str, *, capacity: int, refill_every: dt.timedelta) -> RateLimiter:
        bucket = TokenBucketLimiter(capacity=capacity, refill_every=refill_every)
        return _RecordingLimiter(name, bucket, self.keys)


class _World:
    """A gate over two portals with default (or recorded) limiters and a hand-moved clock."""

    def __init__(self, **gate: Any) -> None:
        self.clock = ManualClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
        self.portal = Portal(
            id="portal-1", client_id="c", name="Acme", created_at=T0, contact_ids={"alice"}
        )
        self.other = Portal(
            id="portal-2", client_id="c", name="Acme 2", created_at=T0, contact_ids={"carol"}
        )
        self.store = MemoryPortalStore([self.portal, self.other])
        self.gate = AccessGate(self.store, SECRET, log=MemoryAccessLog(), clock=self.clock, **gate)

    def token(self, portal_id: str = "portal-1", contact_id: str = "alice") -> str:
        return self.gate.links.issue(portal_id, contact_id).token

    def fail(self, client: str, token: str = "not-a-token") -> None:
        with pytest.raises(AccessDenied):
            self.gate.open(token, client=client)


def test_finding_10_failures_spread_over_a_slash_24_block_the_whole_prefix() -> None:
    """Finding 10: one failure each from 200 addresses of a /24 blocks the /24, not its
    neighbours."""
    world = _World()
    for host in range(1, 201):
        world.fail(f"198.51.100.{host}")
    with pytest.raises(RateLimited):
        world.gate.open(world.token(), client="198.51.100.250")
    assert world.gate.open(world.token(), client="198.51.101.7").session is not None


def test_finding_10_failures_spread_over_a_slash_64_block_the_whole_prefix() -> None:
    """Finding 10: the same for IPv6, whose prefix is a /64."""
    world = _World()
    for host in range(1, 201):
        world.fail(f"2001:db8:1:2::{host:x}")
    with pytest.raises(RateLimited):
        world.gate.open(world.token(), client="2001:db8:1:2:ffff::1")
    assert world.gate.open(world.token(), client="2001:db8:1:3::1").session is not None


def test_finding_10_a_client_that_is_not_an_address_is_budgeted_whole() -> None:
    """Finding 10: a client string that is no IP address is one budget of its own."""
    world = _World()
    for _ in range(25):
        world.fail("worker-a")
    with pytest.raises(RateLimited):
        world.gate.open(world.token(), client="worker-a")
    assert world.gate.open(world.token(), client="worker-b").session is not None


def test_finding_10_failures_at_one_link_from_everywhere_block_that_link() -> None:
    """Finding 10: failed opens of one link from many prefixes block the link (even once it
    would open again), until its budget refills; other links open."""
    world = _World()
    carol = world.token("portal-2", "carol")
    world.store.put_portal(evolve(world.other, active=False))
    for block in range(1, 41):
        world.fail(f"10.{block}.0.1", carol)
    world.store.put_portal(world.other)
    with pytest.raises(RateLimited):
        world.gate.open(carol, client="192.0.2.1")
    assert world.gate.open(world.token(), client="192.0.2.1").session is not None
    world.clock.advance(dt.timedelta(hours=1))
    assert world.gate.open(carol, client="192.0.2.1").session is not None


def test_finding_10_failed_session_checks_count_against_the_address() -> None:
    """Finding 10: forged or stale session values spend the address's budget: once it is
    spent the address can neither open a link nor use a session."""
    world = _World()
    good = world.gate.open(world.token(), client="203.0.113.50").session
    assert good is not None
    forged = URLSafeTimedSerializer("x" * 32, salt="clientportal.session").dumps(["a", 0, "b", 1])
    for _ in range(25):
        with pytest.raises(AccessDenied):
            world.gate.check_session(forged, client="203.0.113.66")
    with pytest.raises(RateLimited):
        world.gate.open(world.token(), client="203.0.113.66")
    with pytest.raises(RateLimited):
        world.gate.check_session(good.value, client="203.0.113.66")
    assert world.gate.check_session(good.value, client="203.0.113.50").link.contact_id == "alice"


def test_finding_10_limiters_see_keyed_hashes_of_address_prefix_and_link() -> None:
    """Finding 10: a failed open of a known link spends the address's, the prefix's and the
    link's budget, under three different keyed hashes; no key holds an address or a link id."""
    limits = _RecordingLimits()
    world = _World(limits=limits)
    issued = world.gate.links.issue("portal-1", "alice")
    world.gate.links.revoke(issued.link.id)
    limits.keys.clear()
    world.fail("203.0.113.9", issued.token)
    hits = {key for _, key in limits.keys}
    assert len(hits) == 3
    assert {name for name, _ in limits.keys} >= {"open"}
    for key in hits:
        assert "203.0.113" not in key
        assert issued.link.id not in key
        assert len(key) == 32
        int(key, 16)


def test_finding_10_explicit_limiters_still_decide() -> None:
    """Finding 10: a host's own ``client_limiter`` still budgets failed opens per address."""
    limiter = TokenBucketLimiter(capacity=2, refill_every=dt.timedelta(hours=1))
    world = _World(client_limiter=limiter)
    world.fail("203.0.113.9")
    world.fail("203.0.113.9")
    with pytest.raises(RateLimited):
        world.gate.open(world.token(), client="203.0.113.9")


def test_the_code_limiter_sees_keyed_hashes_of_the_link_too() -> None:
    """Finding 10: the budgets of code requests and attempts are kept under keyed hashes, so a
    shared store of rate limits holds no link id either."""
    limits = _RecordingLimits()
    world = _World(limits=limits)
    world.gate.links.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
    issued = world.gate.links.issue("portal-1", "alice")
    opening = world.gate.open(issued.token, client="203.0.113.9")
    assert opening.pending is not None
    limits.keys.clear()
    world.gate.new_code(opening.pending, client="203.0.113.9")
    with pytest.raises(AccessDenied):
        world.gate.verify_code(opening.pending, "000000x", client="203.0.113.9")
    code_keys = {key for name, key in limits.keys if name == "code"}
    assert len(code_keys) == 2  # one budget for asking, one for trying
    for key in code_keys:
        assert issued.link.id not in key
        assert len(key) == 32
        int(key, 16)


def test_the_service_passes_a_hosts_prefix_and_link_limiters_to_the_gate() -> None:
    """Finding 10: a host sets every budget through ``PortalService`` too: here one failed open
    per link, so a revoked link is blocked after its first refusal, from any address."""
    from clientportal import PortalService
    from clientportal.memory import MemoryDataSource, MemoryStore
    from worlds import MAIL, acme_portal, service_dataset

    store = MemoryStore()
    store.put_portal(acme_portal())
    one_per_link = TokenBucketLimiter(capacity=1, refill_every=dt.timedelta(hours=1))
    many = TokenBucketLimiter(capacity=1000, refill_every=dt.timedelta(seconds=1))
    service = PortalService(
        MemoryDataSource(service_dataset(), store),
        store,
        mail=MAIL,
        secret_keys=[SECRET],
        prefix_limiter=many,
        link_limiter=one_per_link,
    )
    issued = service.links.issue("acme-web", "anna")
    service.links.revoke(issued.link.id)
    with pytest.raises(AccessDenied) as first:
        service.access.open(issued.token, client="203.0.113.9")
    assert not isinstance(first.value, RateLimited)
    with pytest.raises(RateLimited):
        service.access.open(issued.token, client="198.51.100.7")
