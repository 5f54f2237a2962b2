"""The link register (``service/links.py``): links issued, listed, revoked, regenerated and
revoked all at once, the access mode, and what each does to the links and sessions given out.

First over the gate alone (:class:`worlds.GateWorld`, ``gate.links``), then through the service
(:class:`worlds.ServiceWorld`, ``service.links``); last a stateful check of every token's fate
against a tiny model.
"""

from __future__ import annotations

import datetime as dt

import pytest
from attrs import evolve
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from clientportal import (
    AccessAction,
    AccessDenied,
    AccessGate,
    AccessMode,
    ConfigError,
    GenerationMismatch,
    LinkExpired,
    LinkRevoked,
    LinkStatus,
    NotFound,
    PortalInactive,
    TokenBucketLimiter,
)
from worlds import CLIENT, SECRET, T0, GateWorld, service_world


@pytest.fixture
def world() -> GateWorld:
    return GateWorld()


# --------------------------------------------------------------------------------------------------
# Issuing and listing


def test_issued_links_record_portal_contact_generation_and_times(world: GateWorld) -> None:
    link = world.gate.links.issue("portal-1", "bob").link
    assert (link.portal_id, link.contact_id, link.generation) == ("portal-1", "bob", 0)
    assert link.created_at == T0
    assert link.expires_at == T0 + dt.timedelta(days=180)  # AccessPolicy.link_lifetime
    assert link.revoked_at is None
    assert link.last_used_at is None


def test_issuing_for_an_unknown_portal_raises_not_found(world: GateWorld) -> None:
    with pytest.raises(NotFound, match="nope"):
        world.gate.links.issue("nope", "alice")


def test_issuing_for_a_contact_not_on_the_portal_is_refused(world: GateWorld) -> None:
    with pytest.raises(ConfigError, match="'carol' is not on portal 'portal-1'"):
        world.gate.links.issue("portal-1", "carol")


def test_issuing_with_an_expiry_in_the_past_is_refused(world: GateWorld) -> None:
    with pytest.raises(ConfigError, match="not in the future"):
        world.gate.links.issue("portal-1", "alice", expires_at=T0)
    with pytest.raises(ConfigError, match="timezone-aware"):
        world.gate.links.issue("portal-1", "alice", expires_at=dt.datetime(2030, 1, 1))


def test_links_lists_every_link_of_one_portal_oldest_first(world: GateWorld) -> None:
    first = world.gate.links.issue("portal-1", "alice").link
    world.clock.advance(dt.timedelta(minutes=1))
    second = world.gate.links.issue("portal-1", "bob").link
    world.gate.links.issue("portal-2", "carol")
    world.gate.links.revoke(first.id)
    assert [link.id for link in world.gate.links.for_portal("portal-1")] == [first.id, second.id]
    assert world.gate.links.status(world.gate.links.for_portal("portal-1")[0]) is LinkStatus.REVOKED
    assert world.gate.links.status(second) is LinkStatus.ACTIVE


def test_a_naive_clock_is_a_configuration_error(world: GateWorld) -> None:
    class NaiveClock:
        def now(self) -> dt.datetime:
            return dt.datetime(2025, 1, 1)

    gate = AccessGate(world.store, SECRET, log=world.log, clock=NaiveClock())
    with pytest.raises(ConfigError, match="clock"):
        gate.links.issue("portal-1", "alice")


# --------------------------------------------------------------------------------------------------
# Revocation, regeneration, generations


def test_a_revoked_link_is_refused_with_link_revoked(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.clock.advance(dt.timedelta(minutes=5))
    revoked = world.gate.links.revoke(issued.link.id)
    assert revoked.revoked_at == T0 + dt.timedelta(minutes=5)
    world.clock.advance(dt.timedelta(minutes=5))
    assert world.gate.links.revoke(issued.link.id).revoked_at == revoked.revoked_at
    with pytest.raises(LinkRevoked):
        world.gate.open(issued.token, client=CLIENT)


def test_revoking_an_unknown_link_raises_not_found(world: GateWorld) -> None:
    with pytest.raises(NotFound):
        world.gate.links.revoke("nope")
    with pytest.raises(NotFound):
        world.gate.links.regenerate("nope")


def test_a_regenerated_link_has_a_new_token_for_the_same_contact_and_the_old_one_dies(
    world: GateWorld,
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
    world: GateWorld,
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


def test_revoking_all_links_of_an_unknown_portal_raises_not_found(world: GateWorld) -> None:
    with pytest.raises(NotFound):
        world.gate.links.revoke_all("nope")


def test_replacing_a_portal_keeps_its_generation(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.gate.links.revoke_all("portal-1")
    world.store.put_portal(evolve(world.portal, name="Acme (renamed)"))
    with pytest.raises(GenerationMismatch):
        world.gate.open(issued.token, client=CLIENT)


def test_administration_is_logged(world: GateWorld) -> None:
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


# --------------------------------------------------------------------------------------------------
# Through the service


def test_links_are_issued_listed_revoked_and_regenerated() -> None:
    w = service_world()
    issued = w.service.links.issue("acme-web", "anna")
    url = w.service.mail.link_url(issued.token)
    assert url == f"https://portal.example.com/open/{issued.token}"
    opening = w.service.access.open(issued.token, client="192.0.2.1")
    assert opening.session is not None
    session = opening.session.value
    assert w.service.links.for_portal("acme-web") == (w.store.get_link(issued.link.id),)

    w.clock.advance(dt.timedelta(minutes=1))
    renewed = w.service.links.regenerate(issued.link.id)
    with pytest.raises(LinkRevoked):
        w.service.access.check_session(session, client="192.0.2.1")  # the old link's session ended
    assert w.service.links.status(renewed.link) is LinkStatus.ACTIVE
    assert [w.service.links.status(link) for link in w.service.links.for_portal("acme-web")] == [
        LinkStatus.REVOKED,
        LinkStatus.ACTIVE,
    ]
    revoked = w.service.links.revoke(renewed.link.id)
    assert revoked.revoked_at == T0 + dt.timedelta(minutes=1)
    with pytest.raises(ConfigError, match="contact 'gina' is not on portal"):
        w.service.links.issue("acme-web", "gina")
    with pytest.raises(NotFound):
        w.service.links.for_portal("nope")


def test_revoke_all_and_switching_a_portal_off_end_every_session() -> None:
    w = service_world()
    issued = w.service.links.issue("acme-web", "bob", expires_at=T0 + dt.timedelta(days=7))
    opening = w.service.access.open(issued.token, client="192.0.2.2")
    assert opening.session is not None
    session = opening.session.value
    w.service.admin.update_portal("acme-web", active=False)
    with pytest.raises(PortalInactive):
        w.service.access.check_session(session, client="192.0.2.2")
    w.service.admin.update_portal("acme-web", active=True)
    assert w.service.access.check_session(session, client="192.0.2.2").portal.active
    assert w.service.links.revoke_all("acme-web") == 1
    with pytest.raises(GenerationMismatch):
        w.service.access.check_session(session, client="192.0.2.2")


def test_access_mode_asks_for_a_code() -> None:
    w = service_world()
    issued = w.service.links.issue("acme-web", "anna")
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    assert w.service.access.open(issued.token, client="192.0.2.3").needs_code
    access = w.store.get_access("acme-web")
    assert access is not None
    assert access.mode is AccessMode.LINK_AND_CODE


# --------------------------------------------------------------------------------------------------
# A stateful check against a tiny model: which tokens open, and why not


class LinkLifecycle(RuleBasedStateMachine):
    """Issue, revoke, regenerate, revoke all, expire, switch off; every token's fate must match
    the model's prediction."""

    @initialize()
    def start(self) -> None:
        self.world = GateWorld(
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
