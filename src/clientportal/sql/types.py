"""Column types that keep the data contract exact on every database (private).

Datetimes go in timezone-aware and come out timezone-aware in UTC (SQLite has no time zones, so
they are stored as naive UTC there); money is stored exactly (text on SQLite, ``NUMERIC`` on
PostgreSQL), never as a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy import types as sa_types
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime, stored in UTC and read back in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"cannot store the naive datetime {value.isoformat()}: give a timezone-aware one"
            )
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A ``Decimal`` stored exactly: ``NUMERIC`` where the database has it, text on SQLite."""

    impl = Numeric(asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a decimal.Decimal, got {value!r}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


_NUL = "\x00"
#: Escapes NUL on PostgreSQL (whose text cannot hold it); a private-use character, so real text
#: without NUL is stored unchanged.
_ESCAPE = "\ue000"


class Text(TypeDecorator[str]):
    """Free text that round-trips exactly on every database, NUL characters included.

    PostgreSQL text cannot hold NUL, so there NUL is stored as ``U+E000 0`` and ``U+E000`` itself
    as ``U+E000 U+E000``; text without either character is stored as it is.
    """

    impl = sa_types.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "sqlite":
            return value
        if _NUL not in value and _ESCAPE not in value:
            return value
        return value.replace(_ESCAPE, _ESCAPE + _ESCAPE).replace(_NUL, _ESCAPE + "0")

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or dialect.name == "sqlite" or _ESCAPE not in value:
            return value  # type: ignore[no-any-return]
        out: list[str] = []
        chars = iter(value)
        for char in chars:
            if char == _ESCAPE:
                following = next(chars, "")
                out.append(_NUL if following == "0" else following)
            else:
                out.append(char)
        return "".join(out)
