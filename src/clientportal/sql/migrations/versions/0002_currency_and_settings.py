"""A portal's currency and its non-billable amounts; the stored settings (the company's).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cp_portals") as batch:
        batch.add_column(
            sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "show_non_billable_amounts",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
    op.create_table(
        "cp_settings",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cp_settings")),
    )


def downgrade() -> None:
    op.drop_table("cp_settings")
    with op.batch_alter_table("cp_portals") as batch:
        batch.drop_column("show_non_billable_amounts")
        batch.drop_column("currency")
