"""The demo world holds what the demo promises, and every demo portal is valid."""

from __future__ import annotations

import datetime as dt

from clientportal import ApprovalStatus, BudgetType, check_portal, portal_view
from clientportal.demo import DEMO_POLICY, demo_dataset, demo_entries, demo_portals

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
