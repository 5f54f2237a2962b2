"""The console's activity page of a portal: what happened in it, newest first, from the event
log (:meth:`PortalService.events <clientportal.service.PortalService.events>`), in plain
language -- who decided what (the client's approvals and rejections, with their reasons), which
contact's link was issued, opened or revoked, and when the portal was created or changed.

Only the events that name the portal are shown. A step the staff take on an item names no
portal (an item may be shown by several), so it is not here: it is in the item's audit trail.

The log is read from its start, a thousand events at a time, keeping each portal's latest
:data:`LIMIT` (:class:`ActivityIndex`, one per console): the first page costs one read of the
whole log (a store has no newer-first read, nor one by portal), every later one only the events
written since.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
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
from .context import ConsoleContext
from .texts import ConsoleText

__all__ = [
    "LIMIT",
    "ActivityIndex",
    "ActivityLine",
    "Names",
    "activity_page",
    "describe",
    "portal_events",
]

#: How many of the portal's latest events the page shows.
LIMIT = 50
#: How many events each read of the log asks for.
_BATCH = 1000

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
)


@frozen
class ActivityLine:
    """One event as the staff read it: ``at`` when, ``what`` happened, ``who`` did it (``None``
    when the log does not say), and ``detail`` (a reason, or what changed; ``None`` if none)."""

    at: dt.datetime
    what: str
    who: str | None
    detail: str | None


class ActivityIndex:
    """Each portal's latest ``limit`` events, kept as the log is read on.

    The first :meth:`latest` reads the log from its start, a thousand events at a time; every
    later one reads only the events written since (the log's order never places a later commit
    before an event already read). Should the log no longer know the last event read (pruned),
    it is read again from the start. Safe to share between threads."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._reset()

    def __repr__(self) -> str:
        return f"ActivityIndex({len(self._kept)} portals, after={self._after!r})"

    def _reset(self) -> None:
        self._after: str | None = None
        self._kept: dict[str, deque[tuple[Event, Mapping[str, Any] | None]]] = {}
        self._portal_data: dict[str, Mapping[str, Any]] = {}

    def latest(
        self, read: Callable[..., Sequence[Event]], portal_id: str
    ) -> list[tuple[Event, Mapping[str, Any] | None]]:
        """The latest events of portal ``portal_id``, newest first, read on with ``read``
        (:meth:`~clientportal.service.PortalService.events`); each with the data of the
        portal event before it (``None`` for all but a ``portal.updated`` after another portal
        event)."""
        with self._lock:
            try:
                self._read_on(read)
            except ValidationError:  # the last event read is gone: start again
                self._reset()
                self._read_on(read)
            return list(reversed(self._kept.get(portal_id, ())))

    def _read_on(self, read: Callable[..., Sequence[Event]]) -> None:
        while True:
            batch = read(after=self._after, limit=_BATCH)
            for event in batch:
                if event.portal_id is not None:
                    self._keep(event.portal_id, event)
            if batch:
                self._after = batch[-1].id
            if len(batch) < _BATCH:
                return

    def _keep(self, portal_id: str, event: Event) -> None:
        kept = self._kept.setdefault(portal_id, deque(maxlen=self._limit))
        before = None
        if event.type in (PORTAL_CREATED, PORTAL_UPDATED):
            if event.type == PORTAL_UPDATED:
                before = self._portal_data.get(portal_id)
            self._portal_data[portal_id] = event.data
        kept.append((event, before))


def portal_events(
    read: Callable[..., Sequence[Event]], portal_id: str, *, limit: int = LIMIT
) -> list[tuple[Event, Mapping[str, Any] | None]]:
    """The latest ``limit`` events of portal ``portal_id``, newest first, read from the start
    of the log with ``read`` (:class:`ActivityIndex`, used once)."""
    return ActivityIndex(limit).latest(read, portal_id)


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


def _changes(t: ConsoleText, data: Mapping[str, Any], before: Mapping[str, Any]) -> str | None:
    said = [t(key) for field, key in _CHANGES if data.get(field) != before.get(field)]
    if data.get("active") != before.get("active"):
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
    who = None if action is Action.SUBMIT_TO_CLIENT else _who(t, data.get("actor"), names)
    return ActivityLine(event.occurred_at, what, who, detail)


def describe(
    t: ConsoleText,
    event: Event,
    before: Mapping[str, Any] | None,
    names: Names,
) -> ActivityLine:
    """``event`` in plain language in the language of ``t``; ``names`` are the names of the
    portal's contacts and employees, ``before`` the portal's data before a ``portal.updated``."""
    data = event.data
    at = event.occurred_at
    if event.type == PORTAL_CREATED:
        return ActivityLine(at, t("activity_portal_created"), None, None)
    if event.type == PORTAL_UPDATED:
        detail = _changes(t, data, before) if before is not None else None
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
    """``GET /portals/{portal_id}/activity``: the portal's latest events, newest first."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    names = Names(
        contacts={c.id: c.name for c in ctx.app.directory.contacts(portal.client_id)},
        employees={e.id: e.name for e in ctx.service.pages.choices(portal).employees},
    )
    lines = [
        describe(ctx.text, event, before, names)
        for event, before in ctx.app.activity.latest(ctx.service.events, portal.id)
    ]
    return ctx.render("console/activity.html", portal=portal, lines=lines, limit=LIMIT)
