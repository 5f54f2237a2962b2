"""The JSON API under ``/api``: the same portal as the HTML pages, in the library's wire format.

A front end on the same site uses the session cookie that opening a link set (the API does not
open links itself). ``GET /api/portals/{portal_id}/session`` gives the CSRF token that every
``POST`` must send in the ``X-CSRF-Token`` header. Bodies are JSON
(``Content-Type: application/json``), read strictly by the library's converter: unknown fields,
wrong types and bad values answer 400 with every problem and its path.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from attrs import evolve, field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..convert import structure, unstructure
from ..errors import WorkflowError
from ..ports import MAX_PAGE_SIZE, Totals
from ..service import DecisionResult, HoursPage, Overview
from ..visibility import PortalEntry, PortalInvoice, PortalQuote
from ..workflow import Action
from .context import CSRF_HEADER, Context
from .http import Response
from .params import encode_cursor, entry_query, parse_limit
from .problems import Forbidden, PageNotFound
from .views import document_file, hours_csv

__all__ = [
    "ApiError",
    "DecisionAction",
    "DecisionRequest",
    "EntryRef",
    "ErrorBody",
    "HoursList",
    "InvoiceList",
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
]

#: The page size of the API when ``limit`` is not given.
DEFAULT_LIMIT = 100


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
    """An entry and the approval ``version`` the client saw (from :class:`PortalEntry`)."""

    id: str = field(validator=cv.identifier)
    version: int = field(validator=[v.instance_of(int), v.ge(0)])


@frozen
class DecisionRequest:
    """Approve or reject entries; a rejection needs a ``reason``."""

    action: DecisionAction
    entries: tuple[EntryRef, ...] = field(factory=tuple)
    reason: str | None = None


@frozen
class ApiError:
    """What went wrong: a stable ``code`` and a ``message`` for people."""

    code: str
    message: str
    errors: tuple[str, ...] = ()


@frozen
class ErrorBody:
    """The body of every error answer."""

    error: ApiError


def json_response(value: Any, *, status: int = 200) -> Response:
    """``value`` (a clientportal value) in the wire format."""
    return Response.json(unstructure(value), status=status)


def _hours_list(page: HoursPage, currency: str) -> HoursList:
    return HoursList(
        entries=page.entries,
        totals=page.totals,
        next=encode_cursor(page.next) if page.next is not None else None,
        currency=currency,
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


def api_approvals(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/approvals``."""
    visit = ctx.visit
    if not ctx.service.pages.scope(visit).approval:
        raise PageNotFound()
    query = entry_query(ctx.query, limit=parse_limit(ctx.query.get("limit"), DEFAULT_LIMIT))
    page = ctx.service.pages.awaiting_approval(visit, query)
    return json_response(_hours_list(page, visit.portal.settings.currency))


def api_decide(ctx: Context) -> Response:
    """``POST /api/portals/{portal_id}/approvals``."""
    visit = ctx.visit
    ctx.check_csrf(ctx.request.headers.get(CSRF_HEADER) or "")
    request = structure(ctx.json(), DecisionRequest)
    if visit.contact_id is None:
        raise Forbidden(
            "this session was opened with a shared link: only a contact's own link can approve "
            "or reject hours"
        )
    refs = {ref.id: ref.version for ref in request.entries}
    try:
        result: DecisionResult = ctx.service.approvals.client_decide(
            visit,
            Action[request.action.name],
            list(refs),
            reason=request.reason,
            versions=refs,
        )
    except WorkflowError:
        raise PageNotFound() from None
    return json_response(result)
