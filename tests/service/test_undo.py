"""Undo (``service/undo.py`` through ``Approvals.client_undo``): a contact takes their own decision
back within the window, never another's, never after the window, never on invoiced items, and
never silently (the company's notice, the host's ``entries.undone`` event). Locks: ``is_editable``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    ConfigError,
    ItemRef,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    ValidationError,
    Workflow,
    WorkflowError,
)
from clientportal.memory import ManualClock
from clientportal.service import Outcome
from clientportal.service.undo import UndoRefusal, UndoRules, undoable_status
from clientportal.workflow import Action, Actor, Party
from worlds import (
    EVA,
    MAIL,
    MAX,
    SECRET,
    T0,
    ServiceWorld,
    acme_portal,
    mails_of,
    service_dataset,
    text_of,
    visit_as,
)

from .test_approvals_items import ALL_KINDS, VISIT, costs_world

S = ApprovalStatus
ANNA = Actor(Party.CLIENT, "anna")


def world(
    *,
    window: dt.timedelta = dt.timedelta(minutes=15),
    invoiced: tuple[ItemRef, ...] = (),
    workflow: Workflow = Workflow.EXTERNAL,
) -> ServiceWorld:
    """The service world of ``worlds.py`` with an undo window and the host's invoiced items."""
    data = service_dataset()
    store = MemoryStore()
    store.put_portal(acme_portal())
    clock = ManualClock(T0)
    source = MemoryDataSource(data, store, invoiced=invoiced)
    service = PortalService(
        source,
        store,
        mail=MAIL,
        secret_keys=[SECRET],
        clock=clock,
        policy=ApprovalPolicy(enabled=True, workflow=workflow),
        undo_window=window,
    )
    return ServiceWorld(service=service, store=store, data=source, dataset=data, clock=clock)


def new_mails(w: ServiceWorld, before: set[str]) -> list[str]:
    """The subjects of the e-mails queued since ``before`` (outbox ids)."""
    return [
        str(m["Subject"]) for m in mails_of([m for m in w.store.pending() if m.id not in before])
    ]


def test_a_contact_undoes_their_approval_within_the_window_and_the_company_is_told() -> None:
    w = world()
    w.service.approvals.submit(["w1", "w3"], by=EVA)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1", "w3"])
    w.clock.advance(dt.timedelta(minutes=14))
    before = {m.id for m in w.store.pending()}
    start = w.service.events()[-1].id

    result = w.service.approvals.client_undo(anna, ["w1", "w3"], address_hash="a" * 64)

    assert [o.outcome for o in result.outcomes] == [Outcome.APPLIED, Outcome.APPLIED]
    assert all(o.state and o.state.status is S.PENDING_EXTERNAL for o in result.outcomes)
    last = w.service.approvals.history("w1")[-1]
    assert (last.action, last.actor, last.before.status) == (Action.UNDO, ANNA, S.APPROVED)
    # The company is told, in one notice; nobody is asked again by e-mail.
    new = [m for m in w.store.pending() if m.id not in before]
    assert len(new) == 1
    notice = mails_of(new)[0]
    assert str(notice["Subject"]).strip() == (
        "Anna de Vries took back their decision on 2 time entries: Acme website"
    )
    assert notice["To"] == "Office <office@example.com>, boss@example.com"
    assert "anna@acme.example" in str(notice["Reply-To"])
    body = text_of(notice)
    assert "took back their approval or rejection" in body
    assert "do not invoice them" in body
    # The host is told through its events.
    types = [e.type for e in w.service.events(after=start)]
    assert types == ["entries.undone"]
    # The items await Anna again.
    awaiting = [e.id for e in w.service.pages.awaiting_approval(anna).entries]
    assert {"w1", "w3"} <= set(awaiting)


def test_an_undo_after_the_window_is_refused_and_changes_nothing() -> None:
    w = world(window=dt.timedelta(minutes=15))
    w.service.approvals.submit(["w1"], by=EVA)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1"])
    w.clock.advance(dt.timedelta(minutes=15, seconds=1))
    before = {m.id for m in w.store.pending()}

    result = w.service.approvals.client_undo(anna, ["w1"])

    [refused] = result.not_allowed
    assert "ran out at 2026-03-02T09:15:00+00:00" in (refused.why or "")
    assert w.service.approvals.history("w1")[-1].action is Action.APPROVE
    assert new_mails(w, before) == []


def test_exactly_at_the_end_of_the_window_an_undo_still_works() -> None:
    w = world(window=dt.timedelta(minutes=5))
    w.service.approvals.submit(["w1"], by=EVA)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1"])
    w.clock.advance(dt.timedelta(minutes=5))
    assert w.service.approvals.client_undo(anna, ["w1"]).all_applied


def test_a_contact_cannot_undo_another_contacts_decision() -> None:
    w = world()
    w.service.approvals.submit(["w1"], by=EVA)
    w.service.approvals.client_approve(visit_as(w.service, "anna"), ["w1"])
    result = w.service.approvals.client_undo(visit_as(w.service, "bob"), ["w1"])
    [refused] = result.not_allowed
    assert "decided by another contact ('anna')" in (refused.why or "")
    assert w.service.approvals.history("w1")[-1].action is Action.APPROVE


def test_invoiced_items_are_refused_and_the_rest_of_the_batch_is_undone() -> None:
    w = world(invoiced=(ItemRef.entry("w1"),))
    w.service.approvals.submit(["w1", "w3"], by=EVA)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1", "w3"])

    result = w.service.approvals.client_undo(anna, ["w1", "w3"])

    outcomes = {o.entry_id: o for o in result.outcomes}
    assert outcomes["w1"].outcome is Outcome.NOT_ALLOWED
    assert "already invoiced the entry 'w1'" in (outcomes["w1"].why or "")
    assert outcomes["w3"].outcome is Outcome.APPLIED
    assert w.service.approvals.history("w1")[-1].action is Action.APPROVE


def test_a_rejection_is_undone_and_the_contact_may_decide_again() -> None:
    w = world()
    w.service.approvals.submit(["w1"], by=EVA)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_reject(anna, ["w1"], reason="Wrong project")
    assert w.service.approvals.client_undo(anna, ["w1"]).all_applied
    assert w.service.approvals.client_approve(anna, ["w1"]).all_applied
    actions = [e.action for e in w.service.approvals.history("w1")]
    assert actions == [Action.SUBMIT, Action.REJECT, Action.UNDO, Action.APPROVE]


def test_undo_twice_finds_nothing_to_undo_the_second_time() -> None:
    w = world()
    w.service.approvals.submit(["w1"], by=EVA)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1"])
    assert w.service.approvals.client_undo(anna, ["w1"]).all_applied
    [refused] = w.service.approvals.client_undo(anna, ["w1"]).not_allowed
    assert "nothing to undo" in (refused.why or "")


def test_a_managers_rejection_is_not_the_clients_to_undo() -> None:
    w = world(workflow=Workflow.INTERNAL_EXTERNAL)
    w.service.approvals.submit(["w1"], by=EVA)
    w.service.approvals.reject(["w1"], by=MAX, reason="Double-booked")
    [refused] = w.service.approvals.client_undo(visit_as(w.service, "anna"), ["w1"]).not_allowed
    assert "last moved by MANAGER 'max' (REJECT)" in (refused.why or "")


def test_after_the_client_approved_first_the_undo_works_until_the_manager_decides() -> None:
    w = world(workflow=Workflow.EXTERNAL_INTERNAL)
    w.service.approvals.submit(["w1", "w3"], by=EVA)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1", "w3"])
    assert w.service.approvals.client_undo(anna, ["w1"]).all_applied
    w.service.approvals.approve(["w3"], by=MAX)  # the manager approves last: it is locked now
    [refused] = w.service.approvals.client_undo(anna, ["w3"]).not_allowed
    assert "is APPROVED" in (refused.why or "")


def test_a_zero_window_switches_undo_off() -> None:
    w = world(window=dt.timedelta(0))
    w.service.approvals.submit(["w1"], by=EVA)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1"])
    [refused] = w.service.approvals.client_undo(anna, ["w1"]).not_allowed
    assert "undo is switched off" in (refused.why or "")


def test_a_shared_link_cannot_undo() -> None:
    w = world()
    with pytest.raises(WorkflowError, match="shared"):
        w.service.approvals.client_undo(visit_as(w.service, None), ["w1"])


def test_items_the_portal_does_not_show_are_not_found() -> None:
    w = world()
    w.service.approvals.submit(["a1"], by=MAX)
    [missing] = w.service.approvals.client_undo(visit_as(w.service, "anna"), ["a1"]).not_found
    assert missing.entry_id == "a1"


# --------------------------------------------------------------------------------------------------
# The rules on their own


def test_the_rules_name_each_refusal_and_leave_out_what_may_be_undone() -> None:
    w = world(invoiced=(ItemRef.entry("w3"),))
    w.service.approvals.submit(["w1", "w3", "w4"], by=EVA)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1", "w3"])
    rules = UndoRules(w.store, w.data, dt.timedelta(minutes=15))
    items = {e.id: e for e in w.data.entries_by_id(frozenset({"w1", "w2", "w3", "w4"}))}
    now = w.clock.now()
    checked = rules.check("anna", [items[i] for i in ("w1", "w2", "w3", "w4")], now)
    assert {key[1]: refusal for key, (refusal, _) in checked.items()} == {
        "w2": UndoRefusal.NOT_DECIDED,  # still open
        "w3": UndoRefusal.INVOICED,
        "w4": UndoRefusal.NOT_DECIDED,  # awaiting the client: nothing decided yet
    }
    [why] = rules.refusals("bob", [items["w1"]], now).values()
    assert "decided by another contact ('anna')" in why
    later = now + dt.timedelta(minutes=16)
    [(refusal, _)] = rules.check("anna", [items["w1"]], later).values()
    assert refusal is UndoRefusal.TOO_LATE


def test_the_rules_refuse_a_naive_time_and_a_negative_window() -> None:
    w = world()
    rules = UndoRules(w.store, w.data, dt.timedelta(minutes=1))
    assert rules.window == dt.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="timezone-aware"):
        rules.refusals("anna", [], dt.datetime(2026, 3, 2, 9, 0))
    with pytest.raises(ConfigError, match="undo_window"):
        UndoRules(w.store, w.data, dt.timedelta(minutes=-1))


def test_undoable_status_follows_the_table() -> None:
    from clientportal import ApprovalState

    ok = [
        ApprovalState(status=S.APPROVED, workflow=Workflow.EXTERNAL, version=2),
        ApprovalState(status=S.PENDING_INTERNAL, workflow=Workflow.EXTERNAL_INTERNAL, version=2),
        ApprovalState(status=S.REJECTED, workflow=Workflow.INTERNAL_EXTERNAL, version=2),
    ]
    not_ok = [
        ApprovalState(),
        ApprovalState(status=S.APPROVED, workflow=Workflow.INTERNAL, version=2),
        ApprovalState(status=S.APPROVED, workflow=Workflow.EXTERNAL_INTERNAL, version=2),
        ApprovalState(status=S.PENDING_EXTERNAL, workflow=Workflow.EXTERNAL, version=1),
    ]
    assert all(undoable_status(s) for s in ok)
    assert not any(undoable_status(s) for s in not_ok)


# --------------------------------------------------------------------------------------------------
# Locks


def test_approved_items_are_locked_until_reopened_and_open_ones_editable() -> None:
    w = world()
    approvals = w.service.approvals
    assert approvals.is_editable("w1")
    approvals.submit(["w1"], by=EVA)
    assert not approvals.is_editable(ItemRef.entry("w1"))
    approvals.client_approve(visit_as(w.service, "anna"), ["w1"])
    assert not approvals.is_editable("w1")
    approvals.reopen(["w1"], by=MAX, reason="Typo in the description")
    assert approvals.is_editable("w1")
    assert not approvals.is_editable("no-such-entry")


# --------------------------------------------------------------------------------------------------
# Expenses and trips


def test_expenses_and_trips_are_undone_with_their_own_events_and_sections() -> None:
    w = costs_world()
    w.service.approvals.submit(ALL_KINDS, by=MAX)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ALL_KINDS)
    before = {m.id for m in w.store.pending()}
    start = w.service.events()[-1].id

    result = w.service.approvals.client_undo(anna, ALL_KINDS)

    assert result.all_applied
    assert sorted(e.type for e in w.service.events(after=start)) == [
        "entries.undone",
        "expenses.undone",
        "trips.undone",
    ]
    assert w.service.approvals.history(VISIT.id, VISIT.kind)[-1].action is Action.UNDO
    [notice] = mails_of([m for m in w.store.pending() if m.id not in before])
    subject = str(notice["Subject"]).strip()
    assert subject == (
        "Anna de Vries took back their decision on 1 time entry, 2 expenses, and 1 trip: "
        "Acme website"
    )
    body = text_of(notice)
    assert "Train to Acme" in body
    assert "Site visit" in body
