"""The ports to the world outside storage: where time comes from, how attempts are budgeted,
how an e-mail leaves, and (optionally) how a database's reads share a connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from ..errors import ConfigError

__all__ = [
    "Clock",
    "JointRateLimiter",
    "Mailer",
    "OneConnection",
    "RateLimiter",
    "RateLimits",
    "SystemClock",
    "aware_now",
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
class JointRateLimiter(RateLimiter, Protocol):
    """A :class:`RateLimiter` that can also check keys of other limiters in the same read
    (optional: the SQL store's limiters read the buckets of one step in one statement)."""

    def allowed_together(
        self, checks: Sequence[tuple[RateLimiter, str]], *, now: dt.datetime
    ) -> Sequence[bool] | None:
        """``[limiter.allowed(key, now=now) for limiter, key in checks]`` read in one go, or
        ``None`` when this limiter cannot read some of them (the caller then asks each)."""
        ...


@runtime_checkable
class RateLimits(Protocol):
    """Where a store keeps rate limits that every process sharing it sees.

    A store that implements it (the SQL store; the memory store, for one process) makes the
    service's limits shared: two app servers on one database spend one budget per key.
    """

    def rate_limiter(self, name: str, *, capacity: int, refill_every: dt.timedelta) -> RateLimiter:
        """A token-bucket :class:`RateLimiter` named ``name`` (its keys never meet another
        name's): ``capacity`` units per key, one more every ``refill_every``."""
        ...


@runtime_checkable
class Mailer(Protocol):
    """Sends one e-mail now (SMTP in production); raises on failure so the outbox retries."""

    def send(self, message: bytes, *, sender: str | None, recipients: Sequence[str]) -> None:
        """Deliver ``message`` (RFC 5322 bytes) to ``recipients``."""
        ...


@runtime_checkable
class OneConnection(Protocol):
    """Optional, for a store or data source over a database (:class:`~clientportal.sql.SqlStore`
    and :class:`~clientportal.sql.SqlDataSource` have it): its reads within the block share one
    connection instead of taking one from the pool each. The service enters it around each
    request of the web app (:meth:`PortalService.request_scope
    <clientportal.service.PortalService.request_scope>`)."""

    def one_connection(self) -> AbstractContextManager[None]:
        """A block whose reads share one connection."""
        ...


def aware_now(clock: Clock) -> dt.datetime:
    """``clock.now()``, refused unless it is timezone-aware (every time the library stores or
    compares is aware). The one place the clock is checked."""
    now = clock.now()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ConfigError(
            [f"it returned {now.isoformat()}: return datetime.now(timezone.utc)"],
            subject="the clock",
        )
    return now
