"""The access gate (``service/access.py``): opening links, key rotation, sessions, CSRF, rate
limits and the access log, and the rule that no secret key, token, session value, CSRF token,
pending value, code or client address ever appears in a repr, an exception (message, args,
chained context) or a log record.

Over :class:`worlds.GateWorld`, the gate alone as a host without a DataSource builds it. The link
register is tested in ``test_links.py``, the one-time code step in ``test_access_codes.py``, the
pure codec in ``tests/test_access.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from clientportal import (
    AccessAction,
    AccessDenied,
    AccessGate,
    AccessMode,
    AccessPolicy,
    CodeRequired,
    GenerationMismatch,
    InvalidCsrfToken,
    InvalidToken,
    LinkExpired,
    LinkRevoked,
    PortalInactive,
    RateLimited,
    SessionExpired,
    TokenBucketLimiter,
)
from clientportal.access import OK, AccessCodec, LinkClaim
from clientportal.memory import MemoryAccessLog, MemoryPortalStore
from worlds import CLIENT, NEW_SECRET, SECRET, T0, GateWorld


@pytest.fixture
def world() -> GateWorld:
    return GateWorld()


# --------------------------------------------------------------------------------------------------
# Opening links


def test_opening_a_link_gives_its_link_portal_contact_and_a_session(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    opening = world.gate.open(issued.token, client=CLIENT)
    assert opening.link.id == issued.link.id
    assert opening.portal == world.portal
    assert opening.contact_id == "alice"
    assert not opening.needs_code
    assert opening.session is not None
    assert opening.pending is None


def test_opening_a_link_records_its_last_use(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.clock.advance(dt.timedelta(hours=3))
    world.gate.open(issued.token, client=CLIENT)
    stored = world.store.get_link(issued.link.id)
    assert stored is not None
    assert stored.last_used_at == T0 + dt.timedelta(hours=3)


def test_a_shared_link_names_no_contact_and_opens(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1")
    assert issued.link.shared
    assert world.gate.open(issued.token, client=CLIENT).contact_id is None


def test_each_token_opens_only_its_own_link(world: GateWorld) -> None:
    alice = world.gate.links.issue("portal-1", "alice")
    carol = world.gate.links.issue("portal-2", "carol")
    assert world.gate.open(alice.token, client=CLIENT).link.id == alice.link.id
    opened = world.gate.open(carol.token, client=CLIENT)
    assert (opened.link.id, opened.portal.id) == (carol.link.id, "portal-2")


def test_a_token_signed_with_the_keys_but_the_wrong_secret_is_refused(world: GateWorld) -> None:
    # A leaked signing key alone is not enough: the link keeps only the SHA-256 of the token's
    # random part, which a forger does not know.
    link = world.gate.links.issue("portal-1", "alice").link
    forged = world.gate.codec.link_token(
        LinkClaim(link_id=link.id, generation=0, secret="guessed-secret-000000", issued_at=T0)
    )
    with pytest.raises(InvalidToken):
        world.gate.open(forged, client=CLIENT)


def test_a_genuine_token_for_a_link_the_store_does_not_hold_is_refused(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    elsewhere = AccessGate(MemoryPortalStore([world.portal]), SECRET, log=MemoryAccessLog())
    with pytest.raises(InvalidToken):
        elsewhere.open(issued.token, client=CLIENT)


def test_an_expired_link_is_refused_with_link_expired() -> None:
    world = GateWorld(policy=AccessPolicy(link_lifetime=dt.timedelta(days=7)))
    issued = world.gate.links.issue("portal-1", "alice")
    assert issued.link.expires_at == T0 + dt.timedelta(days=7)
    world.clock.advance(dt.timedelta(days=7) - dt.timedelta(seconds=1))
    world.gate.open(issued.token, client=CLIENT)
    world.clock.advance(dt.timedelta(seconds=1))
    with pytest.raises(LinkExpired):
        world.gate.open(issued.token, client=CLIENT)


def test_an_inactive_portal_refuses_its_links(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.store.put_portal(evolve(world.portal, active=False))
    with pytest.raises(PortalInactive):
        world.gate.open(issued.token, client=CLIENT)
    world.store.put_portal(world.portal)
    assert world.gate.open(issued.token, client=CLIENT).link.id == issued.link.id


def test_a_link_dies_when_its_contact_leaves_the_portal(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    world.store.put_portal(evolve(world.portal, contact_ids=frozenset({"bob"})))
    with pytest.raises(LinkRevoked, match="no longer on portal"):
        world.gate.open(issued.token, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# Key rotation through the gate


def test_an_old_token_still_opens_after_a_new_key_is_added_and_not_after_the_old_is_removed(
    world: GateWorld,
) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    rotated = world.gate_with([SECRET, NEW_SECRET])
    assert rotated.open(issued.token, client=CLIENT).link.id == issued.link.id
    fresh = rotated.links.issue("portal-1", "bob")
    retired = world.gate_with(NEW_SECRET)
    assert retired.open(fresh.token, client=CLIENT).contact_id == "bob"
    with pytest.raises(InvalidToken):
        retired.open(issued.token, client=CLIENT)
    with pytest.raises(InvalidToken):
        world.gate.open(fresh.token, client=CLIENT)  # new tokens are signed with the newest key


def test_sessions_survive_key_rotation_until_the_old_key_goes(world: GateWorld) -> None:
    opening = world.gate.open(world.gate.links.issue("portal-1", "alice").token, client=CLIENT)
    assert opening.session is not None
    value = opening.session.value
    assert (
        world.gate_with([SECRET, NEW_SECRET]).check_session(value, client=CLIENT).contact_id
        == "alice"
    )
    with pytest.raises(InvalidToken):
        world.gate_with(NEW_SECRET).check_session(value, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# Hypothesis: mutated tokens never open anything


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MUTATION_WORLD = GateWorld(
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


def open_session(world: GateWorld, contact: str = "alice") -> tuple[str, str]:
    """Issue and open a link; returns (link id, session value)."""
    issued = world.gate.links.issue("portal-1", contact)
    session = world.gate.open(issued.token, client=CLIENT).session
    assert session is not None
    return issued.link.id, session.value


def test_a_session_is_bound_to_its_link_and_lasts_30_days_by_default(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    grant = world.gate.open(issued.token, client=CLIENT).session
    assert grant is not None
    assert grant.max_age == 30 * 24 * 3600
    assert grant.expires_at == T0 + dt.timedelta(days=30)
    for _ in range(5):  # visited within every idle timeout (7 days)
        world.clock.advance(dt.timedelta(days=5))
        world.gate.check_session(grant.value, client=CLIENT)
    world.clock.advance(dt.timedelta(days=5) - dt.timedelta(seconds=1))
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
    world = GateWorld(policy=AccessPolicy(session_lifetime=dt.timedelta(hours=12)))
    _, value = open_session(world)
    world.clock.advance(dt.timedelta(hours=12))
    with pytest.raises(SessionExpired):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_as_soon_as_its_link_is_revoked(world: GateWorld) -> None:
    link_id, value = open_session(world)
    world.gate.links.revoke(link_id)
    with pytest.raises(LinkRevoked):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_when_its_link_is_regenerated(world: GateWorld) -> None:
    link_id, value = open_session(world)
    world.gate.links.regenerate(link_id)
    with pytest.raises(LinkRevoked):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_when_its_link_expires() -> None:
    world = GateWorld(policy=AccessPolicy(link_lifetime=dt.timedelta(days=2)))
    _, value = open_session(world)
    world.clock.advance(dt.timedelta(days=2))
    with pytest.raises(LinkExpired):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_when_all_links_of_the_portal_are_revoked(world: GateWorld) -> None:
    _, value = open_session(world)
    world.gate.links.revoke_all("portal-1")
    with pytest.raises(GenerationMismatch):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_ends_when_the_portal_is_switched_off(world: GateWorld) -> None:
    _, value = open_session(world)
    world.store.put_portal(evolve(world.portal, active=False))
    with pytest.raises(PortalInactive):
        world.gate.check_session(value, client=CLIENT)


def test_a_session_opened_without_code_ends_when_the_portal_starts_asking_for_one(
    world: GateWorld,
) -> None:
    _, value = open_session(world)
    world.gate.links.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
    with pytest.raises(CodeRequired):
        world.gate.check_session(value, client=CLIENT)


def test_a_tampered_session_value_is_refused() -> None:
    world = GateWorld(
        client_limiter=TokenBucketLimiter(capacity=1000, refill_every=dt.timedelta(1))
    )
    _, value = open_session(world)
    for position in range(len(value)):
        replacement = "A" if value[position] != "A" else "B"
        with pytest.raises(InvalidToken):
            world.gate.check_session(
                value[:position] + replacement + value[position + 1 :], client=CLIENT
            )


def test_a_link_token_is_not_a_session_value(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    with pytest.raises(InvalidToken):
        world.gate.check_session(issued.token, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# CSRF


def test_the_csrf_token_of_a_session_passes_and_another_sessions_does_not(world: GateWorld) -> None:
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


def test_failed_opens_are_rate_limited_per_client_address(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    for _ in range(20):
        with pytest.raises(InvalidToken):
            world.gate.open("not-a-token", client=CLIENT)
    with pytest.raises(RateLimited):
        world.gate.open(issued.token, client=CLIENT)  # even a good token, once blocked
    assert world.gate.open(issued.token, client="198.51.100.1").link.id == issued.link.id
    world.clock.advance(dt.timedelta(seconds=30))
    assert world.gate.open(issued.token, client=CLIENT).link.id == issued.link.id


def test_successful_opens_spend_no_rate_limit(world: GateWorld) -> None:
    issued = world.gate.links.issue("portal-1", "alice")
    for _ in range(100):
        world.gate.open(issued.token, client=CLIENT)


def test_refused_links_count_as_failures_too(world: GateWorld) -> None:
    revoked = [world.gate.links.issue("portal-1", "alice") for _ in range(20)]
    for issued in revoked:
        world.gate.links.revoke(issued.link.id)
        with pytest.raises(LinkRevoked):
            world.gate.open(issued.token, client=CLIENT)
    with pytest.raises(RateLimited):
        world.gate.open(world.gate.links.issue("portal-1", "alice").token, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# The access log


def test_every_open_is_logged_with_time_link_reason_and_hashed_client(world: GateWorld) -> None:
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


def test_refused_sessions_are_logged(world: GateWorld) -> None:
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


# --------------------------------------------------------------------------------------------------
# No secret ever leaks


#: A second key given as bytes: neither spelling may leak.
BYTES_KEY = b"a-new-secret-key-of-32-bytes-long!!"


class Scenario:
    """Everything the access layer hands out, and every secret among it: a :class:`GateWorld`
    signing with two keys, alice's link opened to a session on portal-1, and carol's link on
    portal-2 (asking for codes) opened to a pending value and a code."""

    def __init__(self) -> None:
        self.limiter = TokenBucketLimiter(capacity=1000, refill_every=dt.timedelta(seconds=1))
        self.world = GateWorld(keys=[SECRET, BYTES_KEY], client_limiter=self.limiter)
        self.clock, self.store, self.log = self.world.clock, self.world.store, self.world.log
        self.gate = self.world.gate
        self.gate.links.set_access_mode("portal-2", AccessMode.LINK_AND_CODE)
        self.issued = self.gate.links.issue("portal-1", "alice")
        self.opening = self.gate.open(self.issued.token, client=CLIENT)
        assert self.opening.session is not None
        self.grant = self.opening.session
        self.visit = self.gate.check_session(self.grant.value, client=CLIENT)
        self.coded_issued = self.gate.links.issue("portal-2", "carol")
        self.coded_opening = self.gate.open(self.coded_issued.token, client=CLIENT)
        assert self.coded_opening.pending is not None
        self.pending = self.coded_opening.pending
        self.delivery = self.gate.new_code(self.pending, client=CLIENT)
        self.code_record = self.store.get_code(self.coded_issued.link.id)
        self.claim = self.gate.check_token(self.issued.token)

    def secrets(self) -> dict[str, str]:
        return {
            "old key": SECRET,
            "new key": BYTES_KEY.decode(),
            "new key as bytes": repr(BYTES_KEY),
            "token": self.issued.token,
            "token secret": self.claim.secret,
            "coded token": self.coded_issued.token,
            "session value": self.grant.value,
            "session id": self.visit.session_id,
            "csrf token": self.grant.csrf_token,
            "pending value": self.pending,
            "code": self.delivery.code,
            "client address": CLIENT,
        }

    def objects(self) -> list[object]:
        return [
            self.gate,
            self.gate.codec,
            self.store,
            self.log,
            self.limiter,
            self.clock,
            self.issued,
            self.issued.link,
            self.opening,
            self.grant,
            self.visit,
            self.coded_opening,
            self.delivery,
            self.code_record,
            self.claim,
            *self.log.events,
        ]


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, secret in secrets.items() if secret in text]


def test_reprs_and_strs_never_contain_a_secret() -> None:
    scenario = Scenario()
    secrets = scenario.secrets()
    for obj in scenario.objects():
        assert leaks(repr(obj), secrets) == [], type(obj).__name__
        assert leaks(str(obj), secrets) == [], type(obj).__name__


def refusals(scenario: Scenario) -> Iterator[AccessDenied]:
    """Provoke every kind of refusal with inputs that carry secrets."""
    gate = scenario.gate
    token = scenario.issued.token
    attempts: list[Callable[[], object]] = [
        lambda: gate.open(token[:-1] + ("A" if token[-1] != "A" else "E"), client=CLIENT),
        lambda: gate.open(token + token, client=CLIENT),
        lambda: gate.open(scenario.grant.value, client=CLIENT),
        lambda: gate.check_session(token, client=CLIENT),
        lambda: gate.check_session(scenario.grant.value[:-3], client=CLIENT),
        lambda: gate.check_csrf(scenario.visit, scenario.grant.csrf_token[::-1], client=CLIENT),
        lambda: (
            gate.verify_code(scenario.pending, "000000", client=CLIENT)
            if scenario.delivery.code != "000000"
            else gate.verify_code(scenario.pending, "111111", client=CLIENT)
        ),
        lambda: gate.verify_code(token, scenario.delivery.code, client=CLIENT),
        lambda: AccessCodec(SECRET).read_link_token(token),  # signed with the newest key
    ]
    for attempt in attempts:
        with pytest.raises(AccessDenied) as caught:
            attempt()
        yield caught.value
    gate.links.revoke(scenario.issued.link.id)
    revoked: list[Callable[[], object]] = [
        lambda: gate.open(token, client=CLIENT),
        lambda: gate.check_session(scenario.grant.value, client=CLIENT),
    ]
    for attempt in revoked:
        with pytest.raises(AccessDenied) as caught:
            attempt()
        yield caught.value


def test_exceptions_never_carry_a_secret_nor_a_chained_itsdangerous_error() -> None:
    scenario = Scenario()
    secrets = scenario.secrets()
    seen = 0
    for error in refusals(scenario):
        seen += 1
        for text in (str(error), repr(error), repr(error.args)):
            assert leaks(text, secrets) == [], type(error).__name__
        assert error.__cause__ is None
        assert error.__context__ is None
    assert seen == 11


def test_log_records_never_contain_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        scenario = Scenario()
        list(refusals(scenario))
    secrets = scenario.secrets()
    assert caplog.records, "refusals are logged"
    for record in caplog.records:
        assert leaks(record.getMessage(), secrets) == []
        assert leaks(repr(record.args), secrets) == []


def test_the_access_log_never_contains_a_token_or_address() -> None:
    scenario = Scenario()
    list(refusals(scenario))
    secrets = scenario.secrets()
    assert len(scenario.log.events) > 10
    for event in scenario.log.events:
        assert leaks(repr(event), secrets) == []
        for value in (event.link_id, event.portal_id, event.client_hash, event.reason):
            assert value is None or leaks(value, secrets) == []
