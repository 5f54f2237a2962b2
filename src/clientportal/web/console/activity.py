"""The console's activity page of a portal: what happened in it, newest first, from the event
log, in plain language -- who decided what (the client's approvals and rejections with their
reasons, undone decisions, the reminder policy's approvals, and the staff's steps on the
client's items), which contact's link was issued, opened or revoked, when the portal was created
or changed (and what changed), the reminders, escalations and warnings its contacts were sent,
and the quotes they accepted or declined (with the name they signed with and their reason).

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
from ...i18n import N_
from ...model import ItemKind
from ...ports import Event
from ...ports.events import (
    DECISION_STEPS,
    LINK_ISSUED,
    LINK_OPENED,
    LINK_REVOKED,
    PORTAL_CREATED,
    PORTAL_UPDATED,
    QUOTE_ACCEPTED,
    QUOTE_DECLINED,
    REMINDER_ESCALATED,
    REMINDER_SENT,
    REMINDER_WARNED,
    STAFF_REMINDER_SENT,
)
from ...workflow import Action, Party
from ..http import Response
from ..params import parse_id
from ..problems import BadRequest
from .context import ConsoleContext
from .texts import ConsoleText

__all__ = [
    "ACTIVITY_TEXTS",
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

#: The texts of the reminders' and quotes' events (issue 15), by key, in English (the msgids).
ACTIVITY_TEXTS: Mapping[str, str] = {
    # TRANSLATORS: the activity of a portal; %(number)s counts the reminders (1, 2, 3...).
    "reminder_sent": N_("Reminder %(number)s sent"),
    "reminder_escalated": N_("Unanswered items escalated to other contacts"),
    # TRANSLATORS: %(date)s is when the reminder policy approves the items for the client.
    "reminder_warned": N_("Warned that the items are approved automatically on %(date)s"),
    "staff_reminder": N_("Reminder sent to the staff"),
    "quote_accepted": N_("Quote %(number)s accepted"),
    "quote_declined": N_("Quote %(number)s declined"),
    "items_waiting": N_("Items awaiting a decision"),
    "escalated_to": N_("Escalated to"),
    "asked_first": N_("Asked first"),
    "recipients": N_("Recipients"),
    # TRANSLATORS: the name a contact typed to sign their decision on a quote.
    "signature": N_("Signature"),
}
_REMINDERS = (REMINDER_SENT, REMINDER_ESCALATED, REMINDER_WARNED, STAFF_REMINDER_SENT)
_QUOTES = {QUOTE_ACCEPTED: "quote_accepted", QUOTE_DECLINED: "quote_declined"}


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
    if party is Party.POLICY:  # nobody to name: the company's reminder policy acted
        return t.party(party)
    return f"{names.of(party, str(actor.get('id', '')))} ({t.party(party)})"


def _said(t: ConsoleText, key: str, /, **values: object) -> str:
    """An activity text of :data:`ACTIVITY_TEXTS` in the language of ``t``."""
    return t.translator.gettext(ACTIVITY_TEXTS[key], **values)


def _client(t: ConsoleText, contact_id: object, names: Names) -> str | None:
    """The contact ``contact_id`` as the "by" column names a client (``None`` without one)."""
    if not isinstance(contact_id, str) or not contact_id:
        return None
    return f"{names.contact(contact_id)} ({t.party(Party.CLIENT)})"


def _details(t: ConsoleText, pairs: Sequence[tuple[str, object]]) -> str | None:
    """``label: value`` of each pair with a value, joined with " · " (``None`` when none)."""
    said = [t.pair(label, str(value)) for label, value in pairs if value not in (None, "", [])]
    return " · ".join(said) if said else None


def _count(data: Mapping[str, Any]) -> int | None:
    items = data.get("items")
    return len(items) if isinstance(items, list) else None


def _reminder(t: ConsoleText, event: Event, names: Names) -> ActivityLine:
    """A reminder, an escalation, a warning before auto-approval, or the staff's digest."""
    data, at = event.data, event.occurred_at
    waiting = (_said(t, "items_waiting"), _count(data))
    if event.type == REMINDER_SENT:
        what = _said(t, "reminder_sent", number=data.get("number", "?"))
        return ActivityLine(
            at, what, _client(t, data.get("contact_id"), names), _details(t, [waiting])
        )
    if event.type == REMINDER_ESCALATED:
        others = data.get("contact_ids")
        to = ", ".join(names.contact(str(c)) for c in others) if isinstance(others, list) else None
        asked = data.get("asked_contact_id")
        first = names.contact(asked) if isinstance(asked, str) and asked else None
        pairs = [(_said(t, "escalated_to"), to), (_said(t, "asked_first"), first), waiting]
        return ActivityLine(at, _said(t, "reminder_escalated"), None, _details(t, pairs))
    if event.type == REMINDER_WARNED:
        when = _moment(t, data.get("approve_at"))
        what = _said(t, "reminder_warned", date=when)
        return ActivityLine(
            at, what, _client(t, data.get("contact_id"), names), _details(t, [waiting])
        )
    recipients = data.get("recipients")
    listed = ", ".join(str(r) for r in recipients) if isinstance(recipients, list) else None
    count = data.get("count") if isinstance(data.get("count"), int) else _count(data)
    pairs = [(_said(t, "recipients"), listed), (_said(t, "items_waiting"), count)]
    return ActivityLine(at, _said(t, "staff_reminder"), None, _details(t, pairs))


def _moment(t: ConsoleText, value: object) -> str:
    """An ISO date and time of an event's data as the console writes one (as given if it is
    not one)."""
    try:
        return t.moment(dt.datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _quote(t: ConsoleText, event: Event, names: Names) -> ActivityLine:
    """A contact's acceptance or refusal of a quote, with their typed signature and reason."""
    data = event.data
    what = _said(t, _QUOTES[event.type], number=data.get("number") or data.get("quote_id", "?"))
    pairs = [(_said(t, "signature"), data.get("signature")), (t("reason"), data.get("reason"))]
    who = _client(t, data.get("contact_id"), names)
    return ActivityLine(event.occurred_at, what, who, _details(t, pairs))


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
    if event.type in _REMINDERS:
        return _reminder(t, event, names)
    if event.type in _QUOTES:
        return _quote(t, event, names)
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
