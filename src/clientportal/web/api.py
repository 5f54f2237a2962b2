"""The JSON API under ``/api``: the same portal as the HTML pages, in the library's wire format.

A front end on the same site uses the session cookie that opening a link set (the API does not
open links itself). ``GET /api/portals/{portal_id}/session`` gives the CSRF token that every
``POST`` must send in the ``X-CSRF-Token`` header. Bodies are JSON
(``Content-Type: application/json``, else 415), read strictly by the library's converter:
unknown fields, wrong types and values out of bounds answer 422 with every problem and its
field. Every error is an RFC 9457 problem document (``application/problem+json``,
:class:`Problem`); bad ids, dates, cursors and limits in the path or the query answer 400, by
the same rules as the HTML pages (:mod:`.params`, the model's one id rule).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, TypeVar

from attrs import evolve, field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..convert import structure, unstructure
from ..errors import ValidationError, WorkflowError
from ..model import ItemKind, ItemRef
from ..ports import MAX_PAGE_SIZE, CostTotals, EntryCursor, EntryQuery, Totals
from ..public import PortalExpense, PortalTrip
from ..service import DecisionResult, HoursPage, Overview
from ..visibility import PortalEntry, PortalInvoice, PortalQuote
from ..workflow import Action
from ..workflow.reasons import MAX_REASON
from .approval_views import CURSOR_PARAMS
from .context import CSRF_HEADER, Context
from .http import Response
from .params import ID_SCHEMA, decode_cursor, encode_cursor, entry_query, parse_limit
from .problems import (
    BadRequest,
    Forbidden,
    HTTPProblem,
    InputProblem,
    PageNotFound,
    UnprocessableContent,
    UnsupportedMediaType,
)
from .views import document_file, hours_csv

__all__ = [
    "MAX_DECISION_ENTRIES",
    "MAX_VERSION",
    "PROBLEM_JSON",
    "ApprovalList",
    "DecisionAction",
    "DecisionRequest",
    "EntryRef",
    "FieldError",
    "HoursList",
    "InvoiceList",
    "Problem",
    "QuoteList",
    "SessionInfo",
    "api_approvals",
    "api_decide",
    "api_document_file",
    "api_documents",
    "api_hours",
    "api_hours_csv",
    "api_overview",
    "api_session",
    "api_totals",
    "failure_response",
    "problem_response",
]

_T = TypeVar("_T")

#: The page size of the API when ``limit`` is not given.
DEFAULT_LIMIT = 100
#: The media type of every error answer of the API: an RFC 9457 problem document.
PROBLEM_JSON = "application/problem+json"
#: The most entries one decision names: one page of hours at most.
MAX_DECISION_ENTRIES = MAX_PAGE_SIZE
#: The highest approval version a decision may name (what the stores' integer column holds).
MAX_VERSION = 2**31 - 1
#: What no text of a JSON body may hold: a lone surrogate (JSON may write one as ``"\ud800"``,
#: but no encoding, no database and no e-mail can carry it).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: The statuses' names as RFC 9110 gives them (older Pythons still say "Entity").
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}
#: A message that starts with the field it is about: ``$.entries[0].id: must be...``.
_FIELD_MESSAGE = re.compile(r"(\$(?:\.[\w.\[\]]+)?|[a-z_][\w.\[\]]*): (.+)", re.DOTALL)


@frozen
class SessionInfo:
    """The visitor's session: which portal (its language and the ISO 4217 ``currency`` of its
    rates and amounts), until when, and the CSRF token for ``POST``."""

    portal_id: str
    portal_name: str
    language: str
    currency: str
    contact_id: str | None
    can_approve: bool
    csrf_token: str
    expires_at: dt.datetime


@frozen
class HoursList:
    """One page of hours: the ``entries``, the ``totals`` of this page, the cursor of the next
    page (pass it as ``after``), ``null`` on the last page, and the ISO 4217 ``currency`` of the
    entries' rates and amounts (a non-billable entry has none unless the portal shows them)."""

    entries: tuple[PortalEntry, ...]
    totals: Totals
    next: str | None
    currency: str


@frozen
class ApprovalList:
    """What awaits the client's decision, each kind a page at a time, newest first: the hours as
    :class:`HoursList` gives them (``entries``, ``totals``, ``next``, ``currency``), then the
    ``expenses`` and the ``trips``, each with the totals of every one awaiting that matches the
    filters and the cursor of its own next page (``expenses_next``, pass it as
    ``after_expense``; ``trips_next``, as ``after_trip``), ``null`` on its last page. A kind the
    portal does not show is an empty list."""

    entries: tuple[PortalEntry, ...]
    totals: Totals
    next: str | None
    currency: str
    expenses: tuple[PortalExpense, ...]
    expenses_totals: CostTotals
    expenses_next: str | None
    trips: tuple[PortalTrip, ...]
    trips_totals: CostTotals
    trips_next: str | None


@frozen
class InvoiceList:
    """The portal's invoices, newest first."""

    invoices: tuple[PortalInvoice, ...]


@frozen
class QuoteList:
    """The portal's quotes, newest first."""

    quotes: tuple[PortalQuote, ...]


class DecisionAction(enum.Enum):
    """What a client can decide."""

    APPROVE = "APPROVE"
    REJECT = "REJECT"


@frozen
class EntryRef:
    """An item to decide on and the approval ``version`` the client saw (the ``version`` of its
    :class:`PortalEntry`, :class:`~clientportal.PortalExpense` or
    :class:`~clientportal.PortalTrip`): a time entry unless ``kind`` names another kind."""

    id: str = field(validator=cv.identifier, metadata={"schema": ID_SCHEMA})
    version: int = field(
        validator=[v.instance_of(int), v.ge(0), v.le(MAX_VERSION)],
        metadata={"schema": {"minimum": 0, "maximum": MAX_VERSION}},
    )
    kind: ItemKind = field(
        default=ItemKind.ENTRY,
        validator=v.instance_of(ItemKind),
        metadata={"schema": {"default": ItemKind.ENTRY.name}},
    )

    @property
    def item(self) -> str | ItemRef:
        """The item as a decision names it: a time entry by its id, any other as an
        :class:`~clientportal.ItemRef`."""
        return self.id if self.kind is ItemKind.ENTRY else ItemRef(self.kind, self.id)


def _entry_count(_: object, attribute: Any, value: tuple[EntryRef, ...]) -> None:
    if not value:
        raise ValueError(
            f"{attribute.name} must name at least one entry, expense or trip to decide on"
        )
    if len(value) > MAX_DECISION_ENTRIES:
        raise ValueError(
            f"{attribute.name} must name at most {MAX_DECISION_ENTRIES} items, got "
            f"{len(value)}: decide on them page by page"
        )


def _reason_text(_: object, attribute: Any, value: str | None) -> None:
    # How long a reason may be is the workflow's rule (check_reason), for the pages alike.
    if value is not None and _LONE_SURROGATE.search(value):
        raise ValueError(
            f"{attribute.name} must be text without lone surrogates (\\ud800-\\udfff), which "
            "no encoding can carry: send the reason as it was typed"
        )


@frozen
class DecisionRequest:
    """Approve or reject items, at least one and at most 1000 (a page of hours): time entries
    (``{"id": "w1", "version": 1}``), expenses and trips (``{"kind": "EXPENSE", "id": "x1",
    "version": 2}``), mixed as they come; a rejection needs a ``reason``."""

    action: DecisionAction
    entries: tuple[EntryRef, ...] = field(
        validator=_entry_count,
        metadata={"schema": {"minItems": 1, "maxItems": MAX_DECISION_ENTRIES}},
    )
    reason: str | None = field(
        default=None, validator=_reason_text, metadata={"schema": {"maxLength": MAX_REASON}}
    )


@frozen
class FieldError:
    """One value of a request that cannot be used: the ``field`` it came in (a query parameter
    such as ``project``, a path in the JSON body such as ``entries[0].id``, empty for the body
    as a whole) and what is wrong with it (``detail``)."""

    field: str
    detail: str

    @classmethod
    def of(cls, message: str, field: str | None = None) -> FieldError:
        """The problem ``message`` describes, in ``field`` (without the ``"field: "`` it may
        start with); without ``field``, in the field the message starts with
        (``$.entries[0].id: must be...``, as :class:`~clientportal.ValidationError` writes)."""
        if field is not None:
            return cls(field, message.removeprefix(f"{field}: ") if field else message)
        found = _FIELD_MESSAGE.fullmatch(message)
        if found is None:
            return cls("", message)
        return cls(found.group(1).removeprefix("$").removeprefix("."), found.group(2))


@frozen
class Problem:
    """The body of every error answer: an RFC 9457 problem document (``application/problem+json``).

    ``title`` is the status' phrase and ``detail`` says, for a developer, what was wrong and what
    to do; ``code`` is a short stable name (``bad_request``, ``invalid_body``, ``not_found``...)
    and ``errors`` lists each bad value with its field.
    """

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: tuple[FieldError, ...] = ()


def json_response(value: Any, *, status: int = 200) -> Response:
    """``value`` (a clientportal value) in the wire format."""
    return Response.json(unstructure(value), status=status)


def _problem_document(
    status: int, code: str, detail: str, errors: Sequence[FieldError]
) -> Response:
    title = _TITLES.get(status) or HTTPStatus(status).phrase
    body = Problem("about:blank", title, status, detail, code, tuple(errors))
    text = json.dumps(unstructure(body), ensure_ascii=False, separators=(",", ":"))
    return Response(
        status=status,
        headers=[("Content-Type", PROBLEM_JSON)],
        body=text.encode("utf-8", "backslashreplace"),
    )


def problem_response(problem: HTTPProblem, errors: Sequence[str] = ()) -> Response:
    """The problem document of ``problem``: its status, its message as ``detail`` (a 404 says
    only "not found", whatever was missing) and each bad value with its field, from
    ``problem``'s input problems and from ``errors`` (messages that start with their field,
    as :class:`~clientportal.ValidationError` writes them)."""
    detail = "not found" if isinstance(problem, PageNotFound) else problem.message
    fields = [FieldError.of(message) for message in errors]
    if isinstance(problem, BadRequest):
        fields += [FieldError.of(p.message, p.field) for p in problem.problems]
    return _problem_document(problem.status, problem.code, detail, fields)


def failure_response() -> Response:
    """The problem document of an unexpected error (500): it tells nothing."""
    return _problem_document(500, "error", "the portal failed; try again later", ())


def _next(cursor: EntryCursor | None) -> str | None:
    """The ``next`` of an answer: the page cursor, ``null`` on the last page."""
    return encode_cursor(cursor) if cursor is not None else None


def _hours_list(page: HoursPage, currency: str) -> HoursList:
    return HoursList(
        entries=page.entries, totals=page.totals, next=_next(page.next), currency=currency
    )


def api_session(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/session``."""
    visit = ctx.visit
    return json_response(
        SessionInfo(
            portal_id=visit.portal.id,
            portal_name=visit.portal.name,
            language=visit.portal.language,
            currency=visit.portal.settings.currency,
            contact_id=visit.contact_id,
            can_approve=ctx.service.pages.scope(visit).approval,
            csrf_token=ctx.service.access.csrf_token(visit),
            expires_at=visit.expires_at,
        )
    )


def api_overview(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}``."""
    overview: Overview = ctx.service.pages.overview(ctx.visit)
    return json_response(overview)


def api_hours(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/hours``."""
    visit = ctx.visit
    query = entry_query(ctx.query, limit=parse_limit(ctx.query.get("limit"), DEFAULT_LIMIT))
    page = ctx.service.pages.hours(visit, query)
    return json_response(_hours_list(page, visit.portal.settings.currency))


def api_totals(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/hours/totals``."""
    visit = ctx.visit
    query = entry_query(ctx.query, limit=MAX_PAGE_SIZE)
    return json_response(ctx.service.pages.hours_totals(visit, evolve(query, after=None)))


def api_hours_csv(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/hours.csv``."""
    return hours_csv(ctx)


def api_documents(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/invoices`` and ``.../quotes``."""
    overview = ctx.service.pages.overview(ctx.visit)
    if ctx.route.name.startswith("api_invoice"):
        return json_response(InvoiceList(overview.invoices))
    return json_response(QuoteList(overview.quotes))


def api_document_file(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/invoices/{document_id}/file`` (or quotes)."""
    return document_file(ctx)


def _approvals_query(ctx: Context) -> tuple[EntryQuery, dict[ItemKind, EntryCursor | None]]:
    """The filters and the hours' cursor (``after``), and the cursors of the expenses
    (``after_expense``) and trips (``after_trip``): every problem of them at once (400)."""
    limit = parse_limit(ctx.query.get("limit"), DEFAULT_LIMIT)
    problems: list[InputProblem] = []
    query = EntryQuery(limit=limit)
    try:
        query = entry_query(ctx.query, limit=limit)
    except BadRequest as bad:
        problems += bad.problems
    cursors: dict[ItemKind, EntryCursor | None] = {}
    for kind in (ItemKind.EXPENSE, ItemKind.TRIP):
        name = CURSOR_PARAMS[kind]
        value = ctx.query.get(name) or ""
        try:
            cursors[kind] = decode_cursor(value) if value else None
        except BadRequest:
            message = (
                f"{name}: {value[:40]!r} is not a page cursor: pass the "
                f"'{kind.value}s_next' of the previous answer, or leave {name} out"
            )
            problems.append(InputProblem(name, "page_link_invalid", message))
    if problems:
        raise BadRequest.of(problems)
    return query, cursors


def api_approvals(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/approvals``: :class:`ApprovalList`."""
    visit = ctx.visit
    pages = ctx.service.pages
    if not pages.scope(visit).approval:
        raise PageNotFound()
    query, cursors = _approvals_query(ctx)
    hours = _hours_list(pages.awaiting_approval(visit, query), visit.portal.settings.currency)
    expenses, trips = (
        pages.awaiting_costs(visit, kind, evolve(query, after=cursors[kind]))
        for kind in (ItemKind.EXPENSE, ItemKind.TRIP)
    )
    return json_response(
        ApprovalList(
            entries=hours.entries,
            totals=hours.totals,
            next=hours.next,
            currency=hours.currency,
            expenses=tuple(i for i in expenses.items if isinstance(i, PortalExpense)),
            expenses_totals=expenses.totals,
            expenses_next=_next(expenses.next),
            trips=tuple(i for i in trips.items if isinstance(i, PortalTrip)),
            trips_totals=trips.totals,
            trips_next=_next(trips.next),
        )
    )


def api_decide(ctx: Context) -> Response:
    """``POST /api/portals/{portal_id}/approvals``."""
    visit = ctx.visit
    ctx.check_csrf(ctx.request.headers.get(CSRF_HEADER) or "")
    if ctx.request.content_type != "application/json":
        raise UnsupportedMediaType(
            f"the body was sent as {ctx.request.content_type or 'nothing'!r}: send it as JSON "
            "with Content-Type: application/json"
        )
    request = _read_body(ctx.json(), DecisionRequest)
    if visit.contact_id is None:
        raise Forbidden(
            "this session was opened with a shared link: only a contact's own link can approve "
            "or reject hours, expenses or trips"
        )
    # An item named twice is decided once, at the version it was last named with.
    versions: dict[str | ItemRef, int] = {ref.item: ref.version for ref in request.entries}
    try:
        result: DecisionResult = ctx.service.approvals.client_decide(
            visit,
            Action[request.action.name],
            list(versions),
            reason=request.reason,
            versions=versions,
        )
    except WorkflowError:
        raise PageNotFound() from None
    except ValidationError as invalid:  # a reason the workflow refuses (missing, too long)
        raise _unprocessable(invalid) from None
    return json_response(result)


def _unprocessable(invalid: ValidationError) -> UnprocessableContent:
    problems = [FieldError.of(message) for message in invalid.errors]
    return UnprocessableContent(
        str(invalid).split("\n")[0].rstrip(":"),
        problems=[InputProblem(p.field, "bad_request_body", p.detail) for p in problems],
    )


def _read_body(value: Any, cls: type[_T]) -> _T:
    """``value`` (a JSON body) as ``cls``; 422 naming every bad field when it does not fit."""
    try:
        return structure(value, cls)
    except ValidationError as invalid:
        raise _unprocessable(invalid) from None
