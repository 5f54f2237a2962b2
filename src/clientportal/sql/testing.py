"""Helpers for tests against a real database: a throw-away PostgreSQL schema, emptying tables.

Used by clientportal's own tests and offered to hosts that run the contract kit
(:mod:`clientportal.testing.contract`) against their database::

    with temporary_schema("postgresql+psycopg://postgres@127.0.0.1/test") as engine:
        upgrade(engine)
        ...  # every table lives in a fresh schema, dropped on the way out
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url

from . import tables as t
from .engine import WRITE, DatabaseUnavailable, create_engine, safe_url, translated_errors

__all__ = [
    "POSTGRES_VARIABLE",
    "clear_tables",
    "postgres_url",
    "ready_for_tests",
    "schema_name",
    "temporary_schema",
]

#: The environment variable naming the PostgreSQL server the tests may use.
POSTGRES_VARIABLE = "CLIENTPORTAL_TEST_POSTGRES_URL"

_SCHEMA_SHAPE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def postgres_url(variable: str = POSTGRES_VARIABLE) -> str:  # noqa: RET503 (skip raises)
    """The PostgreSQL URL in ``variable``, for a pytest test or fixture.

    Without it the test is skipped with a reason, except when ``CI`` is true: there a missing
    database fails the test, so a CI run can never pass without having tested PostgreSQL.
    """
    import pytest

    url = os.environ.get(variable)
    if url:
        return url
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(
            f"{variable} is not set but CI=true: the PostgreSQL tests must run in CI. Set it, "
            f"e.g. {variable}=postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    pytest.skip(f"no PostgreSQL to test against: set {variable} to run these tests")


def ready_for_tests(engine: Engine) -> Engine:
    """Create the library's tables (migrations) and the reference schema in ``engine``."""
    from .migrate import upgrade

    upgrade(engine)
    t.reference_metadata.create_all(engine)
    return engine


def schema_name(prefix: str = "cp_test") -> str:
    """A schema name no other test run uses: the prefix, the xdist worker, the process, a random
    suffix."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{prefix}_{worker}_{os.getpid()}_{secrets.token_hex(4)}".lower()
    return re.sub(r"[^a-z0-9_]", "_", name)[:63]


@contextlib.contextmanager
def temporary_schema(url: str | URL, *, name: str | None = None) -> Iterator[Engine]:
    """An engine whose connections work in a new PostgreSQL schema, dropped (with everything in
    it) on the way out. Runs in parallel never meet: each has its own schema.

    Raises :class:`~clientportal.sql.DatabaseUnavailable` when the server cannot be reached.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"temporary_schema needs a PostgreSQL URL, got {safe_url(parsed)}")
    schema = name or schema_name()
    if not _SCHEMA_SHAPE.fullmatch(schema):
        raise ValueError(f"{schema!r} is not a plain schema name (lowercase, digits, _)")
    admin = create_engine(parsed)
    try:
        with translated_errors(admin), admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except DatabaseUnavailable:
        admin.dispose()
        raise
    engine = create_engine(parsed, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def clear_tables(engine: Engine, *, reference: bool = True) -> None:
    """Delete every row of the library's tables (and of the reference schema's, when it exists
    and ``reference`` is true), in one transaction. The tables stay."""
    tables = list(reversed(t.metadata.sorted_tables))
    if reference:
        tables = list(reversed(t.reference_metadata.sorted_tables)) + tables
    with engine.execution_options(**{WRITE: True}).begin() as conn:
        present = set(conn.dialect.get_table_names(conn))
        for table in tables:
            if table.name in present:
                conn.execute(table.delete())
