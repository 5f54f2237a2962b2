"""Events for the host: what happened in the portal, as a log the host reads in order, and the
two ways the worker hands it on -- webhooks (endpoints and their per-event deliveries) and host
callbacks (a cursor per callback).

A store writes the events of a change in the same transaction as the change itself
(:class:`NewEvent` values passed to the store method that makes the change), so an event exists
exactly when what it records does. :class:`Event` is what the log gives back: the same record
with the id the store gave it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from attrs import Attribute, field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..errors import ValidationError
from ..model import ItemKind
from ..workflow import Action

__all__ = [
    "DECISION_STEPS",
    "LINK_ISSUED",
    "LINK_OPENED",
    "LINK_REVOKED",
    "PORTAL_CREATED",
    "PORTAL_UPDATED",
    "QUOTE_ACCEPTED",
    "QUOTE_DECLINED",
    "REMINDER_ESCALATED",
    "REMINDER_SENT",
    "REMINDER_WARNED",
    "STAFF_REMINDER_SENT",
    "ConsumerState",
    "Event",
    "EventConsumers",
    "EventLog",
    "NewEvent",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookStore",
    "check_event_limit",
    "decision_type",
    "event_body",
    "submitted_to_client_type",
    "unknown_event",
]

#: A portal was created (data: name, active, language, project_ids, contact_ids).
PORTAL_CREATED = "portal.created"
#: A portal was changed (data as for :data:`PORTAL_CREATED`, the portal after the change, and
#: ``changed``: the names of what changed, of name, language, active, project_ids, contact_ids
#: and settings).
PORTAL_UPDATED = "portal.updated"
#: A link was issued (data: link_id, contact_id, expires_at).
LINK_ISSUED = "link.issued"
#: A link was revoked (data: link_id, contact_id).
LINK_REVOKED = "link.revoked"
#: A link admitted its visitor (after its one-time code, on a portal that asks for one).
LINK_OPENED = "link.opened"
#: A reminder digest was sent to a contact about items awaiting them (data: contact_id,
#: request_ids, items, number: the how-manieth reminder).
REMINDER_SENT = "reminder.sent"
#: Unanswered items were escalated to other contacts (data: contact_ids, request_ids, items).
REMINDER_ESCALATED = "reminder.escalated"
#: A contact was warned that items will be approved by the policy (data: contact_id, items,
#: approve_at).
REMINDER_WARNED = "reminder.warned"
#: A digest of items awaiting the staff's approval was sent (data: recipients, items).
STAFF_REMINDER_SENT = "reminder.staff_sent"
#: A contact accepted a quote (data: quote_id, number, contact_id, signature).
QUOTE_ACCEPTED = "quote.accepted"
#: A contact declined a quote (data: quote_id, number, contact_id, signature, reason).
QUOTE_DECLINED = "quote.declined"

#: The step each action is named by in an event type (``entries.approved``).
DECISION_STEPS: Mapping[Action, str] = MappingProxyType(
    {
        Action.SUBMIT: "submitted",
        Action.APPROVE: "approved",
        Action.REJECT: "rejected",
        Action.WITHDRAW: "withdrawn",
        Action.REOPEN: "reopened",
        Action.SUBMIT_TO_CLIENT: "submitted_to_client",
        Action.UNDO: "undone",
    }
)

#: The plural each kind of item is named by in an event type.
_KIND_PLURAL = {ItemKind.ENTRY: "entries", ItemKind.EXPENSE: "expenses", ItemKind.TRIP: "trips"}

_TYPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


def decision_type(kind: ItemKind, action: Action) -> str:
    """The type of the event a decision writes: ``entries.approved``, ``trips.rejected``..."""
    return f"{_KIND_PLURAL[kind]}.{DECISION_STEPS[action]}"


def submitted_to_client_type(kind: ItemKind) -> str:
    """The type of the event written for items that now await the client's approval."""
    return decision_type(kind, Action.SUBMIT_TO_CLIENT)


def _event_type(_: object, attribute: Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _TYPE.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be dotted lower case words (like 'entries.approved'), "
            f"got {value!r}"
        )


def _json_data(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy of ``value`` after checking it is a JSON object (ValueError if not)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"data must be a mapping, got {type(value).__name__}")
    try:
        copy = json.loads(json.dumps(dict(value), allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"data must be JSON-able (str, int, bool, None, lists, dicts): {error}"
        ) from None
    return MappingProxyType(copy)


@frozen(kw_only=True)
class NewEvent:
    """An event to be written with the change it records: its ``type`` (dotted lower case),
    when it happened, the portal and client it concerns (``None`` when it concerns none, or
    several), and ``data``, a JSON object (copied, read-only)."""

    type: str = field(validator=_event_type)
    occurred_at: dt.datetime = field(validator=cv.aware_datetime)
    portal_id: str | None = field(default=None, validator=cv.optional_identifier)
    client_id: str | None = field(default=None, validator=cv.optional_identifier)
    data: Mapping[str, Any] = field(factory=dict, converter=_json_data, hash=False)

    def stored(self, id: str) -> Event:
        """This event as the log gives it back, under ``id``."""
        return Event(
            id=id,
            type=self.type,
            occurred_at=self.occurred_at,
            portal_id=self.portal_id,
            client_id=self.client_id,
            data=self.data,
        )


@frozen(kw_only=True)
class Event:
    """An event of the log: a :class:`NewEvent` with the ``id`` its store gave it.

    The id is unique and stable (a webhook's idempotency key), but opaque: pass the last id
    read back as ``after`` instead of comparing ids (the log's order is the store's)."""

    id: str = field(validator=cv.non_empty_text)
    type: str = field(validator=_event_type)
    occurred_at: dt.datetime = field(validator=cv.aware_datetime)
    portal_id: str | None = field(default=None, validator=cv.optional_identifier)
    client_id: str | None = field(default=None, validator=cv.optional_identifier)
    data: Mapping[str, Any] = field(factory=dict, converter=_json_data, hash=False)

    def as_json(self) -> dict[str, Any]:
        """The event as a JSON object (what a webhook receives)."""
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "portal_id": self.portal_id,
            "client_id": self.client_id,
            "data": dict(self.data),
        }


def event_body(event: Event) -> bytes:
    """The bytes a webhook posts for ``event``: its JSON, keys sorted, UTF-8."""
    return json.dumps(event.as_json(), sort_keys=True, separators=(",", ":")).encode()


def unknown_event(after: str, *, name: str = "after") -> ValidationError:
    """The error for an ``after`` (or a ``before``: ``name``) an event log never gave (the same
    words from every store)."""
    start = "start" if name == "after" else "newest"
    return ValidationError(
        [
            f"{name}: {after!r} is not the id of an event of this log: pass the id of the last "
            f"event you read (or None to read from the {start})"
        ],
        summary="cannot read the events",
    )


def check_event_limit(limit: int) -> None:
    """Refuse a page size no :meth:`EventLog.events` accepts (1 to 1,000)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ValidationError(
            [f"limit: must be a whole number from 1 to 1000, got {limit!r}"],
            summary="cannot read the events",
        )


@runtime_checkable
class EventLog(Protocol):
    """The store's log of events, read in order by any number of readers."""

    def events(self, after: str | None = None, limit: int = 100) -> Sequence[Event]:
        """Up to ``limit`` events after the event ``after`` (from the start when ``None``), in
        the log's order. An event that commits later never sorts before one already returned,
        however many writers there are: a reader that passes back the last id it read never
        skips one. Raises :class:`~clientportal.ValidationError` for an ``after`` the log never
        gave."""
        ...

    def portal_events(
        self,
        portal_id: str,
        *,
        client_id: str | None = None,
        before: str | None = None,
        limit: int = 50,
    ) -> Sequence[Event]:
        """Up to ``limit`` (1 to 1,000) events of one portal, newest first: those that name
        ``portal_id`` and, with ``client_id``, those of that client that name no portal (the
        staff's steps on the client's items), all before the event ``before`` (from the newest
        when ``None``). Pass the last id read as ``before`` to read older ones. A page costs
        what it returns, however long the log (an index, not a scan). Raises
        :class:`~clientportal.ValidationError` for a ``before`` the log never gave."""
        ...


def _http_url(_: object, attribute: Attribute[Any], value: str) -> None:
    parts = urllib.parse.urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{attribute.name} must be an http:// or https:// URL with a host, got {value!r}"
        )


@frozen(kw_only=True)
class WebhookEndpoint:
    """Where the worker posts every event: ``url`` (http or https), signed with ``secret``.
    An endpoint receives the events written after it was added."""

    id: str = field(validator=cv.identifier)
    url: str = field(validator=_http_url)
    secret: str = field(validator=cv.non_empty_text, repr=False)
    created_at: dt.datetime = field(validator=cv.aware_datetime)


@frozen(kw_only=True)
class WebhookDelivery:
    """One event on its way to one endpoint: how many attempts were made, when the next is due
    (``None``: delivered or given up), when it was delivered, the last attempt's error, and
    ``leased_until``: the end of the lease its last claim set (``None``: not claimed since it
    was last marked). A worker passes that back to ``mark_*`` as the proof it still holds it."""

    id: str = field(validator=cv.identifier)
    event: Event = field(validator=v.instance_of(Event))
    endpoint: WebhookEndpoint = field(validator=v.instance_of(WebhookEndpoint))
    attempts: int = field(default=0, validator=cv.seconds)
    next_attempt_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    last_error: str | None = None
    leased_until: dt.datetime | None = None

    @property
    def given_up(self) -> bool:
        """True when the worker stopped trying (the error is kept)."""
        return self.delivered_at is None and self.next_attempt_at is None


@runtime_checkable
class WebhookStore(Protocol):
    """Webhook endpoints and the deliveries of every event to each of them, claimed by any
    number of workers (a claimed delivery is leased: nobody else claims it meanwhile)."""

    def add_webhook(self, endpoint: WebhookEndpoint) -> None:
        """Store a new endpoint; :class:`~clientportal.ValidationError` when its id is taken."""
        ...

    def webhooks(self) -> Sequence[WebhookEndpoint]:
        """Every endpoint, oldest first."""
        ...

    def remove_webhook(self, webhook_id: str) -> bool:
        """Remove the endpoint and its deliveries; False when there is none."""
        ...

    def claim_deliveries(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> Sequence[WebhookDelivery]:
        """Claim up to ``limit`` deliveries due at ``now`` (oldest event first) until
        ``now + lease`` (each one's ``leased_until``)."""
        ...

    def mark_delivered(
        self, delivery_id: str, *, at: dt.datetime, lease: dt.datetime | None = None
    ) -> bool:
        """Record that the delivery was accepted by its endpoint. With ``lease`` (the claim's
        ``leased_until``) only while that claim still holds it: False, and nothing written,
        when another worker has claimed it since."""
        ...

    def mark_delivery_failed(
        self,
        delivery_id: str,
        *,
        at: dt.datetime,
        error: str,
        retry_at: dt.datetime | None,
        lease: dt.datetime | None = None,
    ) -> bool:
        """Record a failed attempt and its error; ``retry_at=None`` gives up (kept). ``lease``
        as for :meth:`mark_delivered`."""
        ...

    def deliveries(self, webhook_id: str | None = None) -> Sequence[WebhookDelivery]:
        """Every delivery (of one endpoint), oldest event first."""
        ...


@frozen(kw_only=True)
class ConsumerState:
    """Where one host callback is in the log: the last event it handled (``None``: none yet),
    and, while an event keeps failing, the attempts, when it is tried again and the error.
    A claim's state has ``leased_until``, the end of the lease it set: the worker passes it
    back as ``lease`` to prove it still holds the consumer."""

    name: str = field(validator=cv.non_empty_text)
    after: str | None = None
    attempts: int = field(default=0, validator=cv.seconds)
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None
    leased_until: dt.datetime | None = None


@runtime_checkable
class EventConsumers(Protocol):
    """A cursor in the log per host callback, leased to one worker at a time."""

    def claim_consumer(
        self, name: str, *, now: dt.datetime, lease: dt.timedelta
    ) -> ConsumerState | None:
        """Lease the consumer ``name`` (created at the start of the log when new) until
        ``now + lease`` (the state's ``leased_until``); ``None`` while another worker holds
        it, or its retry is not due."""
        ...

    def advance_consumer(self, name: str, after: str, *, lease: dt.datetime | None = None) -> bool:
        """Move the consumer past the event ``after`` (its failures are forgotten). With
        ``lease`` (the claim's ``leased_until``) only while that claim still holds it: False,
        and nothing written, when another worker has claimed it since (a lease that ran out
        but nobody claimed is still held)."""
        ...

    def consumer_failed(
        self, name: str, *, error: str, retry_at: dt.datetime, lease: dt.datetime | None = None
    ) -> bool:
        """Count a failed attempt of the consumer's next event; try again at ``retry_at``.
        ``lease`` as for :meth:`advance_consumer`."""
        ...

    def release_consumer(self, name: str, *, lease: dt.datetime | None = None) -> bool:
        """End the consumer's lease (another worker may claim it at once). ``lease`` as for
        :meth:`advance_consumer`: a worker never ends a lease another worker took."""
        ...
