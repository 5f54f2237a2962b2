"""Property tests of V13 (expenses) and V14 (trips), over the same adversarial worlds as V1–V12.

Monotonicity (V11), ordering and purity (V12), the employee filter (V8) and the approval queue
(V10) cover expenses and trips in ``test_visibility.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Dataset,
    Expense,
    Portal,
    PortalExpense,
    PortalSettings,
    PortalTrip,
    Project,
    Scope,
    Trip,
    Workflow,
    portal_view,
    trip_amount,
    visible_expenses,
    visible_trips,
)
from clientportal.convert import unstructure
from clientportal.testing.strategies import INTERNAL_MARKER, policies, portals, worlds

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Portal, Dataset, ApprovalPolicy | None]:
    world = draw(worlds())
    portal = draw(portals(world))
    return portal, world, draw(st.none() | policies())


def own_project_ids(portal: Portal, data: Dataset) -> set[str]:
    return {
        p.id
        for p in data.projects
        if p.client_id == portal.client_id and p.id in portal.project_ids
    }


# --------------------------------------------------------------------------------------------------
# Worked examples


def example(**settings: object) -> tuple[Portal, Dataset]:
    portal = Portal(
        id="p",
        client_id="c1",
        name="Acme",
        project_ids={"web"},
        settings=PortalSettings(**settings),  # type: ignore[arg-type]
        created_at=T0,
    )
    day = T0.date()
    data = Dataset(
        projects=[Project("web", "c1", "Website"), Project("app", "c2", "Other client's app")],
        expenses=[
            Expense("x1", "web", "eva", day, Decimal("49.90"), "EUR", description="Train",
                    category="travel", internal_note="ask Bob", receipt=True),
            Expense("x2", "web", "eva", day, Decimal("12.00"), "EUR", billable=False),
            Expense("x3", "app", "eva", day, Decimal("99.00"), "EUR"),
        ],
        trips=[
            Trip("t1", "web", "eva", day, Decimal("42.5"), description="Kick-off",
                 origin="Utrecht", destination="Amsterdam", rate=Decimal("0.23")),
            Trip("t2", "web", "eva", day, Decimal("10"), billable=False, rate=Decimal("0.23"),
                 currency="USD"),
            Trip("t3", "app", "eva", day, Decimal("5"), rate=Decimal("0.23")),
        ],
    )  # fmt: skip
    return portal, data


def test_expenses_and_trips_are_off_by_default_and_never_another_clients() -> None:
    portal, data = example()
    view = portal_view(portal, data)
    assert (view.expenses, view.trips) == ((), ())
    portal, data = example(show_expenses=True, show_trips=True)
    view = portal_view(portal, data)
    assert [x.id for x in view.expenses] == ["x1"]  # x2 is not billable, x3 another client's
    assert [t.id for t in view.trips] == ["t1"]


def test_an_expense_shows_its_amount_always_and_its_description_with_descriptions() -> None:
    portal, data = example(show_expenses=True)
    (x1,) = portal_view(portal, data).expenses
    assert x1 == PortalExpense(
        id="x1", project_id="web", employee_id="eva", date=T0.date(), amount=Decimal("49.90"),
        currency="EUR", description="Train", category="travel", billable=True, receipt=True,
        status=ApprovalStatus.OPEN, version=0,
    )  # fmt: skip
    portal, data = example(show_expenses=True, show_descriptions=False)
    (x1,) = portal_view(portal, data).expenses
    assert (x1.description, x1.amount, x1.currency) == (None, Decimal("49.90"), "EUR")


def test_a_trip_shows_its_distance_always_and_its_money_only_with_amounts() -> None:
    portal, data = example(show_trips=True)
    (t1,) = portal_view(portal, data).trips
    assert (t1.distance, t1.rate, t1.amount, t1.currency) == (Decimal("42.5"), None, None, None)
    assert (t1.description, t1.origin, t1.destination) == ("Kick-off", "Utrecht", "Amsterdam")
    portal, data = example(show_trips=True, show_amounts=True, show_non_billable_amounts=True,
                           show_descriptions=False, currency="PLN")  # fmt: skip
    t1, t2 = portal_view(portal, data).trips
    assert (t1.rate, t1.amount, t1.currency) == (Decimal("0.23"), Decimal("9.78"), "PLN")
    assert (t2.amount, t2.currency) == (Decimal("2.30"), "USD")  # the trip's own currency
    assert (t1.description, t1.origin, t1.destination) == (None, None, None)


def test_costs_awaiting_the_client_are_queued_like_hours() -> None:
    portal, data = example(show_hours=False, show_expenses=True, approval=True)
    pending = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, 1)
    data = attrs.evolve(data, expenses=[attrs.evolve(x, approval=pending) for x in data.expenses])
    view = portal_view(portal, data, ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL))
    assert view.can_approve
    assert [x.id for x in view.awaiting_expenses] == ["x1"]
    assert view.awaiting_approval == view.awaiting_trips == ()
    # Without a client step in the company's policy, nothing is queued.
    view = portal_view(portal, data, ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL))
    assert not view.can_approve
    assert view.awaiting_expenses == ()


# --------------------------------------------------------------------------------------------------
# V13: expenses


@given(scenarios())
def test_v13_expenses_of_visible_projects_when_shown_billable_unless_non_billable_shown(
    scenario,
) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    s = portal.settings
    visible = own_project_ids(portal, data)
    expected = {
        x.id
        for x in data.expenses
        if s.show_expenses
        and x.project_id in visible
        and (x.billable or s.show_non_billable_amounts)
    }
    assert {x.id for x in view.expenses} == expected
    source = {x.id: x for x in data.expenses}
    for shown in view.expenses:
        x = source[shown.id]
        # Amounts always, with their currency; the description only with descriptions.
        assert (shown.amount, shown.currency) == (x.amount, x.currency)
        assert shown.description == (x.description if s.show_descriptions else None)
        assert (shown.category, shown.billable) == (x.category, x.billable)
        assert shown.receipt == x.receipt
        assert (shown.status, shown.version) == (x.approval.status, x.approval.version)
        assert (shown.project_id, shown.employee_id, shown.date) == (
            x.project_id, x.employee_id, x.date,
        )  # fmt: skip
    streamed = visible_expenses(portal, data.projects, data.expenses)
    assert sorted(streamed, key=lambda x: x.id) == sorted(view.expenses, key=lambda x: x.id)


@given(scenarios())
def test_v13_v14_internal_notes_never_appear(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    for public in (PortalExpense, PortalTrip):
        assert "internal_note" not in {a.name for a in attrs.fields(public)}
    assert INTERNAL_MARKER not in repr(view.expenses) + repr(view.trips)
    assert INTERNAL_MARKER not in repr(unstructure(view))


# --------------------------------------------------------------------------------------------------
# V14: trips


@given(scenarios())
def test_v14_trips_of_visible_projects_with_distance_and_money_only_with_amounts(
    scenario,
) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    s = portal.settings
    visible = own_project_ids(portal, data)
    expected = {
        t.id
        for t in data.trips
        if s.show_trips and t.project_id in visible and (t.billable or s.show_non_billable_amounts)
    }
    assert {t.id for t in view.trips} == expected
    source = {t.id: t for t in data.trips}
    for shown in view.trips:
        t = source[shown.id]
        assert shown.distance == t.distance
        described = (t.description, t.origin, t.destination) if s.show_descriptions else (None,) * 3
        assert (shown.description, shown.origin, shown.destination) == described
        if s.show_amounts and t.rate is not None:
            assert shown.rate == t.rate
            assert shown.amount == trip_amount(t.rate, t.distance)
            assert shown.currency == (t.currency or s.currency)
        else:
            assert (shown.rate, shown.amount, shown.currency) == (None, None, None)
        assert (shown.status, shown.version) == (t.approval.status, t.approval.version)
    streamed = visible_trips(portal, data.projects, data.trips)
    assert sorted(streamed, key=lambda t: t.id) == sorted(view.trips, key=lambda t: t.id)


@given(scenarios())
def test_v13_v14_scope_states_the_same_rules_as_data(scenario) -> None:
    portal, data, policy = scenario
    scope = Scope.of(portal, policy)
    s = portal.settings
    assert (scope.expenses, scope.trips) == (s.show_expenses, s.show_trips)
    assert scope.trip_amounts == (s.show_trips and s.show_amounts)
    visible = frozenset(own_project_ids(portal, data))
    view = portal_view(portal, data, policy)
    assert {x.id for x in data.expenses if scope.shows_cost(x, visible)} == {
        x.id for x in view.expenses
    }
    assert {t.id for t in data.trips if scope.shows_cost(t, visible)} == {t.id for t in view.trips}
    if not scope.cost_descriptions:
        assert all(x.description is None for x in view.expenses)
        assert all(t.origin is None and t.description is None for t in view.trips)
