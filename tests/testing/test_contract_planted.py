"""The kit fails each planted bug: a small wrapper around MemoryDataSource plants one fault
(a leak to another client, a broken cursor, a filter ignored by the pages or by the totals, week
seconds of another client...), and the contract's test meant for it, run as a host's would be,
fails. The same tests pass on the correct wrapper, so each failure is the bug's."""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Callable, Mapping

import pytest
from attrs import evolve
from hypothesis import Phase, settings

from clientportal.memory import MemoryDataSource
from clientportal.model import Dataset, ItemKind
from clientportal.ports import (
    ApprovalStore,
    CostTotals,
    DataSource,
    EntryCursor,
    EntryPage,
    EntryQuery,
    IdOrder,
    Totals,
)
from clientportal.testing.contract import DataSourceContract
from clientportal.testing.contract.aggregates import _TOTALS_QUERIES
from clientportal.testing.contract.cost_draws import _SAMPLE_QUERIES as COST_QUERIES
from clientportal.testing.contract.datasource import _SAMPLE_QUERIES as SAMPLE_QUERIES
from clientportal.visibility import Scope

Query = Callable[[EntryQuery], EntryQuery]


class Reference(MemoryDataSource):
    """MemoryDataSource with hours per week too: the correct source every bug is planted in."""

    def entry_week_seconds(
        self, scope: Scope, first: dt.date, last: dt.date
    ) -> Mapping[dt.date, int]:
        weeks: dict[dt.date, int] = collections.Counter()
        if not scope.entries:
            return {}
        for entry in self._matching(scope, EntryQuery(), states=False):
            monday = entry.date - dt.timedelta(days=entry.date.weekday())
            if first <= monday <= last:
                weeks[monday] += entry.seconds
        return dict(weeks)


class IgnoresTheClient(Reference):
    """Shows the selected projects of other clients: a leak in every read."""

    def _visible_project_ids(self, scope: Scope) -> frozenset[str]:
        return frozenset(p.id for p in self.dataset.projects if p.id in scope.project_ids)


class SkipsAnEntryBetweenPages(Reference):
    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        page = super().entries(scope, query)
        if page.next is None or len(page.entries) < 2:
            return page
        before_last = page.entries[-2]  # the cursor claims the page ended one entry early
        return EntryPage(page.entries[:-1], EntryCursor(before_last.date, page.entries[-1].id))


class PagesAsText(Reference):
    """Declares integer ids but pages them as text ("10" before "9"): the reported data loss."""

    def __init__(self, dataset: Dataset, store: ApprovalStore) -> None:
        super().__init__(dataset, store, id_order=IdOrder.TEXT)
        self.id_order = IdOrder.INTEGER


def _without(**blank: object) -> Query:
    return lambda query: evolve(query, **blank)  # type: ignore[arg-type]


#: One planted bug per filter: the query with that filter dropped.
IGNORED = {
    "status": _without(statuses=frozenset()),
    "employee": _without(employee_ids=frozenset()),
    "project": _without(project_ids=frozenset()),
    "date_from": _without(date_from=None),
    "date_to": _without(date_to=None),
    "cursor": _without(after=None),
}


def ignoring_in_pages(name: str) -> type[Reference]:
    class IgnoresAFilter(Reference):
        def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
            return super().entries(scope, IGNORED[name](query))

    return IgnoresAFilter


def ignoring_in_totals(name: str) -> type[Reference]:
    class TotalsIgnoreAFilter(Reference):
        def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
            return super().entry_totals(scope, IGNORED[name](query))

    return TotalsIgnoreAFilter


def ignoring_in_cost_totals(name: str) -> type[Reference]:
    class CostTotalsIgnoreAFilter(Reference):
        def cost_totals(
            self, scope: Scope, query: EntryQuery, kind: ItemKind
        ) -> Mapping[str, CostTotals]:
            return super().cost_totals(scope, IGNORED[name](query), kind)

    return CostTotalsIgnoreAFilter


class WeeksOfEveryClient(Reference):
    """Sums the week seconds of the selected projects whoever's they are."""

    def entry_week_seconds(
        self, scope: Scope, first: dt.date, last: dt.date
    ) -> Mapping[dt.date, int]:
        everyone = frozenset(p.client_id for p in self.dataset.projects)
        found: dict[dt.date, int] = collections.Counter()
        for client in everyone:
            for week, seconds in (
                super().entry_week_seconds(evolve(scope, client_id=client), first, last).items()
            ):
                found[week] += seconds
        return dict(found)


class ForgetsAnEmployee(Reference):
    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        return frozenset(sorted(super().entry_employee_ids(scope))[1:])


#: The examples each property runs here, derandomized: the same ones on every run, in every
#: profile (how many changes which ones). Each planted bug fails one of them, the reference
#: passes them all.
EXAMPLES = 100


def contract(kind: type[MemoryDataSource], ids: IdOrder = IdOrder.TEXT) -> DataSourceContract:
    class Contract(DataSourceContract):
        exact_pushdown = True
        # The same examples on every run (the reference passes exactly those the bugs fail), in
        # every profile; finding the fault is what counts here, shrinking it would take time.
        hypothesis_settings = settings(
            max_examples=EXAMPLES,
            derandomize=True,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            database=None,
        )

        def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
            return kind(dataset, store)

    Contract.ids = ids
    return Contract()


def fails(test: Callable[[], None]) -> None:
    with pytest.raises((AssertionError, BaseExceptionGroup, pytest.fail.Exception)):
        test()


def totals_runs(kit: DataSourceContract) -> list[Callable[[], None]]:
    """Every fixed-sample totals check of ``kit``, each query with and without amounts."""
    return [
        lambda q=q, a=a: kit.test_contract_entry_totals_under_each_filter(q, a)
        for q in _TOTALS_QUERIES
        for a in (True, False)
    ]


def some_fail(runs: list[Callable[[], None]]) -> None:
    """At least one of ``runs`` fails (each planted bug shows under the filter it ignores)."""
    failures = 0
    for run in runs:
        try:
            run()
        except (AssertionError, BaseExceptionGroup):
            failures += 1
    assert failures, "the kit passed a planted bug"


def test_the_reference_passes_every_check_the_bugs_fail() -> None:
    kit = contract(Reference)
    for run in totals_runs(kit):
        run()
    kit.test_contract_entry_totals_equal_the_pure_filters_under_every_filter()
    kit.test_contract_entry_week_seconds_of_the_sample()
    kit.test_contract_entry_week_seconds_equal_the_pure_filters()
    kit.test_contract_entry_employees_of_the_sample()
    kit.test_contract_pages_of_every_size_walk_every_entry_once(3)
    contract(Reference, IdOrder.INTEGER).test_contract_pages_of_every_size_walk_every_entry_once(3)


def test_a_leak_to_another_client_fails() -> None:
    kit = contract(IgnoresTheClient)
    fails(kit.test_contract_an_exact_pushdown_returns_nothing_outside_the_scope)
    some_fail(totals_runs(kit))
    fails(kit.test_contract_entry_employees_of_the_sample)


def test_a_broken_cursor_fails() -> None:
    kit = contract(SkipsAnEntryBetweenPages)
    fails(lambda: kit.test_contract_pages_of_every_size_walk_every_entry_once(3))
    fails(kit.test_contract_pages_concatenate_to_exactly_the_matching_visible_entries)


def test_integer_ids_paged_as_text_fail() -> None:
    kit = contract(PagesAsText, IdOrder.INTEGER)
    fails(lambda: kit.test_contract_pages_of_every_size_walk_every_entry_once(3))
    fails(kit.test_contract_pages_concatenate_to_exactly_the_matching_visible_entries)


@pytest.mark.parametrize("name", sorted(IGNORED))
def test_pages_ignoring_a_filter_fail(name: str) -> None:
    kit = contract(ignoring_in_pages(name))
    some_fail([lambda q=q: kit.test_contract_each_filter(q) for q in SAMPLE_QUERIES])


@pytest.mark.parametrize("name", sorted(IGNORED))
def test_totals_ignoring_a_filter_fail(name: str) -> None:
    kit = contract(ignoring_in_totals(name))
    some_fail(totals_runs(kit))


def test_totals_ignoring_the_status_filter_fail_the_property_too() -> None:
    """The issue's bug: totals that ignore the status filter passed all 30 kit tests."""
    kit = contract(ignoring_in_totals("status"))
    fails(kit.test_contract_entry_totals_equal_the_pure_filters_under_every_filter)


@pytest.mark.parametrize("name", sorted(IGNORED))
@pytest.mark.parametrize("kind", [ItemKind.EXPENSE, ItemKind.TRIP], ids=lambda k: k.value)
def test_cost_totals_ignoring_a_filter_fail(name: str, kind: ItemKind) -> None:
    kit = contract(ignoring_in_cost_totals(name))
    some_fail([lambda q=q: kit.test_contract_cost_filters(kind, q) for q in COST_QUERIES])


def test_week_seconds_of_another_client_fail() -> None:
    kit = contract(WeeksOfEveryClient)
    fails(kit.test_contract_entry_week_seconds_of_the_sample)
    fails(kit.test_contract_entry_week_seconds_equal_the_pure_filters)


def test_employees_missing_someone_fail() -> None:
    kit = contract(ForgetsAnEmployee)
    fails(kit.test_contract_entry_employees_of_the_sample)
    fails(kit.test_contract_entry_employees_include_everyone_of_the_visible_entries)
