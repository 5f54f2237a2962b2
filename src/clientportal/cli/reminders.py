"""``clientportal reminders``: the company's reminder policy, stored in the database (the settings
group ``reminders``) and run by ``clientportal worker``: ``set`` changes the options given,
``show`` prints it, ``off`` removes it."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import ConfigError
from ..reminders import ReminderPolicy
from .context import Context, with_context

__all__ = ["REMINDERS", "policy_from_json", "policy_to_json", "reminders", "stored_policy"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: The settings group that holds the policy.
REMINDERS = "reminders"
_SPAN = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")
_SPANS = (
    "first_after",
    "every",
    "escalate_after",
    "auto_approve_after",
    "warn_before_auto_approve",
    "staff_after",
    "staff_every",
)


def parse_span(text: str) -> dt.timedelta:
    """``"2d"``, ``"36h"``, ``"1d12h"``, ``"90m"`` as a timedelta (``ValueError`` naming the
    forms otherwise)."""
    match = _SPAN.fullmatch(text.strip())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration: write it as 2d, 36h, 1d12h or 90m")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return dt.timedelta(days=days, hours=hours, minutes=minutes)


def show_span(span: dt.timedelta | None) -> str:
    """A duration as ``parse_span`` reads it (``none`` for ``None``)."""
    if span is None:
        return "none"
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n)
    return text or "0m"


def policy_to_json(policy: ReminderPolicy) -> dict[str, Any]:
    """The policy as the settings store keeps it: durations in seconds, the morning as HH:MM."""
    value: dict[str, Any] = {
        name: None if (span := getattr(policy, name)) is None else int(span.total_seconds())
        for name in _SPANS
    }
    value.update(
        max_reminders=policy.max_reminders,
        escalate_to=list(policy.escalate_to),
        morning=policy.morning.strftime("%H:%M"),
        time_zone=policy.time_zone,
        staff_recipients=list(policy.staff_recipients),
    )
    return value


def policy_from_json(value: Any) -> ReminderPolicy:
    """The policy :func:`policy_to_json` stored (checked again: a ``ConfigError`` names every
    problem)."""
    if not isinstance(value, dict):
        raise ConfigError([f"expected an object, got {value!r}"], subject="the stored policy")
    fields: dict[str, Any] = dict(value)
    try:
        for name in _SPANS:
            if fields.get(name) is not None:
                fields[name] = dt.timedelta(seconds=int(fields[name]))
        if "morning" in fields:
            fields["morning"] = dt.time.fromisoformat(str(fields["morning"]))
        return ReminderPolicy(**fields)
    except (TypeError, ValueError) as error:
        if isinstance(error, ConfigError):
            raise
        raise ConfigError([str(error)], subject="the stored reminder policy") from None


def stored_policy(obj: Context) -> ReminderPolicy | None:
    """The company's stored reminder policy, or ``None`` when there is none."""
    stored = obj.settings.get(REMINDERS)
    if stored is None:
        return None
    try:
        return policy_from_json(stored)
    except ConfigError as error:
        raise click.ClickException(
            f"{error}\nfix it with `clientportal reminders set` (or remove it: reminders off)"
        ) from None


@click.group()
def reminders() -> None:
    """The company's reminder policy: reminders, escalation, approval by the policy and the
    staff's digests, sent by `clientportal worker`."""


def _span_option(name: str, help: str) -> Callable[[_F], _F]:
    return click.option(name, metavar="DURATION", help=help + " (2d, 36h, 1d12h, 90m, or none).")


@reminders.command("set")
@_span_option("--first-after", "The first reminder, after the request")
@_span_option("--every", "Then a reminder every (at least 1d)")
@click.option("--max", "max_reminders", type=click.IntRange(0, 100), help="At most this many.")
@click.option(
    "--escalate-to",
    metavar="CONTACT_IDS",
    help="Contacts told of requests still unanswered, comma-separated ('' for none).",
)
@_span_option("--escalate-after", "Escalate this long after the request")
@_span_option("--auto-approve-after", "The policy approves this long after the request")
@_span_option("--warn-before", "Warn the contact this long before the approval")
@click.option("--morning", metavar="HH:MM", help="When the e-mails go out, local time.")
@click.option("--time-zone", metavar="ZONE", help="IANA time zone, e.g. Europe/Amsterdam.")
@click.option(
    "--staff-to",
    metavar="ADDRESSES",
    help="Who gets the staff's digest, comma-separated ('' for nobody).",
)
@_span_option("--staff-after", "The staff's first digest of an item, after it started waiting")
@_span_option("--staff-every", "Then a digest every (at least 1d)")
@with_context
def set_policy(obj: Context, /, **options: Any) -> None:
    """Store the reminder policy: the options given change it, the others stay (the defaults
    when none is stored)."""
    current = stored_policy(obj) or ReminderPolicy()
    value = policy_to_json(current)
    try:
        for name, given in options.items():
            if given is None:
                continue
            key = {"warn_before": "warn_before_auto_approve"}.get(name, name)
            if key in _SPANS:
                none = given.strip().lower() == "none"
                value[key] = None if none else int(parse_span(given).total_seconds())
            elif key in ("escalate_to", "staff_to"):
                items = [i.strip() for i in given.split(",") if i.strip()]
                value["escalate_to" if key == "escalate_to" else "staff_recipients"] = items
            else:
                value[key] = given
        policy = policy_from_json(value)
    except (ValueError, ConfigError) as error:
        raise click.UsageError(str(error)) from None
    obj.settings.put(REMINDERS, policy_to_json(policy), at=dt.datetime.now(dt.UTC))
    click.echo("reminder policy stored; `clientportal worker` sends what it asks for")
    _print(policy)


@reminders.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the stored value as JSON.")
@with_context
def show(obj: Context, as_json: bool) -> None:
    """Print the stored reminder policy."""
    policy = stored_policy(obj)
    if policy is None:
        click.echo("no reminder policy: nobody is reminded (set one with `reminders set`)")
        return
    if as_json:
        click.echo(json.dumps(policy_to_json(policy), indent=2, sort_keys=True))
        return
    _print(policy)


@reminders.command("off")
@with_context
def off(obj: Context) -> None:
    """Remove the reminder policy: the worker reminds nobody."""
    removed = obj.settings.delete(REMINDERS)
    click.echo("reminder policy removed" if removed else "there was no reminder policy")


def _print(policy: ReminderPolicy) -> None:
    rows = [
        ("reminders", f"first after {show_span(policy.first_after)}, then every "
         f"{show_span(policy.every)}, at most {policy.max_reminders}"),
        ("escalation", "none" if not policy.escalate_to else
         f"to {', '.join(policy.escalate_to)} after {show_span(policy.escalate_after)}"),
        ("auto-approval", "none" if policy.auto_approve_after is None else
         f"after {show_span(policy.auto_approve_after)}, warned "
         f"{show_span(policy.warn_before_auto_approve)} before"),
        ("morning", f"{policy.morning.strftime('%H:%M')} {policy.time_zone}"),
        ("staff digest", "nobody" if not policy.staff_recipients else
         f"to {', '.join(policy.staff_recipients)} after {show_span(policy.staff_after)}, "
         f"then every {show_span(policy.staff_every)}"),
    ]  # fmt: skip
    for name, text in rows:
        click.echo(f"{name + ':':<15}{text}")
