"""The event log for the host (``cp_events``), webhook endpoints and their deliveries
(``cp_webhooks``, ``cp_webhook_deliveries``) and the host callbacks' cursors
(``cp_event_consumers``).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cp_events",
        sa.Column("seq", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("portal_id", sa.String(length=191), nullable=True),
        sa.Column("client_id", sa.String(length=191), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_cp_events")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "cp_webhooks",
        sa.Column("id", sa.String(length=191), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_webhooks")),
    )
    op.create_table(
        "cp_webhook_deliveries",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("webhook_id", sa.String(length=191), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_seq"],
            ["cp_events.seq"],
            name=op.f("fk_cp_webhook_deliveries_event_seq_cp_events"),
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["cp_webhooks.id"],
            name=op.f("fk_cp_webhook_deliveries_webhook_id_cp_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_webhook_deliveries")),
    )
    op.create_index(
        "ix_cp_webhook_deliveries_due", "cp_webhook_deliveries", ["next_attempt_at"], unique=False
    )
    op.create_index(
        op.f("ix_cp_webhook_deliveries_webhook_id"),
        "cp_webhook_deliveries",
        ["webhook_id"],
        unique=False,
    )
    op.create_table(
        "cp_event_consumers",
        sa.Column("name", sa.String(length=191), nullable=False),
        sa.Column("after_id", sa.String(length=191), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cp_event_consumers")),
    )


def downgrade() -> None:
    op.drop_table("cp_event_consumers")
    op.drop_index(op.f("ix_cp_webhook_deliveries_webhook_id"), table_name="cp_webhook_deliveries")
    op.drop_index("ix_cp_webhook_deliveries_due", table_name="cp_webhook_deliveries")
    op.drop_table("cp_webhook_deliveries")
    op.drop_table("cp_webhooks")
    op.drop_table("cp_events")
