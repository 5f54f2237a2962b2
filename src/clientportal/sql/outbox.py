"""``SqlOutboxStore``: the e-mails waiting to go out (the
:class:`~clientportal.ports.OutboxStore` port) in ``cp_outbox``.

Claims lock with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of delivery workers can
run, and lease the claimed rows for a while, so a crashed worker's messages come back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import LargeBinary, and_, case, literal, or_, select
from sqlalchemy.engine import Connection, Row

from ..errors import NotFound
from ..ports import OutboxMessage, check_claim, check_new_outbox
from . import tables as t
from .base import SqlBase
from .rows import record_of

__all__ = ["SqlOutboxStore", "insert_outbox"]

#: What is kept of a message that is done with: nothing of one that carries a secret (in the same
#: statement that marks it sent or given up).
_KEPT = case((t.outbox.c.secret, literal(b"", LargeBinary)), else_=t.outbox.c.message)


class SqlOutboxStore(SqlBase):
    """An :class:`~clientportal.ports.OutboxStore` over ``cp_outbox``: part of
    :class:`~clientportal.sql.SqlStore`."""

    def enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue ``messages``; ``ValueError`` (and nothing queued) when an id is taken."""
        if messages:
            with self._write() as conn:
                insert_outbox(conn, messages)

    def claim_due(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> Sequence[OutboxMessage]:
        """Claim up to ``limit`` due, unsent, unleased messages (oldest first) until
        ``now + lease``, in one statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
        check_claim(now, limit, lease)
        o = t.outbox
        due = (
            select(o.c.id)
            .where(
                o.c.sent_at.is_(None),
                or_(
                    o.c.next_attempt_at <= now,
                    and_(o.c.next_attempt_at.is_(None), o.c.attempts == 0),
                ),
                or_(o.c.leased_until.is_(None), o.c.leased_until <= now),
            )
            .order_by(o.c.created_at, o.c.id)
            .limit(limit)
        )
        if self._postgres:
            due = due.with_for_update(skip_locked=True)
        claim = o.update().where(o.c.id.in_(due)).values(leased_until=now + lease).returning(o)
        with self._write() as conn:
            rows = conn.execute(claim).all()
        return sorted((_outbox(row) for row in rows), key=lambda m: (m.created_at, m.id))

    def mark_sent(self, message_id: str, *, at: dt.datetime) -> None:
        """Record that the message was delivered; :class:`~clientportal.NotFound` for an unknown
        id."""
        self._update_outbox(
            message_id, sent_at=at, next_attempt_at=None, leased_until=None, message=_KEPT
        )

    def mark_failed(
        self, message_id: str, *, at: dt.datetime, error: str, retry_at: dt.datetime | None
    ) -> None:
        """Count a failed attempt and keep ``error``; retry at ``retry_at`` (``None``: give up)."""
        given_up = {} if retry_at is not None else {"message": _KEPT}
        self._update_outbox(
            message_id,
            attempts=t.outbox.c.attempts + 1,
            last_error=error,
            next_attempt_at=retry_at,
            leased_until=None,
            **given_up,
        )

    def _update_outbox(self, message_id: str, **values: Any) -> None:
        update = t.outbox.update().where(t.outbox.c.id == message_id).values(**values)
        with self._write() as conn:
            if conn.execute(update).rowcount == 0:
                raise NotFound(f"no outbox message with id {message_id!r}")

    def pending(self) -> Sequence[OutboxMessage]:
        """Every unsent message, given-up ones included, oldest first."""
        o = t.outbox
        query = select(o).where(o.c.sent_at.is_(None)).order_by(o.c.created_at, o.c.id)
        with self._read() as conn:
            return [_outbox(row) for row in conn.execute(query)]

    def outbox_message(self, message_id: str) -> OutboxMessage | None:
        """The outbox message with this id, sent or not, or ``None``."""
        with self._read() as conn:
            row = conn.execute(select(t.outbox).where(t.outbox.c.id == message_id)).first()
        return None if row is None else _outbox(row)


def insert_outbox(conn: Connection, messages: Sequence[OutboxMessage]) -> None:
    """Queue ``messages`` in the transaction of ``conn``: :class:`~clientportal.ValidationError`
    (and nothing queued) when an id is taken."""
    check_new_outbox(
        [m.id for m in messages],
        lambda ids: conn.execute(select(t.outbox.c.id).where(t.outbox.c.id.in_(ids))).scalars(),
    )
    conn.execute(t.outbox.insert(), [_outbox_values(m) for m in messages])


def _outbox_values(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "message_id": message.message_id,
        "recipients": json.dumps(list(message.recipients)),
        "message": message.message,
        "created_at": message.created_at,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at,
        "sent_at": message.sent_at,
        "last_error": message.last_error,
        "leased_until": None,
        "secret": message.secret,
    }


def _outbox(row: Row[Any]) -> OutboxMessage:
    return record_of(
        OutboxMessage,
        row,
        recipients=tuple(json.loads(row.recipients)),
        message=bytes(row.message),
    )
