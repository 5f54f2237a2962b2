"""The console's approval page of a portal: the hours awaiting the client's decision, the hours
the staff may submit to the client (choose them, one button), the latest decisions, and each
entry's audit trail (:meth:`~clientportal.service.Approvals.history`).

Submitting asks the service, as the staff member: an internally approved entry goes on to the
client (``SUBMIT_TO_CLIENT``), an open or rejected one is submitted (``SUBMIT``), which under a
workflow that starts with the client asks the client. The workflow refuses what it does not allow,
and the page says how many were not submitted.
"""

from __future__ import annotations

from typing import Any

from ...model import ApprovalStatus, ItemKind, Workflow
from ...ports import EntryQuery
from ..http import Response
from ..params import parse_id
from ..problems import BadRequest
from .context import ConsoleContext

__all__ = ["approval_page", "history", "submit_to_client", "submittable_statuses"]

#: How many entries each list of the page shows.
LIMIT = 25

_CLIENT_FIRST = (Workflow.EXTERNAL, Workflow.EXTERNAL_INTERNAL)


def submittable_statuses(workflow: Workflow) -> frozenset[ApprovalStatus]:
    """The statuses of entries the staff may send to the client under the company's
    ``workflow``: internally approved ones always (they wait for it), open and rejected ones when
    the workflow starts with the client."""
    statuses = {ApprovalStatus.INTERNALLY_APPROVED}
    if workflow in _CLIENT_FIRST:
        statuses |= {ApprovalStatus.OPEN, ApprovalStatus.REJECTED}
    return frozenset(statuses)


def approval_page(ctx: ConsoleContext, **extra: Any) -> Response:
    """``GET /portals/{portal_id}/approvals``: the queue, what may be submitted, the latest
    decisions."""
    pages = ctx.service.pages
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    scope = pages.scope(portal)
    overview = pages.overview(portal)
    values: dict[str, Any] = {
        "portal": portal,
        "scope": scope,
        "overview": overview,
        "projects": {p.id: p.name for p in overview.projects},
        "employees": {e.id: e.name for e in overview.employees},
        "queue": None,
        "submittable": None,
        "decided": None,
        "submitted": None,
        "not_submitted": None,
    }
    if scope.approval:
        values["queue"] = pages.awaiting_approval(portal, EntryQuery(limit=LIMIT))
        statuses = submittable_statuses(ctx.service.policy.workflow)
        values["submittable"] = pages.hours(portal, EntryQuery(statuses=statuses, limit=LIMIT))
        values["decided"] = pages.decided(portal, limit=10)
    values.update(extra)
    return ctx.render("console/approvals.html", **values)


def submit_to_client(ctx: ConsoleContext) -> Response:
    """``POST /portals/{portal_id}/approvals``: submit the chosen entries to the client."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    pages = ctx.service.pages
    if not pages.scope(portal).approval:
        raise BadRequest(f"the client does not approve hours in portal {portal.id!r}")
    chosen = {parse_id(v, "entry") for v in ctx.form.get_all("entry") if v}
    statuses = submittable_statuses(ctx.service.policy.workflow)
    shown = {
        e.id: e for e in pages.hours(portal, EntryQuery(statuses=statuses, limit=1000)).entries
    }
    forward = [
        i for i in chosen if i in shown and shown[i].status is ApprovalStatus.INTERNALLY_APPROVED
    ]
    submit = [i for i in chosen if i in shown and i not in forward]
    by = ctx.staff.actor
    applied = 0
    if forward:
        applied += len(ctx.service.approvals.submit_to_client(forward, by=by).applied)
    if submit:
        applied += len(ctx.service.approvals.submit(submit, by=by).applied)
    return approval_page(ctx, submitted=applied, not_submitted=len(chosen) - applied)


def history(ctx: ConsoleContext) -> Response:
    """``GET /portals/{portal_id}/history/{entry_id}``: the entry's audit trail, oldest first."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    entry_id = ctx.param_id("entry_id")
    events = ctx.service.approvals.history(entry_id, ItemKind.ENTRY)
    overview = ctx.service.pages.overview(portal)
    names = {e.id: e.name for e in overview.employees}
    names.update({c.id: c.name for c in ctx.app.directory.contacts(portal.client_id)})
    return ctx.render(
        "console/history.html", portal=portal, entry_id=entry_id, events=events, names=names
    )
