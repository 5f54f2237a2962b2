"""The access gate over the in-memory ports: issue, open, revoke, regenerate, generations,
sessions, CSRF, rate limits and the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from clientportal import (
    AccessAction,
    AccessDenied,
    AccessGate,
    AccessMode,
    AccessPolicy,
    CodeRequired,
    ConfigError,
    GenerationMismatch,
    InvalidCsrfToken,
    InvalidToken,
    LinkExpired,
    LinkRevoked,
    LinkStatus,
    NotFound,
    Portal,
    PortalInactive,
    RateLimited,
    SessionExpired,
    TokenBucketLimiter,
)
from clientportal.access import OK, LinkClaim
from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore

T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
KEY = "an-old-secret-key-of-32-characters!"
NEW_KEY = "a-new-secret-key-of-32-characters!!"
CLIENT = "203.0.113.7"


class World:
    """Two portals of one client in a memory store, a hand-moved clock and a gate over them."""

    def __init__(
        self,
        *,
        keys: str | list[str] = KEY,
        policy: AccessPolicy | None = None,
        client_limiter: TokenBucketLimiter | None = None,
    ) -> None:
        self.clock = ManualClock(T0)
        self.portal = Portal(
            id="portal-1",
            client_id="client-1",
            name="Acme",
            created_at=T0,
            contact_ids={"alice", "bob"},
        )
        self.other = Portal(
            id="portal-2",
            client_id="client-1",
            name="Acme R&D",
            created_at=T0,
            contact_ids={"carol"},
        )
        self.store = MemoryPortalStore([self.portal, self.other])
        self.log = MemoryAccessLog()
        self.policy = policy
        self.client_limiter = client_limiter
        self.gate = self.gate_with(keys)

    def gate_with(self, keys: str | list[str]) -> AccessGate:
        return AccessGate(
            self.store,
            keys,
            log=self.log,
            clock=self.clock,
            policy=self.policy,
            client_limiter=self.client_limiter,
        )


@pytest.fixture
def world() -> World:
    return World()


# --------------------------------------------------------------------------------------------------
# Issuing and opening


def test_opening_a_link_gives_its_link_portal_contact_and_a_session(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    opening = world.gate.open(issued.token, client=CLIENT)
    assert opening.link.id == issued.link.id
    assert opening.portal == world.portal
    assert opening.contact_id == "alice"
    assert not opening.needs_code
    assert opening.session is not None
    assert opening.pending is None


def test_issued_links_record_portal_contact_generation_and_times(world: World) -> None:
    link = world.gate.links.issue("portal-1", "bob").link
    assert (link.portal_id, link.contact_id, link.generation) == ("portal-1", "bob", 0)
    assert link.created_at == T0
    assert link.expires_at is None
    assert link.revoked_at is None
    assert link.last_used_at is None


def test_opening_a_link_records_its_last_use(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.clock.advance(dt.timedelta(hours=3))
    world.gate.open(issued.token, client=CLIENT)
    stored = world.store.get_link(issued.link.id)
    assert stored is not None
    assert stored.last_used_at == T0 + dt.timedelta(hours=3)


def test_a_shared_link_names_no_contact_and_opens(world: World) -> None:
    issued = world.gate.links.issue("portal-1")
    assert issued.link.shared
    assert world.gate.open(issued.token, client=CLIENT).contact_id is None


def test_each_token_opens_only_its_own_link(world: World) -> None:
    alice = world.gate.links.issue("portal-1", "alice")
    carol = world.gate.links.issue("portal-2", "carol")
    assert world.gate.open(alice.token, client=CLIENT).link.id == alice.link.id
    opened = world.gate.open(carol.token, client=CLIENT)
    assert (opened.link.id, opened.portal.id) == (carol.link.id, "portal-2")


def test_issuing_for_an_unknown_portal_raises_not_found(world: World) -> None:
    with pytest.raises(NotFound, match="nope"):
        world.gate.links.issue("nope", "alice")


def test_issuing_for_a_contact_not_on_the_portal_is_refused(world: World) -> None:
    with pytest.raises(ConfigError, match="'carol' is not on portal 'portal-1'"):
        world.gate.links.issue("portal-1", "carol")


def test_issuing_with_an_expiry_in_the_past_is_refused(world: World) -> None:
    with pytest.raises(ConfigError, match="not in the future"):
        world.gate.links.issue("portal-1", "alice", expires_at=T0)
    with pytest.raises(ConfigError, match="timezone-aware"):
        world.gate.links.issue("portal-1", "alice", expires_at=dt.datetime(2030, 1, 1))


def test_links_lists_every_link_of_one_portal_oldest_first(world: World) -> None:
    first = world.gate.links.issue("portal-1", "alice").link
    world.clock.advance(dt.timedelta(minutes=1))
    second = world.gate.links.issue("portal-1", "bob").link
    world.gate.links.issue("portal-2", "carol")
    world.gate.links.revoke(first.id)
    assert [link.id for link in world.gate.links.for_portal("portal-1")] == [first.id, second.id]
    assert world.gate.links.status(world.gate.links.for_portal("portal-1")[0]) is LinkStatus.REVOKED
    assert world.gate.links.status(second) is LinkStatus.ACTIVE


def test_a_token_signed_with_the_keys_but_the_wrong_secret_is_refused(world: World) -> None:
    # A leaked signing key alone is not enough: the link keeps only the SHA-256 of the token's
    # random part, which a forger does not know.
    link = world.gate.links.issue("portal-1", "alice").link
    forged = world.gate.codec.link_token(
        LinkClaim(link_id=link.id, generation=0, secret="guessed-secret-000000", issued_at=T0)
    )
    with pytest.raises(InvalidToken):
        world.gate.open(forged, client=CLIENT)


def test_a_genuine_token_for_a_link_the_store_does_not_hold_is_refused(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    elsewhere = AccessGate(MemoryPortalStore([world.portal]), KEY, log=MemoryAccessLog())
    with pytest.raises(InvalidToken):
        elsewhere.open(issued.token, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# Expiry, revocation, regeneration, generations


def test_an_expired_link_is_refused_with_link_expired() -> None:
    world = World(policy=AccessPolicy(link_lifetime=dt.timedelta(days=7)))
    issued = world.gate.links.issue("portal-1", "alice")
    assert issued.link.expires_at == T0 + dt.timedelta(days=7)
    world.clock.advance(dt.timedelta(days=7) - dt.timedelta(seconds=1))
    world.gate.open(issued.token, client=CLIENT)
    world.clock.advance(dt.timedelta(seconds=1))
    with pytest.raises(LinkExpired):
        world.gate.open(issued.token, client=CLIENT)


def test_a_revoked_link_is_refused_with_link_revoked(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.clock.advance(dt.timedelta(minutes=5))
    revoked = world.gate.links.revoke(issued.link.id)
    assert revoked.revoked_at == T0 + dt.timedelta(minutes=5)
    world.clock.advance(dt.timedelta(minutes=5))
    assert world.gate.links.revoke(issued.link.id).revoked_at == revoked.revoked_at
    with pytest.raises(LinkRevoked):
        world.gate.open(issued.token, client=CLIENT)


def test_revoking_an_unknown_link_raises_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.gate.links.revoke("nope")
    with pytest.raises(NotFound):
        world.gate.links.regenerate("nope")


def test_a_regenerated_link_has_a_new_token_for_the_same_contact_and_the_old_one_dies(
    world: World,
) -> None:
    old = world.gate.links.issue("portal-1", "alice")
    new = world.gate.links.regenerate(old.link.id)
    assert new.token != old.token
    assert new.link.id != old.link.id
    assert (new.link.portal_id, new.link.contact_id) == ("portal-1", "alice")
    with pytest.raises(LinkRevoked):
        world.gate.open(old.token, client=CLIENT)
    assert world.gate.open(new.token, client=CLIENT).contact_id == "alice"


def test_revoking_all_links_bumps_the_generation_and_refuses_every_earlier_link(
    world: World,
) -> None:
    alice = world.gate.links.issue("portal-1", "alice")
    shared = world.gate.links.issue("portal-1")
    carol = world.gate.links.issue("portal-2", "carol")
    assert world.gate.links.revoke_all("portal-1") == 1
    for token in (alice.token, shared.token):
        with pytest.raises(GenerationMismatch):
            world.gate.open(token, client=CLIENT)
    assert world.gate.links.status(alice.link) is LinkStatus.SUPERSEDED
    assert world.gate.open(carol.token, client=CLIENT).portal.id == "portal-2"
    fresh = world.gate.links.issue("portal-1", "alice")
    assert fresh.link.generation == 1
    assert world.gate.open(fresh.token, client=CLIENT).link.id == fresh.link.id


def test_revoking_all_links_of_an_unknown_portal_raises_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.gate.links.revoke_all("nope")


def test_an_inactive_portal_refuses_its_links(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.store.put_portal(evolve(world.portal, active=False))
    with pytest.raises(PortalInactive):
        world.gate.open(issued.token, client=CLIENT)
    world.store.put_portal(world.portal)
    assert world.gate.open(issued.token, client=CLIENT).link.id == issued.link.id


def test_a_link_dies_when_its_contact_leaves_the_portal(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.store.put_portal(evolve(world.portal, contact_ids=frozenset({"bob"})))
    with pytest.raises(LinkRevoked, match="no longer on portal"):
        world.gate.open(issued.token, client=CLIENT)


def test_replacing_a_portal_keeps_its_generation(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.gate.links.revoke_all("portal-1")
    world.store.put_portal(evolve(world.portal, name="Acme (renamed)"))
    with pytest.raises(GenerationMismatch):
        world.gate.open(issued.token, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# Key rotation through the gate


def test_an_old_token_still_opens_after_a_new_key_is_added_and_not_after_the_old_is_removed(
    world: World,
) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    rotated = world.gate_with([KEY, NEW_KEY])
    assert rotated.open(issued.token, client=CLIENT).link.id == issued.link.id
    fresh = rotated.links.issue("portal-1", "bob")
    retired = world.gate_with(NEW_KEY)
    assert retired.open(fresh.token, client=CLIENT).contact_id == "bob"
    with pytest.raises(InvalidToken):
        retired.open(issued.token, client=CLIENT)
    with pytest.raises(InvalidToken):
        world.gate.open(fresh.token, client=CLIENT)  # new tokens are signed with the newest key


def test_sessions_survive_key_rotation_until_the_old_key_goes(world: World) -> None:
    opening = world.gate.open(world.gate.links.issue("portal-1", "alice").token, client=CLIENT)
    assert opening.session is not None
    value = opening.session.value
    assert world.gate_with([KEY, NEW_KEY]).check_session(value, client=CLIENT).contact_id == "alice"
    with pytest.raises(InvalidToken):
        world.gate_with(NEW_KEY).check_session(value, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# Hypothesis: mutated tokens never open anything


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MUTATION_WORLD = World(
    client_limiter=TokenBucketLimiter(capacity=10**9, refill_every=dt.timedelta(1))
)
ISSUED = [
    MUTATION_WORLD.gate.links.issue("portal-1", "alice"),
    MUTATION_WORLD.gate.links.issue("portal-1", "bob"),
    MUTATION_WORLD.gate.links.issue("portal-1"),
    MUTATION_WORLD.gate.links.issue("portal-2", "carol"),
]
TOKENS = [issued.token for issued in ISSUED]


@st.composite
def mutated_tokens(draw: st.DrawFn) -> str:
    """A genuine token changed by random edits, some borrowing pieces of other genuine tokens."""
    text = draw(st.sampled_from(TOKENS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "cut", "splice", "flip"]))
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        if kind == "replace":
            text = text[:at] + draw(st.sampled_from(ALPHABET + ".=")) + text[at + 1 :]
        elif kind == "insert":
            text = text[:at] + draw(st.sampled_from(ALPHABET + ".=")) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        elif kind == "cut":
            text = text[:at]
        elif kind == "flip":
            text = text[:at] + text[at : at + 1].swapcase() + text[at + 1 :]
        else:
            donor = draw(st.sampled_from(TOKENS)).split(".")
            parts = text.split(".")
            segment = draw(st.integers(0, min(len(parts), len(donor)) - 1))
            parts[segment] = donor[segment]
            text = ".".join(parts)
    return text


@given(mutated_tokens())
def test_mutated_tokens_never_open_any_link(mutated: str) -> None:
    if mutated in TOKENS:
        # Only an unchanged genuine token opens, and only its own link.
        opened = MUTATION_WORLD.gate.open(mutated, client=CLIENT)
        assert opened.link.id == ISSUED[TOKENS.index(mutated)].link.id
        return
    with pytest.raises(AccessDenied):
        MUTATION_WORLD.gate.open(mutated, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# Sessions


def open_session(world: World, contact: str = "alice") -> tuple[str, str]:
    """Issue and open a link; returns (link id, session value)."""
    issued = world.gate.links.issue("portal-1", contact)
    session = world.gate.open(issued.token, client=CLIENT).session
    assert session is not None
    return issued.link.id, session.value


def test_a_session_is_bound_to_its_link_and_lasts_30_days_by_default(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    grant = world.gate.open(issued.token, client=CLIENT).session
    assert grant is not None
    assert grant.max_age == 30 * 24 * 3600
    assert grant.expires_at == T0 + dt.timedelta(days=30)
    world.clock.advance(dt.timedelta(days=30) - dt.timedelta(seconds=1))
    visit = world.gate.check_session(grant.value, client=CLIENT)
    assert (visit.link.id, visit.portal.id, visit.contact_id) == (
        issued.link.id,
        "portal-1",
        "alice",
    )
    world.clock.advance(dt.timedelta(seconds=1))
    with pytest.raises(SessionExpired):
        world.gate.check_session(grant.value, client=CLIENT)


def test_the_session_lifetime_is_configurable() -> None:
    world = World(policy=AccessPolicy(session_lifetime=dt.timedelta(hours=12)))
    _, value = open_session(world)
    world.clock.advance(dt.timedelta(hours=12))
    with pytest.raises(SessionExpired):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_as_soon_as_its_link_is_revoked(world: World) -> None:
    link_id, value = open_session(world)
    world.gate.links.revoke(link_id)
    with pytest.raises(LinkRevoked):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_when_its_link_is_regenerated(world: World) -> None:
    link_id, value = open_session(world)
    world.gate.links.regenerate(link_id)
    with pytest.raises(LinkRevoked):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_when_its_link_expires() -> None:
    world = World(policy=AccessPolicy(link_lifetime=dt.timedelta(days=2)))
    _, value = open_session(world)
    world.clock.advance(dt.timedelta(days=2))
    with pytest.raises(LinkExpired):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_when_all_links_of_the_portal_are_revoked(world: World) -> None:
    _, value = open_session(world)
    world.gate.links.revoke_all("portal-1")
    with pytest.raises(GenerationMismatch):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_when_the_portal_is_switched_off(world: World) -> None:
    _, value = open_session(world)
    world.store.put_portal(evolve(world.portal, active=False))
    with pytest.raises(PortalInactive):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_opened_without_code_ends_when_the_portal_starts_asking_for_one(
    world: World,
) -> None:
    _, value = open_session(world)
    world.gate.links.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
    with pytest.raises(CodeRequired):
        world.gate.check_session(value, client=CLIENT)


def test_a_tampered_session_value_is_refused(world: World) -> None:
    _, value = open_session(world)
    for position in range(len(value)):
        replacement = "A" if value[position] != "A" else "B"
        with pytest.raises(InvalidToken):
            world.gate.check_session(
                value[:position] + replacement + value[position + 1 :], client=CLIENT
            )


def test_a_link_token_is_not_a_session_value(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    with pytest.raises(InvalidToken):
        world.gate.check_session(issued.token, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# CSRF


def test_the_csrf_token_of_a_session_passes_and_another_sessions_does_not(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    first = world.gate.open(issued.token, client=CLIENT).session
    second = world.gate.open(issued.token, client=CLIENT).session
    assert first is not None
    assert second is not None
    visit = world.gate.check_session(first.value, client=CLIENT)
    assert world.gate.csrf_token(visit) == first.csrf_token
    world.gate.check_csrf(visit, first.csrf_token, client=CLIENT)
    with pytest.raises(InvalidCsrfToken):
        world.gate.check_csrf(visit, second.csrf_token, client=CLIENT)
    with pytest.raises(InvalidCsrfToken):
        world.gate.check_csrf(visit, None, client=CLIENT)
    refused = world.log.events[-1]
    assert (refused.action, refused.reason, refused.link_id) == (
        AccessAction.CSRF,
        "invalid_csrf_token",
        issued.link.id,
    )


# --------------------------------------------------------------------------------------------------
# Rate limits


def test_failed_opens_are_rate_limited_per_client_address(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    for _ in range(20):
        with pytest.raises(InvalidToken):
            world.gate.open("not-a-token", client=CLIENT)
    with pytest.raises(RateLimited):
        world.gate.open(issued.token, client=CLIENT)  # even a good token, once blocked
    assert world.gate.open(issued.token, client="198.51.100.1").link.id == issued.link.id
    world.clock.advance(dt.timedelta(seconds=30))
    assert world.gate.open(issued.token, client=CLIENT).link.id == issued.link.id


def test_successful_opens_spend_no_rate_limit(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    for _ in range(100):
        world.gate.open(issued.token, client=CLIENT)


def test_refused_links_count_as_failures_too(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.gate.links.revoke(issued.link.id)
    for _ in range(20):
        with pytest.raises(LinkRevoked):
            world.gate.open(issued.token, client=CLIENT)
    with pytest.raises(RateLimited):
        world.gate.open(issued.token, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# The access log


def test_every_open_is_logged_with_time_link_reason_and_hashed_client(world: World) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.gate.open(issued.token, client=CLIENT)
    world.clock.advance(dt.timedelta(minutes=1))
    world.gate.links.revoke(issued.link.id)
    with pytest.raises(LinkRevoked):
        world.gate.open(issued.token, client=CLIENT)
    with pytest.raises(InvalidToken):
        world.gate.open("garbage", client=CLIENT)
    opens = [e for e in world.log.events if e.action is AccessAction.OPEN]
    assert [(e.reason, e.link_id) for e in opens] == [
        (OK, issued.link.id),
        ("link_revoked", issued.link.id),
        ("invalid_token", None),
    ]
    assert [e.at for e in opens] == [T0, T0 + dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=1)]
    assert opens[0].allowed
    assert not opens[1].allowed
    assert {e.client_hash for e in opens} == {world.gate.codec.client_hash(CLIENT)}
    assert all(e.portal_id == "portal-1" for e in opens[:2])


def test_administration_is_logged(world: World) -> None:
    old = world.gate.links.issue("portal-1", "alice")
    new = world.gate.links.regenerate(old.link.id)
    world.gate.links.revoke_all("portal-1")
    world.gate.links.set_access_mode("portal-2", AccessMode.LINK_AND_CODE)
    assert [(e.action, e.link_id, e.portal_id) for e in world.log.events] == [
        (AccessAction.ISSUE, old.link.id, "portal-1"),
        (AccessAction.ISSUE, new.link.id, "portal-1"),
        (AccessAction.REVOKE, old.link.id, "portal-1"),
        (AccessAction.REVOKE_ALL, None, "portal-1"),
        (AccessAction.SET_MODE, None, "portal-2"),
    ]


def test_refused_sessions_are_logged(world: World) -> None:
    link_id, value = open_session(world)
    world.gate.links.revoke(link_id)
    with pytest.raises(LinkRevoked):
        world.gate.check_session(value, client=CLIENT)
    last = world.log.events[-1]
    assert (last.action, last.reason, last.link_id) == (
        AccessAction.SESSION,
        "link_revoked",
        link_id,
    )


def test_a_naive_clock_is_a_configuration_error(world: World) -> None:
    class NaiveClock:
        def now(self) -> dt.datetime:
            return dt.datetime(2025, 1, 1)

    gate = AccessGate(world.store, KEY, log=world.log, clock=NaiveClock())
    with pytest.raises(ConfigError, match="clock"):
        gate.links.issue("portal-1", "alice")


# --------------------------------------------------------------------------------------------------
# A stateful check against a tiny model: which tokens open, and why not


class LinkLifecycle(RuleBasedStateMachine):
    """Issue, revoke, regenerate, revoke all, expire, switch off; every token's fate must match
    the model's prediction."""

    @initialize()
    def start(self) -> None:
        self.world = World(
            client_limiter=TokenBucketLimiter(capacity=10**9, refill_every=dt.timedelta(1))
        )
        self.gate = self.world.gate
        # token -> (link id, portal id, generation, expires_at, revoked)
        self.model: dict[str, list[object]] = {}
        self.generation = {"portal-1": 0, "portal-2": 0}
        self.active = {"portal-1": True, "portal-2": True}

    @rule(
        portal=st.sampled_from(["portal-1", "portal-2"]),
        contact=st.sampled_from([None, "alice", "bob", "carol"]),
        days=st.none() | st.integers(1, 5),
    )
    def issue(self, portal: str, contact: str | None, days: int | None) -> None:
        on_portal = (
            contact is None
            or contact
            in (self.world.portal if portal == "portal-1" else self.world.other).contact_ids
        )
        expires = None if days is None else self.world.clock.now() + dt.timedelta(days=days)
        if not on_portal:
            with pytest.raises(ConfigError):
                self.gate.links.issue(portal, contact, expires_at=expires)
            return
        issued = self.gate.links.issue(portal, contact, expires_at=expires)
        self.model[issued.token] = [issued.link.id, portal, self.generation[portal], expires, False]

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(sorted(self.model)))
        self.gate.links.revoke(str(self.model[token][0]))
        self.model[token][4] = True

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def regenerate(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(sorted(self.model)))
        link_id, portal = str(self.model[token][0]), str(self.model[token][1])
        issued = self.gate.links.regenerate(link_id)
        self.model[token][4] = True
        self.model[issued.token] = [issued.link.id, portal, self.generation[portal], None, False]

    @rule(portal=st.sampled_from(["portal-1", "portal-2"]))
    def revoke_all(self, portal: str) -> None:
        self.generation[portal] = self.gate.links.revoke_all(portal)

    @rule(portal=st.sampled_from(["portal-1", "portal-2"]))
    def switch(self, portal: str) -> None:
        self.active[portal] = not self.active[portal]
        record = self.world.store.get_portal(portal)
        assert record is not None
        self.world.store.put_portal(evolve(record, active=self.active[portal]))

    @rule(hours=st.integers(1, 48))
    def wait(self, hours: int) -> None:
        self.world.clock.advance(dt.timedelta(hours=hours))

    @invariant()
    def every_token_opens_exactly_when_the_model_says(self) -> None:
        now = self.world.clock.now()
        for token, (link_id, portal, generation, expires, revoked) in self.model.items():
            expected: type[AccessDenied] | None
            if revoked:
                expected = LinkRevoked
            elif generation != self.generation[str(portal)]:
                expected = GenerationMismatch
            elif isinstance(expires, dt.datetime) and now >= expires:
                expected = LinkExpired
            elif not self.active[str(portal)]:
                expected = PortalInactive
            else:
                expected = None
            if expected is None:
                assert self.gate.open(token, client=CLIENT).link.id == link_id
            else:
                with pytest.raises(expected):
                    self.gate.open(token, client=CLIENT)


# A fifth of the profile's examples (200 in CI) of 15 steps each: every step opens every token.
LinkLifecycle.TestCase.settings = settings(
    max_examples=max(settings().max_examples // 5, 20), stateful_step_count=15
)
test_link_lifecycle_matches_the_model = LinkLifecycle.TestCase
