"""Ids ordered by code point in every database: :func:`binary_id`.

Pages of entries, expenses and trips are in (date desc, id asc) order with ids compared as text
by code point (:attr:`clientportal.ports.IdOrder.TEXT`), and the next page starts after the
cursor's id in that order. SQLite compares text with ``BINARY`` (the UTF-8 bytes: code point
order) unless told otherwise; PostgreSQL uses the column's or the database's collation, and
under a locale's collation (ICU ``en-US``, libc ``en_US.UTF-8``) ``"a2" < "A3"`` and
``"b" < "B"``, where code points have ``"A3" < "a2"`` and ``"B" < "b"``: ORDER BY and the keyset
comparison then disagree with the service's order, and pages lose or repeat entries.
:func:`binary_id` says ``id COLLATE "C"`` on PostgreSQL (byte order of UTF-8, which is code point
order) and plain ``id`` elsewhere; the page indexes name the id the same way, so PostgreSQL still
reads a page along its index without sorting.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

__all__ = ["binary_id"]


class _BinaryId(ColumnElement[str]):
    """A text column compared and ordered by code point (see :func:`binary_id`)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, column: ColumnElement[str]) -> None:
        self.column = column
        self.type = column.type

    @property
    def _from_objects(self) -> list[Any]:
        return self.column._from_objects


def binary_id(column: ColumnElement[str] | sa.Column[str]) -> _BinaryId:
    """``column`` compared and ordered by code point: ``column COLLATE "C"`` on PostgreSQL, the
    column itself elsewhere (SQLite's default ``BINARY`` collation is code point order)."""
    return _BinaryId(column)


@compiles(_BinaryId)
def _plain(element: _BinaryId, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_BinaryId, "postgresql")
def _collated(element: _BinaryId, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'
