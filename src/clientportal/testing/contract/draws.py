"""What the DataSource properties draw: busy worlds, portals over them, and queries that mostly
match something, built on :mod:`clientportal.testing.strategies`."""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from attrs import evolve, frozen
from hypothesis import strategies as st

from ...model import ApprovalPolicy, ApprovalState, ApprovalStatus, Dataset, Portal, TimeEntry
from ...ports import ApprovalStore, EntryQuery
from ...workflow import Actor, Party
from ..strategies import policies, portals, worlds
from .ids import Renumbering
from .samples import _CLIENT, _EMPLOYEE, _EXTERNAL, _step


def _busy_worlds() -> st.SearchStrategy[Dataset]:
    """:func:`worlds` with at least two entries (the property needs something to page), and no
    expenses or trips (the properties of hours need none)."""
    return worlds(min_entries=2, max_entries=40, max_costs=0)


def _showing_hours(portal: Portal) -> Portal:
    return evolve(portal, settings=evolve(portal.settings, show_hours=True))


#: Three times in four the busiest client's portal: as :func:`portals` draws them, most portals
#: select few of their client's projects, and pages of nothing find no paging bug.
_BUSY = st.sampled_from((True, True, True, False))


def _busy_portal(data: st.DataObject, world: Dataset) -> Portal:
    """A portal of ``world`` (as :func:`portals` draws it, other clients' and unknown projects
    included) that shows hours, and three times in four is the busiest client's, selecting every
    project of it too, so that pages are often several."""
    portal = _showing_hours(data.draw(portals(world), label="portal"))
    if data.draw(_BUSY, label="the busiest client's, with all its projects"):
        client_of = {p.id: p.client_id for p in world.projects}
        logged = collections.Counter(client_of[e.project_id] for e in world.entries)
        busiest = max(sorted(logged), key=logged.__getitem__) if logged else portal.client_id
        own = {p.id for p in world.projects if p.client_id == busiest}
        portal = evolve(portal, client_id=busiest, project_ids=portal.project_ids | own)
    return portal


def _queries(dataset: Dataset, portal: Portal | None = None) -> st.SearchStrategy[EntryQuery]:
    """Queries over ``dataset``; filter values are mostly ones that match something (the
    portal's projects, employees who logged hours, days with hours), sometimes unknown ones."""
    employees = sorted({e.employee_id for e in dataset.entries} | {"u-unknown"})
    selected = portal.project_ids if portal is not None else {p.id for p in dataset.projects}
    projects = sorted(set(selected) | {"p-unknown"})
    days = sorted({e.date for e in dataset.entries} | {dt.date(2026, 1, 1)})
    day = st.sampled_from(days) | st.integers(0, 15).map(
        lambda d: dt.date(2026, 1, 1) + dt.timedelta(days=d)
    )

    def some(items: list[Any], most: int) -> st.SearchStrategy[frozenset[Any]]:
        # Mostly no filter, so that pages are long enough to need several.
        chosen = st.lists(st.sampled_from(items), min_size=1, max_size=most).map(frozenset)
        return st.just(frozenset()) | st.just(frozenset()) | chosen

    @st.composite
    def build(draw: st.DrawFn) -> EntryQuery:
        start, end = draw(st.none() | st.none() | day), draw(st.none() | st.none() | day)
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


@frozen
class Case:
    """What one example of an entry property runs on, in the host's ids: a world, a portal
    over it that shows hours, a policy and a query."""

    world: Dataset
    portal: Portal
    policy: ApprovalPolicy | None
    query: EntryQuery


def _entry_case(
    data: st.DataObject,
    drawn: st.SearchStrategy[Dataset],
    renumbering: Callable[[Dataset], Renumbering],
) -> Case:
    """A world of ``drawn``, a busy portal over it, a policy and a query, all renumbered into
    the host's ids by ``renumbering`` (the unknown ids the query asks for too)."""
    world = data.draw(drawn, label="world")
    portal = _busy_portal(data, world)
    policy = data.draw(st.none() | policies(), label="policy")
    query = data.draw(_queries(world, portal), label="query")
    ids = renumbering(world)
    return Case(ids.dataset(world), ids.portal(portal), policy, ids.query(query))


def _some_entries(world: Dataset) -> st.SearchStrategy[list[TimeEntry]]:
    """Some of ``world``'s entries, each once."""
    if not world.entries:
        return st.just([])
    return st.lists(st.sampled_from(world.entries), unique_by=lambda e: e.id)


def _submit_or_withdraw(
    store: ApprovalStore, entries: Iterable[TimeEntry]
) -> dict[str, ApprovalState]:
    """Move each entry one legal step through the store (whoever may take one), and return the
    states stored. Entries nobody can move (none under the workflows drawn) are left alone."""
    actors = (_EMPLOYEE, Actor(Party.MANAGER, "m1"), _CLIENT)
    changes = []
    for entry in entries:
        for actor in actors:
            options = _EXTERNAL.allowed(entry.approval, actor, owner="u-other")
            if options:
                change = _step(
                    entry.id, entry.approval, options[0], actor, reason="changed", owner="u-other"
                )
                changes.append(change)
                break
    store.apply_changes(changes)
    return {c.entry_id: c.state for c in changes}
