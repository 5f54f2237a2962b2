"""Expenses and trips of :class:`~clientportal.sql.SqlDataSource`: the optional
:class:`~clientportal.ports.ExpenseSource`, :class:`~clientportal.ports.TripSource`,
:class:`~clientportal.ports.CostTotalsSource` and :class:`~clientportal.ports.CostEmployees`
over ``tt_expenses`` and ``tt_trips`` (:mod:`clientportal.sql.cost_tables`).

Every query holds to the scope's client *and* its selected projects, leaves out non-billable
items unless the portal shows them (V13, V14), applies the page's filters and pages by keyset in
(date desc, id asc) order along the ``(client_id, date desc, id)`` index, as the entry queries do
(:mod:`clientportal.sql.entries`). Approval states come from ``cp_item_approvals`` by a LEFT JOIN
on the item's kind and id: an item without a row there is OPEN at version 0.

Who spent or travelled (the employee filter) is one ``SELECT DISTINCT employee_id`` under the
scope's conditions, without the approval states' join.

Totals are one aggregate per call, grouped by project and currency. PostgreSQL sums the exact
``NUMERIC`` values and rounds each trip's money as :func:`~clientportal.public.trip_amount` does
(``round`` is half-up for amounts, which are never negative). SQLite holds money as text: there
the sums and each trip's money are SQL functions this module adds to the connection, which
compute them with ``Decimal`` and ``trip_amount`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy import and_, bindparam, func, literal, or_, select
from sqlalchemy.engine import Connection, Engine, Row

from ..model import ApprovalStatus, Expense, ItemKind, Trip
from ..ports import EntryCursor, EntryQuery
from ..ports.costs import PORTAL_CURRENCY, CostPage, CostTotals
from ..public import trip_amount
from ..visibility import Scope
from . import cost_tables as ct
from . import tables as t
from .collation import binary_id
from .entries import OPEN, Shape, filter_params, shape
from .rows import approval_state, batches, record_of
from .shared import read_connection

__all__ = ["SqlCostSource"]

_Cost = TypeVar("_Cost", Expense, Trip)


@frozen
class _Kind(Generic[_Cost]):
    """What the queries of one kind of item need: its kind, record type and table."""

    kind: ItemKind
    record: type[_Cost]
    table: sa.Table

    def shown(self, scope: Scope) -> bool:
        """Whether the scope shows items of this kind at all."""
        return scope.expenses if self.kind is ItemKind.EXPENSE else scope.trips


_EXPENSES = _Kind(ItemKind.EXPENSE, Expense, ct.expenses)
_TRIPS = _Kind(ItemKind.TRIP, Trip, ct.trips)
_KINDS: dict[ItemKind, _Kind[Any]] = {ItemKind.EXPENSE: _EXPENSES, ItemKind.TRIP: _TRIPS}


class SqlCostSource:
    """The expenses and trips of the reference schema: mixed into
    :class:`~clientportal.sql.SqlDataSource`, whose engine and reader it uses."""

    engine: Engine
    _reader: Engine

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        """One page of the scope's expenses matching ``query``, in (date desc, id asc) order."""
        return self._page(_EXPENSES, scope, query)

    def expenses_by_id(self, expense_ids: frozenset[str]) -> Sequence[Expense]:
        """The expenses with these ids, whatever their project, by id."""
        return self._by_id(_EXPENSES, expense_ids)

    def trips(self, scope: Scope, query: EntryQuery) -> CostPage[Trip]:
        """One page of the scope's trips matching ``query``, in (date desc, id asc) order."""
        return self._page(_TRIPS, scope, query)

    def trips_by_id(self, trip_ids: frozenset[str]) -> Sequence[Trip]:
        """The trips with these ids, whatever their project, by id."""
        return self._by_id(_TRIPS, trip_ids)

    def cost_totals(
        self, scope: Scope, query: EntryQuery, kind: ItemKind
    ) -> Mapping[str, CostTotals]:
        """The totals of the scope's items of ``kind`` matching ``query`` from its cursor on, per
        project (see :class:`~clientportal.ports.CostTotalsSource`): one aggregate query over a
        page's conditions, grouped by project and currency. A trip without a currency of its
        own has its money under :data:`~clientportal.ports.costs.PORTAL_CURRENCY`."""
        of = _kind_of(kind)
        params = _params(of, scope, query)
        if params is None:
            return {}
        money = kind is ItemKind.EXPENSE or scope.trip_amounts
        dialect = self.engine.dialect.name
        statement = _totals_statement(of, dialect, money, shape(query), _billable_only(scope))
        found: dict[str, CostTotals] = {}
        for row in self._cost_rows(statement, params):
            amounts = () if row.currency is None else ((row.currency, _decimal(row.amount)),)
            distance = _decimal(row.distance) if kind is ItemKind.TRIP else Decimal(0)
            group = CostTotals(int(row.items), distance, amounts)
            previous = found.get(row.project_id)
            found[row.project_id] = group if previous is None else previous + group
        return found

    def cost_employee_ids(self, scope: Scope, kind: ItemKind) -> frozenset[str]:
        """Who spent or travelled on the scope's items of ``kind`` (see
        :class:`~clientportal.ports.CostEmployees`): one ``SELECT DISTINCT employee_id`` over the
        scope's client and projects (billable items only unless the portal shows the others),
        the index range of a page without its order, limit or join."""
        of = _kind_of(kind)
        params = _params(of, scope, EntryQuery())
        if params is None:
            return frozenset()
        statement = _employees_statement(of, _billable_only(scope))
        return frozenset(row.employee_id for row in self._cost_rows(statement, params))

    # -- what the kinds share ------------------------------------------------------------------

    def _page(self, of: _Kind[_Cost], scope: Scope, query: EntryQuery) -> CostPage[_Cost]:
        params = _params(of, scope, query)
        if params is None:
            return CostPage(items=(), next=None)
        params["limit"] = query.limit + 1
        statement = _page_statement(of, shape(query), _billable_only(scope))
        rows = self._cost_rows(statement, params)
        page = tuple(_record(of, row) for row in rows[: query.limit])
        more = len(rows) > query.limit
        return CostPage(items=page, next=EntryCursor(page[-1].date, page[-1].id) if more else None)

    def _by_id(self, of: _Kind[_Cost], ids: frozenset[str]) -> list[_Cost]:
        found: list[_Cost] = []
        statement = _by_id_statement(of)
        for chunk in batches(sorted(ids)):
            found.extend(_record(of, row) for row in self._cost_rows(statement, {"ids": chunk}))
        return found

    def _cost_rows(self, statement: sa.Select[Any], params: dict[str, Any]) -> list[Row[Any]]:
        with read_connection(self.engine, self._reader) as conn:
            if conn.dialect.name == "sqlite":
                _add_sqlite_functions(conn)
            return list(conn.execute(statement, params))


def _kind_of(kind: ItemKind) -> _Kind[Any]:
    of = _KINDS.get(kind)
    if of is None:
        raise ValueError(
            f"cost totals and employees are of expenses or trips, not of {kind!r}: ask "
            "entry_totals for the hours' totals and entry_employee_ids for who logged them"
        )
    return of


def _params(of: _Kind[Any], scope: Scope, query: EntryQuery) -> dict[str, Any] | None:
    """The parameters of a query of ``of``'s items, or ``None`` when the scope shows none."""
    if not of.shown(scope):
        return None
    params = filter_params(scope, query)
    if not params["projects"]:
        return None
    return params


def _billable_only(scope: Scope) -> bool:
    """Whether the scope shows billable items only (V13, V14)."""
    return not scope.non_billable_costs


def _decimal(value: object) -> Decimal:
    """A sum as the database gives it (a ``Decimal`` on PostgreSQL, text on SQLite)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _record(of: _Kind[_Cost], row: Row[Any]) -> _Cost:
    """The expense or trip of a row of :func:`_columns`, with its stored approval state or OPEN."""
    status = row.a_status
    approval = (
        OPEN
        if status is None
        else approval_state(status, row.a_workflow, row.a_version, row.a_reason)
    )
    return record_of(of.record, row, approval=approval)


# -- the statements, built once per kind and combination of filters ------------------------------


def _states(of: _Kind[Any]) -> sa.FromClause:
    """The items of ``of`` joined with their approval states."""
    a = t.item_approvals
    # The kind written into the SQL: each kind's statements are its own anyway.
    kind = sa.literal_column(f"'{of.kind.value}'", sa.String)
    joined = and_(a.c.kind == kind, a.c.item_id == of.table.c.id)
    return of.table.outerjoin(a, joined)


def _columns(of: _Kind[Any]) -> list[sa.ColumnElement[Any]]:
    """The item's columns, then its approval state's."""
    a = t.item_approvals
    return [
        *of.table.c,
        a.c.status.label("a_status"),
        a.c.workflow.label("a_workflow"),
        a.c.version.label("a_version"),
        a.c.reason.label("a_reason"),
    ]


def _conditions(
    of: _Kind[Any], query_shape: Shape, billable_only: bool
) -> list[sa.ColumnElement[bool]]:
    """The scope's rules and a page's filters over ``of``'s table (joined with the states)."""
    employees, date_from, date_to, statuses, after = query_shape
    x, a = of.table, t.item_approvals
    conditions: list[sa.ColumnElement[bool]] = [
        # client_id is the project's (a foreign key says so): V1 and V2 in one condition.
        x.c.client_id == bindparam("client_id"),
        x.c.project_id.in_(bindparam("projects", expanding=True)),
    ]
    if billable_only:
        conditions.append(x.c.billable.is_(True))
    if employees:
        conditions.append(x.c.employee_id.in_(bindparam("employees", expanding=True)))
    if date_from:
        conditions.append(x.c.date >= bindparam("date_from"))
    if date_to:
        conditions.append(x.c.date <= bindparam("date_to"))
    if statuses:
        # No state or a wanted state, as for entries (not a COALESCE: see entries.py).
        wanted: sa.BindParameter[str] = bindparam("statuses", expanding=True)
        conditions.append(
            or_(
                a.c.status.in_(wanted),
                and_(a.c.item_id.is_(None), literal(ApprovalStatus.OPEN.value).in_(wanted)),
            )
        )
    if after:
        conditions.append(x.c.date <= bindparam("after_date"))
        conditions.append(
            or_(
                x.c.date < bindparam("after_date"),
                and_(
                    x.c.date == bindparam("after_date"), binary_id(x.c.id) > bindparam("after_id")
                ),
            )
        )
    return conditions


_STATEMENTS: dict[tuple[object, ...], sa.Select[Any]] = {}


def _cached(key: tuple[object, ...], build: Callable[[], sa.Select[Any]]) -> sa.Select[Any]:
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = build()
    return statement


def _page_statement(of: _Kind[Any], query_shape: Shape, billable_only: bool) -> sa.Select[Any]:
    """A page of ``of``'s items for one combination of filters; ``limit`` is a parameter."""

    def build() -> sa.Select[Any]:
        return (
            select(*_columns(of))
            .select_from(_states(of))
            .where(*_conditions(of, query_shape, billable_only))
            .order_by(of.table.c.date.desc(), binary_id(of.table.c.id))
            .limit(bindparam("limit", type_=sa.Integer))
        )

    return _cached(("page", of.kind, query_shape, billable_only), build)


def _by_id_statement(of: _Kind[Any]) -> sa.Select[Any]:
    def build() -> sa.Select[Any]:
        return (
            select(*_columns(of))
            .select_from(_states(of))
            .where(of.table.c.id.in_(bindparam("ids", expanding=True)))
            .order_by(of.table.c.id)
        )

    return _cached(("by_id", of.kind), build)


def _employees_statement(of: _Kind[Any], billable_only: bool) -> sa.Select[Any]:
    """Who logged ``of``'s items of the scope's client and projects: each ``employee_id`` once."""

    def build() -> sa.Select[Any]:
        no_filters: Shape = (False, False, False, False, False)
        return (
            select(of.table.c.employee_id)
            .where(*_conditions(of, no_filters, billable_only))
            .distinct()
        )

    return _cached(("employees", of.kind, billable_only), build)


def _totals_statement(
    of: _Kind[Any], dialect: str, money: bool, query_shape: Shape, billable_only: bool
) -> sa.Select[Any]:
    """The totals of ``of``'s items over a page's conditions, by ``project_id`` and
    ``currency``: how many ``items``, their ``amount`` (``NULL``, as the currency, for items that
    show no money) and (trips) their ``distance``."""

    def build() -> sa.Select[Any]:
        x = of.table
        columns: list[sa.ColumnElement[Any]] = [x.c.project_id, func.count().label("items")]
        groups: list[sa.ColumnElement[Any]] = [x.c.project_id]
        if money:
            if of.kind is ItemKind.EXPENSE:
                currency: sa.ColumnElement[Any] = x.c.currency
                amount: sa.ColumnElement[Any] = x.c.amount
            else:
                # Written into the SQL, not a parameter: PostgreSQL groups by the same text only.
                own = func.coalesce(x.c.currency, sa.literal_column(f"'{PORTAL_CURRENCY}'"))
                currency = sa.case((x.c.rate.is_not(None), own))
                amount = _trip_amount(dialect, x.c.rate, x.c.distance)
            columns += [currency.label("currency"), _sum(dialect, amount).label("amount")]
            groups.append(currency)
        else:
            columns += [sa.null().label("currency"), sa.null().label("amount")]
        if of.kind is ItemKind.TRIP:
            columns.append(_sum(dialect, x.c.distance).label("distance"))
        return (
            select(*columns)
            .select_from(_states(of) if query_shape[3] else x)
            .where(*_conditions(of, query_shape, billable_only))
            .group_by(*groups)
        )

    return _cached(("totals", of.kind, dialect, money, query_shape, billable_only), build)


def _sum(dialect: str, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The exact sum of money (or distances): ``SUM`` of ``NUMERIC`` on PostgreSQL, the decimal
    sum this module adds to SQLite, whose money is text."""
    if dialect == "sqlite":
        return sa.type_coerce(func.cp_decimal_sum(value), sa.String)
    return sa.type_coerce(func.sum(value), sa.Numeric(asdecimal=True))


def _trip_amount(
    dialect: str, rate: sa.ColumnElement[Any], distance: sa.ColumnElement[Any]
) -> sa.ColumnElement[Any]:
    """A trip's money, ``rate × distance`` rounded half-up to cents (``NULL`` without a rate)."""
    if dialect == "sqlite":
        return sa.type_coerce(func.cp_trip_amount(rate, distance), sa.String)
    return sa.type_coerce(func.round(rate * distance, 2), sa.Numeric(asdecimal=True))


# -- SQLite's decimal functions --------------------------------------------------------------------


class _DecimalSum:
    """``cp_decimal_sum(text)``: the exact sum of decimal texts (``NULL`` when all are)."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: str | None) -> None:
        if value is not None:
            number = Decimal(value)
            self.total = number if self.total is None else self.total + number

    def finalize(self) -> str | None:
        return None if self.total is None else str(self.total)


def _trip_amount_text(rate: str | None, distance: str | None) -> str | None:
    """``cp_trip_amount(rate, distance)``: :func:`~clientportal.public.trip_amount` as text."""
    if rate is None or distance is None:
        return None
    return str(trip_amount(Decimal(rate), Decimal(distance)))


_FUNCTIONS_ADDED = "clientportal_decimal_functions"


def _add_sqlite_functions(conn: Connection) -> None:
    """Add the decimal functions to the SQLite connection, once in its life (the pool's record
    of the connection remembers it)."""
    if conn.info.get(_FUNCTIONS_ADDED):
        return
    dbapi: Any = conn.connection.dbapi_connection
    dbapi.create_aggregate("cp_decimal_sum", 1, _DecimalSum)
    dbapi.create_function("cp_trip_amount", 2, _trip_amount_text, deterministic=True)
    conn.info[_FUNCTIONS_ADDED] = True
