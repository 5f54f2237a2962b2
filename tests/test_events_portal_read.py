"""One portal's events, newest first, a page at a time, in every store (memory, SQLite,
PostgreSQL): the portal's own events and its client's portal-less ones (the staff's steps),
nothing of another portal or client; pages follow one another without gaps; the SQL reads walk
migration 0008's indexes (never the table), and 0008 goes down and up again."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from clientportal import ValidationError
from clientportal.memory import MemoryStore
from clientportal.model import Portal
from clientportal.ports import Event, EventLog, NewEvent, Store

T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)

#: (portal_id, client_id) of the events the tests write: portals p1, p2 of client c1, p3 of c2,
#: and staff steps of c1, of c2 and of no client.
PLACES: list[tuple[str | None, str | None]] = [
    ("p1", "c1"),
    ("p2", "c1"),
    ("p3", "c2"),
    (None, "c1"),
    (None, "c2"),
    (None, None),
]


def _portal() -> Portal:
    return Portal(id="p1", client_id="c1", name="Acme", created_at=T0)


def _new(n: int, place: tuple[str | None, str | None]) -> NewEvent:
    portal_id, client_id = place
    return NewEvent(
        type="entries.approved",
        occurred_at=T0,
        portal_id=portal_id,
        client_id=client_id,
        data={"n": n},
    )


def _expected(log: list[Event], portal_id: str, client_id: str | None) -> list[str]:
    """The ids a portal read must give: by the definition, from the whole log."""
    return [
        e.id
        for e in reversed(log)
        if e.portal_id == portal_id
        or (client_id is not None and e.portal_id is None and e.client_id == client_id)
    ]


def _walk(log: EventLog, portal_id: str, client_id: str | None, limit: int) -> list[str]:
    """Every event of the portal, read page by page with ``before``."""
    seen: list[str] = []
    before = None
    while page := log.portal_events(portal_id, client_id=client_id, before=before, limit=limit):
        assert len(page) <= limit
        seen.extend(e.id for e in page)
        before = page[-1].id
    return seen


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each store in turn: in memory, over a SQLite file, over the test PostgreSQL's schema."""
    if request.param == "memory":
        yield MemoryStore()
        return
    from clientportal.sql import SqlStore, create_engine
    from clientportal.sql.testing import clear_tables, ready_for_tests

    if request.param == "sqlite":
        made = ready_for_tests(create_engine(f"sqlite:///{tmp_path / 'portal.sqlite3'}"))
        yield SqlStore(made)
        made.dispose()
    else:
        shared: Engine = request.getfixturevalue("postgres")
        clear_tables(shared)
        yield SqlStore(shared)


def test_a_portal_reads_its_own_and_its_clients_staff_steps_newest_first(store: Store) -> None:
    store.put_portal(_portal(), events=[_new(n, place) for n, place in enumerate(PLACES)])
    log = list(store.events())
    got = store.portal_events("p1", client_id="c1")
    assert [e.data["n"] for e in got] == [3, 0]  # c1's staff step, then p1's own
    assert [e.id for e in got] == _expected(log, "p1", "c1")
    assert [e.data["n"] for e in store.portal_events("p1")] == [0]  # without the client
    assert [e.data["n"] for e in store.portal_events("p3", client_id="c2")] == [4, 2]
    assert not store.portal_events("nobody", client_id="c9")


def test_pages_walk_back_through_the_whole_history_without_gaps(store: Store) -> None:
    draw = random.Random(16)
    store.put_portal(_portal(), events=[_new(n, draw.choice(PLACES)) for n in range(120)])
    log = list(store.events(limit=1000))
    for portal_id, client_id in [("p1", "c1"), ("p2", "c1"), ("p3", "c2"), ("p1", None)]:
        for limit in (1, 7, 50):
            assert _walk(store, portal_id, client_id, limit) == _expected(log, portal_id, client_id)


@pytest.mark.parametrize("before", ["999999", "abc", "", "-1", "0", "1" * 40])
def test_an_unknown_before_is_refused_naming_it(store: Store, before: str) -> None:
    store.put_portal(_portal(), events=[_new(1, PLACES[0])])
    with pytest.raises(ValidationError, match=r"before: .* is not the id of an event of this log"):
        store.portal_events("p1", before=before)


@pytest.mark.parametrize("limit", [0, 1001, -3])
def test_a_bad_limit_is_refused(store: Store, limit: int) -> None:
    with pytest.raises(ValidationError, match="limit: must be a whole number from 1 to 1000"):
        store.portal_events("p1", limit=limit)


@given(
    places=st.lists(st.sampled_from(PLACES), max_size=60),
    limit=st.integers(min_value=1, max_value=9),
    portal=st.sampled_from([("p1", "c1"), ("p3", "c2"), ("p2", None)]),
)
def test_the_memory_log_pages_as_its_definition_says(
    places: list[tuple[str | None, str | None]], limit: int, portal: tuple[str, str | None]
) -> None:
    store = MemoryStore()
    store.put_portal(_portal(), events=[_new(n, place) for n, place in enumerate(places)])
    log = list(store.events(limit=1000))
    assert _walk(store, *portal, limit) == _expected(log, *portal)


# -- SQL: the reads walk the indexes ---------------------------------------------------------------


def _fill(engine: Engine, count: int) -> None:
    """``count`` events, written in bulk and analysed: a quarter of them portal p7's (client
    c7), a quarter staff steps on c7's items, the rest spread over other portals and clients --
    so many match that sorting them, rather than walking an index, would cost far more than a
    page."""
    from clientportal.sql.engine import WRITE
    from clientportal.sql.event_tables import events

    def place(n: int) -> tuple[str | None, str]:
        return [("p7", "c7"), (None, "c7"), (f"p{n % 97}", f"c{n % 31}"), (None, "c8")][n % 4]

    rows = [
        {
            "type": "entries.approved",
            "occurred_at": T0,
            "portal_id": place(n)[0],
            "client_id": place(n)[1],
            "data": "{}",
        }
        for n in range(count)
    ]
    with engine.execution_options(**{WRITE: True}).begin() as conn:
        conn.execute(events.insert(), rows)
        conn.execute(sa.text("ANALYZE"))


def _plans(engine: Engine, read: Any) -> list[str]:
    """The query plans of the SELECTs on cp_events that ``read()`` runs."""
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "cp_events" in statement:
            statements.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        read()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    plans = []
    with engine.connect() as conn:
        for statement, params in statements:
            rows = conn.exec_driver_sql(explain + statement, params).all()
            plans.append("\n".join(str(row[-1]) for row in rows))
    return plans


def test_each_sql_read_walks_an_index_and_stops_at_the_page(engine: Engine) -> None:
    from clientportal.sql import SqlStore

    _fill(engine, 20_000)
    store = SqlStore(engine)
    newest = store.portal_events("p7", client_id="c7", limit=10)
    assert newest
    plans = _plans(engine, lambda: store.portal_events("p7", client_id="c7", limit=10))
    plans += _plans(engine, lambda: store.portal_events("p7", client_id="c7", before=newest[-1].id))
    walks = [p for p in plans if "ix_cp_events_" in p]
    assert len(walks) == 4, plans  # two index walks a page (and a look-up of ``before``)
    for plan, index in zip(walks, ["portal_seq", "client_portal_seq"] * 2, strict=True):
        assert f"ix_cp_events_{index}" in plan, plan
        assert "SCAN cp_events" not in plan, plan  # SQLite: no table scan ...
        assert "TEMP B-TREE" not in plan, plan  # ... and no sort: read in index order
        assert "Seq Scan" not in plan, plan  # PostgreSQL: likewise
        assert "Sort" not in plan, plan
        assert engine.dialect.name == "sqlite" or "Index Scan Backward" in plan, plan


def test_migration_0008_goes_down_and_up_again(engine: Engine) -> None:
    from clientportal.sql.migrate import _config

    def indexes() -> set[str]:
        return {str(i["name"]) for i in sa.inspect(engine).get_indexes("cp_events")}

    ours = {"ix_cp_events_portal_seq", "ix_cp_events_client_portal_seq"}
    assert ours <= indexes()
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
    assert not ours & indexes()
    assert "cp_events" in sa.inspect(engine).get_table_names()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    assert ours <= indexes()
