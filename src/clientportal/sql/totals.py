"""The totals of the hours page in SQL: one aggregate per project over a page's conditions, with
each entry's amount rounded to cents in the SQL exactly as
:func:`~clientportal.visibility.entry_amount` rounds it.

Amounts are summed in whole cents, each entry rounded half-up, for every rate of up to four
decimals below 1,000,000 (and up to 100,000,000 seconds). When some entry has any other rate, a
second statement sums everything again with those entries grouped by rate and seconds, and
``entry_amount`` itself prices them: each answer comes from one statement.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, func, literal_column, not_, or_, select
from sqlalchemy.engine import Row

from ..ports import Totals
from ..visibility import entry_amount
from . import tables as t
from .entries import Shape, entries_from, entry_conditions

__all__ = ["cents_amount", "cents_of", "plain_rate", "project_totals", "totals_statement"]

#: Runs a statement with its parameters and returns its rows.
Run = Callable[[sa.Select[Any], dict[str, Any]], list[Row[Any]]]


def project_totals(
    run: Run,
    dialect: str,
    amounts: bool,
    query_shape: Shape,
    params: dict[str, Any],
    *,
    billable_amounts_only: bool = False,
) -> dict[str, Totals]:
    """The totals per project of the entries that match a page's conditions (``query_shape``
    with ``params``: :mod:`clientportal.sql.entries`), with their amounts when ``amounts``
    (of the billable entries only when ``billable_amounts_only``, as
    :meth:`~clientportal.Scope.shows_amount` says)."""
    billable = billable_amounts_only
    rows = run(
        totals_statement(dialect, amounts, query_shape, odd=False, billable=billable), params
    )
    if not amounts:
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
                cents_amount(row.cents, row.priced),
            )
            for row in rows
        }
    found: dict[str, Totals] = {}
    odd = totals_statement(dialect, True, query_shape, odd=True, billable=billable)
    for row in run(odd, params):
        amount = (
            cents_amount(row.cents, row.priced)
            if row.odd_rate is None
            else entry_amount(row.odd_rate, row.odd_seconds) * int(row.entries)
        )
        group = Totals(int(row.entries), int(row.seconds), int(row.billable), amount)
        previous = found.get(row.project_id)
        found[row.project_id] = group if previous is None else previous + group
    return found


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


def plain_rate(
    dialect: str,
    rate: sa.ColumnElement[Any] = t.entries.c.rate,
    seconds: sa.ColumnElement[Any] = t.entries.c.seconds,
) -> sa.ColumnElement[bool]:
    """True for an entry whose amount the database rounds exactly (see :data:`_RATE_DECIMALS`);
    the entry's ``rate`` and ``seconds`` are those of ``tt_entries`` unless given.

    SQLite holds money as text, so the test is on the text (digits, at most one point, the
    number of digits on either side); PostgreSQL holds ``NUMERIC`` and tests the value.
    """
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


def cents_of(
    dialect: str,
    rate: sa.ColumnElement[Any] = t.entries.c.rate,
    seconds: sa.ColumnElement[Any] = t.entries.c.seconds,
) -> sa.ColumnElement[int]:
    """An entry's amount in whole cents, ``rate * seconds / 3600`` rounded half-up, for a plain
    rate (:func:`plain_rate`): in integers, ``(2 * units * seconds + 360000) // 720000`` where
    ``units`` is the rate in ten-thousandths."""
    scale = _int(10**_RATE_DECIMALS)
    if dialect == "sqlite":
        # A plain rate has at most 11 digits: a double holds it and its product with 10**4
        # within 1e-6 of the whole number, so round() gives that number exactly.
        units = sa.cast(func.round(sa.cast(rate, sa.Float) * scale), sa.BigInteger)
    else:
        units = sa.cast(rate * scale, sa.BigInteger)
    divisor = 36 * 10**_RATE_DECIMALS  # rate * seconds / 3600 * 100 == units * seconds / divisor
    return (_int(2) * units * seconds + _int(divisor)) // _int(2 * divisor)


def _per_entry(dialect: str, amounts: bool, shape: Shape, odd: bool, billable: bool) -> sa.Subquery:
    """What each entry of a page's conditions adds to its project's totals: its seconds, its
    billable seconds and (``amounts``) its cents when its rate is plain, whether it has a rate,
    and (``odd``) its rate; with ``billable``, a non-billable entry counts as one without a rate.

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
    priced = e.c.billable if billable else sa.true()
    if amounts:
        columns += [
            case((and_(priced, plain_rate(dialect)), cents_of(dialect))).label("cents"),
            case((and_(priced, e.c.rate.is_not(None)), _int(1))).label("rated"),
        ]
    if odd:
        rate = sa.type_coerce(case((priced, e.c.rate)), e.c.rate.type) if billable else e.c.rate
        columns.append(rate.label("rate"))
    return (
        select(*columns)
        .select_from(entries_from(shape[3]))
        .where(*entry_conditions(*shape))
        .offset(0)
        .subquery("entry")
    )


def totals_statement(
    dialect: str, amounts: bool, shape: Shape, *, odd: bool, billable: bool = False
) -> sa.Select[Any]:
    """The totals per project over a page's conditions: ``entries``, ``seconds``, ``billable``,
    and with ``amounts`` the ``cents`` of the ``priced`` entries (plain rates) and how many are
    ``rated`` at all. With ``odd``, the entries with another rate make groups of their own, by
    ``odd_rate`` and ``odd_seconds`` (``NULL`` on the group of all the others).

    Built once per dialect and combination, and reused.
    """
    key = (dialect, amounts, odd, billable, *shape)
    statement = _TOTALS.get(key)
    if statement is not None:
        return statement
    entry = _per_entry(dialect, amounts, shape, odd, billable)
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


def cents_amount(cents: object, priced: object) -> Decimal:
    """A sum of whole cents as money with two places, as a sum of amounts is; ``Decimal(0)`` when
    no entry had a rate (as a sum of no amounts is)."""
    if not priced:
        return Decimal(0)
    return Decimal(int(cents)).scaleb(-2)  # type: ignore[call-overload]
