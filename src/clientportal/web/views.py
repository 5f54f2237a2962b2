"""The HTML views of a portal: overview, hours (with CSV export), invoices and quotes (the
approvals page is :mod:`.approval_views`).

Every view starts from the visit of the portal's session cookie (``ctx.visit``: the 404 page
when there is none) and asks the :class:`~clientportal.service.PortalService` for what the
portal shows; nothing here decides visibility.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from attrs import evolve, frozen

from ..model import ApprovalStatus
from ..ports import MAX_PAGE_SIZE, EntryCursor, EntryQuery
from ..service import HoursChoices, Overview
from ..visibility import PortalBudget, Scope
from .chart import WeekChart, week_chart
from .context import Context
from .downloads import download
from .http import Response
from .paging import Paging, page_count, page_number, paging
from .params import (
    FIELD_LABELS,
    FILTER_PARAMS,
    FilterChoices,
    decode_trail,
    entry_query,
    filter_items,
    parse_id,
)
from .problems import BadRequest, InputProblem, PageNotFound

__all__ = [
    "BudgetBar",
    "FilterInput",
    "budget_bar",
    "document_file",
    "documents",
    "filters_again",
    "hours",
    "hours_csv",
    "overview",
    "read_filters",
]

#: How many weeks the overview's chart shows.
CHART_WEEKS = 12
_CSV_CHUNK = 16 * 1024
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


# --------------------------------------------------------------------------------------------------
# Overview


@frozen
class BudgetBar:
    """A budget as the overview draws it: the record, how full it is, and whether it is over."""

    budget: PortalBudget
    percent: int
    bar_percent: int
    over: bool
    ratio: Decimal | None


def budget_bar(budget: PortalBudget) -> BudgetBar:
    """How full ``budget`` is (the bar stops at 100 %; ``over`` says it went beyond)."""
    if budget.amount > 0:
        ratio = budget.used / budget.amount
        percent = int((ratio * 100).to_integral_value())
    else:
        ratio = None
        percent = 100 if budget.used > 0 else 0
    return BudgetBar(
        budget=budget,
        percent=percent,
        bar_percent=max(0, min(100, percent)),
        over=budget.used > budget.amount,
        ratio=ratio,
    )


def _chart(ctx: Context) -> WeekChart | None:
    """The hours-per-week chart of the portal's latest :data:`CHART_WEEKS` weeks with hours."""
    hours = ctx.service.pages.hours_per_week(ctx.visit, weeks=CHART_WEEKS)
    if hours.last_date is None:
        return None
    return week_chart(hours.weeks, last_week=hours.last_date, count=CHART_WEEKS)


def overview(ctx: Context) -> Response:
    """``GET /portal/{portal_id}``: projects, the hours chart, budgets, latest documents."""
    visit = ctx.visit
    view = ctx.service.pages.overview(visit)
    awaiting = view.awaiting_count
    employees = {e.id: e.name for e in view.employees}
    projects = {p.id: p.name for p in view.projects}
    return ctx.render(
        "overview.html",
        overview=view,
        chart=_chart(ctx) if view.shows_hours else None,
        budgets=[budget_bar(b) for b in view.budgets],
        employees=employees,
        projects=projects,
        awaiting=awaiting,
        settings=visit.portal.settings,
    )


# --------------------------------------------------------------------------------------------------
# Hours


def _names(view: Overview | HoursChoices) -> tuple[dict[str, str], dict[str, str]]:
    return {p.id: p.name for p in view.projects}, {e.id: e.name for e in view.employees}


@frozen
class FilterInput:
    """What a list's filters asked for: the ``query`` (``None`` when it cannot be used), the
    cursors of the pages before this one (``trail``) and every ``problems`` of the input."""

    query: EntryQuery | None
    trail: tuple[EntryCursor, ...]
    problems: tuple[InputProblem, ...]


def read_filters(ctx: Context, view: HoursChoices, scope: Scope) -> FilterInput:
    """The filters of a list page (hours, expenses, trips): project, employee, dates, status
    where the client approves, the page's cursor and its trail, every problem at once."""
    problems: list[InputProblem] = []
    query: EntryQuery | None = None
    trail: tuple[EntryCursor, ...] = ()
    try:
        query = entry_query(
            ctx.query,
            limit=ctx.app.page_size,
            locale=ctx.text.locale,
            choices=_choices(view, scope),
        )
    except BadRequest as bad:
        problems += bad.problems
    back = ctx.query.get("back") or ""
    try:
        trail = decode_trail(back) if back else ()
    except BadRequest as bad:
        problems += bad.problems
    return FilterInput(query, trail, tuple(problems))


def hours(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/hours``: the hours with filters, a page at a time, with
    First, Previous and Next links and "page n of m" (:mod:`.paging`).

    Filters that cannot be used answer 400 with the form again, each problem next to its field
    in the portal's language, and no hours (a list that ignored them would mislead).
    """
    visit = ctx.visit
    view = ctx.service.pages.choices(visit)
    if not view.shows_hours:
        raise PageNotFound()
    scope = ctx.service.pages.scope(visit)
    given = read_filters(ctx, view, scope)
    query, trail = given.query, given.trail
    if query is None or given.problems:
        return _hours_form_again(ctx, view, given.problems)
    page = ctx.service.pages.hours(visit, query)
    totals = ctx.service.pages.hours_totals(visit, evolve(query, after=None))
    size = ctx.app.page_size
    number = 1
    if query.after is not None:
        remaining = ctx.service.pages.hours_totals(visit, query).count
        number = page_number(totals.count, remaining, size)
    filters = filter_items(query)
    projects, employees = _names(view)
    return ctx.render(
        "hours.html",
        overview=view,
        page=page,
        totals=totals,
        query=query,
        values=None,
        errors={},
        notices=[],
        projects=projects,
        employees=employees,
        settings=visit.portal.settings,
        statuses=list(ApprovalStatus) if scope.approval else None,
        filters=filters,
        paging=paging(
            lambda items: ctx.url("hours", query=items),
            filters,
            after=query.after,
            trail=trail,
            next_cursor=page.next,
            page=number,
            pages=page_count(totals.count, size),
        ),
        csv_url=ctx.url("hours_csv", query=filters),
    )


def _choices(view: HoursChoices, scope: Scope) -> FilterChoices:
    """What the hours page's filters offer: the portal's projects and employees, and the
    approval statuses only where the client approves."""
    return FilterChoices(
        project_ids=frozenset(p.id for p in view.projects),
        employee_ids=frozenset(e.id for e in view.employees),
        statuses=frozenset(ApprovalStatus) if scope.approval else frozenset(),
    )


def _hours_form_again(
    ctx: Context, view: HoursChoices, problems: Sequence[InputProblem]
) -> Response:
    """The hours page with the filters as the visitor sent them and what is wrong with each
    (status 400): a field's problem next to it, any other (a page link's, a filter the page
    does not offer) above the form."""
    scope = ctx.service.pages.scope(ctx.visit)
    again = filters_again(ctx, problems, scope, "hours")
    projects, employees = _names(view)
    return ctx.render(
        "hours.html",
        status=400,
        overview=view,
        page=None,
        totals=None,
        query=None,
        projects=projects,
        employees=employees,
        settings=ctx.visit.portal.settings,
        statuses=list(ApprovalStatus) if scope.approval else None,
        csv_url=None,
        **again,
    )


def filters_again(
    ctx: Context, problems: Sequence[InputProblem], scope: Scope, route: str
) -> dict[str, Any]:
    """What a list page (route ``route``) shows of filters it could not use: the ``values`` as
    the visitor sent them, each field's problem (``errors``) and the others (``notices``), the
    ``filters`` that were fine and the ``paging`` back to the first page with them."""
    t = ctx.text
    shown = set(FIELD_LABELS) - (set() if scope.approval else {"status"})
    errors: dict[str, str] = {}
    notices: list[str] = []
    for problem in problems:
        if problem.field in shown:
            errors.setdefault(problem.field, t(problem.key))
            continue
        label = FIELD_LABELS.get(problem.field)
        line = t.pair(t(label), t(problem.key)) if label else t(problem.key)
        if line not in notices:
            notices.append(line)
    values = {name: ctx.query.get_all(name) for name in FILTER_PARAMS}
    bad = {p.field for p in problems}
    kept = [(name, v) for name in FILTER_PARAMS if name not in bad for v in values[name] if v]
    return {
        "values": values,
        "errors": errors,
        "notices": notices,
        "filters": kept,
        "paging": Paging(first_url=ctx.url(route, query=kept)),
    }


def _chunks(lines: Iterator[str]) -> Iterator[bytes]:
    buffer: list[str] = ["\ufeff"]
    size = 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= _CSV_CHUNK:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def _filename(text: str) -> str:
    return _FILENAME_UNSAFE.sub("-", text).strip("-.")[:60] or "portal"


def hours_csv(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/hours.csv``: the filtered hours as CSV, streamed."""
    visit = ctx.visit
    if not ctx.service.pages.scope(visit).entries:
        raise PageNotFound()
    query = entry_query(ctx.query, limit=MAX_PAGE_SIZE, locale=ctx.text.locale)
    lines = ctx.service.pages.export_csv(visit, query)
    name = f"hours-{_filename(visit.portal.id)}.csv"
    return Response(
        headers=[
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", f'attachment; filename="{name}"'),
        ],
        body=_chunks(lines),
    )


# --------------------------------------------------------------------------------------------------
# Invoices and quotes


def _kind(ctx: Context) -> str:
    return "invoice" if "invoice" in ctx.route.name else "quote"


def documents(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/invoices`` and ``.../quotes``: the documents with downloads."""
    visit = ctx.visit
    kind = _kind(ctx)
    scope = ctx.service.pages.scope(visit)
    if not (scope.invoices if kind == "invoice" else scope.quotes):
        raise PageNotFound()
    pages = ctx.service.pages
    return ctx.render(
        "documents.html",
        kind=kind,
        documents=pages.invoices(visit) if kind == "invoice" else pages.quotes(visit),
        projects={p.id: p.name for p in pages.projects(visit)},
    )


def document_file(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/invoices/{document_id}`` (or quotes): download the file, its
    type and name made safe (:mod:`.downloads`); the JSON API's file endpoints answer the same."""
    visit = ctx.visit
    kind = _kind(ctx)
    document_id = parse_id(ctx.params["document_id"], "document id")
    file = ctx.service.pages.document(visit, kind, document_id)
    return download(file)
