"""``clientportal db``: the database schema."""

from __future__ import annotations

import datetime as dt
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
    """The database schema, and pruning old access events."""


@db.command("upgrade")
@with_context
def db_upgrade(obj: Context) -> None:
    """Create or migrate the library's tables (and the reference schema) to the newest version."""
    _, revision = upgrade_schema(obj.db)
    click.echo(f"{obj.safe_db} is at revision {revision}")


@db.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(1, 36500),
    default=90,
    show_default=True,
    help="Delete access events older than this many days, and sessions unseen for as long (30 "
    "days at least, a session's lifetime); the store's own retention: 90.",
)
@with_context
def db_prune(obj: Context, days: int) -> None:
    """Delete old access events, sessions nobody has used for as long, and the rate-limit entries
    nobody has hit for a day (the store also does this a little at a time as it records)."""
    from ..sql.store import session_retention

    store = obj.store
    now = dt.datetime.now(dt.UTC)
    before = now - dt.timedelta(days=days)
    kept = session_retention(dt.timedelta(days=days))
    events = store.prune_access_log(before)
    sessions = store.prune_sessions(now - kept)
    limits = store.prune_rate_limits(now - store.rate_limit_retention)
    click.echo(
        f"deleted {events} access {'event' if events == 1 else 'events'} from before "
        f"{before:%Y-%m-%d %H:%M} UTC, {sessions} {'session' if sessions == 1 else 'sessions'} "
        f"unused for {_span(kept)} and {limits} rate-limit "
        f"{'entry' if limits == 1 else 'entries'} unused for {_span(store.rate_limit_retention)}"
    )


def _span(span: dt.timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day" if days == 1 else f"{days} days"
    return f"{hours} hour" if hours == 1 else f"{hours} hours"
