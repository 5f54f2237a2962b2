"""The ``clientportal`` group: the options every command shares, and the commands under it."""

from __future__ import annotations

import click

from . import approvals, db, demo, links, outbox, portals, serving
from .context import (
    DEFAULT_APPROVAL,
    DEFAULT_DB,
    DEFAULT_SENDER,
    KEYS_VARIABLE,
    WORKFLOWS,
    Context,
    approval_policy,
    database_url,
    public_url,
)


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
    "--secret-key",
    "keys",
    multiple=True,
    envvar=KEYS_VARIABLE,
    help="Key that signs link tokens (repeat, oldest first, to rotate).",
)
@click.option(
    "--base-url",
    default=None,
    callback=lambda _ctx, _param, value: public_url(value),
    help="Public URL of the portal (behind a proxy); default: the address it is served on.",
)
@click.option(
    "--sender",
    default=DEFAULT_SENDER,
    show_default=True,
    help="From address of the portal's e-mails.",
)
@click.option(
    "--approval",
    type=click.Choice(["off", *WORKFLOWS]),
    default=DEFAULT_APPROVAL,
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
    db_url: str,
    keys: tuple[str, ...],
    base_url: str | None,
    sender: str,
    approval: str,
    manual_forward: bool,
) -> None:
    """A client portal for your time-tracking data: run `clientportal demo` to see one."""
    policy = approval_policy(approval, manual_forward=manual_forward)
    ctx.obj = Context(db_url, keys, base_url, sender, policy)


for _command in (
    demo.demo,
    serving.serve,
    db.db,
    portals.portal,
    links.link,
    approvals.approvals,
    outbox.outbox,
):
    main.add_command(_command)


def run() -> None:  # pragma: no cover - the console script
    """Entry point of the ``clientportal`` console script."""
    main(prog_name="clientportal")
