"""The conversions between a host's columns and the data contract: ids (integer or text) to
``str`` and back, durations in seconds, minutes or hours, days from dates or from datetimes in a
stated time zone, and money.

Each conversion works both ways the source needs: in Python, for a value read from a row, and in
SQL, so that filters, order and sums run in the database on the host's own values.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy import func

__all__ = [
    "Day",
    "Duration",
    "Hours",
    "LocalDate",
    "Minutes",
    "Seconds",
    "id_key",
    "id_keys",
    "integer_ids",
    "money",
]

Expr = sa.ColumnElement[Any]


def integer_ids(column: Expr) -> bool:
    """Whether ``column`` holds integer ids (its Python type is ``int``)."""
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False


#: The largest id an integer column can hold (a signed 64-bit integer).
MAX_INTEGER_ID = 2**63 - 1


def _canonical(value: str) -> bool:
    return value.isascii() and value.isdigit() and (value == "0" or not value.startswith("0"))


def id_key(column: Expr, value: str) -> Any | None:
    """The host's value for the contract's id ``value`` in ``column``: an ``int`` for an integer
    column (``None`` when ``value`` is not a canonical decimal integer: no row has that id), the
    text itself otherwise."""
    if integer_ids(column):
        number = int(value) if _canonical(value) else None
        # No integer column holds more than 64 bits (SQLite refuses to bind a larger int).
        return number if number is not None and number <= MAX_INTEGER_ID else None
    return value


def id_keys(column: Expr, values: Iterable[str]) -> list[Any]:
    """The host's values of the ids ``values`` that can exist in ``column``, sorted."""
    keys = (id_key(column, value) for value in values)
    return sorted(key for key in keys if key is not None)


def money(value: object) -> Decimal:
    """A money value read from the database as a ``Decimal`` (a float by its shortest text)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


# -- durations ---------------------------------------------------------------------------------


@frozen
class Duration:
    """A duration column and its unit: ``per_unit`` seconds per stored unit."""

    column: Expr
    per_unit: int

    def seconds(self, value: object) -> int:
        """The whole seconds of a stored value (hours rounded half-up to the second)."""
        if self.per_unit == 1 and isinstance(value, int):
            return value
        amount = value if isinstance(value, int) else money(value)
        exact = Decimal(amount) * self.per_unit
        return int(exact.to_integral_value(ROUND_HALF_UP))

    def sql(self) -> sa.ColumnElement[int]:
        """The seconds in SQL, row by row."""
        if self.per_unit == 1:
            return self.column
        if integer_ids(self.column):  # an integer column: minutes or hours, whole
            return self.column * sa.literal_column(str(self.per_unit), sa.Integer)
        scaled = self.column * sa.literal_column(str(self.per_unit), sa.Integer)
        return sa.cast(func.round(scaled), sa.Integer)


def Seconds(column: Expr) -> Duration:
    """A duration stored in whole seconds."""
    return Duration(column, 1)


def Minutes(column: Expr) -> Duration:
    """A duration stored in minutes (whole or not: rounded to the second)."""
    return Duration(column, 60)


def Hours(column: Expr) -> Duration:
    """A duration stored in hours, e.g. ``NUMERIC(6, 2)`` (rounded half-up to the second)."""
    return Duration(column, 3600)


# -- days ---------------------------------------------------------------------------------------


@frozen
class LocalDate:
    """The day of a datetime column in time zone ``zone`` (an IANA name such as
    ``"Europe/Amsterdam"``).

    Naive datetimes (``TIMESTAMP WITHOUT TIME ZONE``, everything on SQLite) are read as wall-clock
    times in ``zone``: the day is their date. Aware ones (PostgreSQL ``TIMESTAMP WITH TIME ZONE``)
    are converted to ``zone`` first, in the SQL.
    """

    column: Expr
    zone: str

    def __attrs_post_init__(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"LocalDate: {self.zone!r} is not a time zone name: give an IANA name "
                "such as 'Europe/Amsterdam' or 'UTC'"
            ) from error


@frozen
class Day:
    """How a source reads the day of a row: a ``DATE`` column, or a :class:`LocalDate`."""

    column: Expr
    zone: str | None = None

    @classmethod
    def of(cls, given: Expr | LocalDate) -> Day:
        """The day of a ``DATE`` column or of a :class:`LocalDate`."""
        if isinstance(given, LocalDate):
            return cls(given.column, given.zone)
        return cls(given)

    @property
    def aware(self) -> bool:
        return self.zone is not None and bool(getattr(self.column.type, "timezone", False))

    def value(self, raw: object) -> dt.date:
        """The day of a value read from the row."""
        if isinstance(raw, dt.datetime):
            if raw.tzinfo is not None and self.zone is not None:
                raw = raw.astimezone(zoneinfo.ZoneInfo(self.zone))
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        return dt.date.fromisoformat(str(raw)[:10])

    def sql(self, dialect: str) -> sa.ColumnElement[dt.date]:
        """The day in SQL (typed as a date)."""
        if self.zone is None:
            return self.column
        if dialect == "sqlite":
            return sa.type_coerce(func.date(self.column), sa.Date)
        local = func.timezone(self.zone, self.column) if self.aware else self.column
        return sa.cast(local, sa.Date)

    def _start(self, day: dt.date) -> Any:
        """The column's value where ``day`` starts."""
        start = dt.datetime.combine(day, dt.time())
        if self.zone is not None and self.aware:
            return start.replace(tzinfo=zoneinfo.ZoneInfo(self.zone))
        return start

    def on_or_after(self, day: dt.date, dialect: str) -> sa.ColumnElement[bool]:
        """Rows of ``day`` or later (on the column itself, so an index on it serves)."""
        bound = day if self.zone is None else self._start(day)
        condition: sa.ColumnElement[bool] = self.column >= bound
        return condition

    def on_or_before(self, day: dt.date, dialect: str) -> sa.ColumnElement[bool]:
        """Rows of ``day`` or earlier."""
        condition: sa.ColumnElement[bool]
        if self.zone is None:
            condition = self.column <= day
        elif day == dt.date.max:
            condition = sa.true()
        else:
            condition = self.column < self._start(day + dt.timedelta(days=1))
        return condition
