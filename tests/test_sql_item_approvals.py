"""Approval of expenses and trips in the SQL store, beyond the contract kit: where each kind's
states live, migration 0005 from a database that already holds decisions (and back), the entry
sums left alone by other kinds, and PostgreSQL batches that stay one statement per step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from attrs import evolve
from sqlalchemy.engine import Engine

import clientportal.sql as cs
from clientportal.model import ItemKind
from clientportal.ports import ApprovalChange
from clientportal.sql import tables
from clientportal.sql.sums import stale_entry_sums
from clientportal.sql.testing import postgres_url, temporary_schema
from clientportal.testing.contract import _submitted, sample_dataset
from clientportal.testing.contract.samples import _decided

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database without any table: a SQLite file, or a PostgreSQL schema of this test."""
    if request.param == "sqlite":
        engine = cs.create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
    else:
        with temporary_schema(postgres_url()) as engine:
            yield engine


def _of(kind: ItemKind, change: ApprovalChange) -> ApprovalChange:
    return evolve(change, kind=kind)


def _downgrade(engine: Engine, revision: str) -> None:
    """Run the library's migrations down to ``revision`` (there is no public downgrade)."""
    config = Config()
    config.set_main_option(
        "script_location", str(Path(cs.migrate.__file__).with_name("migrations"))
    )
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def _old_event(conn: sa.Connection, entry_id: str, version: int) -> None:
    """An audit event as revision 0004 stored it (no kind)."""
    conn.execute(
        sa.text(
            "INSERT INTO cp_approval_events (entry_id, action, actor_party, actor_id, at, "
            "before_status, before_version, after_status, after_workflow, after_version) "
            "VALUES (:id, 'SUBMIT', 'EMPLOYEE', 'u1', :at, 'OPEN', :before, "
            "'PENDING_EXTERNAL', 'EXTERNAL', :after)"
        ),
        {"id": entry_id, "at": T0, "before": version - 1, "after": version},
    )


def _unique_constraints(engine: Engine) -> list[list[str]]:
    found = sa.inspect(engine).get_unique_constraints("cp_approval_events")
    return sorted(list(u["column_names"]) for u in found)


def test_migration_0005_keeps_the_trails_stored_before_as_the_entries(empty: Engine) -> None:
    assert cs.upgrade(empty, "0004") == "0004"
    with empty.begin() as conn:
        _old_event(conn, "e1", 1)
        _old_event(conn, "x1", 1)
    assert cs.upgrade(empty) == cs.head_revision()
    assert _unique_constraints(empty) == [["kind", "entry_id", "after_version"]]

    store = cs.SqlStore(empty)
    (old,) = store.history("e1")
    assert old.after.version == 1
    assert list(store.history("x1", ItemKind.EXPENSE)) == []
    # The expense "x1" reaches its version 1 although the entry "x1" has reached it already.
    expense = _of(ItemKind.EXPENSE, _submitted("x1"))
    store.apply_changes([expense])
    assert list(store.history("x1", ItemKind.EXPENSE)) == [expense.event]
    assert len(store.history("x1")) == 1
    with empty.connect() as conn:
        kinds = conn.execute(
            sa.select(tables.approval_events.c.kind).order_by(tables.approval_events.c.id)
        )
        assert list(kinds.scalars()) == ["entry", "entry", "expense"]


def test_migration_0005_goes_back_to_0004_without_the_other_kinds(empty: Engine) -> None:
    cs.upgrade(empty)
    store = cs.SqlStore(empty)
    store.apply_changes(
        [
            _submitted("e1"),
            _of(ItemKind.EXPENSE, _submitted("e1")),
            _of(ItemKind.TRIP, _submitted("t1")),
        ]
    )
    _downgrade(empty, "0004")
    assert cs.current_revision(empty) == "0004"
    assert "cp_item_approvals" not in sa.inspect(empty).get_table_names()
    assert _unique_constraints(empty) == [["entry_id", "after_version"]]
    with empty.connect() as conn:
        kept = conn.execute(sa.text("SELECT entry_id FROM cp_approval_events")).scalars()
        assert list(kept) == ["e1"]  # the expense's event would read as the entry's: it goes
    assert cs.upgrade(empty) == cs.head_revision()
    assert [e.after.version for e in cs.SqlStore(empty).history("e1")] == [1]


def test_each_kind_keeps_its_states_in_its_own_table(engine: Engine) -> None:
    store = cs.SqlStore(engine)
    store.apply_changes(
        [
            _submitted("a1"),
            _of(ItemKind.EXPENSE, _submitted("a1")),
            _of(ItemKind.TRIP, _submitted("t1")),
        ]
    )
    with engine.connect() as conn:
        entries = conn.execute(sa.select(tables.approvals.c.entry_id)).scalars()
        items = conn.execute(
            sa.select(tables.item_approvals.c.kind, tables.item_approvals.c.item_id).order_by(
                tables.item_approvals.c.kind
            )
        )
        assert list(entries) == ["a1"]  # hosts join cp_approvals by entry id: only entries
        assert [tuple(row) for row in items] == [("expense", "a1"), ("trip", "t1")]


def test_an_item_sharing_an_entrys_id_leaves_the_entry_sums_alone(engine: Engine) -> None:
    dataset = sample_dataset()
    cs.load_dataset(engine, dataset)
    entry_id = dataset.entries[0].id
    with engine.connect() as conn:
        before = conn.execute(sa.select(tables.entry_sums)).all()
    store = cs.SqlStore(engine)
    store.apply_changes(
        [_of(ItemKind.EXPENSE, _submitted(entry_id)), _of(ItemKind.TRIP, _submitted(entry_id))]
    )
    with engine.connect() as conn:
        assert sorted(conn.execute(sa.select(tables.entry_sums)).all()) == sorted(before)
        assert stale_entry_sums(conn) == []
    (entry,) = cs.SqlDataSource(engine).entries_by_id(frozenset({entry_id}))
    assert entry.approval == dataset.entries[0].approval
    store.apply_changes([_submitted(entry_id, dataset.entries[0].approval)])
    with engine.connect() as conn:
        assert stale_entry_sums(conn) == []  # an entry's decision moves its sums, as before


def test_a_mixed_batch_on_postgresql_is_one_statement_per_step(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs a step per row: its statements cost no round trip")
    store = cs.SqlStore(engine)

    def batch(n: int) -> list[ApprovalChange]:
        return [_of(kind, _submitted(f"{kind.value[0]}{i}")) for kind in ItemKind for i in range(n)]

    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split()[0].upper())

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        store.apply_changes(batch(40))  # the first states: inserted
        first = list(statements)
        statements.clear()
        store.apply_changes([_of(c.kind, _decided(c)) for c in batch(40)])  # updated
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    # lock per kind (3), the states of cp_approvals and of cp_item_approvals per kind (3), the
    # audit trail (1), whatever the batch's size
    assert first.count("SELECT") == 3
    assert first.count("INSERT") == 4
    assert statements.count("SELECT") == 3
    assert statements.count("UPDATE") == 3
    assert statements.count("INSERT") == 1
