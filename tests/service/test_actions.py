"""The action desk (``service/actions.py``, :class:`ActionDesk`): what an approval request's
one-click link shows and decides.

Looking changes nothing at all, however often; only a decision decides, and only the items still
at the version the e-mail listed (the rest is reported, never decided); a link decides once,
until it expires, for its own contact, and not after its link (or all of its portal's links) was
revoked; on a portal that asks for a one-time code, a decision needs the code of the contact's
link.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
from collections.abc import Sequence
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from attrs import evolve

from clientportal import (
    AccessDenied,
    ApprovalStatus,
    CodeRequired,
    InvalidCode,
    InvalidCsrfToken,
    InvalidReason,
    InvalidToken,
    ItemKind,
    LinkRevoked,
)
from clientportal.access import AccessMode
from clientportal.memory import MemoryStore
from clientportal.service.actions import ActionResult, ActionStatus, ItemState
from worlds import (
    CLIENT,
    MAX,
    OPEN_ON_WEB,
    T0,
    ServiceWorld,
    acme_portal,
    mails,
    service_world,
    text_of,
    visit_as,
)

_ACTION = re.compile(r"https://portal\.example\.com/act/([A-Za-z0-9_.-]+)")
_CODE = re.compile(r"\b(\d{6})\b")


def action_tokens(messages: Sequence[EmailMessage]) -> dict[str, str]:
    """The action link token of each approval request, by the contact it went to."""
    found: dict[str, str] = {}
    for message in messages:
        tokens = _ACTION.findall(text_of(message))
        if tokens:
            contact = str(message["To"]).split("<")[1].split("@")[0]
            [found[contact]] = tokens
    return found


def asked(**changes: Any) -> tuple[ServiceWorld, dict[str, str]]:
    """A world whose six open entries on web were submitted to Anna and Bob; their tokens."""
    w = service_world(**changes)
    assert w.service.approvals.submit(OPEN_ON_WEB, by=MAX).all_applied
    return w, action_tokens(mails(w.store))


def snapshot(store: MemoryStore) -> dict[str, str]:
    """Everything the memory store holds (its containers, deeply), to compare before and after."""
    held: dict[str, str] = {}
    for name, value in vars(store).items():
        if isinstance(value, dict | list | set | tuple) or hasattr(value, "__len__"):
            try:
                held[name] = repr(copy.deepcopy(value))
            except TypeError:
                held[name] = repr(value)
    return held


def statuses(w: ServiceWorld, ids: Sequence[str] = OPEN_ON_WEB) -> dict[str, ApprovalStatus]:
    return {e.id: e.approval.status for e in w.data.entries_by_id(frozenset(ids))}


# --------------------------------------------------------------------------------------------------
# Looking


def test_every_approval_request_carries_an_action_link_of_its_own() -> None:
    w, tokens = asked()
    assert sorted(tokens) == ["anna", "bob"]
    assert tokens["anna"] != tokens["bob"]
    for contact, token in tokens.items():
        view = w.service.actions.look(token)
        assert view.contact.id == contact
        assert view.portal.id == "acme-web"
        assert view.open
        assert not view.needs_pin


def test_the_link_shows_the_items_as_the_portal_shows_them_with_their_totals() -> None:
    w, tokens = asked()
    view = w.service.actions.look(tokens["anna"])
    assert [i.id for i in view.items] == OPEN_ON_WEB
    assert all(i.state is ItemState.UNCHANGED and i.kind is ItemKind.ENTRY for i in view.items)
    w1 = view.items[0].shown
    assert w1 is not None
    assert w1.description == "Homepage"
    assert w1.amount == Decimal("675.00")
    totals = view.totals
    assert totals.entries == 6
    assert totals.seconds == int(18.25 * 3600)
    assert totals.amounts == (("EUR", Decimal("675.00")),)
    assert view.projects["web"] == "Website"
    assert view.employees == {"eva": "Eva", "tom": "Tom", "ivo": "Ivo"}
    # Nothing internal leaves: the public record has no internal note nor cost rate.
    assert not any(hasattr(i.shown, "internal_note") for i in view.items)


def test_the_link_shows_descriptions_only_where_the_portal_does() -> None:
    hidden = acme_portal(settings=evolve(acme_portal().settings, show_descriptions=False))
    w, tokens = asked(portals=(hidden,))
    view = w.service.actions.look(tokens["anna"])
    assert all(i.shown is not None and i.shown.description is None for i in view.items)


def test_looking_ten_times_changes_nothing_at_all() -> None:
    w, tokens = asked()
    before = snapshot(w.store)
    for _ in range(10):
        for token in tokens.values():
            w.service.actions.look(token)
        w.clock.advance(dt.timedelta(minutes=1))
    assert snapshot(w.store) == before


def test_a_token_that_names_no_request_is_refused_like_a_bad_link() -> None:
    w, tokens = asked()
    other, _ = w.service.actions.tokens.issue("no-such-request")
    for token in (other, tokens["anna"][:-2] + "AA", "nonsense", ""):
        with pytest.raises(InvalidToken):
            w.service.actions.look(token)


def test_a_token_whose_secret_does_not_match_its_request_is_refused() -> None:
    w, tokens = asked()
    request_id, _ = w.service.actions.tokens.read(tokens["anna"]) or ("", "")
    forged, _ = w.service.actions.tokens.issue(request_id)  # right keys, another secret
    with pytest.raises(InvalidToken):
        w.service.actions.look(forged)


# --------------------------------------------------------------------------------------------------
# Deciding


def test_approving_decides_the_listed_items_and_uses_the_link() -> None:
    w, tokens = asked()
    result = w.service.actions.decide(tokens["anna"], approve=True, address_hash="ab" * 16)
    assert result.status is ActionStatus.DECIDED
    assert result.approved
    assert result.decision is not None
    assert result.decision.all_applied
    assert [i.id for i in result.applied] == OPEN_ON_WEB
    assert result.left == ()
    assert set(statuses(w).values()) == {ApprovalStatus.APPROVED}
    events = [e for e in w.service.events(limit=1000) if e.type == "entries.approved"]
    assert len(events) == 1
    assert events[0].data["actor"] == {"party": "CLIENT", "id": "anna"}
    assert [i["id"] for i in events[0].data["items"]] == OPEN_ON_WEB
    assert len(events[0].data["signoff_sha256"]) == 64  # the approval is signed off
    assert w.service.actions.look(tokens["anna"]).used
    again = w.service.actions.decide(tokens["anna"], approve=True)
    assert again.status is ActionStatus.USED
    assert again.decision is None


def test_bobs_link_finds_everything_decided_by_anna() -> None:
    w, tokens = asked()
    w.service.actions.decide(tokens["anna"], approve=True)
    view = w.service.actions.look(tokens["bob"])
    assert {i.state for i in view.items} == {ItemState.DECIDED}
    result = w.service.actions.decide(tokens["bob"], approve=False, reason="No")
    assert result.status is ActionStatus.NOTHING_LEFT
    assert set(statuses(w).values()) == {ApprovalStatus.APPROVED}
    assert not w.service.actions.look(tokens["bob"]).used  # nothing was decided with it


def test_items_changed_since_the_email_are_reported_never_decided() -> None:
    w, tokens = asked()
    anna = visit_as(w.service, "anna")
    # w1 is approved in the portal; w2 is rejected, then sent to the client again (a new version).
    assert w.service.approvals.client_approve(anna, ["w1"]).all_applied
    assert w.service.approvals.client_reject(anna, ["w2"], reason="Too long").all_applied
    assert w.service.approvals.submit(["w2"], by=MAX).all_applied
    view = w.service.actions.look(tokens["bob"])
    states = {i.id: i.state for i in view.items}
    assert states["w1"] is ItemState.DECIDED
    assert states["w2"] is ItemState.CHANGED
    assert [i.id for i in view.decidable] == ["w3", "w4", "w5", "w6"]
    result = w.service.actions.decide(tokens["bob"], approve=True)
    assert [i.id for i in result.applied] == ["w3", "w4", "w5", "w6"]
    assert [i.id for i in result.left] == ["w1", "w2"]
    after = statuses(w)
    assert after["w2"] is ApprovalStatus.PENDING_EXTERNAL  # still awaits a decision
    assert after["w3"] is ApprovalStatus.APPROVED


def test_rejecting_needs_a_reason_and_keeps_it() -> None:
    w, tokens = asked()
    with pytest.raises(InvalidReason):
        w.service.actions.decide(tokens["anna"], approve=False, reason="  ")
    assert not w.service.actions.look(tokens["anna"]).used  # a refused form uses nothing
    result = w.service.actions.decide(tokens["anna"], approve=False, reason="Wrong project")
    assert result.decision is not None
    assert result.decision.all_applied
    assert not result.approved
    assert set(statuses(w).values()) == {ApprovalStatus.REJECTED}
    [entry] = w.data.entries_by_id(frozenset({"w1"}))
    assert entry.approval.reason == "Wrong project"


def test_an_expired_link_shows_and_decides_nothing() -> None:
    w, tokens = asked()
    expires = w.service.actions.look(tokens["anna"]).expires_at
    assert expires == T0 + dt.timedelta(days=30)
    w.clock.set(expires)
    view = w.service.actions.look(tokens["anna"])
    assert view.expired
    assert view.items == ()
    before = snapshot(w.store)
    assert w.service.actions.decide(tokens["anna"], approve=True).status is ActionStatus.EXPIRED
    assert snapshot(w.store) == before


def test_revoking_the_contacts_link_or_all_links_ends_the_action_link() -> None:
    w, tokens = asked()
    anna = w.service.actions.look(tokens["anna"])
    request = w.store.get_request(anna.request_id)
    assert request is not None
    assert request.link_id is not None
    w.service.links.revoke(request.link_id)
    with pytest.raises(LinkRevoked):
        w.service.actions.look(tokens["anna"])
    w.service.links.revoke_all("acme-web")
    with pytest.raises(AccessDenied):
        w.service.actions.decide(tokens["bob"], approve=True)
    assert set(statuses(w).values()) == {ApprovalStatus.PENDING_EXTERNAL}


def test_a_contact_taken_off_the_portal_can_no_longer_decide() -> None:
    w, tokens = asked()
    w.store.put_portal(acme_portal(contact_ids=frozenset({"bob"})))
    with pytest.raises(AccessDenied):
        w.service.actions.decide(tokens["anna"], approve=True)
    assert w.service.actions.decide(tokens["bob"], approve=True).status is ActionStatus.DECIDED


def test_items_the_portal_no_longer_shows_are_gone_and_not_decided() -> None:
    w, tokens = asked()
    w.store.put_portal(acme_portal(settings=evolve(acme_portal().settings, show_hours=False)))
    view = w.service.actions.look(tokens["anna"])
    assert {i.state for i in view.items} == {ItemState.GONE}
    assert all(i.shown is None for i in view.items)
    result = w.service.actions.decide(tokens["anna"], approve=True)
    assert result.status is ActionStatus.NOTHING_LEFT
    assert set(statuses(w).values()) == {ApprovalStatus.PENDING_EXTERNAL}


def test_two_decisions_at_once_decide_each_item_once() -> None:
    w, tokens = asked()
    results: list[ActionResult] = []
    start = threading.Barrier(4)

    def decide(token: str) -> None:
        start.wait()
        results.append(w.service.actions.decide(token, approve=True))

    threads = [
        threading.Thread(target=decide, args=(tokens[c],)) for c in ("anna", "anna", "bob", "bob")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    applied = [i.id for r in results for i in r.applied]
    assert sorted(applied) == sorted(OPEN_ON_WEB)
    approved = [e for e in w.service.events(limit=1000) if e.type == "entries.approved"]
    assert sorted(i["id"] for e in approved for i in e.data["items"]) == sorted(OPEN_ON_WEB)
    assert sum(1 for r in results if r.status is ActionStatus.DECIDED and r.applied) >= 1
    assert set(statuses(w).values()) == {ApprovalStatus.APPROVED}


# --------------------------------------------------------------------------------------------------
# The one-time code (PIN) and CSRF


def pin_world() -> tuple[ServiceWorld, dict[str, str]]:
    w, tokens = asked()
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    return w, tokens


def last_code(w: ServiceWorld, contact: str = "anna") -> str:
    """The one-time code e-mailed last to ``contact``."""
    codes = [
        found
        for m in mails(w.store)
        if f"{contact}@" in str(m["To"])
        for found in _CODE.findall(text_of(m))
    ]
    return str(codes[-1])


def test_a_portal_that_asks_for_a_code_needs_it_with_the_decision() -> None:
    w, tokens = pin_world()
    view = w.service.actions.look(tokens["anna"])
    assert view.needs_pin
    assert view.open
    with pytest.raises(CodeRequired):
        w.service.actions.decide(tokens["anna"], approve=True)
    expires = w.service.actions.send_code(tokens["anna"], client=CLIENT)
    assert expires == T0 + dt.timedelta(minutes=15)
    # The code's e-mail went to Anna (the outbox's order says nothing: find it by what it says).
    assert any(
        "anna@acme.example" in str(m["To"]) and _CODE.search(text_of(m)) for m in mails(w.store)
    )
    code = last_code(w)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidCode):
        w.service.actions.decide(tokens["anna"], approve=True, pin=wrong, client=CLIENT)
    assert set(statuses(w).values()) == {ApprovalStatus.PENDING_EXTERNAL}
    result = w.service.actions.decide(tokens["anna"], approve=True, pin=code, client=CLIENT)
    assert result.status is ActionStatus.DECIDED
    assert len(result.applied) == 6


def test_one_contacts_code_does_not_decide_with_another_contacts_link() -> None:
    w, tokens = pin_world()
    w.service.actions.send_code(tokens["anna"], client=CLIENT)
    code = last_code(w)
    w.service.actions.send_code(tokens["bob"], client=CLIENT)
    if code != last_code(w, "bob"):
        with pytest.raises(InvalidCode):
            w.service.actions.decide(tokens["bob"], approve=True, pin=code, client=CLIENT)


def test_no_code_is_sent_where_none_is_asked_or_the_link_is_used() -> None:
    w, tokens = asked()
    with pytest.raises(CodeRequired):
        w.service.actions.send_code(tokens["anna"], client=CLIENT)
    w.service.actions.decide(tokens["anna"], approve=True)
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    with pytest.raises(AccessDenied):
        w.service.actions.send_code(tokens["anna"], client=CLIENT)


def test_the_csrf_token_is_bound_to_the_link_and_the_cookie() -> None:
    w, tokens = asked()
    desk = w.service.actions
    value = desk.csrf_token(tokens["anna"], "nonce-1")
    desk.check_csrf(tokens["anna"], "nonce-1", value)
    for token, nonce, sent in (
        (tokens["bob"], "nonce-1", value),
        (tokens["anna"], "nonce-2", value),
        (tokens["anna"], "", desk.csrf_token(tokens["anna"], "")),
        (tokens["anna"], "nonce-1", ""),
        (tokens["anna"], "nonce-1", None),
    ):
        with pytest.raises(InvalidCsrfToken):
            desk.check_csrf(token, nonce, sent)


# --------------------------------------------------------------------------------------------------
# Opening the portal from the link


def test_the_link_opens_the_portal_with_the_emails_personal_link() -> None:
    w, tokens = asked()
    view = w.service.actions.look(tokens["anna"])
    request = w.store.get_request(view.request_id)
    assert request is not None
    opening = w.service.actions.open_portal(tokens["anna"], client=CLIENT)
    assert opening.session is not None
    assert opening.link.id == request.link_id
    visit = w.service.access.check_session(opening.session.value, client=CLIENT)
    assert visit.contact_id == "anna"
    assert [e.type for e in w.service.events(limit=1000)][-1] == "link.opened"
    # It still opens the portal once the link decided, and nothing is decided by opening.
    assert set(statuses(w).values()) == {ApprovalStatus.PENDING_EXTERNAL}
    w.service.actions.decide(tokens["anna"], approve=True)
    assert w.service.actions.open_portal(tokens["anna"], client=CLIENT).session is not None


def test_the_link_opens_no_portal_once_expired_or_revoked() -> None:
    w, tokens = asked()
    w.clock.advance(dt.timedelta(days=30))
    with pytest.raises(AccessDenied):
        w.service.actions.open_portal(tokens["anna"], client=CLIENT)
    w, tokens = asked()
    request = w.store.get_request(w.service.actions.look(tokens["bob"]).request_id)
    assert request is not None
    assert request.link_id is not None
    w.service.links.revoke(request.link_id)
    with pytest.raises(LinkRevoked):
        w.service.actions.open_portal(tokens["bob"], client=CLIENT)


def test_on_a_code_portal_the_link_leads_to_the_code_step() -> None:
    w, tokens = pin_world()
    opening = w.service.actions.open_portal(tokens["anna"], client=CLIENT)
    assert opening.session is None
    assert opening.pending is not None
    assert w.service.access.pending_link(opening.pending).contact_id == "anna"
