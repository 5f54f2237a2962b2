"""The demo world holds what the demo promises, and every demo portal is valid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clientportal import ApprovalStatus, BudgetType, check_portal, portal_view
from clientportal.demo import DEMO_POLICY, demo_dataset, demo_entries, demo_portals
from clientportal.demo_costs import KM_RATE
from clientportal.model import Expense, Trip
from clientportal.public import PortalExpense, PortalTrip

TODAY = dt.date(2026, 11, 26)
CREATED = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def test_demo_world_has_three_clients_a_year_of_hours_and_every_budget_type() -> None:
    data = demo_dataset(today=TODAY)
    assert len(data.clients) == 3
    dates = [e.date for e in data.entries]
    assert max(dates) <= TODAY
    assert (TODAY - min(dates)).days >= 360
    assert {b.type for b in data.budgets} == set(BudgetType)
    assert len({i.status for i in data.invoices}) >= 4
    assert len({q.status for q in data.quotes}) >= 4
    statuses = {e.approval.status for e in data.entries}
    assert {ApprovalStatus.PENDING_EXTERNAL, ApprovalStatus.PENDING_INTERNAL} <= statuses


def test_demo_portals_are_valid_and_each_shows_something_different() -> None:
    data = demo_dataset(today=TODAY)
    portals = demo_portals(created_at=CREATED)
    assert [p.language for p in portals] == ["nl", "en", "de"]
    views = []
    for portal in portals:
        check_portal(portal, DEMO_POLICY, data)
        views.append(portal_view(portal, data, DEMO_POLICY))
    nl, en, de = views
    assert nl.can_approve
    assert nl.awaiting_approval
    assert nl.budgets
    assert nl.quotes
    assert not en.can_approve
    assert {e.description for e in en.entries} == {None}
    # Amounts in German, on the billable hours only (V9); no file behind any demo document.
    assert all((e.amount is not None) == e.billable for e in de.entries)
    assert any(not e.billable for e in de.entries)
    assert not any(d.has_file for v in views for d in (*v.invoices, *v.quotes))
    assert portals[1].settings.currency == "GBP"  # Northwind pays in pounds: British dates
    assert all(b.type is not BudgetType.TOTAL_COSTS for v in views for b in v.budgets)


def test_demo_entries_are_deterministic_and_can_be_many() -> None:
    first = list(demo_entries(today=TODAY, count=5000))
    assert len(first) == 5000
    assert len({e.id for e in first}) == 5000
    assert first == list(demo_entries(today=TODAY, count=5000))


def test_demo_world_has_a_year_of_realistic_expenses_and_trips() -> None:
    data = demo_dataset(today=TODAY)
    first_entry = min(e.date for e in data.entries)
    members = {p.id: p.member_ids for p in data.projects}
    for kind in (data.expenses, data.trips):
        dates = [i.date for i in kind]
        assert max(dates) <= TODAY
        assert abs((min(dates) - first_entry).days) <= 7  # over the same year as the hours
        assert len({i.project_id for i in kind}) == len(data.projects)
        assert all(i.employee_id in members[i.project_id] for i in kind)
    expenses = data.expenses
    assert len(expenses) >= 200
    assert {"Reiskosten", "Softwarelicenties", "Hotel", "Maaltijden"} <= {
        x.category for x in expenses
    }
    assert {x.currency for x in expenses} == {"EUR", "GBP"}
    assert all(Decimal("5") <= x.amount <= Decimal("400") for x in expenses)
    assert all(x.amount == x.amount.quantize(Decimal("0.01")) for x in expenses)
    assert 0 < sum(x.receipt for x in expenses) < len(expenses)
    assert 0 < sum(not x.billable for x in expenses) < len(expenses) / 5
    assert 0 < sum(x.internal_note is not None for x in expenses) < len(expenses) / 10
    trips = data.trips
    assert len(trips) >= 100
    assert all(t.origin and t.destination and t.origin != t.destination for t in trips)
    assert all(Decimal("40") <= t.distance <= Decimal("400") for t in trips)
    assert {(t.rate, t.currency) for t in trips} == {(KM_RATE, "EUR"), (None, None)}
    assert sum(t.rate is None for t in trips) < len(trips) / 2  # most at 0.23 EUR/km
    assert any(not t.billable for t in trips)
    assert any(t.internal_note is not None for t in trips)
    # Recent ones in every stage, as the hours.
    items: tuple[Expense | Trip, ...] = (*expenses, *trips)
    assert {i.approval.status for i in items} == set(ApprovalStatus) - {
        ApprovalStatus.INTERNALLY_APPROVED
    }


def test_demo_costs_are_deterministic() -> None:
    first = demo_dataset(today=TODAY, entries=0)
    again = demo_dataset(today=TODAY, entries=0)
    assert (first.expenses, first.trips) == (again.expenses, again.trips)
    assert first.expenses != demo_dataset(today=TODAY, entries=0, seed=7).expenses


def test_the_approval_portal_awaits_hours_expenses_and_trips_of_a_dutch_contact() -> None:
    data = demo_dataset(today=TODAY)
    lumen, northwind, bergmann = demo_portals(created_at=CREATED)
    dutch = {c.id for c in data.contacts if c.language == "nl"}
    assert lumen.contact_ids & dutch
    view = portal_view(lumen, data, DEMO_POLICY)
    assert view.awaiting_approval
    assert view.awaiting_expenses
    assert view.awaiting_trips
    assert any(x.receipt for x in view.expenses)
    assert all(t.amount is None for t in view.trips)  # Lumen sees no amounts: distances only
    by_id: dict[str, Expense | Trip] = {x.id: x for x in data.expenses}
    by_id.update((t.id, t) for t in data.trips)
    awaiting: tuple[PortalExpense | PortalTrip, ...] = (
        *view.awaiting_expenses,
        *view.awaiting_trips,
    )
    for item in awaiting:
        assert by_id[item.id].approval.workflow is DEMO_POLICY.workflow
    # Bergmann sees the trips' money where a rate was agreed; Northwind shows no costs at all.
    german = portal_view(bergmann, data, DEMO_POLICY)
    assert german.awaiting_expenses
    assert german.awaiting_trips
    assert {t.amount is None for t in german.trips} == {True, False}
    assert not northwind.settings.show_expenses
    assert not northwind.settings.show_trips
    english = portal_view(northwind, data, DEMO_POLICY)
    assert (english.expenses, english.trips) == ((), ())
    assert any(x.project_id in northwind.project_ids for x in data.expenses)


@pytest.mark.parametrize("days", range(7))
def test_every_day_of_a_week_the_approval_portals_have_costs_awaiting_the_client(
    days: int,
) -> None:
    today = TODAY + dt.timedelta(days=days)
    data = demo_dataset(today=today, entries=0)
    for portal in demo_portals(created_at=CREATED):
        if portal.settings.approval:
            view = portal_view(portal, data, DEMO_POLICY)
            assert view.awaiting_expenses, portal.id
            assert view.awaiting_trips, portal.id


def test_no_internal_note_of_a_demo_expense_or_trip_reaches_a_portal() -> None:
    data = demo_dataset(today=TODAY)
    items: tuple[Expense | Trip, ...] = (*data.expenses, *data.trips)
    notes = {i.internal_note for i in items if i.internal_note is not None}
    assert notes
    noted = {i.id for i in items if i.internal_note is not None}
    shown: set[str] = set()
    for portal in demo_portals(created_at=CREATED):
        view = portal_view(portal, data, DEMO_POLICY)
        shown |= {x.id for x in view.expenses} | {t.id for t in view.trips}
        text = repr(view)
        assert not [n for n in notes if n in text], portal.id
    assert noted & shown  # noted items are shown: without their notes
