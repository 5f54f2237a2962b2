"""The request store's contract on SQLite and PostgreSQL (eight threads racing at using a
request, sending once and deciding a quote), and what only the SQL store has: the tables of
migration 0009 and their way back, and the statuses read along their index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

from clientportal.model import ApprovalStatus
from clientportal.sql import SqlStore, create_engine, head_revision, upgrade
from clientportal.sql.migrate import VERSION_TABLE, _config
from clientportal.sql.testing import clear_tables, ready_for_tests
from clientportal.testing.contract import T0, RequestStoreContract, _submitted

_NEW_TABLES = {
    "cp_approval_requests",
    "cp_sent_once",
    "cp_signoffs",
    "cp_signoff_items",
    "cp_quote_decisions",
}


@pytest.fixture(scope="module")
def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("requests") / "requests.sqlite3"
    engine = ready_for_tests(create_engine(f"sqlite:///{path}"))
    yield engine
    engine.dispose()


class _SqlRequests(RequestStoreContract):
    threads: ClassVar[int] = 8
    engine: Engine

    def make_store(self) -> SqlStore:
        clear_tables(self.engine, reference=False)
        return SqlStore(self.engine)


class TestSqliteRequests(_SqlRequests):
    @pytest.fixture(autouse=True)
    def _engine(self, sqlite_file: Engine) -> None:
        self.engine = sqlite_file


class TestPostgresRequests(_SqlRequests):
    @pytest.fixture(autouse=True)
    def _engine(self, postgres: Engine) -> None:
        self.engine = postgres


def _revision(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one())


def test_migration_0009_makes_the_tables_and_indexes_and_undoes_them(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'migrate.sqlite3'}")
    try:
        upgrade(engine)
        assert head_revision() == "0009"
        inspector = sa.inspect(engine)
        assert set(inspector.get_table_names()) >= _NEW_TABLES
        status_indexes = {
            table: {i["name"]: i["column_names"] for i in inspector.get_indexes(table)}
            for table in ("cp_approvals", "cp_item_approvals")
        }
        assert status_indexes["cp_approvals"]["ix_cp_approvals_status_updated_at"] == [
            "status",
            "updated_at",
        ]
        assert status_indexes["cp_item_approvals"]["ix_cp_item_approvals_status_updated_at"] == [
            "status",
            "updated_at",
        ]
        config = _config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0008")
        inspector = sa.inspect(engine)
        assert not _NEW_TABLES & set(inspector.get_table_names())
        assert [i["name"] for i in inspector.get_indexes("cp_item_approvals")] == []
        assert _revision(engine) == "0008"
        assert upgrade(engine) == "0009"
    finally:
        engine.dispose()


def test_items_in_status_is_read_along_the_status_index_on_postgres(postgres: Engine) -> None:
    clear_tables(postgres, reference=False)
    store = SqlStore(postgres)
    store.apply_changes([_submitted(f"e{n}") for n in range(50)])
    status = _submitted("e1").state.status
    assert status is ApprovalStatus.PENDING_EXTERNAL
    assert len(store.items_in_status(status, limit=10)) == 10
    with postgres.connect() as conn:
        conn.execute(sa.text("SET enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                sa.text(
                    "EXPLAIN SELECT item_id FROM cp_item_approvals WHERE status = :s "
                    "AND updated_at IS NOT NULL ORDER BY updated_at LIMIT 10"
                ),
                {"s": status.value},
            ).scalars()
        )
    assert "ix_cp_item_approvals_status_updated_at" in plan


def test_a_lost_send_once_leaves_the_database_as_it_was(engine: Engine) -> None:
    store = SqlStore(engine)
    assert store.send_once("digest:k1:2026-03-02", at=T0)
    assert not store.send_once("digest:k1:2026-03-02", at=T0 + dt.timedelta(days=1))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT key, done_at FROM cp_sent_once")).all()
    assert [r[0] for r in rows] == ["digest:k1:2026-03-02"]


def test_items_in_status_puts_states_of_unknown_age_first(engine: Engine) -> None:
    """States loaded by a host (no ``updated_at``) are older than any the store stored."""
    store = SqlStore(engine)
    stored = _submitted("e2")
    store.apply_changes([stored])
    status = stored.state.status.value
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO cp_approvals (entry_id, status, version) VALUES "
                "('e9', :s, 1), ('E1', :s, 1), ('e1', 'APPROVED', 2)"
            ),
            {"s": status},
        )
        conn.execute(
            sa.text(
                "INSERT INTO cp_item_approvals (kind, item_id, status, version) "
                "VALUES ('expense', 'a', :s, 1)"
            ),
            {"s": status},
        )
    found = store.items_in_status(stored.state.status)
    assert [(kind.value, item_id, at) for kind, item_id, at in found] == [
        ("entry", "E1", None),
        ("entry", "e9", None),
        ("expense", "a", None),
        ("entry", "e2", T0),
    ]
    assert [i[1] for i in store.items_in_status(stored.state.status, limit=2)] == ["E1", "e9"]
    assert store.items_in_status(stored.state.status, limit=0) == ()
