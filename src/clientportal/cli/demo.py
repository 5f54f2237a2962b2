"""``clientportal demo``: a SQLite database with realistic data, one link per contact, served."""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from .context import DEFAULT_PORT, Context, http_url, with_context
from .db import upgrade_schema
from .serving import Server, server_options

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..ports import DataSource
    from ..service import PortalService

DEMO_DB = "sqlite:///clientportal-demo.sqlite3"


def demo_server(host: str, port: int) -> Server:
    """The demo's server: on ``port``, or, when the default port is taken (the likeliest first-run
    failure), on a free one, saying so."""
    try:
        return Server(host, port)
    except click.ClickException:
        if port != DEFAULT_PORT:
            raise
    server = Server(host, 0)
    click.echo(f"port {port} is taken: the demo serves on {server.base_url} instead", err=True)
    return server


@click.command()
@server_options
@click.option(
    "--db",
    "demo_db",
    default=DEMO_DB,
    show_default=True,
    help="The demo's database (created, or reused when it exists).",
)
@click.option(
    "--entries",
    type=click.IntRange(1, 10_000_000),
    default=None,
    help="Generate this many entries (a large data set) instead of a year's worth.",
)
@click.option("--smtp", default=None, help="HOST:PORT of an SMTP server to send the e-mails to.")
@click.option("--no-serve", is_flag=True, help="Prepare the database and print links, then stop.")
@with_context
def demo(
    obj: Context,
    host: str,
    port: int,
    demo_db: str,
    entries: int | None,
    smtp: str | None,
    no_serve: bool,
) -> None:
    """Start a working portal on SQLite with realistic demo data, and print one link per contact."""
    obj = obj.on(demo_db)
    engine, _ = upgrade_schema(demo_db)
    _fill_demo(engine, entries)

    server = None if no_serve else demo_server(host, port)
    base_url = http_url(host, port) if server is None else server.base_url
    service = obj.service(create_keys=True, base_url=base_url)
    _demo_portals(service)
    for line in _demo_links(service, obj.data):
        click.echo(line)
    note = f"e-mails go to {smtp}" if smtp else "e-mails wait in the outbox (--smtp to send them)"
    click.echo(f"demo database {obj.safe_db}; {note}", err=True)
    if server is not None:
        click.echo(f"serving on {server.base_url} (Ctrl+C stops)", err=True)
        sys.stdout.flush()
        server.run(service, obj.store, smtp)


def _fill_demo(engine: Engine, entries: int | None) -> None:
    """Load the demo world into an empty reference schema (a second run reuses what is there)."""
    import sqlalchemy as sa

    from ..demo import demo_dataset, demo_entries
    from ..sql import load_dataset, load_entries
    from ..sql import tables as t

    with engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(t.clients)).scalar_one():
            return
    today = dt.date.today()
    if entries is None:
        load_dataset(engine, demo_dataset(today=today))
        return
    load_dataset(engine, demo_dataset(today=today, entries=0))  # everything but the entries
    chunk = 50_000
    with click.progressbar(length=entries, label="demo entries", file=sys.stderr) as bar:
        stream = demo_entries(today=today, count=entries)
        while batch := list(itertools.islice(stream, chunk)):
            load_entries(engine, batch)
            bar.update(len(batch))


def _demo_portals(service: PortalService) -> None:
    from ..demo import demo_portals

    existing = {p.id for p in service.admin.portals()}
    for portal in demo_portals(created_at=service.clock.now()):
        if portal.id in existing:
            continue
        service.admin.create_portal(
            id=portal.id,
            client_id=portal.client_id,
            name=portal.name,
            project_ids=portal.project_ids,
            contact_ids=portal.contact_ids,
            language=portal.language,
            settings=portal.settings,
        )


def _demo_links(service: PortalService, data: DataSource) -> Iterator[str]:
    """One fresh link per contact (a token is shown once, so a rerun issues new ones)."""
    for portal in service.admin.portals():
        names = {c.id: c.name for c in data.contacts(portal.client_id)}
        for link in service.links.for_portal(portal.id):
            if link.revoked_at is None:
                service.links.revoke(link.id)
        for contact_id in sorted(portal.contact_ids):
            issued = service.links.issue(portal.id, contact_id)
            who = names.get(contact_id, contact_id)
            url = service.mail.link_url(issued.token)
            yield f"{portal.name} ({portal.language}) — {who}: {url}"
