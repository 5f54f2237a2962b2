"""PostgreSQL engines as :func:`clientportal.sql.create_engine` makes them: single-statement reads
(``READ``) run in autocommit without leaving a pooled connection in autocommit, and the pool
pings only connections that sat unused (a dropped one is replaced before anybody uses it)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import clientportal.sql.engine as engine_module
from clientportal.sql import create_engine
from clientportal.sql.engine import READ
from clientportal.sql.testing import postgres_url

IDLE = psycopg.pq.TransactionStatus.IDLE


@pytest.fixture
def engine() -> Iterator[Engine]:
    made = create_engine(postgres_url(), pool_size=1, max_overflow=0)
    yield made
    made.dispose()


def _pid(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_single_statement_read_runs_outside_a_transaction(engine: Engine) -> None:
    with engine.execution_options(**{READ: True}).connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        driver = conn.connection.driver_connection
        assert driver is not None
        assert driver.autocommit
        assert driver.info.transaction_status == IDLE  # no BEGIN was sent
    with engine.connect() as conn:  # the same pooled connection (pool of one), transactional again
        driver = conn.connection.driver_connection
        assert driver is not None
        assert not driver.autocommit
        conn.execute(sa.text("CREATE TEMPORARY TABLE t (x int)"))
        conn.rollback()
        assert sa.inspect(conn).has_table("t") is False  # the rollback undid it


def _terminate(pid: int) -> None:
    with psycopg.connect(postgres_url().replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_dropped_while_idle_is_replaced_before_use(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE", 0.05)
    with engine.connect() as conn:
        first = _pid(conn)
    _terminate(first)  # a restart, a firewall or a server timeout dropped it
    time.sleep(0.1)
    with engine.connect() as conn:
        assert _pid(conn) != first  # pinged, found dead, replaced: the caller saw nothing


def test_a_connection_in_steady_use_is_handed_out_without_a_ping(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE", 60.0)
    pings: list[object] = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    for _ in range(5):
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    assert pings == []
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE", 0.0)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert len(pings) == 1


def test_pool_pre_ping_given_pings_at_every_checkout_instead() -> None:
    default = create_engine(postgres_url())
    pinging = create_engine(postgres_url(), pool_pre_ping=True)
    try:
        assert not default.pool._pre_ping
        assert len(default.pool.dispatch.checkout) == 1
        assert pinging.pool._pre_ping
        assert len(pinging.pool.dispatch.checkout) == 0
    finally:
        default.dispose()
        pinging.dispose()
