"""``SqlStore``: the whole :class:`~clientportal.ports.Store` in SQLite or PostgreSQL.

One class made of one part per port, each in its own module: portals, links and codes
(:mod:`~clientportal.sql.portals`), approval state and its audit trail
(:mod:`~clientportal.sql.approvals`), the outbox (:mod:`~clientportal.sql.outbox`), the
access log (:mod:`~clientportal.sql.log`), the shared rate limits
(:mod:`~clientportal.sql.ratelimit`), the event log with its webhooks
(:mod:`~clientportal.sql.events`), and approval requests, once-only e-mails, sign-offs and quote
decisions (:mod:`~clientportal.sql.requests`). Every change that may race is one atomic statement or
one transaction: see each part.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from ..access import AccessPolicy
from .approvals import SqlApprovalStore
from .events import SqlEventLog
from .log import SqlAccessLog
from .outbox import SqlOutboxStore
from .portals import SqlPortalStore
from .ratelimit import SqlRateLimits
from .requests import SqlRequestStore

__all__ = ["SqlStore", "session_retention"]


def session_retention(wanted: dt.timedelta) -> dt.timedelta:
    """How long an unused session's row is kept when ``wanted`` is asked for: never less than a
    session's default lifetime (30 days), so pruning never ends a session that still works."""
    return max(wanted, AccessPolicy().session_lifetime)


class SqlStore(
    SqlPortalStore,
    SqlApprovalStore,
    SqlOutboxStore,
    SqlAccessLog,
    SqlRateLimits,
    SqlEventLog,
    SqlRequestStore,
):
    """A :class:`~clientportal.ports.Store` over the ``cp_*`` tables of a SQLite or PostgreSQL
    database. Create the tables first with :func:`clientportal.sql.upgrade`.

    ``engine`` is an :class:`~sqlalchemy.engine.Engine` (prepared with
    :func:`~clientportal.sql.prepare_engine`) or a URL. Any number of stores, threads and
    processes may share one database: every racy change is atomic in the database itself.

    It is also :class:`~clientportal.ports.RateLimits`: the service's rate limits live in
    ``cp_rate_limits``, one budget per key for every process on the database. The access log is
    bounded: refusals are recorded within a budget per client (10, then one every 6 minutes, per
    action), and now and then (every 500 events, at most 1,000 rows at a time) the store deletes
    access events older than ``access_log_retention`` (default 90 days), rate-limit rows
    nobody hit for ``rate_limit_retention`` (default 1 day), and sessions not seen (or ended)
    for as long as access events are kept (never less than a session's default lifetime).
    ``clientportal db prune`` deletes them all at once.
    """

    def __init__(
        self,
        engine: Engine | str,
        *,
        access_log_retention: dt.timedelta = SqlAccessLog.access_log_retention,
        rate_limit_retention: dt.timedelta = SqlAccessLog.rate_limit_retention,
    ) -> None:
        for name, value in (
            ("access_log_retention", access_log_retention),
            ("rate_limit_retention", rate_limit_retention),
        ):
            if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
                raise ValueError(f"{name} must be a positive timedelta, got {value!r}")
        super().__init__(engine)
        self.access_log_retention = access_log_retention
        self.rate_limit_retention = rate_limit_retention

    def _prune_some(self, now: dt.datetime) -> None:
        super()._prune_some(now)
        self.prune_sessions(
            now - session_retention(self.access_log_retention), limit=self.prune_limit
        )
