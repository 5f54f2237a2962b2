"""Differential: every aggregate a page shows, read from the entry sums, equals the pure filter's.

For small worlds (entries over eleven weeks, some with rates the database cannot price
exactly), a portal as a careless admin configures it, and a policy, the world is loaded into
the reference schema and then changed by random writes that bypass the library — approval states
set, changed and deleted, entries edited, moved, added and deleted, one by one and in multi-row
statements — mirrored on the world in memory. Then, through ``PortalService`` over
``SqlDataSource``: the totals of random filters (employees, projects, statuses, date ranges and a
cursor), the employee filter, the hours per week, the awaiting count and the status-filtered
pages equal what ``portal_view`` of the changed world gives, and the kept sums equal a
recomputation from the entries. On SQLite and PostgreSQL: 1,000 examples each under the ``ci``
profile (issue 13's acceptance).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection, Engine

from clientportal.model import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Client,
    Dataset,
    Employee,
    Portal,
    Project,
    TimeEntry,
)
from clientportal.ports import EntryCursor, EntryQuery, Totals
from clientportal.service import MailSettings, PortalService
from clientportal.sql import SqlDataSource, SqlStore
from clientportal.sql import tables as t
from clientportal.sql.rows import state_values
from clientportal.sql.sums import stale_entry_sums
from clientportal.sql.testing import clear_tables
from clientportal.testing.contract import _busy_portal
from clientportal.testing.strategies import approval_states, money, policies
from clientportal.visibility import PortalEntry, Scope, portal_view

MAIL = MailSettings(
    sender_name="Example Co",
    sender_address="portal@example.com",
    message_id_domain="portal.example.com",
    base_url="https://portal.example.com/",
)
SECRET = "aggregates-secret-key-0123456789"
EPOCH = dt.date(2026, 1, 1)
days = st.integers(0, 75).map(lambda n: EPOCH + dt.timedelta(days=n))


#: A share of the profile's examples (1,000 under ``ci``; each example loads a world and writes
#: to it: about two minutes on each database in CI).
def examples(share: float) -> settings:
    default = settings.default.max_examples if settings.default else 100
    return settings(
        max_examples=max(10, int(default * share)),
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# -- writes that bypass the library, on the database and on the world ------------------------------


def _set_states(conn: Connection, world: dict[str, TimeEntry], ids: list[str], state: Any) -> None:
    """One UPDATE for the entries with a state row, one multi-row INSERT for the others."""
    stored = {
        r.entry_id
        for r in conn.execute(t.approvals.select().where(t.approvals.c.entry_id.in_(ids)))
    }
    values = state_values(state)
    if stored:
        conn.execute(
            t.approvals.update().where(t.approvals.c.entry_id.in_(sorted(stored))).values(values)
        )
    fresh = [{"entry_id": i, **values, "updated_at": None} for i in ids if i not in stored]
    if fresh:
        conn.execute(t.approvals.insert().values(fresh))
    for i in ids:
        world[i] = evolve(world[i], approval=state)


def _clear_states(conn: Connection, world: dict[str, TimeEntry], ids: list[str]) -> None:
    conn.execute(t.approvals.delete().where(t.approvals.c.entry_id.in_(ids)))
    for i in ids:
        world[i] = evolve(world[i], approval=ApprovalState())


def _edit(
    conn: Connection,
    world: dict[str, TimeEntry],
    entry_id: str,
    changes: dict[str, Any],
    client_id: str,
) -> None:
    conn.execute(
        t.entries.update().where(t.entries.c.id == entry_id).values(**changes, client_id=client_id)
    )
    world[entry_id] = evolve(world[entry_id], **changes)


@st.composite
def changed_world(draw: st.DrawFn, world: Dataset, engine: Engine) -> Dataset:
    """Write random changes to the database (bypassing the library) and return the world as
    they leave it."""
    client_of = {p.id: p.client_id for p in world.projects}
    entries = {e.id: e for e in world.entries}
    employees = [e.id for e in world.employees]
    with engine.begin() as conn:
        for step in range(draw(st.integers(0, 6), label="changes")):
            ids = sorted(entries)
            kind = draw(st.sampled_from(["state", "clear", "edit", "delete", "add"]), label="kind")
            if kind == "add" or not ids:
                if not client_of:
                    continue
                new = TimeEntry(
                    id=f"n{step}",
                    project_id=draw(st.sampled_from(sorted(client_of))),
                    employee_id=draw(st.sampled_from(employees)),
                    date=draw(days),
                    seconds=draw(st.integers(0, 8 * 3600)),
                    billable=draw(st.booleans()),
                    rate=draw(st.none() | money(max_value=250)),
                )
                load_new(conn, new, client_of[new.project_id])
                entries[new.id] = new
                continue
            chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
            if kind == "state":
                _set_states(conn, entries, chosen, draw(approval_states(), label="state"))
            elif kind == "clear":
                _clear_states(conn, entries, chosen)
            elif kind == "delete":
                conn.execute(t.entries.delete().where(t.entries.c.id.in_(chosen)))
                for i in chosen:
                    del entries[i]
            else:
                project = draw(st.sampled_from(sorted(client_of)))
                changes = draw(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "seconds": st.integers(0, 8 * 3600),
                            "date": days,
                            "billable": st.booleans(),
                            "rate": st.none() | money(max_value=250),
                            "employee_id": st.sampled_from(employees),
                            "project_id": st.just(project),
                        },
                    ),
                    label="edit",
                )
                entry = entries[chosen[0]]
                target = changes.get("project_id", entry.project_id)
                _edit(conn, entries, chosen[0], changes, client_of[target])
        assert stale_entry_sums(conn) == []
    return evolve(world, entries=tuple(entries.values()))


def load(engine: Engine, world: Dataset) -> None:
    """The world's rows, as ``load_dataset`` writes them, without creating tables (faster)."""
    client_of = {p.id: p.client_id for p in world.projects}
    with engine.begin() as conn:
        conn.execute(t.clients.insert(), [{"id": c.id, "name": c.name} for c in world.clients])
        conn.execute(t.employees.insert(), [{"id": e.id, "name": e.name} for e in world.employees])
        conn.execute(
            t.projects.insert(),
            [{"id": p.id, "client_id": p.client_id, "name": p.name} for p in world.projects],
        )
        for entry in world.entries:
            load_new(conn, entry, client_of[entry.project_id])
        states = [
            {"entry_id": e.id, **state_values(e.approval), "updated_at": None}
            for e in world.entries
            if e.approval != ApprovalState()
        ]
        if states:
            conn.execute(t.approvals.insert(), states)


def load_new(conn: Connection, entry: TimeEntry, client_id: str) -> None:
    conn.execute(
        t.entries.insert().values(
            id=entry.id, client_id=client_id, project_id=entry.project_id,
            employee_id=entry.employee_id, date=entry.date, seconds=entry.seconds,
            billable=entry.billable, rate=entry.rate,
        )
    )  # fmt: skip


# -- the oracle ---------------------------------------------------------------------------------


def matches(query: EntryQuery, entry: PortalEntry) -> bool:
    after = query.after
    return (
        (not query.employee_ids or entry.employee_id in query.employee_ids)
        and (not query.project_ids or entry.project_id in query.project_ids)
        and (query.date_from is None or entry.date >= query.date_from)
        and (query.date_to is None or entry.date <= query.date_to)
        and (not query.statuses or entry.status in query.statuses)
        and (
            after is None
            or entry.date < after.date
            or (entry.date == after.date and entry.id > after.id)
        )
    )


@st.composite
def queries(draw: st.DrawFn, view_entries: tuple[PortalEntry, ...], world: Dataset) -> EntryQuery:
    ids = sorted({e.id for e in world.entries} | {"e", "z"})
    pick = st.lists(
        st.sampled_from(sorted({e.employee_id for e in world.entries} | {"u0"})), max_size=2
    )
    lo, hi = draw(st.none() | days), draw(st.none() | days)
    if lo and hi and lo > hi:
        lo, hi = hi, lo
    projects = st.sampled_from(sorted({p.id for p in world.projects} | {"p0"}))
    return EntryQuery(
        employee_ids=frozenset(draw(pick)),
        project_ids=frozenset(draw(st.lists(projects, max_size=2))),
        date_from=lo,
        date_to=hi,
        statuses=frozenset(draw(st.lists(st.sampled_from(list(ApprovalStatus)), max_size=2))),
        after=draw(st.none() | st.builds(EntryCursor, days, st.sampled_from(ids))),
    )  # fmt: skip


@st.composite
def small_worlds(draw: st.DrawFn) -> Dataset:
    """Clients, projects (some without members), employees and entries over eleven weeks, with
    rates of two places and some the database cannot price exactly (more places)."""
    clients = [Client(id=f"c{i}", name="Client") for i in range(draw(st.integers(1, 3)))]
    employees = [Employee(id=f"u{i}", name=f"Employee {i}") for i in range(draw(st.integers(1, 4)))]
    projects = [
        Project(id=f"p{i}", client_id=draw(st.sampled_from(clients)).id, name="Project")
        for i in range(draw(st.integers(1, 6)))
    ]
    rates = st.none() | money(max_value=250) | st.decimals(0, 250, places=6)
    entries = [
        TimeEntry(
            id=f"e{i:02d}",
            project_id=draw(st.sampled_from(projects)).id,
            employee_id=draw(st.sampled_from(employees)).id,
            date=draw(days),
            seconds=draw(st.integers(0, 8 * 3600)),
            billable=draw(st.booleans()),
            rate=draw(rates),
            approval=draw(approval_states()),
        )
        for i in range(draw(st.integers(0, 30)))
    ]
    return Dataset(clients=clients, employees=employees, projects=projects, entries=entries)


def aggregates(engine: Engine, share: float) -> None:
    services: dict[tuple[object, bool], PortalService] = {}

    def service_of(policy: ApprovalPolicy | None, sums: bool) -> PortalService:
        if (policy, sums) not in services:
            source = SqlDataSource(engine)
            source._has_sums = sums  # without them: as on a schema from before them
            services[(policy, sums)] = PortalService(
                source, SqlStore(engine), mail=MAIL, secret_keys=[SECRET], policy=policy
            )
        return services[(policy, sums)]

    @examples(share)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        world = data.draw(small_worlds(), label="world")
        portal: Portal = _busy_portal(data, world)
        policy = data.draw(st.none() | policies(), label="policy")
        clear_tables(engine)
        load(engine, world)
        world = data.draw(changed_world(world, engine), label="changed")
        service = service_of(policy, data.draw(st.booleans(), label="with the sums"))
        view = portal_view(portal, world, policy)
        scope = Scope.of(portal, policy)

        overview = service.pages.overview(portal)
        assert overview.employees == view.employees
        assert service.pages.choices(portal).employees == view.employees
        assert overview.awaiting_count == len(view.awaiting_approval)
        for _ in range(3):
            query = data.draw(queries(view.entries, world), label="query")
            shown = [e for e in view.entries if matches(query, e)]
            totals = service.pages.hours_totals(portal, query)
            assert totals == Totals.of(shown, amounts=scope.amounts)
            if query.statuses:
                page = service.pages.hours(portal, evolve(query, limit=100))
                assert page.entries == tuple(shown)
        first = monday(data.draw(days, label="first week"))
        last = first + dt.timedelta(weeks=data.draw(st.integers(0, 12), label="weeks"))
        weeks: dict[dt.date, int] = defaultdict(int)
        for e in view.entries:
            if first <= monday(e.date) <= last:
                weeks[monday(e.date)] += e.seconds
        expected = {w: s for w, s in weeks.items() if s}
        assert service.pages.week_seconds(portal, first, last) == expected
        chart = service.pages.hours_per_week(portal, weeks=3)
        newest = view.entries[0].date if view.entries else None
        assert chart.last_date == newest
        recent: dict[dt.date, int] = defaultdict(int)
        if newest is not None:
            for e in view.entries:
                if monday(newest) - dt.timedelta(weeks=2) <= monday(e.date):
                    recent[monday(e.date)] += e.seconds
        assert chart.weeks == {w: s for w, s in recent.items() if s}

    check()


def test_sqlite_aggregates_equal_the_pure_filter_after_random_writes(sqlite_memory: Engine) -> None:
    aggregates(sqlite_memory, 1.0)


def test_postgres_aggregates_equal_the_pure_filter_after_random_writes(postgres: Engine) -> None:
    aggregates(postgres, 1.0)
