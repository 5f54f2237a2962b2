"""The order of a source's pages, checked on every page.

Entries, expenses and trips come a page at a time in (date desc, id asc) order, where "id asc" is
the :class:`~clientportal.ports.IdOrder` the source declares (``id_order``; text unless it says
otherwise). The service keeps only what comes after the query's cursor, so a source that orders
ids another way would lose items without a word: integer ids ordered as numbers under text order
put ``"10"`` after ``"9"`` on one page and before it on the next. :func:`check_page` refuses such a
page instead, with a :class:`~clientportal.errors.DataSourceError` naming the two items that are
out of order (or the item and the cursor it should follow) and what to fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..errors import DataSourceError, ValidationError
from ..model import Expense, TimeEntry, Trip
from ..ports import EntryCursor, EntryQuery, IdOrder, id_sort_key

__all__ = ["PageKey", "check_cursor", "check_page", "cursor_key", "item_key"]

#: Sorts items in page order: date newest first, then the id in the source's order.
PageKey = tuple[int, int, str]

_Item = TimeEntry | Expense | Trip
_NOUNS: dict[type[_Item], str] = {TimeEntry: "entry", Expense: "expense", Trip: "trip"}


def _key(date: dt.date, item_id: str, order: IdOrder) -> PageKey:
    size, text = id_sort_key(item_id, order)
    return (-date.toordinal(), size, text)


def item_key(item: _Item, order: IdOrder) -> PageKey:
    """The page-order key of an entry, expense or trip."""
    return _key(item.date, item.id, order)


def cursor_key(cursor: EntryCursor, order: IdOrder) -> PageKey:
    """The page-order key of a cursor (the last item of a page)."""
    return _key(cursor.date, cursor.id, order)


def check_cursor(query: EntryQuery, order: IdOrder) -> None:
    """Refuse a query whose cursor cannot be a place in ``order`` (a
    :class:`~clientportal.errors.ValidationError`: a cursor comes from a request): under
    :attr:`~clientportal.ports.IdOrder.INTEGER`, its id must be a canonical decimal integer."""
    if query.after is None or order is IdOrder.TEXT:
        return
    try:
        id_sort_key(query.after.id, order)
    except DataSourceError:
        raise ValidationError(
            [
                f"after: {query.after.id[:40]!r} is not the id of an item of this source (its "
                "ids are integers): follow the 'next' link, or start again from the first page"
            ],
            summary="the page cursor is not valid",
        ) from None


def _order_words(order: IdOrder) -> str:
    if order is IdOrder.INTEGER:
        return "ids compared as integers (the source declares id_order = IdOrder.INTEGER)"
    return "ids compared as text, by code point (IdOrder.TEXT, the default)"


def _fix(first: tuple[dt.date, str], second: tuple[dt.date, str], order: IdOrder) -> str:
    """What to change in the source, for ``second`` coming after ``first``."""
    (date_a, id_a), (date_b, id_b) = first, second
    if date_b > date_a:
        return (
            "Order by date, newest first, then by id: ORDER BY date DESC, id ASC, and start each "
            "page strictly after the query's cursor"
        )
    numbers = all(s.isascii() and s.isdigit() for s in (id_a, id_b))
    if order is IdOrder.TEXT and numbers and int(id_b) > int(id_a):
        return (
            "These ids are integers ordered as numbers: declare id_order = IdOrder.INTEGER on "
            "the source (from clientportal.ports), or order by the id as text with a binary "
            'collation (ORDER BY date DESC, CAST(id AS TEXT) COLLATE "C" ASC) and compare the '
            "cursor the same way"
        )
    if order is IdOrder.TEXT:
        return (
            'Order the id as text with a binary collation (PostgreSQL: id COLLATE "C"; a '
            "locale's collation orders text differently), in the ORDER BY and in the cursor's "
            "comparison alike, and start each page strictly after the query's cursor"
        )
    return (
        "Order the id as a number (ORDER BY date DESC, id ASC on the integer column) in the "
        "ORDER BY and in the cursor's comparison alike, and start each page strictly after the "
        "query's cursor; or declare id_order = IdOrder.TEXT if the ids are ordered as text"
    )


def check_page(
    method: str,
    kind: type[_Item],
    items: Iterable[object],
    after: EntryCursor | None,
    order: IdOrder,
) -> None:
    """Refuse a page (what ``DataSource.<method>()`` returned for a query with cursor ``after``)
    unless its items of ``kind`` are in page order in ``order`` and each comes after ``after``;
    the same item twice in a row is allowed (the service keeps it once), anything else is left
    to the service's filter. Raises :class:`~clientportal.errors.DataSourceError` naming the two
    items."""
    noun = _NOUNS[kind]
    previous: tuple[PageKey, dt.date, str, str] | None = None
    if after is not None:
        previous = (cursor_key(after, order), after.date, after.id, "the query's cursor")
    for item in items:
        if not isinstance(item, kind):
            continue  # the service drops what is not of the page's kind: it has no place here
        try:
            key = item_key(item, order)
        except DataSourceError as bad:
            raise DataSourceError(
                f"DataSource.{method}() returned {noun} {item.id!r}: {bad}"
            ) from None
        if previous is not None:
            before, date, item_id, what = previous
            cursor = what == "the query's cursor"
            if key < before or (cursor and key == before):
                where = (
                    f"on the page after {what} ({date}, {item_id!r}), which it must follow"
                    if cursor
                    else f"after {what} {item_id!r} ({date})"
                )
                raise DataSourceError(
                    f"DataSource.{method}() returned {noun} {item.id!r} ({item.date}) {where}: "
                    f"pages must be in (date desc, id asc) order with {_order_words(order)}, "
                    f"or items are lost between pages. "
                    + _fix((date, item_id), (item.date, item.id), order)
                )
        previous = (key, item.date, item.id, noun)
