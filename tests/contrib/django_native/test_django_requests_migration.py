"""The app's migration 0004 (Alembic revision 0009): the request, once-only, sign-off and quote
tables and the status indexes, shown by ``sqlmigrate``, and undone by migrating back to 0003."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connections

_NEW_TABLES = {
    "cp_approval_requests",
    "cp_sent_once",
    "cp_signoffs",
    "cp_signoff_items",
    "cp_quote_decisions",
}
_STATUS_INDEXES = {"ix_cp_approvals_status_updated_at", "ix_cp_item_approvals_status_updated_at"}


def _state(alias: str) -> tuple[set[str], set[str], list[str]]:
    """The ``cp_`` tables, the status indexes and the recorded Alembic revision of ``alias``."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = {t for t in connection.introspection.table_names(cursor) if t.startswith("cp_")}
        found = set()
        for table in ("cp_approvals", "cp_item_approvals"):
            found |= set(connection.introspection.get_constraints(cursor, table))
        cursor.execute("SELECT version_num FROM cp_alembic_version")
        revision = [row[0] for row in cursor.fetchall()]
    return tables, found & _STATUS_INDEXES, revision


def test_0004_makes_the_tables_and_indexes_and_migrating_back_removes_them(migrated: str) -> None:
    tables, indexes, revision = _state(migrated)
    assert tables >= _NEW_TABLES
    assert indexes == _STATUS_INDEXES
    assert revision == ["0009"]
    call_command("migrate", "clientportal", "0003", database=migrated, verbosity=0)
    tables, indexes, revision = _state(migrated)
    assert not _NEW_TABLES & tables
    assert indexes == set()
    assert revision == ["0008"]
    assert "cp_approvals" in tables
    call_command("migrate", "clientportal", database=migrated, verbosity=0)
    assert _state(migrated) == (tables | _NEW_TABLES, _STATUS_INDEXES, ["0009"])


def test_sqlmigrate_shows_the_tables_and_the_status_indexes(
    django_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("sqlmigrate", "clientportal", "0004", database=django_db)
    sql = capsys.readouterr().out
    assert "CREATE TABLE cp_sent_once" in sql
    assert "CREATE INDEX ix_cp_item_approvals_status_updated_at ON cp_item_approvals" in sql
    assert "UPDATE cp_alembic_version SET version_num='0009' WHERE" in sql
