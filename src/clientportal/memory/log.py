"""``MemoryAccessLog``: the access log as a list (on its own, or inside a ``MemoryStore``),
bounded as the SQL one is: refusals within a budget per client, old events pruned."""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque

from ..access import OK, AccessEvent
from ..ports import RateLimiter
from ..ratelimit import TokenBucketLimiter

__all__ = ["MemoryAccessLog"]

#: Refusals recorded per client hash and action at once, and how often one more is.
REFUSALS_LOGGED = 10
REFUSALS_REFILL = dt.timedelta(minutes=6)
#: How long an event is kept.
RETENTION = dt.timedelta(days=90)
#: The most events dropped for age per recorded event (pruning stays O(1) per event).
_PRUNE_PER_RECORD = 2


class MemoryAccessLog:
    """An :class:`~clientportal.ports.AccessLog` that keeps its events in a list.

    Successes are always recorded; refusals while ``refusals`` allows, one unit per client hash
    and action (default: a :class:`~clientportal.TokenBucketLimiter` of 10, one more every 6
    minutes), so a flood from one address adds a handful of events. Each record drops up to two
    of the oldest events when they are older than ``retention`` (default 90 days);
    :meth:`prune` drops them all.
    """

    def __init__(
        self, *, refusals: RateLimiter | None = None, retention: dt.timedelta = RETENTION
    ) -> None:
        if not isinstance(retention, dt.timedelta) or retention <= dt.timedelta(0):
            raise ValueError(f"retention must be a positive timedelta, got {retention!r}")
        self._lock = threading.Lock()
        self._events: deque[AccessEvent] = deque()
        self._refusals: RateLimiter = (
            TokenBucketLimiter(capacity=REFUSALS_LOGGED, refill_every=REFUSALS_REFILL)
            if refusals is None
            else refusals
        )
        self.retention = retention

    def __repr__(self) -> str:
        return f"MemoryAccessLog(<{len(self._events)} events>)"

    def record(self, event: AccessEvent) -> None:
        """Append ``event``: always a success, a refusal while its client's budget allows."""
        if event.reason != OK and not self._refusals.hit(
            f"{event.client_hash or '-'}:{event.action.value}", now=event.at
        ):
            return
        with self._lock:
            self._events.append(event)
            cutoff = event.at - self.retention
            for _ in range(_PRUNE_PER_RECORD):
                if self._events[0].at >= cutoff:
                    break
                self._events.popleft()

    def prune(self, before: dt.datetime) -> int:
        """Drop the events older than ``before``: how many were dropped."""
        with self._lock:
            kept = deque(e for e in self._events if e.at >= before)
            dropped = len(self._events) - len(kept)
            self._events = kept
            return dropped

    @property
    def events(self) -> tuple[AccessEvent, ...]:
        """Every event recorded so far (and not pruned), oldest first."""
        with self._lock:
            return tuple(self._events)
