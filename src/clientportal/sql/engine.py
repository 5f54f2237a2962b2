"""Engines for SQLite and PostgreSQL, set up the way the store needs them, and storage errors.

An engine the library makes (:func:`create_engine`, from a URL) is the library's own: on SQLite it
gets foreign keys, a busy timeout, WAL and real transactions (pysqlite's own transaction handling
is switched off and each transaction starts with ``BEGIN`` (reads) or ``BEGIN IMMEDIATE``
(writes), so concurrent writers queue up instead of failing half-way); on PostgreSQL its pool pings
a connection that sat unused for a second before handing it out.

An engine a host gives (``SqlStore(engine)``) is never changed: :func:`prepare_engine` returns a
*view* of it (same pool, listeners of its own) whose transactions start with ``BEGIN`` or
``BEGIN IMMEDIATE`` on SQLite, and whose single-statement reads (:data:`READ`) run without a
transaction. Nothing persistent is set on the host's connections or database file: no WAL, no
foreign-key or busy-timeout pragma, no change to pysqlite's transaction handling. A host who wants
the library's full setup on its own engine opts in with :func:`configure_engine`.
"""

from __future__ import annotations

import contextlib
import time
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from ..errors import ClientPortalError

__all__ = [
    "DEFAULT_URL",
    "DatabaseUnavailable",
    "SchemaMissing",
    "StorageError",
    "configure_engine",
    "create_engine",
    "prepare_engine",
    "safe_url",
]

#: Where the portal keeps its state unless told otherwise: a SQLite file in the working directory.
DEFAULT_URL = "sqlite:///clientportal.sqlite3"

#: The execution option that makes a SQLite transaction take the write lock at ``BEGIN``.
WRITE = "clientportal_write"
#: The execution option for single-statement reads: they run without a transaction of their own
#: (on SQLite without a ``BEGIN``, on PostgreSQL in autocommit).
READ = "clientportal_read"

#: Seconds a pooled PostgreSQL connection may sit unused before it is pinged at checkout.
PING_AFTER_IDLE = 1.0

_SUPPORTED = ("sqlite", "postgresql")
_BUSY_TIMEOUT_MS = 30_000
_IDLE_SINCE = "clientportal_idle_since"
#: The execution option that marks a view made by :func:`prepare_engine`.
_VIEW = "clientportal_view"
#: The view of each host engine (by the engine's id: a view holds its engine, so the id is the
#: engine's while the view lives), so every part of the library shares one (and, within
#: ``one_connection()``, one connection per engine).
_VIEWS: weakref.WeakValueDictionary[int, Engine] = weakref.WeakValueDictionary()


class StorageError(ClientPortalError):
    """The database could not do what the store asked."""


class DatabaseUnavailable(StorageError):
    """The database cannot be reached (wrong URL, server down, no permission)."""


class SchemaMissing(StorageError):
    """The database is reachable but the clientportal tables are not there (or are outdated)."""


def safe_url(url: str | URL | Engine) -> str:
    """The URL as text with its password masked, fit for a log or an error message."""
    if isinstance(url, Engine):
        url = url.url
    return make_url(url).render_as_string(hide_password=True)


def create_engine(url: str | URL = DEFAULT_URL, **options: Any) -> Engine:
    """An engine for ``url`` (SQLite or PostgreSQL), the library's own, set up for the store by
    :func:`configure_engine` (on a SQLite file that means WAL: see there).

    ``sqlite://`` (in memory) keeps one connection for the whole process, so every user sees the
    same database; use a file for more than one thread. ``options`` go to
    :func:`sqlalchemy.create_engine`. A PostgreSQL pool pings a connection before handing it out
    when it sat unused for :data:`PING_AFTER_IDLE` seconds (a dropped one is replaced, with every
    older one); ``pool_pre_ping=True`` pings at every checkout instead.
    """
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):  # no scheme, say, or a port that is not a number
        raise StorageError(
            f"{str(url)[:80]!r} is not a database URL: use sqlite:///path.sqlite3 or "
            "postgresql+psycopg://user@host/database"
        ) from None
    if parsed.get_backend_name() not in _SUPPORTED:
        raise StorageError(
            f"clientportal stores its state in SQLite or PostgreSQL, not "
            f"{parsed.get_backend_name()!r} ({safe_url(parsed)}): use sqlite:///path.sqlite3 or "
            "postgresql+psycopg://user@host/database"
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        options.setdefault("poolclass", StaticPool)
        options.setdefault("connect_args", {"check_same_thread": False})
    ping_idle = parsed.get_backend_name() == "postgresql" and "pool_pre_ping" not in options
    if parsed.get_backend_name() == "postgresql":
        # psycopg prepares a statement on its fifth run, and PostgreSQL may then plan it once for
        # any parameters: a page of hours bounded by dates became a scan of every entry of the
        # portal (160 ms instead of 0.3 ms). Each run is planned for its own parameters instead.
        connect_args = dict(options.get("connect_args", {}))
        in_url = parsed.query.get("options", "")  # e.g. ?options=-csearch_path%3Dschema
        given = connect_args.get("options", in_url if isinstance(in_url, str) else " ".join(in_url))
        if "plan_cache_mode" not in given:
            connect_args["options"] = f"{given} -c plan_cache_mode=force_custom_plan".strip()
        options["connect_args"] = connect_args
    engine = sa.create_engine(parsed, **options)
    if ping_idle:
        _ping_idle_connections(engine)
    return configure_engine(engine)


def _check_supported(engine: Engine) -> None:
    name = engine.dialect.name
    if name not in _SUPPORTED:
        raise StorageError(
            f"clientportal stores its state in SQLite or PostgreSQL, not {name!r} "
            f"({safe_url(engine)})"
        )


def is_configured(engine: Engine) -> bool:
    """Whether ``engine`` is set up for the store: made by :func:`create_engine`, opted in with
    :func:`configure_engine`, or a view from :func:`prepare_engine`."""
    if engine.get_execution_options().get(_VIEW, False):
        return True
    if engine.dialect.name == "sqlite":
        return event.contains(engine, "begin", _sqlite_begin)
    return event.contains(engine, "engine_connect", _postgres_read)


def configure_engine(engine: Engine) -> Engine:
    """Opt in: set ``engine`` up for the store as :func:`create_engine` sets up its own
    (idempotent), and return it. **This changes the engine and, on SQLite, the database file.**

    For SQLite: every connection of the engine gets foreign keys on, a 30 s busy timeout and
    pysqlite's transaction handling switched off (each transaction then begins with ``BEGIN``;
    the store's writes with ``BEGIN IMMEDIATE``), and a file database is switched to WAL (which
    stays with the file). For PostgreSQL: single-statement reads run in autocommit. Without it,
    the store works through a view of a given engine and changes nothing (:func:`prepare_engine`).
    Raises :class:`StorageError` for a database other than SQLite or PostgreSQL.
    """
    _check_supported(engine)
    name = engine.dialect.name
    if name == "sqlite" and not event.contains(engine, "begin", _sqlite_begin):
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    if name == "postgresql" and not event.contains(engine, "engine_connect", _postgres_read):
        event.listen(engine, "engine_connect", _postgres_read)
    return engine


def prepare_engine(engine: Engine) -> Engine:
    """The engine the store works through for ``engine``, which is left as it was.

    An engine already set up (:func:`create_engine`, :func:`configure_engine`, or a view this
    function returned) comes back as it is. Any other is a host's: the store gets a view of it
    (the same pool; listeners of its own, so the host's own connections never see them) that on
    SQLite begins the store's transactions explicitly (``BEGIN IMMEDIATE`` for writes, so
    concurrent writers queue up) and runs single-statement reads without a transaction, and on
    PostgreSQL runs single-statement reads in autocommit (reset when the connection goes back to
    the pool). Nothing persistent is set: the file keeps its journal mode, the connections their
    pragmas and pysqlite's transaction handling; the busy timeout is the engine's (pysqlite's
    default: 5 s). The same engine always gets the same view. A SQLite engine that begins its
    transactions itself (a ``begin`` listener, SQLAlchemy's pysqlite recipe) keeps doing so, and
    a :class:`RuntimeWarning` says that concurrent writers may then meet "database is locked".
    Raises :class:`StorageError` for a database other than SQLite or PostgreSQL.
    """
    _check_supported(engine)
    if is_configured(engine):
        return engine
    view = _VIEWS.get(id(engine))
    if view is None:
        view = engine.execution_options(**{_VIEW: True})
        if engine.dialect.name != "sqlite":
            event.listen(view, "engine_connect", _postgres_read)
        elif len(engine.dispatch.begin) == 0:
            event.listen(view, "begin", _view_begin)
        else:
            # The host begins its transactions itself (SQLAlchemy's pysqlite recipe): a BEGIN
            # of ours would come first and make the host's fail, so the host's stands alone.
            warnings.warn(
                f"the SQLite engine given to clientportal ({safe_url(engine)}) begins its "
                "transactions itself (a 'begin' listener), so the store cannot take the write "
                "lock when a write begins (BEGIN IMMEDIATE): concurrent writers may fail with "
                "'database is locked'. Give the store an engine of its own "
                "(clientportal.sql.create_engine(url)) for the same file",
                RuntimeWarning,
                stacklevel=3,
            )
        _VIEWS[id(engine)] = view
    return view


def _view_begin(conn: Connection) -> None:
    # On a host's SQLite engine pysqlite keeps its own transaction handling; it never begins
    # before BEGIN itself, and once a transaction is open it begins nothing more, so an explicit
    # BEGIN leaves it nothing to do. Its commit() and rollback() end the transaction as usual.
    options = conn.get_execution_options()
    raw = conn.connection.driver_connection
    if raw is not None and raw.in_transaction:
        return
    if options.get(WRITE, False):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif not options.get(READ, False):
        conn.exec_driver_sql("BEGIN")


def _postgres_read(conn: Connection) -> None:
    # A single-statement read runs in autocommit: no BEGIN and ROLLBACK round trips around it.
    # The pool sets the connection back to transactions when it is returned.
    if conn.get_execution_options().get(READ, False):
        conn.execution_options(isolation_level="AUTOCOMMIT")


def _ping_idle_connections(engine: Engine) -> None:
    """Make the pool ping a connection before handing it out when it sat unused for a while
    (:data:`PING_AFTER_IDLE`), and replace it (and every older one) if the server is gone.

    A connection in steady use is handed out without the ping's round trip; one that idled
    (long enough for a firewall, a server timeout or a restart to have dropped it) is checked
    first, as ``pool_pre_ping`` would. Pass ``pool_pre_ping=True`` to ping at every checkout.
    """
    dialect = engine.dialect

    def checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.InvalidatePoolError()

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def _sqlite_setup(dbapi_connection: Any, info: dict[Any, Any]) -> None:
    if info.get("clientportal"):
        return
    # pysqlite would BEGIN on its own before some statements only; the store begins explicitly.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
        if str(mode).lower() not in ("wal", "memory"):
            with contextlib.suppress(Exception):  # another connection holds the file: keep going
                cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()
    info["clientportal"] = True


def _sqlite_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    _sqlite_setup(dbapi_connection, record.info)


def _sqlite_begin(conn: Connection) -> None:
    # Connections opened before configure_engine() are set up on their first transaction.
    _sqlite_setup(conn.connection.driver_connection, conn.connection.info)
    options = conn.get_execution_options()
    if options.get(WRITE, False):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif not options.get(READ, False):
        conn.exec_driver_sql("BEGIN")


@contextlib.contextmanager
def translated_errors(engine: Engine) -> Iterator[None]:
    """Turn a failure to connect or missing tables into an error that says what to do."""
    try:
        yield
    except exc.DatabaseError as error:
        text = str(error.orig).lower()
        if "file is not a database" in text:
            raise DatabaseUnavailable(
                f"{safe_url(engine)} is not a SQLite database (file is not a database): give "
                "the path of a clientportal database, or a new file to create one"
            ) from error
        if not isinstance(error, exc.OperationalError | exc.ProgrammingError | exc.InterfaceError):
            raise
        if error.statement is None or isinstance(error, exc.InterfaceError):
            raise DatabaseUnavailable(
                f"cannot reach the database at {safe_url(engine)}: {_first_line(error.orig)}. "
                "Check that the server runs and that the URL, user and password are right."
            ) from error
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            raise SchemaMissing(
                f"the clientportal tables are missing in {safe_url(engine)}: create them with "
                "clientportal.sql.upgrade(url) (or `clientportal db upgrade`)"
            ) from error
        raise


def _first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
