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

The connections belong to the thread that opened the block: code that copies the context into
another thread (``asyncio.to_thread``, a thread pool that runs in a copied context) reads there
on connections of its own, so a connection is never used by two threads.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar

from attrs import define, field
from sqlalchemy.engine import Connection, Engine

from .engine import translated_errors

__all__ = ["one_connection", "read_connection", "release_shared"]


@define
class _Shared:
    """The connections each engine's single reads share, and the thread they belong to."""

    thread: int = field(factory=threading.get_ident)
    connections: dict[Engine, Connection] = field(factory=dict)


#: The shared connections of the block this context is in, if any.
_SHARED: ContextVar[_Shared | None] = ContextVar("clientportal_shared_connections", default=None)


def _own() -> _Shared | None:
    """This thread's shared connections, or ``None`` (no block, or another thread's)."""
    shared = _SHARED.get()
    return shared if shared is not None and shared.thread == threading.get_ident() else None


@contextlib.contextmanager
def one_connection() -> Iterator[None]:
    """Within the block, the single-statement reads of :class:`~clientportal.sql.SqlStore`,
    :class:`~clientportal.sql.SqlDataSource` and the SQL rate limiters share one connection per
    engine (kept in a context variable, for the thread that entered the block).

    The web app wraps each request in it. Nested blocks share the outer block's connections.
    """
    if _own() is not None:
        yield
        return
    shared = _Shared()
    token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(token)
        for conn in shared.connections.values():
            conn.close()
        shared.connections.clear()


@contextlib.contextmanager
def read_connection(engine: Engine, reader: Engine) -> Iterator[Connection]:
    """A connection of ``reader`` (``engine`` with the options of a single read) for one read:
    the shared one within :func:`one_connection`, else one of its own, returned after the read."""
    shared = _own()
    if shared is None:
        with translated_errors(engine), reader.connect() as conn:
            yield conn
        return
    with translated_errors(engine):
        held = shared.connections.get(engine)
        if held is None or held.closed or held.invalidated:
            if held is not None:
                held.close()
            held = shared.connections[engine] = reader.connect()
        yield held


def release_shared(engine: Engine) -> None:
    """Return ``engine``'s shared connection to the pool, if this thread holds one (before a
    write or a snapshot read takes a connection of its own)."""
    shared = _own()
    if shared is not None:
        conn = shared.connections.pop(engine, None)
        if conn is not None:
            conn.close()
