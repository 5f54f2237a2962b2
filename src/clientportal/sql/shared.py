"""One connection for the reads of a page: :func:`one_connection`.

A page of the portal reads a dozen single statements (the session, the projects, the budgets, the
totals…). Each one checked out of the pool on its own costs more than the statement itself on
SQLite (the checkout, SQLAlchemy's begin and its rollback on return: about 60 µs a statement),
and on PostgreSQL a return to the pool resets the connection. Within :func:`one_connection` those
reads share one connection per engine, checked out at the first read and returned at the end of
the block.

What stays the same: each read still runs on its own (on SQLite outside any transaction, on
PostgreSQL in autocommit), so it sees what was committed when it runs, as before. A write, or a
read of several statements that must see one snapshot, first returns the shared connection to the
pool and then takes its own: a thread never holds two connections of an engine at once, so a
pool is never exhausted by threads that each wait for a second one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from sqlalchemy.engine import Connection, Engine

from .engine import translated_errors

__all__ = ["one_connection", "read_connection", "release_shared"]

#: The connection each engine's single reads share in this context, when one is open.
_SHARED: ContextVar[dict[Engine, Connection] | None] = ContextVar(
    "clientportal_shared_connections", default=None
)


@contextlib.contextmanager
def one_connection() -> Iterator[None]:
    """Within the block, the single-statement reads of :class:`~clientportal.sql.SqlStore`,
    :class:`~clientportal.sql.SqlDataSource` and the SQL rate limiters share one connection per
    engine (per thread, or per task: the connections are kept in a context variable).

    The web app wraps each request in it. Nested blocks share the outer block's connections.
    """
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        shared = _SHARED.get() or {}
        _SHARED.reset(token)
        for conn in shared.values():
            conn.close()


@contextlib.contextmanager
def read_connection(engine: Engine, reader: Engine) -> Iterator[Connection]:
    """A connection of ``reader`` (``engine`` with the options of a single read) for one read:
    the shared one within :func:`one_connection`, else one of its own, returned after the read."""
    shared = _SHARED.get()
    if shared is None:
        with translated_errors(engine), reader.connect() as conn:
            yield conn
        return
    with translated_errors(engine):
        held = shared.get(engine)
        if held is None or held.closed or held.invalidated:
            if held is not None:
                held.close()
            held = shared[engine] = reader.connect()
        yield held


def release_shared(engine: Engine) -> None:
    """Return ``engine``'s shared connection to the pool, if this context holds one (before a
    write or a snapshot read takes a connection of its own)."""
    shared = _SHARED.get()
    if shared:
        conn = shared.pop(engine, None)
        if conn is not None:
            conn.close()
