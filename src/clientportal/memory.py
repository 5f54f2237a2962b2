"""In-memory backends: a :class:`~clientportal.ports.PortalStore`, an access log, a token-bucket
rate limiter and a hand-moved clock.

For tests, examples and single-process apps. Every object is thread-safe (one lock each) and
holds only the frozen records it is given, so nothing handed out can change behind its back.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence

from attrs import evolve

from .access import AccessEvent, AccessMode, Link, OneTimeCode, PortalAccess
from .model import Portal

__all__ = [
    "ManualClock",
    "MemoryAccessLog",
    "MemoryPortalStore",
    "TokenBucketLimiter",
]


class MemoryPortalStore:
    """A :class:`~clientportal.ports.PortalStore` in a few dicts."""

    def __init__(self, portals: Iterable[Portal] = ()) -> None:
        self._lock = threading.Lock()
        self._portals: dict[str, Portal] = {}
        self._access: dict[str, PortalAccess] = {}
        self._links: dict[str, Link] = {}
        self._codes: dict[str, OneTimeCode] = {}  # by link id: one code per link
        self._code_links: dict[str, str] = {}  # code id -> link id
        for portal in portals:
            self.put_portal(portal)

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"MemoryPortalStore(<{len(self._portals)} portals, {len(self._links)} links, "
                f"{len(self._codes)} codes>)"
            )

    # -- portals -------------------------------------------------------------------------------

    def put_portal(self, portal: Portal) -> None:
        """Create or replace a portal; a replaced portal keeps its generation and access mode."""
        with self._lock:
            self._portals[portal.id] = portal
            self._access.setdefault(portal.id, PortalAccess(portal_id=portal.id))

    def get_portal(self, portal_id: str) -> Portal | None:
        """The portal with this id, or ``None``."""
        return self._portals.get(portal_id)

    def list_portals(self) -> Sequence[Portal]:
        """Every portal, ordered by id."""
        with self._lock:
            return sorted(self._portals.values(), key=lambda portal: portal.id)

    def get_access(self, portal_id: str) -> PortalAccess | None:
        """The portal's generation and access mode, or ``None`` for an unknown portal."""
        return self._access.get(portal_id)

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        """Set how the portal admits visitors; ``KeyError`` for an unknown portal."""
        with self._lock:
            self._access[portal_id] = evolve(self._known(portal_id), mode=mode)

    def bump_generation(self, portal_id: str) -> int:
        """Move the portal's generation on by one and return it; ``KeyError`` when unknown."""
        with self._lock:
            access = self._known(portal_id)
            self._access[portal_id] = access = evolve(access, generation=access.generation + 1)
            return access.generation

    def _known(self, portal_id: str) -> PortalAccess:
        try:
            return self._access[portal_id]
        except KeyError:
            raise KeyError(f"no portal with id {portal_id!r}: put_portal() it first") from None

    # -- links ---------------------------------------------------------------------------------

    def add_link(self, link: Link) -> None:
        """Store a new link; ``ValueError`` when its id is taken."""
        with self._lock:
            if link.id in self._links:
                raise ValueError(f"a link with id {link.id!r} exists: link ids must be unique")
            self._links[link.id] = link

    def get_link(self, link_id: str) -> Link | None:
        """The link with this id, or ``None``."""
        return self._links.get(link_id)

    def list_links(self, portal_id: str) -> Sequence[Link]:
        """The portal's links, oldest first."""
        with self._lock:
            links = [link for link in self._links.values() if link.portal_id == portal_id]
        return sorted(links, key=lambda link: (link.created_at, link.id))

    def mark_link_used(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``last_used_at``."""
        with self._lock:
            link = self._links.get(link_id)
            if link is not None:
                self._links[link_id] = evolve(link, last_used_at=at)

    def revoke_link(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``revoked_at`` unless it is already revoked."""
        with self._lock:
            link = self._links.get(link_id)
            if link is not None and link.revoked_at is None:
                self._links[link_id] = evolve(link, revoked_at=at)

    # -- one-time codes ------------------------------------------------------------------------

    def put_code(self, code: OneTimeCode) -> None:
        """Make ``code`` its link's one code, dropping any previous one."""
        with self._lock:
            previous = self._codes.get(code.link_id)
            if previous is not None:
                del self._code_links[previous.id]
            self._codes[code.link_id] = code
            self._code_links[code.id] = code.link_id

    def get_code(self, link_id: str) -> OneTimeCode | None:
        """The link's current code, or ``None``."""
        return self._codes.get(link_id)

    def count_code_attempt(self, code_id: str) -> int:
        """Add one to the code's attempts and return the count (0 for a replaced code)."""
        with self._lock:
            link_id = self._code_links.get(code_id)
            if link_id is None:
                return 0
            code = self._codes[link_id]
            self._codes[link_id] = code = evolve(code, attempts=code.attempts + 1)
            return code.attempts

    def use_code(self, code_id: str, at: dt.datetime) -> bool:
        """Mark the code used; True only for the call that did it."""
        with self._lock:
            link_id = self._code_links.get(code_id)
            if link_id is None:
                return False
            code = self._codes[link_id]
            if code.used_at is not None:
                return False
            self._codes[link_id] = evolve(code, used_at=at)
            return True


class MemoryAccessLog:
    """An :class:`~clientportal.ports.AccessLog` that keeps its events in a list."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[AccessEvent] = []

    def __repr__(self) -> str:
        return f"MemoryAccessLog(<{len(self._events)} events>)"

    def record(self, event: AccessEvent) -> None:
        """Append ``event``."""
        with self._lock:
            self._events.append(event)

    @property
    def events(self) -> tuple[AccessEvent, ...]:
        """Every event recorded so far, oldest first."""
        with self._lock:
            return tuple(self._events)


class TokenBucketLimiter:
    """A :class:`~clientportal.ports.RateLimiter`: per key, a bucket of ``capacity`` units that
    refills by one unit every ``refill_every``.

    A key that has not failed for ``capacity * refill_every`` is full again and forgotten; at most
    ``max_keys`` keys are tracked (when more arrive, full buckets are dropped first, then the
    stalest). Buckets live in this process: with several servers, each limits on its own.
    """

    def __init__(
        self,
        *,
        capacity: int,
        refill_every: dt.timedelta,
        max_keys: int = 100_000,
    ) -> None:
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
            raise ValueError(f"capacity must be a whole number >= 1, got {capacity!r}")
        if not isinstance(refill_every, dt.timedelta) or refill_every <= dt.timedelta(0):
            raise ValueError(f"refill_every must be a positive timedelta, got {refill_every!r}")
        if not isinstance(max_keys, int) or max_keys < 1:
            raise ValueError(f"max_keys must be a whole number >= 1, got {max_keys!r}")
        self.capacity = capacity
        self.refill_every = refill_every
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, dt.datetime]] = {}

    def __repr__(self) -> str:
        return (
            f"TokenBucketLimiter(capacity={self.capacity}, refill_every={self.refill_every!r}, "
            f"<{len(self._buckets)} keys>)"
        )

    def _level(self, key: str, now: dt.datetime) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return float(self.capacity)
        units, since = bucket
        elapsed = max((now - since) / self.refill_every, 0.0)
        return min(float(self.capacity), units + elapsed)

    def allowed(self, key: str, *, now: dt.datetime) -> bool:
        """True while ``key`` has at least one unit left."""
        with self._lock:
            return self._level(key, now) >= 1.0

    def hit(self, key: str, *, now: dt.datetime) -> bool:
        """Spend one unit of ``key``'s budget; False when none was left."""
        with self._lock:
            level = self._level(key, now)
            if level < 1.0:
                self._buckets[key] = (level, now)
                return False
            self._buckets[key] = (level - 1.0, now)
            if len(self._buckets) > self.max_keys:
                self._prune(now)
            return True

    def _prune(self, now: dt.datetime) -> None:
        for key in [k for k in self._buckets if self._level(k, now) >= self.capacity]:
            del self._buckets[key]
        if len(self._buckets) > self.max_keys:
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k][1])
            for key in by_age[: len(self._buckets) - self.max_keys]:
                del self._buckets[key]


class ManualClock:
    """A :class:`~clientportal.ports.Clock` that stands still until it is moved (for tests)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"start must be timezone-aware, got {start.isoformat()}")
        self._lock = threading.Lock()
        self._now = start

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"

    def now(self) -> dt.datetime:
        """The clock's current time."""
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move the clock on by ``delta`` and return the new time."""
        with self._lock:
            self._now = self._now + delta
            return self._now

    def set(self, at: dt.datetime) -> None:
        """Put the clock at ``at`` (timezone-aware)."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"the clock's time must be timezone-aware, got {at.isoformat()}")
        with self._lock:
            self._now = at
