"""``clientportal worker``: one loop that delivers the e-mails, the webhooks, runs the host's
callbacks and sends the due reminders of the stored reminder policy (:mod:`clientportal.worker`,
``clientportal reminders``); ``--once`` does one round and exits."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TYPE_CHECKING

import click

from .context import Context, with_context
from .datasource import import_here
from .delivery import SmtpChoice, smtp_mailer, smtp_options
from .reminders import stored_policy

if TYPE_CHECKING:
    from ..worker import Callback


def _callbacks(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> dict[str, Callback]:
    """``NAME=module:function`` values, imported (the current directory searched first, as
    for ``--datasource``)."""
    found: dict[str, Callback] = {}
    for value in values:
        name, sep, target = value.partition("=")
        module_name, colon, attribute = target.partition(":")
        if not sep or not colon or not name or not module_name or not attribute:
            raise click.BadParameter(
                f"{value!r}: expected NAME=module:function (e.g. lock=myapp.hooks:lock_entries)"
            )
        if name in found:
            raise click.BadParameter(f"{value!r}: the name {name!r} is given twice")
        function = getattr(import_here(module_name, "--callback"), attribute, None)
        if function is None:
            raise click.BadParameter(
                f"{value!r}: cannot import {target!r}: module {module_name!r} has no {attribute!r}"
            )
        if not callable(function):
            raise click.BadParameter(f"{value!r}: {target!r} is not callable")
        found[name] = function
    return found


@click.command("worker")
@smtp_options
@click.option(
    "--callback",
    "callbacks",
    multiple=True,
    metavar="NAME=module:function",
    callback=_callbacks,
    help="A host function called with every event, in order (repeat for several; the current "
    "directory is searched for the module). NAME keeps its place in the log: keep it when you "
    "restart.",
)
@click.option("--once", is_flag=True, help="One round, then exit (for cron or a test).")
@click.option(
    "--no-reminders",
    is_flag=True,
    help="Do not send reminders even though a reminder policy is stored (another worker does).",
)
@click.option(
    "--interval",
    type=click.FloatRange(0.1, 3600),
    default=5.0,
    show_default=True,
    help="Seconds between rounds when there is nothing to do.",
)
@with_context
def worker(
    obj: Context,
    smtp: SmtpChoice,
    callbacks: dict[str, Callback],
    once: bool,
    no_reminders: bool,
    interval: float,
) -> None:
    """Deliver the outbox's e-mails (when an SMTP server is stored or given), the webhooks, and
    run the --callback functions over the event log, until Ctrl+C (or one round with --once).
    With a reminder policy stored (`clientportal reminders set`), also send the reminders,
    escalations, warnings and staff digests that are due, and approve what the policy approves.
    Any number of workers may run: nothing is handed on twice at once, no reminder sent twice."""
    from ..worker import run_worker, work_once

    store = obj.store
    mailer = smtp_mailer(smtp.apply(obj.company))
    policy = None if no_reminders else stored_policy(obj)
    reminders = None if policy is None else obj.service(reminders=policy).reminders
    if once:
        report = work_once(store, mailer=mailer, callbacks=callbacks, reminders=reminders)
        mail = "no SMTP server" if report.mail is None else f"{report.mail.sent} e-mails sent"
        hooks = report.webhooks
        reminded = report.reminders
        sent = (
            "no reminder policy"
            if reminded is None
            else f"{reminded.reminders} sent, {reminded.escalations} escalated, "
            f"{reminded.warnings} warned, {reminded.auto_approved} approved by the policy, "
            f"{reminded.staff} staff digests"
        )
        click.echo(
            f"{mail}; webhooks: {hooks.delivered} delivered, {hooks.failed} failed (will retry), "
            f"{hooks.given_up} given up; callbacks: {report.callbacks.handled} events handled, "
            f"{report.callbacks.failed} failed; reminders: {sent}"
        )
        if hooks.failed or hooks.given_up or report.callbacks.failed:
            sys.exit(1)
        return
    click.echo(f"working on {obj.safe_db} (Ctrl+C stops)")
    sys.stdout.flush()
    stop = threading.Event()
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = [signal.signal(number, lambda *_: stop.set()) for number in handled]
    try:
        run_worker(
            store,
            stop=stop,
            mailer=mailer,
            callbacks=callbacks,
            interval=interval,
            reminders=reminders,
        )
    finally:
        for number, handler in zip(handled, previous, strict=True):
            signal.signal(number, handler)
    click.echo("stopped")
