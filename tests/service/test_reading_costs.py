"""Reading expenses and trips (``service/costs_reading.py``): whatever a source returns, only what
the pure rules show comes out, each once, in order, with cursors that move on; a source's sums
(``CostTotalsSource``) are asked only about the visible projects, checked, and equal to the sums
of the pages; money summed without a currency is the portal's. So are who spent and travelled
(``CostEmployees``): asked about the visible projects, checked, and found by the pages without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from clientportal import (
    DataSourceError,
    Expense,
    ItemKind,
    MemoryDataSource,
    MemoryStore,
    Trip,
)
from clientportal.memory import ManualClock
from clientportal.ports import (
    CostPage,
    CostTotals,
    CostTotalsSource,
    EntryCursor,
    EntryQuery,
    ExpenseSource,
)
from clientportal.service import PortalService
from clientportal.service.costs_reading import CostReader
from clientportal.service.reading import PortalReader
from clientportal.testing.strategies import policies, portals, worlds
from clientportal.visibility import Scope
from worlds import EXTERNAL, MAIL, SECRET, T0, PagesOnly

from .test_pages_costs import costs_dataset, costs_portal

EXAMPLES = min(settings().max_examples, 200)


class Source(MemoryDataSource):
    """The memory source, with its expenses' pages and its sums replaceable per test."""

    pages: Any = None
    sums: Any = None
    asked: list[Scope]

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        if self.pages is not None:
            return self.pages(scope, query)  # type: ignore[no-any-return]
        return super().expenses(scope, query)

    def cost_totals(
        self, scope: Scope, query: EntryQuery, kind: ItemKind
    ) -> Mapping[str, CostTotals]:
        self.asked = [*getattr(self, "asked", []), scope]
        if self.sums is not None:
            return self.sums  # type: ignore[no-any-return]
        return super().cost_totals(scope, query, kind)

    employees: Any = None

    def cost_employee_ids(self, scope: Scope, kind: ItemKind) -> frozenset[str]:
        self.asked = [*getattr(self, "asked", []), scope]
        if self.employees is not None:
            return self.employees  # type: ignore[no-any-return]
        return super().cost_employee_ids(scope, kind)


class NoSums(PagesOnly):
    """A source with expenses and trips but no sums of them: the reader walks their pages."""

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        return self.source.expenses(scope, query)  # type: ignore[attr-defined, no-any-return]

    def expenses_by_id(self, expense_ids: frozenset[str]) -> list[Expense]:
        return list(self.source.expenses_by_id(expense_ids))  # type: ignore[attr-defined]

    def trips(self, scope: Scope, query: EntryQuery) -> CostPage[Trip]:
        return self.source.trips(scope, query)  # type: ignore[attr-defined, no-any-return]

    def trips_by_id(self, trip_ids: frozenset[str]) -> list[Trip]:
        return list(self.source.trips_by_id(trip_ids))  # type: ignore[attr-defined]


def reader(source: Any) -> CostReader:
    return CostReader(source, PortalReader(source, EXTERNAL))


def test_the_optional_parts_are_found_on_the_source() -> None:
    source = Source(costs_dataset())
    assert isinstance(source, ExpenseSource)
    assert isinstance(source, CostTotalsSource)
    assert reader(source).offers(ItemKind.TRIP)
    assert not reader(PagesOnly(source)).offers(ItemKind.EXPENSE)


def test_a_page_keeps_only_visible_items_each_once_in_order() -> None:
    source = Source(costs_dataset())
    everything = costs_dataset().expenses

    def leaky(scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        # Every expense of every client after the cursor, twice, in page order, and a trip.
        trip = costs_dataset().trips[0]
        after = [x for x in everything if query.is_after_cursor(x)]
        twice = sorted((*after, *after), key=lambda x: (-x.date.toordinal(), x.id))
        return CostPage((trip, *twice), None)  # type: ignore[arg-type]

    source.pages = leaky
    items, cursor = reader(source).page(costs_portal(), ItemKind.EXPENSE, EntryQuery(limit=2))
    assert [x.id for x in items] == ["x1", "x2"]
    assert cursor == EntryCursor(items[-1].date, "x2")  # cut short by the reader: more follow
    rest, cursor = reader(source).page(
        costs_portal(), ItemKind.EXPENSE, EntryQuery(limit=10, after=cursor)
    )
    assert [x.id for x in rest] == ["x4", "x5"]
    assert cursor is None


def test_a_source_that_answers_no_page_is_named() -> None:
    source = Source(costs_dataset())
    source.pages = lambda scope, query: list(costs_dataset().expenses)
    with pytest.raises(DataSourceError, match=r"expenses\(\) returned a list"):
        reader(source).page(costs_portal(), ItemKind.EXPENSE, EntryQuery())


def test_a_next_cursor_that_goes_back_is_refused() -> None:
    source = Source(costs_dataset())
    x5 = costs_dataset().expenses[4]
    back = EntryCursor(x5.date.replace(year=x5.date.year + 1), "x0")
    source.pages = lambda scope, query: CostPage((), back)
    query = EntryQuery(after=EntryCursor(x5.date, "x5"))
    with pytest.raises(DataSourceError, match="does not come after the query's cursor"):
        reader(source).page(costs_portal(), ItemKind.EXPENSE, query)
    source.pages = lambda scope, query: CostPage((), "x5")
    with pytest.raises(DataSourceError, match="must be an EntryCursor or None"):
        reader(source).page(costs_portal(), ItemKind.EXPENSE, EntryQuery())


def test_a_sources_sums_are_asked_for_visible_projects_and_other_projects_are_dropped() -> None:
    source = Source(costs_dataset())
    source.sums = {
        "web": CostTotals(2, Decimal(0), (("EUR", Decimal("10")),)),
        "erp": CostTotals(9, Decimal(0), (("EUR", Decimal("999")),)),  # Globex's: never shown
    }
    totals = reader(source).totals(costs_portal(), ItemKind.EXPENSE, EntryQuery())
    assert totals == CostTotals(2, Decimal(0), (("EUR", Decimal("10")),))
    assert source.asked[-1].project_ids == frozenset({"web"})


def test_v14_a_sources_trip_money_is_dropped_where_the_portal_hides_amounts() -> None:
    source = Source(costs_dataset())
    source.sums = {"web": CostTotals(1, Decimal("4"), (("EUR", Decimal("0.92")),))}
    hidden = costs_portal(show_amounts=False)
    assert reader(source).totals(hidden, ItemKind.TRIP, EntryQuery()) == CostTotals(
        1, Decimal("4"), ()
    )


def test_money_summed_without_a_currency_is_in_the_portals() -> None:
    source = Source(costs_dataset())
    source.sums = {
        "web": CostTotals(2, Decimal("9"), (("", Decimal("1")), ("EUR", Decimal("2")))),
    }
    totals = reader(source).totals(costs_portal(), ItemKind.TRIP, EntryQuery())
    assert totals.amounts == (("EUR", Decimal("3")),)


@pytest.mark.parametrize(
    ("sums", "problem"),
    [
        ([], "must return a mapping"),
        ({"web": (1, 2)}, "must map each project id to a CostTotals"),
        ({"web": CostTotals(-1)}, "count must be a whole number >= 0"),
        ({"web": CostTotals(1, Decimal("-2"))}, "distance must be a Decimal >= 0"),
        ({"web": CostTotals(1, Decimal("2"))}, "expenses have no distance"),
        ({"web": CostTotals(1, Decimal(0), (("EUR", Decimal("-1")),))}, "Decimal >= 0"),
        ({"web": CostTotals(1, Decimal(0), (("EUR", 5),))}, "(currency, Decimal >= 0)"),
        ({"web": CostTotals(0, Decimal(0), (("EUR", Decimal(5)),))}, "count is 0 but"),
    ],
)
def test_impossible_sums_of_a_source_are_refused_with_what_to_do(sums: Any, problem: str) -> None:
    source = Source(costs_dataset())
    source.sums = sums
    with pytest.raises(DataSourceError) as refused:
        reader(source).totals(costs_portal(), ItemKind.EXPENSE, EntryQuery())
    assert problem in str(refused.value)
    assert "cost_totals()" in str(refused.value)


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_a_sources_sums_equal_the_sums_of_its_pages(data: st.DataObject) -> None:
    world = data.draw(worlds())
    portal = data.draw(portals(world))
    policy = data.draw(policies())
    query = EntryQuery(
        employee_ids=data.draw(st.frozensets(st.sampled_from(["u0", "u1", "u2"]), max_size=2)),
        limit=data.draw(st.integers(1, 4)),
    )
    store = MemoryStore([portal])
    summing = PortalService(
        MemoryDataSource(world, store), store, mail=MAIL, secret_keys=[SECRET],
        clock=ManualClock(T0), policy=policy,
    )  # fmt: skip
    walking = PortalService(
        NoSums(MemoryDataSource(world, store)), store, mail=MAIL, secret_keys=[SECRET],
        clock=ManualClock(T0), policy=policy,
    )  # fmt: skip
    for kind in (ItemKind.EXPENSE, ItemKind.TRIP):
        summed = summing.pages.cost_totals(portal, kind, query)
        assert summed == walking.pages.cost_totals(portal, kind, query)
        assert summed == CostTotals.of(summing.pages.iter_costs(portal, kind, query))


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        reader(Source(costs_dataset())).shows(costs_portal(), ItemKind.ENTRY)


def test_a_trip_of_another_kind_in_an_expense_page_is_not_shown() -> None:
    source = Source(costs_dataset())
    trip: Trip = costs_dataset().trips[0]
    source.pages = lambda scope, query: CostPage((trip,), None)  # type: ignore[arg-type]
    items, _ = reader(source).page(costs_portal(), ItemKind.EXPENSE, EntryQuery())
    assert items == ()


def test_who_spent_is_asked_about_the_visible_projects_only_without_reading_a_page() -> None:
    source = Source(costs_dataset())
    source.pages = lambda scope, query: pytest.fail("no page of expenses is needed")
    with_erp = evolve(costs_portal(), project_ids=frozenset({"web", "erp"}))
    found = reader(source).employee_ids(with_erp, ItemKind.EXPENSE)
    assert found == {"eva", "tom"}  # web's billable expenses; lea's is not billable
    assert source.asked[-1].project_ids == frozenset({"web"})  # not Globex's erp


def test_who_spent_is_the_same_asked_or_found_by_the_pages() -> None:
    source = Source(costs_dataset())
    for portal in (costs_portal(), costs_portal(show_non_billable_amounts=True)):
        for kind in (ItemKind.EXPENSE, ItemKind.TRIP):
            asked = reader(source).employee_ids(portal, kind)
            assert asked == reader(NoSums(source)).employee_ids(portal, kind)
            assert asked


def test_who_spent_is_not_asked_where_the_portal_hides_the_kind() -> None:
    source = Source(costs_dataset())
    source.employees = frozenset({"sam"})
    hidden = costs_portal(show_expenses=False)
    assert reader(source).employee_ids(hidden, ItemKind.EXPENSE) == frozenset()
    assert not getattr(source, "asked", [])


@pytest.mark.parametrize("answer", [["eva"], "eva", frozenset({1}), 42])
def test_an_answer_about_who_spent_that_is_no_set_of_ids_is_refused(answer: Any) -> None:
    source = Source(costs_dataset())
    source.employees = answer
    with pytest.raises(DataSourceError, match=r"cost_employee_ids\(\) returned .* frozenset"):
        reader(source).employee_ids(costs_portal(), ItemKind.TRIP)
