"""The console's activity page of a portal: what happened in it, newest first, from the event
log, in plain language -- who decided what (the client's approvals and rejections with their
reasons, and the staff's steps on the client's items), which contact's link was issued, opened
or revoked, and when the portal was created or changed (and what changed).

The page reads one page of the portal's events, newest first
(:meth:`PortalService.portal_events <clientportal.service.PortalService.portal_events>`): an
index walk in the store that costs what the page shows, however long the log; an "Older events"
link reads the next page with the last id shown (``?before=``). Nothing is kept between
requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from attrs import frozen

from ...errors import ValidationError
from ...model import ItemKind
from ...ports import Event
from ...ports.events import (
    DECISION_STEPS,
    LINK_ISSUED,
    LINK_OPENED,
    LINK_REVOKED,
    PORTAL_CREATED,
    PORTAL_UPDATED,
)
from ...workflow import Action, Party
from ..http import Response
from ..params import parse_id
from ..problems import BadRequest
from .context import ConsoleContext
from .texts import ConsoleText

__all__ = [
    "LIMIT",
    "ActivityLine",
    "Names",
    "activity_page",
    "describe",
    "with_before",
]

#: How many events a page shows.
LIMIT = 50

_KINDS = {"entries": ItemKind.ENTRY, "expenses": ItemKind.EXPENSE, "trips": ItemKind.TRIP}
_COUNTS = {ItemKind.ENTRY: "entries_count", ItemKind.EXPENSE: "expenses_count"}
_LINK_EVENTS = {
    LINK_ISSUED: "activity_link_issued",
    LINK_REVOKED: "activity_link_revoked",
    LINK_OPENED: "activity_link_opened",
}
_ACTIONS = {step: action for action, step in DECISION_STEPS.items()}
#: What a change of a portal may name, in the order it is said: (data key, text key).
_CHANGES = (
    ("name", "portal_name"),
    ("language", "language"),
    ("project_ids", "projects"),
    ("contact_ids", "contacts"),
    ("settings", "settings"),
)
_PORTAL_EVENTS = (PORTAL_CREATED, PORTAL_UPDATED)


@frozen
class ActivityLine:
    """One event as the staff read it: ``at`` when, ``what`` happened, ``who`` did it (``None``
    when the log does not say), and ``detail`` (a reason, or what changed; ``None`` if none)."""

    at: dt.datetime
    what: str
    who: str | None
    detail: str | None


def with_before(
    events: Sequence[Event],
) -> list[tuple[Event, Mapping[str, Any] | None]]:
    """``events`` (newest first) each with the data of the portal event before it on the same
    page, for a ``portal.updated`` written before events said what changed (``None`` for every
    other event, and when that portal event is not on the page)."""
    found: list[tuple[Event, Mapping[str, Any] | None]] = []
    for n, event in enumerate(events):
        before = None
        if event.type == PORTAL_UPDATED and "changed" not in event.data:
            older = (e for e in events[n + 1 :] if e.type in _PORTAL_EVENTS)
            previous = next(older, None)
            before = None if previous is None else previous.data
        found.append((event, before))
    return found


@frozen
class Names:
    """The names of a portal's ``contacts`` and ``employees`` by id (the two may share ids)."""

    contacts: Mapping[str, str]
    employees: Mapping[str, str]

    def contact(self, contact_id: str) -> str:
        """The contact's name (its id when unknown)."""
        return self.contacts.get(contact_id, contact_id)

    def of(self, party: Party, actor_id: str) -> str:
        """The name of the actor ``actor_id`` of ``party`` (its id when unknown)."""
        known = self.contacts if party is Party.CLIENT else self.employees
        return known.get(actor_id, actor_id)


def _who(t: ConsoleText, actor: Any, names: Names) -> str | None:
    if not isinstance(actor, Mapping):
        return None
    try:
        party = Party(actor.get("party"))
    except ValueError:
        return None
    return f"{names.of(party, str(actor.get('id', '')))} ({t.party(party)})"


def _changes(
    t: ConsoleText, data: Mapping[str, Any], before: Mapping[str, Any] | None
) -> str | None:
    """What a ``portal.updated`` changed: its ``changed`` list, else the difference from
    ``before`` (the portal event before it; settings not compared), else ``None``."""
    changed = data.get("changed")
    if isinstance(changed, list):
        named = set(changed)
    elif before is not None:
        named = {f for f in (*(f for f, _ in _CHANGES), "active") if data.get(f) != before.get(f)}
    else:
        return None
    said = [t(key) for field, key in _CHANGES if field in named]
    if "active" in named:
        said.append(t("activity_switched_on" if data.get("active") else "activity_switched_off"))
    return ", ".join(said) if said else None


def _decision(t: ConsoleText, event: Event, names: Names) -> ActivityLine | None:
    plural, _, step = event.type.partition(".")
    kind = _KINDS.get(plural)
    action = _ACTIONS.get(step)
    if kind is None or action is None:
        return None
    data = event.data
    items = data.get("items")
    count = len(items) if isinstance(items, list) else 0
    counted = t.plural(_COUNTS.get(kind, "trips_count"), count)
    what = t("activity_step", step=t.step(action), items=counted)
    reason = data.get("reason")
    detail = t.pair(t("reason"), reason) if isinstance(reason, str) and reason else None
    # Items an approval forwarded to the client were forwarded by nobody: no one is named.
    taken = action is not Action.SUBMIT_TO_CLIENT or data.get("action") == action.value
    who = _who(t, data.get("actor"), names) if taken else None
    return ActivityLine(event.occurred_at, what, who, detail)


def describe(
    t: ConsoleText,
    event: Event,
    before: Mapping[str, Any] | None,
    names: Names,
) -> ActivityLine:
    """``event`` in plain language in the language of ``t``; ``names`` are the names of the
    portal's contacts and employees, ``before`` the data of the portal event before a
    ``portal.updated`` that does not say what changed (see :func:`with_before`)."""
    data = event.data
    at = event.occurred_at
    if event.type == PORTAL_CREATED:
        return ActivityLine(at, t("activity_portal_created"), None, None)
    if event.type == PORTAL_UPDATED:
        detail = _changes(t, data, before)
        said = t.pair(t("activity_changed"), detail) if detail else None
        return ActivityLine(at, t("activity_portal_updated"), None, said)
    if event.type in _LINK_EVENTS:
        contact_id = str(data.get("contact_id") or "")
        contact = names.contact(contact_id) if contact_id else t("activity_no_contact")
        if event.type == LINK_OPENED:
            who = f"{contact} ({t.party(Party.CLIENT)})"
            return ActivityLine(at, t(_LINK_EVENTS[event.type]), who, None)
        detail = t.pair(t("contact"), contact)
        return ActivityLine(at, t(_LINK_EVENTS[event.type]), None, detail)
    line = _decision(t, event, names)
    if line is not None:
        return line
    return ActivityLine(at, t("activity_other", type=event.type), None, None)


def activity_page(ctx: ConsoleContext) -> Response:
    """``GET /portals/{portal_id}/activity[?before=ID]``: a page of the portal's events, newest
    first (before the event ``ID``), with a link to the older ones when there are more."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    sent = ctx.query.get("before")
    before = None if sent is None else parse_id(sent, "before")
    try:
        events = ctx.service.portal_events(portal.id, before=before, limit=LIMIT + 1)
    except ValidationError:
        raise BadRequest("before: not an event of this log") from None
    names = Names(
        contacts={c.id: c.name for c in ctx.app.directory.contacts(portal.client_id)},
        employees={e.id: e.name for e in ctx.service.pages.choices(portal).employees},
    )
    shown = events[:LIMIT]
    lines = [describe(ctx.text, event, before, names) for event, before in with_before(shown)]
    older = ctx.url("activity", query=[("before", shown[-1].id)]) if len(events) > LIMIT else None
    return ctx.render("console/activity.html", portal=portal, lines=lines, limit=LIMIT, older=older)
