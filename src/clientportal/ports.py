"""The ports: the small Protocols through which clientportal touches the world.

The functional core never does I/O; the application layer (for access,
:class:`~clientportal.gate.AccessGate`) talks to these ports, and a backend implements them
(:mod:`clientportal.memory` in memory; a SQL store later). Every method takes and returns plain
records from :mod:`clientportal.model` and :mod:`clientportal.access`, so each maps onto a table
row and a single statement. Times are always passed in, taken from a :class:`Clock`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from .access import AccessEvent, AccessMode, Link, OneTimeCode, PortalAccess
from .model import Portal

__all__ = [
    "AccessLog",
    "Clock",
    "PortalStore",
    "RateLimiter",
    "SystemClock",
]


@runtime_checkable
class Clock(Protocol):
    """Where the current time comes from (inject a fixed clock in tests)."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The default :class:`Clock`: the system's time in UTC."""

    def now(self) -> dt.datetime:
        """The current time in UTC."""
        return dt.datetime.now(dt.UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


@runtime_checkable
class RateLimiter(Protocol):
    """A budget of attempts per key (a hashed client address, a link), refilled over time."""

    def allowed(self, key: str, *, now: dt.datetime) -> bool:
        """True while ``key`` has budget left. Spends nothing."""
        ...

    def hit(self, key: str, *, now: dt.datetime) -> bool:
        """Spend one unit of ``key``'s budget; False (and nothing spent) when none was left."""
        ...


@runtime_checkable
class AccessLog(Protocol):
    """Where every access decision is recorded (an append-only table, a log stream)."""

    def record(self, event: AccessEvent) -> None:
        """Append ``event``. It holds no token, code or address, only their consequences."""
        ...


@runtime_checkable
class PortalStore(Protocol):
    """The portal's own state: portals, their access state, links and one-time codes.

    The host's time-tracking data is not here (that is the ``DataSource``). Records go in and come
    out whole; the few changes that may race (using and revoking a link, counting a code attempt,
    using a code, moving a generation on) are single-purpose methods, so a SQL store can make each
    one atomic statement instead of a read-modify-write.
    """

    # -- portals -------------------------------------------------------------------------------

    def put_portal(self, portal: Portal) -> None:
        """Create or replace a portal. A new portal starts at generation 0 in
        :attr:`AccessMode.LINK`; replacing a portal keeps its access state."""
        ...

    def get_portal(self, portal_id: str) -> Portal | None:
        """The portal with this id, or ``None``."""
        ...

    def list_portals(self) -> Sequence[Portal]:
        """Every portal, ordered by id."""
        ...

    def get_access(self, portal_id: str) -> PortalAccess | None:
        """The portal's generation and access mode, or ``None`` when there is no such portal."""
        ...

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        """Set how the portal admits visitors. Raises ``KeyError`` for an unknown portal."""
        ...

    def bump_generation(self, portal_id: str) -> int:
        """Move the portal's generation on by one, atomically, and return the new generation.

        Every link issued before then stops working. Raises ``KeyError`` for an unknown portal.
        """
        ...

    # -- links ---------------------------------------------------------------------------------

    def add_link(self, link: Link) -> None:
        """Store a new link. Raises ``ValueError`` when a link with its id exists."""
        ...

    def get_link(self, link_id: str) -> Link | None:
        """The link with this id, or ``None``."""
        ...

    def list_links(self, portal_id: str) -> Sequence[Link]:
        """The portal's links, revoked ones included, oldest first (by ``created_at``, then id)."""
        ...

    def mark_link_used(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``last_used_at`` (and nothing else). Unknown ids are ignored."""
        ...

    def revoke_link(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``revoked_at`` unless it is already revoked. Unknown ids are ignored."""
        ...

    # -- one-time codes ------------------------------------------------------------------------

    def put_code(self, code: OneTimeCode) -> None:
        """Store ``code`` as its link's one code, replacing (and so invalidating) any previous."""
        ...

    def get_code(self, link_id: str) -> OneTimeCode | None:
        """The link's current code, or ``None``."""
        ...

    def count_code_attempt(self, code_id: str) -> int:
        """Add one to the code's ``attempts``, atomically, and return the new count.

        Returns 0 when the code no longer exists (it was replaced).
        """
        ...

    def use_code(self, code_id: str, at: dt.datetime) -> bool:
        """Set the code's ``used_at`` if it is unused, atomically; True when this call used it."""
        ...
