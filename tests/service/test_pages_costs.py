"""Expenses and trips through the service (``service/cost_pages.py``): a page of each kind with
its filters and the totals of every match, the queue awaiting the client and the latest
decisions, the overview's part of each kind; V13/V14 hold on what comes out (whatever the
DataSource returns: ``test_pages.py`` compares with ``portal_view`` for any world), and a source
without expenses or trips gives empty pages.

The reader itself (cursors, a source's sums checked) is tested in ``test_reading_costs.py``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from attrs import evolve

from clientportal import (
    ApprovalState,
    ApprovalStatus,
    Dataset,
    Employee,
    Expense,
    ItemKind,
    ItemRef,
    MemoryDataSource,
    Portal,
    PortalSettings,
    Trip,
    Workflow,
)
from clientportal.ports import CostPage, CostTotals, EntryQuery
from clientportal.service import CostsView
from clientportal.visibility import Scope
from clientportal.workflow import Action
from worlds import (
    DAY0,
    PagesOnly,
    ServiceWorld,
    acme_portal,
    service_dataset,
    service_world,
    visit_as,
)

PENDING = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, 1)
APPROVED = ApprovalState(ApprovalStatus.APPROVED, Workflow.EXTERNAL, 2)
REJECTED = ApprovalState(ApprovalStatus.REJECTED, Workflow.EXTERNAL, 2, "Not ours")


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def costs_dataset() -> Dataset:
    """:func:`service_dataset` with expenses and trips on both sides of the client boundary:
    Acme's project web (shown), app (not in the portal) and Globex's erp; one of web's is not
    billable, one in dollars, one with a receipt, some awaiting the client or decided."""
    expenses = [
        Expense("x1", "web", "eva", day(3), Decimal("120.50"), "EUR", "Train to Utrecht",
                "Travel", receipt=True, internal_note="booked late"),
        Expense("x2", "web", "tom", day(2), Decimal("35"), "USD", "Font licence", "Software"),
        Expense("x3", "web", "lea", day(1), Decimal("12.40"), "EUR", "Lunch", billable=False),
        Expense("x4", "web", "eva", day(1), Decimal("9.99"), "EUR", approval=PENDING),
        Expense("x5", "web", "tom", day(0), Decimal("60"), "EUR", approval=APPROVED),
        Expense("xa", "app", "tom", day(2), Decimal("999"), "EUR", "App store fee"),
        Expense("xg", "erp", "sam", day(2), Decimal("500"), "EUR", "Globex secret"),
    ]  # fmt: skip
    trips = [
        Trip("t1", "web", "eva", day(3), Decimal("42.5"), "Client meeting", "Utrecht",
             "Amsterdam", rate=Decimal("0.23"), internal_note="private car"),
        Trip("t2", "web", "tom", day(2), Decimal("10"), origin="Delft", destination="Leiden"),
        Trip("t3", "web", "eva", day(1), Decimal("5"), rate=Decimal("0.19"), currency="GBP",
             approval=PENDING),
        Trip("t4", "web", "tom", day(0), Decimal("8"), rate=Decimal("0.23"), approval=REJECTED),
        Trip("ta", "app", "tom", day(2), Decimal("77"), "App demo"),
        Trip("tg", "erp", "sam", day(2), Decimal("300"), "Globex secret"),
    ]  # fmt: skip
    data = service_dataset()
    return evolve(
        data,
        employees=(*data.employees, Employee("lea", "Lea")),
        expenses=expenses,
        trips=trips,
    )


COSTS = PortalSettings(
    show_budget=True, approval=True, show_amounts=True, show_expenses=True, show_trips=True
)


def costs_portal(**settings: object) -> Portal:
    return acme_portal(settings=evolve(COSTS, **settings))


def costs_world(portal: Portal | None = None, *, source: object = None) -> ServiceWorld:
    portal = portal or costs_portal()
    data = costs_dataset()
    return service_world(portals=(portal,), data=data, source=source)  # type: ignore[arg-type]


def ids(view: CostsView) -> list[str]:
    return [i.id for i in view.items]


# --------------------------------------------------------------------------------------------------
# A page of each kind


def test_v13_the_expenses_page_shows_the_portals_billable_expenses_with_totals_per_currency() -> (
    None
):
    w = costs_world()
    page = w.service.pages.expenses(costs_portal())
    assert page.kind is ItemKind.EXPENSE
    assert ids(page) == ["x1", "x2", "x4", "x5"]  # newest first; not app's, Globex's, unbilled
    assert page.next is None
    assert page.totals == CostTotals(
        4, Decimal(0), (("EUR", Decimal("190.49")), ("USD", Decimal("35")))
    )
    x1 = page.items[0]
    assert (x1.amount, x1.currency, x1.receipt, x1.category) == (
        Decimal("120.50"), "EUR", True, "Travel"
    )  # fmt: skip
    assert x1.description == "Train to Utrecht"
    assert not hasattr(x1, "internal_note")
    assert page.shown
    assert page.can_approve
    assert [p.id for p in page.projects] == ["web"]


def test_v13_non_billable_expenses_and_descriptions_only_where_the_portal_shows_them() -> None:
    portal = costs_portal(show_non_billable_amounts=True, show_descriptions=False)
    w = costs_world(portal)
    page = w.service.pages.expenses(portal)
    assert ids(page) == ["x1", "x2", "x3", "x4", "x5"]
    assert all(x.description is None for x in page.items)
    assert [x.billable for x in page.items] == [True, True, False, True, True]


def test_v14_trips_always_show_their_distance_and_their_money_only_with_amounts() -> None:
    w = costs_world()
    page = w.service.pages.trips(costs_portal())
    assert ids(page) == ["t1", "t2", "t3", "t4"]
    t1, t2, t3, _ = page.items
    assert (t1.distance, t1.rate, t1.amount, t1.currency) == (
        Decimal("42.5"), Decimal("0.23"), Decimal("9.78"), "EUR"  # the portal's currency
    )  # fmt: skip
    assert (t1.origin, t1.destination, t1.description) == ("Utrecht", "Amsterdam", "Client meeting")
    assert (t2.rate, t2.amount, t2.currency) == (None, None, None)  # no rate: no money
    assert (t3.amount, t3.currency) == (Decimal("0.95"), "GBP")
    assert page.totals == CostTotals(
        4, Decimal("65.5"), (("EUR", Decimal("11.62")), ("GBP", Decimal("0.95")))
    )

    hidden = costs_portal(show_amounts=False, show_descriptions=False)
    page = costs_world(hidden).service.pages.trips(hidden)
    assert ids(page) == ["t1", "t2", "t3", "t4"]
    assert all(t.rate is t.amount is t.currency is None for t in page.items)
    assert all(t.origin is t.destination is t.description is None for t in page.items)
    assert page.totals == CostTotals(4, Decimal("65.5"), ())


def test_a_page_at_a_time_with_the_totals_of_every_match_on_each_page() -> None:
    w = costs_world()
    portal = costs_portal()
    first = w.service.pages.expenses(portal, EntryQuery(limit=3))
    assert ids(first) == ["x1", "x2", "x4"]
    assert first.next_query is not None
    second = w.service.pages.expenses(portal, first.next_query)
    assert ids(second) == ["x5"]
    assert second.next is None
    assert second.next_query is None
    assert first.totals == second.totals
    assert first.totals.count == 4
    # Counted from a cursor on: what the page number is worked out from.
    assert w.service.pages.cost_totals(portal, ItemKind.EXPENSE, first.next_query).count == 1
    assert [x.id for x in w.service.pages.iter_costs(portal, ItemKind.EXPENSE)] == ids(
        w.service.pages.expenses(portal)
    )


def test_the_hours_filters_filter_expenses_and_trips_too() -> None:
    w = costs_world()
    portal = costs_portal()
    by_tom = w.service.pages.expenses(portal, EntryQuery(employee_ids={"tom"}))
    assert ids(by_tom) == ["x2", "x5"]
    assert by_tom.totals.count == 2
    since = w.service.pages.trips(portal, EntryQuery(date_from=day(2)))
    assert ids(since) == ["t1", "t2"]
    waiting = w.service.pages.trips(portal, EntryQuery(statuses={ApprovalStatus.PENDING_EXTERNAL}))
    assert ids(waiting) == ["t3"]
    assert ids(w.service.pages.trips(portal, EntryQuery(project_ids={"app"}))) == []


def test_a_portal_that_hides_a_kind_shows_none_of_it() -> None:
    portal = costs_portal(show_trips=False)
    w = costs_world(portal)
    page = w.service.pages.trips(portal)
    assert (page.items, page.next, page.totals, page.shown) == ((), None, CostTotals(), False)
    assert w.service.pages.expenses(portal).shown
    assert w.service.pages.cost_totals(portal, ItemKind.TRIP) == CostTotals()
    assert list(w.service.pages.iter_costs(portal, ItemKind.TRIP)) == []
    with pytest.raises(ValueError, match=r"EXPENSE or ItemKind\.TRIP"):
        w.service.pages.costs(portal, ItemKind.ENTRY)


def test_a_source_without_expenses_and_trips_gives_empty_pages() -> None:
    data = costs_dataset()
    w = costs_world(source=PagesOnly(MemoryDataSource(data)))
    portal = costs_portal()
    for kind in (ItemKind.EXPENSE, ItemKind.TRIP):
        page = w.service.pages.costs(portal, kind)
        assert (page.items, page.totals) == ((), CostTotals())
        assert page.shown  # the portal shows the kind; the host has none
    overview = w.service.pages.overview(portal)
    assert (overview.expense_totals, overview.trip_totals) == (CostTotals(), CostTotals())
    assert list(w.service.pages.export_expenses_csv(portal))[1:] == []


# --------------------------------------------------------------------------------------------------
# Approvals: the queue and the latest decisions


def test_v10_awaiting_the_client_per_kind_only_where_the_client_approves() -> None:
    w = costs_world()
    portal = costs_portal()
    assert ids(w.service.pages.awaiting_costs(portal, ItemKind.EXPENSE)) == ["x4"]
    trips = w.service.pages.awaiting_costs(portal, ItemKind.TRIP, EntryQuery(employee_ids={"eva"}))
    assert ids(trips) == ["t3"]
    assert trips.totals.count == 1
    quiet = costs_portal(approval=False)
    w = costs_world(quiet)
    assert ids(w.service.pages.awaiting_costs(quiet, ItemKind.EXPENSE)) == []
    assert not w.service.pages.expenses(quiet).can_approve


def test_the_latest_decisions_of_each_kind_newest_first() -> None:
    w = costs_world()
    portal = costs_portal()
    assert ids(w.service.pages.decided_costs(portal, ItemKind.EXPENSE)) == ["x5"]
    decided = w.service.pages.decided_costs(portal, ItemKind.TRIP, limit=5)
    assert ids(decided) == ["t4"]
    assert decided.items[0].status is ApprovalStatus.REJECTED
    assert decided.totals == CostTotals.of(decided.items)
    quiet = costs_portal(approval=False)
    assert ids(costs_world(quiet).service.pages.decided_costs(quiet, ItemKind.TRIP)) == []


def test_decisions_on_expenses_and_trips_show_on_the_next_page() -> None:
    w = costs_world()
    portal = costs_portal()
    visit = visit_as(w.service, "bob")
    assert ids(w.service.pages.awaiting_costs(visit, ItemKind.EXPENSE)) == ["x4"]
    x4, t3 = ItemRef.expense("x4"), ItemRef.trip("t3")
    result = w.service.approvals.client_decide(
        visit, Action.REJECT, [x4, t3], reason="Not agreed", versions={x4: 1, t3: 1}
    )
    assert result.all_applied
    assert ids(w.service.pages.awaiting_costs(portal, ItemKind.EXPENSE)) == []
    assert ids(w.service.pages.decided_costs(portal, ItemKind.EXPENSE)) == ["x4", "x5"]
    assert ids(w.service.pages.decided_costs(portal, ItemKind.TRIP)) == ["t3", "t4"]
    overview = w.service.pages.overview(portal)
    assert (overview.awaiting_expenses, overview.awaiting_trips) == (0, 0)


# --------------------------------------------------------------------------------------------------
# The overview and the filters


def test_the_overview_sums_each_kind_and_counts_what_awaits_the_client() -> None:
    w = costs_world()
    overview = w.service.pages.overview(costs_portal())
    assert (overview.shows_hours, overview.shows_expenses, overview.shows_trips) == (True,) * 3
    assert overview.expense_totals.count == 4
    assert overview.trip_totals.distance == Decimal("65.5")
    assert overview.hours_totals is not None
    assert overview.hours_totals == w.service.pages.hours_totals(costs_portal())
    assert (overview.awaiting_expenses, overview.awaiting_trips) == (1, 1)
    assert overview.awaiting(ItemKind.TRIP) == 1
    assert overview.awaiting_total == overview.awaiting_count + 2
    # A portal of hours alone sums no hours for the overview (it shows no totals).
    hours_only = acme_portal()
    assert costs_world(hours_only).service.pages.overview(hours_only).hours_totals is None


class Counting(MemoryDataSource):
    """The memory source, counting the pages of expenses and trips read and the questions about
    who spent and travelled."""

    def __init__(self, dataset: Dataset) -> None:
        super().__init__(dataset)
        self.calls: Counter[str] = Counter()

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        self.calls["expenses"] += 1
        return super().expenses(scope, query)

    def trips(self, scope: Scope, query: EntryQuery) -> CostPage[Trip]:
        self.calls["trips"] += 1
        return super().trips(scope, query)

    def cost_employee_ids(self, scope: Scope, kind: ItemKind) -> frozenset[str]:
        self.calls["cost_employee_ids"] += 1
        return super().cost_employee_ids(scope, kind)


class CountingWalks(Counting):
    """:class:`Counting` without ``CostEmployees``: the service walks the pages."""

    cost_employee_ids = None  # type: ignore[assignment]


@pytest.mark.parametrize("source", [Counting, CountingWalks], ids=["asked", "walked"])
def test_v8_the_employee_filter_names_who_spent_and_travelled_on_shown_kinds_only(
    source: type[Counting],
) -> None:
    def employees(portal: Portal) -> list[str]:
        choices = costs_world(portal, source=source(costs_dataset())).service.pages.choices(portal)
        return [e.id for e in choices.employees]

    portal = costs_portal()
    choices = costs_world(source=source(costs_dataset())).service.pages.choices(portal)
    # eva, tom: the snapshot; ivo: hours on web; lea: an expense on web only where non-billable
    # expenses show (x3 is not billable), so not here; sam: Globex's only.
    assert [e.id for e in choices.employees] == ["eva", "ivo", "tom"]
    assert (choices.shows_expenses, choices.shows_trips) == (True, True)
    assert choices.shows(ItemKind.EXPENSE)
    assert employees(costs_portal(show_non_billable_amounts=True)) == ["eva", "ivo", "lea", "tom"]
    # ivo logged hours, which are hidden; the portal's snapshot is eva and tom.
    assert employees(costs_portal(show_hours=False)) == ["eva", "tom"]
    # Globex's project selected in Acme's portal shows none of sam's (V2), asked or walked.
    with_erp = evolve(costs_portal(show_non_billable_amounts=True), project_ids={"web", "erp"})
    assert employees(with_erp) == ["eva", "ivo", "lea", "tom"]


def test_v8_a_source_that_says_who_spent_and_travelled_spares_every_page_of_them() -> None:
    portal = costs_portal(show_non_billable_amounts=True)
    asked, walked = Counting(costs_dataset()), CountingWalks(costs_dataset())
    employees = costs_world(portal, source=asked).service.pages.choices(portal).employees
    assert asked.calls == {"cost_employee_ids": 2}  # one question a kind, no page
    assert costs_world(portal, source=walked).service.pages.choices(portal).employees == employees
    assert walked.calls["expenses"] >= 1
    assert walked.calls["trips"] >= 1
    assert "cost_employee_ids" not in walked.calls
    # A portal that shows neither kind asks nothing about them.
    hours_only = acme_portal()
    asked.calls.clear()
    costs_world(hours_only, source=asked).service.pages.choices(hours_only)
    assert asked.calls == {}


def test_the_csv_exports_hold_what_the_pages_show() -> None:
    w = costs_world()
    portal = costs_portal()
    expenses = list(w.service.pages.export_expenses_csv(portal))
    assert len(expenses) == 1 + 4
    assert "Train to Utrecht" in expenses[1]
    assert "booked late" not in "".join(expenses)
    trips = list(w.service.pages.export_trips_csv(portal, EntryQuery(employee_ids={"eva"})))
    assert len(trips) == 1 + 2
    assert "private car" not in "".join(trips)


def test_a_portal_viewed_through_a_visit_is_the_same() -> None:
    w = costs_world()
    visit = visit_as(w.service, "bob")
    assert w.service.pages.expenses(visit) == w.service.pages.expenses(costs_portal())
    assert w.service.pages.trips(visit) == w.service.pages.trips(costs_portal())
