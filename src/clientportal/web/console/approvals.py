"""The console's approval page of a portal: for each kind of item the portal shows (hours,
expenses, trips), the items awaiting the client's decision, the items the staff may submit to the
client (choose them, one button for all kinds), the latest decisions, and each item's audit trail
(:meth:`~clientportal.service.Approvals.history`).

Submitting asks the service, as the staff member: an internally approved item goes on to the
client (``SUBMIT_TO_CLIENT``), an open or rejected one is submitted (``SUBMIT``), which under a
workflow that starts with the client asks the client. The workflow refuses what it does not allow,
and the page says how many were not submitted. Only the items the page offered may be submitted:
an item of a kind the portal does not show, or of another portal, is counted as not submitted.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from ...model import ApprovalStatus, ItemKind, ItemRef, Portal, Workflow
from ...ports import MAX_PAGE_SIZE, EntryQuery
from ..http import Response
from ..params import parse_id
from ..problems import BadRequest, PageNotFound
from . import signoffs
from .context import ConsoleContext

__all__ = [
    "KindLists",
    "approval_page",
    "history",
    "item_history",
    "submit_to_client",
    "submittable_statuses",
]

#: How many items of each kind each list of the page shows.
LIMIT = 25
#: How many of the latest decisions of each kind the page shows.
RECENT = 10

_CLIENT_FIRST = (Workflow.EXTERNAL, Workflow.EXTERNAL_INTERNAL)
#: The heading of each kind's lists (the portal's own texts).
_TITLES = {ItemKind.ENTRY: "hours", ItemKind.EXPENSE: "expenses", ItemKind.TRIP: "trips"}


def submittable_statuses(workflow: Workflow) -> frozenset[ApprovalStatus]:
    """The statuses of items the staff may send to the client under the company's
    ``workflow``: internally approved ones always (they wait for it), open and rejected ones when
    the workflow starts with the client."""
    statuses = {ApprovalStatus.INTERNALLY_APPROVED}
    if workflow in _CLIENT_FIRST:
        statuses |= {ApprovalStatus.OPEN, ApprovalStatus.REJECTED}
    return frozenset(statuses)


@frozen
class KindLists:
    """The approval page's lists of one ``kind`` of item (``"entry"``, ``"expense"`` or
    ``"trip"``), under the heading ``title`` (a text key): ``queue`` awaits the client,
    ``submittable`` may be submitted to it, ``decided`` are the client's latest decisions."""

    kind: str
    title: str
    queue: tuple[Any, ...]
    submittable: tuple[Any, ...]
    decided: tuple[Any, ...]


def _submittable(
    ctx: ConsoleContext, portal: Portal, kind: ItemKind, limit: int
) -> tuple[Any, ...]:
    query = EntryQuery(statuses=submittable_statuses(ctx.service.policy.workflow), limit=limit)
    pages = ctx.service.pages
    if kind is ItemKind.ENTRY:
        return pages.hours(portal, query).entries
    return pages.costs(portal, kind, query).items


def _lists(ctx: ConsoleContext, portal: Portal, kind: ItemKind) -> KindLists:
    pages = ctx.service.pages
    if kind is ItemKind.ENTRY:
        queue: tuple[Any, ...] = pages.awaiting_approval(portal, EntryQuery(limit=LIMIT)).entries
        decided: tuple[Any, ...] = pages.decided(portal, limit=RECENT).entries
    else:
        queue = pages.awaiting_costs(portal, kind, EntryQuery(limit=LIMIT)).items
        decided = pages.decided_costs(portal, kind, limit=RECENT).items
    submittable = _submittable(ctx, portal, kind, LIMIT)
    return KindLists(kind.value, _TITLES[kind], queue, submittable, decided)


def approval_page(ctx: ConsoleContext, **extra: Any) -> Response:
    """``GET /portals/{portal_id}/approvals``: for each kind the portal shows, the queue, what
    may be submitted, the latest decisions."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    pages = ctx.service.pages
    scope = pages.scope(portal)
    choices = pages.choices(portal)
    kinds = [kind for kind in ItemKind if choices.shows(kind)]
    values: dict[str, Any] = {
        "portal": portal,
        "scope": scope,
        "projects": {p.id: p.name for p in choices.projects},
        "employees": {e.id: e.name for e in choices.employees},
        "sections": [_lists(ctx, portal, kind) for kind in kinds] if scope.approval else [],
        "several": len(kinds) > 1,
        "submitted": None,
        "not_submitted": None,
        "signoffs": signoffs.listed(ctx, portal) if scope.approval else (),
    }
    values.update(extra)
    return ctx.render("console/approvals.html", **values)


def _chosen(ctx: ConsoleContext) -> list[ItemRef]:
    """The form's items: ``entry=<id>`` (an hour) and ``item=<kind>:<id>`` (an expense or a
    trip), each once, in the order sent."""
    chosen = [ItemRef.entry(parse_id(v, "entry")) for v in ctx.form.get_all("entry") if v]
    for value in ctx.form.get_all("item"):
        kind, _, item_id = value.partition(":")
        if kind not in (ItemKind.EXPENSE.value, ItemKind.TRIP.value):
            raise BadRequest(f"item {value!r} is not '<expense|trip>:<id>'")
        chosen.append(ItemRef(ItemKind(kind), parse_id(item_id, kind)))
    return list(dict.fromkeys(chosen))


def submit_to_client(ctx: ConsoleContext) -> Response:
    """``POST /portals/{portal_id}/approvals``: submit the chosen items to the client."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    pages = ctx.service.pages
    if not pages.scope(portal).approval:
        raise BadRequest(f"the client does not approve in portal {portal.id!r}")
    chosen = _chosen(ctx)
    choices = pages.choices(portal)
    offered: dict[ItemRef, ApprovalStatus] = {}
    for kind in {ref.kind for ref in chosen}:
        if choices.shows(kind):
            for item in _submittable(ctx, portal, kind, MAX_PAGE_SIZE):
                offered[ItemRef(kind, item.id)] = item.status
    waiting = ApprovalStatus.INTERNALLY_APPROVED
    forward = [ref for ref in chosen if offered.get(ref) is waiting]
    submit = [ref for ref in chosen if ref in offered and offered[ref] is not waiting]
    by = ctx.staff.actor
    applied = 0
    if forward:
        applied += len(ctx.service.approvals.submit_to_client(forward, by=by).applied)
    if submit:
        applied += len(ctx.service.approvals.submit(submit, by=by).applied)
    return approval_page(ctx, submitted=applied, not_submitted=len(chosen) - applied)


def _trail(ctx: ConsoleContext, kind: ItemKind, item_id: str) -> Response:
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    events = ctx.service.approvals.history(item_id, kind)
    choices = ctx.service.pages.choices(portal)
    names = {e.id: e.name for e in choices.employees}
    names.update({c.id: c.name for c in ctx.app.directory.contacts(portal.client_id)})
    return ctx.render(
        "console/history.html",
        portal=portal,
        kind=kind.value,
        entry_id=item_id,
        events=events,
        names=names,
    )


def history(ctx: ConsoleContext) -> Response:
    """``GET /portals/{portal_id}/history/{entry_id}``: the time entry's audit trail, oldest
    first."""
    return _trail(ctx, ItemKind.ENTRY, ctx.param_id("entry_id"))


def item_history(ctx: ConsoleContext) -> Response:
    """``GET /portals/{portal_id}/history/{kind}/{item_id}``: the audit trail of an expense or
    a trip (``kind`` ``expense`` or ``trip``), oldest first."""
    kind = ctx.params["kind"]
    if kind not in (ItemKind.EXPENSE.value, ItemKind.TRIP.value):
        raise PageNotFound(f"there is no kind of item {kind!r}")
    return _trail(ctx, ItemKind(kind), ctx.param_id("item_id"))
