"""Two indexes on ``cp_events`` for reading one portal's events newest first, a page at a time
(:meth:`SqlEventLog.portal_events <clientportal.sql.events.SqlEventLog.portal_events>`): by
portal, and by client for the events that name no portal (the staff's steps on its items).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cp_events_portal_seq", "cp_events", ["portal_id", "seq"], unique=False)
    op.create_index(
        "ix_cp_events_client_portal_seq",
        "cp_events",
        ["client_id", "portal_id", "seq"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_cp_events_client_portal_seq", table_name="cp_events")
    op.drop_index("ix_cp_events_portal_seq", table_name="cp_events")
