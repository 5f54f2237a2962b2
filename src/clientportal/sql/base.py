"""What the SQL backends stand on: an engine from an engine or a URL and, for every part of
:class:`~clientportal.sql.SqlStore`, a connection for reads and a transaction for writes (with the
storage errors translated), and an INSERT that knows ``ON CONFLICT`` on this database."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from .engine import READ, WRITE, create_engine, prepare_engine, safe_url, translated_errors
from .shared import one_connection, read_connection, release_shared

__all__ = ["SqlBase", "engine_of"]


def engine_of(engine: Engine | str) -> Engine:
    """``engine`` prepared for clientportal (:func:`~clientportal.sql.prepare_engine`), or a new
    engine for it when it is a URL (:func:`~clientportal.sql.create_engine`)."""
    return create_engine(engine) if isinstance(engine, str) else prepare_engine(engine)


class SqlBase:
    """The engine and its plumbing, shared by the store's parts (one per port).

    ``engine`` is an :class:`~sqlalchemy.engine.Engine` (prepared with
    :func:`~clientportal.sql.prepare_engine`) or a URL.
    """

    def __init__(self, engine: Engine | str) -> None:
        self.engine = engine_of(engine)
        self._writer = self.engine.execution_options(**{WRITE: True})
        self._postgres = self.engine.dialect.name == "postgresql"
        # A read of one statement needs no transaction around it (no BEGIN, no ROLLBACK: on
        # PostgreSQL two round trips fewer); the statement sees its own snapshot either way.
        self._single_reader = self.engine.execution_options(**{READ: True})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({safe_url(self.engine)!r})"

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that takes the write lock at once (on SQLite: ``BEGIN IMMEDIATE``)."""
        release_shared(self.engine)
        with translated_errors(self.engine), self._writer.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection whose statements share one transaction (one snapshot)."""
        release_shared(self.engine)
        with translated_errors(self.engine), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def _read_one(self) -> Iterator[Connection]:
        """A connection for a read of a single statement, run without a transaction of its own
        (the one its thread shares within :func:`~clientportal.sql.one_connection`)."""
        with read_connection(self.engine, self._single_reader) as conn:
            yield conn

    def one_connection(self) -> contextlib.AbstractContextManager[None]:
        """Within the block, single reads share one connection: :func:`~.shared.one_connection`."""
        return one_connection()

    def _insert(self, table: sa.Table) -> Any:
        """An INSERT that knows ``ON CONFLICT`` on this database."""
        return (postgresql.insert if self._postgres else sqlite.insert)(table)
