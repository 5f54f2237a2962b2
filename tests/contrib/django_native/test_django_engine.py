"""The SQLAlchemy engine built from Django's DATABASES: the same database, set up as Django sets
up its connections, and nothing changed behind the host's back."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from clientportal import ConfigError, Portal, Project
from clientportal.contrib.django.engine import engine_from_settings, url_from_settings
from clientportal.sql import SqlStore
from conftest import add_database, postgres_settings, remove_database


@pytest.fixture
def sqlite_alias(tmp_path: Path) -> str:
    alias = "cp_engine_sqlite"
    add_database(
        alias,
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "host.sqlite3"),
            "OPTIONS": {"init_command": "PRAGMA cache_size = -1234", "timeout": 7},
        },
    )
    yield alias
    remove_database(alias)


def test_sqlite_gets_the_file_foreign_keys_and_the_init_command(sqlite_alias: str) -> None:
    engine = engine_from_settings(sqlite_alias)
    try:
        assert engine.url.database == settings.DATABASES[sqlite_alias]["NAME"]
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -1234
    finally:
        engine.dispose()


def test_the_store_leaves_the_hosts_file_and_settings_as_they_were(sqlite_alias: str) -> None:
    before = copy.deepcopy(settings.DATABASES[sqlite_alias])
    call_command("migrate", "clientportal", database=sqlite_alias, verbosity=0)
    engine = engine_from_settings(sqlite_alias)
    try:
        store = SqlStore(engine)
        store.put_portal(
            Portal.create(
                id="p1",
                client_id="c1",
                name="P",
                projects=[Project("pr1", "c1", "Site")],
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        assert store.get_portal("p1") is not None
        with connections[sqlite_alias].cursor() as cursor:  # Django sees what the store wrote
            cursor.execute("SELECT name FROM cp_portals")
            assert cursor.fetchall() == [("P",)]
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone() == ("delete",)  # never switched to WAL
    finally:
        engine.dispose()
    assert settings.DATABASES[sqlite_alias] == before


def test_postgresql_settings_become_the_url_password_and_options_included() -> None:
    alias = "cp_engine_pg"
    add_database(
        alias,
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "tracker",
            "USER": "app",
            "PASSWORD": "s3cret",
            "HOST": "db.internal",
            "PORT": "6543",
            "OPTIONS": {"sslmode": "require", "isolation_level": 1, "pool": False},
        },
    )
    try:
        url = url_from_settings(alias)
        assert url.render_as_string(hide_password=False) == (
            "postgresql+psycopg://app:s3cret@db.internal:6543/tracker"
        )
        assert "s3cret" not in url.render_as_string(hide_password=True)
    finally:
        remove_database(alias)


def test_postgresql_options_reach_the_driver_but_djangos_own_do_not() -> None:
    from clientportal.sql.testing import postgres_url, schema_name, temporary_schema

    postgres_url()  # skips without the test PostgreSQL
    schema = schema_name("cp_engine")
    with temporary_schema(postgres_url(), name=schema):
        conf = postgres_settings(schema)
        conf["OPTIONS"].update(
            {"application_name": "cp-test", "isolation_level": 3, "server_side_binding": True}
        )
        add_database("cp_engine_real_pg", conf)
        try:
            engine = engine_from_settings("cp_engine_real_pg")
            try:
                with engine.connect() as conn:
                    assert conn.exec_driver_sql("SHOW application_name").scalar() == "cp-test"
                    assert conn.exec_driver_sql("SHOW search_path").scalar() == schema
            finally:
                engine.dispose()
        finally:
            remove_database("cp_engine_real_pg")


def test_a_database_the_library_cannot_use_is_named() -> None:
    with pytest.raises(ConfigError, match="there is no database 'nope' in DATABASES"):
        engine_from_settings("nope")
    with pytest.raises(ConfigError, match="in-memory SQLite database"):
        engine_from_settings("default")
    add_database("cp_engine_dummy", {"ENGINE": "django.db.backends.dummy"})
    try:
        with pytest.raises(ConfigError, match="clientportal keeps its tables in SQLite or"):
            url_from_settings("cp_engine_dummy")
    finally:
        remove_database("cp_engine_dummy")


def test_connect_args_given_are_added_to_the_settings_options(sqlite_alias: str) -> None:
    engine = engine_from_settings(sqlite_alias, connect_args={"timeout": 3}, echo=False)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
