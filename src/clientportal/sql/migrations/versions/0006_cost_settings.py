"""Whether a portal shows expenses and trips (both off for the portals there are).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cp_portals") as batch:
        for name in ("show_expenses", "show_trips"):
            batch.add_column(
                sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)
            )


def downgrade() -> None:
    with op.batch_alter_table("cp_portals") as batch:
        batch.drop_column("show_trips")
        batch.drop_column("show_expenses")
