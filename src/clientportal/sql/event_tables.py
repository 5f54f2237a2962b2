"""The event log's tables (in :data:`~clientportal.sql.tables.metadata`, migrations 0007 and
0008).

``cp_events`` holds every event under ``seq``, an auto-incremented number (the event's id and
the log's order: see :mod:`clientportal.sql.events` for why it is the commit order too), with
two indexes for reading one portal's events newest first (0008): by portal, and by client for
the events that name no portal.
``cp_webhooks`` holds the endpoints with their secrets, ``cp_webhook_deliveries`` one row per
event and endpoint, and ``cp_event_consumers`` the cursor of each host callback.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table

from .tables import metadata
from .types import Text, UtcDateTime

__all__ = ["event_consumers", "events", "webhook_deliveries", "webhooks"]

#: A 64-bit auto-incremented key (SQLite's rowid alias must be spelled INTEGER).
_BigId = BigInteger().with_variant(Integer(), "sqlite")
_ID = 191

events = Table(
    "cp_events",
    metadata,
    Column("seq", _BigId, primary_key=True, autoincrement=True),
    Column("type", String(64), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("portal_id", String(_ID)),
    Column("client_id", String(_ID)),
    Column("data", Text, nullable=False),  # a JSON object
    Index("ix_cp_events_portal_seq", "portal_id", "seq"),
    Index("ix_cp_events_client_portal_seq", "client_id", "portal_id", "seq"),
    sqlite_autoincrement=True,  # a seq is never given twice, even after a rollback
)

webhooks = Table(
    "cp_webhooks",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "cp_webhook_deliveries",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("event_seq", BigInteger, ForeignKey("cp_events.seq"), nullable=False),
    Column(
        "webhook_id",
        String(_ID),
        ForeignKey("cp_webhooks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # None once delivered or given up.
    Column("next_attempt_at", UtcDateTime),
    Column("delivered_at", UtcDateTime),
    Column("last_error", Text),
    # A worker's claim: nobody else claims the delivery before then.
    Column("leased_until", UtcDateTime),
    Index("ix_cp_webhook_deliveries_due", "next_attempt_at"),
)

event_consumers = Table(
    "cp_event_consumers",
    metadata,
    Column("name", String(_ID), primary_key=True),
    Column("after_id", String(_ID)),  # the last event handled; None: none yet
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime),
    Column("last_error", Text),
    Column("leased_until", UtcDateTime),
)
