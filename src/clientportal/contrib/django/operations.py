"""Django migration operations that create tables and indexes declared with SQLAlchemy Core, and
keep Alembic's record of the library's schema (``cp_alembic_version``) in step.

The library's tables must be exactly what the :class:`~clientportal.sql.SqlStore` expects: the
same types, defaults, ``ON DELETE CASCADE`` foreign keys checked at once (Django's own are
deferred and cascade in Python), the same constraint and index names. Django models cannot say
all of that, so each of the app's migrations declares what it creates as SQLAlchemy ``Table``
objects, frozen in the migration file as Alembic migrations freeze theirs, and these operations
have SQLAlchemy compile them for the database Django migrates (SQLite or PostgreSQL). Django
runs the statements through its schema editor: in its transaction, recorded in
``django_migrations``, shown by ``manage.py sqlmigrate``, reversed by ``migrate clientportal
zero``. No Alembic runs.

Each of the app's migrations is one of the library's Alembic revisions (``revision``), made the
Django way, and writes that revision into ``cp_alembic_version`` as Alembic would: the CLI
(``clientportal --db ...``) and :func:`clientportal.sql.upgrade` see the tables ``migrate``
made at the revision they are, and carry on from there. The other way round holds too: a step
whose revision the database already has (its tables made by ``clientportal db upgrade``) creates
nothing and is only recorded by Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable, DropIndex, DropTable

__all__ = ["VERSION_TABLE", "CreateIndexes", "CreateTables", "dialect_for", "stored_revision"]

#: Build what an operation creates into the ``MetaData`` it is given.
Declare = Callable[[MetaData], None]

#: Alembic's record of the library's schema revision (``clientportal.sql.migrate.VERSION_TABLE``).
VERSION_TABLE = "cp_alembic_version"


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


def _version_table() -> Table:
    """``cp_alembic_version`` exactly as Alembic makes it."""
    return Table(
        VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )


def _has_version_table(schema_editor: BaseDatabaseSchemaEditor) -> bool:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return VERSION_TABLE in connection.introspection.table_names(cursor)


def stored_revision(schema_editor: BaseDatabaseSchemaEditor) -> str | None:
    """The library's Alembic revision the database being migrated records (``None``: none)."""
    if not _has_version_table(schema_editor):
        return None
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version_num FROM {VERSION_TABLE}")
        found = [str(row[0]) for row in cursor.fetchall()]
    if len(found) > 1:
        raise ValueError(
            f"{VERSION_TABLE} holds several revisions ({', '.join(sorted(found))}): the "
            "library's schema has one line of revisions; keep the one its tables are at"
        )
    return found[0] if found else None


def _number(revision: str) -> int:
    """The library's revisions are numbered ("0001", "0002", ...): the number."""
    if not revision.isdigit():
        raise ValueError(
            f"{VERSION_TABLE} records the revision {revision!r}, which is not one of "
            "clientportal's: is another Alembic history using that table?"
        )
    return int(revision)


class CreateTables(Operation):
    """Create the tables ``declare`` puts into a ``MetaData`` (with their indexes), in the
    order their foreign keys need, and record ``revision`` in ``cp_alembic_version`` (made by
    the first step, ``down_revision=None``); backwards, drop them in reverse and record
    ``down_revision`` (the first step drops the version table).

    When the database already records ``revision`` or a later one (its tables were made by
    ``clientportal db upgrade``), the step changes nothing; a database at an earlier revision
    than ``down_revision`` is refused, saying what to run. ``naming_convention`` names the
    constraints as the library's metadata does. The operation changes no model state: pair it
    with the unmanaged models' state operations where the ORM reads a table.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(
        self,
        declare: Declare,
        naming_convention: dict[str, str],
        *,
        revision: str,
        down_revision: str | None = None,
    ) -> None:
        self.declare = declare
        self.naming_convention = naming_convention
        self.revision = revision
        self.down_revision = down_revision

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        """How the operation is written in a migration file."""
        return (
            type(self).__qualname__,
            [self.declare],
            {
                "naming_convention": self.naming_convention,
                "revision": self.revision,
                "down_revision": self.down_revision,
            },
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

    def drop_statements(self, vendor: str) -> Iterator[str]:
        """The statements that undo :meth:`statements` (indexes go with their tables)."""
        dialect = dialect_for(vendor)
        for table in reversed(self.tables()):
            yield str(DropTable(table).compile(dialect=dialect)).strip()

    def _stamp(
        self, vendor: str, *, to: str | None, was: str | None, create: bool = True
    ) -> Iterator[str]:
        """Statements that move ``cp_alembic_version`` from ``was`` to ``to`` (``None``: no
        row; the table is made when ``create``, dropped when ``to`` is ``None``)."""
        dialect = dialect_for(vendor)
        version = _version_table()

        def sql(statement: Any) -> str:
            compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            return str(compiled).strip()

        if was is None:
            if create:
                yield sql(CreateTable(version))
            yield sql(version.insert().values(version_num=to))
        elif to is None:
            yield sql(DropTable(version))
        else:
            column = version.c.version_num
            yield sql(version.update().where(column == was).values(version_num=to))

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """No model state changes (the tables' models are declared on their own)."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Create the tables in the database being migrated and record the revision, unless
        the database is at this revision already."""
        vendor = schema_editor.connection.vendor
        create = True
        if not schema_editor.collect_sql:  # sqlmigrate shows the statements, reads nothing
            create = not _has_version_table(schema_editor)  # Alembic may leave it empty
            stored = stored_revision(schema_editor)
            if stored is not None and _number(stored) >= _number(self.revision):
                return  # made by `clientportal db upgrade`: Django only records the step
            if stored != self.down_revision:
                raise ValueError(
                    f"the clientportal tables of database {schema_editor.connection.alias!r} "
                    f"are at Alembic revision {stored}, but this migration follows "
                    f"{self.down_revision}: run `clientportal db upgrade` on that database "
                    "(it brings the tables to the newest revision), then `migrate` again"
                )
        for statement in self.statements(vendor):
            schema_editor.execute(statement, params=None)
        stamp = self._stamp(vendor, to=self.revision, was=self.down_revision, create=create)
        for statement in stamp:
            schema_editor.execute(statement, params=None)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Drop what the step made and record the revision before it; refused when the
        database is at another revision than this step's (a later one needs its own steps
        undone first)."""
        vendor = schema_editor.connection.vendor
        if not schema_editor.collect_sql:
            stored = stored_revision(schema_editor)
            if stored != self.revision:
                raise ValueError(
                    f"the clientportal tables of database {schema_editor.connection.alias!r} "
                    f"are at Alembic revision {stored}, not {self.revision}: this migration "
                    "cannot be undone from there"
                )
        for statement in self.drop_statements(vendor):
            schema_editor.execute(statement, params=None)
        for statement in self._stamp(vendor, to=self.down_revision, was=self.revision):
            schema_editor.execute(statement, params=None)

    def describe(self) -> str:
        """What ``manage.py migrate`` says it does."""
        names = ", ".join(t.name for t in self.tables())
        return f"Create the tables {names} (clientportal revision {self.revision})"

    @property
    def migration_name_fragment(self) -> str:
        """Part of a migration's name when Django names one after this operation."""
        return "create_tables"


class CreateIndexes(CreateTables):
    """Create only the indexes of the tables ``declare`` puts into a ``MetaData`` (the tables
    exist: declare the columns the indexes name), and record ``revision`` as
    :class:`CreateTables` does; backwards, drop the indexes."""

    def statements(self, vendor: str) -> Iterator[str]:
        """The ``CREATE INDEX`` statements for ``vendor``'s database."""
        dialect = dialect_for(vendor)
        for table in self.tables():
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                yield str(CreateIndex(index).compile(dialect=dialect)).strip()

    def drop_statements(self, vendor: str) -> Iterator[str]:
        """The ``DROP INDEX`` statements, in reverse."""
        dialect = dialect_for(vendor)
        for table in reversed(self.tables()):
            for index in sorted(table.indexes, key=lambda i: str(i.name), reverse=True):
                yield str(DropIndex(index).compile(dialect=dialect)).strip()

    def describe(self) -> str:
        """What ``manage.py migrate`` says it does."""
        names = ", ".join(str(i.name) for t in self.tables() for i in t.indexes)
        return f"Create the indexes {names} (clientportal revision {self.revision})"

    @property
    def migration_name_fragment(self) -> str:
        """Part of a migration's name when Django names one after this operation."""
        return "create_indexes"
