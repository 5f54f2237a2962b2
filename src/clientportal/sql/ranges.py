"""Which sums make up the totals of a date range: all time, whole weeks, and a few days of entries.

The entry sums (:mod:`clientportal.sql.sums`) hold all-time rows and one row per ISO week. The
entries of a query's dates (``date_from`` to ``date_to``, and older than its cursor) are then a
sum of :class:`Part` s: the whole weeks inside the range from the week rows, the days at either
end that do not fill a week from the entries themselves (less than two weeks of days, among
them the cursor's own day, where the cursor's id decides), and, when the range has no start,
all time less what lies after it. So a total costs a few rows per week of the range asked for,
or per week after its end, never a row per entry.

:func:`plan` is pure: the differential tests check that its parts add up to the entries of the
range, for any range and cursor.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from attrs import frozen

__all__ = ["Part", "plan"]

_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(weeks=1)


@frozen
class Part:
    """A part of a range's totals, added (``sign`` 1) or taken away (-1).

    ``kind`` "all": every entry. "weeks": the week rows of the Mondays from ``first`` to
    ``last`` (``None``: every later week). "entries": the entries from day ``first`` to day
    ``last`` (``None``: no bound), older than the query's cursor when ``after``.
    """

    sign: int
    kind: Literal["all", "weeks", "entries"]
    first: dt.date | None = None
    last: dt.date | None = None
    after: bool = False


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def plan(
    date_from: dt.date | None, date_to: dt.date | None, cursor_date: dt.date | None
) -> list[Part]:
    """The parts of the entries from ``date_from`` to ``date_to`` (each ``None``: no bound)
    that come after a cursor on ``cursor_date`` (``None``: no cursor), newest first: older
    than its day, or of its day and after its id."""
    lo, hi, cursor_day = date_from, date_to, None
    if cursor_date is not None and (hi is None or hi >= cursor_date):
        hi = cursor_day = cursor_date
    if lo is not None and hi is not None and lo > hi:
        return []
    if lo is None and hi is None:
        return [Part(1, "all")]
    try:
        if lo is None:
            assert hi is not None
            if cursor_day is not None:  # all, less the cursor's day and later, plus its part
                return [
                    Part(1, "all"),
                    *_covered(cursor_day, None, -1),
                    Part(1, "entries", cursor_day, cursor_day, after=True),
                ]
            if hi == dt.date.max:
                return [Part(1, "all")]
            return [Part(1, "all"), *_covered(hi + _DAY, None, -1)]
        return _covered(lo, hi, 1, cursor_last=cursor_day is not None)
    except OverflowError:  # a range at the ends of the calendar: its entries themselves
        return [Part(1, "entries", lo, hi, after=cursor_day is not None)]


def _covered(a: dt.date, b: dt.date | None, sign: int, *, cursor_last: bool = False) -> list[Part]:
    """The parts of the days from ``a`` to ``b`` (``None``: no end), the cursor's id deciding
    on day ``b`` when ``cursor_last``."""
    first = a if a.weekday() == 0 else _monday(a) + _WEEK
    if b is None:
        parts = [Part(sign, "weeks", first, None)]
        if first > a:
            parts.append(Part(sign, "entries", a, first - _DAY))
        return parts
    # The last Sunday whose whole week lies in the range (the cursor's day is never whole).
    end = b if b.weekday() == 6 and not cursor_last else _monday(b) - _DAY
    if first > end:
        return [Part(sign, "entries", a, b, after=cursor_last)]
    parts = [Part(sign, "weeks", first, _monday(end))]
    if first > a:
        parts.append(Part(sign, "entries", a, first - _DAY))
    if end < b:
        parts.append(Part(sign, "entries", end + _DAY, b, after=cursor_last))
    return parts
