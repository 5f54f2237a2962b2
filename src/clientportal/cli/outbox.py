"""``clientportal outbox``: deliver the e-mails waiting to be sent."""

from __future__ import annotations

import sys

import click

from .context import Context, smtp_address, with_context


@click.group()
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
@with_context
def outbox_deliver(
    obj: Context, smtp: str, security: str, username: str | None, password: str | None
) -> None:
    """Deliver every due message once; failed ones are retried later with backoff."""
    from ..smtp import SmtpMailer, deliver_outbox

    host, port = smtp_address(smtp)
    mailer = SmtpMailer(
        host,
        port,
        security=security,  # type: ignore[arg-type]
        username=username,
        password=password,
        timeout=15,
    )
    store = obj.store
    total = None
    while True:
        report = deliver_outbox(store, mailer)
        total = report if total is None else total + report
        if report.claimed == 0 or report.sent == 0:
            break
    click.echo(f"sent {total.sent}, failed {total.failed} (will retry), given up {total.given_up}")
    for outbox_id, error in total.errors:
        click.echo(f"  {outbox_id}: {error}", err=True)
    if total.failed or total.given_up:
        sys.exit(1)
