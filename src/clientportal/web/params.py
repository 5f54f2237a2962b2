"""Reading untrusted input: ids, dates, statuses and page cursors from query strings and forms.

Every reader raises :class:`~clientportal.web.problems.BadRequest` with a message that names the
parameter and says what is expected, so bad input answers 400, never 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Iterable
from typing import Final

from attrs import evolve

from .._validators import id_problem
from ..model import ApprovalStatus
from ..ports import MAX_PAGE_SIZE, EntryCursor, EntryQuery
from .http import QueryParams, Request
from .problems import BadRequest

__all__ = [
    "FILTER_PARAMS",
    "decode_cursor",
    "encode_cursor",
    "entry_query",
    "filter_items",
    "parse_date",
    "parse_id",
    "parse_limit",
    "query_of",
]

#: The longest id accepted in a URL or form.
#: The query parameters of the hours filters (HTML pages, CSV export and JSON API alike).
FILTER_PARAMS: Final = ("project", "employee", "from", "to", "status")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,400}")


def query_of(request: Request) -> QueryParams:
    """The request's query parameters (400 when there are far too many)."""
    try:
        return request.query
    except ValueError:
        raise BadRequest("the query string has too many parameters") from None


def parse_id(value: str, name: str) -> str:
    """``value`` as an id, by the model's one rule (``_validators.id_problem``): so every id the
    model accepts passes, and nothing else."""
    problem = id_problem(value)
    if problem is not None:
        shown = value[:40] + ("..." if len(value) > 40 else "")
        raise BadRequest(f"{name}: {shown!r} is not an id: it {problem}")
    return value


def parse_date(value: str, name: str) -> dt.date:
    """``value`` as a ``YYYY-MM-DD`` date."""
    if not _DATE.fullmatch(value):
        raise BadRequest(f"{name}: {value[:40]!r} is not a date: use YYYY-MM-DD, e.g. 2026-01-31")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name}: {value!r} is not a real date") from None


def parse_limit(value: str | None, default: int) -> int:
    """A page size from 1 to :data:`~clientportal.ports.MAX_PAGE_SIZE`."""
    if value is None or value == "":
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        raise BadRequest(f"limit: {value[:40]!r} is not a whole number")
    limit = int(value)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise BadRequest(f"limit: must be from 1 to {MAX_PAGE_SIZE}, got {limit}")
    return limit


def encode_cursor(cursor: EntryCursor) -> str:
    """An opaque, URL-safe text for a page cursor."""
    raw = f"{cursor.date.isoformat()}\n{cursor.id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(value: str) -> EntryCursor:
    """The cursor :func:`encode_cursor` made; 400 for anything else."""
    problem = BadRequest(
        f"after: {value[:40]!r} is not a page cursor: follow the 'next' link, or start again "
        "from the first page"
    )
    if not _CURSOR.fullmatch(value):
        raise problem
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise problem from None
    day, sep, entry_id = raw.partition("\n")
    if not sep or not _DATE.fullmatch(day):
        raise problem
    try:
        return EntryCursor(dt.date.fromisoformat(day), parse_id(entry_id, "after"))
    except (ValueError, TypeError, BadRequest):
        raise problem from None


def _statuses(values: Iterable[str]) -> frozenset[ApprovalStatus]:
    found = set()
    for value in values:
        if value == "":
            continue
        if value not in ApprovalStatus.__members__:
            names = ", ".join(ApprovalStatus.__members__)
            raise BadRequest(f"status: {value[:40]!r} is not a status; use one of {names}")
        found.add(ApprovalStatus[value])
    return frozenset(found)


def _ids(values: Iterable[str], name: str) -> frozenset[str]:
    return frozenset(parse_id(v, name) for v in values if v != "")


def entry_query(params: QueryParams, *, limit: int) -> EntryQuery:
    """The hours filters of ``params`` (project, employee, from, to, status, after) as a query.

    Empty values mean "no filter", so a submitted form with blank fields shows everything.
    """
    raw_from = params.get("from") or ""
    raw_to = params.get("to") or ""
    date_from = parse_date(raw_from, "from") if raw_from else None
    date_to = parse_date(raw_to, "to") if raw_to else None
    if date_from is not None and date_to is not None and date_from > date_to:
        raise BadRequest(f"from: {date_from} is after to: {date_to}; swap them")
    query = EntryQuery(
        project_ids=_ids(params.get_all("project"), "project"),
        employee_ids=_ids(params.get_all("employee"), "employee"),
        date_from=date_from,
        date_to=date_to,
        statuses=_statuses(params.get_all("status")),
        limit=limit,
    )
    after = params.get("after") or ""
    if after:
        query = evolve(query, after=decode_cursor(after))
    return query


def filter_items(query: EntryQuery) -> list[tuple[str, str]]:
    """The query parameters that reproduce ``query``'s filters (without cursor and limit)."""
    items: list[tuple[str, str]] = []
    items += [("project", p) for p in sorted(query.project_ids)]
    items += [("employee", e) for e in sorted(query.employee_ids)]
    if query.date_from is not None:
        items.append(("from", query.date_from.isoformat()))
    if query.date_to is not None:
        items.append(("to", query.date_to.isoformat()))
    items += [("status", s.name) for s in sorted(query.statuses, key=lambda s: s.name)]
    return items
