"""What the DataSource properties draw: busy worlds, portals over them, and queries that mostly
match something, built on :mod:`clientportal.testing.strategies`."""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any

from attrs import evolve
from hypothesis import settings
from hypothesis import strategies as st

from ...model import ApprovalStatus, Dataset, Portal
from ...ports import EntryQuery
from ..strategies import portals, worlds


def _examples(limit: int, base: settings | None = None) -> int:
    """``limit`` hypothesis examples, or fewer when ``base`` (or the active profile) asks so."""
    profile = base or settings.default
    return max(1, limit if profile is None else min(limit, profile.max_examples))


def _busy_worlds() -> st.SearchStrategy[Dataset]:
    """:func:`worlds` with at least two entries (the property needs something to page)."""
    return worlds(max_entries=40).filter(lambda world: len(world.entries) >= 2)


def _showing_hours(portal: Portal) -> Portal:
    return evolve(portal, settings=evolve(portal.settings, show_hours=True))


def _busy_portal(data: st.DataObject, world: Dataset) -> Portal:
    """A portal of ``world`` (as :func:`portals` draws it) that shows hours, and half the time
    selects every project of its client too, so that pages are often several."""
    portal = _showing_hours(data.draw(portals(world), label="portal"))
    if data.draw(st.booleans(), label="the busiest client's, with all its projects"):
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
