"""The CSV exports of a portal's expenses and trips, for its pages and its JSON API alike.

``GET /portal/{portal_id}/expenses.csv`` (and ``trips.csv``, and the same under
``/api/portals/{portal_id}``) stream what the portal shows of them with the hours' filters, in the
portal's language and its spreadsheets' conventions
(:meth:`Pages.export_expenses_csv <clientportal.service.Pages.export_expenses_csv>`,
:meth:`~clientportal.service.Pages.export_trips_csv`). A portal that does not show them answers
404, as the hours' CSV does where hours are hidden.
"""

from __future__ import annotations

from ..model import ItemKind
from ..ports import MAX_PAGE_SIZE
from .context import Context
from .downloads import csv_download
from .http import Response
from .params import entry_query
from .problems import PageNotFound

__all__ = ["expenses_csv", "trips_csv"]


def _cost_csv(ctx: Context, kind: ItemKind) -> Response:
    visit = ctx.visit
    scope = ctx.service.pages.scope(visit)
    if not (scope.expenses if kind is ItemKind.EXPENSE else scope.trips):
        raise PageNotFound()
    query = entry_query(ctx.query, limit=MAX_PAGE_SIZE, locale=ctx.text.locale)
    pages = ctx.service.pages
    if kind is ItemKind.EXPENSE:
        lines = pages.export_expenses_csv(visit, query)
    else:
        lines = pages.export_trips_csv(visit, query)
    # expenses-<portal id>.csv, made safe (and ASCII for old clients) by csv_download.
    return csv_download(lines, f"{kind.value}s-{visit.portal.id}.csv")


def expenses_csv(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/expenses.csv``: the filtered expenses as CSV, streamed."""
    return _cost_csv(ctx, ItemKind.EXPENSE)


def trips_csv(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/trips.csv``: the filtered trips as CSV, streamed."""
    return _cost_csv(ctx, ItemKind.TRIP)
