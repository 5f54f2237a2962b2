"""``SqlDataSource``: the host's data from the reference schema (``tt_*``), with the
:class:`~clientportal.Scope` pushed down into every query.

The entry queries are built in :mod:`clientportal.sql.entries`, the totals in
:mod:`clientportal.sql.totals`; :mod:`clientportal.sql.load` fills the schema.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from attrs import evolve
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine, Row

from ..model import (
    Budget,
    BudgetType,
    Client,
    Contact,
    DocumentStatus,
    Employee,
    Invoice,
    Project,
    Quote,
    TimeEntry,
)
from ..ports import DocumentFile, EntryCursor, EntryPage, EntryQuery, Totals
from ..visibility import Scope
from . import tables as t
from .base import engine_of
from .costs import SqlCostSource
from .engine import READ, safe_url
from .entries import ENTRY_COLUMNS, entries_from, entry, filter_params, page_statement, shape
from .rows import batches, record_of
from .shared import one_connection, read_connection
from .summed import date_bounds, employee_ids, summed_totals, week_seconds
from .sums import week_of
from .totals import project_totals

__all__ = ["SqlDataSource"]


class SqlDataSource(SqlCostSource):
    """A :class:`~clientportal.ports.DataSource` over the reference schema (``tt_*`` tables) and
    the library's approval state, in SQLite or PostgreSQL.

    It returns exactly what the :class:`~clientportal.Scope` allows: the scope is pushed into
    every query. ``engine`` is an :class:`~sqlalchemy.engine.Engine` or a URL.

    Totals, the employee filter and the hours per week come from the entry sums the database
    keeps (``tt_entry_sums``, :mod:`clientportal.sql.sums`) when the schema has them, so they
    cost a few rows whatever the number of entries; without them (a schema created before
    them: ``clientportal db upgrade`` adds them), from aggregates over the entries.

    Expenses and trips (``tt_expenses``, ``tt_trips``) come from :mod:`clientportal.sql.costs`.
    """

    def __init__(self, engine: Engine | str) -> None:
        self.engine = engine_of(engine)
        # Each read is one statement: on SQLite it needs no transaction of its own.
        self._reader = self.engine.execution_options(**{READ: True})
        self._has_sums: bool | None = None

    @property
    def has_sums(self) -> bool:
        """Whether the schema has the entry sums (looked up once)."""
        if self._has_sums is None:
            with read_connection(self.engine, self._reader) as conn:
                self._has_sums = sa.inspect(conn).has_table(t.entry_sums.name)
        return self._has_sums

    def __repr__(self) -> str:
        return f"SqlDataSource({safe_url(self.engine)!r})"

    def one_connection(self) -> contextlib.AbstractContextManager[None]:
        """Within the block, the reads share one connection: :func:`~.shared.one_connection`."""
        return one_connection()

    def _rows(self, query: sa.Select[Any], params: dict[str, Any] | None = None) -> list[Row[Any]]:
        with read_connection(self.engine, self._reader) as conn:
            return list(conn.execute(query, params))

    # -- clients, contacts, employees, projects ------------------------------------------------

    def client(self, client_id: str) -> Client | None:
        """The client, or ``None``."""
        rows = self._rows(_CLIENT, {"id": client_id})
        return Client(id=rows[0].id, name=rows[0].name) if rows else None

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The client's contacts, by id."""
        return [
            Contact(id=r.id, client_id=r.client_id, name=r.name, email=r.email, language=r.language)
            for r in self._rows(_CONTACTS, {"client_id": client_id})
        ]

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        """The employees with these ids, by id (unknown ids are left out)."""
        if not employee_ids:
            return []
        rows = self._rows(_EMPLOYEES, {"ids": sorted(employee_ids)})
        return [Employee(id=r.id, name=r.name) for r in rows]

    def projects(self, scope: Scope) -> Sequence[Project]:
        """The client's projects among the scope's selection, with their members, by id."""
        if not scope.project_ids:
            return []
        params = {"client_id": scope.client_id, "projects": sorted(scope.project_ids)}
        found: dict[str, tuple[Row[Any], set[str]]] = {}
        for row in self._rows(_PROJECTS, params):
            _, members = found.setdefault(row.id, (row, set()))
            if row.employee_id is not None:
                members.add(row.employee_id)
        return [
            Project(id=row.id, client_id=row.client_id, name=row.name, member_ids=members)
            for row, members in found.values()
        ]

    # -- entries -------------------------------------------------------------------------------

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        """One page of the scope's entries matching ``query``, in (date desc, id asc) order."""
        if not scope.entries:
            return EntryPage(entries=(), next=None)
        params = filter_params(scope, query)
        if not params["projects"]:
            return EntryPage(entries=(), next=None)
        if query.statuses and self.has_sums:
            # Where entries of those statuses lie: the page never reads past the oldest.
            bounds = date_bounds(self._rows, scope, query)
            if bounds is None:
                return EntryPage(entries=(), next=None)
            first = max(bounds[0], query.date_from or bounds[0])
            last = min(bounds[1], query.date_to or bounds[1])
            if first > last:
                return EntryPage(entries=(), next=None)
            query = evolve(query, date_from=first, date_to=last)
            params.update(date_from=first, date_to=last)
        params["limit"] = query.limit + 1
        rows = self._rows(page_statement(shape(query)), params)
        page = tuple(entry(row) for row in rows[: query.limit])
        more = len(rows) > query.limit
        return EntryPage(
            entries=page, next=EntryCursor(page[-1].date, page[-1].id) if more else None
        )

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        """The totals of the scope's entries matching ``query`` from its cursor on, per project,
        summed by the database (see :class:`~clientportal.ports.EntryTotals`): one aggregate
        query over the same conditions as a page's, without building an entry, each amount
        rounded in the SQL as :func:`~clientportal.visibility.entry_amount` rounds it
        (:mod:`clientportal.sql.totals`).
        """
        if not scope.entries:
            return {}
        params = filter_params(scope, query)
        if not params["projects"]:
            return {}
        dialect = self.engine.dialect.name
        if self.has_sums:
            summed = summed_totals(self._rows, dialect, scope, query)
            if summed is not None:
                return summed
        return project_totals(
            self._rows,
            dialect,
            scope.amounts,
            shape(query),
            params,
            billable_amounts_only=not scope.non_billable_amounts,
        )

    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        """Who logged the scope's entries: one ``SELECT DISTINCT`` (for the employee filter)."""
        if not scope.entries or not scope.project_ids:
            return frozenset()
        if self.has_sums:
            return employee_ids(self._rows, scope)
        e = t.entries
        query = (
            select(e.c.employee_id)
            .where(e.c.client_id == scope.client_id, e.c.project_id.in_(sorted(scope.project_ids)))
            .distinct()
        )
        return frozenset(row.employee_id for row in self._rows(query))

    def entry_week_seconds(
        self, scope: Scope, first: dt.date, last: dt.date
    ) -> Mapping[dt.date, int]:
        """The seconds of the scope's entries per ISO week (by Monday), weeks ``first`` to
        ``last``: read from the weekly sums, or summed over the entries of those weeks."""
        if not scope.entries or not scope.project_ids:
            return {}
        if self.has_sums:
            return week_seconds(self._rows, scope, first, last)
        e = t.entries
        week: Any = week_of(self.engine.dialect.name, e.c.date).label("week")
        query: sa.Select[Any] = (
            select(week, sa.func.sum(e.c.seconds).label("seconds"))
            .where(
                e.c.client_id == scope.client_id,
                e.c.project_id.in_(sorted(scope.project_ids)),
                e.c.date >= first,
                e.c.date <= last + dt.timedelta(days=6),
            )
            .group_by(week)
        )
        return {row.week: int(row.seconds) for row in self._rows(query) if row.seconds}

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        """The entries with these ids, whatever their project, by id."""
        if self.engine.dialect.name == "postgresql":  # one statement, the ids as one array
            rows = self._rows(_BY_ID_ARRAY, {"ids": sorted(entry_ids)})
            return [entry(row) for row in rows]
        found: list[TimeEntry] = []
        for ids in batches(sorted(entry_ids)):
            found.extend(entry(row) for row in self._rows(_BY_ID, {"ids": ids}))
        return found

    # -- budgets and documents -----------------------------------------------------------------

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        """The budgets of the scope's projects whose type the portal shows, by project and id."""
        if not scope.budget_types or not scope.project_ids:
            return []
        params = {
            "client_id": scope.client_id,
            "projects": sorted(scope.project_ids),
            "types": sorted(kind.value for kind in scope.budget_types),
        }
        rows = self._rows(_BUDGETS, params)
        return [record_of(Budget, r, type=BudgetType(r.type)) for r in rows]

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        """The client's invoices the portal shows, newest first, each saying whether
        ``tt_document_files`` holds its file."""
        if not scope.invoices:
            return []
        return [
            Invoice(**_document_fields(row, linked), due_date=row.due_date)
            for row, linked in self._documents(scope, "invoice")
        ]

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        """The client's quotes the portal shows, newest first, each saying whether
        ``tt_document_files`` holds its file."""
        if not scope.quotes:
            return []
        return [
            Quote(**_document_fields(row, linked), valid_until=row.valid_until)
            for row, linked in self._documents(scope, "quote")
        ]

    def _documents(self, scope: Scope, kind: str) -> list[tuple[Row[Any], frozenset[str]]]:
        """The rows of the scope's documents of ``kind`` (with ``has_file``: an ``EXISTS`` on
        ``tt_document_files``, without reading the file), and the projects each is linked to:
        one statement (a row per link)."""
        scoped = scope.documents_scope != "client"
        if scoped and not scope.project_ids:
            return []
        params = {
            "client_id": scope.client_id,
            "statuses": sorted(s.value for s in scope.document_statuses),
            "projects": sorted(scope.project_ids),
        }
        found: dict[str, tuple[Row[Any], set[str]]] = {}
        for row in self._rows(_documents_statement(kind, scoped), params):
            _, linked = found.setdefault(row.id, (row, set()))
            if row.linked_project_id is not None:
                linked.add(row.linked_project_id)
        return [(row, frozenset(linked)) for row, linked in found.values()]

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        """The file stored for the invoice or quote in ``tt_document_files``, or ``None``."""
        rows = self._rows(_FILE, {"kind": kind, "id": document_id})
        if not rows:
            return None
        row = rows[0]
        return DocumentFile(filename=row.filename, content_type=row.content_type, data=row.data)


def _document_fields(row: Row[Any], linked: frozenset[str]) -> dict[str, Any]:
    """What an invoice and a quote have in common, from the row of either."""
    return {
        "id": row.id,
        "client_id": row.client_id,
        "number": row.number,
        "date": row.date,
        "amount": row.amount,
        "currency": row.currency,
        "status": DocumentStatus(row.status),
        "project_ids": linked,
        "has_file": bool(row.has_file),
    }


# -- the statements, built once (only their parameters change) -----------------------------------

_CLIENT = select(t.clients).where(t.clients.c.id == bindparam("id"))
_ENTRIES_WITH_STATES = select(*ENTRY_COLUMNS).select_from(entries_from(True))
_BY_ID = _ENTRIES_WITH_STATES.where(t.entries.c.id.in_(bindparam("ids", expanding=True))).order_by(
    t.entries.c.id
)
_BY_ID_ARRAY = _ENTRIES_WITH_STATES.where(
    t.entries.c.id == sa.any_(bindparam("ids", type_=ARRAY(sa.String())))
).order_by(t.entries.c.id)
_CONTACTS = (
    select(t.contacts)
    .where(t.contacts.c.client_id == bindparam("client_id"))
    .order_by(t.contacts.c.id)
)
_EMPLOYEES = (
    select(t.employees)
    .where(t.employees.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(t.employees.c.id)
)
#: The client's projects among the selection (a foreign selection shows nothing).
_OWN_PROJECTS = (
    t.projects.c.client_id == bindparam("client_id"),
    t.projects.c.id.in_(bindparam("projects", expanding=True)),
)
_PROJECTS = (
    select(
        t.projects.c.id,
        t.projects.c.client_id,
        t.projects.c.name,
        t.project_members.c.employee_id,
    )
    .outerjoin(t.project_members, t.project_members.c.project_id == t.projects.c.id)
    .where(*_OWN_PROJECTS)
    .order_by(t.projects.c.id)
)
_BUDGETS = (
    select(t.budgets)
    .join(t.projects, t.projects.c.id == t.budgets.c.project_id)
    .where(*_OWN_PROJECTS, t.budgets.c.type.in_(bindparam("types", expanding=True)))
    .order_by(t.budgets.c.project_id, t.budgets.c.id)
)
_FILE = select(t.document_files).where(
    t.document_files.c.kind == bindparam("kind"),
    t.document_files.c.document_id == bindparam("id"),
)
_DOCUMENTS: dict[tuple[str, bool], sa.Select[Any]] = {}


def _documents_statement(kind: str, scoped: bool) -> sa.Select[Any]:
    """The client's documents of ``kind`` in the shown statuses (with ``scoped``: only those
    linked to a project of the client among the selection), newest first, a row per linked
    project (``linked_project_id``) and whether a file is stored (``has_file``)."""
    statement = _DOCUMENTS.get((kind, scoped))
    if statement is not None:
        return statement
    table, links = (
        (t.invoices, t.invoice_projects) if kind == "invoice" else (t.quotes, t.quote_projects)
    )
    files = t.document_files
    has_file = (
        sa.exists().where(files.c.kind == kind, files.c.document_id == table.c.id).label("has_file")
    )
    conditions: list[sa.ColumnElement[bool]] = [
        table.c.client_id == bindparam("client_id"),
        table.c.status.in_(bindparam("statuses", expanding=True)),
    ]
    if scoped:
        visible = select(t.projects.c.id).where(*_OWN_PROJECTS)
        shown = select(links.c.document_id).where(links.c.project_id.in_(visible))
        conditions.append(table.c.id.in_(shown))
    statement = (
        select(table, has_file, links.c.project_id.label("linked_project_id"))
        .outerjoin(links, links.c.document_id == table.c.id)
        .where(*conditions)
        .order_by(table.c.date.desc(), table.c.id)
    )
    _DOCUMENTS[(kind, scoped)] = statement
    return statement
