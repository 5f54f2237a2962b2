"""What the contract kit does not cover: migrations, engines and errors, exact types, indexes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from attrs import evolve
from sqlalchemy.engine import Engine

import clientportal.sql as cs
from clientportal.errors import NotFound, ValidationError
from clientportal.model import ApprovalState, ApprovalStatus, Dataset, Portal, Workflow
from clientportal.ports import ApprovalChange, ChangedMeanwhile, EntryQuery
from clientportal.sql import tables
from clientportal.sql.sums import install_entry_sums
from clientportal.sql.testing import clear_tables, postgres_url, ready_for_tests, temporary_schema
from clientportal.testing.contract import _link, _mail, _sample_portal, _submitted, sample_dataset
from clientportal.visibility import Scope

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
CET = dt.timezone(dt.timedelta(hours=1))


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = ready_for_tests(cs.create_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Engine]:
    with temporary_schema(postgres_url()) as engine:
        yield ready_for_tests(engine)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    clear_tables(engine)
    return engine


# --------------------------------------------------------------------------------------------------
# Migrations


def test_migrations_create_exactly_the_tables_of_the_metadata(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                # the reference schema is not migrated, and the version table is Alembic's own
                "include_name": lambda name, kind, parent: (
                    kind != "table"
                    or ((name or "").startswith("cp_") and name != "cp_alembic_version")
                ),
            },
        )
        assert compare_metadata(context, tables.metadata) == []


def test_upgrading_again_changes_nothing_and_reports_the_head(engine: Engine) -> None:
    assert cs.upgrade(engine) == cs.head_revision()
    assert cs.current_revision(engine) == cs.head_revision()
    names = set(sa.inspect(engine).get_table_names())
    assert cs.migrate.VERSION_TABLE in names
    assert "alembic_version" not in names  # a host's own Alembic history is left alone


def test_upgrade_takes_a_url_and_creates_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    assert cs.upgrade(f"sqlite:///{path}") == cs.head_revision()
    assert path.exists()
    store = cs.SqlStore(f"sqlite:///{path}")
    assert store.list_portals() == []


def test_the_default_url_is_a_sqlite_file_in_the_working_directory() -> None:
    assert cs.DEFAULT_URL == "sqlite:///clientportal.sqlite3"


# --------------------------------------------------------------------------------------------------
# Engines and errors


def test_an_unreachable_database_is_named_without_its_password() -> None:
    url = "postgresql+psycopg://portal:s3cret-pw@127.0.0.1:9/portal"
    with pytest.raises(cs.DatabaseUnavailable) as caught:
        cs.upgrade(url)
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert "postgresql+psycopg://portal:***@127.0.0.1:9/portal" in message
    assert "Check that the server runs" in message


def test_missing_tables_say_how_to_create_them() -> None:
    store = cs.SqlStore(cs.create_engine("sqlite://"))
    with pytest.raises(cs.SchemaMissing, match=r"clientportal\.sql\.upgrade"):
        store.get_portal("p")


def test_only_sqlite_and_postgresql_are_supported() -> None:
    with pytest.raises(cs.StorageError, match="SQLite or PostgreSQL"):
        cs.create_engine("mysql://user:pw@localhost/db")
    assert "pw" not in cs.safe_url("mysql://user:pw@localhost/db")


def test_a_plain_sqlite_engine_is_used_as_it_is(tmp_path: Path) -> None:
    """A host's engine is never reconfigured (tests/test_sql_host_engine.py has the rest); its
    owner opts in to the library's setup with configure_engine."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    with engine.connect() as conn:  # a connection opened before the store existed
        conn.exec_driver_sql("select 1")
    cs.upgrade(engine)
    store = cs.SqlStore(engine)
    store.put_portal(Portal(id="p", client_id="c", name="P", created_at=T0))
    assert store.get_portal("p") is not None
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"


# --------------------------------------------------------------------------------------------------
# Exact values


def test_money_dates_and_text_read_back_exactly(engine: Engine) -> None:
    base = sample_dataset()
    odd = evolve(
        base.entries[1],
        rate=Decimal("123456789012.3456"),
        cost_rate=Decimal("0.10"),
        description="NUL \x00 and the escape \ue000 and \ue0000 survive",
        approval=ApprovalState(
            ApprovalStatus.REJECTED, Workflow.EXTERNAL, version=3, reason="no\x00pe \ue000"
        ),
    )
    dataset = evolve(base, entries=(base.entries[0], odd, *base.entries[2:]))
    cs.load_dataset(engine, dataset)
    (back,) = cs.SqlDataSource(engine).entries_by_id(frozenset({odd.id}))
    assert back == odd
    assert str(back.rate) == "123456789012.3456"
    assert str(back.cost_rate) == "0.10"


def test_datetimes_come_back_aware_in_utc(engine: Engine) -> None:
    store = cs.SqlStore(engine)
    portal = Portal(
        id="p", client_id="c", name="P", created_at=dt.datetime(2026, 3, 2, 10, tzinfo=CET)
    )
    store.put_portal(portal)
    back = store.get_portal("p")
    assert back == portal
    assert back is not None
    assert back.created_at.tzinfo == dt.UTC
    assert back.created_at.hour == 9


def test_a_naive_datetime_is_refused(engine: Engine) -> None:
    naive = tables.access_log.insert().values(
        at=dt.datetime(2026, 1, 1), action="OPEN", reason="ok"
    )
    with pytest.raises(sa.exc.StatementError, match="timezone-aware"), engine.begin() as conn:
        conn.execute(naive)


# --------------------------------------------------------------------------------------------------
# Store behaviour beyond the contract


def test_a_change_that_skips_a_version_is_refused(engine: Engine) -> None:
    store = cs.SqlStore(engine)
    change = _submitted("e1")
    skipping = ApprovalChange("e1", 0, evolve(change.state, version=5), change.event)
    with pytest.raises(ValidationError, match="must store version 1, not 5"):
        store.apply_changes([skipping])
    assert store.approval_states(frozenset({"e1"})) == {}


def test_a_taken_outbox_id_writes_nothing(engine: Engine) -> None:
    store = cs.SqlStore(engine)
    store.enqueue([_mail("m1")])
    with pytest.raises(ValidationError, match="m1"):
        store.apply_changes([_submitted("e1")], [_mail("m1")])
    assert store.approval_states(frozenset({"e1"})) == {}
    with pytest.raises(ValidationError, match="m2"):
        store.enqueue([_mail("m2"), _mail("m2")])
    assert [m.id for m in store.pending()] == ["m1"]


def test_a_stale_batch_names_every_stale_entry_once(engine: Engine) -> None:
    store = cs.SqlStore(engine)
    store.apply_changes([_submitted("e1"), _submitted("e2")])
    with pytest.raises(ChangedMeanwhile) as caught:
        store.apply_changes([_submitted("e2"), _submitted("e1"), _submitted("e3")])
    assert caught.value.entry_ids == ("e2", "e1")


def test_a_link_for_an_unknown_portal_is_refused_with_a_hint(engine: Engine) -> None:
    with pytest.raises(NotFound, match="put_portal"):
        cs.SqlStore(engine).add_link(_link("l1", portal_id="nope"))


def test_sent_and_failed_marks_need_a_known_message(engine: Engine) -> None:
    store = cs.SqlStore(engine)
    with pytest.raises(NotFound, match="nope"):
        store.mark_sent("nope", at=T0)
    with pytest.raises(NotFound, match="nope"):
        store.mark_failed("nope", at=T0, error="x", retry_at=None)
    store.enqueue([_mail("m1")])
    store.mark_sent("m1", at=T0)
    sent = store.outbox_message("m1")
    assert sent is not None
    assert sent.sent_at == T0


def test_load_dataset_refuses_entries_of_unknown_projects(engine: Engine) -> None:
    base = sample_dataset()
    broken = Dataset(entries=(evolve(base.entries[0], project_id="p-gone"),))
    with pytest.raises(ValueError, match="p-gone"):
        cs.load_dataset(engine, broken)


def test_a_load_on_postgresql_leaves_the_planner_the_tables_statistics(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("ANALYZE after a load is PostgreSQL's (SQLite plans from its indexes)")
    cs.load_dataset(engine, sample_dataset())
    with engine.connect() as conn:
        analyzed = conn.execute(
            sa.text(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "AND relname IN ('tt_entries', 'cp_approvals', 'tt_entry_sums') "
                "AND last_analyze IS NOT NULL"
            )
        ).scalars()
        assert sorted(analyzed) == ["cp_approvals", "tt_entries", "tt_entry_sums"]


def test_entries_by_id_never_takes_a_longer_id_for_a_shorter_one(engine: Engine) -> None:
    base = sample_dataset()
    stored = "e" * 191
    cs.load_dataset(engine, evolve(base, entries=(evolve(base.entries[0], id=stored),)))
    source = cs.SqlDataSource(engine)
    assert [e.id for e in source.entries_by_id(frozenset({stored}))] == [stored]
    assert list(source.entries_by_id(frozenset({stored + "x"}))) == []


def test_a_load_into_a_schema_without_the_entry_sums_still_loads(engine: Engine) -> None:
    base = sample_dataset()
    cs.load_dataset(engine, evolve(base, entries=()))
    with engine.begin() as conn:
        tables.entry_sums.drop(conn)  # a schema made before the sums
    try:
        assert cs.load_entries(engine, base.entries) == len(base.entries)
        assert not cs.SqlDataSource(engine).has_sums
    finally:  # the PostgreSQL schema is shared by this module's tests: the sums come back
        with engine.begin() as conn:
            install_entry_sums(conn)
    assert cs.SqlDataSource(engine).has_sums


# --------------------------------------------------------------------------------------------------
# The page of hours uses the index


def test_the_page_of_hours_is_one_index_range_scan_without_sorting(sqlite: Engine) -> None:
    cs.load_dataset(sqlite, sample_dataset())
    source = cs.SqlDataSource(sqlite)
    scope = Scope.of(_sample_portal())
    statements: list[tuple[str, object]] = []

    def capture(
        conn: object, cursor: object, statement: str, parameters: object, *args: object
    ) -> None:
        if "tt_entries" in statement:
            statements.append((statement, parameters))

    sa.event.listen(sqlite, "before_cursor_execute", capture)
    try:
        source.entries(scope, EntryQuery(limit=5))
    finally:
        sa.event.remove(sqlite, "before_cursor_execute", capture)
    ((statement, parameters),) = statements
    with sqlite.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)  # type: ignore[arg-type]
        plan = " | ".join(str(row[-1]) for row in rows)
    assert "ix_tt_entries_client_date_id" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
