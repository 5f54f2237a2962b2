"""The two ways of making the library's tables agree: the CLI (``clientportal --db ...``) works
on a database ``manage.py migrate`` made, ``clientportal db upgrade`` carries on from where the
Django migrations stopped, and ``migrate`` adopts tables Alembic made, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from reflected_schema import differences, reflected
from sqlalchemy.engine import Engine

from clientportal.cli import main
from clientportal.contrib.django.engine import engine_from_settings, url_from_settings
from clientportal.sql import create_engine, current_revision, head_revision, upgrade
from clientportal.sql.testing import postgres_url, temporary_schema

APP = "clientportal"


def cli_url(alias: str) -> str:
    """``--db`` for Django's database ``alias`` (on PostgreSQL: in the test's schema)."""
    url = url_from_settings(alias)
    options = settings.DATABASES[alias].get("OPTIONS", {}).get("options")
    if options:
        url = url.update_query_dict({"options": options.replace(" ", "")})
    return url.render_as_string(hide_password=False)


def cli(alias: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", cli_url(alias), *args])
    return result.exit_code, result.output


@pytest.fixture
def engine(django_db: str) -> Iterator[Engine]:
    """An engine on ``django_db`` (as the store sees it)."""
    made = engine_from_settings(django_db)
    yield made
    made.dispose()


@pytest.fixture
def alembic_head(django_db: str, tmp_path: Path) -> Iterator[Engine]:
    """Another database of ``django_db``'s kind, made by Alembic (``clientportal.sql.upgrade``)."""
    if connections[django_db].vendor == "sqlite":
        made = create_engine(f"sqlite:///{tmp_path / 'alembic.sqlite3'}")
        upgrade(made)
        yield made
        made.dispose()
    else:
        with temporary_schema(postgres_url()) as made:
            upgrade(made)
            yield made


def applied(alias: str) -> list[str]:
    """The app's migrations Django recorded as applied on ``alias``."""
    recorder = MigrationRecorder(connections[alias])
    return sorted(name for app, name in recorder.applied_migrations() if app == APP)


def test_the_cli_works_on_a_database_made_by_migrate(migrated: str, engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    code, out = cli(migrated, "portal", "list")
    assert code == 0, out
    assert "there are no portals yet" in out
    code, out = cli(migrated, "webhook", "add", "https://example.com/in", "--secret", "s" * 20)
    assert code == 0, out
    code, out = cli(migrated, "webhook", "list")
    assert "https://example.com/in" in out


def test_db_upgrade_carries_on_from_the_django_migrations_and_migrate_records_the_rest(
    django_db: str, engine: Engine, alembic_head: Engine
) -> None:
    call_command("migrate", APP, "0001", database=django_db, verbosity=0)
    assert current_revision(engine) == "0006"
    code, out = cli(django_db, "portal", "list")
    assert code == 1
    assert f"is at schema revision 0006, this clientportal needs {head_revision()}" in out

    code, out = cli(django_db, "db", "upgrade")
    assert code == 0, out
    assert current_revision(engine) == head_revision()
    call_command("migrate", APP, database=django_db, verbosity=0)  # nothing left to create
    assert applied(django_db) == [
        "0001_initial",
        "0002_events",
        "0003_portal_events",
        "0004_requests",
    ]
    assert current_revision(engine) == head_revision()
    assert differences(reflected(alembic_head), reflected(engine)) == []


def test_migrate_adopts_the_tables_alembic_made(django_db: str, engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as conn:
        tables_before = set(engine.dialect.get_table_names(conn))
    call_command("migrate", APP, database=django_db, verbosity=0)
    assert applied(django_db) == [
        "0001_initial",
        "0002_events",
        "0003_portal_events",
        "0004_requests",
    ]
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert set(engine.dialect.get_table_names(conn)) - tables_before == {"django_migrations"}


def test_migrate_refuses_tables_at_an_older_alembic_revision(
    django_db: str, engine: Engine
) -> None:
    upgrade(engine, "0003")
    with pytest.raises(ValueError, match=r"are at Alembic revision 0003.*clientportal db upgrade"):
        call_command("migrate", APP, database=django_db, verbosity=0)
    assert applied(django_db) == []


def test_unmigrating_a_step_alembic_moved_on_from_is_refused(migrated: str, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cp_alembic_version SET version_num = '0099'")
    with pytest.raises(ValueError, match=r"at Alembic revision 0099, not 0009"):
        call_command("migrate", APP, "0002", database=migrated, verbosity=0)
