"""Undo from the approvals page: the client takes their last approval or rejection back.

After a decision, the approvals page's flash offers "Undo" (a POST form carrying the decided
items) while the service's undo window is open (:func:`undo_offer`). ``POST
/portal/{portal_id}/approvals/undo`` (:func:`undo`) asks
:meth:`Approvals.client_undo <clientportal.service.approvals.Approvals.client_undo>`, which
checks every item again (only the contact's own last decision, within the window, not invoiced)
and tells the company; the page then says what was undone (Post/Redirect/Get, like every
decision). The form names each item as ``<kind>:<id>`` (:func:`parse_undo_item`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from attrs import evolve, frozen

from ..errors import WorkflowError
from ..model import ItemKind, ItemRef
from ..service import DecisionResult
from .context import CSRF_FIELD, Context
from .flash import Flash, Notice
from .http import Response
from .params import parse_id
from .problems import BadRequest, Forbidden, PageNotFound

__all__ = ["UndoOffer", "offer_undo", "parse_undo_item", "undo", "undo_offer"]

_KINDS = {kind.value: kind for kind in ItemKind}
#: The most items one undo form may carry (a page decides at most a few pages of items).
MAX_UNDO_ITEMS = 1000


def parse_undo_item(value: str) -> ItemRef:
    """A form's ``<kind>:<id>`` (kind ``entry``, ``expense`` or ``trip``) as the item; 400
    otherwise."""
    kind_name, sep, item_id = value.partition(":")
    kind = _KINDS.get(kind_name)
    if not sep or kind is None or not item_id:
        raise BadRequest(
            f"item: {value[:40]!r} is not '<kind>:<id>' with kind entry, expense or trip"
        )
    return ItemRef(kind, parse_id(item_id, kind.value))


def _item_value(kind: ItemKind, item_id: str) -> str:
    return f"{kind.value}:{item_id}"


def offer_undo(ctx: Context, flash: Flash, result: DecisionResult) -> Flash:
    """``flash`` offering to undo what ``result`` applied, while the service's undo window is
    open (unchanged when nothing was applied or undo is off)."""
    window = ctx.service.approvals.undo_window
    if not result.applied or window <= dt.timedelta(0):
        return flash
    until = ctx.service.clock.now().astimezone(dt.UTC) + window
    items = [_item_value(o.kind, o.entry_id) for o in result.applied]
    return evolve(flash, undo=items, undo_until=until.isoformat())


@frozen
class UndoOffer:
    """What the approvals page shows to offer an undo: the ``items`` of its form
    (``<kind>:<id>``) and the whole ``minutes`` left (at least 1)."""

    items: tuple[str, ...]
    minutes: int


def undo_offer(ctx: Context, flash: Flash) -> UndoOffer | None:
    """The undo the page offers after the flash's decision, ``None`` once its time is up (or
    when the flash offers none, or was written with an unreadable time)."""
    if not flash.undo or flash.undo_until is None:
        return None
    try:
        until = dt.datetime.fromisoformat(flash.undo_until)
    except ValueError:
        return None
    if until.tzinfo is None:
        return None
    left = (until - ctx.service.clock.now()).total_seconds()
    if left <= 0:
        return None
    return UndoOffer(tuple(flash.undo[:MAX_UNDO_ITEMS]), max(1, math.ceil(left / 60)))


def _items(values: Sequence[str]) -> list[ItemRef]:
    if len(values) > MAX_UNDO_ITEMS:
        raise BadRequest(f"item: at most {MAX_UNDO_ITEMS} items can be undone at once")
    return list(dict.fromkeys(parse_undo_item(v) for v in values))


def undo(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/approvals/undo``: undo the client's decision on the form's
    items; then back to the approvals page (``303``) saying what was undone."""
    visit = ctx.visit
    ctx.check_csrf(ctx.form.get(CSRF_FIELD) or "")
    refs = _items(ctx.form.get_all("item"))
    if visit.contact_id is None:
        raise Forbidden(ctx.text("shared_link"))
    if not refs:
        raise BadRequest("item: name at least one item to undo ('<kind>:<id>')")
    try:
        result = ctx.service.approvals.client_undo(
            visit, refs, address_hash=ctx.service.access.codec.client_hash(ctx.client)
        )
    except WorkflowError:
        raise PageNotFound() from None
    flash = _undone(result)
    key = ctx.service.access.csrf_token(visit)
    return ctx.redirect("approvals", [], flash=flash, flash_key=key)


def _undone(result: DecisionResult) -> Flash:
    """What the page says after an undo: done, partly refused, or nothing undone."""
    if not result.applied:
        return Flash(notices=[Notice("undo_nothing", level="warning")])
    notices = [Notice("undo_done")]
    if len(result.applied) < len(result.outcomes):
        notices.append(Notice("undo_refused", level="warning"))
    return Flash(notices=notices)
