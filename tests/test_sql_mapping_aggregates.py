"""The mapped source's aggregates equal the memory source's (the reference) on drawn worlds,
portals and queries, on SQLite and PostgreSQL: totals per project under every filter and a
cursor, who logged the entries, and the seconds per week."""

from __future__ import annotations

import datetime as dt

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from clientportal.memory import MemoryDataSource
from clientportal.model import ApprovalStatus, Dataset, Portal
from clientportal.ports import EntryCursor, EntryQuery
from clientportal.testing.strategies import policies, portals, worlds
from clientportal.visibility import Scope, portal_view
from mapped_hosts import load_full


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("sqlite_memory" if request.param == "sqlite" else "postgres")


def _portal(data: st.DataObject, world: Dataset) -> Portal:
    """A portal showing hours, half the time over every project of its client."""
    portal = data.draw(portals(world), label="portal")
    portal = evolve(portal, settings=evolve(portal.settings, show_hours=True))
    if data.draw(st.booleans(), label="all its client's projects"):
        own = {p.id for p in world.projects if p.client_id == portal.client_id}
        portal = evolve(portal, project_ids=portal.project_ids | own)
    return portal


def _query(data: st.DataObject, world: Dataset, portal: Portal) -> EntryQuery:
    """A query whose filters mostly name what the world has (and sometimes what it has not)."""
    employees = sorted({e.employee_id for e in world.entries} | {"u-unknown"})
    projects = sorted(portal.project_ids | {"p-unknown"})
    days = sorted({e.date for e in world.entries})

    def some(items: list[str]) -> frozenset[str]:
        return data.draw(st.just(frozenset()) | st.frozensets(st.sampled_from(items), max_size=2))

    dates = sorted(data.draw(st.lists(st.none() | st.sampled_from(days), min_size=2, max_size=2)),
                   key=lambda d: (d is None, d))  # fmt: skip
    start, end = (dates[0], dates[1]) if data.draw(st.booleans()) else (None, dates[0])
    return EntryQuery(
        employee_ids=some(employees),
        project_ids=some(projects),
        date_from=start if end is None or start is None or start <= end else end,
        date_to=end if end is None or start is None or start <= end else start,
        statuses=data.draw(st.frozensets(st.sampled_from(list(ApprovalStatus)), max_size=3)),
    )


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@settings(max_examples=40)
@given(data=st.data())
def test_aggregates_equal_the_memory_sources(db: Engine, data: st.DataObject) -> None:
    world: Dataset = data.draw(worlds(min_entries=1, max_entries=40, max_costs=0), label="world")
    portal = _portal(data, world)
    policy = data.draw(st.none() | policies(), label="policy")
    query = _query(data, world, portal)
    if world.entries and data.draw(st.booleans(), label="cursor"):
        entry = data.draw(st.sampled_from(world.entries), label="after")
        query = evolve(query, after=EntryCursor(entry.date, entry.id))
    mapped, memory = load_full(db, world), MemoryDataSource(world)
    scope = Scope.of(portal, policy)
    assert mapped.entry_totals(scope, query) == memory.entry_totals(scope, query)
    assert mapped.entry_employee_ids(scope) == memory.entry_employee_ids(scope)
    days = [e.date for e in world.entries]
    first, last = _monday(min(days)), _monday(max(days))
    expected: dict[dt.date, int] = {}
    for e in portal_view(portal, world, policy).entries:
        expected[_monday(e.date)] = expected.get(_monday(e.date), 0) + e.seconds
    got = {w: s for w, s in mapped.entry_week_seconds(scope, first, last).items() if s}
    assert got == {w: s for w, s in expected.items() if s}
