"""The contract kit's checks of expenses and trips catch broken sources: each deliberately wrong
source fails the check meant for its fault, and a source without expenses or trips (or without
who logged them) has those checks skipped, saying why."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import pytest
from attrs import evolve
from hypothesis import Phase, settings

from clientportal.memory import MemoryDataSource
from clientportal.model import Dataset, Expense, ItemKind, Trip
from clientportal.ports import (
    ApprovalStore,
    CostEmployees,
    CostPage,
    CostTotals,
    DataSource,
    EntryCursor,
    EntryQuery,
    ExpenseSource,
    TripSource,
)
from clientportal.ports.costs import PORTAL_CURRENCY
from clientportal.testing.contract import DataSourceContract
from clientportal.visibility import Scope

EXPENSE, TRIP = ItemKind.EXPENSE, ItemKind.TRIP


class IgnoresTheStore(MemoryDataSource):
    def __init__(self, dataset: Dataset, store: ApprovalStore) -> None:
        super().__init__(dataset, None)


class SkipsATripBetweenPages(MemoryDataSource):
    def trips(self, scope: Scope, query: EntryQuery) -> CostPage[Trip]:
        page = super().trips(scope, query)
        if page.next is None or len(page.items) < 2:
            return page
        before_last = page.items[-2]  # the cursor claims the page ended one trip early
        return CostPage(page.items[:-1], EntryCursor(before_last.date, page.items[-1].id))


class IgnoresTheEmployeeFilterOfExpenses(MemoryDataSource):
    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        return super().expenses(scope, evolve(query, employee_ids=frozenset()))


class LosesTheNonBillableExpenses(MemoryDataSource):
    """Leaves out the non-billable expenses even where the portal shows them."""

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        return super().expenses(evolve(scope, non_billable_costs=False), query)


class PricesTripsItShouldNot(MemoryDataSource):
    """Sums the trips' money whether or not the portal shows it."""

    def cost_totals(
        self, scope: Scope, query: EntryQuery, kind: ItemKind
    ) -> Mapping[str, CostTotals]:
        return super().cost_totals(evolve(scope, trip_amounts=True), query, kind)


class PutsTripsInTheWrongCurrency(MemoryDataSource):
    """Sums the money of a trip without a currency in euros, not in the portal's currency."""

    def cost_totals(
        self, scope: Scope, query: EntryQuery, kind: ItemKind
    ) -> Mapping[str, CostTotals]:
        found = super().cost_totals(scope, query, kind)
        return {
            project: evolve(
                totals,
                amounts=tuple(
                    ("EUR" if code == PORTAL_CURRENCY else code, amount)
                    for code, amount in totals.amounts
                ),
            )
            for project, totals in found.items()
        }


class CountsEveryExpenseTwice(MemoryDataSource):
    def cost_totals(
        self, scope: Scope, query: EntryQuery, kind: ItemKind
    ) -> Mapping[str, CostTotals]:
        found = super().cost_totals(scope, query, kind)
        return {p: t + CostTotals(t.count, Decimal(0), ()) for p, t in found.items()}


class HasNoExpenses(MemoryDataSource):
    """A host without expenses: the methods are not there (``None`` hides them from the
    protocol check, as a class without them would)."""

    expenses = None  # type: ignore[assignment]
    expenses_by_id = None  # type: ignore[assignment]


class HasNoCostTotals(MemoryDataSource):
    cost_totals = None  # type: ignore[assignment]


class LosesTheNonBillableEmployees(MemoryDataSource):
    """Names only who logged billable expenses and trips, even where the portal shows the
    others."""

    def cost_employee_ids(self, scope: Scope, kind: ItemKind) -> frozenset[str]:
        return super().cost_employee_ids(evolve(scope, non_billable_costs=False), kind)


class NamesEveryEmployee(MemoryDataSource):
    """Names every employee of the data: more than needed, which only an exact pushdown
    forbids."""

    def cost_employee_ids(self, scope: Scope, kind: ItemKind) -> frozenset[str]:
        return frozenset(e.id for e in self.dataset.employees)


class HasNoCostEmployees(MemoryDataSource):
    cost_employee_ids = None  # type: ignore[assignment]


#: The examples each property runs here, derandomized: the same ones on every run (how many
#: changes which ones). Each broken source fails one of them; the correct one passes them.
EXAMPLES = 100


def contract(kind: type[MemoryDataSource], *, exact: bool = False) -> DataSourceContract:
    class Contract(DataSourceContract):
        exact_pushdown = exact
        # The same examples on every run, in every profile; finding the fault is what counts
        # here, shrinking it would only take time.
        hypothesis_settings = settings(
            max_examples=EXAMPLES,
            derandomize=True,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            database=None,
        )

        def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
            return kind(dataset, store)

    return Contract()


def fails(test: Callable[[], None]) -> None:
    with pytest.raises((AssertionError, BaseExceptionGroup, pytest.fail.Exception)):
        test()


def skips(test: Callable[[], None], because: str) -> None:
    with pytest.raises(pytest.skip.Exception, match=because):
        test()


def test_a_source_that_ignores_the_stores_states_of_expenses_and_trips_fails() -> None:
    broken = contract(IgnoresTheStore)
    for kind in (EXPENSE, TRIP):
        fails(
            lambda kind=kind: (
                broken.test_contract_cost_pages_walk_exactly_the_matching_visible_items(kind)
            )
        )
        fails(
            lambda kind=kind: (
                broken.test_contract_a_cost_status_filter_sees_decisions_made_in_the_store(kind)
            )
        )


def test_a_source_whose_trip_cursor_skips_trips_fails() -> None:
    broken = contract(SkipsATripBetweenPages)
    for limit in (2, 3, 7):
        fails(
            lambda limit=limit: broken.test_contract_cost_pages_of_every_size_walk_every_item_once(
                TRIP, limit
            )
        )
    # Expenses are not broken: their check passes.
    broken.test_contract_cost_pages_of_every_size_walk_every_item_once(EXPENSE, 2)


def test_a_source_that_ignores_a_filter_of_expenses_fails() -> None:
    broken = contract(IgnoresTheEmployeeFilterOfExpenses)
    only_u2 = EntryQuery(employee_ids=frozenset({"u2"}))
    fails(lambda: broken.test_contract_cost_filters(EXPENSE, only_u2))
    broken.test_contract_cost_filters(TRIP, only_u2)


def test_a_source_that_returns_less_than_its_scope_fails() -> None:
    broken = contract(LosesTheNonBillableExpenses)
    fails(lambda: broken.test_contract_cost_filters(EXPENSE, EntryQuery()))


def test_a_source_that_prices_trips_the_portal_shows_without_money_fails() -> None:
    broken = contract(PricesTripsItShouldNot)
    fails(lambda: broken.test_contract_hidden_costs_and_non_billable_ones_are_not_needed(TRIP))


def test_a_source_that_sums_trips_without_a_currency_in_another_one_fails() -> None:
    broken = contract(PutsTripsInTheWrongCurrency)
    fails(lambda: broken.test_contract_cost_filters(TRIP, EntryQuery()))
    broken.test_contract_cost_filters(EXPENSE, EntryQuery())


def test_a_source_whose_expense_totals_are_wrong_fails() -> None:
    broken = contract(CountsEveryExpenseTwice)
    fails(lambda: broken.test_contract_cost_filters(EXPENSE, EntryQuery()))
    fails(
        lambda: broken.test_contract_cost_totals_equal_the_totals_of_the_pure_filters_items(EXPENSE)
    )


def test_a_source_without_expenses_has_their_checks_skipped_and_says_why() -> None:
    without = contract(HasNoExpenses)
    assert not isinstance(HasNoExpenses(Dataset()), ExpenseSource)
    assert isinstance(HasNoExpenses(Dataset()), TripSource)
    because = r"does not implement ExpenseSource \(expenses\(\) and expenses_by_id\(\)\)"
    skips(lambda: without.test_contract_cost_filters(EXPENSE, EntryQuery()), because)
    skips(
        lambda: without.test_contract_cost_pages_walk_exactly_the_matching_visible_items(EXPENSE),
        because,
    )
    without.test_contract_cost_filters(TRIP, EntryQuery())  # the trips are still checked


def test_a_source_without_cost_totals_has_only_the_totals_skipped() -> None:
    without = contract(HasNoCostTotals)
    skips(
        lambda: without.test_contract_cost_totals_equal_the_totals_of_the_pure_filters_items(TRIP),
        r"does not implement CostTotalsSource",
    )
    without.test_contract_cost_filters(TRIP, EntryQuery())


def test_a_source_that_misses_who_logged_non_billable_costs_fails() -> None:
    broken = contract(LosesTheNonBillableEmployees)
    for kind in (EXPENSE, TRIP):
        fails(
            lambda kind=kind: (
                broken.test_contract_cost_employees_follow_the_client_and_the_non_billable_rule(
                    kind
                )
            )
        )


def test_a_source_that_names_more_employees_fails_only_an_exact_pushdown() -> None:
    loose = contract(NamesEveryEmployee)
    loose.test_contract_cost_employees_include_everyone_of_the_visible_items(TRIP)  # passes
    loose.test_contract_cost_employees_follow_the_client_and_the_non_billable_rule(TRIP)
    exact = contract(NamesEveryEmployee, exact=True)
    fails(
        lambda: exact.test_contract_cost_employees_follow_the_client_and_the_non_billable_rule(TRIP)
    )


def test_a_source_without_cost_employees_has_only_their_check_skipped() -> None:
    without = contract(HasNoCostEmployees)
    assert not isinstance(HasNoCostEmployees(Dataset()), CostEmployees)
    skips(
        lambda: without.test_contract_cost_employees_include_everyone_of_the_visible_items(EXPENSE),
        r"does not implement CostEmployees \(cost_employee_ids\(\)\)",
    )
    without.test_contract_cost_filters(EXPENSE, EntryQuery())


def test_the_correct_memory_source_passes_the_same_checks() -> None:
    correct = contract(MemoryDataSource)
    correct.test_contract_cost_pages_walk_exactly_the_matching_visible_items(EXPENSE)
    correct.test_contract_cost_totals_equal_the_totals_of_the_pure_filters_items(TRIP)
    for kind in (EXPENSE, TRIP):
        correct.test_contract_a_cost_status_filter_sees_decisions_made_in_the_store(kind)
        correct.test_contract_hidden_costs_and_non_billable_ones_are_not_needed(kind)
        correct.test_contract_cost_employees_include_everyone_of_the_visible_items(kind)
    exact = contract(MemoryDataSource, exact=True)
    exact.test_contract_cost_employees_include_everyone_of_the_visible_items(EXPENSE)
    exact.test_contract_cost_employees_follow_the_client_and_the_non_billable_rule(TRIP)
