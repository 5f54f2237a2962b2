"""``clientportal webhook``: the endpoints the worker posts every event to (add, list, remove)."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import click

from .context import Context, with_context
from .table import minutes, table


@click.group()
def webhook() -> None:
    """The endpoints every event is posted to, signed (`clientportal worker` delivers them)."""


def _url(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(
            f"{value!r} is not an http:// or https:// URL with a host: give the address that "
            "receives the events, e.g. https://example.com/hooks/clientportal"
        )
    return value


def _secret(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if len(value) < 16:
        raise click.BadParameter(
            "a secret must be at least 16 characters: make one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return value


@webhook.command("add")
@click.argument("url", callback=_url)
@click.option(
    "--secret",
    required=True,
    envvar="CLIENTPORTAL_WEBHOOK_SECRET",
    prompt="Secret (at least 16 characters)",
    hide_input=True,
    confirmation_prompt=True,
    callback=_secret,
    help="The key the requests are signed with (at least 16 characters; the receiver checks "
    "Clientportal-Signature with it). Or CLIENTPORTAL_WEBHOOK_SECRET; without either it is "
    "asked for, not shown as it is typed (a secret on the command line shows in ps and the "
    "shell's history).",
)
@with_context
def webhook_add(obj: Context, url: str, secret: str) -> None:
    """Post every event written from now on to URL, signed with --secret."""
    from ..access import random_id
    from ..ports import WebhookEndpoint

    endpoint = WebhookEndpoint(
        id=random_id(), url=url, secret=secret, created_at=dt.datetime.now(dt.UTC)
    )
    obj.store.add_webhook(endpoint)
    click.echo(f"webhook {endpoint.id} added: {url}")


@webhook.command("list")
@with_context
def webhook_list(obj: Context) -> None:
    """The endpoints, with how many deliveries are done, waiting and given up."""
    store = obj.store
    endpoints = store.webhooks()
    if not endpoints:
        click.echo("no webhooks: add one with `clientportal webhook add URL --secret S`")
        return
    rows = []
    for endpoint in endpoints:
        deliveries = store.deliveries(endpoint.id)
        done = sum(d.delivered_at is not None for d in deliveries)
        given_up = [d for d in deliveries if d.given_up]
        waiting = len(deliveries) - done - len(given_up)
        last_error = next((d.last_error for d in reversed(deliveries) if d.last_error), "")
        rows.append(
            (
                endpoint.id,
                endpoint.url,
                minutes(endpoint.created_at),
                str(done),
                str(waiting),
                str(len(given_up)),
                last_error or "",
            )
        )
    header = ("ID", "URL", "ADDED", "DELIVERED", "WAITING", "GIVEN UP", "LAST ERROR")
    for line in table(header, rows):
        click.echo(line)


@webhook.command("remove")
@click.argument("webhook_id")
@with_context
def webhook_remove(obj: Context, webhook_id: str) -> None:
    """Stop posting events to the endpoint WEBHOOK_ID (its deliveries are dropped)."""
    if not obj.store.remove_webhook(webhook_id):
        raise click.UsageError(
            f"no webhook with id {webhook_id!r}: list them with `clientportal webhook list`"
        )
    click.echo(f"webhook {webhook_id} removed")
