"""Rate limits every process on the database shares: token buckets in ``cp_rate_limits``.

:class:`SqlRateLimiter` is a :class:`~clientportal.ports.RateLimiter` whose buckets are rows
(``key``, ``level``, ``at``); :class:`SqlRateLimits` is the part of
:class:`~clientportal.sql.SqlStore` that hands them out (the
:class:`~clientportal.ports.RateLimits` port), so two app servers on one database spend one
budget per key. A hit is one atomic statement, an ``INSERT … ON CONFLICT DO UPDATE`` that refills
the bucket in SQL (SQLite ≥ 3.35 or PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import threading
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..ports import RateLimiter
from ..ratelimit import named_limiter
from . import tables as t
from .base import SqlBase
from .types import UtcDateTime

__all__ = ["SqlRateLimiter", "SqlRateLimits", "sql_buckets"]

_KEY_LENGTH = 200  # cp_rate_limits.key


class SqlRateLimiter(SqlBase):
    """A :class:`~clientportal.ports.RateLimiter` over ``cp_rate_limits``: per key, a bucket of
    ``capacity`` units that refills by one unit every ``refill_every``, shared by every process
    on the database.

    Keys are stored as ``"{name}:{key}"`` (hashed when longer than the column), so limiters of
    different names never meet. A row stands for a bucket that is not full; no row is a full
    bucket. Every ``prune_every`` hits (default 1,000) the limiter deletes up to ``prune_limit``
    (default 1,000) of its rows that are full again: bounded work, and never fewer rows deleted
    than hits made them.
    """

    #: Hits between two prunings of this limiter's full rows.
    prune_every: int = 1_000
    #: The most rows one pruning deletes.
    prune_limit: int = 1_000

    def __init__(
        self, engine: Engine | str, name: str, *, capacity: int, refill_every: dt.timedelta
    ) -> None:
        if not name or ":" in name:
            raise ValueError(f"a rate limiter's name must be non-empty, without ':', got {name!r}")
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
            raise ValueError(f"capacity must be a whole number >= 1, got {capacity!r}")
        if not isinstance(refill_every, dt.timedelta) or refill_every <= dt.timedelta(0):
            raise ValueError(f"refill_every must be a positive timedelta, got {refill_every!r}")
        super().__init__(engine)
        self.name = name
        self.capacity = capacity
        self.refill_every = refill_every
        self._hits = itertools.count(1)
        self._spend = self._spend_statement()
        c = t.rate_limits.c
        self._bucket = sa.select(c.level, c.at).where(c.key == sa.bindparam("key"))

    def __repr__(self) -> str:
        return (
            f"SqlRateLimiter({self.name!r}, capacity={self.capacity}, "
            f"refill_every={self.refill_every!r})"
        )

    def row_key(self, key: str) -> str:
        """The ``cp_rate_limits.key`` of ``key``: ``"{name}:{key}"``, or the name and the
        SHA-256 of ``key`` when that would not fit the column."""
        full = f"{self.name}:{key}"
        if len(full) <= _KEY_LENGTH:
            return full
        return f"{self.name}:#{hashlib.sha256(key.encode('utf-8')).hexdigest()}"

    def allowed(self, key: str, *, now: dt.datetime) -> bool:
        """True while ``key`` has at least one unit left (one SELECT; spends nothing)."""
        with self._read_one() as conn:
            row = conn.execute(self._bucket, {"key": self.row_key(key)}).one_or_none()
        return self.allows(None, None, now=now) if row is None else self.allows(*row, now=now)

    def allows(self, level: float | None, at: dt.datetime | None, *, now: dt.datetime) -> bool:
        """Whether a bucket read as ``level`` at ``at`` (both ``None``: no row, a full bucket)
        has at least one unit left at ``now``: :meth:`allowed` of a row read elsewhere."""
        if level is None or at is None:
            return True
        elapsed = max((now - at) / self.refill_every, 0.0)
        return min(float(self.capacity), float(level) + elapsed) >= 1.0

    def allowed_together(
        self, checks: Sequence[tuple[RateLimiter, str]], *, now: dt.datetime
    ) -> list[bool] | None:
        """:meth:`allowed` of each ``(limiter, key)`` in one SELECT, when every limiter is a
        :class:`SqlRateLimiter` on this limiter's engine (``None`` otherwise)."""
        buckets = sql_buckets(self.engine, checks)
        if buckets is None:
            return None
        params = {f"key{number}": row_key for number, (_, row_key) in enumerate(buckets)}
        with self._read_one() as conn:
            rows = conn.execute(_buckets(len(buckets)), params).all()
        found = {row.key: (row.level, row.at) for row in rows}
        return [
            limiter.allows(*found.get(row_key, (None, None)), now=now)
            for limiter, row_key in buckets
        ]

    def hit(self, key: str, *, now: dt.datetime) -> bool:
        """Spend one unit of ``key``'s budget; False (and nothing spent) when none was left."""
        with self._write() as conn:
            allowed = self.spend(conn, key, now=now)
        if next(self._hits) % self.prune_every == 0:
            self.prune(now=now, limit=self.prune_limit)
        return allowed

    def spend(self, conn: Connection, key: str, *, now: dt.datetime) -> bool:
        """:meth:`hit` inside the caller's transaction ``conn``: one ``INSERT … ON CONFLICT DO
        UPDATE … RETURNING``, which refills the stored bucket in SQL and spends a unit only when
        one is left (no row comes back when none was)."""
        found = conn.execute(self._spend, {"key": self.row_key(key), "now": now})
        return found.first() is not None

    def prune(self, *, now: dt.datetime, limit: int | None = None) -> int:
        """Delete this limiter's rows whose bucket is full at ``now`` (untouched for
        ``capacity * refill_every``), at most ``limit`` of them: how many were deleted."""
        c = t.rate_limits.c
        cutoff = now - self.capacity * self.refill_every
        # The name's keys as a range of the primary key (';' follows ':').
        mine = sa.and_(c.key >= f"{self.name}:", c.key < f"{self.name};", c.at <= cutoff)
        stale: Any = sa.select(c.key).where(mine)
        if limit is not None:
            stale = stale.limit(limit)
        with self._write() as conn:
            deleted = conn.execute(
                sa.delete(t.rate_limits).where(c.key.in_(stale.scalar_subquery()), c.at <= cutoff)
            )
        return int(deleted.rowcount)

    def _spend_statement(self) -> Any:
        """The statement of :meth:`spend` (built once: it takes ``key`` and ``now``)."""
        c = t.rate_limits.c
        now = sa.bindparam("now", type_=UtcDateTime)
        elapsed = self._seconds_since(now, c.at) / self.refill_every.total_seconds()
        refilled = self._least(
            sa.literal(float(self.capacity)), c.level + self._greatest(sa.literal(0.0), elapsed)
        )
        return (
            self._insert(t.rate_limits)
            .values(key=sa.bindparam("key"), level=float(self.capacity - 1), at=now)
            .on_conflict_do_update(
                index_elements=[c.key],
                set_={"level": refilled - 1.0, "at": now},
                where=refilled >= 1.0,
            )
            .returning(c.level)
        )

    def _seconds_since(self, later: Any, earlier: Any) -> Any:
        """``later - earlier`` in seconds, as SQL (two timestamps of ``UtcDateTime``)."""
        if self._postgres:
            return sa.cast(sa.extract("epoch", later - earlier), sa.Float)
        # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds and their fraction apart, so
        # the difference is exact (julianday() would be off by tens of microseconds).
        return (_whole_seconds(later) - _whole_seconds(earlier)) + (
            _fraction(later) - _fraction(earlier)
        )

    def _least(self, a: Any, b: Any) -> Any:
        return (sa.func.least if self._postgres else sa.func.min)(a, b)

    def _greatest(self, a: Any, b: Any) -> Any:
        return (sa.func.greatest if self._postgres else sa.func.max)(a, b)


@functools.cache
def _buckets(count: int) -> sa.Select[Any]:
    """The SELECT of ``count`` buckets by their row keys (``key0``, ``key1``...), built once per
    count, with a bound parameter per key (no list expanded at every run)."""
    c = t.rate_limits.c
    keys = [sa.bindparam(f"key{i}", type_=sa.String) for i in range(count)]
    return sa.select(c.key, c.level, c.at).where(c.key.in_(keys))


def sql_buckets(
    engine: Engine, checks: Sequence[tuple[RateLimiter, str]]
) -> list[tuple[SqlRateLimiter, str]] | None:
    """Each ``(limiter, key)`` of ``checks`` as its limiter and the row key of its bucket, when
    every limiter is a :class:`SqlRateLimiter` on ``engine`` (``None`` otherwise: some bucket is
    elsewhere, so the limiters must be asked one by one)."""
    buckets = []
    for limiter, key in checks:
        if not isinstance(limiter, SqlRateLimiter) or limiter.engine is not engine:
            return None
        buckets.append((limiter, limiter.row_key(key)))
    return buckets


def _whole_seconds(stamp: Any) -> Any:
    """The whole seconds since 1970 of a SQLite timestamp, as SQL."""
    # Without its fraction: SQLite rounds a time to milliseconds, so 09:00:23.999997 is 24 s.
    return sa.cast(sa.func.strftime("%s", sa.func.substr(stamp, 1, 19)), sa.Integer)


def _fraction(stamp: Any) -> Any:
    """The fraction of a second of a SQLite timestamp (its '.ffffff' part), as SQL."""
    return sa.cast(sa.func.substr(stamp, 20), sa.Float)


class SqlRateLimits(SqlBase):
    """The :class:`~clientportal.ports.RateLimits` port over ``cp_rate_limits``: part of
    :class:`~clientportal.sql.SqlStore`.

    :meth:`rate_limiter` gives one :class:`SqlRateLimiter` per name (the same object for the same
    name); every store and process on the database shares its buckets.
    """

    def __init__(self, engine: Engine | str) -> None:
        super().__init__(engine)
        self._limiters: dict[str, SqlRateLimiter] = {}
        self._limiters_lock = threading.Lock()

    def rate_limiter(
        self, name: str, *, capacity: int, refill_every: dt.timedelta
    ) -> SqlRateLimiter:
        """The token-bucket limiter ``name`` (its keys never meet another name's): ``capacity``
        units per key, one more every ``refill_every``. Raises ``ValueError`` when ``name`` was
        already given with another capacity or refill."""
        with self._limiters_lock:
            return named_limiter(
                self._limiters,
                name,
                capacity=capacity,
                refill_every=refill_every,
                make=lambda: SqlRateLimiter(
                    self.engine, name, capacity=capacity, refill_every=refill_every
                ),
            )

    def prune_rate_limits(self, before: dt.datetime, *, limit: int | None = None) -> int:
        """Delete the rate-limit rows (of every name) last hit before ``before``, at most
        ``limit`` of them: how many were deleted. A deleted row is a full bucket, so choose
        ``before`` older than any limiter's ``capacity * refill_every``."""
        c = t.rate_limits.c
        stale: Any = sa.select(c.key).where(c.at < before)
        if limit is not None:
            stale = stale.limit(limit)
        with self._write() as conn:
            deleted = conn.execute(
                sa.delete(t.rate_limits).where(c.key.in_(stale.scalar_subquery()), c.at < before)
            )
        return int(deleted.rowcount)
