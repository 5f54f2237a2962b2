"""Sessions held by the store, shared rate limits, and a 64-bit access log.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cp_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.String(length=191), nullable=False),
        sa.Column("code_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["cp_links.id"],
            name=op.f("fk_cp_sessions_link_id_cp_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_cp_sessions")),
    )
    op.create_index("ix_cp_sessions_link", "cp_sessions", ["link_id"])
    op.create_table(
        "cp_rate_limits",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cp_rate_limits")),
    )
    op.create_index("ix_cp_rate_limits_at", "cp_rate_limits", ["at"])
    op.create_index("ix_cp_access_log_at", "cp_access_log", ["at"])
    if op.get_bind().dialect.name != "sqlite":  # SQLite's INTEGER primary key is 64-bit already
        op.alter_column("cp_access_log", "id", type_=sa.BigInteger(), existing_nullable=False)
        # The serial's sequence stays 32-bit (it stops at 2**31 - 1) until it is told otherwise.
        op.execute("ALTER SEQUENCE cp_access_log_id_seq AS bigint")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("ALTER SEQUENCE cp_access_log_id_seq AS integer")
        op.alter_column("cp_access_log", "id", type_=sa.Integer(), existing_nullable=False)
    op.drop_index("ix_cp_access_log_at", table_name="cp_access_log")
    op.drop_index("ix_cp_rate_limits_at", table_name="cp_rate_limits")
    op.drop_table("cp_rate_limits")
    op.drop_index("ix_cp_sessions_link", table_name="cp_sessions")
    op.drop_table("cp_sessions")
