"""A Django migration operation that creates tables declared with SQLAlchemy Core.

The library's tables must be exactly what the :class:`~clientportal.sql.SqlStore` expects: the
same types, defaults, ``ON DELETE CASCADE`` foreign keys checked at once (Django's own are
deferred and cascade in Python), the same constraint and index names. Django models cannot say
all of that, so each of the app's migrations declares the tables it creates as SQLAlchemy
``Table`` objects, frozen in the migration file as Alembic migrations freeze theirs, and this
operation has SQLAlchemy compile them for the database Django migrates (SQLite or PostgreSQL).
Django runs the statements through its schema editor: in its transaction, recorded in
``django_migrations``, shown by ``manage.py sqlmigrate``, reversed by ``migrate clientportal
zero``. No Alembic is involved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable

__all__ = ["CreateTables", "dialect_for"]

#: Builds the tables an operation creates into the ``MetaData`` it is given.
Declare = Callable[[MetaData], None]


def dialect_for(vendor: str) -> Dialect:
    """SQLAlchemy's dialect for a Django connection's ``vendor`` (``"sqlite"`` or
    ``"postgresql"``); any other database is refused, naming it."""
    if vendor == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.dialect()
    if vendor == "postgresql":
        from sqlalchemy.dialects.postgresql import psycopg

        return psycopg.dialect()  # type: ignore[no-untyped-call]
    raise ValueError(
        f"clientportal keeps its tables in SQLite or PostgreSQL, not {vendor!r}: point the "
        "database the clientportal app migrates at one of them (a database router can)"
    )


class CreateTables(Operation):
    """Create the tables ``declare`` puts into a ``MetaData`` (with their indexes), in the
    order their foreign keys need; backwards, drop them in reverse.

    ``naming_convention`` names the constraints as the library's metadata does. The operation
    changes no model state: pair it with the unmanaged models' state operations
    (``SeparateDatabaseAndState``) where the ORM reads a table.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, declare: Declare, naming_convention: dict[str, str]) -> None:
        self.declare = declare
        self.naming_convention = naming_convention

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        """How the operation is written in a migration file."""
        return (
            type(self).__qualname__,
            [self.declare],
            {"naming_convention": self.naming_convention},
        )

    def tables(self) -> list[Table]:
        """The tables, in creation order."""
        metadata = MetaData(naming_convention=self.naming_convention)
        self.declare(metadata)
        return list(metadata.sorted_tables)

    def statements(self, vendor: str) -> Iterator[str]:
        """The ``CREATE TABLE`` and ``CREATE INDEX`` statements for ``vendor``'s database."""
        dialect = dialect_for(vendor)
        for table in self.tables():
            yield str(CreateTable(table).compile(dialect=dialect)).strip()
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                yield str(CreateIndex(index).compile(dialect=dialect)).strip()

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """No model state changes (the tables' models are declared on their own)."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Create the tables in the database being migrated."""
        for statement in self.statements(schema_editor.connection.vendor):
            schema_editor.execute(statement, params=None)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Drop the tables (their indexes go with them)."""
        dialect = dialect_for(schema_editor.connection.vendor)
        for table in reversed(self.tables()):
            schema_editor.execute(str(DropTable(table).compile(dialect=dialect)).strip(), None)

    def describe(self) -> str:
        """What ``manage.py migrate`` says it does."""
        names = ", ".join(t.name for t in self.tables())
        return f"Create the tables {names}"

    @property
    def migration_name_fragment(self) -> str:
        """Part of a migration's name when Django names one after this operation."""
        return "create_tables"
