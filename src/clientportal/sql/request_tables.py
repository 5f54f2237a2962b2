"""The tables of approval requests, once-only e-mails, sign-offs and quote decisions (in
:data:`~clientportal.sql.tables.metadata`, migration 0009), and the indexes by status on the
approval states that the staff reminders read
(:meth:`~clientportal.ports.RequestStore.items_in_status`).

- ``cp_approval_requests``: one row per approval-request e-mail's question to one contact; the
  items it listed are a JSON list of ``[kind, id, version]`` (read and written whole, never
  queried), the action link's secret only as its SHA-256. Unused recent requests are found by
  ``created_at`` (``ix_cp_approval_requests_created_at``).
- ``cp_sent_once``: the keys of the e-mails sent once (a reminder, an escalation, a warning);
  the primary key is what makes a second worker's insert do nothing.
- ``cp_signoffs``: sign-off certificates, their canonical JSON document and its SHA-256, read
  per portal (and contact) newest first; ``withdrawn_at`` is set when an item they cover is
  undone or reopened.
- ``cp_signoff_items``: the items each sign-off covers, keyed by item first: the sign-offs of
  an item (to withdraw them, :meth:`~clientportal.ports.RequestStore.signoffs_for`) are a
  range of the primary key; a sign-off's own items are found by ``ix_cp_signoff_items_signoff_id``.
- ``cp_quote_decisions``: one row per decided quote, keyed by client and quote: a second
  decision's insert does nothing. The quote's amount as the contact saw it is text (the
  :class:`~decimal.Decimal` exactly, whatever the database).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, String, Table

from . import tables as t
from .tables import metadata
from .types import Text, UtcDateTime

__all__ = ["approval_requests", "quote_decisions", "sent_once", "signoff_items", "signoffs"]

_ID = 191
#: The longest key :meth:`~clientportal.ports.RequestStore.send_once` records.
_KEY = 200

approval_requests = Table(
    "cp_approval_requests",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("portal_id", String(_ID), nullable=False),
    Column("contact_id", String(_ID), nullable=False),
    Column("link_id", String(_ID)),
    Column("items", Text, nullable=False),  # a JSON list of [kind, id, version]
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("note", Text),
    Index("ix_cp_approval_requests_created_at", "created_at"),
)

sent_once = Table(
    "cp_sent_once",
    metadata,
    Column("key", String(_KEY), primary_key=True),
    Column("done_at", UtcDateTime, nullable=False),
)

signoffs = Table(
    "cp_signoffs",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("portal_id", String(_ID), nullable=False),
    Column("contact_id", String(_ID), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("document", Text, nullable=False),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("withdrawn_at", UtcDateTime),
    Index("ix_cp_signoffs_portal_created", "portal_id", "created_at"),
    Index("ix_cp_signoffs_portal_contact_created", "portal_id", "contact_id", "created_at"),
)

signoff_items = Table(
    "cp_signoff_items",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("item_id", String(_ID), primary_key=True),
    Column(
        "signoff_id",
        String(_ID),
        ForeignKey("cp_signoffs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index("ix_cp_signoff_items_signoff_id", "signoff_id"),
)

quote_decisions = Table(
    "cp_quote_decisions",
    metadata,
    Column("client_id", String(_ID), primary_key=True),
    Column("quote_id", String(_ID), primary_key=True),
    Column("portal_id", String(_ID), nullable=False),
    Column("contact_id", String(_ID), nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("signature", Text, nullable=False),
    Column("reason", Text),
    Column("address_hash", Text),
    Column("at", UtcDateTime, nullable=False),
    Column("amount", Text),  # the Decimal's text, exact
    Column("currency", String(3)),
)

# The staff reminders read the states in one status, oldest first (migration 0009): indexes on
# the state tables of :mod:`.tables`, declared here with the part that reads them.
Index("ix_cp_approvals_status_updated_at", t.approvals.c.status, t.approvals.c.updated_at)
Index(
    "ix_cp_item_approvals_status_updated_at",
    t.item_approvals.c.status,
    t.item_approvals.c.updated_at,
)
