"""``SqlDataSource`` over the reference schema, and ``load_dataset`` to fill it.

The portal's rules go into the SQL: entries of the scope's client *and* of its selected projects
(the ``client_id`` on each entry is held to its project's by a foreign key), only what the portal
shows, the page's filters, and keyset pagination in (date desc, id asc) order along the
``(client_id, date desc, id)`` index. Approval state comes from the library's ``cp_approvals``
table by a LEFT JOIN: an entry without a row there is OPEN at version 0. The totals of the hours
page are one aggregate over the same conditions, per project, with each entry's amount rounded to
cents in the SQL exactly as :func:`~clientportal.visibility.entry_amount` rounds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, bindparam, case, func, literal_column, not_, or_, select
from sqlalchemy.engine import Connection, Engine, Row

from ..model import (
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
    Client,
    Contact,
    Dataset,
    DocumentStatus,
    Employee,
    Invoice,
    Project,
    Quote,
    TimeEntry,
    Workflow,
)
from ..ports import DocumentFile, EntryCursor, EntryPage, EntryQuery, Totals
from ..visibility import Scope, entry_amount
from . import tables as t
from .engine import READ, WRITE, create_engine, prepare_engine, safe_url, translated_errors

__all__ = ["SqlDataSource", "load_dataset", "load_entries"]

_OPEN = ApprovalState()
_BATCH = 5000  # rows per executemany when loading


class SqlDataSource:
    """A :class:`~clientportal.ports.DataSource` over the reference schema (``tt_*`` tables) and
    the library's approval state, in SQLite or PostgreSQL.

    It returns exactly what the :class:`~clientportal.Scope` allows: the scope is pushed into
    every query. ``engine`` is an :class:`~sqlalchemy.engine.Engine` or a URL.
    """

    def __init__(self, engine: Engine | str) -> None:
        self.engine = create_engine(engine) if isinstance(engine, str) else prepare_engine(engine)
        # Each read is one statement: on SQLite it needs no transaction of its own.
        self._reader = self.engine.execution_options(**{READ: True})

    def __repr__(self) -> str:
        return f"SqlDataSource({safe_url(self.engine)!r})"

    def _rows(self, query: sa.Select[Any], params: dict[str, Any] | None = None) -> list[Row[Any]]:
        with translated_errors(self.engine), self._reader.connect() as conn:
            return list(conn.execute(query, params))

    # -- clients, contacts, employees, projects ------------------------------------------------

    def client(self, client_id: str) -> Client | None:
        """The client, or ``None``."""
        rows = self._rows(select(t.clients).where(t.clients.c.id == client_id))
        return Client(id=rows[0].id, name=rows[0].name) if rows else None

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The client's contacts, by id."""
        query = select(t.contacts).where(t.contacts.c.client_id == client_id)
        return [
            Contact(id=r.id, client_id=r.client_id, name=r.name, email=r.email, language=r.language)
            for r in self._rows(query.order_by(t.contacts.c.id))
        ]

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        """The employees with these ids, by id (unknown ids are left out)."""
        if not employee_ids:
            return []
        query = select(t.employees).where(t.employees.c.id.in_(sorted(employee_ids)))
        return [
            Employee(id=r.id, name=r.name) for r in self._rows(query.order_by(t.employees.c.id))
        ]

    def projects(self, scope: Scope) -> Sequence[Project]:
        """The client's projects among the scope's selection, with their members, by id."""
        if not scope.project_ids:
            return []
        p, m = t.projects, t.project_members
        query = (
            select(p.c.id, p.c.client_id, p.c.name, m.c.employee_id)
            .outerjoin(m, m.c.project_id == p.c.id)
            .where(p.c.client_id == scope.client_id, p.c.id.in_(sorted(scope.project_ids)))
            .order_by(p.c.id)
        )
        found: dict[str, tuple[Row[Any], set[str]]] = {}
        for row in self._rows(query):
            _, members = found.setdefault(row.id, (row, set()))
            if row.employee_id is not None:
                members.add(row.employee_id)
        return [
            Project(id=row.id, client_id=row.client_id, name=row.name, member_ids=members)
            for row, members in found.values()
        ]

    def _visible_project_ids(self, conn: Connection, scope: Scope) -> list[str]:
        if not scope.project_ids:
            return []
        query = select(t.projects.c.id).where(
            t.projects.c.client_id == scope.client_id,
            t.projects.c.id.in_(sorted(scope.project_ids)),
        )
        return sorted(conn.execute(query).scalars())

    # -- entries -------------------------------------------------------------------------------

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        """One page of the scope's entries matching ``query``, in (date desc, id asc) order."""
        if not scope.entries:
            return EntryPage(entries=(), next=None)
        params = _filter_params(scope, query)
        if not params["projects"]:
            return EntryPage(entries=(), next=None)
        params["limit"] = query.limit + 1
        shape = _shape(query)
        select_page = _PAGES.get(shape)
        if select_page is None:
            select_page = _page_statement(*shape)
        rows = self._rows(select_page, params)
        page = tuple(_entry(row) for row in rows[: query.limit])
        more = len(rows) > query.limit
        return EntryPage(
            entries=page, next=EntryCursor(page[-1].date, page[-1].id) if more else None
        )

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        """The totals of the scope's entries matching ``query`` from its cursor on, per project,
        summed by the database (see :class:`~clientportal.ports.EntryTotals`): one aggregate
        query over the same conditions as a page's, without building an entry.

        Amounts are summed in whole cents, each entry rounded half-up as
        :func:`~clientportal.visibility.entry_amount` does, for every rate of up to four decimals
        below 1,000,000 (and up to 100,000,000 seconds). When some entry has any other rate, a
        second statement sums everything again with those entries grouped by rate and seconds,
        and ``entry_amount`` itself prices them: each answer comes from one statement.
        """
        if not scope.entries:
            return {}
        params = _filter_params(scope, query)
        if not params["projects"]:
            return {}
        dialect = self.engine.dialect.name
        shape = _shape(query)
        rows = self._rows(_totals_statement(dialect, scope.amounts, shape, odd=False), params)
        if not scope.amounts:
            return {
                row.project_id: Totals(int(row.entries), int(row.seconds), int(row.billable))
                for row in rows
            }
        if all(row.rated == row.priced for row in rows):
            return {
                row.project_id: Totals(
                    int(row.entries),
                    int(row.seconds),
                    int(row.billable),
                    _cents(row.cents, row.priced),
                )
                for row in rows
            }
        found: dict[str, Totals] = {}
        for row in self._rows(_totals_statement(dialect, True, shape, odd=True), params):
            amount = (
                _cents(row.cents, row.priced)
                if row.odd_rate is None
                else entry_amount(row.odd_rate, row.odd_seconds) * int(row.entries)
            )
            group = Totals(int(row.entries), int(row.seconds), int(row.billable), amount)
            previous = found.get(row.project_id)
            found[row.project_id] = group if previous is None else previous + group
        return found

    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        """Who logged the scope's entries: one ``SELECT DISTINCT`` (for the employee filter)."""
        if not scope.entries or not scope.project_ids:
            return frozenset()
        e = t.entries
        query = (
            select(e.c.employee_id)
            .where(e.c.client_id == scope.client_id, e.c.project_id.in_(sorted(scope.project_ids)))
            .distinct()
        )
        return frozenset(row.employee_id for row in self._rows(query))

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        """The entries with these ids, whatever their project, by id."""
        e, a = t.entries, t.approvals
        found: list[TimeEntry] = []
        ids = sorted(entry_ids)
        for start in range(0, len(ids), 500):
            query = (
                select(*_ENTRY_COLUMNS)
                .select_from(e.outerjoin(a, a.c.entry_id == e.c.id))
                .where(e.c.id.in_(ids[start : start + 500]))
                .order_by(e.c.id)
            )
            found.extend(_entry(row) for row in self._rows(query))
        return found

    # -- budgets and documents -----------------------------------------------------------------

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        """The budgets of the scope's projects whose type the portal shows, by project and id."""
        if not scope.budget_types or not scope.project_ids:
            return []
        b, p = t.budgets, t.projects
        query = (
            select(b)
            .join(p, p.c.id == b.c.project_id)
            .where(
                p.c.client_id == scope.client_id,
                p.c.id.in_(sorted(scope.project_ids)),
                b.c.type.in_(sorted(kind.value for kind in scope.budget_types)),
            )
            .order_by(b.c.project_id, b.c.id)
        )
        return [
            Budget(
                id=r.id,
                project_id=r.project_id,
                type=BudgetType(r.type),
                amount=r.amount,
                used=r.used,
                currency=r.currency,
                task=r.task,
                employee_id=r.employee_id,
            )
            for r in self._rows(query)
        ]

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        """The client's invoices the portal shows, newest first."""
        if not scope.invoices:
            return []
        return [
            Invoice(
                id=row.id,
                client_id=row.client_id,
                number=row.number,
                date=row.date,
                amount=row.amount,
                currency=row.currency,
                status=DocumentStatus(row.status),
                project_ids=linked,
                due_date=row.due_date,
            )
            for row, linked in self._documents(scope, t.invoices, t.invoice_projects)
        ]

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        """The client's quotes the portal shows, newest first."""
        if not scope.quotes:
            return []
        return [
            Quote(
                id=row.id,
                client_id=row.client_id,
                number=row.number,
                date=row.date,
                amount=row.amount,
                currency=row.currency,
                status=DocumentStatus(row.status),
                project_ids=linked,
                valid_until=row.valid_until,
            )
            for row, linked in self._documents(scope, t.quotes, t.quote_projects)
        ]

    def _documents(
        self, scope: Scope, table: sa.Table, links: sa.Table
    ) -> list[tuple[Row[Any], frozenset[str]]]:
        conditions: list[sa.ColumnElement[bool]] = [
            table.c.client_id == scope.client_id,
            table.c.status.in_(sorted(s.value for s in scope.document_statuses)),
        ]
        with translated_errors(self.engine), self.engine.connect() as conn:
            if scope.documents_scope != "client":
                visible = self._visible_project_ids(conn, scope)
                if not visible:
                    return []
                on_visible = select(links.c.document_id).where(links.c.project_id.in_(visible))
                conditions.append(table.c.id.in_(on_visible))
            rows = list(
                conn.execute(
                    select(table).where(*conditions).order_by(table.c.date.desc(), table.c.id)
                )
            )
            linked: dict[str, set[str]] = {}
            ids = [row.id for row in rows]
            for start in range(0, len(ids), 500):
                query = select(links).where(links.c.document_id.in_(ids[start : start + 500]))
                for link in conn.execute(query):
                    linked.setdefault(link.document_id, set()).add(link.project_id)
        return [(row, frozenset(linked.get(row.id, ()))) for row in rows]

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        """The file stored for the invoice or quote in ``tt_document_files``, or ``None``."""
        f = t.document_files
        rows = self._rows(select(f).where(f.c.kind == kind, f.c.document_id == document_id))
        if not rows:
            return None
        row = rows[0]
        return DocumentFile(filename=row.filename, content_type=row.content_type, data=row.data)


_ENTRY_COLUMNS = (
    *t.entries.c,
    t.approvals.c.status.label("a_status"),
    t.approvals.c.workflow.label("a_workflow"),
    t.approvals.c.version.label("a_version"),
    t.approvals.c.reason.label("a_reason"),
)


def _filter_params(scope: Scope, query: EntryQuery) -> dict[str, Any]:
    """The parameters of the entry conditions (:func:`_entry_conditions`) for a scope and query;
    ``projects`` is empty when the query's projects are none of the scope's."""
    projects = scope.project_ids & query.project_ids if query.project_ids else scope.project_ids
    return {
        "client_id": scope.client_id,
        "projects": sorted(projects),
        "employees": sorted(query.employee_ids),
        "date_from": query.date_from,
        "date_to": query.date_to,
        "statuses": sorted(s.value for s in query.statuses),
        "after_date": None if query.after is None else query.after.date,
        "after_id": None if query.after is None else query.after.id,
    }


_Shape = tuple[bool, bool, bool, bool, bool]


def _shape(query: EntryQuery) -> _Shape:
    """Which filters the query uses: the statements are built once per combination."""
    return (
        bool(query.employee_ids),
        query.date_from is not None,
        query.date_to is not None,
        bool(query.statuses),
        query.after is not None,
    )


def _entry_conditions(
    employees: bool, date_from: bool, date_to: bool, statuses: bool, after: bool
) -> list[sa.ColumnElement[bool]]:
    """The rules and filters every entry query applies: the scope's client and projects, the
    query's employees, dates and approval statuses (from the approvals table, which the
    statement must join when ``statuses``), and the keyset cursor."""
    e, a = t.entries, t.approvals
    conditions: list[sa.ColumnElement[bool]] = [
        # client_id is the project's (a foreign key says so): V1 and V2 in one condition.
        e.c.client_id == bindparam("client_id"),
        e.c.project_id.in_(bindparam("projects", expanding=True)),
    ]
    if employees:
        conditions.append(e.c.employee_id.in_(bindparam("employees", expanding=True)))
    if date_from:
        conditions.append(e.c.date >= bindparam("date_from"))
    if date_to:
        conditions.append(e.c.date <= bindparam("date_to"))
    if statuses:
        status = func.coalesce(a.c.status, ApprovalStatus.OPEN.value)
        conditions.append(status.in_(bindparam("statuses", expanding=True)))
    if after:
        # The first condition lets the database seek in the index; the second is the keyset.
        conditions.append(e.c.date <= bindparam("after_date"))
        conditions.append(
            or_(
                e.c.date < bindparam("after_date"),
                and_(e.c.date == bindparam("after_date"), e.c.id > bindparam("after_id")),
            )
        )
    return conditions


_PAGES: dict[tuple[bool, ...], sa.Select[Any]] = {}


def _page_statement(
    employees: bool, date_from: bool, date_to: bool, statuses: bool, after: bool
) -> sa.Select[Any]:
    """The page query for one combination of filters, built once and reused (its SQL is cached
    by the engine; only the parameters change)."""
    e, a = t.entries, t.approvals
    conditions = _entry_conditions(employees, date_from, date_to, statuses, after)
    statement = (
        select(*_ENTRY_COLUMNS)
        .select_from(e.outerjoin(a, a.c.entry_id == e.c.id))
        .where(*conditions)
        .order_by(e.c.date.desc(), e.c.id)
        .limit(bindparam("limit", type_=sa.Integer))
    )
    _PAGES[(employees, date_from, date_to, statuses, after)] = statement
    return statement


# -- totals ------------------------------------------------------------------------------------

#: Rates summed in SQL have at most this many decimals, stay below ``_RATE_LIMIT`` per hour and
#: go with at most ``_SECONDS_LIMIT`` seconds: then ``rate * 10**4`` is a whole number, and
#: ``2 * units * seconds`` fits in 64 bits.
_RATE_DECIMALS = 4
_RATE_LIMIT = 1_000_000
_SECONDS_LIMIT = 100_000_000

_TOTALS: dict[tuple[object, ...], sa.Select[Any]] = {}


def _int(value: int) -> sa.ColumnElement[int]:
    """A whole number written into the SQL (no parameter, no money type applied to it)."""
    return literal_column(str(int(value)), sa.BigInteger)


def _plain_rate(dialect: str) -> sa.ColumnElement[bool]:
    """True for an entry whose amount the database rounds exactly (see :data:`_RATE_DECIMALS`).

    SQLite holds money as text, so the test is on the text (digits, at most one point, the
    number of digits on either side); PostgreSQL holds ``NUMERIC`` and tests the value.
    """
    rate, seconds = t.entries.c.rate, t.entries.c.seconds
    if dialect == "sqlite":
        integer_digits = len(str(_RATE_LIMIT)) - 1
        dot = func.instr(rate, literal_column("'.'"))
        length = func.length(rate)
        shape = and_(
            rate.op("GLOB")(literal_column("'[0-9]*'")),
            not_(rate.op("GLOB")(literal_column("'*[^0-9.]*'"))),
            not_(rate.op("GLOB")(literal_column("'*.*.*'"))),
            or_(
                and_(dot == _int(0), length <= _int(integer_digits)),
                and_(
                    dot.between(_int(2), _int(integer_digits + 1)),
                    length - dot <= _int(_RATE_DECIMALS),
                ),
            ),
        )
    else:
        units = rate * _int(10**_RATE_DECIMALS)
        shape = and_(units == func.trunc(units), rate < _int(_RATE_LIMIT))
    return and_(rate.is_not(None), shape, seconds <= _int(_SECONDS_LIMIT))


def _cents_of(dialect: str) -> sa.ColumnElement[int]:
    """An entry's amount in whole cents, ``rate * seconds / 3600`` rounded half-up, for a plain
    rate (:func:`_plain_rate`): in integers, ``(2 * units * seconds + 360000) // 720000`` where
    ``units`` is the rate in ten-thousandths."""
    rate, seconds = t.entries.c.rate, t.entries.c.seconds
    scale = _int(10**_RATE_DECIMALS)
    if dialect == "sqlite":
        # A plain rate has at most 11 digits: a double holds it and its product with 10**4
        # within 1e-6 of the whole number, so round() gives that number exactly.
        units = sa.cast(func.round(sa.cast(rate, sa.Float) * scale), sa.BigInteger)
    else:
        units = sa.cast(rate * scale, sa.BigInteger)
    divisor = 36 * 10**_RATE_DECIMALS  # rate * seconds / 3600 * 100 == units * seconds / divisor
    return (_int(2) * units * seconds + _int(divisor)) // _int(2 * divisor)


def _from(statuses: bool) -> sa.FromClause:
    """The entries, with their approval state when the query filters by status."""
    e, a = t.entries, t.approvals
    return e.outerjoin(a, a.c.entry_id == e.c.id) if statuses else e


def _per_entry(dialect: str, amounts: bool, shape: _Shape, odd: bool) -> sa.Subquery:
    """What each entry of a page's conditions adds to its project's totals: its seconds, its
    billable seconds and (``amounts``) its cents when its rate is plain, whether it has a rate,
    and (``odd``) its rate.

    ``OFFSET 0`` keeps the database from merging this into the aggregate, where the rate test
    would run once per use; and it lets the database choose how to find the entries (on SQLite,
    a scan or the ``(client_id, date desc, id)`` index) apart from how the projects are grouped.
    """
    e = t.entries
    columns: list[sa.ColumnElement[Any]] = [
        e.c.project_id,
        e.c.seconds,
        case((e.c.billable, e.c.seconds), else_=_int(0)).label("billable"),
    ]
    if amounts:
        columns += [
            case((_plain_rate(dialect), _cents_of(dialect))).label("cents"),
            case((e.c.rate.is_not(None), _int(1))).label("rated"),
        ]
    if odd:
        columns.append(e.c.rate)
    return (
        select(*columns)
        .select_from(_from(shape[3]))
        .where(*_entry_conditions(*shape))
        .offset(0)
        .subquery("entry")
    )


def _totals_statement(dialect: str, amounts: bool, shape: _Shape, *, odd: bool) -> sa.Select[Any]:
    """The totals per project over a page's conditions: ``entries``, ``seconds``, ``billable``,
    and with ``amounts`` the ``cents`` of the ``priced`` entries (plain rates) and how many are
    ``rated`` at all. With ``odd``, the entries with another rate make groups of their own, by
    ``odd_rate`` and ``odd_seconds`` (``NULL`` on the group of all the others).

    Built once per dialect and combination, and reused.
    """
    key = (dialect, amounts, odd, *shape)
    statement = _TOTALS.get(key)
    if statement is not None:
        return statement
    entry = _per_entry(dialect, amounts, shape, odd)
    columns: list[sa.ColumnElement[Any]] = [
        entry.c.project_id,
        func.count().label("entries"),
        func.sum(entry.c.seconds).label("seconds"),
        func.sum(entry.c.billable).label("billable"),
    ]
    if amounts:
        columns += [
            func.sum(entry.c.cents).label("cents"),
            func.count(entry.c.cents).label("priced"),
            func.count(entry.c.rated).label("rated"),
        ]
    groups: list[sa.ColumnElement[Any]] = [entry.c.project_id]
    if odd:
        unpriced = and_(entry.c.cents.is_(None), entry.c.rate.is_not(None))
        odd_rate = sa.type_coerce(case((unpriced, entry.c.rate)), t.entries.c.rate.type)
        odd_seconds = case((unpriced, entry.c.seconds))
        columns += [odd_rate.label("odd_rate"), odd_seconds.label("odd_seconds")]
        groups += [odd_rate, odd_seconds]
    statement = select(*columns).group_by(*groups)
    _TOTALS[key] = statement
    return statement


def _cents(cents: object, priced: object) -> Decimal:
    """A sum of whole cents as money with two places, as a sum of amounts is; ``Decimal(0)`` when
    no entry had a rate (as a sum of no amounts is)."""
    if not priced:
        return Decimal(0)
    return Decimal(int(cents)).scaleb(-2)  # type: ignore[call-overload]


_STATES: dict[tuple[str, str | None, int, str | None], ApprovalState] = {}


def _approval(status: str, workflow: str | None, version: int, reason: str | None) -> ApprovalState:
    """The approval state of a row; the common ones are built (and validated) once."""
    key = (status, workflow, version, reason)
    state = _STATES.get(key)
    if state is None:
        state = ApprovalState(
            status=ApprovalStatus(status),
            workflow=None if workflow is None else Workflow(workflow),
            version=version,
            reason=reason,
        )
        if reason is None and len(_STATES) < 4096:
            _STATES[key] = state
    return state


def _entry(row: Row[Any]) -> TimeEntry:
    (
        id,
        _,
        project_id,
        employee_id,
        date,
        seconds,
        description,
        task,
        billable,
        rate,
        cost_rate,
        internal_note,
        status,
        workflow,
        version,
        reason,
    ) = row  # type: ignore[misc]  # a Row of the 16 columns of _ENTRY_COLUMNS
    return TimeEntry(
        id,
        project_id,
        employee_id,
        date,
        seconds,
        description,
        task,
        billable,
        rate,
        cost_rate,
        internal_note,
        _OPEN if status is None else _approval(status, workflow, version, reason),
    )


# --------------------------------------------------------------------------------------------------
# Loading


def load_dataset(
    engine: Engine | str,
    dataset: Dataset,
    *,
    documents: Mapping[tuple[str, str], DocumentFile] | None = None,
    approvals: bool = True,
) -> None:
    """Insert ``dataset`` into the reference schema (creating its tables when missing).

    With ``approvals`` (the default), the entries' approval states other than a fresh OPEN go into
    the library's ``cp_approvals`` table (which must exist: :func:`~clientportal.sql.upgrade`),
    without audit events, so the source shows each entry as the dataset has it. ``documents`` maps
    ``(kind, document_id)`` to its file. Rows go in batches of 5,000 in one transaction; an entry
    whose project is not in the dataset (or not stored already) raises ``ValueError``.
    """
    engine = create_engine(engine) if isinstance(engine, str) else prepare_engine(engine)
    client_of = {p.id: p.client_id for p in dataset.projects}
    with translated_errors(engine), engine.execution_options(**{WRITE: True}).begin() as conn:
        t.reference_metadata.create_all(conn, checkfirst=True)
        missing = sorted({e.project_id for e in dataset.entries} - client_of.keys())
        if missing:
            query = select(t.projects.c.id, t.projects.c.client_id).where(
                t.projects.c.id.in_(missing)
            )
            client_of.update((row.id, row.client_id) for row in conn.execute(query))
        unknown = sorted({e.project_id for e in dataset.entries} - client_of.keys())
        if unknown:
            raise ValueError(
                f"entries name projects that do not exist: {', '.join(unknown[:10])}: "
                "add the projects to the dataset"
            )
        _insert(conn, t.clients, ({"id": c.id, "name": c.name} for c in dataset.clients))
        _insert(conn, t.employees, ({"id": e.id, "name": e.name} for e in dataset.employees))
        _insert(
            conn,
            t.contacts,
            (
                {
                    "id": c.id,
                    "client_id": c.client_id,
                    "name": c.name,
                    "email": c.email,
                    "language": c.language,
                }
                for c in dataset.contacts
            ),
        )
        _insert(
            conn,
            t.projects,
            ({"id": p.id, "client_id": p.client_id, "name": p.name} for p in dataset.projects),
        )
        _insert(
            conn,
            t.project_members,
            (
                {"project_id": p.id, "employee_id": member}
                for p in dataset.projects
                for member in sorted(p.member_ids)
            ),
        )
        _insert(
            conn, t.entries, (_entry_values(e, client_of[e.project_id]) for e in dataset.entries)
        )
        _insert(conn, t.budgets, (_budget_values(b) for b in dataset.budgets))
        for table, links, docs, until in (
            (t.invoices, t.invoice_projects, dataset.invoices, "due_date"),
            (t.quotes, t.quote_projects, dataset.quotes, "valid_until"),
        ):
            _insert(conn, table, (_document_values(d, until) for d in docs))
            _insert(
                conn,
                links,
                (
                    {"document_id": d.id, "project_id": p}
                    for d in docs
                    for p in sorted(d.project_ids)
                ),
            )
        _insert(
            conn,
            t.document_files,
            (
                {
                    "kind": kind,
                    "document_id": document_id,
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "data": f.data,
                }
                for (kind, document_id), f in (documents or {}).items()
            ),
        )
        if approvals:
            _insert(
                conn,
                t.approvals,
                (_approval_values(e) for e in dataset.entries if e.approval != _OPEN),
            )


def load_entries(
    engine: Engine | str, entries: Iterable[TimeEntry], *, approvals: bool = True
) -> int:
    """Stream ``entries`` into the reference schema in batches of 5,000 (constant memory), and
    return how many went in. Their projects must be stored already (:func:`load_dataset`).

    For millions of entries, where building one :class:`~clientportal.model.Dataset` would hold
    them all in memory. ``approvals`` as for :func:`load_dataset`.
    """
    engine = create_engine(engine) if isinstance(engine, str) else prepare_engine(engine)
    count = 0
    with translated_errors(engine), engine.execution_options(**{WRITE: True}).begin() as conn:
        projects = select(t.projects.c.id, t.projects.c.client_id)
        client_of = {row.id: row.client_id for row in conn.execute(projects)}
        insert_entries, insert_states = t.entries.insert(), t.approvals.insert()
        batch: list[TimeEntry] = []

        def flush() -> None:
            unknown = sorted({e.project_id for e in batch} - client_of.keys())
            if unknown:
                raise ValueError(
                    f"entries name projects that are not stored: {', '.join(unknown[:10])}: "
                    "load the projects first (load_dataset)"
                )
            conn.execute(insert_entries, [_entry_values(e, client_of[e.project_id]) for e in batch])
            states = [_approval_values(e) for e in batch if e.approval != _OPEN]
            if approvals and states:
                conn.execute(insert_states, states)

        for entry in entries:
            batch.append(entry)
            if len(batch) == _BATCH:
                flush()
                count += len(batch)
                batch = []
        if batch:
            flush()
            count += len(batch)
    return count


def _approval_values(e: TimeEntry) -> dict[str, Any]:
    state = e.approval
    return {
        "entry_id": e.id,
        "status": state.status.value,
        "workflow": None if state.workflow is None else state.workflow.value,
        "version": state.version,
        "reason": state.reason,
        "updated_at": None,
    }


def _insert(conn: Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    """Insert ``rows`` in batches (plain executemany: no RETURNING needed)."""
    insert = table.insert()
    for batch in _batches(rows):
        conn.execute(insert, batch)


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _entry_values(e: TimeEntry, client_id: str) -> dict[str, Any]:
    return {
        "id": e.id,
        "client_id": client_id,
        "project_id": e.project_id,
        "employee_id": e.employee_id,
        "date": e.date,
        "seconds": e.seconds,
        "description": e.description,
        "task": e.task,
        "billable": e.billable,
        "rate": e.rate,
        "cost_rate": e.cost_rate,
        "internal_note": e.internal_note,
    }


def _budget_values(b: Budget) -> dict[str, Any]:
    return {
        "id": b.id,
        "project_id": b.project_id,
        "type": b.type.value,
        "amount": b.amount,
        "used": b.used,
        "currency": b.currency,
        "task": b.task,
        "employee_id": b.employee_id,
    }


def _document_values(d: Invoice | Quote, until: str) -> dict[str, Any]:
    return {
        "id": d.id,
        "client_id": d.client_id,
        "number": d.number,
        "date": d.date,
        "amount": d.amount,
        "currency": d.currency,
        "status": d.status.value,
        until: getattr(d, until),
    }
