"""Expenses and trips of :class:`~clientportal.memory.MemoryDataSource`: the optional
:class:`~clientportal.ports.ExpenseSource`, :class:`~clientportal.ports.TripSource`,
:class:`~clientportal.ports.CostTotalsSource` and :class:`~clientportal.ports.CostEmployees`
over ``Dataset.expenses`` and ``Dataset.trips``, with the :class:`~clientportal.Scope` pushed
down exactly (V13, V14)."""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from attrs import evolve

from ..model import Dataset, Expense, ItemKind, Project, Trip
from ..ports import ApprovalStore, EntryCursor, EntryQuery, IdOrder, id_sort_key
from ..ports.costs import PORTAL_CURRENCY, CostPage, CostTotals
from ..public import trip_amount
from ..visibility import Scope

__all__ = ["MemoryCostSource"]

_Cost = TypeVar("_Cost", Expense, Trip)


def _order_key(item: Expense | Trip | EntryCursor, order: IdOrder) -> tuple[int, int, str]:
    return (-item.date.toordinal(), *id_sort_key(item.id, order))


class MemoryCostSource:
    """The dataset's expenses and trips, each with the approval state the store holds for it
    under its kind (the dataset's own without one): mixed into
    :class:`~clientportal.memory.MemoryDataSource`, whose dataset, store and projects it uses."""

    dataset: Dataset
    store: ApprovalStore | None
    #: The order of the ids of one day in the pages (the data source's).
    id_order: IdOrder

    def projects(self, scope: Scope) -> Sequence[Project]:
        """The client's projects among the scope's selection (the data source's)."""
        raise NotImplementedError

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        """One page of the scope's expenses matching ``query``, in (date desc, id asc) order."""
        return _page(
            self._costs_matching(self._costs_ordered[0], scope, query, states=True), query.limit
        )

    def expenses_by_id(self, expense_ids: frozenset[str]) -> Sequence[Expense]:
        """The expenses with these ids, by id, with their current approval state."""
        found = sorted((x for x in self.dataset.expenses if x.id in expense_ids), key=_id)
        return list(self._costs_with_states(found))

    def trips(self, scope: Scope, query: EntryQuery) -> CostPage[Trip]:
        """One page of the scope's trips matching ``query``, in (date desc, id asc) order."""
        return _page(
            self._costs_matching(self._costs_ordered[1], scope, query, states=True), query.limit
        )

    def trips_by_id(self, trip_ids: frozenset[str]) -> Sequence[Trip]:
        """The trips with these ids, by id, with their current approval state."""
        found = sorted((t for t in self.dataset.trips if t.id in trip_ids), key=_id)
        return list(self._costs_with_states(found))

    def cost_totals(
        self, scope: Scope, query: EntryQuery, kind: ItemKind
    ) -> Mapping[str, CostTotals]:
        """The totals of the scope's items of ``kind`` matching ``query`` from its cursor on, by
        project (see :class:`~clientportal.ports.CostTotalsSource`), in one pass."""
        found: dict[str, CostTotals] = {}
        for item in self._costs_of(kind, scope, query):
            one = _totals_of(item, scope)
            previous = found.get(item.project_id)
            found[item.project_id] = one if previous is None else previous + one
        return found

    def cost_employee_ids(self, scope: Scope, kind: ItemKind) -> frozenset[str]:
        """Who spent or travelled on the scope's items of ``kind`` (see
        :class:`~clientportal.ports.CostEmployees`): exactly the employees of the items the
        pure rules show."""
        return frozenset(x.employee_id for x in self._costs_of(kind, scope, EntryQuery()))

    # -- what the kinds share ------------------------------------------------------------------

    @functools.cached_property
    def _costs_ordered(self) -> tuple[list[Expense], list[Trip]]:
        """The expenses and the trips in page order."""
        order = self.id_order
        return (
            sorted(self.dataset.expenses, key=lambda x: _order_key(x, order)),
            sorted(self.dataset.trips, key=lambda x: _order_key(x, order)),
        )

    @functools.cached_property
    def _costs_keys(self) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
        """The page-order keys of :attr:`_costs_ordered`, to find a cursor's place at once."""
        order = self.id_order
        expenses, trips = self._costs_ordered
        return ([_order_key(x, order) for x in expenses], [_order_key(x, order) for x in trips])

    def _costs_of(
        self, kind: ItemKind, scope: Scope, query: EntryQuery
    ) -> Iterator[Expense] | Iterator[Trip]:
        """The scope's items of ``kind`` matching ``query``, without their stored states."""
        if kind is ItemKind.EXPENSE:
            return self._costs_matching(self._costs_ordered[0], scope, query, states=False)
        if kind is ItemKind.TRIP:
            return self._costs_matching(self._costs_ordered[1], scope, query, states=False)
        raise ValueError(
            f"cost totals and employees are of expenses or trips, not of {kind!r}: ask "
            "entry_totals for the hours' totals and entry_employee_ids for who logged them"
        )

    def _costs_matching(
        self, ordered: list[_Cost], scope: Scope, query: EntryQuery, *, states: bool
    ) -> Iterator[_Cost]:
        """The scope's items (of ``ordered``) matching ``query`` after its cursor, in page order;
        with the store's approval state when ``states`` (and always when ``query`` filters by
        status)."""
        if not ordered or not (scope.expenses if isinstance(ordered[0], Expense) else scope.trips):
            return iter(())
        projects = frozenset(p.id for p in self.projects(scope))
        if query.project_ids:
            projects &= query.project_ids
        filters = evolve(query, statuses=frozenset())  # a state may yet come from the store
        start = 0
        if query.after is not None:
            keys = self._costs_keys[0 if isinstance(ordered[0], Expense) else 1]
            start = bisect.bisect_right(keys, _order_key(query.after, self.id_order))
        chosen: Iterator[_Cost] = (
            x
            for x in itertools.islice(ordered, start, None)
            if x.project_id in projects
            and (x.billable or scope.non_billable_costs)
            and filters.matches(x)
        )
        if states or query.statuses:
            chosen = self._costs_with_states(chosen)
        if query.statuses:
            chosen = (x for x in chosen if x.approval.status in query.statuses)
        return chosen

    def _costs_with_states(self, items: Iterable[_Cost], batch: int = 256) -> Iterator[_Cost]:
        """``items`` with the store's approval state, looked up ``batch`` at a time."""
        rest = iter(items)
        while chunk := list(itertools.islice(rest, batch)):
            if self.store is None:
                yield from chunk
                continue
            kind = ItemKind.EXPENSE if isinstance(chunk[0], Expense) else ItemKind.TRIP
            stored = self.store.approval_states(frozenset(x.id for x in chunk), kind)
            for x in chunk:
                yield evolve(x, approval=stored[x.id]) if x.id in stored else x


def _id(item: Expense | Trip) -> str:
    return item.id


def _page(items: Iterator[_Cost], limit: int) -> CostPage[_Cost]:
    """The first ``limit`` of ``items``, and a cursor when there are more."""
    page = list(itertools.islice(items, limit + 1))
    if len(page) <= limit:
        return CostPage(items=tuple(page), next=None)
    last = page[limit - 1]
    return CostPage(items=tuple(page[:limit]), next=EntryCursor(last.date, last.id))


def _totals_of(item: Expense | Trip, scope: Scope) -> CostTotals:
    """What one visible item adds to its project's totals."""
    if isinstance(item, Expense):
        return CostTotals(1, Decimal(0), ((item.currency, item.amount),))
    amounts: tuple[tuple[str, Decimal], ...] = ()
    if scope.trip_amounts and item.rate is not None:
        money = trip_amount(item.rate, item.distance)
        amounts = ((item.currency or PORTAL_CURRENCY, money),)
    return CostTotals(1, item.distance, amounts)
