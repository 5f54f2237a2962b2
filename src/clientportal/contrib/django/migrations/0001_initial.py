"""The library's tables as its Alembic migrations leave them at revision 0006 (portals, links,
codes, sessions, rate limits, the access log, approval states and their audit trail, the
outbox, the stored settings).

The tables are frozen here as SQLAlchemy Core declarations, as an Alembic migration freezes
them, and created by :class:`~clientportal.contrib.django.operations.CreateTables` for the
database being migrated, which then records the revision ``0006`` in ``cp_alembic_version``
(nothing is created when the database is at that revision already). The unmanaged
:class:`~clientportal.contrib.django.models.Approval` model is the ORM's view of
``cp_approvals``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from django.db import migrations, models

from clientportal.contrib.django.models import StoredText
from clientportal.contrib.django.operations import CreateTables

#: The constraint names of the library's metadata (clientportal.sql.tables).
NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_ID = 191
_ENUM = 32


def _id(name: str, *args: Any, **options: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.String(_ID), *args, **options)


def _enum(name: str, **options: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.String(_ENUM), **options)


def _at(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _state(prefix: str) -> list[sa.Column[Any]]:
    return [
        _enum(f"{prefix}_status", nullable=False),
        _enum(f"{prefix}_workflow", nullable=True),
        sa.Column(f"{prefix}_version", sa.Integer(), nullable=False),
        sa.Column(f"{prefix}_reason", sa.Text(), nullable=True),
    ]


def _cascade(table: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{table}.id", ondelete="CASCADE")


def tables(metadata: sa.MetaData) -> None:
    """The ``cp_*`` tables at Alembic revision 0006, columns in the order Alembic leaves them."""
    sa.Table(
        "cp_access_log",
        metadata,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        _at("at", nullable=False),
        _enum("action", nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _id("link_id", nullable=True),
        _id("portal_id", nullable=True),
        sa.Column("client_hash", sa.String(128), nullable=True),
        sa.Index("ix_cp_access_log_portal_at", "portal_id", "at"),
        sa.Index("ix_cp_access_log_at", "at"),
    )
    sa.Table(
        "cp_approval_events",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _id("entry_id", nullable=False),
        _enum("action", nullable=False),
        _enum("actor_party", nullable=False),
        _id("actor_id", nullable=False),
        _at("at", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        *_state("before"),
        *_state("after"),
        _enum("kind", nullable=False, server_default="entry"),
        sa.UniqueConstraint("kind", "entry_id", "after_version"),
    )
    sa.Table(
        "cp_approvals",
        metadata,
        _id("entry_id", primary_key=True),
        _enum("status", nullable=False),
        _enum("workflow", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _at("updated_at"),
    )
    sa.Table(
        "cp_item_approvals",
        metadata,
        _enum("kind", primary_key=True),
        _id("item_id", primary_key=True),
        _enum("status", nullable=False),
        _enum("workflow", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _at("updated_at"),
    )
    sa.Table(
        "cp_outbox",
        metadata,
        _id("id", primary_key=True),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        _at("created_at", nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        _at("sent_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("leased_until"),
        sa.Column("secret", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Index("ix_cp_outbox_due", "sent_at", "next_attempt_at"),
    )
    sa.Table(
        "cp_portals",
        metadata,
        _id("id", primary_key=True),
        _id("client_id", nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        _enum("language", nullable=False),
        *(
            sa.Column(flag, sa.Boolean(), nullable=False)
            for flag in (
                "show_hours",
                "show_descriptions",
                "show_budget",
                "show_invoices",
                "show_quotes",
                "approval",
                "show_amounts",
            )
        ),
        _enum("documents_scope", nullable=False),
        _at("created_at", nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.Integer(), server_default="0", nullable=False),
        _enum("access_mode", server_default="LINK", nullable=False),
        sa.Column("currency", sa.String(3), server_default="EUR", nullable=False),
        *(
            sa.Column(flag, sa.Boolean(), server_default=sa.false(), nullable=False)
            for flag in ("show_non_billable_amounts", "show_expenses", "show_trips")
        ),
        sa.CheckConstraint("generation >= 0", name="generation"),
        sa.Index("ix_cp_portals_client_id", "client_id"),
    )
    sa.Table(
        "cp_links",
        metadata,
        _id("id", primary_key=True),
        _id("portal_id", _cascade("cp_portals"), nullable=False),
        _id("contact_id", nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        _at("created_at", nullable=False),
        _at("expires_at"),
        _at("revoked_at"),
        _at("last_used_at"),
        sa.Index("ix_cp_links_portal_created", "portal_id", "created_at", "id"),
    )
    for name, column in (
        ("cp_portal_contacts", "contact_id"),
        ("cp_portal_employees", "employee_id"),
        ("cp_portal_projects", "project_id"),
    ):
        sa.Table(
            name,
            metadata,
            _id("portal_id", _cascade("cp_portals"), primary_key=True),
            _id(column, primary_key=True),
        )
    sa.Table(
        "cp_codes",
        metadata,
        _id("id", primary_key=True),
        _id("link_id", _cascade("cp_links"), nullable=False, unique=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        _at("created_at", nullable=False),
        _at("expires_at", nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("used_at"),
    )
    sa.Table(
        "cp_settings",
        metadata,
        _enum("name", primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        _at("updated_at", nullable=False),
    )
    sa.Table(
        "cp_sessions",
        metadata,
        sa.Column("id_hash", sa.String(64), primary_key=True),
        _id("link_id", _cascade("cp_links"), nullable=False),
        sa.Column("code_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        _at("created_at", nullable=False),
        _at("last_seen_at", nullable=False),
        _at("ended_at"),
        sa.Index("ix_cp_sessions_link", "link_id"),
    )
    sa.Table(
        "cp_rate_limits",
        metadata,
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("level", sa.Float(), nullable=False),
        _at("at", nullable=False),
        sa.Index("ix_cp_rate_limits_at", "at"),
    )


class Migration(migrations.Migration):
    """Create the library's tables; declare the ORM's view of ``cp_approvals``."""

    initial = True
    operations = [  # noqa: RUF012 (Django's own declaration)
        CreateTables(tables, naming_convention=NAMING, revision="0006"),
        migrations.CreateModel(
            name="Approval",
            fields=[
                (
                    "entry_id",
                    models.CharField(max_length=191, primary_key=True, serialize=False),
                ),
                ("status", models.CharField(max_length=32)),
                ("workflow", models.CharField(max_length=32, null=True)),
                ("version", models.IntegerField()),
                ("reason", StoredText(null=True)),
                ("updated_at", models.DateTimeField(null=True)),
            ],
            options={"db_table": "cp_approvals", "managed": False},
        ),
    ]
