"""The ``clientportal`` group: the options every command shares, and the commands under it."""

from __future__ import annotations

from pathlib import Path

import click

from . import (
    approvals,
    company,
    db,
    demo,
    links,
    outbox,
    portals,
    reminders,
    serving,
    webhooks,
    worker,
)
from .context import (
    DEFAULT_DB,
    KEY_FILE_VARIABLE,
    KEYS_VARIABLE,
    WORKFLOWS,
    Context,
    Overrides,
    database_url,
    public_url,
    sender,
)
from .datasource import DATASOURCE_VARIABLE, check_spec


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_url",
    envvar="CLIENTPORTAL_DB",
    default=DEFAULT_DB,
    show_default=True,
    callback=lambda _ctx, _param, value: database_url(value),
    help="Database URL (sqlite:///file.sqlite3, postgresql+psycopg://user@host/db) or the path "
    "of a SQLite file.",
)
@click.option(
    "--datasource",
    envvar=DATASOURCE_VARIABLE,
    default=None,
    metavar="MODULE:FACTORY",
    callback=lambda _ctx, _param, value: check_spec(value),
    help="Your own DataSource: FACTORY(store) in MODULE returns it (the current directory is "
    "searched; the store is the library's on --db). Default: the reference schema in --db.",
)
@click.option(
    "--secret-key",
    "keys",
    multiple=True,
    envvar=KEYS_VARIABLE,
    help="Key that signs link tokens (repeat, oldest first, to rotate). Other users see it in "
    f"`ps` and it stays in your shell history: prefer --secret-key-file or {KEYS_VARIABLE} "
    "(comma-separated).",
)
@click.option(
    "--secret-key-file",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=KEY_FILE_VARIABLE,
    default=None,
    help="File of the keys that sign link tokens: one a line, oldest first, readable only by you "
    "(chmod 600).",
)
@click.option(
    "--base-url",
    default=None,
    callback=lambda _ctx, _param, value: public_url(value),
    help="This run only: the public URL of the portal (default: the stored one, else the "
    "address it is served on).",
)
@click.option(
    "--sender",
    "sender_text",
    default=None,
    metavar="'NAME <ADDRESS>'",
    help="This run only: the From of the e-mails (default: the stored one).",
)
@click.option(
    "--approval",
    type=click.Choice(["off", *WORKFLOWS]),
    default=None,
    help="This run only: the approval workflow (default: the stored one).",
)
@click.option(
    "--auto-forward/--manual-forward",
    default=None,
    help="This run only: internally approved hours go to the client at once, or wait for "
    "`approvals forward`.",
)
@click.version_option(package_name="clientportal")
@click.pass_context
def main(
    ctx: click.Context,
    db_url: str,
    datasource: str | None,
    keys: tuple[str, ...],
    key_file: Path | None,
    base_url: str | None,
    sender_text: str | None,
    approval: str | None,
    auto_forward: bool | None,
) -> None:
    """A client portal for your time-tracking data: run `clientportal demo` to see one.

    The company's settings (`clientportal company show`) are stored in the database and used by
    every command; the options above change them for one run only.
    """
    overrides = Overrides(
        base_url=base_url,
        sender=None if sender_text is None else sender(sender_text),
        approval=approval,
        auto_forward=auto_forward,
    )
    ctx.obj = Context(db_url, keys, overrides, key_file, datasource)


for _command in (
    demo.demo,
    serving.serve,
    db.db,
    company.company,
    portals.portal,
    links.link,
    approvals.approvals,
    outbox.outbox,
    webhooks.webhook,
    worker.worker,
    reminders.reminders,
):
    main.add_command(_command)


def run() -> None:  # pragma: no cover - the console script
    """Entry point of the ``clientportal`` console script."""
    main(prog_name="clientportal")
