"""``clientportal company``: the company's stored settings (name, who is told of the clients'
decisions, the approval workflow, the portal's address, the sender and the SMTP server), read by
every other command."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import click

from ..service.company import CompanySettings, SmtpTls
from .context import (
    COMPANY,
    WORKFLOWS,
    Context,
    approval_policy,
    company_of,
    public_url,
    sender,
    with_context,
    workflow_name,
)
from .delivery import SMTP_OPTIONS, options_named
from .table import minutes

#: Every field and the option of ``company set`` that sets it (for messages).
OPTIONS = {
    "name": "--name",
    "notify": "--notify",
    "notice_language": "--notice-language",
    "approval": "--workflow",
    "base_url": "--base-url",
    "sender_name": "--sender",
    "sender_address": "--sender",
    **SMTP_OPTIONS,
}
#: What ``--unset`` can forget, and the fields each one empties.
_UNSET = {
    "name": ("name",),
    "notify": ("notify",),
    "base-url": ("base_url",),
    "sender": ("sender_name", "sender_address"),
    "smtp": tuple(SMTP_OPTIONS),
    "smtp-login": ("smtp_username", "smtp_password", "smtp_password_env"),
}
_PROMPT = "\0prompt"
_MASK = "********"


@click.group()
def company() -> None:
    """The company's settings, stored in the database and used by every command."""


def _login(settings: CompanySettings) -> str:
    if settings.smtp_username is None:
        return "none"
    if settings.smtp_password_env is not None:
        import os

        state = "set" if os.environ.get(settings.smtp_password_env) else "NOT SET here"
        where = f"from the environment variable {settings.smtp_password_env} ({state})"
    else:
        where = f"{_MASK} (stored)"
    return f"{settings.smtp_username}, password {where}"


def _lines(settings: CompanySettings) -> list[tuple[str, str]]:
    policy = settings.approval
    workflow = workflow_name(policy)
    if policy.enabled and policy.workflow.name == "INTERNAL_EXTERNAL":
        workflow += ", auto-forward" if policy.auto_forward else ", manual forward"
    name, address = settings.sender
    sender_text = f"{name} <{address}>"
    if settings.sender_address is None:
        sender_text += "  (no address set: `--sender 'Name <address>'`)"
    if settings.smtp_host is None:
        server = "(not set: e-mails wait in the outbox unless a command gets --smtp HOST:PORT)"
    else:
        port = (
            settings.smtp_port or {"none": 25, "starttls": 587, "tls": 465}[settings.smtp_tls.value]
        )
        server = f"{settings.smtp_host}:{port}"
    return [
        ("name", settings.name or "(not set)"),
        ("notify", ", ".join(settings.notify) or "(nobody: no notices of the clients' decisions)"),
        ("notice language", settings.notice_language),
        ("workflow", workflow),
        ("base URL", settings.base_url or "(not set: links use the address the portal is on)"),
        ("sender", sender_text),
        ("SMTP server", server),
        ("SMTP TLS", settings.smtp_tls.value),
        ("SMTP login", _login(settings)),
    ]


def _show(obj: Context, settings: CompanySettings, *, as_json: bool = False) -> None:
    if as_json:
        from ..convert import unstructure

        data = unstructure(settings)
        if data["smtp_password"] is not None:
            data["smtp_password"] = _MASK
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    width = max(len(label) for label, _ in _lines(settings))
    for label, value in _lines(settings):
        click.echo(f"{label.ljust(width)}  {value}")
    stored = obj.settings.updated_at(COMPANY)
    note = f"stored {minutes(stored)}" if stored else "nothing stored yet: these are the defaults"
    click.echo(f"({note}; change with `clientportal company set --help`)", err=True)


@company.command("show")
@click.option("--json", "as_json", is_flag=True, help="As JSON (the password masked).")
@with_context
def company_show(obj: Context, as_json: bool) -> None:
    """The company's stored settings (the SMTP password is never shown)."""
    _show(obj, obj.stored_company, as_json=as_json)


def _changes(given: dict[str, Any], unset: tuple[str, ...]) -> dict[str, Any]:
    """The fields to change, from the options given (``None``: left out)."""
    defaults = attrs.fields_dict(CompanySettings)
    changes = {field: defaults[field].default for name in unset for field in _UNSET[name]}
    for field in ("name", "notice_language", "smtp_host", "smtp_port", "smtp_username"):
        if given[field] is not None:
            changes[field] = given[field]
    if given["notify"] is not None:
        changes["notify"] = given["notify"]
    if given["base_url"] is not None:
        changes["base_url"] = public_url(given["base_url"])
    if given["sender"] is not None:
        changes["sender_name"], changes["sender_address"] = sender(given["sender"])
    if given["smtp_tls"] is not None:
        changes["smtp_tls"] = SmtpTls(given["smtp_tls"])
    password, variable = given["smtp_password"], given["smtp_password_env"]
    if password is not None and variable is not None:
        raise click.UsageError("give --smtp-password or --smtp-password-env, not both")
    if password == _PROMPT:
        password = click.prompt("SMTP password", hide_input=True, err=True)
    if password is not None:
        changes["smtp_password"], changes["smtp_password_env"] = password, None
    if variable is not None:
        changes["smtp_password"], changes["smtp_password_env"] = None, variable
    return changes


@company.command("set")
@click.option("--name", default=None, help="The company's name (the sender's, unless --sender).")
@click.option(
    "--notify",
    default=None,
    metavar="ADDRESSES",
    help="Who is told when a client approves or rejects hours: comma-separated addresses "
    "('office@example.com, Jo <jo@example.com>'); '' for nobody.",
)
@click.option("--notice-language", default=None, help="The language of those notices (en, nl…).")
@click.option(
    "--workflow",
    type=click.Choice(["off", *WORKFLOWS]),
    default=None,
    help="Who approves submitted hours, in which order (off: no approval).",
)
@click.option(
    "--auto-forward/--manual-forward",
    default=None,
    help="internal-external: internally approved hours go to the client at once, or wait for "
    "`clientportal approvals forward`.",
)
@click.option("--base-url", default=None, help="The public URL of the portal (behind a proxy).")
@click.option("--sender", default=None, help="The From of the e-mails: 'Name <address>'.")
@click.option("--smtp-host", default=None, help="The SMTP server the e-mails are sent to.")
@click.option("--smtp-port", type=click.IntRange(1, 65535), default=None, help="Its port.")
@click.option(
    "--smtp-tls",
    type=click.Choice([t.value for t in SmtpTls]),
    default=None,
    help="none (a trusted network only), starttls (port 587) or tls (port 465).",
)
@click.option("--smtp-username", default=None, help="Log in to the SMTP server as this user.")
@click.option(
    "--smtp-password",
    is_flag=False,
    flag_value=_PROMPT,
    default=None,
    help="The SMTP password, stored in the database (asked for when given without a value); "
    "prefer --smtp-password-env.",
)
@click.option(
    "--smtp-password-env",
    default=None,
    metavar="VAR",
    help="Read the SMTP password from this environment variable when sending (not stored).",
)
@click.option(
    "--unset",
    multiple=True,
    type=click.Choice(list(_UNSET)),
    help="Forget a setting (repeat); smtp forgets the whole server, smtp-login the login.",
)
@with_context
def company_set(obj: Context, /, workflow: str | None, auto_forward: bool | None,
                unset: tuple[str, ...], **given: Any) -> None:  # fmt: skip
    """Change the company's settings: only the options given change; the others stay."""
    from ..convert import unstructure

    changes = _changes(given, unset)
    if not changes and workflow is None and auto_forward is None:
        raise click.UsageError(
            "nothing to change: give the settings to change (see `clientportal company set "
            "--help`), or see them with `clientportal company show`"
        )

    def change(stored: object) -> Any:
        current = company_of(stored, obj.safe_db)
        updates = dict(changes)
        if workflow is not None or auto_forward is not None:
            forward = current.approval.auto_forward if auto_forward is None else auto_forward
            name = workflow_name(current.approval) if workflow is None else workflow
            updates["approval"] = approval_policy(name, auto_forward=forward)
        try:
            return unstructure(attrs.evolve(current, **updates))
        except (TypeError, ValueError) as error:
            raise click.UsageError(_named(str(error))) from None

    from ..convert import structure

    stored = obj.settings.update(COMPANY, change, at=dt.datetime.now(dt.UTC))
    _show(obj, structure(stored, CompanySettings))


def _named(message: str) -> str:
    """A settings message with each field written as the option that sets it."""
    message = options_named(message)
    for field, option in OPTIONS.items():
        if message.startswith((f"{field} ", f"{field}:")):
            return option + ":" + message[len(field) :].removeprefix(":")
    return message


@company.command("reset")
@with_context
def company_reset(obj: Context) -> None:
    """Forget the stored settings: the company is back to the defaults."""
    obj.settings.delete(COMPANY)
    click.echo("the company settings are forgotten; these are the defaults:", err=True)
    _show(obj, company_of(None, obj.safe_db))
