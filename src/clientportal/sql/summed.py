"""Reading the entry sums (``tt_entry_sums``): totals, the employees of entries, hours per week,
and where the entries of some statuses lie — a few rows each, whatever the number of entries.

The sums hold what :mod:`clientportal.sql.totals` would sum from the entries (the triggers of
:mod:`clientportal.sql.sums` keep them), so every answer here equals the aggregate over the
entries. The totals of a date range add the parts :func:`~clientportal.sql.ranges.plan` gives:
all-time and week rows, and the entries of the days at the range's ends. When some entry in the
sums has a rate whose amount the database cannot round exactly, :func:`summed_totals` answers
``None`` and the caller sums the entries instead (:func:`~clientportal.sql.totals.project_totals`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from attrs import evolve, frozen
from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.engine import Row

from ..ports import EntryQuery, Totals
from ..visibility import Scope
from . import tables as t
from .entries import filter_params, shape
from .ranges import Part, plan
from .sums import ALL_TIME
from .totals import cents_amount, totals_statement

__all__ = ["date_bounds", "employee_ids", "summed_totals", "week_seconds"]

#: Runs a statement with its parameters and returns its rows.
Run = Callable[[Any, dict[str, Any]], list[Row[Any]]]

_STATEMENTS: dict[tuple[object, ...], Any] = {}
_WEEK = dt.timedelta(weeks=1)


@frozen
class _Raw:
    """Sums as stored: count, seconds, billable seconds, cents of plain rates, how many have a
    plain rate, how many have a rate."""

    entries: int = 0
    seconds: int = 0
    billable: int = 0
    cents: int = 0
    priced: int = 0
    rated: int = 0

    def plus(self, other: _Raw, sign: int) -> _Raw:
        return _Raw(*(a + sign * b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, ...]:
        return (self.entries, self.seconds, self.billable, self.cents, self.priced, self.rated)


def _sums_statement(level: int, employees: bool, statuses: bool, last: bool, b: bool) -> Any:
    """The sums per project of the rows of ``level`` (1: from week ``first``, to week ``last``
    when ``last``), of the projects, employees and statuses asked for."""
    key = ("sums", level, employees, statuses, last, b)
    found = _STATEMENTS.get(key)
    if found is not None:
        return found
    s = t.entry_sums.c
    prefix = "b_" if b else ""
    conditions = [
        s.client_id == bindparam("client_id"),
        s.level == literal_column(str(level)),
        s.project_id.in_(bindparam("projects", expanding=True)),
    ]
    if level == 1:
        conditions.append(s.period >= bindparam("week_from", type_=sa.Date))
        if last:
            conditions.append(s.period <= bindparam("week_to", type_=sa.Date))
    else:
        conditions.append(s.period == ALL_TIME)
    if employees:
        conditions.append(s.employee_id.in_(bindparam("employees", expanding=True)))
    if statuses:
        conditions.append(s.status.in_(bindparam("statuses", expanding=True)))
    statement = (
        select(
            s.project_id,
            func.sum(s.entries).label("entries"),
            func.sum(s.seconds).label("seconds"),
            func.sum(s.billable_seconds).label("billable"),
            func.sum(s[f"{prefix}cents"]).label("cents"),
            func.sum(s[f"{prefix}priced"]).label("priced"),
            func.sum(s[f"{prefix}rated"]).label("rated"),
        )
        .where(*conditions)
        .group_by(s.project_id)
    )
    _STATEMENTS[key] = statement
    return statement


def _part_sums(
    run: Run, dialect: str, part: Part, query: EntryQuery, params: dict[str, Any], b: bool
) -> dict[str, _Raw]:
    """The raw sums per project of one part of a query's range."""
    if part.kind == "entries":
        entries_query = evolve(
            query,
            date_from=part.first,
            date_to=part.last,
            after=query.after if part.after else None,
        )
        statement = totals_statement(dialect, True, shape(entries_query), odd=False, billable=b)
        rows = run(statement, {**params, **_dates(entries_query)})
    else:
        level = 0 if part.kind == "all" else 1
        statement = _sums_statement(
            level, bool(query.employee_ids), bool(query.statuses), part.last is not None, b
        )
        rows = run(statement, {**params, "week_from": part.first, "week_to": part.last})
    return {
        row.project_id: _Raw(
            int(row.entries or 0),
            int(row.seconds or 0),
            int(row.billable or 0),
            int(row.cents or 0),
            int(row.priced or 0),
            int(row.rated or 0),
        )
        for row in rows
    }


def _dates(query: EntryQuery) -> dict[str, Any]:
    return {
        "date_from": query.date_from,
        "date_to": query.date_to,
        "after_date": None if query.after is None else query.after.date,
        "after_id": None if query.after is None else query.after.id,
    }


def summed_totals(
    run: Run, dialect: str, scope: Scope, query: EntryQuery
) -> dict[str, Totals] | None:
    """The totals per project of the scope's entries that match ``query`` (its cursor and
    dates included), from the sums: ``None`` when an entry among them has a rate the sums
    cannot price exactly (sum the entries then)."""
    params = filter_params(scope, query)
    if not params["projects"]:
        return {}
    b = not scope.non_billable_amounts
    found: dict[str, _Raw] = {}
    cursor = None if query.after is None else query.after.date
    for part in plan(query.date_from, query.date_to, cursor):
        for project_id, raw in _part_sums(run, dialect, part, query, params, b).items():
            found[project_id] = found.get(project_id, _Raw()).plus(raw, part.sign)
    if any(raw.rated != raw.priced for raw in found.values()):
        return None
    return {
        project_id: Totals(
            raw.entries,
            raw.seconds,
            raw.billable,
            cents_amount(raw.cents, raw.priced) if scope.amounts else None,
        )
        for project_id, raw in found.items()
        if raw.entries
    }


def employee_ids(run: Run, scope: Scope) -> frozenset[str]:
    """Who logged the scope's entries: the employees of its all-time rows."""
    s = t.entry_sums.c
    statement = _STATEMENTS.get(("employees",))
    if statement is None:
        statement = (
            select(s.employee_id)
            .where(
                s.client_id == bindparam("client_id"),
                s.level == literal_column("0"),
                s.period == ALL_TIME,
                s.project_id.in_(bindparam("projects", expanding=True)),
                s.entries > literal_column("0"),
            )
            .distinct()
        )
        _STATEMENTS[("employees",)] = statement
    rows = run(statement, {"client_id": scope.client_id, "projects": sorted(scope.project_ids)})
    return frozenset(row.employee_id for row in rows)


def week_seconds(run: Run, scope: Scope, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """The seconds per ISO week (by Monday) of the scope's entries, weeks ``first`` to
    ``last``."""
    s = t.entry_sums.c
    statement = _STATEMENTS.get(("weeks",))
    if statement is None:
        statement = (
            select(s.period, func.sum(s.seconds).label("seconds"))
            .where(
                s.client_id == bindparam("client_id"),
                s.level == literal_column("1"),
                s.period >= bindparam("first", type_=sa.Date),
                s.period <= bindparam("last", type_=sa.Date),
                s.project_id.in_(bindparam("projects", expanding=True)),
            )
            .group_by(s.period)
        )
        _STATEMENTS[("weeks",)] = statement
    params = {
        "client_id": scope.client_id,
        "projects": sorted(scope.project_ids),
        "first": first,
        "last": last,
    }
    return {row.period: int(row.seconds) for row in run(statement, params) if row.seconds}


def date_bounds(run: Run, scope: Scope, query: EntryQuery) -> tuple[dt.date, dt.date] | None:
    """The first Monday and last Sunday of the weeks that hold entries of the query's statuses
    (in the scope's projects), or ``None`` when there are none: one statement of two lookups a
    status in the partial index of the weeks with entries."""
    statuses = sorted(status.value for status in query.statuses)
    statement = _STATEMENTS.get(("bounds", len(statuses)))
    if statement is None:
        statement = _STATEMENTS[("bounds", len(statuses))] = _bounds_statement(len(statuses))
    params: dict[str, Any] = {"client_id": scope.client_id, "projects": sorted(scope.project_ids)}
    params.update((f"status_{i}", status) for i, status in enumerate(statuses))
    periods = [row.period for row in run(statement, params)]
    if not periods:
        return None
    last = max(periods)
    return min(periods), last + _SUNDAY if last < dt.date.max - _WEEK else dt.date.max


_SUNDAY = dt.timedelta(days=6)


def _bounds_statement(count: int) -> Any:
    """The first and last week with entries of each of ``count`` statuses (``status_<i>``)."""
    s = t.entry_sums.c
    # Written into the SQL, so that the partial index (entries > 0) applies.
    zero: sa.ColumnElement[Any] = literal_column("0")
    lookups = []
    for i in range(count):
        for order in (s.period, s.period.desc()):
            lookups.append(
                select(s.period)
                .where(
                    s.client_id == bindparam("client_id"),
                    s.level == literal_column("1"),
                    s.status == bindparam(f"status_{i}"),
                    s.entries > zero,
                    s.project_id.in_(bindparam("projects", expanding=True)),
                )
                .order_by(order)
                .limit(1)
                .subquery()
                .select()
            )
    return sa.union_all(*lookups)
