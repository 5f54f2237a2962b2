"""The JSON API of what a project costs besides hours: expenses and trips (mileage).

``GET /api/portals/{portal_id}/expenses`` and ``.../trips`` answer a page at a time, newest first,
with the filters and the cursor of the hours (``project``, ``employee``, ``from``, ``to``,
``status``, ``after``, ``limit``: :func:`~.params.entry_query`), and the totals of every item
that matches the filters. A portal that does not show expenses (or trips) answers an empty list,
as the hours do where hours are hidden; its CSV answers 404. The client decides on expenses and
trips through ``POST .../approvals`` (:class:`~.api.DecisionRequest`, each item with its
``kind``).
"""

from __future__ import annotations

from typing import TypeVar

from attrs import frozen

from ..ports import CostTotals
from ..public import PortalExpense, PortalTrip
from ..service.costs_reading import CostItem
from .api import DEFAULT_LIMIT, json_response
from .context import Context
from .cost_csv import expenses_csv, trips_csv
from .http import Response
from .params import encode_cursor, entry_query, parse_limit

__all__ = [
    "ExpenseList",
    "TripList",
    "api_expenses",
    "api_expenses_csv",
    "api_trips",
    "api_trips_csv",
]

_Item = TypeVar("_Item", PortalExpense, PortalTrip)


@frozen
class ExpenseList:
    """One page of expenses, newest first: the ``expenses`` (each with its amount and its ISO
    4217 ``currency``), the ``totals`` of every expense that matches the filters (amounts per
    currency), and the cursor of the next page (pass it as ``after``), ``null`` on the last
    page."""

    expenses: tuple[PortalExpense, ...]
    totals: CostTotals
    next: str | None


@frozen
class TripList:
    """One page of trips, newest first: the ``trips`` (each with its distance in km, and its
    rate, amount and currency where the portal shows them), the ``totals`` of every trip that
    matches the filters (their distance, and their amounts per currency where shown), and the
    cursor of the next page (pass it as ``after``), ``null`` on the last page."""

    trips: tuple[PortalTrip, ...]
    totals: CostTotals
    next: str | None


def _only(items: tuple[CostItem, ...], cls: type[_Item]) -> tuple[_Item, ...]:
    """The records of ``items`` of ``cls`` (a page holds one kind: all of them)."""
    return tuple(i for i in items if isinstance(i, cls))


def api_expenses(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/expenses``."""
    query = entry_query(ctx.query, limit=parse_limit(ctx.query.get("limit"), DEFAULT_LIMIT))
    view = ctx.service.pages.expenses(ctx.visit, query)
    after = encode_cursor(view.next) if view.next is not None else None
    expenses = _only(view.items, PortalExpense)
    return json_response(ExpenseList(expenses=expenses, totals=view.totals, next=after))


def api_trips(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/trips``."""
    query = entry_query(ctx.query, limit=parse_limit(ctx.query.get("limit"), DEFAULT_LIMIT))
    view = ctx.service.pages.trips(ctx.visit, query)
    after = encode_cursor(view.next) if view.next is not None else None
    trips = _only(view.items, PortalTrip)
    return json_response(TripList(trips=trips, totals=view.totals, next=after))


def api_expenses_csv(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/expenses.csv``: as the portal's own CSV link."""
    return expenses_csv(ctx)


def api_trips_csv(ctx: Context) -> Response:
    """``GET /api/portals/{portal_id}/trips.csv``: as the portal's own CSV link."""
    return trips_csv(ctx)
