"""``MemoryEventLog``: the event log, webhook endpoints with their deliveries, and the host
callbacks' cursors, in memory (part of :class:`~clientportal.memory.MemoryStore`).

Events get ids ``"1"``, ``"2"``... in the order they are written, under the store's lock, so the
log's order is the order of the writes. Every event written is queued for delivery to every
endpoint there is at that moment (in the same step). The positions of each portal's events, and
of each client's events that name no portal, are kept in lists as they are written, so a
portal's newest events are found by bisection (:meth:`MemoryEventLog.portal_events`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import threading
from collections.abc import Sequence

from attrs import evolve

from ..errors import NotFound, ValidationError
from ..ports import (
    ConsumerState,
    Event,
    NewEvent,
    WebhookDelivery,
    WebhookEndpoint,
    check_claim,
    check_event_limit,
    unknown_event,
)

__all__ = ["MemoryEventLog"]


class MemoryEventLog:
    """An :class:`~clientportal.ports.EventLog`, :class:`~clientportal.ports.WebhookStore` and
    :class:`~clientportal.ports.EventConsumers` in lists and dicts, guarded by the store's
    ``_lock`` (a subclass creates it before calling :meth:`__init__`)."""

    _lock: threading.Lock

    def __init__(self) -> None:
        self._events: list[Event] = []
        # Positions in _events: of each portal's events, of each client's portal-less ones.
        self._of_portal: dict[str, list[int]] = {}
        self._of_client: dict[str, list[int]] = {}
        self._webhooks: dict[str, WebhookEndpoint] = {}
        self._deliveries: dict[str, WebhookDelivery] = {}
        self._delivery_leases: dict[str, dt.datetime] = {}
        self._consumers: dict[str, ConsumerState] = {}
        self._consumer_leases: dict[str, dt.datetime] = {}

    def _append_events(self, events: Sequence[NewEvent]) -> None:
        """Write ``events`` and queue their deliveries; the caller holds the lock."""
        for new in events:
            position = len(self._events)
            event = new.stored(str(position + 1))
            self._events.append(event)
            if event.portal_id is not None:
                self._of_portal.setdefault(event.portal_id, []).append(position)
            elif event.client_id is not None:
                self._of_client.setdefault(event.client_id, []).append(position)
            for endpoint in self._webhooks.values():
                delivery_id = str(len(self._deliveries) + 1)
                self._deliveries[delivery_id] = WebhookDelivery(
                    id=delivery_id,
                    event=event,
                    endpoint=endpoint,
                    next_attempt_at=event.occurred_at,
                )

    # -- the log -------------------------------------------------------------------------------

    def events(self, after: str | None = None, limit: int = 100) -> Sequence[Event]:
        """Up to ``limit`` events after the event ``after``, in the order they were written."""
        check_event_limit(limit)
        with self._lock:
            start = 0
            if after is not None:
                if not (after.isascii() and after.isdigit()) or not 1 <= int(after) <= len(
                    self._events
                ):
                    raise unknown_event(after)
                start = int(after)
            return tuple(self._events[start : start + limit])

    def portal_events(
        self,
        portal_id: str,
        *,
        client_id: str | None = None,
        before: str | None = None,
        limit: int = 50,
    ) -> Sequence[Event]:
        """Up to ``limit`` events of the portal (and the client's events that name no portal,
        with ``client_id``) before the event ``before``, newest first."""
        check_event_limit(limit)
        with self._lock:
            end = len(self._events)
            if before is not None:
                if not (before.isascii() and before.isdigit()) or not 1 <= int(before) <= len(
                    self._events
                ):
                    raise unknown_event(before, name="before")
                end = int(before) - 1
            lists = [self._of_portal.get(portal_id, [])]
            if client_id is not None:
                lists.append(self._of_client.get(client_id, []))
            newest = [_newest(positions, end, limit) for positions in lists]
            merged = heapq.merge(*newest, reverse=True)
            return tuple(self._events[i] for i in itertools.islice(merged, limit))

    # -- webhooks ------------------------------------------------------------------------------

    def add_webhook(self, endpoint: WebhookEndpoint) -> None:
        """Store a new endpoint; :class:`~clientportal.ValidationError` when its id is taken."""
        with self._lock:
            if endpoint.id in self._webhooks:
                raise ValidationError(
                    [f"webhook id {endpoint.id!r} is taken: give the endpoint a new id"],
                    summary="cannot add the webhook",
                )
            self._webhooks[endpoint.id] = endpoint

    def webhooks(self) -> Sequence[WebhookEndpoint]:
        """Every endpoint, oldest first."""
        with self._lock:
            return sorted(self._webhooks.values(), key=lambda w: (w.created_at, w.id))

    def remove_webhook(self, webhook_id: str) -> bool:
        """Remove the endpoint and its deliveries; False when there is none."""
        with self._lock:
            if self._webhooks.pop(webhook_id, None) is None:
                return False
            for delivery_id, delivery in list(self._deliveries.items()):
                if delivery.endpoint.id == webhook_id:
                    del self._deliveries[delivery_id]
            return True

    def claim_deliveries(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> Sequence[WebhookDelivery]:
        """Claim up to ``limit`` due, unleased deliveries (oldest first) until ``now + lease``."""
        check_claim(now, limit, lease)
        with self._lock:
            due = [
                d
                for d in self._deliveries.values()
                if d.next_attempt_at is not None
                and d.next_attempt_at <= now
                and self._delivery_leases.get(d.id, now) <= now
            ][:limit]
            for delivery in due:
                self._delivery_leases[delivery.id] = now + lease
            return tuple(evolve(d, leased_until=now + lease) for d in due)

    def mark_delivered(
        self, delivery_id: str, *, at: dt.datetime, lease: dt.datetime | None = None
    ) -> bool:
        """Record that the delivery was accepted (with ``lease``: only while still held)."""
        with self._lock:
            delivery = self._delivery(delivery_id)
            if lease is not None and self._delivery_leases.get(delivery_id) != lease:
                return False
            self._deliveries[delivery_id] = evolve(
                delivery, attempts=delivery.attempts + 1, delivered_at=at, next_attempt_at=None
            )
            self._delivery_leases.pop(delivery_id, None)
            return True

    def mark_delivery_failed(
        self,
        delivery_id: str,
        *,
        at: dt.datetime,
        error: str,
        retry_at: dt.datetime | None,
        lease: dt.datetime | None = None,
    ) -> bool:
        """Count a failed attempt and keep ``error``; retry at ``retry_at`` (``None``: give up).
        With ``lease``: only while still held."""
        with self._lock:
            delivery = self._delivery(delivery_id)
            if lease is not None and self._delivery_leases.get(delivery_id) != lease:
                return False
            self._deliveries[delivery_id] = evolve(
                delivery, attempts=delivery.attempts + 1, last_error=error, next_attempt_at=retry_at
            )
            self._delivery_leases.pop(delivery_id, None)
            return True

    def _delivery(self, delivery_id: str) -> WebhookDelivery:
        try:
            return self._deliveries[delivery_id]
        except KeyError:
            raise NotFound(f"no webhook delivery with id {delivery_id!r}") from None

    def deliveries(self, webhook_id: str | None = None) -> Sequence[WebhookDelivery]:
        """Every delivery (of one endpoint), oldest event first."""
        with self._lock:
            return tuple(
                evolve(d, leased_until=self._delivery_leases.get(d.id))
                for d in self._deliveries.values()
                if webhook_id is None or d.endpoint.id == webhook_id
            )

    # -- callbacks' cursors --------------------------------------------------------------------

    def claim_consumer(
        self, name: str, *, now: dt.datetime, lease: dt.timedelta
    ) -> ConsumerState | None:
        """Lease the consumer ``name`` until ``now + lease``; ``None`` while it is leased or
        its retry is not due."""
        check_claim(now, 1, lease)
        with self._lock:
            state = self._consumers.setdefault(name, ConsumerState(name=name))
            if self._consumer_leases.get(name, now) > now:
                return None
            if state.next_attempt_at is not None and state.next_attempt_at > now:
                return None
            self._consumer_leases[name] = now + lease
            return evolve(state, leased_until=now + lease)

    def _holds(self, name: str, lease: dt.datetime | None) -> bool:
        return lease is None or self._consumer_leases.get(name) == lease

    def advance_consumer(self, name: str, after: str, *, lease: dt.datetime | None = None) -> bool:
        """Move the consumer past the event ``after``; its failures are forgotten (with
        ``lease``: only while still held)."""
        with self._lock:
            if not self._holds(name, lease):
                return False
            self._consumers[name] = ConsumerState(name=name, after=after)
            return True

    def consumer_failed(
        self, name: str, *, error: str, retry_at: dt.datetime, lease: dt.datetime | None = None
    ) -> bool:
        """Count a failed attempt of the consumer's next event; try again at ``retry_at``
        (with ``lease``: only while still held)."""
        with self._lock:
            if not self._holds(name, lease):
                return False
            state = self._consumers.get(name, ConsumerState(name=name))
            self._consumers[name] = evolve(
                state, attempts=state.attempts + 1, last_error=error, next_attempt_at=retry_at
            )
            return True

    def release_consumer(self, name: str, *, lease: dt.datetime | None = None) -> bool:
        """End the consumer's lease (with ``lease``: only the lease it is)."""
        with self._lock:
            if not self._holds(name, lease):
                return False
            self._consumer_leases.pop(name, None)
            return True


def _newest(positions: list[int], end: int, limit: int) -> list[int]:
    """The last ``limit`` of the sorted ``positions`` below ``end``, greatest first."""
    stop = bisect.bisect_left(positions, end)
    return positions[max(0, stop - limit) : stop][::-1]
