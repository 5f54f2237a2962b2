"""The HTML views of a portal: overview, hours (with CSV export), invoices and quotes, approvals.

Every view starts from the visit of the portal's session cookie (``ctx.visit``: the 404 page
when there is none) and asks the :class:`~clientportal.service.PortalService` for what the
portal shows; nothing here decides visibility.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal

from attrs import evolve, frozen

from ..errors import InvalidReason, WorkflowError
from ..model import ApprovalStatus
from ..ports import MAX_PAGE_SIZE, EntryQuery
from ..service import HoursPage, Overview
from ..visibility import PortalBudget
from ..workflow import MAX_REASON, Action
from .chart import WeekChart, monday, week_chart, weekly_seconds
from .context import CSRF_FIELD, Context
from .http import Response
from .params import encode_cursor, entry_query, filter_items, parse_id
from .problems import BadRequest, Forbidden, PageNotFound

__all__ = [
    "BudgetBar",
    "approvals",
    "budget_bar",
    "decide",
    "document_file",
    "documents",
    "hours",
    "hours_csv",
    "overview",
]

#: How many weeks the overview's chart shows.
CHART_WEEKS = 12
#: How many recent decisions the approvals page lists.
RECENT_DECISIONS = 20
_CSV_CHUNK = 16 * 1024
_ENTRY_REF = re.compile(r"(\d{1,9}):(.+)", re.DOTALL)
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
    visit = ctx.visit
    newest = ctx.service.pages.hours(visit, EntryQuery(limit=1)).entries
    if not newest:
        return None
    last = newest[0].date
    query: EntryQuery | None = EntryQuery(
        date_from=monday(last) - dt.timedelta(weeks=CHART_WEEKS - 1),
        date_to=last,
        limit=MAX_PAGE_SIZE,
    )
    pairs: list[tuple[dt.date, int]] = []
    while query is not None:
        page = ctx.service.pages.hours(visit, query)
        pairs += [(e.date, e.seconds) for e in page.entries]
        query = page.next_query
    return week_chart(weekly_seconds(pairs), last_week=last, count=CHART_WEEKS)


def _awaiting_count(ctx: Context) -> tuple[int, bool]:
    page = ctx.service.pages.awaiting_approval(ctx.visit, EntryQuery(limit=MAX_PAGE_SIZE))
    return len(page.entries), page.next is not None


def overview(ctx: Context) -> Response:
    """``GET /portal/{portal_id}``: projects, the hours chart, budgets, latest documents."""
    visit = ctx.visit
    view = ctx.service.pages.overview(visit)
    awaiting = _awaiting_count(ctx) if view.can_approve else (0, False)
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


def _names(view: Overview) -> tuple[dict[str, str], dict[str, str]]:
    return {p.id: p.name for p in view.projects}, {e.id: e.name for e in view.employees}


def hours(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/hours``: the hours with filters, a page at a time."""
    visit = ctx.visit
    view = ctx.service.pages.overview(visit)
    if not view.shows_hours:
        raise PageNotFound()
    query = entry_query(ctx.query, limit=ctx.app.page_size)
    page = ctx.service.pages.hours(visit, query)
    totals = ctx.service.pages.hours_totals(visit, evolve(query, after=None))
    filters = filter_items(query)
    projects, employees = _names(view)
    return ctx.render(
        "hours.html",
        overview=view,
        page=page,
        totals=totals,
        query=query,
        projects=projects,
        employees=employees,
        settings=visit.portal.settings,
        statuses=list(ApprovalStatus),
        filters=filters,
        next_url=_next_url(ctx, "hours", filters, page),
        first_url=ctx.url("hours", query=filters) if query.after is not None else None,
        csv_url=ctx.url("hours_csv", query=filters),
    )


def _next_url(
    ctx: Context, name: str, filters: Sequence[tuple[str, str]], page: HoursPage
) -> str | None:
    if page.next is None:
        return None
    return ctx.url(name, query=[*filters, ("after", encode_cursor(page.next))])


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
    query = entry_query(ctx.query, limit=MAX_PAGE_SIZE)
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
    view = ctx.service.pages.overview(visit)
    projects, _ = _names(view)
    return ctx.render(
        "documents.html",
        kind=kind,
        documents=view.invoices if kind == "invoice" else view.quotes,
        projects=projects,
    )


def document_file(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/invoices/{document_id}`` (or quotes): download the file."""
    visit = ctx.visit
    kind = _kind(ctx)
    document_id = parse_id(ctx.params["document_id"], "document id")
    file = ctx.service.pages.document(visit, kind, document_id)
    content_type = file.content_type
    if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", content_type):
        content_type = "application/octet-stream"
    ascii_name = _filename(file.filename)
    from urllib.parse import quote

    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file.filename)}"
    return Response(
        headers=[
            ("Content-Type", content_type),
            ("Content-Disposition", disposition),
            ("Content-Length", str(len(file.data))),
        ],
        body=bytes(file.data),
    )


# --------------------------------------------------------------------------------------------------
# Approvals


def _approvals_page(
    ctx: Context,
    *,
    status: int = 200,
    error: str | None = None,
    reason: str = "",
    selected: frozenset[str] = frozenset(),
) -> Response:
    visit = ctx.visit
    view = ctx.service.pages.overview(visit)
    if not view.can_approve:
        raise PageNotFound()
    query = entry_query(ctx.query, limit=ctx.app.page_size)
    query = evolve(query, statuses=frozenset())
    page = ctx.service.pages.awaiting_approval(visit, query)
    recent = ctx.service.pages.decided(visit, limit=RECENT_DECISIONS)
    filters = filter_items(query)
    projects, employees = _names(view)
    counts = {
        key: int(value)
        for key in ("approved", "rejected", "unchanged")
        if (value := ctx.query.get(key) or "").isascii() and value.isdigit() and len(value) < 7
    }
    return ctx.render(
        "approvals.html",
        status=status,
        overview=view,
        page=page,
        recent=recent.entries,
        projects=projects,
        employees=employees,
        settings=visit.portal.settings,
        filters=filters,
        next_url=_next_url(ctx, "approvals", filters, page),
        first_url=ctx.url("approvals", query=filters) if query.after is not None else None,
        shared=visit.contact_id is None,
        error=error,
        reason=reason,
        selected=selected,
        counts=counts,
        query=query,
        max_reason=MAX_REASON,
    )


def approvals(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/approvals``: the hours awaiting the client, with their actions,
    and the latest decided hours with their status."""
    return _approvals_page(ctx)


def _entry_refs(values: Sequence[str]) -> dict[str, int]:
    """``"<version>:<id>"`` form values as ``{id: version}`` (400 when malformed)."""
    refs: dict[str, int] = {}
    for value in values:
        match = _ENTRY_REF.fullmatch(value)
        if match is None:
            raise BadRequest(f"entry: {value[:40]!r} is not '<version>:<entry id>'")
        refs[parse_id(match.group(2), "entry")] = int(match.group(1))
    return refs


def _decision(ctx: Context) -> tuple[Action, dict[str, int], str]:
    """What the approvals form asks: the action, the entries with their versions, the reason."""
    form = ctx.form
    reason = (form.get("reason") or "").strip()
    one = form.get("one")
    if one:
        action_name, _, ref = one.partition(":")
        refs = _entry_refs([ref])
    else:
        action_name = form.get("action") or ""
        refs = _entry_refs(form.get_all("shown" if form.get("all") == "1" else "entry"))
    actions = {"approve": Action.APPROVE, "reject": Action.REJECT}
    if action_name not in actions:
        raise BadRequest(f"action: must be 'approve' or 'reject', got {action_name[:40]!r}")
    return actions[action_name], refs, reason


def decide(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/approvals``: approve or reject the selected (or all shown)
    entries, then show the approvals page again with what happened."""
    visit = ctx.visit
    ctx.check_csrf(ctx.form.get(CSRF_FIELD) or "")
    action, refs, reason = _decision(ctx)
    if visit.contact_id is None:
        raise Forbidden(ctx.text("shared_link"))
    if not refs:
        return _approvals_page(ctx, status=400, error="nothing_selected", reason=reason)
    try:
        result = ctx.service.approvals.client_decide(
            visit,
            action,
            list(refs),
            reason=reason if action is Action.REJECT else None,
            versions=refs,
        )
    except InvalidReason as invalid:
        error = "reason_required" if invalid.missing else "reason_too_long"
        return _approvals_page(
            ctx, status=400, error=error, reason=reason, selected=frozenset(refs)
        )
    except WorkflowError:
        raise PageNotFound() from None
    key = "approved" if action is Action.APPROVE else "rejected"
    done = [(key, str(len(result.applied)))]
    unchanged = len(result.outcomes) - len(result.applied)
    if unchanged:
        done.append(("unchanged", str(unchanged)))
    return Response.redirect(ctx.url("approvals", query=done))
