"""``clientportal demo``: a SQLite database with realistic data and a company that hears of its
clients' decisions, one link per contact, the clients asked to approve their hours, expenses and
trips, served."""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from .context import COMPANY, DEFAULT_PORT, Context, database_url, http_url, with_context
from .db import upgrade_schema
from .delivery import SmtpChoice, smtp_mailer, smtp_options
from .serving import Server, mail_note, server_options

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..model import Expense, ItemRef, TimeEntry, Trip
    from ..ports import OutboxMessage
    from ..service import PortalService
    from ..smtp import SmtpMailer

DEMO_DB = "sqlite:///clientportal-demo.sqlite3"
#: The settings group where the demo keeps the ids of the links it issued (and so may revoke).
DEMO_STATE = "demo"
#: The demo's manager: sends the hours, expenses and trips awaiting the clients on to them.
DEMO_MANAGER = "lisa"

_Item = TypeVar("_Item", "TimeEntry", "Expense", "Trip")


def demo_company() -> dict[str, object]:
    """The demo company's settings (stored JSON): Pixel & Co, whose office hears of every
    decision of its clients."""
    from ..convert import unstructure
    from ..demo import DEMO_POLICY
    from ..service.company import CompanySettings

    company = CompanySettings(
        name="Pixel & Co",
        notify=("Pixel & Co office <office@pixel.example>",),
        approval=DEMO_POLICY,
        sender_name="Pixel & Co hours",
        sender_address="hours@pixel.example",
    )
    stored: dict[str, object] = unstructure(company)
    return stored


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
    callback=lambda _ctx, _param, value: database_url(value),
    help="The demo's database, a SQLite URL or file path (created, or reused when it exists).",
)
@click.option(
    "--entries",
    type=click.IntRange(1, 10_000_000),
    default=None,
    help="Generate this many entries (a large data set) instead of a year's worth.",
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Start over: delete the demo's SQLite database first (every link to it stops working).",
)
@smtp_options
@click.option("--no-serve", is_flag=True, help="Prepare the database and print links, then stop.")
@with_context
def demo(
    obj: Context,
    host: str,
    port: int,
    demo_db: str,
    entries: int | None,
    fresh: bool,
    smtp: SmtpChoice,
    no_serve: bool,
) -> None:
    """Start a working portal on SQLite with realistic demo data, print one link per contact, and
    e-mail the clients the hours awaiting their approval (with --smtp HOST:PORT)."""
    obj = obj.on(demo_db)
    if fresh:
        _delete(demo_db)
    engine, _ = upgrade_schema(demo_db)
    awaiting = _fill_demo(engine, entries)
    if obj.settings.get(COMPANY) is None:
        obj.settings.put(COMPANY, demo_company(), at=dt.datetime.now(dt.UTC))
    mailer = smtp_mailer(smtp.apply(obj.company))

    server = None if no_serve else demo_server(host, port)
    base_url = http_url(host, port) if server is None else server.base_url
    service = obj.service(create_keys=True, base_url=base_url)
    _demo_portals(service)
    for line in _demo_links(service, obj):
        click.echo(line)
    asked = _ask_the_clients(service, obj, awaiting)

    _report(obj, asked, mailer)
    if server is not None:
        click.echo(f"serving on {server.base_url} (Ctrl+C stops)", err=True)
        sys.stdout.flush()
        server.run(service, obj.store, mailer)


def _report(obj: Context, asked: list[OutboxMessage], mailer: SmtpMailer | None) -> None:
    """What the demo did, on stderr: the company, who hears of decisions, who was asked to
    approve, where the e-mails go."""
    company = obj.company
    name = company.name or company.sender[0]
    lines = [f"demo database {obj.safe_db}: company {name!r} (`{_cli(obj)} company show`)"]
    if company.notify:
        lines.append(f"the clients' decisions are told to {', '.join(company.notify)}")
    if asked:
        to = sorted({r for m in asked for r in m.recipients})
        lines.append(
            f"asked {len(to)} contacts to approve the hours, expenses and trips awaiting them: "
            + ", ".join(to)
        )
    waiting = len(obj.store.pending())
    if mailer is not None:
        lines.append(mail_note(mailer, obj.safe_db) + (f" ({waiting} waiting)" if waiting else ""))
    elif waiting:
        lines.append(
            f"{waiting} e-mails wait in the outbox (`{_cli(obj)} outbox list`): give --smtp "
            "HOST:PORT to send them"
        )
    for line in lines:
        click.echo(line, err=True)


def _cli(obj: Context) -> str:
    return f"clientportal --db {obj.safe_db.removeprefix('sqlite:///')}"


def _delete(db: str) -> None:
    """Delete a SQLite database file and its journal files (the key file stays)."""
    prefix = "sqlite:///"
    if not db.startswith(prefix) or db == prefix or ":memory:" in db:
        raise click.UsageError(f"--fresh deletes a SQLite file, and {db!r} is none")
    path = Path(db[len(prefix) :])
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        file.unlink(missing_ok=True)


def _fill_demo(engine: Engine, entries: int | None) -> tuple[ItemRef, ...]:
    """Load the demo world into an empty reference schema (a second run reuses what is there).

    Returns the hours, expenses and trips that await the client: loaded as approved internally,
    the demo's manager sends them on to the client (nothing on a second run). With ``entries``,
    that many entries follow in batches, under a progress bar."""
    import attrs
    import sqlalchemy as sa

    from ..demo import demo_dataset, demo_entries
    from ..sql import load_dataset, load_entries
    from ..sql import tables as t

    with engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(t.clients)).scalar_one():
            return ()
    today = dt.date.today()
    awaiting: list[ItemRef] = []
    world = demo_dataset(today=today, entries=None if entries is None else 0)
    forwarded = attrs.evolve(
        world,
        entries=_forwarded(world.entries, awaiting),
        expenses=_forwarded(world.expenses, awaiting),
        trips=_forwarded(world.trips, awaiting),
    )
    load_dataset(engine, forwarded)
    if entries is None:
        return tuple(awaiting)
    chunk = 50_000
    with click.progressbar(length=entries, label="demo entries", file=sys.stderr) as bar:
        stream = demo_entries(today=today, count=entries)
        while batch := list(itertools.islice(stream, chunk)):
            load_entries(engine, _forwarded(batch, awaiting))
            bar.update(len(batch))
    return tuple(awaiting)


def _forwarded(items: Iterable[_Item], awaiting: list[ItemRef]) -> tuple[_Item, ...]:
    """``items`` (entries, expenses or trips), those awaiting a client that approves in a demo
    portal one step back (approved internally), their references added to ``awaiting``."""
    import attrs

    from ..demo import demo_portals
    from ..model import ApprovalState, ApprovalStatus, Expense, ItemRef, Trip

    approving = {
        project_id
        for portal in demo_portals(created_at=dt.datetime.now(dt.UTC))
        if portal.settings.approval
        for project_id in portal.project_ids
    }
    result = []
    for item in items:
        state = item.approval
        if state.status is ApprovalStatus.PENDING_EXTERNAL and item.project_id in approving:
            back = ApprovalState(ApprovalStatus.INTERNALLY_APPROVED, state.workflow, version=2)
            item = attrs.evolve(item, approval=back)
            kind = (
                ItemRef.expense
                if isinstance(item, Expense)
                else ItemRef.trip
                if isinstance(item, Trip)
                else ItemRef.entry
            )
            awaiting.append(kind(item.id))
        result.append(item)
    return tuple(result)


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


def _demo_links(service: PortalService, obj: Context) -> Iterator[str]:
    """One fresh link per contact of each demo portal (a token is shown once, so a rerun issues
    new ones). The links the demo issued before are revoked; links issued otherwise (by hand, or
    in e-mails) are never touched."""
    from ..demo import demo_portals

    state = obj.settings.get(DEMO_STATE)
    before = set(state.get("links", ())) if isinstance(state, dict) else set()
    issued: list[str] = []
    demo_ids = {p.id for p in demo_portals(created_at=service.clock.now())}
    for portal in service.admin.portals():
        if portal.id not in demo_ids:
            continue
        names = {c.id: c.name for c in obj.data.contacts(portal.client_id)}
        for link in service.links.for_portal(portal.id):
            if link.id in before and link.revoked_at is None:
                service.links.revoke(link.id)
        for contact_id in sorted(portal.contact_ids):
            new = service.links.issue(portal.id, contact_id)
            issued.append(new.link.id)
            who = names.get(contact_id, contact_id)
            yield f"{portal.name} ({portal.language}) — {who}: {service.mail.link_url(new.token)}"
    obj.settings.put(DEMO_STATE, {"links": issued}, at=service.clock.now())


def _ask_the_clients(
    service: PortalService, obj: Context, items: tuple[ItemRef, ...]
) -> list[OutboxMessage]:
    """The demo's manager sends the hours, expenses and trips awaiting the clients on to them, as
    if just approved: the e-mails that ask the clients' contacts to approve them (queued in the
    outbox, one per contact)."""
    if not items:
        return []
    from ..workflow import Actor, Party

    before = {m.id for m in obj.store.pending()}
    result = service.approvals.submit_to_client(items, by=Actor(Party.MANAGER, DEMO_MANAGER))
    if not result.all_applied:
        refused = [o for o in result.outcomes if o.state is None]
        why = refused[0].why
        click.echo(f"{len(refused)} demo items were not sent to the client: {why}", err=True)
    return [m for m in obj.store.pending() if m.id not in before]
