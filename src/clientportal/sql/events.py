"""``SqlEventLog``: the event log, webhook endpoints and deliveries, and the host callbacks'
cursors (the :mod:`clientportal.ports.events` ports) in the tables of
:mod:`clientportal.sql.event_tables`.

**Reading in order with several writers.** Events are numbered by a sequence (``seq``, the
event's id) when they are inserted, and read in that order. But sequences are not commit order:
on PostgreSQL a transaction may take seq 7 and commit after another took and committed seq 8,
and a reader that had seen 8 and then asked for "after 8" would skip 7 for ever. So a
transaction takes a transaction-level advisory lock (:data:`EVENT_LOCK`) before it numbers its
events, and holds it until it commits or rolls back: the next writer's numbers are taken only
after the previous writer's events are visible, so the numbers become visible in order, and a
reader that passes back the last id it read never skips one. The events are the last thing
every transaction writes, so the lock is held only for their inserts and the commit. On SQLite
one writer at a time holds the database (``BEGIN IMMEDIATE``) until it commits: the same order
without a lock.

**A portal's events, newest first.** :meth:`SqlEventLog.portal_events` reads the portal's events
and its client's portal-less ones as two keyset queries, each walking an index backwards
(``ix_cp_events_portal_seq`` on ``(portal_id, seq)``, ``ix_cp_events_client_portal_seq`` on
``(client_id, portal_id, seq)``, migration 0008) and stopping after ``limit`` rows, and merges
them: a page costs what it returns, however long the log. Each query is written so that the
database can only answer it with that walk (:func:`_portal_walk`); the tests check the plans.

**Webhooks.** Writing an event queues its delivery to every endpoint there is, in the same
transaction. Workers claim due deliveries with a lease (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), as they claim e-mails.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection, Row

from ..errors import NotFound, ValidationError
from ..ports import (
    ConsumerState,
    Event,
    NewEvent,
    WebhookDelivery,
    WebhookEndpoint,
    check_claim,
    check_event_limit,
    unknown_event,
)
from . import event_tables as et
from .base import SqlBase

__all__ = ["EVENT_LOCK", "SqlEventLog", "insert_events"]

_E = et.events
_W = et.webhooks
_D = et.webhook_deliveries
_C = et.event_consumers


#: The PostgreSQL advisory lock (one per database) that event writers hold until they commit,
#: so that event numbers become visible in order.
EVENT_LOCK = 0x636C_6965_6E74_7076  # "clientpv"


def insert_events(conn: Connection, events: Sequence[NewEvent], *, postgres: bool) -> None:
    """Write ``events`` in the transaction of ``conn``, each queued for every webhook."""
    if not events:
        return
    rows = [
        {
            "type": e.type,
            "occurred_at": e.occurred_at,
            "portal_id": e.portal_id,
            "client_id": e.client_id,
            "data": json.dumps(dict(e.data), sort_keys=True),
        }
        for e in events
    ]
    if postgres:  # held until the transaction ends: see the module's docstring
        conn.execute(select(func.pg_advisory_xact_lock(EVENT_LOCK)))
    insert = _E.insert().returning(_E.c.seq)
    seqs = [conn.execute(insert, row).scalar_one() for row in rows]
    fan_out = _D.insert().from_select(
        ["event_seq", "webhook_id", "attempts", "next_attempt_at"],
        select(_E.c.seq, _W.c.id, sa.literal(0), _E.c.occurred_at)
        .select_from(_E.join(_W, sa.true()))
        .where(_E.c.seq.in_(seqs)),
    )
    conn.execute(fan_out)


def _event(row: Row[Any]) -> Event:
    return Event(
        id=str(row.seq),
        type=row.type,
        occurred_at=row.occurred_at,
        portal_id=row.portal_id,
        client_id=row.client_id,
        data=json.loads(row.data),
    )


class SqlEventLog(SqlBase):
    """The event log, webhooks and callbacks' cursors over the ``cp_events``,
    ``cp_webhooks``, ``cp_webhook_deliveries`` and ``cp_event_consumers`` tables: part of
    :class:`~clientportal.sql.SqlStore`."""

    # -- the log -------------------------------------------------------------------------------

    def events(self, after: str | None = None, limit: int = 100) -> Sequence[Event]:
        """Up to ``limit`` events after the event ``after``, in order (see the module's
        docstring)."""
        check_event_limit(limit)
        query = select(_E).order_by(_E.c.seq).limit(limit)
        with self._read() as conn:
            if after is not None:
                seq = (
                    int(after) if after.isascii() and after.isdigit() and len(after) < 19 else None
                )
                found = (
                    None
                    if seq is None
                    else conn.execute(select(_E.c.seq).where(_E.c.seq == seq)).first()
                )
                if found is None:
                    raise unknown_event(after)
                query = query.where(_E.c.seq > found.seq)
            return [_event(row) for row in conn.execute(query)]

    def portal_events(
        self,
        portal_id: str,
        *,
        client_id: str | None = None,
        before: str | None = None,
        limit: int = 50,
    ) -> Sequence[Event]:
        """Up to ``limit`` events of the portal (and the client's events that name no portal,
        with ``client_id``) before the event ``before``, newest first: two index walks, merged
        (see the module's docstring)."""
        check_event_limit(limit)
        postgres = self._postgres
        walks = [_portal_walk(portal_id, postgres=postgres)]
        if client_id is not None:
            walks.append(_client_walk(client_id, postgres=postgres))
        with self._read() as conn:
            if before is not None:
                seq = (
                    int(before)
                    if before.isascii() and before.isdigit() and len(before) < 19
                    else None
                )
                found = (
                    None
                    if seq is None
                    else conn.execute(select(_E.c.seq).where(_E.c.seq == seq)).first()
                )
                if found is None:
                    raise unknown_event(before, name="before")
                walks = [walk.where(_E.c.seq < found.seq) for walk in walks]
            rows = [row for walk in walks for row in conn.execute(walk.limit(limit))]
        # A collation that calls two ids equal must not mix portals (see _portal_walk).
        rows = [
            row
            for row in rows
            if row.portal_id == portal_id or (row.portal_id is None and row.client_id == client_id)
        ]
        rows.sort(key=lambda row: row.seq, reverse=True)
        return [_event(row) for row in rows[:limit]]

    # -- webhooks ------------------------------------------------------------------------------

    def add_webhook(self, endpoint: WebhookEndpoint) -> None:
        """Store a new endpoint; :class:`~clientportal.ValidationError` when its id is taken."""
        values = {
            "id": endpoint.id,
            "url": endpoint.url,
            "secret": endpoint.secret,
            "created_at": endpoint.created_at,
        }
        with self._write() as conn:
            taken = conn.execute(select(_W.c.id).where(_W.c.id == endpoint.id)).first()
            if taken is not None:
                raise ValidationError(
                    [f"webhook id {endpoint.id!r} is taken: give the endpoint a new id"],
                    summary="cannot add the webhook",
                )
            conn.execute(_W.insert().values(values))

    def webhooks(self) -> Sequence[WebhookEndpoint]:
        """Every endpoint, oldest first."""
        with self._read() as conn:
            rows = conn.execute(select(_W).order_by(_W.c.created_at, _W.c.id))
            return [_endpoint(row) for row in rows]

    def remove_webhook(self, webhook_id: str) -> bool:
        """Remove the endpoint and its deliveries; False when there is none."""
        with self._write() as conn:
            conn.execute(_D.delete().where(_D.c.webhook_id == webhook_id))
            return conn.execute(_W.delete().where(_W.c.id == webhook_id)).rowcount == 1

    def claim_deliveries(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> Sequence[WebhookDelivery]:
        """Claim up to ``limit`` due, unleased deliveries (oldest first) until ``now + lease``,
        in one statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
        check_claim(now, limit, lease)
        due = (
            select(_D.c.id)
            .where(
                _D.c.next_attempt_at <= now,
                or_(_D.c.leased_until.is_(None), _D.c.leased_until <= now),
            )
            .order_by(_D.c.next_attempt_at, _D.c.id)
            .limit(limit)
        )
        if self._postgres:
            due = due.with_for_update(skip_locked=True)
        claim = _D.update().where(_D.c.id.in_(due)).values(leased_until=now + lease)
        with self._write() as conn:
            ids = conn.execute(claim.returning(_D.c.id)).scalars().all()
            rows = conn.execute(_delivery_query().where(_D.c.id.in_(ids))).all()
        return [_delivery(row) for row in rows]

    def mark_delivered(
        self, delivery_id: str, *, at: dt.datetime, lease: dt.datetime | None = None
    ) -> bool:
        """Record that the delivery was accepted (with ``lease``: only while still held,
        ``... WHERE id = ? AND leased_until = ?``)."""
        return self._update_delivery(
            delivery_id,
            lease,
            attempts=_D.c.attempts + 1,
            delivered_at=at,
            next_attempt_at=None,
            leased_until=None,
        )

    def mark_delivery_failed(
        self,
        delivery_id: str,
        *,
        at: dt.datetime,
        error: str,
        retry_at: dt.datetime | None,
        lease: dt.datetime | None = None,
    ) -> bool:
        """Count a failed attempt and keep ``error``; retry at ``retry_at`` (``None``: give up).
        With ``lease``: only while still held."""
        return self._update_delivery(
            delivery_id,
            lease,
            attempts=_D.c.attempts + 1,
            last_error=error,
            next_attempt_at=retry_at,
            leased_until=None,
        )

    def _update_delivery(self, delivery_id: str, lease: dt.datetime | None, **values: Any) -> bool:
        key = (
            int(delivery_id)
            if delivery_id.isascii() and delivery_id.isdigit() and len(delivery_id) < 19
            else -1
        )
        update = _D.update().where(_D.c.id == key).values(**values)
        if lease is not None:
            update = update.where(_D.c.leased_until == lease)
        with self._write() as conn:
            if conn.execute(update).rowcount == 1:
                return True
            if conn.execute(select(_D.c.id).where(_D.c.id == key)).first() is None:
                raise NotFound(f"no webhook delivery with id {delivery_id!r}")
            return False

    def deliveries(self, webhook_id: str | None = None) -> Sequence[WebhookDelivery]:
        """Every delivery (of one endpoint), oldest first."""
        query = _delivery_query()
        if webhook_id is not None:
            query = query.where(_D.c.webhook_id == webhook_id)
        with self._read() as conn:
            return [_delivery(row) for row in conn.execute(query)]

    # -- callbacks' cursors --------------------------------------------------------------------

    def claim_consumer(
        self, name: str, *, now: dt.datetime, lease: dt.timedelta
    ) -> ConsumerState | None:
        """Lease the consumer ``name`` until ``now + lease`` in one statement; ``None`` while
        another worker holds it or its retry is not due."""
        check_claim(now, 1, lease)
        create = self._insert(_C).values(name=name).on_conflict_do_nothing(index_elements=["name"])
        claim = (
            _C.update()
            .where(
                _C.c.name == name,
                or_(_C.c.leased_until.is_(None), _C.c.leased_until <= now),
                or_(_C.c.next_attempt_at.is_(None), _C.c.next_attempt_at <= now),
            )
            .values(leased_until=now + lease)
            .returning(_C)
        )
        with self._write() as conn:
            conn.execute(create)
            row = conn.execute(claim).first()
        if row is None:
            return None
        return ConsumerState(
            name=row.name,
            after=row.after_id,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            leased_until=row.leased_until,
        )

    def advance_consumer(self, name: str, after: str, *, lease: dt.datetime | None = None) -> bool:
        """Move the consumer past the event ``after``; its failures are forgotten (with
        ``lease``: only while still held, ``... WHERE name = ? AND leased_until = ?``)."""
        return self._update_consumer(
            name, lease, after_id=after, attempts=0, next_attempt_at=None, last_error=None
        )

    def consumer_failed(
        self, name: str, *, error: str, retry_at: dt.datetime, lease: dt.datetime | None = None
    ) -> bool:
        """Count a failed attempt of the consumer's next event; try again at ``retry_at``
        (with ``lease``: only while still held)."""
        return self._update_consumer(
            name, lease, attempts=_C.c.attempts + 1, last_error=error, next_attempt_at=retry_at
        )

    def release_consumer(self, name: str, *, lease: dt.datetime | None = None) -> bool:
        """End the consumer's lease (with ``lease``: only the lease it is)."""
        return self._update_consumer(name, lease, leased_until=None)

    def _update_consumer(self, name: str, lease: dt.datetime | None, **values: Any) -> bool:
        update = _C.update().where(_C.c.name == name).values(**values)
        if lease is not None:
            update = update.where(_C.c.leased_until == lease)
        with self._write() as conn:
            if conn.execute(update).rowcount == 1:
                return True
            if conn.execute(select(_C.c.name).where(_C.c.name == name)).first() is None:
                raise NotFound(f"no event consumer named {name!r}: claim it first")
            return False


def _portal_walk(portal_id: str, *, postgres: bool) -> sa.Select[Any]:
    """The portal's events, newest first, as a walk of ``ix_cp_events_portal_seq``.

    On PostgreSQL ``portal_id`` is matched as a range of one value, not with ``=``, and the
    order names it: PostgreSQL drops an order on a column it knows to equal a constant, and
    would then be free to walk the primary key backwards filtering each row -- cheap while the
    portal is busy lately, a scan of the whole recent log when it is not. With the range only
    this index gives the order, so the walk stops after a page. (Under a deterministic
    collation, the only kind a database default can be, the range holds exactly the equal
    ids.) SQLite walks the index for the plain ``=`` (and would sort after a range)."""
    column = _E.c.portal_id
    if not postgres:
        return select(_E).where(column == portal_id).order_by(_E.c.seq.desc())
    return (
        select(_E)
        .where(column >= portal_id, column <= portal_id)
        .order_by(column.desc(), _E.c.seq.desc())
    )


def _client_walk(client_id: str, *, postgres: bool) -> sa.Select[Any]:
    """The client's events that name no portal, newest first, as a walk of
    ``ix_cp_events_client_portal_seq`` (see :func:`_portal_walk` for the range)."""
    column, no_portal = _E.c.client_id, _E.c.portal_id.is_(None)
    if not postgres:
        return select(_E).where(column == client_id, no_portal).order_by(_E.c.seq.desc())
    return (
        select(_E)
        .where(column >= client_id, column <= client_id, no_portal)
        .order_by(column.desc(), _E.c.portal_id.desc(), _E.c.seq.desc())
    )


def _endpoint(row: Row[Any]) -> WebhookEndpoint:
    return WebhookEndpoint(id=row.id, url=row.url, secret=row.secret, created_at=row.created_at)


def _delivery_query() -> sa.Select[Any]:
    return (
        select(
            _D.c.id.label("delivery_id"),
            _D.c.attempts,
            _D.c.next_attempt_at,
            _D.c.delivered_at,
            _D.c.last_error,
            _D.c.leased_until,
            _E,
            _W.c.id.label("webhook_id"),
            _W.c.url,
            _W.c.secret,
            _W.c.created_at,
        )
        .select_from(_D.join(_E, _E.c.seq == _D.c.event_seq).join(_W, _W.c.id == _D.c.webhook_id))
        .order_by(_D.c.event_seq, _D.c.id)
    )


def _delivery(row: Row[Any]) -> WebhookDelivery:
    return WebhookDelivery(
        id=str(row.delivery_id),
        event=_event(row),
        endpoint=WebhookEndpoint(
            id=row.webhook_id, url=row.url, secret=row.secret, created_at=row.created_at
        ),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
        leased_until=row.leased_until,
    )
