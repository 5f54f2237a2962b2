"""The tables, as SQLAlchemy Core: the library's own state, and a reference time-tracking schema.

:data:`metadata` holds the library's tables (all named ``cp_*``): portals with their selections
and access state, links, one-time codes, the access log, approval state per entry (and per
expense and trip), the audit trail and the outbox. Alembic migrations create and evolve them
(:func:`clientportal.sql.upgrade`).

:data:`reference_metadata` is a time-tracking schema (tables ``tt_*``) for the demo and for hosts
without one of their own: clients, contacts, employees, projects and members, entries, budgets,
invoices and quotes (expenses and trips in :mod:`clientportal.sql.cost_tables`). Create it with
``reference_metadata.create_all(engine)`` and fill it with :func:`clientportal.sql.load_dataset`;
:class:`~clientportal.sql.SqlDataSource` reads it. A host with its own schema ignores it and writes
its own ``DataSource``.

Entries carry their project's ``client_id`` (a composite foreign key keeps the two consistent), so
a portal's page of hours is one range scan of the ``(client_id, date desc, id)`` index.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    false,
)

from .collation import binary_id
from .types import ExactDecimal, Text, UtcDateTime

#: A 64-bit auto-incremented key (SQLite's rowid alias must be spelled INTEGER).
_BigId = BigInteger().with_variant(Integer(), "sqlite")

__all__ = [
    "access_log",
    "approval_events",
    "approvals",
    "budgets",
    "clients",
    "codes",
    "contacts",
    "document_files",
    "employees",
    "entries",
    "entry_sums",
    "invoice_projects",
    "invoices",
    "item_approvals",
    "links",
    "metadata",
    "outbox",
    "portal_contacts",
    "portal_employees",
    "portal_projects",
    "portals",
    "project_members",
    "projects",
    "quote_projects",
    "quotes",
    "rate_limits",
    "reference_metadata",
    "sessions",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_ID = 191  # fits a utf8mb4 index on any database; ids are short in practice
_ENUM = 32

#: The library's own tables (``cp_*``), created and migrated by Alembic.
metadata = MetaData(naming_convention=NAMING_CONVENTION)

portals = Table(
    "cp_portals",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("client_id", String(_ID), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("language", String(_ENUM), nullable=False),
    Column("show_hours", Boolean, nullable=False),
    Column("show_descriptions", Boolean, nullable=False),
    Column("show_budget", Boolean, nullable=False),
    Column("show_invoices", Boolean, nullable=False),
    Column("show_quotes", Boolean, nullable=False),
    Column("approval", Boolean, nullable=False),
    Column("show_amounts", Boolean, nullable=False),
    Column("documents_scope", String(_ENUM), nullable=False),
    Column("currency", String(3), nullable=False, server_default="EUR"),
    Column("show_non_billable_amounts", Boolean, nullable=False, server_default=false()),
    Column("show_expenses", Boolean, nullable=False, server_default=false()),
    Column("show_trips", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
    # The access state: links issued at an older generation no longer open the portal.
    Column("generation", Integer, nullable=False, server_default="0"),
    Column("access_mode", String(_ENUM), nullable=False, server_default="LINK"),
    CheckConstraint("generation >= 0", name="generation"),
)


def _selection(name: str, column: str) -> Table:
    return Table(
        name,
        metadata,
        Column(
            "portal_id",
            String(_ID),
            ForeignKey("cp_portals.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column(column, String(_ID), primary_key=True),
    )


#: The projects a portal shows (ids of the host's projects; not trusted to be the client's own).
portal_projects = _selection("cp_portal_projects", "project_id")
#: The contacts a portal is for.
portal_contacts = _selection("cp_portal_contacts", "contact_id")
#: The portal's employee filter snapshot.
portal_employees = _selection("cp_portal_employees", "employee_id")

links = Table(
    "cp_links",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column(
        "portal_id",
        String(_ID),
        ForeignKey("cp_portals.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("contact_id", String(_ID)),
    Column("generation", Integer, nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("last_used_at", UtcDateTime),
    Index("ix_cp_links_portal_created", "portal_id", "created_at", "id"),
)

codes = Table(
    "cp_codes",
    metadata,
    Column("id", String(_ID), primary_key=True),
    # One code per link: a new code replaces the previous one.
    Column(
        "link_id",
        String(_ID),
        ForeignKey("cp_links.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("used_at", UtcDateTime),
)

access_log = Table(
    "cp_access_log",
    metadata,
    # 64-bit: a flood must never spend the id sequence (SQLite's INTEGER key is 64-bit already).
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(_ENUM), nullable=False),
    Column("reason", Text, nullable=False),
    Column("link_id", String(_ID)),
    Column("portal_id", String(_ID)),
    Column("client_hash", String(128)),
    Index("ix_cp_access_log_portal_at", "portal_id", "at"),
    Index("ix_cp_access_log_at", "at"),
)

sessions = Table(
    "cp_sessions",
    metadata,
    # The SHA-256 of the session's random id: the cookie holds the id, the store only its hash.
    Column("id_hash", String(64), primary_key=True),
    Column(
        "link_id",
        String(_ID),
        ForeignKey("cp_links.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("code_verified", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Index("ix_cp_sessions_link", "link_id"),
)

rate_limits = Table(
    "cp_rate_limits",
    metadata,
    # One token bucket per key (a limiter's name and a hashed address, prefix or link id).
    Column("key", String(200), primary_key=True),
    Column("level", Float, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_cp_rate_limits_at", "at"),
)

approvals = Table(
    "cp_approvals",
    metadata,
    # The host's entry id; an entry without a row is at its source's own state (OPEN, v0).
    Column("entry_id", String(_ID), primary_key=True),
    Column("status", String(_ENUM), nullable=False),
    Column("workflow", String(_ENUM)),
    Column("version", Integer, nullable=False),
    Column("reason", Text),
    Column("updated_at", UtcDateTime),
)


item_approvals = Table(
    "cp_item_approvals",
    metadata,
    # Expenses' and trips' states ("expense", "trip": ItemKind values); entries keep cp_approvals,
    # which hosts join by entry id. An item without a row is at its source's own state.
    Column("kind", String(_ENUM), primary_key=True),
    Column("item_id", String(_ID), primary_key=True),
    Column("status", String(_ENUM), nullable=False),
    Column("workflow", String(_ENUM)),
    Column("version", Integer, nullable=False),
    Column("reason", Text),
    Column("updated_at", UtcDateTime),
)


def _state_columns(prefix: str) -> list[Column[object]]:
    return [
        Column(f"{prefix}_status", String(_ENUM), nullable=False),
        Column(f"{prefix}_workflow", String(_ENUM)),
        Column(f"{prefix}_version", Integer, nullable=False),
        Column(f"{prefix}_reason", Text),
    ]


approval_events = Table(
    "cp_approval_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # What entry_id names: "entry", "expense" or "trip" (an ItemKind value); ids of different
    # kinds may be equal. Rows written before there were kinds are the entries'.
    Column("kind", String(_ENUM), nullable=False, server_default="entry"),
    Column("entry_id", String(_ID), nullable=False),
    Column("action", String(_ENUM), nullable=False),
    Column("actor_party", String(_ENUM), nullable=False),
    Column("actor_id", String(_ID), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("reason", Text),
    *_state_columns("before"),
    *_state_columns("after"),
    # Each version of an item is reached once: a second writer of the same version is a bug.
    # It is also the index history() reads an item's trail by.
    UniqueConstraint("kind", "entry_id", "after_version"),
)

outbox = Table(
    "cp_outbox",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("message_id", Text, nullable=False),
    Column("recipients", Text, nullable=False),  # a JSON list of addresses
    Column("message", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
    # A worker's claim: nobody else claims the message before then.
    Column("leased_until", UtcDateTime),
    # The message carries a secret (a code, a personal link): its bytes go once it is sent.
    Column("secret", Boolean, nullable=False, server_default=false()),
    Index("ix_cp_outbox_due", "sent_at", "next_attempt_at"),
)

settings = Table(
    "cp_settings",
    metadata,
    # One row per settings group (e.g. "company"): its fields as a JSON object, checked on read.
    Column("name", String(_ENUM), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


# --------------------------------------------------------------------------------------------------
# The reference time-tracking schema

#: A time-tracking schema for the demo and for hosts that adopt it (``tt_*``), created with
#: ``reference_metadata.create_all(engine)``.
reference_metadata = MetaData(naming_convention=NAMING_CONVENTION)

clients = Table(
    "tt_clients",
    reference_metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", Text, nullable=False),
)

contacts = Table(
    "tt_contacts",
    reference_metadata,
    Column("id", String(_ID), primary_key=True),
    Column("client_id", String(_ID), ForeignKey("tt_clients.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("email", Text),  # NULL: a contact without an address (shown, never mailed)
    Column("language", String(_ENUM)),
)

employees = Table(
    "tt_employees",
    reference_metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", Text, nullable=False),
)

projects = Table(
    "tt_projects",
    reference_metadata,
    Column("id", String(_ID), primary_key=True),
    Column("client_id", String(_ID), ForeignKey("tt_clients.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    # Lets entries refer to (project, client) so they cannot name another client's project.
    UniqueConstraint("id", "client_id"),
)

project_members = Table(
    "tt_project_members",
    reference_metadata,
    Column("project_id", String(_ID), ForeignKey("tt_projects.id"), primary_key=True),
    Column("employee_id", String(_ID), ForeignKey("tt_employees.id"), primary_key=True),
)

entries = Table(
    "tt_entries",
    reference_metadata,
    Column("id", String(_ID), primary_key=True),
    Column("client_id", String(_ID), nullable=False),
    Column("project_id", String(_ID), nullable=False),
    Column("employee_id", String(_ID), ForeignKey("tt_employees.id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("seconds", Integer, nullable=False),
    Column("description", Text),
    Column("task", Text),
    Column("billable", Boolean, nullable=False),
    Column("rate", ExactDecimal),
    Column("cost_rate", ExactDecimal),
    Column("internal_note", Text),
    ForeignKeyConstraint(["project_id", "client_id"], ["tt_projects.id", "tt_projects.client_id"]),
    Index("ix_tt_entries_project_date", "project_id", "date"),
)
#: A portal's page of hours: the client's entries, newest first, then by id (keyset pagination).
#: Its id is by code point (``COLLATE "C"`` on PostgreSQL), as the page's ORDER BY says it.
Index(
    "ix_tt_entries_client_date_id",
    entries.c.client_id,
    entries.c.date.desc(),
    binary_id(entries.c.id),
)


def _sum_column(name: str) -> Column[int]:
    return Column(name, BigInteger, nullable=False)


#: Sums of ``tt_entries`` kept by triggers (:mod:`clientportal.sql.sums`), so that totals, the
#: employee filter and the weekly chart read a few rows instead of every entry: per client,
#: ``level`` 0 (all time, ``period`` 0001-01-01) or 1 (the ISO week starting Monday ``period``),
#: project, employee and approval status. ``cents``/``priced``/``rated``: the amounts in whole
#: cents of the entries with a plain rate, how many have one, how many have a rate at all (the
#: ``b_`` ones: of the billable entries only).
entry_sums = Table(
    "tt_entry_sums",
    reference_metadata,
    Column("client_id", String(_ID), primary_key=True),
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("period", Date, primary_key=True),
    Column("project_id", String(_ID), primary_key=True),
    Column("employee_id", String(_ID), primary_key=True),
    Column("status", String(_ENUM), primary_key=True),
    *(
        _sum_column(name)
        for name in (
            "entries",
            "seconds",
            "billable_seconds",
            "cents",
            "priced",
            "rated",
            "b_cents",
            "b_priced",
            "b_rated",
        )
    ),
    CheckConstraint("level IN (0, 1)", name="level"),
)
#: The weeks that hold entries of a status (rows left at zero by changes are not indexed).
Index(
    "ix_tt_entry_sums_status_period",
    entry_sums.c.client_id,
    entry_sums.c.level,
    entry_sums.c.status,
    entry_sums.c.period,
    sqlite_where=entry_sums.c.entries > 0,
    postgresql_where=entry_sums.c.entries > 0,
)

budgets = Table(
    "tt_budgets",
    reference_metadata,
    Column("id", String(_ID), primary_key=True),
    Column("project_id", String(_ID), ForeignKey("tt_projects.id"), nullable=False, index=True),
    Column("type", String(_ENUM), nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("used", ExactDecimal, nullable=False),
    Column("currency", String(3)),
    Column("task", Text),
    Column("employee_id", String(_ID)),
)


def _document(name: str, until: str) -> Table:
    return Table(
        name,
        reference_metadata,
        Column("id", String(_ID), primary_key=True),
        Column("client_id", String(_ID), ForeignKey("tt_clients.id"), nullable=False, index=True),
        Column("number", Text, nullable=False),
        Column("date", Date, nullable=False),
        Column("amount", ExactDecimal, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("status", String(_ENUM), nullable=False),
        Column(until, Date),
    )


def _document_projects(name: str, document: str) -> Table:
    return Table(
        name,
        reference_metadata,
        Column("document_id", String(_ID), ForeignKey(f"{document}.id"), primary_key=True),
        Column("project_id", String(_ID), primary_key=True),
    )


invoices = _document("tt_invoices", "due_date")
quotes = _document("tt_quotes", "valid_until")
#: The projects an invoice bills (ids; a project may since have been deleted).
invoice_projects = _document_projects("tt_invoice_projects", "tt_invoices")
#: The projects a quote covers.
quote_projects = _document_projects("tt_quote_projects", "tt_quotes")

#: The downloadable file of an invoice or quote (``kind`` is "invoice" or "quote").
document_files = Table(
    "tt_document_files",
    reference_metadata,
    Column("kind", String(_ENUM), primary_key=True),
    Column("document_id", String(_ID), primary_key=True),
    Column("filename", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
)
