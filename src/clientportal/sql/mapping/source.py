"""``MappedDataSource``: a :class:`~clientportal.ports.DataSource` over the host's own tables,
read through a :class:`~.spec.SchemaMap`, with the :class:`~clientportal.Scope` pushed into every
query and the optional aggregates (totals, employees, weeks) summed by the database."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Engine, Row

from ...model import Budget, Client, Contact, Employee, Invoice, Project, Quote, TimeEntry
from ...ports import DocumentFile, EntryCursor, EntryPage, EntryQuery, IdOrder, Totals
from ...visibility import Scope
from ..base import engine_of
from ..engine import READ, safe_url
from ..rows import batches
from ..shared import one_connection, read_connection
from . import aggregates
from .convert import id_key, id_keys, money
from .entries import EntrySql, Keys
from .spec import DocumentTable, SchemaMap

__all__ = ["MappedDataSource"]


class MappedDataSource:
    """A :class:`~clientportal.ports.DataSource` over the host's tables as ``schema`` maps them.

    ``engine`` (an :class:`~sqlalchemy.engine.Engine` or a URL) is the host's database, which
    also holds the library's tables (:func:`~clientportal.sql.upgrade`): approval states come
    from ``cp_approvals`` by a join. It returns exactly what the scope allows, and implements
    :class:`~clientportal.ports.EntryTotals`, :class:`~clientportal.ports.EntryEmployees` and
    :class:`~clientportal.ports.EntryWeeks` as single aggregate statements. ``id_order`` is
    :attr:`~clientportal.ports.IdOrder.INTEGER` when the entries' id column is an integer.
    """

    def __init__(self, engine: Engine | str, schema: SchemaMap) -> None:
        self.engine = engine_of(engine)
        self.schema = schema
        self._reader = self.engine.execution_options(**{READ: True})
        self._entries = EntrySql(schema, self.engine.dialect.name)

    def __repr__(self) -> str:
        return f"MappedDataSource({safe_url(self.engine)!r})"

    @property
    def id_order(self) -> IdOrder:
        """How the entries' ids are ordered: numerically for an integer id column."""
        return self._entries.id_order

    def one_connection(self) -> contextlib.AbstractContextManager[None]:
        """Within the block, the reads share one connection: :func:`~..shared.one_connection`."""
        return one_connection()

    def _rows(self, statement: sa.Select[Any]) -> list[Row[Any]]:
        with read_connection(self.engine, self._reader) as conn:
            return list(conn.execute(statement))

    def _tuples(self, statement: sa.Select[Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._rows(statement)]

    # -- clients, contacts, employees, projects ------------------------------------------------

    def client(self, client_id: str) -> Client | None:
        """The client, or ``None``."""
        m = self.schema.clients
        key = id_key(m.key, client_id)
        if key is None:
            return None
        rows = self._tuples(select(m.key, m.name).where(m.key == key))
        return Client(id=str(rows[0][0]), name=rows[0][1]) if rows else None

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The client's contacts, by id (none when the host keeps no contacts)."""
        m = self.schema.contacts
        key = None if m is None else id_key(m.client, client_id)
        if m is None or key is None:
            return []
        language = sa.null() if m.language is None else m.language
        statement = (
            select(m.key, m.client, m.name, m.email, language)
            .where(m.client == key)
            .order_by(m.key)
        )
        return [
            Contact(id=str(r[0]), client_id=str(r[1]), name=r[2], email=r[3], language=r[4])
            for r in self._tuples(statement)
        ]

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        """The employees with these ids, by id (unknown ids are left out)."""
        m = self.schema.employees
        found: list[Employee] = []
        for keys in batches(id_keys(m.key, employee_ids)):
            statement = select(m.key, m.name).where(m.key.in_(keys)).order_by(m.key)
            found.extend(Employee(id=str(r[0]), name=r[1]) for r in self._tuples(statement))
        return found

    def projects(self, scope: Scope) -> Sequence[Project]:
        """The client's projects among the scope's selection, with their members, by id."""
        m = self.schema.projects
        client = id_key(m.client, scope.client_id)
        keys = id_keys(m.key, scope.project_ids)
        if client is None or not keys:
            return []
        member: sa.ColumnElement[Any] = sa.null()
        source: sa.FromClause = m.table
        if m.members is not None:
            member = m.members.right
            source = m.table.outerjoin(m.members.table, m.members.left == m.key)
        statement = (
            select(m.key, m.client, m.name, member)
            .select_from(source)
            .where(m.client == client, m.key.in_(keys))
            .order_by(m.key)
        )
        found: dict[str, tuple[tuple[Any, ...], set[str]]] = {}
        for row in self._tuples(statement):
            _, members = found.setdefault(str(row[0]), (row, set()))
            if row[3] is not None:
                members.add(str(row[3]))
        return [
            Project(id=str(row[0]), client_id=str(row[1]), name=row[2], member_ids=members)
            for row, members in found.values()
        ]

    # -- entries -------------------------------------------------------------------------------

    def _keys(self, scope: Scope, query: EntryQuery | None) -> Keys | None:
        if not scope.entries:
            return None
        return Keys.of(self.schema, scope, query)

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        """One page of the scope's entries matching ``query``, in (date desc, id asc) order."""
        keys = self._keys(scope, query)
        if keys is None:
            return EntryPage(entries=(), next=None)
        rows = self._rows(self._entries.page(keys, query, query.limit + 1))
        page = tuple(self._entries.entry(row) for row in rows[: query.limit])
        more = len(rows) > query.limit
        return EntryPage(
            entries=page, next=EntryCursor(page[-1].date, page[-1].id) if more else None
        )

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        """The entries with these ids, whatever their project, by id."""
        found: list[TimeEntry] = []
        for keys in batches(id_keys(self._entries.id, entry_ids)):
            found.extend(self._entries.entry(r) for r in self._rows(self._entries.by_id(keys)))
        return found

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        """The totals of the scope's entries matching ``query`` from its cursor on, per project:
        one aggregate statement (:mod:`.aggregates`)."""
        keys = self._keys(scope, query)
        if keys is None:
            return {}
        return aggregates.project_totals(self._rows, self._entries, keys, scope, query)

    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        """Who logged the scope's entries: one ``SELECT DISTINCT``."""
        keys = self._keys(scope, None)
        if keys is None:
            return frozenset()
        return aggregates.employee_ids(self._rows, self._entries, keys)

    def entry_week_seconds(
        self, scope: Scope, first: dt.date, last: dt.date
    ) -> Mapping[dt.date, int]:
        """The seconds of the scope's entries per ISO week (by Monday), weeks ``first`` to
        ``last``: one aggregate statement."""
        keys = self._keys(scope, None)
        if keys is None:
            return {}
        return aggregates.week_seconds(self._rows, self._entries, keys, first, last)

    # -- budgets and documents -----------------------------------------------------------------

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        """The budgets of the scope's projects whose type the portal shows, by project and id."""
        m, p = self.schema.budgets, self.schema.projects
        client = id_key(p.client, scope.client_id)
        projects = id_keys(p.key, scope.project_ids)
        if m is None or not scope.budget_types or client is None or not projects:
            return []
        conditions: list[sa.ColumnElement[bool]] = [p.client == client, p.key.in_(projects)]
        if isinstance(m.type, sa.ColumnElement):
            conditions.append(m.type.in_(m.values_of(scope.budget_types)))
        elif m.type not in scope.budget_types:
            return []
        nothing = sa.null
        statement = (
            select(
                m.key,
                m.project,
                m.type if isinstance(m.type, sa.ColumnElement) else nothing(),
                m.amount,
                m.used,
                m.currency if isinstance(m.currency, sa.ColumnElement) else nothing(),
                nothing() if m.task is None else m.task,
                nothing() if m.employee is None else m.employee,
            )
            .select_from(m.table.join(p.table, p.key == m.project))
            .where(*conditions)
            .order_by(m.project, m.key)
        )
        found = []
        for row in self._tuples(statement):
            kind = m.type_of(row[2])
            currency = m.currency if isinstance(m.currency, str | None) else row[5]
            found.append(
                Budget(
                    id=str(row[0]),
                    project_id=str(row[1]),
                    type=kind,
                    amount=money(row[3]),
                    used=money(row[4]),
                    currency=currency if kind.is_money else None,
                    task=row[6] if kind.per_task else None,
                    employee_id=str(row[7]) if kind.per_employee else None,
                )
            )
        return found

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        """The client's invoices the portal shows, newest first (none without an invoice map)."""
        m = self.schema.invoices
        if m is None or not scope.invoices:
            return []
        return [Invoice(**fields, due_date=due) for fields, due in self._documents(m, scope)]

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        """The client's quotes the portal shows, newest first (none without a quote map)."""
        m = self.schema.quotes
        if m is None or not scope.quotes:
            return []
        return [Quote(**fields, valid_until=due) for fields, due in self._documents(m, scope)]

    def _documents(
        self, m: DocumentTable, scope: Scope
    ) -> list[tuple[dict[str, Any], dt.date | None]]:
        """The fields of the scope's documents in ``m`` (and each one's due date)."""
        p = self.schema.projects
        client = id_key(m.client, scope.client_id)
        if client is None:
            return []
        visible = select(p.key).where(
            p.client == id_key(p.client, scope.client_id),
            p.key.in_(id_keys(p.key, scope.project_ids)),
        )
        conditions: list[sa.ColumnElement[bool]] = [
            m.client == client,
            m.status.in_(m.values_of(scope.document_statuses)),
        ]
        linked: sa.ColumnElement[Any] = sa.null()
        source: sa.FromClause = m.table
        if m.project is not None:
            linked = m.project
            if scope.documents_scope != "client":
                conditions.append(m.project.in_(visible))
        elif m.projects is not None:
            links = m.projects
            linked = links.right
            source = m.table.outerjoin(links.table, links.left == m.key)
            if scope.documents_scope != "client":
                shown = select(links.left).where(links.right.in_(visible))
                conditions.append(m.key.in_(shown))
        elif scope.documents_scope != "client":
            return []
        currency = m.currency if isinstance(m.currency, sa.ColumnElement) else sa.null()
        due = sa.null() if m.due is None else m.due
        statement = (
            select(m.key, m.client, m.number, m.date, m.amount, currency, m.status, due, linked)
            .select_from(source)
            .where(*conditions)
            .order_by(m.date.desc(), m.key)
        )
        found: dict[str, tuple[tuple[Any, ...], set[str]]] = {}
        for row in self._tuples(statement):
            _, projects = found.setdefault(str(row[0]), (row, set()))
            if row[8] is not None:
                projects.add(str(row[8]))
        return [
            (
                {
                    "id": str(row[0]),
                    "client_id": str(row[1]),
                    "number": str(row[2]),
                    "date": row[3],
                    "amount": money(row[4]),
                    "currency": m.currency if isinstance(m.currency, str) else row[5],
                    "status": m.status_of(row[6]),
                    "project_ids": frozenset(projects),
                    "has_file": False,
                },
                row[7],
            )
            for row, projects in found.values()
        ]

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        """``None``: a mapped source keeps no document files."""
        return None
