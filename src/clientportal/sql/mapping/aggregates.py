"""The optional aggregates of a mapped source, each one statement over the host's entries: the
totals per project under a page's filters (:class:`~clientportal.ports.EntryTotals`), who logged
the scope's entries (:class:`~clientportal.ports.EntryEmployees`) and the seconds per week
(:class:`~clientportal.ports.EntryWeeks`).

Amounts are summed as :mod:`clientportal.sql.totals` sums them: in whole cents, each entry
rounded half-up in the SQL when its rate is plain (:func:`~clientportal.sql.totals.plain_rate`);
entries with another rate are grouped by rate and seconds and priced by
:func:`~clientportal.visibility.entry_amount` itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Row

from ...ports import EntryQuery, Totals
from ...visibility import Scope, entry_amount
from ..totals import cents_amount, cents_of, plain_rate
from .convert import money
from .entries import EntrySql, Keys

__all__ = ["employee_ids", "project_totals", "week_seconds"]

#: Runs a statement and returns its rows.
Run = Callable[[sa.Select[Any]], list[Row[Any]]]


def _zero() -> sa.ColumnElement[int]:
    return sa.literal_column("0", sa.Integer)


def _per_entry(
    sql: EntrySql, keys: Keys, query: EntryQuery, *, amounts: bool, odd: bool, billable: bool
) -> sa.Subquery:
    """What each matching entry adds to its project's totals (see
    :func:`clientportal.sql.totals.totals_statement`); with ``billable``, a non-billable entry
    counts as one without a rate."""
    rate = sql.schema.entries.rate
    columns: list[sa.ColumnElement[Any]] = [
        sql.schema.entries.project.label("project_id"),
        sql.seconds.label("seconds"),
        case((sql.billable, sql.seconds), else_=_zero()).label("billable"),
    ]
    priced = sql.billable if billable else sa.true()
    if amounts and rate is not None:
        columns += [
            case(
                (and_(priced, plain_rate(sql.dialect, rate, sql.seconds)),
                 cents_of(sql.dialect, rate, sql.seconds)),
            ).label("cents"),
            case((and_(priced, rate.is_not(None)), sa.literal_column("1", sa.Integer))).label(
                "rated"
            ),
        ]  # fmt: skip
        if odd:
            columns.append(sa.type_coerce(case((priced, rate)), rate.type).label("rate"))
    return (
        select(*columns)
        .select_from(sql.from_(states=bool(query.statuses), task=False))
        .where(*sql.conditions(keys, query))
        .offset(0)
        .subquery("entry")
    )


def _statement(
    sql: EntrySql, keys: Keys, query: EntryQuery, *, amounts: bool, odd: bool, billable: bool
) -> sa.Select[Any]:
    entry = _per_entry(sql, keys, query, amounts=amounts, odd=odd, billable=billable)
    columns: list[sa.ColumnElement[Any]] = [
        entry.c.project_id,
        func.count().label("entries"),
        func.sum(entry.c.seconds).label("seconds"),
        func.sum(entry.c.billable).label("billable"),
    ]
    groups: list[sa.ColumnElement[Any]] = [entry.c.project_id]
    if amounts:
        columns += [
            func.sum(entry.c.cents).label("cents"),
            func.count(entry.c.cents).label("priced"),
            func.count(entry.c.rated).label("rated"),
        ]
    if odd:
        unpriced = and_(entry.c.cents.is_(None), entry.c.rate.is_not(None))
        odd_rate = sa.type_coerce(case((unpriced, entry.c.rate)), entry.c.rate.type)
        odd_seconds = case((unpriced, entry.c.seconds))
        columns += [odd_rate.label("odd_rate"), odd_seconds.label("odd_seconds")]
        groups += [odd_rate, odd_seconds]
    return select(*columns).group_by(*groups)


def project_totals(
    run: Run, sql: EntrySql, keys: Keys, scope: Scope, query: EntryQuery
) -> dict[str, Totals]:
    """The totals per project of the scope's entries that match ``query`` from its cursor on."""
    rated = scope.amounts and sql.schema.entries.rate is not None
    billable = not scope.non_billable_amounts
    rows = run(_statement(sql, keys, query, amounts=rated, odd=False, billable=billable))
    if not rated:
        amount = Decimal(0) if scope.amounts else None
        return {
            str(r.project_id): Totals(
                int(r.entries), int(r.seconds or 0), int(r.billable or 0), amount
            )
            for r in rows
        }
    if all(r.rated == r.priced for r in rows):
        return {
            str(r.project_id): Totals(
                int(r.entries),
                int(r.seconds or 0),
                int(r.billable or 0),
                cents_amount(r.cents, r.priced),
            )
            for r in rows
        }
    found: dict[str, Totals] = {}
    for r in run(_statement(sql, keys, query, amounts=True, odd=True, billable=billable)):
        amount = (
            cents_amount(r.cents, r.priced)
            if r.odd_rate is None
            else entry_amount(money(r.odd_rate), int(r.odd_seconds)) * int(r.entries)
        )
        group = Totals(int(r.entries), int(r.seconds or 0), int(r.billable or 0), amount)
        previous = found.get(str(r.project_id))
        found[str(r.project_id)] = group if previous is None else previous + group
    return found


def employee_ids(run: Run, sql: EntrySql, keys: Keys) -> frozenset[str]:
    """Who logged the scope's entries: one ``SELECT DISTINCT``."""
    statement = (
        select(sql.schema.entries.employee)
        .select_from(sql.from_(states=False, project=False, task=False))
        .where(*sql.conditions(keys, None))
        .distinct()
    )
    return frozenset(str(row[0]) for row in run(statement))


def week_seconds(
    run: Run, sql: EntrySql, keys: Keys, first: dt.date, last: dt.date
) -> dict[dt.date, int]:
    """The seconds of the scope's entries per ISO week (by Monday), weeks ``first`` to
    ``last``: summed per day in the database (a few rows a week), and the days into their weeks
    here (cheaper than the week's Monday computed for every entry in SQL)."""
    day: Any = sql.day_sql.label("day")
    statement = (
        select(day, func.sum(sql.seconds).label("seconds"))
        .select_from(sql.from_(states=False, project=False, task=False))
        .where(
            *sql.conditions(keys, None),
            sql.day.on_or_after(first, sql.dialect),
            sql.day.on_or_before(last + dt.timedelta(days=6), sql.dialect),
        )
        .group_by(day)
    )
    found: dict[dt.date, int] = {}
    for row in run(statement):
        if row.seconds:
            value = sql.day.value(row.day)
            monday = value - dt.timedelta(days=value.weekday())
            found[monday] = found.get(monday, 0) + int(row.seconds)
    return found
