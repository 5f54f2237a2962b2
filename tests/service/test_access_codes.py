"""One-time e-mail codes (``service/access.py``, AccessMode.LINK_AND_CODE): 6 digits, 15 minutes,
single use, at most 5 attempts, stored only as a keyed hash, a new code replaces the old.

Over :class:`worlds.CodeWorld` (the gate alone), then the code step through the service: the
pending value names its link and contact and binds its own CSRF token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from attrs import evolve

from clientportal import (
    AccessAction,
    AccessMode,
    AccessPolicy,
    CodeAttemptsExceeded,
    CodeExpired,
    CodeRequired,
    ConfigError,
    InvalidCode,
    InvalidCsrfToken,
    InvalidToken,
    LinkRevoked,
    MemoryDataSource,
    RateLimited,
    TokenBucketLimiter,
)
from clientportal.access import OK, AccessCodec
from clientportal.service import PortalService
from worlds import CLIENT, MAIL, NEW_SECRET, SECRET, T0, CodeWorld, service_world


@pytest.fixture
def world() -> CodeWorld:
    return CodeWorld()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_opening_a_link_on_a_code_portal_gives_a_pending_value_not_a_session(
    world: CodeWorld,
) -> None:
    opening = world.gate.open(world.alice.token, client=CLIENT)
    assert opening.needs_code
    assert opening.session is None
    assert opening.pending is not None
    assert opening.contact_id == "alice"


def test_asking_for_a_code_returns_six_digits_for_the_contact_valid_15_minutes(
    world: CodeWorld,
) -> None:
    delivery = world.gate.new_code(world.pending(), client=CLIENT)
    assert len(delivery.code) == 6
    assert delivery.code.isdigit()
    assert delivery.contact_id == "alice"
    assert delivery.portal == world.portal
    assert delivery.link.id == world.alice.link.id
    assert delivery.expires_at == T0 + dt.timedelta(minutes=15)


def test_a_gate_without_a_notifier_hands_out_codes_only_through_new_code(
    world: CodeWorld,
) -> None:
    with pytest.raises(ConfigError, match="no notifier"):
        world.gate.request_code(world.pending(), client=CLIENT)
    assert world.store.get_code(world.alice.link.id) is None  # nothing made, nothing to leak


def test_the_right_code_opens_a_code_verified_session(world: CodeWorld) -> None:
    pending = world.pending()
    delivery = world.gate.new_code(pending, client=CLIENT)
    grant = world.gate.verify_code(pending, delivery.code, client=CLIENT)
    visit = world.gate.check_session(grant.value, client=CLIENT)
    assert visit.code_verified
    assert visit.contact_id == "alice"
    assert grant.expires_at == T0 + dt.timedelta(days=30)


def test_a_code_works_only_once(world: CodeWorld) -> None:
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code
    world.gate.verify_code(pending, code, client=CLIENT)
    with pytest.raises(InvalidCode, match="already used"):
        world.gate.verify_code(pending, code, client=CLIENT)


def test_a_code_expires_after_15_minutes(world: CodeWorld) -> None:
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code
    world.clock.advance(dt.timedelta(minutes=15))
    with pytest.raises(CodeExpired):
        world.gate.verify_code(pending, code, client=CLIENT)


def test_a_code_still_works_just_before_its_15_minutes_are_up(world: CodeWorld) -> None:
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code
    world.clock.advance(dt.timedelta(minutes=15) - dt.timedelta(seconds=1))
    assert world.gate.verify_code(pending, code, client=CLIENT).link.id == world.alice.link.id


def test_after_five_wrong_attempts_even_the_right_code_is_refused(world: CodeWorld) -> None:
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code
    for attempt in range(1, 6):
        with pytest.raises(InvalidCode, match=f"{attempt} of 5 attempts"):
            world.gate.verify_code(pending, wrong(code), client=CLIENT)
    with pytest.raises(CodeAttemptsExceeded):
        world.gate.verify_code(pending, code, client=CLIENT)
    stored = world.store.get_code(world.alice.link.id)
    assert stored is not None
    assert stored.used_at is None


def test_the_right_code_works_after_four_wrong_attempts(world: CodeWorld) -> None:
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code
    for _ in range(4):
        with pytest.raises(InvalidCode):
            world.gate.verify_code(pending, wrong(code), client=CLIENT)
    assert world.gate.verify_code(pending, code, client=CLIENT).link.id == world.alice.link.id


def test_the_number_of_attempts_is_configurable() -> None:
    world = CodeWorld(policy=AccessPolicy(code_attempts=2))
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code
    for _ in range(2):
        with pytest.raises(InvalidCode):
            world.gate.verify_code(pending, wrong(code), client=CLIENT)
    with pytest.raises(CodeAttemptsExceeded):
        world.gate.verify_code(pending, code, client=CLIENT)


def test_a_new_code_invalidates_the_previous_one(world: CodeWorld) -> None:
    pending = world.pending()
    first = world.gate.new_code(pending, client=CLIENT).code
    second = world.gate.new_code(pending, client=CLIENT).code
    if first != second:  # one chance in a million that they are equal
        with pytest.raises(InvalidCode):
            world.gate.verify_code(pending, first, client=CLIENT)
    assert world.gate.verify_code(pending, second, client=CLIENT).link.id == world.alice.link.id


def test_a_new_code_starts_with_fresh_attempts(world: CodeWorld) -> None:
    pending = world.pending()
    first = world.gate.new_code(pending, client=CLIENT).code
    for _ in range(5):
        with pytest.raises(InvalidCode):
            world.gate.verify_code(pending, wrong(first), client=CLIENT)
    second = world.gate.new_code(pending, client=CLIENT).code
    assert world.gate.verify_code(pending, second, client=CLIENT).link.id == world.alice.link.id


def test_verifying_before_asking_for_a_code_is_refused(world: CodeWorld) -> None:
    with pytest.raises(InvalidCode, match="no code was asked"):
        world.gate.verify_code(world.pending(), "123456", client=CLIENT)


def test_one_links_code_does_not_open_another_link(world: CodeWorld) -> None:
    alice_pending = world.pending()
    bob_pending = world.pending(world.bob.token)
    alice_code = world.gate.new_code(alice_pending, client=CLIENT).code
    bob_code = world.gate.new_code(bob_pending, client=CLIENT).code
    if alice_code != bob_code:
        with pytest.raises(InvalidCode):
            world.gate.verify_code(bob_pending, alice_code, client=CLIENT)
    assert world.gate.verify_code(bob_pending, bob_code, client=CLIENT).link.id == world.bob.link.id


def test_codes_are_stored_only_as_a_keyed_hash(world: CodeWorld) -> None:
    code = world.gate.new_code(world.pending(), client=CLIENT).code
    stored = world.store.get_code(world.alice.link.id)
    assert stored is not None
    assert code not in stored.code_hash
    assert stored.code_hash != hashlib.sha256(code.encode()).hexdigest()
    assert stored.code_hash == AccessCodec(SECRET).hash_code(stored.id, code)
    assert stored.code_hash != AccessCodec(NEW_SECRET).hash_code(stored.id, code)
    assert code not in repr(stored)
    assert stored.code_hash not in repr(stored)
    unkeyed = hmac.new(b"", f"{stored.id}:{code}".encode(), hashlib.sha256).hexdigest()
    assert stored.code_hash != unkeyed


def test_code_attempts_are_rate_limited_per_link() -> None:
    world = CodeWorld(
        code_limiter=TokenBucketLimiter(capacity=3, refill_every=dt.timedelta(minutes=10))
    )
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code  # spends "send:" not "verify:"
    for _ in range(3):
        with pytest.raises(InvalidCode):
            world.gate.verify_code(pending, wrong(code), client=CLIENT)
    with pytest.raises(RateLimited):
        world.gate.verify_code(pending, code, client=CLIENT)
    bob_pending = world.pending(world.bob.token)
    bob_code = world.gate.new_code(bob_pending, client=CLIENT).code
    assert world.gate.verify_code(bob_pending, bob_code, client=CLIENT).link.id == world.bob.link.id
    world.clock.advance(dt.timedelta(minutes=10))
    assert world.gate.verify_code(pending, code, client=CLIENT).link.id == world.alice.link.id


def test_code_requests_are_rate_limited_per_link() -> None:
    world = CodeWorld(
        code_limiter=TokenBucketLimiter(capacity=2, refill_every=dt.timedelta(minutes=10))
    )
    pending = world.pending()
    world.gate.new_code(pending, client=CLIENT)
    world.gate.new_code(pending, client=CLIENT)
    with pytest.raises(RateLimited):
        world.gate.new_code(pending, client=CLIENT)
    assert world.gate.new_code(world.pending(world.bob.token), client=CLIENT).contact_id == "bob"


def test_the_code_step_expires_after_the_pending_lifetime(world: CodeWorld) -> None:
    pending = world.pending()
    world.clock.advance(dt.timedelta(hours=1))
    with pytest.raises(CodeExpired, match="open the link again"):
        world.gate.new_code(pending, client=CLIENT)


def test_the_code_step_ends_when_the_link_is_revoked(world: CodeWorld) -> None:
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code
    world.gate.links.revoke(world.alice.link.id)
    with pytest.raises(LinkRevoked):
        world.gate.verify_code(pending, code, client=CLIENT)


def test_a_tampered_pending_value_is_refused(world: CodeWorld) -> None:
    pending = world.pending()
    with pytest.raises(InvalidToken):
        world.gate.new_code(pending[:-2] + ("AA" if pending[-2:] != "AA" else "BA"), client=CLIENT)
    with pytest.raises(InvalidToken):
        world.gate.verify_code(world.alice.token, "123456", client=CLIENT)


def test_a_session_without_code_is_refused_on_a_code_portal(world: CodeWorld) -> None:
    # A session value opened in LINK mode (before the switch) carries no code proof.
    plain = CodeWorld()
    plain.gate.links.set_access_mode("portal-1", AccessMode.LINK)
    session = plain.gate.open(plain.alice.token, client=CLIENT).session
    assert session is not None
    plain.gate.links.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
    with pytest.raises(CodeRequired):
        plain.gate.check_session(session.value, client=CLIENT)


def test_a_shared_link_cannot_be_issued_on_a_code_portal(world: CodeWorld) -> None:
    with pytest.raises(ConfigError, match="shared link"):
        world.gate.links.issue("portal-1")


def test_a_shared_link_issued_before_the_switch_does_not_open_a_code_portal() -> None:
    world = CodeWorld()
    world.gate.links.set_access_mode("portal-1", AccessMode.LINK)
    shared = world.gate.links.issue("portal-1")
    world.gate.links.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
    with pytest.raises(CodeRequired, match="shared link"):
        world.gate.open(shared.token, client=CLIENT)


def test_a_code_step_started_before_switching_back_to_link_mode_is_refused(
    world: CodeWorld,
) -> None:
    pending = world.pending()
    world.gate.links.set_access_mode("portal-1", AccessMode.LINK)
    with pytest.raises(CodeRequired):
        world.gate.new_code(pending, client=CLIENT)


def test_codes_hashed_before_a_key_rotation_still_verify(world: CodeWorld) -> None:
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code
    rotated = world.gate_with([SECRET, NEW_SECRET])
    assert rotated.verify_code(pending, code, client=CLIENT).link.id == world.alice.link.id


def test_code_steps_are_logged_without_the_code(world: CodeWorld) -> None:
    pending = world.pending()
    code = world.gate.new_code(pending, client=CLIENT).code
    with pytest.raises(InvalidCode):
        world.gate.verify_code(pending, wrong(code), client=CLIENT)
    world.gate.verify_code(pending, code, client=CLIENT)
    steps = [
        (e.action, e.reason)
        for e in world.log.events
        if e.action in (AccessAction.OPEN, AccessAction.SEND_CODE, AccessAction.VERIFY_CODE)
    ]
    assert steps == [
        (AccessAction.OPEN, OK),
        (AccessAction.SEND_CODE, OK),
        (AccessAction.VERIFY_CODE, "invalid_code"),
        (AccessAction.VERIFY_CODE, OK),
    ]
    assert all(code not in repr(event) for event in world.log.events)


# --------------------------------------------------------------------------------------------------
# The code step through the service


def test_the_code_step_names_its_link_and_contact_and_binds_its_own_csrf_token() -> None:
    w = service_world()
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    pending: dict[str, str] = {}
    links = {}
    for contact_id in ("anna", "bob"):
        issued = w.service.links.issue("acme-web", contact_id)
        opening = w.service.access.open(issued.token, client="198.51.100.1")
        assert opening.pending is not None
        pending[contact_id], links[contact_id] = opening.pending, issued.link
    link = w.service.access.pending_link(pending["anna"])
    assert (link.id, link.portal_id, link.contact_id) == (links["anna"].id, "acme-web", "anna")
    anna = w.service.access.pending_contact(pending["anna"])
    assert anna is not None
    assert (anna.id, anna.email) == ("anna", "anna@acme.example")

    token = w.service.access.pending_csrf_token(pending["anna"])
    w.service.access.check_pending_csrf(pending["anna"], token)
    for wrong in (w.service.access.pending_csrf_token(pending["bob"]), "", None, token[:-1]):
        with pytest.raises(InvalidCsrfToken):
            w.service.access.check_pending_csrf(pending["anna"], wrong)

    for forged in ("forged.value.here", pending["anna"][:-2], 42):
        with pytest.raises(InvalidToken):
            w.service.access.pending_link(forged)
        with pytest.raises(InvalidToken):
            w.service.access.pending_contact(forged)

    # A contact the DataSource no longer lists gets no code (and no address on the page).
    without_anna = evolve(w.dataset, contacts=[c for c in w.dataset.contacts if c.id != "anna"])
    other = PortalService(
        MemoryDataSource(without_anna, w.store), w.store, mail=MAIL, secret_keys=[SECRET],
        clock=w.clock,
    )  # fmt: skip
    assert other.access.pending_contact(pending["anna"]) is None
    assert other.access.pending_contact(pending["bob"]) is not None

    w.clock.advance(w.service.access.policy.pending_lifetime)
    with pytest.raises(CodeExpired):
        w.service.access.pending_link(pending["anna"])
