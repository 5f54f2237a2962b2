"""The declarative map: which of the host's tables and columns hold each record of the data
contract. Every part but clients, employees, projects and entries may be left out (``None``): the
source then has none of it (no contacts, no budgets, no invoices...).

Columns are SQLAlchemy columns of the host's own tables, declared or reflected. A column that
holds an id may be an integer (the source turns it into ``str`` and back) or text. Where a field
takes an expression (a name, a rate), it may be any SQL expression over the columns of that
record's table (and, for an entry, of its project's table too).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from attrs import field, frozen
from sqlalchemy.sql import visitors

from ...errors import ConfigError
from ...model import BudgetType, DocumentStatus
from .convert import Duration, LocalDate

__all__ = [
    "BudgetTable",
    "ClientTable",
    "ContactTable",
    "DocumentTable",
    "EmployeeTable",
    "EntryTable",
    "Links",
    "Lookup",
    "ProjectTable",
    "SchemaMap",
]

Expr = sa.ColumnElement[Any]


def _primary_key(table: sa.Table) -> sa.Column[Any] | None:
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 else None


def _id(table: sa.Table, given: sa.Column[Any] | None) -> sa.Column[Any]:
    """The id column: ``given``, or the table's single-column primary key."""
    if given is not None:
        return given
    key = _primary_key(table)
    if key is None:
        raise ValueError(
            f"table {table.name!r} has no single-column primary key: name its id column (id=...)"
        )
    return key


@frozen
class Links:
    """A link table between two records (a project's members, a document's projects):
    ``left`` is the column naming the record that has the links, ``right`` the linked one."""

    table: sa.Table
    left: sa.Column[Any]
    right: sa.Column[Any]


@frozen
class Lookup:
    """A value from another table, found by the key in ``via``: an entry's task name, say, from
    ``tasks.c.name`` by ``entries.c.task_id`` (matched against the tasks' primary key).
    A row whose key is ``NULL`` or finds nothing has no value."""

    value: Expr
    via: sa.Column[Any]
    key: sa.Column[Any] | None = None

    def joined(self) -> tuple[sa.FromClause, sa.ColumnElement[bool]]:
        """The table the value comes from and the join condition."""
        table = _table_of(self.value)
        key = self.key if self.key is not None else _id(table, None)
        return table, key == self.via


def tables_of(expression: Expr) -> set[sa.Table]:
    """The tables whose columns ``expression`` reads."""
    return {
        element.table
        for element in visitors.iterate(expression)
        if isinstance(element, sa.Column) and isinstance(element.table, sa.Table)
    }


def _table_of(expression: Expr) -> sa.Table:
    tables = tables_of(expression)
    if len(tables) != 1:
        raise ValueError(f"{expression} must be the column (or an expression) of one table")
    return tables.pop()


@frozen(kw_only=True)
class _Part:
    """A table that holds one kind of record, and its id column (``id``: the table's
    single-column primary key unless given)."""

    table: sa.Table = field(kw_only=False)
    id: sa.Column[Any] | None = None

    @property
    def key(self) -> sa.Column[Any]:
        """The id column."""
        return _id(self.table, self.id)


@frozen(kw_only=True)
class ClientTable(_Part):
    """Where the clients are: their ``name`` (and id, the primary key unless ``id`` says)."""

    name: Expr


@frozen(kw_only=True)
class EmployeeTable(_Part):
    """Where the employees (users) are: their ``name`` (an expression may join first and last
    names)."""

    name: Expr


@frozen(kw_only=True)
class ContactTable(_Part):
    """The people of a client who receive links: ``client`` names the client; ``language`` is
    ``None`` when the host keeps none (the portal's language applies)."""

    client: sa.Column[Any]
    name: Expr
    email: Expr
    language: Expr | None = None


@frozen(kw_only=True)
class ProjectTable(_Part):
    """Where the projects are: ``client`` is the column naming the project's client;
    ``members`` the link table of who works on it (``None``: the host keeps no members)."""

    client: sa.Column[Any]
    name: Expr
    members: Links | None = None


@frozen(kw_only=True)
class EntryTable(_Part):
    """Where the time entries are.

    ``project`` and ``employee`` name the entry's project and employee; ``date`` is a ``DATE``
    column or a :class:`~.convert.LocalDate` of a datetime column; ``seconds`` the duration,
    in seconds, minutes or hours (:func:`~.convert.Seconds`, :func:`~.convert.Minutes`,
    :func:`~.convert.Hours`; a bare column is seconds). ``task`` is a column or a
    :class:`Lookup`. ``billable`` is a boolean expression or a constant (every entry billable by
    default). ``rate`` and ``cost_rate`` (per hour) may be columns of the entry's table or of its
    project's (a rate per project); ``None`` means the host keeps none.
    """

    project: sa.Column[Any]
    employee: sa.Column[Any]
    date: Expr | LocalDate
    seconds: Duration | Expr
    description: Expr | None = None
    task: Expr | Lookup | None = None
    billable: Expr | bool = True
    rate: Expr | None = None
    cost_rate: Expr | None = None
    internal_note: Expr | None = None


@frozen(kw_only=True)
class BudgetTable(_Part):
    """Where the projects' budgets are. ``type`` is a :class:`~clientportal.BudgetType` (every
    budget of that type) or a column, whose values ``types`` maps to budget types (without
    ``types``: the values are the types' names). ``currency`` (a code or a column) is given to
    money budgets only; ``task`` and ``employee`` to budgets per task or employee."""

    project: sa.Column[Any]
    type: BudgetType | Expr
    amount: Expr
    used: Expr
    currency: str | Expr | None = None
    types: Mapping[Any, BudgetType] | None = None
    task: Expr | None = None
    employee: sa.Column[Any] | None = None

    def type_of(self, value: object) -> BudgetType:
        """The budget type of a stored value."""
        if isinstance(self.type, BudgetType):
            return self.type
        if self.types is not None:
            return self.types[value]
        return BudgetType[str(value)]

    def values_of(self, types: frozenset[BudgetType]) -> list[Any]:
        """The stored values of ``types``."""
        if self.types is not None:
            return sorted((v for v, t in self.types.items() if t in types), key=repr)
        return sorted(t.name for t in types)


@frozen(kw_only=True)
class DocumentTable(_Part):
    """Where the invoices (or quotes) are. ``status`` is a column whose values ``statuses`` maps
    to :class:`~clientportal.DocumentStatus` (without it: the values are the statuses' names).
    The projects a document is about come from a ``project`` column on the document (one project
    per document) or a ``projects`` link table, or neither. ``due`` is the due date of an invoice
    or the end of a quote's validity. ``currency`` is a code or a column."""

    client: sa.Column[Any]
    number: Expr
    date: Expr
    amount: Expr
    currency: str | Expr
    status: Expr
    statuses: Mapping[Any, DocumentStatus] | None = None
    project: sa.Column[Any] | None = None
    projects: Links | None = None
    due: Expr | None = None

    def __attrs_post_init__(self) -> None:
        if self.project is not None and self.projects is not None:
            raise ValueError(
                f"documents of {self.table.name!r}: give project= or projects=, not both"
            )

    def status_of(self, value: object) -> DocumentStatus:
        """The document status of a stored value."""
        if self.statuses is not None:
            return self.statuses[value]
        return DocumentStatus[str(value)]

    def values_of(self, statuses: frozenset[DocumentStatus]) -> list[Any]:
        """The stored values of ``statuses``."""
        if self.statuses is not None:
            return sorted((v for v, s in self.statuses.items() if s in statuses), key=repr)
        return sorted(s.name for s in statuses)


@frozen(kw_only=True)
class SchemaMap:
    """The whole map: the four parts every tracker has, and the optional ones (``None``: the
    host keeps none of them, and the source answers with nothing)."""

    clients: ClientTable
    employees: EmployeeTable
    projects: ProjectTable
    entries: EntryTable
    contacts: ContactTable | None = None
    budgets: BudgetTable | None = None
    invoices: DocumentTable | None = None
    quotes: DocumentTable | None = None

    def __attrs_post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise ConfigError(problems, subject="schema map")


def _columns_of(part: _Part) -> Iterator[tuple[str, object]]:
    with contextlib.suppress(ValueError):
        yield "id", part.key
    for name in ("client", "project", "employee", "name", "email", "language", "number"):
        value = getattr(part, name, None)
        if isinstance(value, sa.Column):
            yield name, value


def _problems(schema: SchemaMap) -> Iterator[str]:
    """Columns given for a part that are not of that part's table."""
    parts: dict[str, _Part | None] = {
        "clients": schema.clients,
        "employees": schema.employees,
        "projects": schema.projects,
        "entries": schema.entries,
        "contacts": schema.contacts,
        "budgets": schema.budgets,
        "invoices": schema.invoices,
        "quotes": schema.quotes,
    }
    for part_name, part in parts.items():
        if part is None:
            continue
        table = part.table
        try:
            _ = part.key
        except ValueError as error:
            yield f"{part_name}: {error}"
        for name, column in _columns_of(part):
            assert isinstance(column, sa.Column)
            if column.table is not table:
                yield (
                    f"{part_name}.{name} is {column.table.name}.{column.name}, not a column of "
                    f"{table.name!r}: give a column of the table the part maps"
                )
    entry = schema.entries
    allowed = {entry.table, schema.projects.table}
    for name in ("rate", "cost_rate", "billable", "description", "internal_note"):
        value = getattr(entry, name)
        if isinstance(value, sa.ColumnElement):
            outside = tables_of(value) - allowed
            if outside:
                names = ", ".join(sorted(t.name for t in outside))
                yield (
                    f"entries.{name} reads {names}: give a column of the entries' table or of "
                    "the projects' (or use Lookup for a task)"
                )
