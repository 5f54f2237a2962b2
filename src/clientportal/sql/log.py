"""``SqlAccessLog``: the access log (the :class:`~clientportal.ports.AccessLog` port) in
``cp_access_log``."""

from __future__ import annotations

from sqlalchemy import select

from ..access import AccessAction, AccessEvent
from . import tables as t
from .base import SqlBase
from .rows import record_of

__all__ = ["SqlAccessLog"]


class SqlAccessLog(SqlBase):
    """An :class:`~clientportal.ports.AccessLog` over ``cp_access_log``: part of
    :class:`~clientportal.sql.SqlStore`."""

    def record(self, event: AccessEvent) -> None:
        """Append ``event`` to the access log."""
        with self._write() as conn:
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
