"""What the contract of expenses and trips draws and reads: a fixed sample world with both
(:func:`cost_sample`), portals and queries over drawn worlds, and items moved on in the store."""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs
from attrs import evolve
from hypothesis import strategies as st

from ...model import (
    ApprovalState,
    ApprovalStatus,
    Dataset,
    Expense,
    ItemKind,
    Portal,
    Trip,
    Workflow,
)
from ...ports import ApprovalChange, ApprovalStore, EntryCursor, EntryQuery
from ...workflow import Actor, Party
from ..strategies import portals
from .draws import _BUSY
from .samples import _CLIENT, _DAY, _EMPLOYEE, _EXTERNAL, _step, sample_dataset

__all__ = ["Cost", "cost_sample"]

#: An item a project costs besides hours.
Cost = Expense | Trip


def cost_sample() -> Dataset:
    """:func:`~clientportal.testing.contract.sample_dataset` with 15 expenses (``x00``..) and 15
    trips (``t00``..) over its three projects, three employees, five days and every approval
    status: some non-billable, in two currencies, trips with and without a rate or currency."""
    statuses = list(ApprovalStatus)

    def state(n: int) -> ApprovalState:
        status = statuses[n % len(statuses)]
        return ApprovalState(
            status=status,
            workflow=None if status is ApprovalStatus.OPEN else Workflow.EXTERNAL,
            version=n % 4,
            reason="too much" if status is ApprovalStatus.REJECTED else None,
        )

    def common(n: int) -> dict[str, Any]:
        return {
            "project_id": ("p1", "p2", "p3")[n % 3],
            "employee_id": ("u1", "u2", "u3")[n % 3 if n % 5 else 0],
            "date": _DAY - dt.timedelta(days=n // 3),
            "description": None if n % 7 == 0 else f"cost <{n}> & more",
            "billable": n % 4 != 0,
            "internal_note": f"internal {n}",
            "approval": state(n),
        }

    expenses = tuple(
        Expense(
            id=f"x{n:02d}",
            amount=Decimal("12.50") + n,
            currency=("EUR", "USD")[n % 2],
            category=("train", "hotel", None)[n % 3],
            receipt=n % 2 == 0,
            **common(n),
        )
        for n in range(15)
    )
    trips = tuple(
        Trip(
            id=f"t{n:02d}",
            distance=Decimal("12.5") + n,
            origin=None if n % 5 == 0 else "Utrecht",
            destination="Köln",
            rate=None if n % 6 == 0 else Decimal("0.23"),
            currency=None if n % 4 == 1 else ("EUR", "CHF")[n % 2],
            **common(n),
        )
        for n in range(15)
    )
    return evolve(sample_dataset(), expenses=expenses, trips=trips)


def _items(dataset: Dataset, kind: ItemKind) -> tuple[Cost, ...]:
    return dataset.expenses if kind is ItemKind.EXPENSE else dataset.trips


def _with_states(dataset: Dataset, kind: ItemKind, states: dict[str, ApprovalState]) -> Dataset:
    """``dataset`` with the items of ``kind`` in ``states`` at their state there."""
    items = tuple(
        evolve(i, approval=states[i.id]) if i.id in states else i for i in _items(dataset, kind)
    )
    return evolve(dataset, **{f"{kind.value}s": items})


def _steps(kind: ItemKind, items: Iterable[Cost]) -> list[ApprovalChange]:
    """One legal step for each item (of ``kind``) that someone may move on, whoever may."""
    changes: list[ApprovalChange] = []
    for item in items:
        for actor in (_EMPLOYEE, Actor(Party.MANAGER, "m1"), _CLIENT):
            options = _EXTERNAL.allowed(item.approval, actor, owner="u-other")
            if options:
                step = _step(
                    item.id, item.approval, options[0], actor, reason="changed", owner="u-other"
                )
                changes.append(evolve(step, kind=kind))
                break
    return changes


def _move_on(
    store: ApprovalStore, kind: ItemKind, items: Iterable[Cost]
) -> dict[str, ApprovalState]:
    """Move each item one legal step through the store under ``kind`` (whoever may take one),
    and return the states stored."""
    changes = _steps(kind, items)
    store.apply_changes(changes)
    return {c.entry_id: c.state for c in changes}


def _showing_costs(portal: Portal) -> Portal:
    settings = evolve(portal.settings, show_expenses=True, show_trips=True)
    return evolve(portal, settings=settings)


def _cost_portal(data: st.DataObject, world: Dataset, kind: ItemKind) -> Portal:
    """A portal of ``world`` that shows expenses and trips, and three times in four is the
    portal of the client with most items of ``kind``, selecting all its projects (pages are then
    several)."""
    portal = _showing_costs(data.draw(portals(world), label="portal"))
    if data.draw(_BUSY, label="the busiest client's, with all its projects"):
        client_of = {p.id: p.client_id for p in world.projects}
        counted = collections.Counter(client_of[i.project_id] for i in _items(world, kind))
        busiest = max(sorted(counted), key=counted.__getitem__) if counted else portal.client_id
        own = {p.id for p in world.projects if p.client_id == busiest}
        portal = evolve(portal, client_id=busiest, project_ids=portal.project_ids | own)
    return portal


def _cost_queries(items: Sequence[Cost], portal: Portal) -> st.SearchStrategy[EntryQuery]:
    """Queries over ``items``, with filter values that mostly match something."""
    employees = sorted({i.employee_id for i in items} | {"u-unknown"})
    projects = sorted(set(portal.project_ids) | {"p-unknown"})
    days = sorted({i.date for i in items} | {dt.date(2026, 1, 1)})

    def some(values: list[Any], most: int) -> st.SearchStrategy[frozenset[Any]]:
        chosen = st.lists(st.sampled_from(values), min_size=1, max_size=most).map(frozenset)
        return st.just(frozenset()) | st.just(frozenset()) | chosen

    @st.composite
    def build(draw: st.DrawFn) -> EntryQuery:
        start = draw(st.none() | st.none() | st.sampled_from(days))
        end = draw(st.none() | st.none() | st.sampled_from(days))
        if start is not None and end is not None and start > end:
            start, end = end, start
        return EntryQuery(
            employee_ids=draw(some(employees, 2)),
            project_ids=draw(some(projects, 2)),
            date_from=start,
            date_to=end,
            statuses=draw(some(list(ApprovalStatus), 3)),
        )

    return build()


#: Queries over :func:`cost_sample`, each filter alone and together, cursors and limits.
_SAMPLE_QUERIES = (
    EntryQuery(),
    EntryQuery(employee_ids=frozenset({"u2"})),
    EntryQuery(employee_ids=frozenset({"u1", "u3"})),
    EntryQuery(project_ids=frozenset({"p2"})),
    EntryQuery(project_ids=frozenset({"p3"})),
    EntryQuery(date_from=_DAY - dt.timedelta(days=2)),
    EntryQuery(date_to=_DAY - dt.timedelta(days=3)),
    EntryQuery(date_from=_DAY - dt.timedelta(days=1), date_to=_DAY - dt.timedelta(days=1)),
    EntryQuery(statuses=frozenset({ApprovalStatus.PENDING_EXTERNAL})),
    EntryQuery(statuses=frozenset({ApprovalStatus.OPEN, ApprovalStatus.REJECTED})),
    EntryQuery(
        employee_ids=frozenset({"u1", "u2"}),
        project_ids=frozenset({"p1"}),
        date_to=_DAY,
        statuses=frozenset({ApprovalStatus.OPEN, ApprovalStatus.APPROVED}),
    ),
    EntryQuery(limit=1),
    EntryQuery(limit=2, after=EntryCursor(_DAY - dt.timedelta(days=1), "t04")),
    EntryQuery(after=EntryCursor(_DAY - dt.timedelta(days=1), "x0")),
)


def _sample_query_id(query: EntryQuery) -> str:
    """A short test id for ``query``: the filters it sets."""
    parts = [
        f"{name}={'+'.join(sorted(getattr(v, 'name', str(v)) for v in value))}"
        if isinstance(value, frozenset)
        else f"{name}={value}"
        for name, value in attrs.asdict(query, recurse=False).items()
        if value and name not in ("after", "limit")
    ]
    if query.after is not None:
        parts.append(f"after={query.after.date}/{query.after.id}")
    return ",".join([*parts, f"limit={query.limit}"])


def _some_of(items: Sequence[Cost]) -> st.SearchStrategy[list[Cost]]:
    if not items:
        return st.just([])
    return st.lists(st.sampled_from(items), unique_by=lambda i: i.id)
