"""The SQLAlchemy engine for a database of Django's ``DATABASES`` setting, so the library's
:class:`~clientportal.sql.SqlStore` works in the project's own database::

    from clientportal.contrib.django.engine import engine_from_settings
    from clientportal.sql import SqlStore

    store = SqlStore(engine_from_settings())          # DATABASES["default"]

The engine opens connections of its own (Django's are left alone) to the same database, set up as
Django sets up its own: on SQLite, foreign keys on and the ``init_command`` of ``OPTIONS`` run;
on PostgreSQL, the ``assume_role`` role taken. Nothing else is set: no journal mode, no pragma
that stays with the file, no change to Django's settings or connections. What Django alone uses
(SQLite's ``transaction_mode``; PostgreSQL's ``isolation_level``, ``server_side_binding``,
``pool``) does not reach the engine; every other ``OPTIONS`` key goes to the database driver, as
Django passes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from django.db import DEFAULT_DB_ALIAS, connections
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from ...errors import ConfigError

__all__ = ["engine_from_settings", "url_from_settings"]

#: OPTIONS that Django itself acts on and the driver does not take.
_DJANGO_ONLY = {
    "sqlite": frozenset({"init_command", "transaction_mode"}),
    "postgresql": frozenset({"isolation_level", "server_side_binding", "pool", "assume_role"}),
}


def url_from_settings(alias: str = DEFAULT_DB_ALIAS) -> URL:
    """The SQLAlchemy URL of Django's database ``alias`` (SQLite or PostgreSQL), its password
    included: never log it (``url.render_as_string(hide_password=True)`` masks it).

    Raises :class:`~clientportal.errors.ConfigError` for an unknown alias, another database, or
    an in-memory SQLite database (another connection would see an empty database of its own).
    """
    vendor, conf = _settings(alias)
    if vendor == "sqlite":
        name = str(conf.get("NAME") or "")
        if name in ("", ":memory:") or "mode=memory" in name:
            raise ConfigError(
                [
                    f"DATABASES[{alias!r}] is an in-memory SQLite database, which only Django's "
                    "own connection sees: give NAME the path of a database file"
                ],
                subject="Django database",
            )
        return URL.create("sqlite", database=name)
    port = str(conf.get("PORT") or "")
    return URL.create(
        f"postgresql+{_postgres_driver()}",
        username=conf.get("USER") or None,
        password=conf.get("PASSWORD") or None,
        host=conf.get("HOST") or None,
        port=int(port) if port.isdigit() else None,
        database=conf.get("NAME") or None,
    )


def engine_from_settings(alias: str = DEFAULT_DB_ALIAS, **options: Any) -> Engine:
    """A new SQLAlchemy engine on Django's database ``alias`` (``DATABASES[alias]``), with
    connections set up as Django sets up its own (see the module). ``options`` go to
    :func:`sqlalchemy.create_engine` (``pool_size=...``); dispose of the engine when done.

    Give it to :class:`~clientportal.sql.SqlStore`, which leaves a given engine as it is.
    Raises :class:`~clientportal.errors.ConfigError` as :func:`url_from_settings` does.
    """
    url = url_from_settings(alias)
    vendor, conf = _settings(alias)
    given: Mapping[str, Any] = conf.get("OPTIONS") or {}
    connect_args = {k: v for k, v in given.items() if k not in _DJANGO_ONLY[vendor]}
    connect_args.update(options.pop("connect_args", {}))
    engine = sa.create_engine(url, connect_args=connect_args, **options)
    if vendor == "sqlite":
        init = str(given.get("init_command") or "")
        statements = [s.strip() for s in init.split(";") if s.strip()]
        event.listen(engine, "connect", _sqlite_like_django(statements))
    elif given.get("assume_role"):
        event.listen(engine, "connect", _assume_role(str(given["assume_role"])))
    return engine


def _settings(alias: str) -> tuple[str, Mapping[str, Any]]:
    if alias not in connections:
        raise ConfigError(
            [f"there is no database {alias!r} in DATABASES (there are: {', '.join(connections)})"],
            subject="Django database",
        )
    connection = connections[alias]
    if connection.vendor not in _DJANGO_ONLY:
        raise ConfigError(
            [
                f"DATABASES[{alias!r}] is a {connection.vendor} database: clientportal keeps its "
                "tables in SQLite or PostgreSQL"
            ],
            subject="Django database",
        )
    return connection.vendor, connection.settings_dict


def _postgres_driver() -> str:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg2"
    return "psycopg"


def _sqlite_like_django(statements: list[str]) -> Any:
    def connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()

    return connect


def _assume_role(role: str) -> Any:
    def connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET ROLE {_quoted(role)}")
        finally:
            cursor.close()
        dbapi_connection.commit()

    return connect


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
