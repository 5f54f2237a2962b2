"""``clientportal db``: the database schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .context import Context, with_context

if TYPE_CHECKING:
    from sqlalchemy import Engine


def upgrade_schema(db: str) -> tuple[Engine, str]:
    """Create or migrate the library's tables and the reference schema: the engine and revision."""
    from ..sql import create_engine, reference_metadata, upgrade

    engine = create_engine(db)
    revision = upgrade(engine)
    reference_metadata.create_all(engine, checkfirst=True)
    return engine, revision


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@with_context
def db_upgrade(obj: Context) -> None:
    """Create or migrate the library's tables (and the reference schema) to the newest version."""
    _, revision = upgrade_schema(obj.db)
    click.echo(f"{obj.safe_db} is at revision {revision}")
