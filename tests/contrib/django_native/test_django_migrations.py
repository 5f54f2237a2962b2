"""The app's Django migrations make exactly the tables the library's Alembic head makes, and the
SqlStore works on them (its whole contract), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from reflected_schema import differences, reflected
from sqlalchemy.engine import Engine

from clientportal.contrib.django.engine import engine_from_settings
from clientportal.sql import create_engine, head_revision, upgrade
from clientportal.sql.testing import postgres_url, temporary_schema


@pytest.fixture
def alembic_head(django_db: str, tmp_path: Path) -> Iterator[Engine]:
    """A database of the same kind as ``django_db`` with the tables of the Alembic head."""
    if connections[django_db].vendor == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'alembic.sqlite3'}")
        upgrade(engine)
        yield engine
        engine.dispose()
    else:
        with temporary_schema(postgres_url()) as engine:
            upgrade(engine)
            yield engine


def test_migrate_makes_exactly_the_tables_of_the_alembic_head(
    migrated: str, alembic_head: Engine
) -> None:
    engine = engine_from_settings(migrated)
    try:
        made_by_django = reflected(engine)
    finally:
        engine.dispose()
    made_by_alembic = reflected(alembic_head)
    assert {"cp_approvals", "cp_alembic_version"} <= set(made_by_alembic)
    assert made_by_alembic["revision"] == [head_revision()]
    assert differences(made_by_alembic, made_by_django) == []


def test_the_schema_check_sees_a_difference(migrated: str, alembic_head: Engine) -> None:
    with connections[migrated].cursor() as cursor:
        cursor.execute("CREATE INDEX ix_extra ON cp_links (contact_id)")
    engine = engine_from_settings(migrated)
    try:
        found = differences(reflected(alembic_head), reflected(engine))
    finally:
        engine.dispose()
    assert len(found) == 1
    assert found[0].startswith("cp_links indexes")


def _revision(alias: str) -> list[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT version_num FROM cp_alembic_version")
        return [row[0] for row in cursor.fetchall()]


def test_migrate_records_itself_in_django_and_alembic_and_migrating_back_undoes_both(
    migrated: str,
) -> None:
    connection = connections[migrated]
    tables = set(connection.introspection.table_names())
    assert {"cp_portals", "cp_approvals", "django_migrations", "cp_alembic_version"} <= tables
    assert _revision(migrated) == [head_revision()]
    call_command("migrate", "clientportal", "0002", database=migrated, verbosity=0)
    assert _revision(migrated) == ["0007"]
    call_command("migrate", "clientportal", "0001", database=migrated, verbosity=0)
    assert _revision(migrated) == ["0006"]
    assert "cp_events" not in connection.introspection.table_names()
    call_command("migrate", "clientportal", "zero", database=migrated, verbosity=0)
    left = {t for t in connection.introspection.table_names() if t.startswith("cp_")}
    assert left == set()


def test_sqlmigrate_shows_the_statements(
    django_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("sqlmigrate", "clientportal", "0001", database=django_db)
    sql = capsys.readouterr().out
    assert "CREATE TABLE cp_portals" in sql
    assert "ON DELETE CASCADE" in sql
    assert "INSERT INTO cp_alembic_version (version_num) VALUES ('0006')" in sql
    call_command("sqlmigrate", "clientportal", "0003", database=django_db)
    sql = capsys.readouterr().out
    assert "CREATE INDEX ix_cp_events_portal_seq ON cp_events (portal_id, seq)" in sql
    assert "UPDATE cp_alembic_version SET version_num='0008' WHERE" in sql


def test_the_models_need_no_new_migration(django_db: str) -> None:
    call_command("makemigrations", "clientportal", check=True, dry_run=True, verbosity=0)
