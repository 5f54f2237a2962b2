"""Two indexes on ``cp_events`` for reading one portal's events newest first: by portal, and by
client for the events that name no portal: the library's Alembic revision 0008 (recorded in
``cp_alembic_version``).
"""

from __future__ import annotations

import sqlalchemy as sa
from django.db import migrations

from clientportal.contrib.django.operations import CreateIndexes


def indexes(metadata: sa.MetaData) -> None:
    """The indexes of Alembic revision 0008 (``cp_events`` itself exists: only the columns the
    indexes name are declared)."""
    sa.Table(
        "cp_events",
        metadata,
        sa.Column("seq", sa.BigInteger(), primary_key=True),
        sa.Column("portal_id", sa.String(191)),
        sa.Column("client_id", sa.String(191)),
        sa.Index("ix_cp_events_portal_seq", "portal_id", "seq"),
        sa.Index("ix_cp_events_client_portal_seq", "client_id", "portal_id", "seq"),
    )


class Migration(migrations.Migration):
    """Index the event log by portal and by client."""

    dependencies = [("clientportal", "0002_events")]  # noqa: RUF012

    operations = [  # noqa: RUF012 (Django's own declaration)
        CreateIndexes(indexes, naming_convention={}, revision="0008", down_revision="0007")
    ]
