"""The approvals page: the hours awaiting the client, each with Approve and a Reject that opens
its own reason field, the selected ones decided at once, and the latest decisions.

Every decision is a POST answered with ``303 See Other`` back to the page (Post/Redirect/Get).
What happened, or what was wrong with the form (with what the client typed, and the row or
field concerned), comes along as a one-time :class:`~.flash.Flash`: Back and reload never decide
twice, nor repeat a message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from attrs import evolve, frozen

from ..errors import InvalidReason, WorkflowError
from ..ports import EntryQuery
from ..service import DecisionResult, Visit
from ..visibility import PortalEntry
from ..workflow import MAX_REASON, Action
from .context import CSRF_FIELD, Context
from .flash import Flash, Notice
from .http import Response
from .params import encode_cursor, entry_query, filter_items, parse_id
from .problems import BadRequest, Forbidden, PageNotFound

__all__ = ["RECENT_DECISIONS", "approvals", "decide"]

#: How many recent decisions the approvals page lists.
RECENT_DECISIONS = 20
_ENTRY_REF = re.compile(r"(\d{1,9}):(.+)", re.DOTALL)
#: Where a flash points on this page: one row's reject form (``entry:<id>``), the selected
#: entries' reject form, or the buttons of the selected entries.
_ROW = "entry:"
_REJECT_SELECTED = "reject-selected"
_SELECTED = "selected"


def _flash_key(ctx: Context) -> str:
    return ctx.service.access.csrf_token(ctx.visit)


def _page_query(ctx: Context) -> EntryQuery:
    """The page's filters (whatever the status filter says: the page shows what awaits); dates
    also as the portal's language writes them, as on the hours page."""
    query = entry_query(ctx.query, limit=ctx.app.page_size, locale=ctx.text.locale)
    return evolve(query, statuses=frozenset())


@frozen
class _Focus:
    """Where the flash's error is shown and the focus goes: ``row`` (an entry id) when that row's
    reject form is open, ``bulk`` (``"reject"`` when the selected entries' reject form is open,
    ``"buttons"`` for the buttons of the selected entries), else ``top``."""

    row: str | None = None
    bulk: str | None = None

    @property
    def top(self) -> bool:
        return self.row is None and self.bulk is None


def _focus(flash: Flash, entries: Sequence[PortalEntry]) -> _Focus:
    focus = flash.focus or ""
    if focus.startswith(_ROW):
        row = focus[len(_ROW) :]
        return _Focus(row=row) if any(e.id == row for e in entries) else _Focus()
    if not entries:
        return _Focus()
    if focus == _REJECT_SELECTED:
        return _Focus(bulk="reject")
    if focus == _SELECTED:
        return _Focus(bulk="buttons")
    return _Focus()


def approvals(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/approvals``: the hours awaiting the client, with their actions,
    the latest decided hours with their status, and what the last decision left to say."""
    visit = ctx.visit
    view = ctx.service.pages.choices(visit)
    if not view.can_approve:
        raise PageNotFound()
    query = _page_query(ctx)
    page = ctx.service.pages.awaiting_approval(visit, query)
    recent = ctx.service.pages.decided(visit, limit=RECENT_DECISIONS)
    filters = filter_items(query)
    flash = ctx.take_flash(_flash_key(ctx)) or Flash()
    next_url = None
    if page.next is not None:
        next_url = ctx.url("approvals", query=[*filters, ("after", encode_cursor(page.next))])
    return ctx.render(
        "approvals.html",
        overview=view,
        page=page,
        recent=recent.entries,
        projects={p.id: p.name for p in view.projects},
        employees={e.id: e.name for e in view.employees},
        settings=visit.portal.settings,
        filters=filters,
        next_url=next_url,
        first_url=ctx.url("approvals", query=filters) if query.after is not None else None,
        shared=visit.contact_id is None,
        flash=flash,
        focus=_focus(flash, page.entries),
        selected=frozenset(flash.selected),
        query=query,
        max_reason=MAX_REASON,
        # The company is e-mailed a notice of the decision only when it has recipients.
        reason_help=ctx.text(
            "reason_help" if ctx.service.mail.company_recipients else "reason_help_kept",
            company=ctx.app.company,
        ),
    )


def _entry_refs(values: Sequence[str]) -> dict[str, int]:
    """``"<version>:<id>"`` form values as ``{id: version}`` (400 when malformed)."""
    refs: dict[str, int] = {}
    for value in values:
        match = _ENTRY_REF.fullmatch(value)
        if match is None:
            raise BadRequest(f"entry: {value[:40]!r} is not '<version>:<entry id>'")
        refs[parse_id(match.group(2), "entry")] = int(match.group(1))
    return refs


@frozen
class _Decision:
    """What an approvals form asks: the action, the entries with the versions the client saw,
    the reason, and whether it came from one row's buttons (``row``) or the selection."""

    action: Action
    refs: dict[str, int]
    reason: str
    row: bool


def _decision(ctx: Context) -> _Decision:
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
    return _Decision(actions[action_name], refs, reason, row=bool(one))


def _where(decision: _Decision) -> str | None:
    """Where the page puts the focus back when this decision needs another look."""
    rejecting = decision.action is Action.REJECT
    if decision.row:
        return _ROW + next(iter(decision.refs)) if rejecting else None
    return _REJECT_SELECTED if rejecting else _SELECTED


def _outcome(decision: _Decision, result: DecisionResult) -> Flash:
    """The flash of a decision taken: how many entries it decided, and what it could not."""
    key = "approved_count" if decision.action is Action.APPROVE else "rejected_count"
    notices = [Notice(key, len(result.applied))] if result.applied else []
    changed = [o.entry_id for o in result.changed_meanwhile]
    if len(result.outcomes) - len(result.applied) > len(changed):
        notices.append(Notice("not_decided", level="warning"))
    if not changed:
        return Flash(notices=notices)
    # Changed meanwhile: the client looks again, with their reason and selection kept.
    where = _where(decision)
    if where is None:
        return Flash(notices=[*notices, Notice("decision_conflict", level="warning")])
    typed = decision.reason if decision.action is Action.REJECT else ""
    return Flash(
        notices=notices, error="decision_conflict", typed=typed, selected=changed, focus=where
    )


def decide(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/approvals``: approve or reject one row's entry, or the selected
    (or all shown) entries; then back to the page (``303``) with what happened."""
    visit = ctx.visit
    ctx.check_csrf(ctx.form.get(CSRF_FIELD) or "")
    decision = _decision(ctx)
    if visit.contact_id is None:
        raise Forbidden(ctx.text("shared_link"))
    flash = _decided(ctx, visit, decision)
    back = filter_items(_page_query(ctx))
    return ctx.redirect("approvals", back, flash=flash, flash_key=_flash_key(ctx))


def _decided(ctx: Context, visit: Visit, decision: _Decision) -> Flash:
    """Take ``decision``; the flash that tells how it went, or what to change."""
    typed = decision.reason if decision.action is Action.REJECT else ""
    if not decision.refs:
        return Flash(error="nothing_selected", typed=typed, focus=_where(decision))
    try:
        result = ctx.service.approvals.client_decide(
            visit,
            decision.action,
            list(decision.refs),
            reason=decision.reason if decision.action is Action.REJECT else None,
            versions=decision.refs,
        )
    except InvalidReason as invalid:
        return Flash(
            error="reason_required" if invalid.missing else "reason_too_long",
            typed=decision.reason,
            selected=() if decision.row else tuple(decision.refs),
            focus=_where(decision),
        )
    except WorkflowError:
        raise PageNotFound() from None
    return _outcome(decision, result)
