"""Approval over every kind of item (``service/approvals.py``, ``service/decision_items.py``):
time entries, expenses and trips decided together by a client or the staff, each outcome and
audit trail naming its kind, stale items matched by kind and id, only what the portal shows (V13,
V14) decidable by its client, and the e-mails listing every kind.

Through the whole service over ``MemoryDataSource`` and ``MemoryStore``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from attrs import evolve

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    Expense,
    ItemKind,
    ItemRef,
    MemoryDataSource,
    MemoryStore,
    PortalSettings,
    Trip,
    ValidationError,
    Workflow,
)
from clientportal.ports import ApprovalChange, NewEvent, OutboxMessage
from clientportal.service import Outcome
from clientportal.workflow import Action, Actor, Party
from worlds import (
    APPROVING,
    DAY0,
    EVA,
    EXTERNAL,
    MAX,
    PagesOnly,
    ServiceWorld,
    acme_portal,
    mails_of,
    service_dataset,
    service_world,
    text_of,
    visit_as,
)

EXPENSE_W1 = ItemRef.expense("w1")  # shares its id with the time entry w1
LICENCE = ItemRef.expense("x2")
LUNCH = ItemRef.expense("x3")  # not billable
VISIT = ItemRef.trip("t1")
ALL_KINDS: list[str | ItemRef] = ["w1", EXPENSE_W1, LICENCE, VISIT]


def _day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


EXPENSES = (
    Expense("w1", "web", "eva", _day(1), Decimal("120.00"), "EUR", description="Train to Acme"),
    Expense("x2", "web", "tom", _day(2), Decimal("30.50"), "USD", description="Licence"),
    Expense("x3", "web", "tom", _day(2), Decimal("15"), "EUR", description="Lunch", billable=False),
    Expense("x4", "app", "tom", _day(2), Decimal("99"), "EUR", description="Not in the portal"),
    Expense("xg", "erp", "sam", _day(2), Decimal("500"), "EUR", description="Globex's"),
)
TRIPS = (
    Trip(
        "t1",
        "web",
        "eva",
        _day(3),
        Decimal("45.5"),
        description="Site visit",
        origin="Utrecht",
        destination="Delft",
        rate=Decimal("0.23"),
    ),
    Trip("t2", "web", "tom", _day(4), Decimal("12")),
    Trip("tg", "erp", "sam", _day(4), Decimal("80"), description="Globex's"),
)
COSTS = evolve(APPROVING, show_expenses=True, show_trips=True)


def costs_world(
    *,
    settings: PortalSettings = COSTS,
    policy: ApprovalPolicy = EXTERNAL,
    store: MemoryStore | None = None,
    without_costs: bool = False,
) -> ServiceWorld:
    """The service world of ``worlds`` with Acme's and Globex's expenses and trips, its portal
    showing them (``settings``); ``without_costs``: a DataSource that has none."""
    data = evolve(service_dataset(), expenses=EXPENSES, trips=TRIPS)
    store = MemoryStore() if store is None else store
    source = MemoryDataSource(data, store)
    return service_world(
        portals=(acme_portal(settings=settings),),
        policy=policy,
        data=data,
        source=PagesOnly(source) if without_costs else source,
        store=store,
    )


def new_mails(w: ServiceWorld, before: set[str]) -> list[OutboxMessage]:
    return [m for m in w.store.pending() if m.id not in before]


# --------------------------------------------------------------------------------------------------
# A client decides on every kind at once


def test_a_client_approves_hours_expenses_and_trips_in_one_decision() -> None:
    w = costs_world()
    assert w.service.approvals.submit(ALL_KINDS, by=MAX).all_applied
    before = {m.id for m in w.store.pending()}
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_approve(anna, ALL_KINDS)
    assert [(o.kind, o.entry_id, o.outcome) for o in result.outcomes] == [
        (ItemKind.ENTRY, "w1", Outcome.APPLIED),
        (ItemKind.EXPENSE, "w1", Outcome.APPLIED),
        (ItemKind.EXPENSE, "x2", Outcome.APPLIED),
        (ItemKind.TRIP, "t1", Outcome.APPLIED),
    ]
    assert {o.state.status for o in result.outcomes if o.state} == {ApprovalStatus.APPROVED}
    # The store holds each kind's state apart, and the audit trail is filed per kind.
    for kind, item_id in [
        (ItemKind.EXPENSE, "w1"),
        (ItemKind.EXPENSE, "x2"),
        (ItemKind.TRIP, "t1"),
    ]:
        assert w.store.approval_states(frozenset({item_id}), kind)[item_id].version == 2
        history = w.service.approvals.history(item_id, kind)
        assert [e.action for e in history] == [Action.SUBMIT, Action.APPROVE]
        assert history[-1].actor == Actor(Party.CLIENT, "anna")
    assert [e.action for e in w.service.approvals.history("w1")] == [Action.SUBMIT, Action.APPROVE]
    assert w.service.approvals.history("x2") == ()  # no time entry x2 was ever decided
    # One notice to the company, a section per kind
    [notice] = mails_of(new_mails(w, before))
    assert str(notice["Subject"]).strip() == (
        "Anna de Vries approved 1 time entry, 2 expenses, and 1 trip: Acme website"
    )
    text = text_of(notice)
    for heading in ("\nHours\n", "\nExpenses\n", "\nTrips\n"):
        assert heading in text
    assert "Feb 2, 2026  Eva       Website  Train to Acme           €120.00\n" in text
    assert "Feb 3, 2026  Tom       Website  Licence                  $30.50\n" in text
    assert "Total                                          €120.00 + $30.50\n" in text
    assert "Site visit (Utrecht → Delft)   45.5 km" in text
    assert "7.5 hours  Homepage" in text


def test_a_client_rejects_mixed_items_with_one_reason_told_to_the_company() -> None:
    w = costs_world()
    w.service.approvals.submit(["w3", LICENCE, VISIT], by=MAX)
    before = {m.id for m in w.store.pending()}
    bob = visit_as(w.service, "bob")
    result = w.service.approvals.client_reject(bob, [VISIT, LICENCE, "w3"], reason="Not agreed")
    assert [(o.kind, o.outcome) for o in result.outcomes] == [
        (ItemKind.TRIP, Outcome.APPLIED),
        (ItemKind.EXPENSE, Outcome.APPLIED),
        (ItemKind.ENTRY, Outcome.APPLIED),
    ]
    [notice] = mails_of(new_mails(w, before))
    assert str(notice["Subject"]).strip() == (
        "Bob Jones rejected 1 time entry, 1 expense, and 1 trip: Acme website"
    )
    text = text_of(notice)
    assert "Reason given by Bob Jones:\n\n> Not agreed" in text
    assert all(shown in text for shown in ("Licence", "Site visit", "Bugfix"))
    assert "The items are marked as rejected." in text
    trail = w.service.approvals.history("t1", ItemKind.TRIP)
    assert trail[-1].reason == "Not agreed"
    assert trail[-1].after.status is ApprovalStatus.REJECTED


# --------------------------------------------------------------------------------------------------
# What a client may decide: only what the portal shows


def test_a_portal_without_trips_refuses_trip_decisions_as_not_found() -> None:
    w = costs_world(settings=evolve(COSTS, show_trips=False))
    assert w.service.approvals.submit([VISIT, LICENCE], by=MAX).all_applied
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_approve(anna, [VISIT, LICENCE])
    [missing] = result.not_found
    assert (missing.kind, missing.entry_id) == (ItemKind.TRIP, "t1")
    assert missing.why == "there is no trip 't1' in portal 'acme-web'"
    assert [o.kind for o in result.applied] == [ItemKind.EXPENSE]
    assert [e.action for e in w.service.approvals.history("t1", ItemKind.TRIP)] == [Action.SUBMIT]


def test_costs_of_other_projects_clients_and_non_billable_ones_are_not_found() -> None:
    w = costs_world()
    items = [LUNCH, ItemRef.expense("x4"), ItemRef.expense("xg"), ItemRef.trip("tg")]
    assert w.service.approvals.submit(items, by=MAX).all_applied
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_approve(anna, [*items, ItemRef.expense("nope")])
    assert [o.outcome for o in result.outcomes] == [Outcome.NOT_FOUND] * 5
    assert result.outcomes[2].why == "there is no expense 'xg' in portal 'acme-web'"
    # A portal that shows non-billable amounts shows (and lets its client decide) the lunch.
    w.service.admin.update_portal(
        "acme-web", settings=evolve(COSTS, show_non_billable_amounts=True)
    )
    anna = visit_as(w.service, "anna")  # a visit holds the portal as it opened
    assert w.service.approvals.client_approve(anna, [LUNCH]).all_applied


def test_a_source_without_expenses_says_so_when_one_is_decided() -> None:
    w = costs_world(without_costs=True)
    result = w.service.approvals.submit(["w1", EXPENSE_W1, VISIT], by=MAX)
    assert [o.outcome for o in result.outcomes] == [
        Outcome.APPLIED,
        Outcome.NOT_FOUND,
        Outcome.NOT_FOUND,
    ]
    assert result.outcomes[1].why == (
        "there is no expense 'w1' in the DataSource: the DataSource has no expenses (it does "
        "not offer ExpenseSource)"
    )
    assert "the DataSource has no trips" in (result.outcomes[2].why or "")
    anna = visit_as(w.service, "anna")
    refused = w.service.approvals.client_approve(anna, [EXPENSE_W1])
    assert refused.not_found[0].why == (
        "there is no expense 'w1' in portal 'acme-web': the DataSource has no expenses (it "
        "does not offer ExpenseSource)"
    )


def test_a_lone_reference_is_refused_and_plain_strings_stay_time_entries() -> None:
    w = costs_world()
    with pytest.raises(ValidationError, match="single ItemRef"):
        w.service.approvals.submit(EXPENSE_W1, by=MAX)  # type: ignore[arg-type]
    result = w.service.approvals.submit(["w1", ItemRef.entry("w1"), EXPENSE_W1], by=MAX)
    assert [(o.kind, o.entry_id) for o in result.outcomes] == [
        (ItemKind.ENTRY, "w1"),  # the str and ItemRef.entry name the same entry: once
        (ItemKind.EXPENSE, "w1"),
    ]


# --------------------------------------------------------------------------------------------------
# Stale items are matched by kind and id


def test_a_stale_expense_does_not_hold_back_the_entry_with_the_same_id() -> None:
    w = costs_world()
    w.service.approvals.submit(["w1", EXPENSE_W1], by=MAX)
    anna = visit_as(w.service, "anna")
    seen: dict[str | ItemRef, int] = {
        "w1": 1,
        EXPENSE_W1: 0,
    }  # Anna saw the expense before it was submitted
    result = w.service.approvals.client_approve(anna, ["w1", EXPENSE_W1], versions=seen)
    assert [(o.kind, o.outcome) for o in result.outcomes] == [
        (ItemKind.ENTRY, Outcome.APPLIED),
        (ItemKind.EXPENSE, Outcome.CHANGED_MEANWHILE),
    ]
    assert result.outcomes[1].why == (
        "the expense is at version 1, the decision was made on version 0: look at it again"
    )
    assert len(w.service.approvals.history("w1", ItemKind.EXPENSE)) == 1


class RacingStore(MemoryStore):
    """A store where another decider gets in first, once, on the ``victims`` (kind, id)."""

    def __init__(self) -> None:
        super().__init__()
        self.victims: set[tuple[ItemKind, str]] = set()
        self.calls: list[list[tuple[ItemKind, str]]] = []

    def apply_changes(
        self,
        changes: Sequence[ApprovalChange],
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
        **written: Any,
    ) -> None:
        self.calls.append([(c.kind, c.entry_id) for c in changes])
        victims, self.victims = self.victims, set()
        first = [c for c in changes if (c.kind, c.entry_id) in victims]
        if first:
            super().apply_changes([evolve(c, state=evolve(c.state, reason="bob")) for c in first])
        super().apply_changes(changes, outbox, events, **written)


def test_a_race_lost_on_an_expense_keeps_the_entry_of_the_same_id() -> None:
    store = RacingStore()
    w = costs_world(store=store)
    w.service.approvals.submit(["w1", EXPENSE_W1, VISIT], by=MAX)
    anna = visit_as(w.service, "anna")
    store.victims = {(ItemKind.EXPENSE, "w1")}
    store.calls.clear()
    before = {m.id for m in store.pending()}
    result = w.service.approvals.client_approve(anna, ["w1", EXPENSE_W1, VISIT])
    assert [(o.kind, o.outcome) for o in result.outcomes] == [
        (ItemKind.ENTRY, Outcome.APPLIED),
        (ItemKind.EXPENSE, Outcome.CHANGED_MEANWHILE),
        (ItemKind.TRIP, Outcome.APPLIED),
    ]
    assert result.outcomes[1].why == (
        "somebody else changed the expense at the same moment: look at it again"
    )
    entry, expense, trip = (ItemKind.ENTRY, "w1"), (ItemKind.EXPENSE, "w1"), (ItemKind.TRIP, "t1")
    assert store.calls == [[entry, expense, trip], [entry, trip]]
    [notice] = mails_of(new_mails(w, before))  # built again for what was stored
    assert (
        str(notice["Subject"]).strip()
        == "Anna de Vries approved 1 time entry and 1 trip: Acme website"
    )
    assert "Train to Acme" not in text_of(notice)
    assert store.approval_states(frozenset({"w1"}), ItemKind.EXPENSE)["w1"].reason == "bob"


# --------------------------------------------------------------------------------------------------
# The staff act on expenses and trips as on hours; the requests list every kind


def test_submitting_asks_each_contact_once_listing_hours_expenses_and_trips() -> None:
    w = costs_world()
    assert w.service.approvals.submit([*ALL_KINDS, LUNCH], by=MAX).all_applied
    sent = mails_of(list(w.store.pending()))
    assert sorted(str(m["To"]) for m in sent) == [
        "Anna de Vries <anna@acme.example>",
        "Bob Jones <bob@acme.example>",
    ]
    anna = next(m for m in sent if "anna@" in str(m["To"]))
    assert str(anna["Subject"]).strip() == "Hours and costs awaiting your approval: Acme website"
    text = text_of(anna)
    assert (
        "1 time entry (7.5 hours), 2 expenses (€120.00 + $30.50), and 1 trip (45.5 km) in the "
        "portal Acme website are awaiting your approval." in text
    )
    assert "Hours per project" in text
    assert all(shown in text for shown in ("Train to Acme", "Licence", "Site visit"))
    assert "Lunch" not in text  # non-billable: the portal does not show it
    assert "€10.47" in text  # the trip's money: the portal shows amounts
    assert "?next=approvals" in text


def test_a_request_for_expenses_alone_names_only_expenses() -> None:
    w = costs_world(settings=evolve(COSTS, show_amounts=False))
    assert w.service.approvals.submit([LICENCE, ItemRef.trip("t2")], by=MAX).all_applied
    anna = next(m for m in mails_of(list(w.store.pending())) if "anna@" in str(m["To"]))
    assert str(anna["Subject"]).strip() == "Expenses and trips awaiting your approval: Acme website"
    text = text_of(anna)
    assert "Hours per project" not in text
    assert "1 expense ($30.50) and 1 trip (12 km) in the portal" in text
    assert "Amount" in text.split("Trips")[0]  # the expenses show their amount,
    assert "Amount" not in text.split("Trips")[1]  # the trips none without show_amounts


def test_staff_steps_on_expenses_follow_the_owner_rules_of_hours() -> None:
    w = costs_world(policy=ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL))
    assert w.service.approvals.submit([EXPENSE_W1], by=EVA).all_applied
    own = w.service.approvals.approve([EXPENSE_W1], by=Actor(Party.MANAGER, "eva"))
    [refused] = own.not_allowed
    assert refused.kind is ItemKind.EXPENSE
    assert "own" in (refused.why or "")
    assert w.service.approvals.approve([EXPENSE_W1], by=MAX).all_applied
    assert w.service.approvals.reopen([EXPENSE_W1], by=MAX, reason="wrong amount").all_applied
    trail = w.service.approvals.history("w1", ItemKind.EXPENSE)
    assert [e.action for e in trail] == [Action.SUBMIT, Action.APPROVE, Action.REOPEN]
    assert w.service.approvals.history("w1") == ()  # the entry w1 was never touched


def test_the_notice_shows_descriptions_only_as_the_portal_shows_them() -> None:
    w = costs_world(settings=evolve(COSTS, show_descriptions=False))
    w.service.approvals.submit(["w1", EXPENSE_W1, VISIT], by=MAX)
    before = {m.id for m in w.store.pending()}
    request = next(m for m in mails_of(list(w.store.pending())) if "anna@" in str(m["To"]))
    anna = visit_as(w.service, "anna")
    assert w.service.approvals.client_approve(anna, ["w1", EXPENSE_W1, VISIT]).all_applied
    [decided] = mails_of(new_mails(w, before))
    for mail in (request, decided):
        text = text_of(mail)
        assert "Train to Acme" not in text
        assert "Utrecht" not in text
        assert "Homepage" not in text
        assert "€120.00" in text  # an expense always shows its amount (V13)
        assert "45.5 km" in text  # a trip its distance (V14)


def test_a_refused_step_names_the_kind_of_item() -> None:
    w = costs_world()
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_approve(anna, ["w1", LICENCE, VISIT])  # all still OPEN
    assert [o.outcome for o in result.outcomes] == [Outcome.NOT_ALLOWED] * 3
    assert [(o.why or "").split(" in status")[0] for o in result.outcomes] == [
        "CLIENT may not APPROVE an entry",
        "CLIENT may not APPROVE an expense",
        "CLIENT may not APPROVE a trip",
    ]
