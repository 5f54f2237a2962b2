"""The in-process :class:`~clientportal.ports.RateLimiter`: a token bucket per key, in memory.

It is the memory store's limiter (:meth:`~clientportal.memory.MemoryStore.rate_limiter`) and the
gate's when its store keeps no shared limits. With several servers each process limits on its
own; the SQL store's limiter (:class:`~clientportal.sql.SqlRateLimiter`) shares one budget
between every process on the database.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, TypeVar

__all__ = ["TokenBucketLimiter", "named_limiter"]

#: The most full buckets one hit drops: pruning costs O(1) per hit, and outpaces new keys.
_SWEEP = 16


class TokenBucketLimiter:
    """A :class:`~clientportal.ports.RateLimiter`: per key, a bucket of ``capacity`` units that
    refills by one unit every ``refill_every``.

    Keys are kept in the order they were last hit. Each hit drops up to 16 of the least recently
    hit keys whose bucket is full again (a full bucket is the same as no bucket), and, when more
    than ``max_keys`` keys are tracked, the least recently hit one (its budget is forgotten). So
    a hit costs O(1) however many addresses come and go. Buckets live in this process: with
    several servers, each limits on its own.
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
        if not isinstance(max_keys, int) or isinstance(max_keys, bool) or max_keys < 1:
            raise ValueError(f"max_keys must be a whole number >= 1, got {max_keys!r}")
        self.capacity = capacity
        self.refill_every = refill_every
        self.max_keys = max_keys
        self._lock = threading.Lock()
        # key -> (units left, when last hit), least recently hit first.
        self._buckets: OrderedDict[str, tuple[float, dt.datetime]] = OrderedDict()

    def __repr__(self) -> str:
        return (
            f"TokenBucketLimiter(capacity={self.capacity}, refill_every={self.refill_every!r}, "
            f"<{len(self._buckets)} keys>)"
        )

    def __len__(self) -> int:
        """How many keys have a bucket that is not known to be full."""
        with self._lock:
            return len(self._buckets)

    def _level(self, bucket: tuple[float, dt.datetime] | None, now: dt.datetime) -> float:
        if bucket is None:
            return float(self.capacity)
        units, since = bucket
        elapsed = max((now - since) / self.refill_every, 0.0)
        return min(float(self.capacity), units + elapsed)

    def allowed(self, key: str, *, now: dt.datetime) -> bool:
        """True while ``key`` has at least one unit left."""
        with self._lock:
            return self._level(self._buckets.get(key), now) >= 1.0

    def hit(self, key: str, *, now: dt.datetime) -> bool:
        """Spend one unit of ``key``'s budget; False when none was left."""
        with self._lock:
            level = self._level(self._buckets.pop(key, None), now)
            allowed = level >= 1.0
            self._buckets[key] = (level - 1.0 if allowed else level, now)
            self._sweep(now)
            return allowed

    def _sweep(self, now: dt.datetime) -> None:
        """Drop a few full buckets from the front, and the front keys past ``max_keys``."""
        buckets = self._buckets
        for _ in range(_SWEEP):
            oldest = next(iter(buckets))
            if self._level(buckets[oldest], now) < self.capacity:
                break
            del buckets[oldest]
        while len(buckets) > self.max_keys:
            buckets.popitem(last=False)


class _Bucketed(Protocol):
    capacity: int
    refill_every: dt.timedelta


_L = TypeVar("_L", bound=_Bucketed)


def named_limiter(
    limiters: dict[str, _L],
    name: str,
    *,
    capacity: int,
    refill_every: dt.timedelta,
    make: Callable[[], _L],
) -> _L:
    """The limiter ``name`` of a store's ``limiters`` (made by ``make`` the first time): one
    limiter per name, so two parts of a service that ask for the same name share one budget.
    Raises ``ValueError`` when ``name`` was already given with another capacity or refill.
    The caller holds its own lock."""
    limiter = limiters.get(name)
    if limiter is None:
        limiter = limiters[name] = make()
    elif (limiter.capacity, limiter.refill_every) != (capacity, refill_every):
        raise ValueError(
            f"the rate limiter {name!r} has capacity {limiter.capacity} and refill "
            f"{limiter.refill_every}, asked for {capacity} and {refill_every}: give "
            "each limit a name of its own"
        )
    return limiter
