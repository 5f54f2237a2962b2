"""What the client is asked and signs: approval requests with their action links
(``cp_approval_requests``), the keys of the e-mails sent once (``cp_sent_once``), sign-off
certificates (``cp_signoffs``) and the items they cover (``cp_signoff_items``) and decisions on
quotes (``cp_quote_decisions``); and indexes on
the approval states by status, for the staff reminders.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _at(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "cp_approval_requests",
        sa.Column("id", sa.String(length=191), nullable=False),
        sa.Column("portal_id", sa.String(length=191), nullable=False),
        sa.Column("contact_id", sa.String(length=191), nullable=False),
        sa.Column("link_id", sa.String(length=191), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _at("created_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("used_at"),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_approval_requests")),
    )
    op.create_index(
        "ix_cp_approval_requests_created_at", "cp_approval_requests", ["created_at"], unique=False
    )
    op.create_table(
        "cp_sent_once",
        sa.Column("key", sa.String(length=200), nullable=False),
        _at("done_at", nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cp_sent_once")),
    )
    op.create_table(
        "cp_signoffs",
        sa.Column("id", sa.String(length=191), nullable=False),
        sa.Column("portal_id", sa.String(length=191), nullable=False),
        sa.Column("contact_id", sa.String(length=191), nullable=False),
        _at("created_at", nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        _at("withdrawn_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_signoffs")),
    )
    op.create_index(
        "ix_cp_signoffs_portal_created", "cp_signoffs", ["portal_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_cp_signoffs_portal_contact_created",
        "cp_signoffs",
        ["portal_id", "contact_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "cp_signoff_items",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=191), nullable=False),
        sa.Column("signoff_id", sa.String(length=191), nullable=False),
        sa.ForeignKeyConstraint(
            ["signoff_id"],
            ["cp_signoffs.id"],
            name=op.f("fk_cp_signoff_items_signoff_id_cp_signoffs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kind", "item_id", "signoff_id", name=op.f("pk_cp_signoff_items")),
    )
    op.create_index(
        "ix_cp_signoff_items_signoff_id", "cp_signoff_items", ["signoff_id"], unique=False
    )
    op.create_table(
        "cp_quote_decisions",
        sa.Column("client_id", sa.String(length=191), nullable=False),
        sa.Column("quote_id", sa.String(length=191), nullable=False),
        sa.Column("portal_id", sa.String(length=191), nullable=False),
        sa.Column("contact_id", sa.String(length=191), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("address_hash", sa.Text(), nullable=True),
        _at("at", nullable=False),
        sa.Column("amount", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.PrimaryKeyConstraint("client_id", "quote_id", name=op.f("pk_cp_quote_decisions")),
    )
    op.create_index(
        "ix_cp_approvals_status_updated_at", "cp_approvals", ["status", "updated_at"], unique=False
    )
    op.create_index(
        "ix_cp_item_approvals_status_updated_at",
        "cp_item_approvals",
        ["status", "updated_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_cp_item_approvals_status_updated_at", table_name="cp_item_approvals")
    op.drop_index("ix_cp_approvals_status_updated_at", table_name="cp_approvals")
    op.drop_table("cp_quote_decisions")
    op.drop_index("ix_cp_signoff_items_signoff_id", table_name="cp_signoff_items")
    op.drop_table("cp_signoff_items")
    op.drop_index("ix_cp_signoffs_portal_contact_created", table_name="cp_signoffs")
    op.drop_index("ix_cp_signoffs_portal_created", table_name="cp_signoffs")
    op.drop_table("cp_signoffs")
    op.drop_table("cp_sent_once")
    op.drop_index("ix_cp_approval_requests_created_at", table_name="cp_approval_requests")
    op.drop_table("cp_approval_requests")
