"""An engine a host gives to the store is never reconfigured: its SQLite file keeps its journal
mode, its connections their pragmas and pysqlite's transaction handling, the engine gains no
listener; the store still works on it, compare-and-set under eight threads included. A host who
wants the library's setup opts in with ``configure_engine``."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the SQL backend needs SQLAlchemy (the sql extra)")

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clientportal.model import Portal
from clientportal.sql import SqlDataSource, SqlStore, configure_engine, prepare_engine, upgrade
from clientportal.sql import tables as t
from clientportal.sql.testing import postgres_url, temporary_schema
from test_sql_concurrency import race

PORTAL = Portal.create(
    id="p1",
    client_id="c1",
    name="Acme",
    projects=(),
    created_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
)


def listeners(engine: Engine) -> int:
    """How many event listeners the engine and its pool hold."""
    return sum(
        len(getattr(engine.dispatch, name))
        for name in ("begin", "engine_connect", "commit", "rollback")
    ) + sum(len(getattr(engine.pool.dispatch, name)) for name in ("connect", "checkout"))


@pytest.fixture
def host_file(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    """The host's own SQLite file with a table of its own, and the host's plain engine on it."""
    path = tmp_path / "host.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE host_invoices (id INTEGER PRIMARY KEY, total TEXT)")
    yield engine, path
    engine.dispose()


def journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def test_the_hosts_sqlite_file_is_not_switched_to_wal(host_file: tuple[Engine, Path]) -> None:
    engine, path = host_file
    before = listeners(engine)
    upgrade(engine)
    store = SqlStore(engine)
    store.put_portal(PORTAL)
    assert store.get_portal("p1") is not None
    assert journal_mode(path) == "delete"
    assert listeners(engine) == before, "the host's engine gained a listener"
    with engine.connect() as conn:  # the pool hands back a connection the store used
        raw = conn.connection.driver_connection
        assert raw.isolation_level == "", "pysqlite's transaction handling was switched off"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_the_store_works_through_one_view_of_the_hosts_engine(
    host_file: tuple[Engine, Path],
) -> None:
    engine, _ = host_file
    upgrade(engine)
    store, source = SqlStore(engine), SqlDataSource(engine)
    assert store.engine is not engine
    assert store.engine is source.engine is prepare_engine(engine)
    assert prepare_engine(store.engine) is store.engine  # a view is not wrapped again


def test_the_hosts_own_transactions_are_untouched(host_file: tuple[Engine, Path]) -> None:
    engine, _ = host_file
    upgrade(engine)
    SqlStore(engine).put_portal(PORTAL)
    with engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO host_invoices VALUES (1, '10.00')")
        conn.rollback()  # pysqlite's implicit transaction, as the host expects it
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM host_invoices").scalar() == 0


def test_compare_and_set_holds_under_eight_threads_on_the_hosts_engine(
    host_file: tuple[Engine, Path],
) -> None:
    engine, path = host_file
    upgrade(engine)
    t.reference_metadata.create_all(engine)
    race(engine)  # every lost race detected, every audit trail replays
    assert journal_mode(path) == "delete"


def test_configure_engine_is_the_explicit_opt_in_to_the_librarys_setup(
    host_file: tuple[Engine, Path],
) -> None:
    engine, path = host_file
    assert configure_engine(engine) is engine
    upgrade(engine)
    assert SqlStore(engine).engine is engine
    assert journal_mode(path) == "wal"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_hosts_postgres_engine_gains_no_listener_and_the_store_works() -> None:
    url = postgres_url()
    with temporary_schema(url) as ours:
        with ours.connect() as conn:
            schema_name = conn.exec_driver_sql("SELECT current_schema()").scalar()
        host = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema_name}"})
        before = listeners(host)  # the dialect's own (on connect)
        try:
            upgrade(host)
            store = SqlStore(host)
            store.put_portal(PORTAL)
            assert [p.id for p in store.list_portals()] == ["p1"]
            assert listeners(host) == before
            with host.connect() as conn:
                level = conn.exec_driver_sql("SHOW transaction_isolation").scalar()
                assert level == "read committed"
                assert conn.get_isolation_level() != "AUTOCOMMIT"
        finally:
            host.dispose()


def test_a_host_engine_that_begins_itself_keeps_doing_so_and_is_warned_about(
    tmp_path: Path,
) -> None:
    """SQLAlchemy's pysqlite recipe (isolation_level None, BEGIN in a begin listener): the store
    adds no BEGIN of its own (two would fail) and says what that costs."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'recipe.sqlite3'}")

    @sa.event.listens_for(engine, "connect")
    def no_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    with pytest.warns(RuntimeWarning, match="begins its transactions itself.*create_engine"):
        upgrade(engine)
    store = SqlStore(engine)
    store.put_portal(PORTAL)
    assert [p.id for p in store.list_portals()] == ["p1"]
    engine.dispose()
