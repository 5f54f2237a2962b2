"""The OpenAPI 3.1 document of the JSON API, built from the router's API routes.

Each API route has an :class:`Endpoint` here (summary, query parameters, request and response
types); the schemas are derived from the attrs classes of the wire format, so the document
cannot drift from what the API sends. A test checks that every API route is described and every
described operation is routed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from .. import __version__
from ..model import ApprovalStatus, ItemKind
from ..ports import MAX_PAGE_SIZE, Totals
from ..service import DecisionResult, Overview
from ..workflow import Action
from ..workflow.reasons import NEEDS_REASON
from .api import (
    DEFAULT_LIMIT,
    PROBLEM_JSON,
    ApprovalList,
    DecisionAction,
    DecisionRequest,
    HoursList,
    InvoiceList,
    Problem,
    QuoteList,
    SessionInfo,
)
from .api_costs import ExpenseList, TripList
from .approval_views import CURSOR_PARAMS
from .context import CSRF_HEADER
from .json_schemas import request_schema, request_types, schema_of, type_schema
from .params import CURSOR_PATTERN, ID_SCHEMA
from .routing import Route
from .security import session_cookie_name

__all__ = [
    "ENDPOINTS",
    "SESSION_COOKIE_PATTERN",
    "Endpoint",
    "openapi_document",
    "schema_of",
]

#: The names of the portals' session cookies: one per portal (``cp_session_`` and 20 hex digits
#: of the portal id's SHA-256), with a ``__Host-`` or ``__Secure-`` prefix when cookies are secure.
SESSION_COOKIE_PATTERN = r"^(?:__Host-|__Secure-)?cp_session_[0-9a-f]{20}$"


def _filters(noun: str) -> tuple[tuple[str, str, dict[str, Any]], ...]:
    """The filters of a list of ``noun`` (hours, expenses, trips): the same for every kind."""
    return (
        (
            "project",
            f"Only {noun} of these projects (repeat the parameter for several).",
            {"type": "array", "items": dict(ID_SCHEMA)},
        ),
        (
            "employee",
            f"Only {noun} of these employees (repeat for several).",
            {"type": "array", "items": dict(ID_SCHEMA)},
        ),
        ("from", f"Only {noun} on or after this date (not after `to`).", {"format": "date"}),
        ("to", f"Only {noun} on or before this date.", {"format": "date"}),
        (
            "status",
            f"Only {noun} in these approval statuses (repeat for several).",
            {
                "type": "array",
                "items": {"type": "string", "enum": [s.name for s in ApprovalStatus]},
            },
        ),
    )


_FILTERS = _filters("hours")
_PAGING: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("after", "The `next` cursor of the previous page.", {"pattern": CURSOR_PATTERN}),
    (
        "limit",
        f"Page size, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_LIMIT}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_LIMIT},
    ),
)
#: The cursors of the expenses' and trips' pages of the approvals, each kind paged on its own.
_COST_PAGING: tuple[tuple[str, str, dict[str, Any]], ...] = tuple(
    (
        CURSOR_PARAMS[kind],
        f"The `{noun}_next` cursor of the previous answer: the next page of {noun}.",
        {"pattern": CURSOR_PATTERN},
    )
    for kind, noun in ((ItemKind.EXPENSE, "expenses"), (ItemKind.TRIP, "trips"))
)
#: The error answers, by status: what each means (their bodies are all a :class:`Problem`).
_ERRORS: Mapping[int, str] = {
    400: "Malformed input in the path or the query (an id, a date, a cursor, a limit), or a body "
    "that is not JSON; `errors` names each parameter.",
    403: "Missing or wrong CSRF token, or a session of a shared link deciding.",
    404: "No such portal, no valid session for it, or nothing there (the same answer for all).",
    405: "The path exists but not for this method; `Allow` lists the methods it has.",
    413: "The request body is larger than the portal takes.",
    415: "The body is not sent as `application/json`.",
    422: "The JSON body does not fit its schema (a type, an unknown field, a value out of bounds, "
    "a missing reason); `errors` names each field by its path (`entries[0].id`).",
    429: "Too many failed attempts from this address; `Retry-After` says when to try again.",
    500: "The portal failed; try again later.",
}


@frozen
class Endpoint:
    """How one API route is described: what it answers, what it takes."""

    summary: str
    response: type | None = None
    media_type: str = "application/json"
    request: type | None = None
    query: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    csrf: bool = False
    session: bool = True


#: The description of every API route, by route name.
ENDPOINTS: Mapping[str, Endpoint] = {
    "api_openapi": Endpoint(
        "This document.", response=None, media_type="application/json", session=False
    ),
    "api_session": Endpoint("The session and its CSRF token.", response=SessionInfo),
    "api_overview": Endpoint(
        "Projects, budgets, invoices, quotes and the employee filter.", response=Overview
    ),
    "api_hours": Endpoint(
        "One page of hours, newest first.", response=HoursList, query=_FILTERS + _PAGING
    ),
    "api_totals": Endpoint(
        "Totals of every hour that matches the filters.", response=Totals, query=_FILTERS
    ),
    "api_hours_csv": Endpoint(
        "The hours that match the filters as CSV (streamed), with the currency of the amounts, "
        "cells separated and decimals marked as the portal's locale writes them "
        "(`;` and `7,50` where it writes a decimal comma, else `,` and `7.50`).",
        media_type="text/csv",
        query=_FILTERS,
    ),
    "api_invoices": Endpoint("The portal's invoices.", response=InvoiceList),
    "api_invoice_file": Endpoint(
        "Download an invoice, in the file's own media type.", media_type="*/*"
    ),
    "api_quotes": Endpoint("The portal's quotes.", response=QuoteList),
    "api_quote_file": Endpoint("Download a quote, in the file's own media type.", media_type="*/*"),
    "api_approvals": Endpoint(
        "What awaits the client's decision: one page each of the hours, the expenses and the "
        "trips (empty lists for a kind the portal does not show), each paged by its own cursor "
        "(`after`, `after_expense`, `after_trip`).",
        response=ApprovalList,
        query=_FILTERS[:4] + _PAGING + _COST_PAGING,
    ),
    "api_expenses": Endpoint(
        "One page of expenses, newest first, with the totals of every expense that matches "
        "the filters (an empty list where the portal does not show expenses).",
        response=ExpenseList,
        query=_filters("expenses") + _PAGING,
    ),
    "api_expenses_csv": Endpoint(
        "The expenses that match the filters as CSV (streamed), each amount with its currency, "
        "as the hours' CSV writes cells and decimals.",
        media_type="text/csv",
        query=_filters("expenses"),
    ),
    "api_trips": Endpoint(
        "One page of trips, newest first, with the totals of every trip that matches the "
        "filters (an empty list where the portal does not show trips).",
        response=TripList,
        query=_filters("trips") + _PAGING,
    ),
    "api_trips_csv": Endpoint(
        "The trips that match the filters as CSV (streamed): distances in km, and rates and "
        "amounts with their currency where the portal shows them.",
        media_type="text/csv",
        query=_filters("trips"),
    ),
    "api_decide": Endpoint(
        "Approve or reject hours, expenses and trips, mixed as they come (send the CSRF token "
        "in X-CSRF-Token).",
        response=DecisionResult,
        request=DecisionRequest,
        csrf=True,
    ),
}


# --------------------------------------------------------------------------------------------------
# Requests

#: What a request's fields cannot say alone: the actions that need a reason (the workflow's
#: NEEDS_REASON) need one with something besides whitespace in it.
_REQUEST_RULES: Mapping[type, Mapping[str, Any]] = {
    DecisionRequest: {
        "if": {
            "properties": {
                "action": {
                    "enum": [a.name for a in DecisionAction if Action[a.name] in NEEDS_REASON]
                }
            },
        },
        "then": {
            "required": ["reason"],
            "properties": {"reason": {"type": "string", "pattern": "\\S"}},
        },
    }
}


# --------------------------------------------------------------------------------------------------
# The document


def _parameter(
    name: str, where: str, description: str, schema: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": {"type": "string", **schema},
    }


def _error_responses() -> dict[str, Any]:
    """The error answers, each a problem document, as reusable responses."""
    responses: dict[str, Any] = {}
    for status, description in _ERRORS.items():
        response: dict[str, Any] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status in (405, 429):
            header = "Allow" if status == 405 else "Retry-After"
            response["headers"] = {header: {"schema": {"type": "string"}, "required": True}}
        responses[str(status)] = response
    return responses


def _operation(route: Route[Any], endpoint: Endpoint, refs: dict[str, type]) -> dict[str, Any]:
    parameters = [
        _parameter(p, "path", f"The {p.replace('_', ' ')}.", ID_SCHEMA) for p in route.params
    ] + [_parameter(n, "query", d, x) for n, d, x in endpoint.query]
    if endpoint.csrf:
        parameters.append(
            _parameter(CSRF_HEADER, "header", "The session's CSRF token.", {"minLength": 1})
            | {"required": True}
        )
    if endpoint.response is not None:
        content: dict[str, Any] = {"schema": type_schema(endpoint.response, refs)}
    elif endpoint.media_type == "application/json":
        content = {"schema": {"type": "object"}}
    else:
        content = {"schema": {"type": "string", "format": "binary"}}
    responses: dict[str, Any] = {
        "200": {"description": endpoint.summary, "content": {endpoint.media_type: content}},
    }
    errors = [500]
    if endpoint.session:
        errors += [400, 404, 429]
    if endpoint.csrf:
        errors += [403]
    if endpoint.request is not None:
        errors += [413, 415, 422]
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    operation: dict[str, Any] = {
        "operationId": route.name,
        "summary": endpoint.summary,
        "parameters": parameters,
        "responses": responses,
    }
    if endpoint.session:
        operation["security"] = [{"session": []}]
    else:
        operation["security"] = []
    if endpoint.request is not None:
        refs[endpoint.request.__name__] = endpoint.request
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{endpoint.request.__name__}"}
                }
            },
        }
    return operation


def _session_scheme() -> dict[str, Any]:
    example = session_cookie_name("acme")
    return {
        "type": "apiKey",
        "in": "cookie",
        "name": example,
        "description": (
            "The portal's session cookie, set when one of the portal's links is opened in the "
            "browser (the API does not open links). Each portal has its own cookie: "
            "`cp_session_` and the first 20 hexadecimal digits of the SHA-256 of the portal id "
            f"in UTF-8 (`{example}` for the portal `acme`, the name given here as an example), "
            "with a `__Host-` prefix (or `__Secure-` when the portal lives below a path) when "
            "the portal's cookies are secure. Every name matches the pattern "
            f"`{SESSION_COOKIE_PATTERN}` (`x-cookie-name-pattern`)."
        ),
        "x-cookie-name-pattern": SESSION_COOKIE_PATTERN,
    }


def openapi_document(routes: Iterable[Route[Any]], *, server_url: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API ``routes`` (served at ``/api/openapi.json``)."""
    refs: dict[str, type] = {"Problem": Problem}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not route.api:
            continue
        endpoint = ENDPOINTS[route.name]
        paths.setdefault(route.pattern, {})[route.method.lower()] = _operation(
            route, endpoint, refs
        )
    schemas: dict[str, Any] = {}
    requests = request_types(e.request for e in ENDPOINTS.values() if e.request is not None)
    while len(schemas) < len(refs):
        for name, cls in sorted(refs.items()):
            if name not in schemas:
                schemas[name] = (
                    {**request_schema(cls, refs), **_REQUEST_RULES.get(cls, {})}
                    if cls in requests
                    else schema_of(cls, refs)
                )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "clientportal API",
            "version": __version__,
            "description": (
                "The client portal's JSON API. Open the portal's link in the browser first: "
                "it sets the session cookie the API uses. Every POST sends the session's CSRF "
                "token (GET /api/portals/{portal_id}/session) in the X-CSRF-Token header. "
                "Every error is an RFC 9457 problem document (application/problem+json); a "
                "method a path does not have answers 405 with `Allow`."
            ),
        },
        "servers": [{"url": server_url or "/"}],
        "paths": paths,
        "components": {
            "schemas": {name: schemas[name] for name in sorted(schemas)},
            "responses": _error_responses(),
            "securitySchemes": {"session": _session_scheme()},
        },
    }
