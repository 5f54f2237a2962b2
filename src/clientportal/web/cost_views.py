"""The HTML pages of a portal's expenses and trips: the hours page's filters, a page at a time
with First, Previous and Next and "page n of m", the totals of every matching item (an amount
per currency; for trips the distance, and their money where the portal shows it).

A portal that does not show the kind answers 404, as the hours page does where hours are hidden;
everything shown comes from :meth:`Pages.costs <clientportal.service.Pages.costs>`.
"""

from __future__ import annotations

from typing import Any

from ..model import ApprovalStatus, ItemKind
from .context import Context
from .http import Response
from .paging import page_count, page_number, paging
from .params import filter_items
from .problems import PageNotFound
from .views import filters_again, read_filters

__all__ = ["ROUTES", "costs", "expenses", "trips"]

#: The route of each kind's page (also the key of its title), and of its CSV.
ROUTES: dict[ItemKind, tuple[str, str]] = {
    ItemKind.EXPENSE: ("expenses", "expenses_csv"),
    ItemKind.TRIP: ("trips", "trips_csv"),
}


def expenses(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/expenses``: the portal's expenses."""
    return costs(ctx, ItemKind.EXPENSE)


def trips(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/trips``: the portal's trips (mileage)."""
    return costs(ctx, ItemKind.TRIP)


def costs(ctx: Context, kind: ItemKind) -> Response:
    """The page of ``kind``'s items with filters. Filters that cannot be used answer 400 with
    the form again, each problem next to its field, and no items (as on the hours page)."""
    visit = ctx.visit
    pages = ctx.service.pages
    view = pages.choices(visit)
    if not view.shows(kind):
        raise PageNotFound()
    scope = pages.scope(visit)
    route, csv_route = ROUTES[kind]
    common: dict[str, Any] = {
        "kind": kind.value,
        "route": route,
        "overview": view,
        "projects": {p.id: p.name for p in view.projects},
        "employees": {e.id: e.name for e in view.employees},
        "statuses": list(ApprovalStatus) if scope.approval else None,
    }
    given = read_filters(ctx, view, scope)
    query = given.query
    if query is None or given.problems:
        again = filters_again(ctx, given.problems, scope, route)
        return ctx.render(
            "costs.html", status=400, page=None, query=None, csv_url=None, **common, **again
        )
    page = pages.costs(visit, kind, query)
    size = ctx.app.page_size
    number = 1
    if query.after is not None:
        remaining = pages.cost_totals(visit, kind, query).count
        number = page_number(page.totals.count, remaining, size)
    filters = filter_items(query)
    return ctx.render(
        "costs.html",
        page=page,
        query=query,
        values=None,
        errors={},
        notices=[],
        filters=filters,
        paging=paging(
            lambda items: ctx.url(route, query=items),
            filters,
            after=query.after,
            trail=given.trail,
            next_cursor=page.next,
            page=number,
            pages=page_count(page.totals.count, size),
        ),
        csv_url=_csv_url(ctx, csv_route, filters),
        **common,
    )


def _csv_url(ctx: Context, route: str, filters: list[tuple[str, str]]) -> str | None:
    """The CSV export's URL with the page's filters, where the app has that export."""
    try:
        return ctx.url(route, query=filters)
    except KeyError:
        return None
