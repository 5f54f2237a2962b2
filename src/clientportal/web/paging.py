"""Paging through a list of hours without a reverse order: First, Previous, Next and "page n of m".

A page of hours is asked for by keyset (``after``: the date and id of the previous page's last
entry, :class:`~clientportal.ports.EntryQuery`), and a DataSource pages only forwards. So the
way back travels in the URL: each "Next" link carries the trail of the cursors of the pages
before it (``back``: :func:`~clientportal.web.params.encode_trail`, at most
:data:`~clientportal.web.params.MAX_TRAIL` of them, the latest kept), and "Previous" pops the
last one. Further back than the trail reaches, "Previous" is gone and "First" still leads home.

The page number is not carried at all: it is counted. The totals of a list already count every
entry that matches its filters; the entries from this page's cursor on are counted the same way,
and those before it say which page this is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from attrs import frozen

from ..ports import EntryCursor
from .params import encode_cursor, encode_trail

__all__ = ["Paging", "page_count", "page_number", "paging"]

#: Builds a list's URL from its query parameters.
UrlOf = Callable[[Sequence[tuple[str, str]]], str]


@frozen
class Paging:
    """Where a list's pagination leads (``None``: nowhere from here), and which page this is of
    how many (``None`` when not counted)."""

    first_url: str | None = None
    previous_url: str | None = None
    next_url: str | None = None
    page: int | None = None
    pages: int | None = None


def page_count(total: int, size: int) -> int:
    """How many pages of ``size`` hold ``total`` entries (one, when there are none)."""
    return max(1, -(-total // size))


def page_number(total: int, remaining: int, size: int) -> int:
    """The page whose first entry has ``remaining`` entries from it on, of ``total`` entries in
    pages of ``size`` (never beyond the last page, whatever changed in between)."""
    before = max(0, total - remaining)
    return min(before // size + 1, page_count(total, size))


def paging(
    url: UrlOf,
    filters: Sequence[tuple[str, str]],
    *,
    after: EntryCursor | None,
    trail: Sequence[EntryCursor],
    next_cursor: EntryCursor | None,
    page: int | None = None,
    pages: int | None = None,
) -> Paging:
    """The pagination of the page that starts ``after`` the cursor (``None``: the first page),
    reached through the earlier cursors ``trail``; ``next_cursor`` starts the next page."""
    first = list(filters)
    first_url = url(first) if after is not None else None
    previous_url = None
    if after is not None and trail:
        back = [("back", encode_trail(trail[:-1]))] if len(trail) > 1 else []
        previous_url = url([*first, ("after", encode_cursor(trail[-1])), *back])
    elif after is not None and page == 2:
        previous_url = first_url
    next_url = None
    if next_cursor is not None:
        earlier = [*trail, after] if after is not None else list(trail)
        back = [("back", encode_trail(earlier))] if earlier else []
        next_url = url([*first, ("after", encode_cursor(next_cursor)), *back])
    return Paging(first_url, previous_url, next_url, page, pages)
