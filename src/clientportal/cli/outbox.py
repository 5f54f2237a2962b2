"""``clientportal outbox``: the e-mails waiting to be sent; list them, deliver them once or keep
delivering."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import sys
import threading
from email import policy
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING

import click

from .context import Context, with_context
from .delivery import SmtpChoice, describe, smtp_mailer, smtp_options
from .table import minutes, table

if TYPE_CHECKING:
    from ..ports import OutboxMessage
    from ..smtp import SmtpMailer


@click.group()
def outbox() -> None:
    """The e-mails waiting to be sent."""


def _subject(message: OutboxMessage) -> str:
    if message.secret and not message.message:
        return "(not kept: it carried a secret)"
    headers = BytesHeaderParser(policy=policy.default).parsebytes(message.message)
    return " ".join(str(headers.get("Subject", "")).split()) or "(no subject)"


def _state(message: OutboxMessage, now: dt.datetime) -> tuple[str, str]:
    """``(status, next attempt)`` of an unsent message."""
    if message.next_attempt_at is None and message.attempts:
        return "given up", "never"
    due = message.next_attempt_at
    when = minutes(due) if due is not None and due > now else "now"
    return ("waiting" if not message.attempts else "retrying"), when


@outbox.command("list")
@with_context
def outbox_list(obj: Context) -> None:
    """The e-mails not sent yet: waiting, to be retried, or given up (with their last error)."""
    pending = obj.store.pending()
    if not pending:
        click.echo("the outbox is empty: every e-mail has been sent")
        return
    rows = []
    now = dt.datetime.now(dt.UTC)
    for m in pending:
        status, when = _state(m, now)
        error = " ".join((m.last_error or "").split())
        rows.append(
            (m.id, status, ", ".join(m.recipients), _subject(m), str(m.attempts), when, error)
        )
    header = ("ID", "STATUS", "TO", "SUBJECT", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR")
    for line in table(header, rows):
        click.echo(line)


def _mailer(obj: Context, smtp: SmtpChoice) -> SmtpMailer:
    mailer = smtp_mailer(smtp.apply(obj.company))
    if mailer is None:
        raise click.UsageError(
            "no SMTP server to deliver to: give --smtp HOST:PORT, or store one with "
            "`clientportal company set --smtp-host HOST`"
        )
    return mailer


@outbox.command("deliver")
@smtp_options
@with_context
def outbox_deliver(obj: Context, smtp: SmtpChoice) -> None:
    """Deliver every due e-mail once, to the stored SMTP server (or --smtp); failed ones are
    retried later with backoff. Exit status 1 when any failed or was given up."""
    from ..smtp import deliver_outbox

    mailer = _mailer(obj, smtp)
    store = obj.store
    total = None
    log = logging.getLogger("clientportal.outbox")
    level = log.level
    log.setLevel(logging.CRITICAL)  # each failure is told below, once
    try:
        while True:
            report = deliver_outbox(store, mailer)
            total = report if total is None else total + report
            if report.claimed == 0 or report.sent == 0:
                break
    finally:
        log.setLevel(level)
    click.echo(f"sent {total.sent}, failed {total.failed} (will retry), given up {total.given_up}")
    for outbox_id, error in total.errors:
        click.echo(f"  {outbox_id}: {error}", err=True)
    if total.failed or total.given_up:
        sys.exit(1)


@outbox.command("worker")
@smtp_options
@click.option(
    "--interval",
    type=click.FloatRange(0.1, 3600),
    default=5.0,
    show_default=True,
    help="Seconds between rounds when the outbox is empty.",
)
@with_context
def outbox_worker(obj: Context, smtp: SmtpChoice, interval: float) -> None:
    """Keep delivering the e-mails as they come, to the stored SMTP server (or --smtp), until
    Ctrl+C: for a server that runs `clientportal serve` without one."""
    from ..smtp import run_outbox_worker

    mailer = _mailer(obj, smtp)
    store = obj.store
    click.echo(f"delivering the outbox of {obj.safe_db} to {describe(mailer)} (Ctrl+C stops)")
    sys.stdout.flush()
    stop = threading.Event()
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = [signal.signal(number, lambda *_: stop.set()) for number in handled]
    try:
        total = run_outbox_worker(store, mailer, stop=stop, interval=interval)
    finally:
        for number, handler in zip(handled, previous, strict=True):
            signal.signal(number, handler)
    click.echo(f"stopped: sent {total.sent}, failed {total.failed}, given up {total.given_up}")
