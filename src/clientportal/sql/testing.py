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

__all__ = ["clear_tables", "schema_name", "temporary_schema"]

_SCHEMA_SHAPE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


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
