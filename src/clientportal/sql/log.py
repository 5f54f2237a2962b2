"""``SqlAccessLog``: the access log (the :class:`~clientportal.ports.AccessLog` port) in
``cp_access_log``, bounded: refusals are recorded within a budget per client, and old events
are pruned."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from ..access import OK, AccessAction, AccessEvent
from . import tables as t
from .ratelimit import SqlRateLimiter, SqlRateLimits
from .rows import record_of

__all__ = ["SqlAccessLog"]


class SqlAccessLog(SqlRateLimits):
    """An :class:`~clientportal.ports.AccessLog` over ``cp_access_log``: part of
    :class:`~clientportal.sql.SqlStore`.

    Successes are always recorded. Refusals are recorded while the client's budget allows: per
    client hash and action, ``refusals_logged`` (10) at once, then one more every
    ``refusals_refill`` (6 minutes), a token bucket named ``"log"`` in ``cp_rate_limits``. So a
    flood from one address adds a handful of rows (each refusal still goes to the Python logger
    ``clientportal.access``). Every ``prune_every`` (500) events it records, the store deletes up
    to ``prune_limit`` (1,000) events older than ``access_log_retention`` (90 days) and as many
    rate-limit rows untouched for ``rate_limit_retention`` (1 day); :meth:`prune_access_log`
    and ``clientportal db prune`` delete them all.
    """

    #: How long an access event is kept before the store prunes it.
    access_log_retention: dt.timedelta = dt.timedelta(days=90)
    #: How long a rate-limit row nobody hits is kept (longer than any limiter takes to refill).
    rate_limit_retention: dt.timedelta = dt.timedelta(days=1)
    #: Refusals recorded per client hash and action before the budget runs dry.
    refusals_logged: int = 10
    #: One more refusal recorded per client hash and action every this long.
    refusals_refill: dt.timedelta = dt.timedelta(minutes=6)
    #: Events recorded between two automatic prunings.
    prune_every: int = 500
    #: The most rows (of each table) one automatic pruning deletes.
    prune_limit: int = 1_000

    def __init__(self, engine: Engine | str) -> None:
        super().__init__(engine)
        self._recorded = itertools.count(1)
        self._refusal_budget: SqlRateLimiter = self.rate_limiter(
            "log", capacity=self.refusals_logged, refill_every=self.refusals_refill
        )

    def record(self, event: AccessEvent) -> None:
        """Append ``event`` to the access log: always a success, a refusal while its client's
        budget allows (the budget and the row are one transaction)."""
        refusal = event.reason != OK
        budget_key = f"{event.client_hash or '-'}:{event.action.value}"
        # A flood is turned away by a read; the write spends the budget atomically.
        if refusal and not self._refusal_budget.allowed(budget_key, now=event.at):
            return
        with self._write() as conn:
            if refusal and not self._refusal_budget.spend(conn, budget_key, now=event.at):
                return
            conn.execute(
                t.access_log.insert().values(
                    at=event.at,
                    action=event.action.value,
                    reason=event.reason,
                    link_id=event.link_id,
                    portal_id=event.portal_id,
                    client_hash=event.client_hash,
                )
            )
        if next(self._recorded) % self.prune_every == 0:
            self._prune_some(event.at)

    def _prune_some(self, now: dt.datetime) -> None:
        """One automatic pruning: a bounded amount of what the retention windows let go."""
        self.prune_access_log(now - self.access_log_retention, limit=self.prune_limit)
        self.prune_rate_limits(now - self.rate_limit_retention, limit=self.prune_limit)

    def prune_access_log(self, before: dt.datetime, *, limit: int | None = None) -> int:
        """Delete the access events older than ``before`` (at most ``limit`` of them, oldest
        first): how many were deleted."""
        c = t.access_log.c
        old: Any = select(c.id).where(c.at < before).order_by(c.at)
        if limit is not None:
            old = old.limit(limit)
        with self._write() as conn:
            deleted = conn.execute(delete(t.access_log).where(c.id.in_(old.scalar_subquery())))
        return int(deleted.rowcount)

    def access_events(self, portal_id: str | None = None) -> tuple[AccessEvent, ...]:
        """The access log, oldest first; only ``portal_id``'s events when it is given."""
        query = select(t.access_log).order_by(t.access_log.c.id)
        if portal_id is not None:
            query = query.where(t.access_log.c.portal_id == portal_id)
        with self._read() as conn:
            return tuple(
                record_of(AccessEvent, row, action=AccessAction(row.action))
                for row in conn.execute(query)
            )
