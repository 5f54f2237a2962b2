"""The default :class:`~clientportal.ports.RateLimiter`: a token bucket per key, in this process.

With several servers each process limits on its own; a store that shares the budget between
processes implements the same port.
"""

from __future__ import annotations

import datetime as dt
import threading

__all__ = ["TokenBucketLimiter"]


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
