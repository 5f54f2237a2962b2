"""The library's tables: portals, links, codes, access log, approvals, audit trail, outbox.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cp_access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("link_id", sa.String(length=191), nullable=True),
        sa.Column("portal_id", sa.String(length=191), nullable=True),
        sa.Column("client_hash", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_access_log")),
    )
    op.create_index(
        "ix_cp_access_log_portal_at", "cp_access_log", ["portal_id", "at"], unique=False
    )

    op.create_table(
        "cp_approval_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.String(length=191), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_party", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=191), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("before_status", sa.String(length=32), nullable=False),
        sa.Column("before_workflow", sa.String(length=32), nullable=True),
        sa.Column("before_version", sa.Integer(), nullable=False),
        sa.Column("before_reason", sa.Text(), nullable=True),
        sa.Column("after_status", sa.String(length=32), nullable=False),
        sa.Column("after_workflow", sa.String(length=32), nullable=True),
        sa.Column("after_version", sa.Integer(), nullable=False),
        sa.Column("after_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_approval_events")),
        sa.UniqueConstraint(
            "entry_id", "after_version", name=op.f("uq_cp_approval_events_entry_id_after_version")
        ),
    )
    op.create_table(
        "cp_approvals",
        sa.Column("entry_id", sa.String(length=191), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("workflow", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_cp_approvals")),
    )
    op.create_table(
        "cp_outbox",
        sa.Column("id", sa.String(length=191), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_outbox")),
    )
    op.create_index("ix_cp_outbox_due", "cp_outbox", ["sent_at", "next_attempt_at"], unique=False)

    op.create_table(
        "cp_portals",
        sa.Column("id", sa.String(length=191), nullable=False),
        sa.Column("client_id", sa.String(length=191), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("show_hours", sa.Boolean(), nullable=False),
        sa.Column("show_descriptions", sa.Boolean(), nullable=False),
        sa.Column("show_budget", sa.Boolean(), nullable=False),
        sa.Column("show_invoices", sa.Boolean(), nullable=False),
        sa.Column("show_quotes", sa.Boolean(), nullable=False),
        sa.Column("approval", sa.Boolean(), nullable=False),
        sa.Column("show_amounts", sa.Boolean(), nullable=False),
        sa.Column("documents_scope", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.Integer(), server_default="0", nullable=False),
        sa.Column("access_mode", sa.String(length=32), server_default="LINK", nullable=False),
        sa.CheckConstraint("generation >= 0", name=op.f("ck_cp_portals_generation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_portals")),
    )
    op.create_index("ix_cp_portals_client_id", "cp_portals", ["client_id"], unique=False)

    op.create_table(
        "cp_links",
        sa.Column("id", sa.String(length=191), nullable=False),
        sa.Column("portal_id", sa.String(length=191), nullable=False),
        sa.Column("contact_id", sa.String(length=191), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["cp_portals.id"],
            name=op.f("fk_cp_links_portal_id_cp_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_links")),
    )
    op.create_index(
        "ix_cp_links_portal_created", "cp_links", ["portal_id", "created_at", "id"], unique=False
    )

    op.create_table(
        "cp_portal_contacts",
        sa.Column("portal_id", sa.String(length=191), nullable=False),
        sa.Column("contact_id", sa.String(length=191), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["cp_portals.id"],
            name=op.f("fk_cp_portal_contacts_portal_id_cp_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "contact_id", name=op.f("pk_cp_portal_contacts")),
    )
    op.create_table(
        "cp_portal_employees",
        sa.Column("portal_id", sa.String(length=191), nullable=False),
        sa.Column("employee_id", sa.String(length=191), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["cp_portals.id"],
            name=op.f("fk_cp_portal_employees_portal_id_cp_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "employee_id", name=op.f("pk_cp_portal_employees")),
    )
    op.create_table(
        "cp_portal_projects",
        sa.Column("portal_id", sa.String(length=191), nullable=False),
        sa.Column("project_id", sa.String(length=191), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["cp_portals.id"],
            name=op.f("fk_cp_portal_projects_portal_id_cp_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "project_id", name=op.f("pk_cp_portal_projects")),
    )
    op.create_table(
        "cp_codes",
        sa.Column("id", sa.String(length=191), nullable=False),
        sa.Column("link_id", sa.String(length=191), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["cp_links.id"],
            name=op.f("fk_cp_codes_link_id_cp_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cp_codes")),
        sa.UniqueConstraint("link_id", name=op.f("uq_cp_codes_link_id")),
    )


def downgrade() -> None:
    op.drop_table("cp_codes")
    op.drop_table("cp_portal_projects")
    op.drop_table("cp_portal_employees")
    op.drop_table("cp_portal_contacts")
    op.drop_index("ix_cp_links_portal_created", table_name="cp_links")

    op.drop_table("cp_links")
    op.drop_index("ix_cp_portals_client_id", table_name="cp_portals")

    op.drop_table("cp_portals")
    op.drop_index("ix_cp_outbox_due", table_name="cp_outbox")

    op.drop_table("cp_outbox")
    op.drop_table("cp_approvals")
    op.drop_table("cp_approval_events")
    op.drop_index("ix_cp_access_log_portal_at", table_name="cp_access_log")

    op.drop_table("cp_access_log")
