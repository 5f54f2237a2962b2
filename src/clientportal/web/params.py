"""Reading untrusted input: ids, dates, statuses and page cursors from query strings and forms.

Every reader raises :class:`~clientportal.web.problems.BadRequest` with a message that names the
parameter and says what is expected (for developers: the JSON API shows it), and an
:class:`~clientportal.web.problems.InputProblem` per bad value whose catalog text tells a
visitor, in the portal's language, what to do (the pages show it next to the field). Bad input
answers 400, never 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final, TypeVar

from attrs import frozen
from babel import Locale

from .._validators import MAX_ID_LENGTH, id_problem
from ..i18n.formatting import numeric_date_pattern
from ..model import ApprovalStatus
from ..ports import MAX_PAGE_SIZE, EntryCursor, EntryQuery
from .http import QueryParams, Request
from .problems import BadRequest, InputProblem

__all__ = [
    "CURSOR_PATTERN",
    "FIELD_LABELS",
    "FILTER_PARAMS",
    "ID_PATTERN",
    "ID_SCHEMA",
    "MAX_TRAIL",
    "FilterChoices",
    "decode_cursor",
    "decode_trail",
    "encode_cursor",
    "encode_trail",
    "entry_query",
    "filter_items",
    "parse_date",
    "parse_id",
    "parse_limit",
    "query_of",
]

#: The query parameters of the hours filters (HTML pages, CSV export and JSON API alike).
FILTER_PARAMS: Final = ("project", "employee", "from", "to", "status")
#: The catalog key of each filter's label (a problem's text is shown as "label: problem").
FIELD_LABELS: Final = {
    "project": "project",
    "employee": "employee",
    "from": "date_from",
    "to": "date_to",
    "status": "status",
}
#: How many earlier pages a page's "Previous" trail remembers (older ones: back to the first).
MAX_TRAIL: Final = 20

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRAIL_LINE = re.compile(r"[0-9]{8}.+", re.DOTALL)
# A trail holds at most MAX_TRAIL lines of an 8-digit date and an id of at most MAX_ID_LENGTH
# characters (4 UTF-8 bytes each at most).
_MAX_TRAIL_BYTES = MAX_TRAIL * (8 + 4 * MAX_ID_LENGTH + 1)


def _base64_length(size: int) -> int:
    """The length of ``size`` bytes in unpadded base64."""
    return -(-size * 4 // 3)


# The longest texts encode_cursor and encode_trail make, so every id the model accepts fits:
# "YYYY-MM-DD\n" and the longest id; the longest trail as zlib leaves it at worst (compressBound).
_CURSOR = re.compile(rf"[A-Za-z0-9_-]{{1,{_base64_length(11 + 4 * MAX_ID_LENGTH)}}}")
_ZLIB_BOUND = _MAX_TRAIL_BYTES + (_MAX_TRAIL_BYTES >> 12) + (_MAX_TRAIL_BYTES >> 14) + 13
_TRAIL = re.compile(rf"[A-Za-z0-9_-]{{1,{_base64_length(_ZLIB_BOUND)}}}")
_T = TypeVar("_T")


def _class(*ranges: tuple[int, int]) -> str:
    return "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges
    )


# What no id holds (_validators.id_problem), and what str.strip() takes off its ends. Lone
# surrogates are left out: a regex engine that reads UTF-16 would refuse every character beyond
# U+FFFF with them, and a JSON text can only carry one as an escape, which the server refuses.
_NOT_IN_ID = _class((0x00, 0x1F), (0x7F, 0x7F), (0xFFFD, 0xFFFD))
_SPACE = _class(
    *[(c, c) for c in (0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)],
    (0x2000, 0x200A),
)
#: The model's id rule as a regular expression of JSON Schema (the OpenAPI document's): no
#: control character or U+FFFD, no whitespace at either end; with ``maxLength``
#: :data:`~clientportal._validators.MAX_ID_LENGTH` it accepts exactly the ids the model does.
ID_PATTERN: Final = f"^[^{_NOT_IN_ID}{_SPACE}](?:[^{_NOT_IN_ID}]*[^{_NOT_IN_ID}{_SPACE}])?$"
#: Every id in the path, the query or a body, as JSON Schema: the model's one id rule.
ID_SCHEMA: Final[Mapping[str, object]] = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_ID_LENGTH,
    "pattern": ID_PATTERN,
    "description": (
        f"An id: 1 to {MAX_ID_LENGTH} characters, no control characters, U+FFFD or lone "
        "surrogates, no whitespace at either end."
    ),
}
#: The page cursors :func:`encode_cursor` makes, as a regular expression of JSON Schema.
CURSOR_PATTERN: Final = f"^{_CURSOR.pattern}$"


@frozen
class FilterChoices:
    """What a page's filters offer: the project and employee ids of its lists (``None``: any
    id) and the statuses it may filter by. A value outside them is a problem for the visitor."""

    project_ids: frozenset[str] | None = None
    employee_ids: frozenset[str] | None = None
    statuses: frozenset[ApprovalStatus] = frozenset(ApprovalStatus)


def query_of(request: Request) -> QueryParams:
    """The request's query parameters (400 when there are far too many)."""
    try:
        return request.query
    except ValueError:
        raise BadRequest("the query string has too many parameters") from None


def parse_id(value: str, name: str, *, key: str | None = None) -> str:
    """``value`` as an id, by the model's one rule (``_validators.id_problem``): so every id the
    model accepts passes, and nothing else. ``key`` is the visitor's text when it is not one."""
    problem = id_problem(value)
    if problem is not None:
        shown = value[:40] + ("..." if len(value) > 40 else "")
        message = f"{name}: {shown!r} is not an id: it {problem}"
        raise BadRequest(
            message,
            problems=[InputProblem(name, key, message)] if key is not None else (),
        )
    return value


def parse_date(value: str, name: str, locale: Locale | None = None) -> dt.date:
    """``value`` as a ``YYYY-MM-DD`` date, or (with ``locale``) as the locale's all-digit date
    with a four-digit year (``31-01-2026`` in Dutch, ``1/31/2026`` in American English), as
    somebody types it where a browser offers no date picker."""

    def bad(message: str) -> BadRequest:
        return BadRequest(message, problems=[InputProblem(name, "filter_bad_date", message)])

    if not _DATE.fullmatch(value):
        local = _local_date(value, locale) if locale is not None else None
        if local is not None:
            return local
        raise bad(f"{name}: {value[:40]!r} is not a date: use YYYY-MM-DD, e.g. 2026-01-31")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise bad(f"{name}: {value!r} is not a real date") from None


def _local_date(value: str, locale: Locale) -> dt.date | None:
    """``value`` read by the locale's all-digit date pattern (day and month of one or two
    digits, a four-digit year), or ``None``."""
    pattern = numeric_date_pattern(locale)
    order = [part[0] for part in re.findall(r"d+|M+|y+", pattern)]
    separators = re.findall(r"[^dMy]+", pattern.strip("dMy"))
    if sorted(order) != ["M", "d", "y"] or len(separators) != 2:
        return None
    digits = {"d": r"(\d{1,2})", "M": r"(\d{1,2})", "y": r"(\d{4})"}
    regex = (
        digits[order[0]]
        + re.escape(separators[0].strip() or " ")
        + digits[order[1]]
        + re.escape(separators[1].strip() or " ")
        + digits[order[2]]
    )
    match = re.fullmatch(r"\s*" + regex + r"\s*", value)
    if match is None:
        return None
    parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
    try:
        return dt.date(parts["y"], parts["M"], parts["d"])
    except ValueError:
        return None


def parse_limit(value: str | None, default: int) -> int:
    """A page size from 1 to :data:`~clientportal.ports.MAX_PAGE_SIZE`."""
    if value is None or value == "":
        return default

    def bad(message: str) -> BadRequest:
        return BadRequest(message, problems=[InputProblem("limit", "bad_request_body", message)])

    if not value.isascii() or not value.isdigit() or len(value) > 6:
        raise bad(f"limit: {value[:40]!r} is not a whole number from 1 to {MAX_PAGE_SIZE}")
    limit = int(value)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise bad(f"limit: must be from 1 to {MAX_PAGE_SIZE}, got {limit}")
    return limit


def encode_cursor(cursor: EntryCursor) -> str:
    """An opaque, URL-safe text for a page cursor."""
    raw = f"{cursor.date.isoformat()}\n{cursor.id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _bad_cursor(name: str, value: str) -> BadRequest:
    message = (
        f"{name}: {value[:40]!r} is not a page cursor: follow the 'next' link, or start again "
        "from the first page"
    )
    return BadRequest(message, problems=[InputProblem(name, "page_link_invalid", message)])


def decode_cursor(value: str) -> EntryCursor:
    """The cursor :func:`encode_cursor` made; 400 for anything else."""
    problem = _bad_cursor("after", value)
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


def encode_trail(cursors: Sequence[EntryCursor]) -> str:
    """The cursors of the pages before this one (oldest first, at most :data:`MAX_TRAIL`, the
    latest kept), as one compact, URL-safe text for the "Previous" link to carry."""
    lines = "\n".join(c.date.isoformat().replace("-", "") + c.id for c in cursors[-MAX_TRAIL:])
    packed = zlib.compress(lines.encode(), 9)
    return base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_trail(value: str) -> tuple[EntryCursor, ...]:
    """The cursors :func:`encode_trail` packed; 400 for anything else."""
    problem = _bad_cursor("back", value)
    if not _TRAIL.fullmatch(value):
        raise problem
    try:
        packed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        unpacker = zlib.decompressobj()
        text = unpacker.decompress(packed, _MAX_TRAIL_BYTES).decode("utf-8")
    except (binascii.Error, zlib.error, ValueError):
        raise problem from None
    lines = text.split("\n")
    if not unpacker.eof or unpacker.unconsumed_tail or unpacker.unused_data:
        raise problem
    if len(lines) > MAX_TRAIL or not all(_TRAIL_LINE.fullmatch(line) for line in lines):
        raise problem
    try:
        return tuple(
            EntryCursor(
                dt.date(int(line[:4]), int(line[4:6]), int(line[6:8])),
                parse_id(line[8:], "back"),
            )
            for line in lines
        )
    except (ValueError, TypeError, BadRequest):
        raise problem from None


def _collect(problems: list[InputProblem], read: Callable[[], _T], default: _T) -> _T:
    """``read()``, or ``default`` with its problems added to ``problems``."""
    try:
        return read()
    except BadRequest as bad:
        problems.extend(bad.problems or [InputProblem("", "bad_request_body", bad.message)])
        return default


def _statuses(
    values: Iterable[str], allowed: frozenset[ApprovalStatus]
) -> frozenset[ApprovalStatus]:
    found = set()
    for value in values:
        if value == "":
            continue
        status = ApprovalStatus.__members__.get(value)
        if status is None or status not in allowed:
            names = ", ".join(s.name for s in ApprovalStatus if s in allowed) or "none here"
            message = f"status: {value[:40]!r} is not a status; use one of {names}"
            raise BadRequest(
                message, problems=[InputProblem("status", "filter_bad_status", message)]
            )
        found.add(status)
    return frozenset(found)


def _ids(values: Iterable[str], name: str, known: frozenset[str] | None) -> frozenset[str]:
    key = f"filter_bad_{name}"
    found = frozenset(parse_id(v, name, key=key) for v in values if v != "")
    unknown = sorted(found - known) if known is not None else []
    if unknown:
        message = f"{name}: {unknown[0][:40]!r} is not one of this portal's {name}s"
        raise BadRequest(message, problems=[InputProblem(name, key, message)])
    return found


def entry_query(
    params: QueryParams,
    *,
    limit: int,
    locale: Locale | None = None,
    choices: FilterChoices | None = None,
) -> EntryQuery:
    """The hours filters of ``params`` (project, employee, from, to, status, after) as a query.

    Empty values mean "no filter", so a submitted form with blank fields shows everything.
    With ``locale``, dates may also be written as its all-digit dates (:func:`parse_date`);
    with ``choices``, ids and statuses outside them are problems. Every problem of the request
    is reported at once, each with its parameter.
    """
    choices = choices or FilterChoices()
    problems: list[InputProblem] = []
    raw_from = params.get("from") or ""
    raw_to = params.get("to") or ""
    date_from = (
        _collect(problems, lambda: parse_date(raw_from, "from", locale), None) if raw_from else None
    )
    date_to = _collect(problems, lambda: parse_date(raw_to, "to", locale), None) if raw_to else None
    if date_from is not None and date_to is not None and date_from > date_to:
        problems.append(
            InputProblem(
                "from",
                "filter_dates_swapped",
                f"from: {date_from} is after to: {date_to}; swap them",
            )
        )
    project_ids = _collect(
        problems,
        lambda: _ids(params.get_all("project"), "project", choices.project_ids),
        frozenset[str](),
    )
    employee_ids = _collect(
        problems,
        lambda: _ids(params.get_all("employee"), "employee", choices.employee_ids),
        frozenset[str](),
    )
    statuses = _collect(
        problems,
        lambda: _statuses(params.get_all("status"), choices.statuses),
        frozenset[ApprovalStatus](),
    )
    after = params.get("after") or ""
    cursor = _collect(problems, lambda: decode_cursor(after), None) if after else None
    if problems:
        raise BadRequest.of(problems)
    return EntryQuery(
        project_ids=project_ids,
        employee_ids=employee_ids,
        date_from=date_from,
        date_to=date_to,
        statuses=statuses,
        limit=limit,
        after=cursor,
    )


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
