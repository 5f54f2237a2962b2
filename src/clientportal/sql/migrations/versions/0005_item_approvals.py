"""Approval over every kind of item: expenses' and trips' states (``cp_item_approvals``), and
the kind of item each audit event is about (``cp_approval_events.kind``, the events already
stored being the entries').

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_EVENTS = "cp_approval_events"
_OLD_UNIQUE = "uq_cp_approval_events_entry_id_after_version"
_NEW_UNIQUE = "uq_cp_approval_events_kind_entry_id_after_version"


def upgrade() -> None:
    op.create_table(
        "cp_item_approvals",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=191), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("workflow", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", "item_id", name=op.f("pk_cp_item_approvals")),
    )
    with op.batch_alter_table(_EVENTS) as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=32), server_default="entry", nullable=False)
        )
        batch.drop_constraint(_OLD_UNIQUE, type_="unique")
        batch.create_unique_constraint(_NEW_UNIQUE, ["kind", "entry_id", "after_version"])


def downgrade() -> None:
    # Before 0005 every event is an entry's: the expenses' and trips' events cannot stay (they
    # would read as the trail of the entry with the same id).
    events = sa.table(_EVENTS, sa.column("kind", sa.String()))
    op.execute(events.delete().where(events.c.kind != "entry"))
    with op.batch_alter_table(_EVENTS) as batch:
        batch.drop_constraint(_NEW_UNIQUE, type_="unique")
        batch.create_unique_constraint(_OLD_UNIQUE, ["entry_id", "after_version"])
        batch.drop_column("kind")
    op.drop_table("cp_item_approvals")
