"""The contract of a :class:`~clientportal.ports.DataSource`'s optional parts for expenses and
trips (:class:`~clientportal.ports.ExpenseSource`, :class:`~clientportal.ports.TripSource`,
:class:`~clientportal.ports.CostTotalsSource`, :class:`~clientportal.ports.CostEmployees`), part
of :class:`~clientportal.testing.contract.DataSourceContract`.

A source that does not implement a part has its checks skipped, each saying which part is
missing: a host without expenses (or trips) says so by leaving the methods out. Each part is
checked as the entries are: pages concatenate, in (date desc, id asc) order and with cursors
that name their last item, to exactly the matching items the pure filter shows (V13, V14), with
the approval state the store holds under the item's kind; totals equal
:meth:`CostTotals.of <clientportal.ports.CostTotals.of>` of the pure filter's records; and who
spent or travelled includes everyone of the pure filter's items (exactly them, for an exact
pushdown).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from typing import Any

import attrs
import pytest
from attrs import evolve
from hypothesis import strategies as st

from ...model import (
    ApprovalPolicy,
    ApprovalStatus,
    Dataset,
    ItemKind,
    Portal,
)
from ...ports import (
    ApprovalStore,
    CostEmployees,
    CostPage,
    CostTotals,
    CostTotalsSource,
    DataSource,
    EntryCursor,
    EntryQuery,
    ExpenseSource,
    TripSource,
    id_order_of,
)
from ...public import PortalExpense, PortalTrip
from ...visibility import Scope, portal_view
from ...workflow import Action
from ..missing import Missing
from ..strategies import policies
from .cost_draws import (
    _SAMPLE_QUERIES,
    Cost,
    _cost_portal,
    _cost_queries,
    _items,
    _move_on,
    _sample_query_id,
    _some_of,
    _with_states,
    cost_sample,
)
from .ids import Kind, Renumbering
from .samples import (
    _APPROVING,
    _CLIENT,
    _EVERYTHING,
    _sample_portal,
    _step,
)
from .source_base import SourceContractBase

__all__ = ["CostSourceContract", "all_costs"]

_KINDS = (ItemKind.EXPENSE, ItemKind.TRIP)
_NAMES: dict[ItemKind, Kind] = {ItemKind.EXPENSE: "expense", ItemKind.TRIP: "trip"}
_MISSING = {ItemKind.EXPENSE: Missing.EXPENSES, ItemKind.TRIP: Missing.TRIPS}
_PARTS: dict[ItemKind, tuple[type[Any], str]] = {
    ItemKind.EXPENSE: (ExpenseSource, "expenses() and expenses_by_id()"),
    ItemKind.TRIP: (TripSource, "trips() and trips_by_id()"),
}
#: The sample portal with every kind of item shown, non-billable ones too, in pounds (so that
#: the trips without a currency of their own are in none of the others').
_SHOWING_COSTS = _sample_portal(
    **_EVERYTHING,
    show_expenses=True,
    show_trips=True,
    show_non_billable_amounts=True,
    currency="GBP",
)


def all_costs(
    source: DataSource, scope: Scope, kind: ItemKind, query: EntryQuery | None = None
) -> list[Cost]:
    """Every expense (or trip) ``source`` returns for ``scope`` and ``query``, page after page.

    Fails the test when a page is longer than the limit, a cursor is not the page's last item,
    or the pages never end.
    """
    query = query or EntryQuery()
    read: Callable[[Scope, EntryQuery], object] = (
        source.expenses if kind is ItemKind.EXPENSE else source.trips  # type: ignore[attr-defined]
    )
    found: list[Cost] = []
    for _ in range(100_000):
        page = read(scope, query)
        assert isinstance(page, CostPage), f"{kind.value}s must come as a CostPage, got {page!r}"
        assert len(page.items) <= query.limit, (
            f"a page holds {len(page.items)} {kind.value}s, more than the limit {query.limit}"
        )
        found.extend(page.items)
        if page.next is None:
            return found
        assert page.items, "a page with a next cursor must not be empty"
        assert page.next != query.after, (
            f"the next cursor {page.next!r} is the one the page was asked from: it never moves on"
        )
        last = page.items[-1]
        assert page.next == EntryCursor(last.date, last.id), (
            f"the next cursor {page.next!r} is not the page's last item ({last.date}, {last.id})"
        )
        query = evolve(query, after=page.next)
    raise AssertionError("the pages never ended (a cursor that does not move on?)")


def _pure(
    portal: Portal, dataset: Dataset, policy: ApprovalPolicy | None, kind: ItemKind
) -> tuple[PortalExpense | PortalTrip, ...]:
    """What the pure filter shows of ``kind`` (the oracle), in page order."""
    view = portal_view(portal, dataset, policy)
    return view.expenses if kind is ItemKind.EXPENSE else view.trips


def _shown(item: Cost) -> tuple[Any, ...]:
    """An item as it must read back (its internal note aside: a host need not carry it)."""
    return attrs.astuple(evolve(item, internal_note=None), recurse=False)


class CostSourceContract(SourceContractBase):
    """The checks of expenses and trips, mixed into
    :class:`~clientportal.testing.contract.DataSourceContract` (which says how to build the
    source under test, and how many examples the properties run)."""

    def _cost_sample(self, dataset: Dataset | None = None) -> tuple[Dataset, Renumbering]:
        """:func:`cost_sample` (or ``dataset``) as the host holds it, in its ids."""
        held = self._held(cost_sample() if dataset is None else dataset)
        ids = self._renumbering(held)
        return ids.dataset(held), ids

    def _cost_case(
        self, data: st.DataObject, kind: ItemKind
    ) -> tuple[Dataset, Portal, ApprovalPolicy | None, EntryQuery]:
        """A world with items of ``kind``, a portal showing them, a policy and a query, in the
        host's ids."""
        world = data.draw(self._worlds(max_entries=2, min_costs=1, max_costs=12), label="world")
        portal = _cost_portal(data, world, kind)
        policy = data.draw(st.none() | policies(), label="policy")
        query = data.draw(_cost_queries(_items(world, kind), portal), label="query")
        ids = self._renumbering(world)
        return ids.dataset(world), ids.portal(portal), policy, ids.query(query, _NAMES[kind])

    def _in_order(self, source: DataSource, items: Iterable[Cost]) -> list[str]:
        """The ids of ``items`` in the order ``source``'s pages must give them."""
        return [i.id for i in sorted(items, key=self._order_key(source))]

    def _part(self, kind: ItemKind, dataset: Dataset) -> tuple[DataSource, ApprovalStore]:
        """The source under test over ``dataset``, and its store; the test is skipped when the
        host cannot hold the kind, or its source does not implement the part for ``kind``."""
        self._needs(_MISSING[kind])
        source, store = self._build(dataset)
        port, methods = _PARTS[kind]
        if not isinstance(source, port):
            pytest.skip(
                f"the source does not implement {port.__name__} ({methods}): it has no "
                f"{kind.value}s, so their checks do not apply"
            )
        return source, store

    def _totals_part(self, kind: ItemKind, dataset: Dataset) -> tuple[Any, ApprovalStore]:
        source, store = self._part(kind, dataset)
        if not isinstance(source, CostTotalsSource):
            pytest.skip(
                "the source does not implement CostTotalsSource (cost_totals()): the service "
                f"sums the {kind.value}s page by page"
            )
        return source, store

    def _employees_part(self, kind: ItemKind, dataset: Dataset) -> tuple[Any, ApprovalStore]:
        source, store = self._part(kind, dataset)
        if not isinstance(source, CostEmployees):
            pytest.skip(
                "the source does not implement CostEmployees (cost_employee_ids()): the service "
                f"finds who logged the {kind.value}s by reading their pages"
            )
        return source, store

    # -- the properties ------------------------------------------------------------------------

    @pytest.mark.parametrize("kind", _KINDS, ids=lambda k: k.value)
    def test_contract_cost_pages_walk_exactly_the_matching_visible_items(
        self, kind: ItemKind
    ) -> None:
        self._part(kind, self._cost_sample()[0])

        def check(data: st.DataObject) -> None:
            world, portal, policy, query = self._cost_case(data, kind)
            source, store = self._part(kind, world)
            changed = data.draw(_some_of(_items(world, kind)), label="changed")
            states = _move_on(store, kind, changed)
            effective = _with_states(world, kind, states)
            self._check_items(source, effective, portal, policy, kind, query, data)
            unknown = Renumbering(world, self.ids).id(_NAMES[kind], "z-none")
            wanted = frozenset(states) | {i.id for i in _items(world, kind)[::2]} | {unknown}
            self._check_by_id(source, effective, kind, wanted)

        self._run(check)

    @pytest.mark.parametrize("kind", _KINDS, ids=lambda k: k.value)
    def test_contract_cost_totals_equal_the_totals_of_the_pure_filters_items(
        self, kind: ItemKind
    ) -> None:
        self._totals_part(kind, self._cost_sample()[0])

        def check(data: st.DataObject) -> None:
            world, portal, policy, query = self._cost_case(data, kind)
            source, store = self._totals_part(kind, world)
            changed = data.draw(_some_of(_items(world, kind)), label="changed")
            effective = _with_states(world, kind, _move_on(store, kind, changed))
            pure = _pure(portal, effective, policy, kind)
            if data.draw(st.booleans(), label="from a cursor on") and len(pure) > 0:
                at = data.draw(st.sampled_from(pure), label="cursor")
                query = evolve(query, after=EntryCursor(at.date, at.id))
            _check_totals(source, effective, portal, policy, kind, query)

        self._run(check)

    @pytest.mark.parametrize("kind", _KINDS, ids=lambda k: k.value)
    def test_contract_cost_employees_include_everyone_of_the_visible_items(
        self, kind: ItemKind
    ) -> None:
        self._employees_part(kind, self._cost_sample()[0])

        def check(data: st.DataObject) -> None:
            world, portal, policy, _ = self._cost_case(data, kind)
            source, _ = self._employees_part(kind, world)
            items = {i.id: i for i in _items(world, kind)}
            logged = {items[x.id].employee_id for x in _pure(portal, world, policy, kind)}
            found = source.cost_employee_ids(Scope.of(portal, policy), kind)
            assert isinstance(found, AbstractSet), (
                f"cost_employee_ids() must return a frozenset, got {found!r}"
            )
            assert found >= logged, (
                f"cost_employee_ids() misses who logged visible {kind.value}s: "
                f"{sorted(logged - found)}"
            )
            if self.exact_pushdown:
                assert found == logged, f"cost_employee_ids() holds others: {found - logged}"
                hides = (
                    evolve(portal.settings, show_expenses=False)
                    if kind is ItemKind.EXPENSE
                    else evolve(portal.settings, show_trips=False)
                )
                hidden = evolve(portal, settings=hides)
                nobody = source.cost_employee_ids(Scope.of(hidden, policy), kind)
                assert nobody == frozenset(), f"a portal hiding {kind.value}s needs none: {nobody}"

        self._run(check)

    # -- each filter on a fixed world ----------------------------------------------------------

    @pytest.mark.parametrize("kind", _KINDS, ids=lambda k: k.value)
    def test_contract_cost_employees_follow_the_client_and_the_non_billable_rule(
        self, kind: ItemKind
    ) -> None:
        """u3 logged items of another client's project (selected all the same) and one
        non-billable item of p1 only: named only where the portal shows non-billable items (an
        exact pushdown names exactly who logged the visible items)."""
        dataset, ids = self._cost_sample(_one_non_billable_employee(cost_sample()))
        source, _ = self._employees_part(kind, dataset)
        items = {i.id: i for i in _items(dataset, kind)}
        portals = (_sample_portal(show_expenses=True, show_trips=True), _SHOWING_COSTS)
        for portal in map(ids.portal, portals):
            logged = {items[x.id].employee_id for x in _pure(portal, dataset, _APPROVING, kind)}
            found = source.cost_employee_ids(Scope.of(portal, _APPROVING), kind)
            assert found >= logged, (
                f"cost_employee_ids() misses who logged visible {kind.value}s: "
                f"{sorted(logged - found)}"
            )
            if self.exact_pushdown:
                assert found == logged, f"cost_employee_ids() holds others: {found - logged}"
        assert ids.id("employee", "u3") in logged, (
            "the sample shows u3's non-billable item where non-billable show"
        )

    @pytest.mark.parametrize("query", _SAMPLE_QUERIES, ids=_sample_query_id)
    @pytest.mark.parametrize("kind", _KINDS, ids=lambda k: k.value)
    def test_contract_cost_filters(self, kind: ItemKind, query: EntryQuery) -> None:
        dataset, ids = self._cost_sample()
        source, _ = self._part(kind, dataset)
        foreign = "p3" in query.project_ids  # p3 is another client's
        query, portal = ids.query(query, _NAMES[kind]), ids.portal(_SHOWING_COSTS)
        scope = Scope.of(portal, _APPROVING)
        items = {i.id: i for i in _items(dataset, kind)}
        order = id_order_of(source)
        expected = self._in_order(
            source,
            (
                items[x.id]
                for x in _pure(portal, dataset, _APPROVING, kind)
                if query.matches(items[x.id]) and query.is_after_cursor(items[x.id], order)
            ),
        )
        if query.after is None and not foreign:
            assert expected, "the sample shows something for each filter"
        got = [i.id for i in all_costs(source, scope, kind, query)]
        wanted = set(expected)
        assert [i for i in got if i in wanted] == expected
        visible = {p.id for p in dataset.projects if scope.shows_project(p)}
        extra = [i for i in got if i not in wanted and items[i].project_id in visible]
        assert not extra, f"{kind.value}s outside the query's filters came back: {extra}"
        if self.exact_pushdown:
            assert got == expected
        if isinstance(source, CostTotalsSource):
            _check_totals(source, dataset, portal, _APPROVING, kind, query)

    @pytest.mark.parametrize("limit", [1, 2, 3, 7, 100])
    @pytest.mark.parametrize("kind", _KINDS, ids=lambda k: k.value)
    def test_contract_cost_pages_of_every_size_walk_every_item_once(
        self, kind: ItemKind, limit: int
    ) -> None:
        dataset, ids = self._cost_sample()
        source, _ = self._part(kind, dataset)
        portal = ids.portal(_SHOWING_COSTS)
        scope = Scope.of(portal, _APPROVING)
        items = {i.id: i for i in _items(dataset, kind)}
        expected = self._in_order(
            source, (items[x.id] for x in _pure(portal, dataset, _APPROVING, kind))
        )
        visible = {p.id for p in dataset.projects if scope.shows_project(p)}
        got = [i.id for i in all_costs(source, scope, kind, EntryQuery(limit=limit))]
        assert [i for i in got if items[i].project_id in visible] == expected
        assert len(expected) > limit or limit == 100

    @pytest.mark.parametrize("kind", _KINDS, ids=lambda k: k.value)
    def test_contract_hidden_costs_and_non_billable_ones_are_not_needed(
        self, kind: ItemKind
    ) -> None:
        """A portal that hides the kind needs none of its items, one that hides non-billable
        amounts none of the non-billable ones; an exact pushdown returns none."""
        dataset, ids = self._cost_sample()
        source, _ = self._part(kind, dataset)
        billable_only = ids.portal(_sample_portal(show_expenses=True, show_trips=True))
        shown = {x.id for x in _pure(billable_only, dataset, _APPROVING, kind)}
        got = {i.id for i in all_costs(source, Scope.of(billable_only, _APPROVING), kind)}
        assert got >= shown
        assert shown, "the sample shows billable items"
        if isinstance(source, CostTotalsSource):  # a trip's money only with amounts shown
            _check_totals(source, dataset, billable_only, _APPROVING, kind, EntryQuery())
        if self.exact_pushdown:
            assert got == shown
            hidden = Scope.of(ids.portal(_sample_portal()), _APPROVING)
            assert all_costs(source, hidden, kind) == []

    @pytest.mark.parametrize("kind", _KINDS, ids=lambda k: k.value)
    def test_contract_a_cost_status_filter_sees_decisions_made_in_the_store(
        self, kind: ItemKind
    ) -> None:
        dataset, ids = self._cost_sample()
        source, store = self._part(kind, dataset)
        scope = Scope.of(ids.portal(_SHOWING_COSTS), _APPROVING)
        waiting = EntryQuery(statuses=frozenset({ApprovalStatus.PENDING_EXTERNAL}))
        before = [i.id for i in all_costs(source, scope, kind, waiting)]
        assert before, "the sample has items awaiting the client"
        target = next(i for i in _items(dataset, kind) if i.id == before[0])
        decided = evolve(_step(target.id, target.approval, Action.APPROVE, _CLIENT), kind=kind)
        store.apply_changes([decided])
        assert [i.id for i in all_costs(source, scope, kind, waiting)] == before[1:]
        approved = EntryQuery(statuses=frozenset({ApprovalStatus.APPROVED}))
        assert target.id in {i.id for i in all_costs(source, scope, kind, approved)}
        self._check_by_id(
            source, _with_states(dataset, kind, {target.id: decided.state}), kind, {target.id}
        )

    # -- the shared checks ---------------------------------------------------------------------

    def _check_items(
        self,
        source: DataSource,
        dataset: Dataset,
        portal: Portal,
        policy: ApprovalPolicy | None,
        kind: ItemKind,
        query: EntryQuery,
        data: st.DataObject,
    ) -> None:
        scope = Scope.of(portal, policy)
        by_id = {i.id: i for i in _items(dataset, kind)}
        expected = self._in_order(
            source,
            (
                by_id[x.id]
                for x in _pure(portal, dataset, policy, kind)
                if query.matches(by_id[x.id])
            ),
        )
        most = max(1, len(expected) - 1)
        query = evolve(query, limit=data.draw(st.integers(1, min(most, 7)), label="page size"))
        got = all_costs(source, scope, kind, query)
        ids = [i.id for i in got]
        assert len(set(ids)) == len(ids), f"a {kind.value} came twice: {ids}"
        keys = [self._order_key(source)(i) for i in got]
        assert keys == sorted(keys), f"{kind.value}s are not in (date desc, id asc) order: {ids}"
        for item in got:
            assert item.id in by_id, f"{kind.value} {item.id!r} is not in the data"
            assert _shown(item) == _shown(by_id[item.id]), (
                f"{kind.value} {item.id!r} differs from the data: {item!r} != {by_id[item.id]!r}"
            )
            assert query.matches(item), f"{kind.value} {item.id!r} does not match {query!r}"
        visible = {p.id for p in dataset.projects if scope.shows_project(p)}
        kept = [i.id for i in got if scope.shows_cost(i, frozenset(visible))]
        assert kept == expected, f"the {kind.value}s differ from the pure filter's"
        if self.exact_pushdown:
            assert ids == expected, f"{kind.value}s outside the scope came back"

    def _check_by_id(
        self, source: DataSource, dataset: Dataset, kind: ItemKind, ids: Iterable[str]
    ) -> None:
        wanted = frozenset(ids)
        read = source.expenses_by_id if kind is ItemKind.EXPENSE else source.trips_by_id  # type: ignore[attr-defined]
        got = sorted(read(wanted), key=lambda i: i.id)
        expected = sorted((i for i in _items(dataset, kind) if i.id in wanted), key=lambda i: i.id)
        assert [_shown(i) for i in got] == [_shown(i) for i in expected], (
            f"{kind.value}s by id differ from the data (with the store's states)"
        )


def _one_non_billable_employee(dataset: Dataset) -> Dataset:
    """The cost sample with its non-billable expense and trip of p1 (x00, t00) made u3's, who
    otherwise logged only items of the other client's p3."""
    return evolve(
        dataset,
        expenses=tuple(
            evolve(x, employee_id="u3") if x.id == "x00" else x for x in dataset.expenses
        ),
        trips=tuple(evolve(t, employee_id="u3") if t.id == "t00" else t for t in dataset.trips),
    )


def _check_totals(
    source: Any,
    dataset: Dataset,
    portal: Portal,
    policy: ApprovalPolicy | None,
    kind: ItemKind,
    query: EntryQuery,
) -> None:
    """The source's totals of the projects the pure filter shows (in the portal's currency)
    equal :meth:`CostTotals.of` of the pure filter's records that match ``query`` after its
    cursor, project by project."""
    scope = Scope.of(portal, policy)
    view = portal_view(portal, dataset, policy)
    visible = {p.id for p in view.projects}
    items = {i.id: i for i in _items(dataset, kind)}
    matching: dict[str, list[PortalExpense | PortalTrip]] = {}
    for x in _pure(portal, dataset, policy, kind):
        item = items[x.id]
        if query.matches(item) and query.is_after_cursor(item, id_order_of(source)):
            matching.setdefault(x.project_id, []).append(x)
    expected = {project: CostTotals.of(found) for project, found in matching.items()}
    sums = source.cost_totals(scope, query, kind)
    got = {
        project: totals.in_portal_currency(portal.settings.currency)
        for project, totals in sums.items()
        if project in visible and totals != CostTotals()
    }
    assert got == expected, f"the {kind.value} totals differ from the pure filter's"
