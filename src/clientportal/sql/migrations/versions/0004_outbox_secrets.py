"""Outbox messages that carry a secret (a one-time code, a personal link) lose their bytes once
they are sent or given up: the ``secret`` mark, and the bytes of such messages already sent.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: The Message-IDs the library derives for the e-mails that carry a secret (``<kind.digest@…>``).
_SECRET_KINDS = ("access_code", "approval_requested")


def upgrade() -> None:
    op.add_column(
        "cp_outbox",
        sa.Column("secret", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    outbox = sa.table(
        "cp_outbox",
        sa.column("message_id", sa.Text()),
        sa.column("message", sa.LargeBinary()),
        sa.column("sent_at", sa.DateTime(timezone=True)),
        sa.column("attempts", sa.Integer()),
        sa.column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.column("secret", sa.Boolean()),
    )
    op.execute(
        outbox.update()
        .where(
            sa.or_(
                *(
                    outbox.c.message_id.startswith(f"<{kind}.", autoescape=True)
                    for kind in _SECRET_KINDS
                )
            )
        )
        .values(secret=True)
    )
    done = sa.or_(
        outbox.c.sent_at.is_not(None),
        sa.and_(outbox.c.next_attempt_at.is_(None), outbox.c.attempts > 0),
    )
    op.execute(
        outbox.update()
        .where(outbox.c.secret.is_(True), done)
        .values(message=sa.literal(b"", sa.LargeBinary()))
    )


def downgrade() -> None:
    with op.batch_alter_table("cp_outbox") as batch:
        batch.drop_column("secret")
