"""``SqlStore``: the whole :class:`~clientportal.ports.Store` in SQLite or PostgreSQL.

One class made of one part per port, each in its own module: portals, links and codes
(:mod:`~clientportal.sql.portals`), approval state and its audit trail
(:mod:`~clientportal.sql.approvals`), the outbox (:mod:`~clientportal.sql.outbox`) and the
access log (:mod:`~clientportal.sql.log`). Every change that may race is one atomic statement or
one transaction: see each part.
"""

from __future__ import annotations

from .approvals import SqlApprovalStore
from .log import SqlAccessLog
from .outbox import SqlOutboxStore
from .portals import SqlPortalStore

__all__ = ["SqlStore"]


class SqlStore(SqlPortalStore, SqlApprovalStore, SqlOutboxStore, SqlAccessLog):
    """A :class:`~clientportal.ports.Store` over the ``cp_*`` tables of a SQLite or PostgreSQL
    database. Create the tables first with :func:`clientportal.sql.upgrade`.

    ``engine`` is an :class:`~sqlalchemy.engine.Engine` (prepared with
    :func:`~clientportal.sql.prepare_engine`) or a URL. Any number of stores, threads and
    processes may share one database: every racy change is atomic in the database itself.
    """
