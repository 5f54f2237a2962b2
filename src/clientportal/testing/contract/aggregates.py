"""The contract of a :class:`~clientportal.ports.DataSource`'s optional sums:
:class:`~clientportal.ports.EntryTotals` (totals under every filter),
:class:`~clientportal.ports.EntryEmployees` (who logged the hours) and
:class:`~clientportal.ports.EntryWeeks` (hours per week), part of
:class:`~clientportal.testing.contract.DataSourceContract`.

A sum cannot be filtered again entry by entry as pages are: the service trusts it within a
project. So each is checked against the pure filter exactly, under each filter alone (status,
employee, project, dates) and together, with approval states the store changed, on drawn
worlds and on the fixed sample. A source without the method has its checks skipped, naming it.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

import pytest
from attrs import evolve
from hypothesis import strategies as st

from ...model import ApprovalPolicy, ApprovalStatus, Dataset, Portal
from ...ports import (
    DataSource,
    EntryCursor,
    EntryEmployees,
    EntryQuery,
    EntryTotals,
    EntryWeeks,
    Totals,
    id_order_of,
)
from ...visibility import Scope, portal_view
from .draws import Case, _entry_case, _some_entries, _submit_or_withdraw
from .reading import effective_dataset
from .samples import _APPROVING, _DAY, _EVERYTHING, _sample_portal, sample_dataset
from .source_base import SourceContractBase

__all__ = ["AggregateContract"]

_PARTS = {
    EntryTotals: "entry_totals(): the service sums the hours page by page",
    EntryEmployees: "entry_employee_ids(): the service finds who logged hours page by page",
    EntryWeeks: "entry_week_seconds(): the service reads the chart's weeks page by page",
}

#: Totals of the sample under each filter alone, and together (the sample has every status,
#: three employees, two projects of the client and one of another, and ten days).
_TOTALS_QUERIES = (
    EntryQuery(),
    EntryQuery(statuses=frozenset({ApprovalStatus.PENDING_EXTERNAL})),
    EntryQuery(statuses=frozenset({ApprovalStatus.OPEN, ApprovalStatus.REJECTED})),
    EntryQuery(statuses=frozenset({ApprovalStatus.APPROVED})),
    EntryQuery(employee_ids=frozenset({"u2"})),
    EntryQuery(employee_ids=frozenset({"u1", "u3"})),
    EntryQuery(project_ids=frozenset({"p2"})),
    EntryQuery(project_ids=frozenset({"p1", "p3"})),
    EntryQuery(date_from=_DAY - dt.timedelta(days=3)),
    EntryQuery(date_to=_DAY - dt.timedelta(days=5)),
    EntryQuery(date_from=_DAY - dt.timedelta(days=4), date_to=_DAY - dt.timedelta(days=4)),
    EntryQuery(
        employee_ids=frozenset({"u1", "u2"}),
        project_ids=frozenset({"p1"}),
        date_from=_DAY - dt.timedelta(days=8),
        statuses=frozenset({ApprovalStatus.OPEN, ApprovalStatus.APPROVED}),
    ),
    EntryQuery(after=EntryCursor(_DAY - dt.timedelta(days=2), "e07")),
)
_SHOWING_EVERYTHING = _sample_portal(**_EVERYTHING)
_WITHOUT_AMOUNTS = _sample_portal()


def _totals_id(query: EntryQuery) -> str:
    parts = [
        f"{name}={'+'.join(sorted(getattr(v, 'name', str(v)) for v in value))}"
        if isinstance(value, frozenset)
        else f"{name}={value}"
        for name in ("statuses", "employee_ids", "project_ids", "date_from", "date_to")
        if (value := getattr(query, name))
    ]
    if query.after is not None:
        parts.append(f"after={query.after.id}")
    return ",".join(parts) or "no-filter"


def _each_filter_alone(query: EntryQuery) -> list[EntryQuery]:
    """A query for each filter ``query`` sets (the cursor counts as one), with only that one."""
    alone: list[EntryQuery] = []
    for name in ("statuses", "employee_ids", "project_ids", "date_from", "date_to", "after"):
        value = getattr(query, name)
        if value:
            alone.append(evolve(EntryQuery(), **{name: value}))
    return alone


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


class AggregateContract(SourceContractBase):
    """The checks of the optional sums of hours, mixed into
    :class:`~clientportal.testing.contract.DataSourceContract`."""

    def _case(self, data: st.DataObject, **sizes: int) -> Case:
        drawn = self._worlds(min_entries=2, max_entries=40, max_costs=0, **sizes)
        return _entry_case(data, drawn, self._renumbering)

    def _with_part(self, port: type[Any], dataset: Dataset) -> tuple[Any, Any]:
        """The source under test over ``dataset`` and its store; skipped (naming the method)
        when the source does not implement ``port``."""
        source, store = self._build(dataset)
        if not isinstance(source, port):
            pytest.skip(f"the source does not implement {port.__name__} ({_PARTS[port]})")
        return source, store

    def _probe(self, port: type[Any]) -> None:
        """Skip before drawing anything when the source has no ``port``."""
        held = self._held(sample_dataset())
        self._with_part(port, self._renumbering(held).dataset(held))

    def _drawn_case(self, data: st.DataObject, port: type[Any]) -> tuple[Any, Dataset, Case]:
        """A case, the source over its world, and the world with some entries moved on in the
        source's store (so filters by status must read the store's states)."""
        case = self._case(data)
        source, store = self._with_part(port, case.world)
        changed = data.draw(_some_entries(case.world), label="changed")
        effective = effective_dataset(case.world, _submit_or_withdraw(store, changed))
        return source, effective, case

    # -- totals --------------------------------------------------------------------------------

    def test_contract_entry_totals_equal_the_pure_filters_under_every_filter(self) -> None:
        self._probe(EntryTotals)

        def check(data: st.DataObject) -> None:
            source, world, case = self._drawn_case(data, EntryTotals)
            query = case.query
            if data.draw(st.booleans(), label="from a cursor on") and world.entries:
                at = data.draw(st.sampled_from(world.entries), label="cursor")
                query = evolve(query, after=EntryCursor(at.date, at.id))
            by_id = {e.id: e for e in world.entries}
            shown = portal_view(case.portal, world, case.policy).entries
            statuses = sorted({by_id[e.id].approval.status for e in shown}, key=lambda s: s.name)
            # The query, each of its filters alone, and one status of a shown entry: a filter
            # the sums ignore shows whenever it excludes something shown.
            queries = [query, *_each_filter_alone(query)]
            if statuses:
                status = data.draw(st.sampled_from(statuses), label="a shown entry's status")
                queries.append(EntryQuery(statuses=frozenset({status})))
            for each in queries:
                _check_totals(source, world, case.portal, case.policy, each)

        self._run(check)

    @pytest.mark.parametrize("amounts", [True, False], ids=["amounts", "no-amounts"])
    @pytest.mark.parametrize("query", _TOTALS_QUERIES, ids=_totals_id)
    def test_contract_entry_totals_under_each_filter(
        self, query: EntryQuery, amounts: bool
    ) -> None:
        source, dataset, ids = self._sample_with(EntryTotals)
        portal = ids.portal(_SHOWING_EVERYTHING if amounts else _WITHOUT_AMOUNTS)
        _check_totals(source, dataset, portal, _APPROVING, ids.query(query))

    # -- who logged hours ----------------------------------------------------------------------

    def test_contract_entry_employees_include_everyone_of_the_visible_entries(self) -> None:
        self._probe(EntryEmployees)

        def check(data: st.DataObject) -> None:
            source, world, case = self._drawn_case(data, EntryEmployees)
            self._check_employees(source, world, case.portal, case.policy)

        self._run(check)

    def test_contract_entry_employees_of_the_sample(self) -> None:
        source, dataset, ids = self._sample_with(EntryEmployees)
        for portal in (_SHOWING_EVERYTHING, _sample_portal(show_hours=False)):
            self._check_employees(source, dataset, ids.portal(portal), _APPROVING)

    def _check_employees(
        self, source: Any, dataset: Dataset, portal: Portal, policy: ApprovalPolicy | None
    ) -> None:
        logged = {e.employee_id for e in portal_view(portal, dataset, policy).entries}
        found = source.entry_employee_ids(Scope.of(portal, policy))
        assert isinstance(found, AbstractSet), (
            f"entry_employee_ids() must return a frozenset, got {found!r}"
        )
        assert found >= logged, f"entry_employee_ids() misses {sorted(logged - found)}"
        if self.exact_pushdown:
            assert found == logged, f"entry_employee_ids() names others: {sorted(found - logged)}"

    # -- hours per week ------------------------------------------------------------------------

    def test_contract_entry_week_seconds_equal_the_pure_filters(self) -> None:
        self._probe(EntryWeeks)

        def check(data: st.DataObject) -> None:
            source, world, case = self._drawn_case(data, EntryWeeks)
            mondays = [dt.date(2025, 12, 22) + dt.timedelta(weeks=w) for w in range(5)]
            first = data.draw(st.sampled_from(mondays[:4]), label="first week")
            last = data.draw(st.sampled_from([m for m in mondays if m >= first]), label="last")
            _check_weeks(source, world, case.portal, case.policy, first, last)

        self._run(check)

    def test_contract_entry_week_seconds_of_the_sample(self) -> None:
        source, dataset, ids = self._sample_with(EntryWeeks)
        last = _monday(_DAY)
        for first in (last - dt.timedelta(weeks=1), last):
            for portal in (_SHOWING_EVERYTHING, _sample_portal(show_hours=False)):
                _check_weeks(source, dataset, ids.portal(portal), _APPROVING, first, last)

    def _sample_with(self, port: type[Any]) -> tuple[Any, Dataset, Any]:
        held = self._held(sample_dataset())
        ids = self._renumbering(held)
        dataset = ids.dataset(held)
        source, _ = self._with_part(port, dataset)
        return source, dataset, ids


def _check_totals(
    source: DataSource,
    dataset: Dataset,
    portal: Portal,
    policy: ApprovalPolicy | None,
    query: EntryQuery,
) -> None:
    """``entry_totals`` of the portal's scope equal, project by project, :meth:`Totals.of` the
    pure filter's entries that match ``query`` after its cursor (zero totals may be left out or
    given; amounts compared only where the portal shows them)."""
    scope = Scope.of(portal, policy)
    order = id_order_of(source)
    by_id = {e.id: e for e in dataset.entries}
    matching: dict[str, list[Any]] = collections.defaultdict(list)
    for shown in portal_view(portal, dataset, policy).entries:
        entry = by_id[shown.id]
        if query.matches(entry) and query.is_after_cursor(entry, order):
            matching[shown.project_id].append(shown)
    expected = {p: Totals.of(found, amounts=scope.amounts) for p, found in matching.items()}
    sums = source.entry_totals(scope, query)  # type: ignore[attr-defined]
    assert isinstance(sums, Mapping), f"entry_totals() must return a mapping, got {sums!r}"
    got = {}
    for project, totals in sums.items():
        assert isinstance(totals, Totals), f"entry_totals() gave {totals!r} for {project!r}"
        if not scope.amounts:
            totals = evolve(totals, amount=None)
        if totals != Totals.of((), amounts=scope.amounts):
            got[project] = totals
    assert got == expected, (
        f"entry_totals() differ from the sums of the visible entries matching {query!r}: "
        f"got {got}, expected {expected}"
    )


def _check_weeks(
    source: DataSource,
    dataset: Dataset,
    portal: Portal,
    policy: ApprovalPolicy | None,
    first: dt.date,
    last: dt.date,
) -> None:
    """``entry_week_seconds`` of the portal's scope equal, for each week from ``first`` to
    ``last``, the seconds of the pure filter's entries of that week (empty weeks may be left
    out or given as 0)."""
    scope = Scope.of(portal, policy)
    expected: dict[dt.date, int] = collections.Counter()
    for entry in portal_view(portal, dataset, policy).entries:
        if first <= _monday(entry.date) <= last and entry.seconds:
            expected[_monday(entry.date)] += entry.seconds
    found = source.entry_week_seconds(scope, first, last)  # type: ignore[attr-defined]
    assert isinstance(found, Mapping), f"entry_week_seconds() must return a mapping: {found!r}"
    got = {week: seconds for week, seconds in found.items() if seconds}
    assert all(first <= week <= last and not week.weekday() for week in got), (
        f"entry_week_seconds() gave weeks outside {first}..{last} or not Mondays: {sorted(got)}"
    )
    assert got == dict(expected), (
        f"entry_week_seconds() differ from the visible entries' seconds per week: got {got}, "
        f"expected {dict(expected)}"
    )
