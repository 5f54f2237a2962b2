"""Approval requests with their action links (``cp_approval_requests``), the keys of the e-mails
sent once (``cp_sent_once``), sign-off certificates (``cp_signoffs``) and the items they cover
(``cp_signoff_items``), decisions on quotes
(``cp_quote_decisions``), and indexes by status on the approval states (``cp_approvals``,
``cp_item_approvals``): the library's Alembic revision 0009 (recorded in
``cp_alembic_version``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from django.db import migrations
from sqlalchemy.schema import CreateIndex, DropIndex

from clientportal.contrib.django.operations import CreateTables, dialect_for

NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _at(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def tables(metadata: sa.MetaData) -> None:
    """The tables of Alembic revision 0009."""
    sa.Table(
        "cp_approval_requests",
        metadata,
        sa.Column("id", sa.String(191), primary_key=True),
        sa.Column("portal_id", sa.String(191), nullable=False),
        sa.Column("contact_id", sa.String(191), nullable=False),
        sa.Column("link_id", sa.String(191), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _at("created_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("used_at"),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Index("ix_cp_approval_requests_created_at", "created_at"),
    )
    sa.Table(
        "cp_sent_once",
        metadata,
        sa.Column("key", sa.String(200), primary_key=True),
        _at("done_at", nullable=False),
    )
    sa.Table(
        "cp_signoffs",
        metadata,
        sa.Column("id", sa.String(191), primary_key=True),
        sa.Column("portal_id", sa.String(191), nullable=False),
        sa.Column("contact_id", sa.String(191), nullable=False),
        _at("created_at", nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        _at("withdrawn_at"),
        sa.Index("ix_cp_signoffs_portal_created", "portal_id", "created_at"),
        sa.Index("ix_cp_signoffs_portal_contact_created", "portal_id", "contact_id", "created_at"),
    )
    sa.Table(
        "cp_signoff_items",
        metadata,
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("item_id", sa.String(191), primary_key=True),
        sa.Column(
            "signoff_id",
            sa.String(191),
            sa.ForeignKey("cp_signoffs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Index("ix_cp_signoff_items_signoff_id", "signoff_id"),
    )
    sa.Table(
        "cp_quote_decisions",
        metadata,
        sa.Column("client_id", sa.String(191), primary_key=True),
        sa.Column("quote_id", sa.String(191), primary_key=True),
        sa.Column("portal_id", sa.String(191), nullable=False),
        sa.Column("contact_id", sa.String(191), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("address_hash", sa.Text(), nullable=True),
        _at("at", nullable=False),
        sa.Column("amount", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
    )


def indexes(metadata: sa.MetaData) -> None:
    """The indexes of Alembic revision 0009 on tables that exist (only the columns the indexes
    name are declared)."""
    for name, key in (("cp_approvals", "entry_id"), ("cp_item_approvals", "item_id")):
        sa.Table(
            name,
            metadata,
            sa.Column(key, sa.String(191), primary_key=True),
            sa.Column("status", sa.String(32)),
            sa.Column("updated_at", sa.DateTime(timezone=True)),
            sa.Index(f"ix_{name}_status_updated_at", "status", "updated_at"),
        )


class CreateTablesAndIndexes(CreateTables):
    """:class:`CreateTables` that also indexes existing tables (``indexes`` declares them, as for
    :class:`~clientportal.contrib.django.operations.CreateIndexes`): one step, one revision."""

    def __init__(
        self,
        declare: Any,
        indexes: Any,
        naming_convention: dict[str, str],
        *,
        revision: str,
        down_revision: str | None = None,
    ) -> None:
        super().__init__(declare, naming_convention, revision=revision, down_revision=down_revision)
        self.indexes = indexes

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        """How the operation is written in a migration file."""
        name, _args, kwargs = super().deconstruct()
        return name, [self.declare, self.indexes], kwargs

    def _indexed(self) -> list[sa.Table]:
        metadata = sa.MetaData(naming_convention=self.naming_convention)
        self.indexes(metadata)
        return list(metadata.sorted_tables)

    def statements(self, vendor: str) -> Iterator[str]:
        """The tables' statements, then the ``CREATE INDEX`` statements on existing tables."""
        yield from super().statements(vendor)
        dialect = dialect_for(vendor)
        for table in self._indexed():
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                yield str(CreateIndex(index).compile(dialect=dialect)).strip()

    def drop_statements(self, vendor: str) -> Iterator[str]:
        """Drop the indexes on existing tables, then the tables."""
        dialect = dialect_for(vendor)
        for table in reversed(self._indexed()):
            for index in sorted(table.indexes, key=lambda i: str(i.name), reverse=True):
                yield str(DropIndex(index).compile(dialect=dialect)).strip()
        yield from super().drop_statements(vendor)


class Migration(migrations.Migration):
    """Create the tables of approval requests, once-only e-mails, sign-offs and quote
    decisions, and index the approval states by status."""

    dependencies = [("clientportal", "0003_portal_events")]  # noqa: RUF012

    operations = [  # noqa: RUF012 (Django's own declaration)
        CreateTablesAndIndexes(
            tables, indexes, naming_convention=NAMING, revision="0009", down_revision="0008"
        )
    ]
