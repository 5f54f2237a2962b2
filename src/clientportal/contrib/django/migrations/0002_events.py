"""The event log for the host (``cp_events``), webhook endpoints and their deliveries
(``cp_webhooks``, ``cp_webhook_deliveries``) and the host callbacks' cursors
(``cp_event_consumers``): the library's Alembic revision 0007 (recorded in
``cp_alembic_version``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from django.db import migrations

from clientportal.contrib.django.operations import CreateTables

NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _at(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def _big_id(name: str) -> sa.Column[Any]:
    return sa.Column(
        name,
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


def tables(metadata: sa.MetaData) -> None:
    """The tables of Alembic revision 0007."""
    sa.Table(
        "cp_events",
        metadata,
        _big_id("seq"),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("portal_id", sa.String(191), nullable=True),
        sa.Column("client_id", sa.String(191), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )
    sa.Table(
        "cp_webhooks",
        metadata,
        sa.Column("id", sa.String(191), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "cp_webhook_deliveries",
        metadata,
        _big_id("id"),
        sa.Column("event_seq", sa.BigInteger(), sa.ForeignKey("cp_events.seq"), nullable=False),
        sa.Column(
            "webhook_id",
            sa.String(191),
            sa.ForeignKey("cp_webhooks.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _at("next_attempt_at"),
        _at("delivered_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("leased_until"),
        sa.Index("ix_cp_webhook_deliveries_due", "next_attempt_at"),
    )
    sa.Table(
        "cp_event_consumers",
        metadata,
        sa.Column("name", sa.String(191), primary_key=True),
        sa.Column("after_id", sa.String(191), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _at("next_attempt_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("leased_until"),
    )


class Migration(migrations.Migration):
    """Create the event and webhook tables."""

    dependencies = [("clientportal", "0001_initial")]  # noqa: RUF012

    operations = [  # noqa: RUF012 (Django's own declaration)
        CreateTables(tables, naming_convention=NAMING, revision="0007", down_revision="0006")
    ]
