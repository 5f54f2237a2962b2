"""The ``clientportal`` command: a demo, a server, and the administration of portals and links.

Every command works on one database (``--db``, or ``CLIENTPORTAL_DB``; SQLite by default). Link
tokens are signed with the secret keys given by ``--secret-key`` or ``CLIENTPORTAL_SECRET_KEYS``
(comma-separated, oldest first); for a SQLite database without them, a key file beside the
database (``<file>.keys``, created by ``demo``) is used. Needs ``pip install 'clientportal[cli]'``.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import secrets
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

try:
    import click
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the clientportal command needs click: pip install 'clientportal[cli]'"
    ) from error

from .errors import ClientPortalError, ConfigError
from .model import ApprovalPolicy, ApprovalStatus, PortalSettings, Workflow

if TYPE_CHECKING:
    from .ports import Clock, DataSource
    from .service import PortalService
    from .sql import SqlDataSource, SqlStore

__all__ = ["main"]

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_DB = "sqlite:///clientportal.sqlite3"
DEMO_DB = "sqlite:///clientportal-demo.sqlite3"
DEMO_SENDER = ("Pixel & Co hours", "hours@pixel.example")
KEYS_VARIABLE = "CLIENTPORTAL_SECRET_KEYS"
DEFAULT_POLICY = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL_EXTERNAL)


# --------------------------------------------------------------------------------------------------
# Plumbing: one way to open the database, one way to report errors


def _friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the library's errors into a one-paragraph message and exit status 1, never a trace."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ClientPortalError as error:
            raise click.ClickException(str(error)) from None
        except KeyError as error:
            raise click.ClickException(str(error.args[0]) if error.args else str(error)) from None

    return wrapper


def _key_file(db: str) -> Path | None:
    prefix = "sqlite:///"
    if not db.startswith(prefix) or db == prefix or ":memory:" in db:
        return None
    return Path(db[len(prefix) :] + ".keys")


def _secret_keys(db: str, given: Sequence[str], *, create: bool = False) -> list[str]:
    """The keys from the options or environment, else the SQLite key file (made if ``create``)."""
    keys = [k.strip() for value in given for k in value.split(",") if k.strip()]
    if keys:
        return keys
    path = _key_file(db)
    if path is not None and path.exists():
        keys = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        if keys:
            return keys
    if create and path is not None:
        path.write_text(secrets.token_urlsafe(32) + "\n")
        path.chmod(0o600)
        return _secret_keys(db, (), create=False)
    raise click.UsageError(
        f"no secret key: give --secret-key KEY or set {KEYS_VARIABLE} "
        "(comma-separated, oldest first); keep the same keys, or issued links stop working"
    )


class _Context:
    """What the command group knows: the database URL, the keys, where the portal is served."""

    def __init__(
        self,
        db: str,
        keys: Sequence[str],
        base_url: str | None,
        sender: str,
        policy: ApprovalPolicy = DEFAULT_POLICY,
    ) -> None:
        self.db, self.keys, self.base_url, self.sender = db, tuple(keys), base_url, sender
        self.policy = policy

    @functools.cached_property
    def _store(self) -> SqlStore:
        from .sql import SchemaMissing, SqlStore, create_engine, current_revision

        engine = create_engine(self.db)
        if current_revision(engine) is None:
            raise SchemaMissing(
                f"the database {self.safe_db} has no clientportal tables yet: "
                "run `clientportal db upgrade` (or `clientportal demo`) first"
            )
        return SqlStore(engine)

    @property
    def safe_db(self) -> str:
        from .sql import safe_url

        return safe_url(self.db)

    def store(self) -> SqlStore:
        """The database's store (one per command), refused when the schema is missing."""
        return self._store

    @functools.cached_property
    def data(self) -> SqlDataSource:
        """The host's data in the same database (the demo's reference schema)."""
        from .sql import SqlDataSource

        return SqlDataSource(self.store().engine)

    def service(self, *, create_keys: bool = False, base_url: str | None = None) -> PortalService:
        from .service import MailSettings, PortalService

        store = self.store()
        name, address = _sender(self.sender)
        return PortalService(
            self.data,
            store,
            secret_keys=_secret_keys(self.db, self.keys, create=create_keys),
            policy=self.policy,
            mail=MailSettings(
                sender_name=name,
                sender_address=address,
                message_id_domain=address.rpartition("@")[2],
                base_url=base_url or self.base_url or "http://127.0.0.1:8000",
            ),
        )


def _sender(value: str) -> tuple[str, str]:
    from email.utils import parseaddr

    name, address = parseaddr(value)
    if "@" not in address:
        raise click.BadParameter(
            f"{value!r} is not an address: give 'Name <address@example.com>'", param_hint="--sender"
        )
    return name or address, address


def _smtp(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r} is not HOST:PORT (e.g. 127.0.0.1:1025)")
    return host, int(port)


pass_ctx = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="CLIENTPORTAL_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="Database URL: sqlite:///file.sqlite3 or postgresql+psycopg://user@host/db.",
)
@click.option(
    "--secret-key",
    "keys",
    multiple=True,
    envvar=KEYS_VARIABLE,
    help="Key that signs link tokens (repeat, oldest first, to rotate).",
)
@click.option(
    "--base-url",
    default=None,
    help="Public URL of the portal (behind a proxy); default: the address it is served on.",
)
@click.option(
    "--sender",
    default=f"{DEMO_SENDER[0]} <{DEMO_SENDER[1]}>",
    show_default=True,
    help="From address of the portal's e-mails.",
)
@click.option(
    "--approval",
    type=click.Choice(["off", *(w.name.lower().replace("_", "-") for w in Workflow)]),
    default="internal-external",
    show_default=True,
    help="The company's approval workflow (who approves submitted hours, in which order).",
)
@click.option(
    "--manual-forward",
    is_flag=True,
    help="internal-external: a manager sends internally approved hours on to the client.",
)
@click.version_option(package_name="clientportal")
@click.pass_context
def main(
    ctx: click.Context,
    db: str,
    keys: tuple[str, ...],
    base_url: str | None,
    sender: str,
    approval: str,
    manual_forward: bool,
) -> None:
    """A client portal for your time-tracking data: run `clientportal demo` to see one."""
    policy = (
        ApprovalPolicy(enabled=False)
        if approval == "off"
        else ApprovalPolicy(
            enabled=True,
            workflow=Workflow[approval.upper().replace("-", "_")],
            auto_forward=not manual_forward,
        )
    )
    ctx.obj = _Context(db, keys, base_url, sender, policy)


# --------------------------------------------------------------------------------------------------
# db


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_ctx
@_friendly
def db_upgrade(obj: _Context) -> None:
    """Create or migrate the library's tables (and the reference schema) to the newest version."""
    from .sql import create_engine, reference_metadata, upgrade

    engine = create_engine(obj.db)
    revision = upgrade(engine)
    reference_metadata.create_all(engine, checkfirst=True)
    click.echo(f"{obj.safe_db} is at revision {revision}")


# --------------------------------------------------------------------------------------------------
# Serving


class _Server:
    """waitress bound first (``--port 0`` picks a free port), so links name the real address."""

    def __init__(self, host: str, port: int) -> None:
        import waitress  # type: ignore[import-untyped]

        self._app: Any = None
        self.server = waitress.create_server(
            self._dispatch, host=host, port=port, threads=8, ident="clientportal"
        )
        self.base_url = f"http://{host}:{self.server.effective_port}"

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._app(environ, start_response)

    def run(self, service: PortalService, store: SqlStore, smtp: str | None) -> None:
        from .web import make_wsgi_app

        self._app = make_wsgi_app(service)
        stop = _start_outbox_worker(store, service.clock, smtp)
        try:
            self.server.run()
        except KeyboardInterrupt:  # pragma: no cover - interactive
            pass
        finally:
            stop.set()
            self.server.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--smtp", "smtp", default=None, help="HOST:PORT: deliver the outbox there.")
@pass_ctx
@_friendly
def serve(obj: _Context, host: str, port: int, smtp: str | None) -> None:
    """Serve the portals of the database (WSGI on waitress)."""
    obj.store()  # fail early, before binding, when the schema is missing
    server = _Server(host, port)
    service = obj.service(base_url=obj.base_url or server.base_url)
    click.echo(f"serving {obj.safe_db} on {server.base_url} (Ctrl+C stops)")
    server.run(service, obj.store(), smtp)


def _start_outbox_worker(store: SqlStore, clock: Clock, smtp: str | None) -> threading.Event:
    stop = threading.Event()
    if smtp is None:
        return stop
    from .smtp import SmtpMailer, run_outbox_worker

    host, port = _smtp(smtp)
    mailer = SmtpMailer(host, port, security="plain", timeout=10)
    worker = threading.Thread(
        target=run_outbox_worker,
        args=(store, mailer),
        kwargs={"stop": stop, "clock": clock, "interval": 2.0},
        name="clientportal-outbox",
        daemon=True,
    )
    worker.start()
    return stop


# --------------------------------------------------------------------------------------------------
# The demo


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
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
@pass_ctx
@_friendly
def demo(
    obj: _Context,
    host: str,
    port: int,
    demo_db: str,
    entries: int | None,
    smtp: str | None,
    no_serve: bool,
) -> None:
    """Start a working portal on SQLite with realistic demo data, and print one link per contact."""
    from .sql import create_engine, reference_metadata, upgrade

    obj = _Context(demo_db, obj.keys, obj.base_url, obj.sender, obj.policy)
    engine = create_engine(demo_db)
    upgrade(engine)
    reference_metadata.create_all(engine, checkfirst=True)
    _fill_demo(engine, entries)

    server = None if no_serve else _Server(host, port)
    base_url = f"http://{host}:{port}" if server is None else server.base_url
    service = obj.service(create_keys=True, base_url=base_url)
    _demo_portals(service)
    for line in _demo_links(service, obj.data):
        click.echo(line)
    note = f"e-mails go to {smtp}" if smtp else "e-mails wait in the outbox (--smtp to send them)"
    click.echo(f"demo database {obj.safe_db}; {note}", err=True)
    if server is not None:
        click.echo(f"serving on {server.base_url} (Ctrl+C stops)", err=True)
        sys.stdout.flush()
        server.run(service, obj.store(), smtp)


def _fill_demo(engine: Any, entries: int | None) -> None:
    """Load the demo world into an empty reference schema (a second run reuses what is there)."""
    import sqlalchemy as sa

    from .demo import demo_dataset, demo_entries
    from .sql import load_dataset, load_entries
    from .sql import tables as t

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
        while True:
            batch = list(itertools.islice(stream, chunk))
            if not batch:
                break
            load_entries(engine, batch)
            bar.update(len(batch))


def _demo_portals(service: PortalService) -> None:
    from .demo import demo_portals

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


# --------------------------------------------------------------------------------------------------
# portal


def _settings_options(fn: Callable[P, R]) -> Callable[P, R]:
    for flag, help_text in reversed(_SETTING_FLAGS):
        fn = click.option(
            f"--{flag.replace('_', '-')}/--no-{flag.replace('_', '-')}",
            flag,
            default=None,
            help=help_text,
        )(fn)
    return click.option(
        "--documents-scope",
        type=click.Choice(["client", "projects"]),
        default=None,
        help="Invoices/quotes: all of the client's, or those of visible projects.",
    )(fn)


_SETTING_FLAGS = (
    ("show_hours", "Show hours."),
    ("show_descriptions", "Show the hours' descriptions."),
    ("show_budget", "Show project budgets (never the internal total-costs budget)."),
    ("show_invoices", "Show invoices."),
    ("show_quotes", "Show quotes."),
    ("approval", "Let the client approve hours."),
    ("show_amounts", "Show rates and amounts."),
)


def _settings(base: PortalSettings, given: dict[str, Any]) -> PortalSettings | None:
    import attrs

    changes = {k: v for k, v in given.items() if v is not None}
    return attrs.evolve(base, **changes) if changes else None


def _print_portal(portal: Any) -> None:
    from .convert import unstructure

    click.echo(json.dumps(unstructure(portal), indent=2, ensure_ascii=False))


@main.group()
def portal() -> None:
    """Create, list, show and change portals."""


@portal.command("create")
@click.option("--id", "portal_id", default=None, help="The portal's id (random when left out).")
@click.option("--client", "client_id", required=True, help="The client the portal is for.")
@click.option("--name", required=True)
@click.option("--project", "project_ids", multiple=True, help="A project to show (repeat).")
@click.option("--contact", "contact_ids", multiple=True, help="A contact to admit (repeat).")
@click.option("--language", default="en", show_default=True)
@_settings_options
@pass_ctx
@_friendly
def portal_create(
    obj: _Context,
    /,
    portal_id: str | None,
    client_id: str,
    name: str,
    project_ids: tuple[str, ...],
    contact_ids: tuple[str, ...],
    language: str,
    **settings: Any,
) -> None:
    """Create a portal (checked: every problem is listed at once)."""
    created = obj.service().admin.create_portal(
        id=portal_id,
        client_id=client_id,
        name=name,
        project_ids=project_ids,
        contact_ids=contact_ids,
        language=language,
        settings=_settings(PortalSettings(), settings),
    )
    _print_portal(created)


@portal.command("list")
@pass_ctx
@_friendly
def portal_list(obj: _Context) -> None:
    """One line per portal: id, client, language, name."""
    for p in obj.store().list_portals():
        state = "" if p.active else "  (inactive)"
        click.echo(f"{p.id}\t{p.client_id}\t{p.language}\t{p.name}{state}")


@portal.command("show")
@click.argument("portal_id")
@pass_ctx
@_friendly
def portal_show(obj: _Context, portal_id: str) -> None:
    """The portal as JSON."""
    found = obj.store().get_portal(portal_id)
    if found is None:
        raise click.ClickException(
            f"there is no portal {portal_id!r}: see `clientportal portal list`"
        )
    _print_portal(found)


@portal.command("update")
@click.argument("portal_id")
@click.option("--name", default=None)
@click.option("--project", "project_ids", multiple=True, help="Show these projects (replaces).")
@click.option("--contact", "contact_ids", multiple=True, help="Admit these contacts (replaces).")
@click.option("--language", default=None)
@click.option("--active/--inactive", default=None)
@_settings_options
@pass_ctx
@_friendly
def portal_update(
    obj: _Context,
    /,
    portal_id: str,
    name: str | None,
    project_ids: tuple[str, ...],
    contact_ids: tuple[str, ...],
    language: str | None,
    active: bool | None,
    **settings: Any,
) -> None:
    """Change a portal; options left out stay as they are."""
    service = obj.service()
    current = service.admin.portal(portal_id)
    updated = service.admin.update_portal(
        portal_id,
        name=name,
        project_ids=project_ids or None,
        contact_ids=contact_ids or None,
        language=language,
        settings=_settings(current.settings, settings),
        active=active,
    )
    _print_portal(updated)


# --------------------------------------------------------------------------------------------------
# link


@main.group()
def link() -> None:
    """Issue, list, revoke and regenerate the links that open a portal."""


@link.command("issue")
@click.argument("portal_id")
@click.option(
    "--contact", "contact_id", default=None, help="The contact (shared link if left out)."
)
@click.option("--expires-in", "days", type=click.IntRange(1, 3650), default=None, help="Days.")
@pass_ctx
@_friendly
def link_issue(obj: _Context, portal_id: str, contact_id: str | None, days: int | None) -> None:
    """Issue a link and print its URL (shown once: the token is not stored)."""
    service = obj.service()
    expires = None if days is None else service.clock.now() + dt.timedelta(days=days)
    issued = service.links.issue(portal_id, contact_id, expires_at=expires)
    click.echo(service.mail.link_url(issued.token))
    click.echo(f"link id {issued.link.id}", err=True)


@link.command("list")
@click.argument("portal_id")
@pass_ctx
@_friendly
def link_list(obj: _Context, portal_id: str) -> None:
    """The portal's links: id, contact, status, created, last used."""
    service = obj.service()
    service.admin.portal(portal_id)
    for item in service.links.for_portal(portal_id):
        used = item.last_used_at.isoformat(timespec="minutes") if item.last_used_at else "never"
        click.echo(
            f"{item.id}\t{item.contact_id or '(shared)'}\t{service.links.status(item).name}\t"
            f"{item.created_at.isoformat(timespec='minutes')}\t{used}"
        )


@link.command("revoke")
@click.argument("link_id")
@pass_ctx
@_friendly
def link_revoke(obj: _Context, link_id: str) -> None:
    """Revoke one link; its sessions end at once."""
    revoked = obj.service().links.revoke(link_id)
    click.echo(f"revoked {revoked.id}")


@link.command("regenerate")
@click.argument("link_id")
@pass_ctx
@_friendly
def link_regenerate(obj: _Context, link_id: str) -> None:
    """Replace a link with a new one for the same contact, and print the new URL."""
    service = obj.service()
    issued = service.links.regenerate(link_id)
    click.echo(service.mail.link_url(issued.token))
    click.echo(f"link id {issued.link.id}", err=True)


# --------------------------------------------------------------------------------------------------
# approvals


@main.group()
def approvals() -> None:
    """Submit hours for approval and see where they stand."""


@approvals.command("submit")
@click.argument("entry_ids", nargs=-1, required=True)
@click.option("--by", "employee_id", required=True, help="The employee submitting the hours.")
@pass_ctx
@_friendly
def approvals_submit(obj: _Context, entry_ids: tuple[str, ...], employee_id: str) -> None:
    """Submit entries for approval (as the employee); says per entry what happened."""
    from .workflow import Actor, Party

    result = obj.service().approvals.submit(entry_ids, by=Actor(Party.EMPLOYEE, employee_id))
    for outcome in result.outcomes:
        state = f" → {outcome.state.status.name}" if outcome.state else ""
        why = f": {outcome.why}" if outcome.why else ""
        click.echo(f"{outcome.entry_id}\t{outcome.outcome.name}{state}{why}")
    if len(result.applied) != len(result.outcomes):
        sys.exit(1)


@approvals.command("list")
@click.argument("portal_id")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice([s.name for s in ApprovalStatus]),
    help="Only entries in this status (repeat).",
)
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@pass_ctx
@_friendly
def approvals_list(obj: _Context, portal_id: str, statuses: tuple[str, ...], limit: int) -> None:
    """The portal's entries with their approval status, newest first."""
    from .ports import EntryQuery

    service = obj.service()
    portal = service.admin.portal(portal_id)
    if not service.pages.scope(portal).entries:
        raise ConfigError([f"portal {portal_id!r} does not show hours"])
    query = EntryQuery(statuses=frozenset(ApprovalStatus[s] for s in statuses), limit=limit)
    for e in service.pages.hours(portal, query).entries:
        hours = e.seconds / 3600
        click.echo(
            f"{e.id}\t{e.date}\t{e.employee_id}\t{hours:.2f}h\t{e.status.name}\tv{e.version}"
        )


# --------------------------------------------------------------------------------------------------
# outbox


@main.group()
def outbox() -> None:
    """The e-mails waiting to be sent."""


@outbox.command("deliver")
@click.option("--smtp", "smtp", required=True, help="HOST:PORT of the SMTP server.")
@click.option(
    "--security",
    type=click.Choice(["plain", "starttls", "ssl"]),
    default="starttls",
    show_default=True,
)
@click.option("--username", envvar="CLIENTPORTAL_SMTP_USERNAME", default=None)
@click.option("--password", envvar="CLIENTPORTAL_SMTP_PASSWORD", default=None, hidden=True)
@pass_ctx
@_friendly
def outbox_deliver(
    obj: _Context, smtp: str, security: str, username: str | None, password: str | None
) -> None:
    """Deliver every due message once; failed ones are retried later with backoff."""
    from .smtp import SmtpMailer, deliver_outbox

    host, port = _smtp(smtp)
    mailer = SmtpMailer(
        host,
        port,
        security=security,  # type: ignore[arg-type]
        username=username,
        password=password,
        timeout=15,
    )
    store = obj.store()
    total = None
    while True:
        report = deliver_outbox(store, mailer)
        total = report if total is None else total + report
        if report.claimed == 0 or report.sent == 0:
            break
    assert total is not None
    click.echo(f"sent {total.sent}, failed {total.failed} (will retry), given up {total.given_up}")
    for outbox_id, error in total.errors:
        click.echo(f"  {outbox_id}: {error}", err=True)


def run() -> None:  # pragma: no cover - the console script
    """Entry point of the ``clientportal`` console script."""
    main(prog_name="clientportal")


if __name__ == "__main__":  # pragma: no cover
    run()
