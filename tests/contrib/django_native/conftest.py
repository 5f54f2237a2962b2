"""Django databases for the native-integration tests: each test gets a database alias of its
own (a SQLite file, or a schema of the test PostgreSQL), added to Django's connections and
removed afterwards. Django is configured once per process by ``frameworks.django_setup``."""

from __future__ import annotations

import contextlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/contrib: frameworks

from frameworks import django_setup, require

require("django", "django")
django_setup()


def add_database(alias: str, conf: dict[str, Any]) -> None:
    """Make ``alias`` a database of Django's ``DATABASES`` and connections."""
    from django.conf import settings
    from django.db import connections

    settings.DATABASES[alias] = conf
    connections.settings[alias] = connections.configure_settings(
        {"default": settings.DATABASES["default"], alias: conf}
    )[alias]


def remove_database(alias: str) -> None:
    """Close ``alias``'s connection and forget it."""
    from django.conf import settings
    from django.db import connections

    connections[alias].close()
    del connections[alias]
    connections.settings.pop(alias, None)  # may be settings.DATABASES itself
    settings.DATABASES.pop(alias, None)


def postgres_settings(schema: str) -> dict[str, Any]:
    """Django's settings for the test PostgreSQL, working in ``schema``."""
    from sqlalchemy.engine import make_url

    from clientportal.sql.testing import postgres_url

    url = make_url(postgres_url())
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.database,
        "USER": url.username or "",
        "PASSWORD": url.password or "",
        "HOST": url.host or "",
        "PORT": str(url.port or ""),
        "OPTIONS": {"options": f"-c search_path={schema}"},
    }


@contextlib.contextmanager
def database(kind: str, directory: Path) -> Iterator[str]:
    """The alias of a new, empty database: a SQLite file in ``directory``, or a schema of the
    test PostgreSQL (dropped afterwards)."""
    alias = f"cp_{uuid.uuid4().hex[:12]}"
    if kind == "sqlite":
        add_database(
            alias, {"ENGINE": "django.db.backends.sqlite3", "NAME": str(directory / "db.sqlite3")}
        )
        try:
            yield alias
        finally:
            remove_database(alias)
        return
    from clientportal.sql.testing import postgres_url, schema_name, temporary_schema

    schema = schema_name("cp_django")
    with temporary_schema(postgres_url(), name=schema):
        add_database(alias, postgres_settings(schema))
        try:
            yield alias
        finally:
            remove_database(alias)


@pytest.fixture(params=["sqlite", "postgresql"])
def django_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The alias of an empty database of this test: a SQLite file, then a PostgreSQL schema."""
    with database(request.param, tmp_path) as alias:
        yield alias


@pytest.fixture
def migrated(django_db: str) -> str:
    """``django_db`` after ``manage.py migrate``: the library's tables made by its app."""
    from django.core.management import call_command

    call_command("migrate", "clientportal", database=django_db, verbosity=0)
    return django_db
