"""The approvals page: the hours, expenses and trips awaiting the client, each with Approve and a
Reject that opens its own reason field, the selected ones (of any kinds) decided at once, and the
latest decisions.

Every decision is a POST answered with ``303 See Other`` back to the page (Post/Redirect/Get).
What happened, or what was wrong with the form (with what the client typed, and the row or
field concerned), comes along as a one-time :class:`~.flash.Flash`: Back and reload never decide
twice, nor repeat a message. After a decision the flash offers "Undo" while the undo window is
open (:mod:`~.undo_views`).

An item of the form names its kind, the version the client saw and its id:
``expense:<version>:<id>`` and ``trip:<version>:<id>`` (:func:`parse_item`); a time entry is
``<version>:<id>`` as it always was (or ``entry:<version>:<id>``). The kind comes first and is
one of a fixed set, the version is digits and the id is the rest, so an id with ``:`` in it
reads back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from attrs import evolve, frozen

from ..errors import InvalidReason, WorkflowError
from ..model import ItemKind, ItemRef
from ..ports import EntryCursor, EntryQuery
from ..public import PortalEntry, PortalExpense, PortalTrip
from ..service import DecisionResult, HoursChoices, Visit
from ..workflow import MAX_REASON, Action
from .context import CSRF_FIELD, Context
from .flash import Flash, Notice
from .http import Response
from .params import decode_cursor, encode_cursor, entry_query, filter_items, parse_id
from .problems import BadRequest, Forbidden, PageNotFound
from .undo_views import offer_undo, undo_offer

__all__ = ["CURSOR_PARAMS", "RECENT_DECISIONS", "approvals", "decide", "parse_item"]

#: How many recent decisions of each kind the approvals page lists.
RECENT_DECISIONS = 20
#: The query parameter of each kind's page cursor on the approvals page.
CURSOR_PARAMS: Mapping[ItemKind, str] = {
    ItemKind.ENTRY: "after",
    ItemKind.EXPENSE: "after_expense",
    ItemKind.TRIP: "after_trip",
}
_KINDS = {kind.value: kind for kind in ItemKind}
#: An item a client decides on, as the page shows it.
_Item = PortalEntry | PortalExpense | PortalTrip
_VERSION_ID = re.compile(r"(\d{1,9}):(.+)", re.DOTALL)
#: Where a flash points on this page: one row's reject form (``<kind>:<id>``), the selected
#: items' reject form, or the buttons of the selected items.
_REJECT_SELECTED = "reject-selected"
_SELECTED = "selected"
#: The flash's count of each kind of item decided, by action.
_DONE_KEYS = {
    Action.APPROVE: {
        ItemKind.ENTRY: "approved_count",
        ItemKind.EXPENSE: "expenses_approved_count",
        ItemKind.TRIP: "trips_approved_count",
    },
    Action.REJECT: {
        ItemKind.ENTRY: "rejected_count",
        ItemKind.EXPENSE: "expenses_rejected_count",
        ItemKind.TRIP: "trips_rejected_count",
    },
}


def parse_item(value: str) -> tuple[ItemRef, int]:
    """A form's item as the item and the version the client saw: ``<kind>:<version>:<id>``
    (kind ``entry``, ``expense`` or ``trip``) or a time entry's ``<version>:<id>``; 400
    otherwise."""
    kind_name, sep, rest = value.partition(":")
    kind = _KINDS.get(kind_name) if sep else None
    if kind is None:
        kind, rest = ItemKind.ENTRY, value
    match = _VERSION_ID.fullmatch(rest)
    if match is None:
        raise BadRequest(
            f"entry: {value[:40]!r} is not '<version>:<entry id>' (nor "
            "'<kind>:<version>:<id>' of an expense or a trip)"
        )
    return ItemRef(kind, parse_id(match.group(2), kind.value)), int(match.group(1))


def _ref_key(ref: ItemRef) -> str:
    """How the page names an item in a flash: ``<kind>:<id>``."""
    return f"{ref.kind.value}:{ref.id}"


def _flash_key(ctx: Context) -> str:
    return ctx.service.access.csrf_token(ctx.visit)


def _page_query(ctx: Context) -> EntryQuery:
    """The page's filters (whatever the status filter says: the page shows what awaits); dates
    also as the portal's language writes them, as on the hours page. Its cursor is the hours'."""
    query = entry_query(ctx.query, limit=ctx.app.page_size, locale=ctx.text.locale)
    return evolve(query, statuses=frozenset())


def _cursor(ctx: Context, kind: ItemKind) -> EntryCursor | None:
    """The page cursor of ``kind``'s list (400 when it is not one)."""
    value = ctx.query.get(CURSOR_PARAMS[kind]) or ""
    return decode_cursor(value) if value else None


@frozen
class _Focus:
    """Where the flash's error is shown and the focus goes: ``row`` (``<kind>:<id>``) when that
    row's reject form is open, ``bulk`` (``"reject"`` when the selected items' reject form is
    open, ``"buttons"`` for the buttons of the selected items), else ``top``."""

    row: str | None = None
    bulk: str | None = None

    @property
    def top(self) -> bool:
        return self.row is None and self.bulk is None


def _focus(flash: Flash, shown: frozenset[str]) -> _Focus:
    """Where ``flash`` points, among the rows ``shown`` (``<kind>:<id>``)."""
    focus = flash.focus or ""
    kind, sep, _ = focus.partition(":")
    if sep and kind in _KINDS:
        return _Focus(row=focus) if focus in shown else _Focus()
    if not shown:
        return _Focus()
    if focus == _REJECT_SELECTED:
        return _Focus(bulk="reject")
    if focus == _SELECTED:
        return _Focus(bulk="buttons")
    return _Focus()


@frozen
class Section:
    """One kind's list on the approvals page: its ``kind`` (``"entry"``, ``"expense"`` or
    ``"trip"``), the ``title`` key of its heading, the ``items`` awaiting the client, the
    ``next_url`` of its next page and the ``recent`` decisions."""

    kind: str
    title: str
    items: tuple[_Item, ...]
    next_url: str | None
    recent: tuple[_Item, ...]


def _several(view: HoursChoices) -> bool:
    """Whether the page lists expenses or trips besides hours (its texts then say "items")."""
    return view.shows_expenses or view.shows_trips


def approvals(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/approvals``: the hours, expenses and trips awaiting the client,
    with their actions, the latest decided ones with their status, and what the last decision
    left to say."""
    visit = ctx.visit
    pages = ctx.service.pages
    view = pages.choices(visit)
    if not view.can_approve:
        raise PageNotFound()
    query = _page_query(ctx)
    filters = filter_items(query)
    cursors = {kind: _cursor(ctx, kind) for kind in ItemKind if kind is not ItemKind.ENTRY}
    sections: list[Section] = []
    if view.shows_hours:
        page = pages.awaiting_approval(visit, query)
        recent = pages.decided(visit, limit=RECENT_DECISIONS).entries
        sections.append(_section(ctx, ItemKind.ENTRY, filters, page.entries, page.next, recent))
    for kind, cursor in cursors.items():
        if view.shows(kind):
            costs = pages.awaiting_costs(visit, kind, evolve(query, after=cursor))
            decided = pages.decided_costs(visit, kind, limit=RECENT_DECISIONS).items
            sections.append(_section(ctx, kind, filters, costs.items, costs.next, decided))
    paged = query.after is not None or any(c is not None for c in cursors.values())
    shown = frozenset(f"{s.kind}:{item.id}" for s in sections for item in s.items)
    flash = ctx.take_flash(_flash_key(ctx)) or Flash()
    several = _several(view)
    kept = "reason_help_kept_items" if several else "reason_help_kept"
    return ctx.render(
        "approvals.html",
        overview=view,
        sections=sections,
        awaiting=any(s.items for s in sections),
        several=several,
        projects={p.id: p.name for p in view.projects},
        employees={e.id: e.name for e in view.employees},
        settings=visit.portal.settings,
        filters=filters,
        first_url=ctx.url("approvals", query=filters) if paged else None,
        shared=visit.contact_id is None,
        flash=flash,
        focus=_focus(flash, shown),
        undo=undo_offer(ctx, flash),
        selected=frozenset(flash.selected),
        query=query,
        max_reason=MAX_REASON,
        # The company is e-mailed a notice of the decision only when it has recipients.
        reason_help=ctx.text(
            "reason_help" if ctx.service.mail.company_recipients else kept,
            company=ctx.app.company,
        ),
    )


def _section(
    ctx: Context,
    kind: ItemKind,
    filters: list[tuple[str, str]],
    items: Sequence[_Item],
    next_cursor: EntryCursor | None,
    recent: Sequence[_Item],
) -> Section:
    next_url = None
    if next_cursor is not None:
        query = [*filters, (CURSOR_PARAMS[kind], encode_cursor(next_cursor))]
        next_url = ctx.url("approvals", query=query)
    titles = {ItemKind.ENTRY: "hours", ItemKind.EXPENSE: "expenses", ItemKind.TRIP: "trips"}
    return Section(kind.value, titles[kind], tuple(items), next_url, tuple(recent))


def _item_refs(values: Sequence[str]) -> dict[ItemRef, int]:
    """The form's items as ``{item: version}`` (400 when one is malformed)."""
    refs: dict[ItemRef, int] = {}
    for value in values:
        ref, version = parse_item(value)
        refs[ref] = version
    return refs


@frozen
class _Decision:
    """What an approvals form asks: the action, the items with the versions the client saw,
    the reason, and whether it came from one row's buttons (``row``) or the selection."""

    action: Action
    refs: dict[ItemRef, int]
    reason: str
    row: bool


def _decision(ctx: Context) -> _Decision:
    form = ctx.form
    reason = (form.get("reason") or "").strip()
    one = form.get("one")
    if one:
        action_name, _, ref = one.partition(":")
        refs = _item_refs([ref])
    else:
        action_name = form.get("action") or ""
        if form.get("all") == "1":
            refs = _item_refs(form.get_all("shown"))
        else:
            refs = _item_refs([*form.get_all("entry"), *form.get_all("item")])
    actions = {"approve": Action.APPROVE, "reject": Action.REJECT}
    if action_name not in actions:
        raise BadRequest(f"action: must be 'approve' or 'reject', got {action_name[:40]!r}")
    return _Decision(actions[action_name], refs, reason, row=bool(one))


def _where(decision: _Decision) -> str | None:
    """Where the page puts the focus back when this decision needs another look."""
    rejecting = decision.action is Action.REJECT
    if decision.row:
        return _ref_key(next(iter(decision.refs))) if rejecting else None
    return _REJECT_SELECTED if rejecting else _SELECTED


def _outcome(decision: _Decision, result: DecisionResult, several: bool) -> Flash:
    """The flash of a decision taken: how many items of each kind it decided, and what it
    could not."""
    keys = _DONE_KEYS[decision.action]
    notices = [
        Notice(keys[kind], count)
        for kind in ItemKind
        if (count := sum(1 for o in result.applied if o.kind is kind))
    ]
    changed = [f"{o.kind.value}:{o.entry_id}" for o in result.changed_meanwhile]
    if len(result.outcomes) - len(result.applied) > len(changed):
        notices.append(Notice("not_decided_items" if several else "not_decided", level="warning"))
    if not changed:
        return Flash(notices=notices)
    # Changed meanwhile: the client looks again, with their reason and selection kept.
    conflict = "decision_conflict_items" if several else "decision_conflict"
    where = _where(decision)
    if where is None:
        return Flash(notices=[*notices, Notice(conflict, level="warning")])
    typed = decision.reason if decision.action is Action.REJECT else ""
    return Flash(notices=notices, error=conflict, typed=typed, selected=changed, focus=where)


def decide(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/approvals``: approve or reject one row's item, or the selected
    (or all shown) items of any kinds; then back to the page (``303``) with what happened."""
    visit = ctx.visit
    ctx.check_csrf(ctx.form.get(CSRF_FIELD) or "")
    decision = _decision(ctx)
    several = _several(ctx.service.pages.choices(visit))
    if visit.contact_id is None:
        raise Forbidden(ctx.text("shared_link_items" if several else "shared_link"))
    flash = _decided(ctx, visit, decision, several)
    back = filter_items(_page_query(ctx))
    return ctx.redirect("approvals", back, flash=flash, flash_key=_flash_key(ctx))


def _decided(ctx: Context, visit: Visit, decision: _Decision, several: bool) -> Flash:
    """Take ``decision``; the flash that tells how it went, or what to change."""
    typed = decision.reason if decision.action is Action.REJECT else ""
    suffix = "_items" if several else ""
    if not decision.refs:
        return Flash(error="nothing_selected" + suffix, typed=typed, focus=_where(decision))
    try:
        result = ctx.service.approvals.client_decide(
            visit,
            decision.action,
            list(decision.refs),
            reason=decision.reason if decision.action is Action.REJECT else None,
            versions=dict(decision.refs),
            address_hash=ctx.service.access.codec.client_hash(ctx.client),
        )
    except InvalidReason as invalid:
        return Flash(
            error=("reason_required" + suffix) if invalid.missing else "reason_too_long",
            typed=decision.reason,
            selected=() if decision.row else tuple(_ref_key(r) for r in decision.refs),
            focus=_where(decision),
        )
    except WorkflowError:
        raise PageNotFound() from None
    return offer_undo(ctx, _outcome(decision, result, several), result)
