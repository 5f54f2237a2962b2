"""``clientportal approvals``: the staff's steps (submit, approve, reject, withdraw, forward,
reopen) on hours, expenses and trips, and where they stand."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from .._validators import id_problem
from ..errors import ConfigError, ValidationError
from ..model import ApprovalStatus, ItemKind, ItemRef
from ..public import PortalTrip
from ..workflow import Action, Party
from .context import Context, with_context
from .table import minutes, table


@click.group()
def approvals() -> None:
    """Move hours, expenses and trips through the company's approval workflow, and see where
    they stand."""


_KIND_OPTION = click.option(
    "--kind",
    type=click.Choice([k.value for k in ItemKind]),
    default=ItemKind.ENTRY.value,
    show_default=True,
    help="What the ids name: time entries, expenses or trips (their ids may be equal).",
)


def _step(obj: Context, action: Action, entry_ids: tuple[str, ...], employee_id: str,
          party: Party, reason: str | None = None,
          kind: ItemKind = ItemKind.ENTRY, send_back: bool = False) -> None:  # fmt: skip
    """Take ``action`` on the items of ``kind`` as the employee ``employee_id`` (in the role
    ``party``); one line per item says what happened, and the exit status is 1 when any was
    refused."""
    from ..service.approvals import check_actor
    from ..workflow import Actor

    by = Actor(party, employee_id)
    try:
        check_actor(obj.data, by, action)
    except ValidationError:
        raise click.BadParameter(
            f"{employee_id!r} is not an employee in the database: give the id of the employee "
            "who takes this step (`clientportal approvals staff` lists them)",
            param_hint="--by",
        ) from None
    if action is Action.SUBMIT and not obj.company.approval.enabled:
        raise click.ClickException(
            "approval is switched off for this company: switch it on with "
            "`clientportal company set --workflow internal-external` (or internal, external, "
            "external-internal) before submitting hours"
        )
    bad = [f"{i!r}: {problem}" for i in entry_ids if (problem := id_problem(i))]
    if bad:
        raise click.BadParameter(
            "; ".join(bad) + " (give the ids `clientportal approvals list` prints)",
            param_hint="ID",
        )
    service = obj.service()
    items = [ItemRef(kind, i) for i in entry_ids]
    if send_back and reason is not None:
        result = service.approvals.reopen(items, by=by, reason=reason, send_back=True)
    else:
        result = service.approvals.act(action, items, by=by, reason=reason)
    for outcome in result.outcomes:
        state = f" → {outcome.state.status.name}" if outcome.state else ""
        why = f": {outcome.why}" if outcome.why else ""
        click.echo(f"{outcome.entry_id}\t{outcome.outcome.name}{state}{why}")
    refused = len(result.outcomes) - len(result.applied)
    if refused:
        plural = {ItemKind.ENTRY: "entries", ItemKind.EXPENSE: "expenses", ItemKind.TRIP: "trips"}
        click.echo(
            f"Error: {refused} of {len(result.outcomes)} {plural[kind]} were not changed", err=True
        )
        if party is Party.EMPLOYEE and any(
            "their own hours" in (o.why or "") for o in result.outcomes
        ):
            click.echo(
                f"An employee {action.name.lower()}s only their own hours: a manager acts on "
                "another employee's with --on-behalf",
                err=True,
            )
        sys.exit(1)


def _staff_command(
    name: str,
    action: Action,
    party: Party,
    summary: str,
    *,
    needs_reason: bool = False,
    on_behalf: bool = False,
    send_back: bool = False,
) -> Callable[..., Any]:
    """The command ``approvals <name> ENTRY... --by EMPLOYEE`` that takes ``action``; with
    ``on_behalf`` its ``--on-behalf`` flag takes it as a MANAGER instead of as ``party``."""

    def command(obj: Context, /, entry_ids: tuple[str, ...], employee_id: str, **rest: Any) -> None:
        role = Party.MANAGER if rest.get("on_behalf") else party
        kind = ItemKind(rest.get("kind", ItemKind.ENTRY.value))
        _step(
            obj,
            action,
            entry_ids,
            employee_id,
            role,
            rest.get("reason"),
            kind,
            send_back=bool(rest.get("send_back")),
        )

    command.__doc__ = summary
    decorated = with_context(command)
    if needs_reason:
        decorated = click.option(
            "--reason", required=True, help="Why (the employee is told; kept in the audit trail)."
        )(decorated)
    if on_behalf:
        decorated = click.option(
            "--on-behalf",
            is_flag=True,
            help="Act as a manager on other employees' hours (without it, --by must be the "
            "employee whose hours they are).",
        )(decorated)
    if send_back:
        decorated = click.option(
            "--send-back",
            is_flag=True,
            help="Submit the reopened items again at once: those the client approves go back "
            "to them, e-mailed with the --reason as a note.",
        )(decorated)
    decorated = _KIND_OPTION(decorated)
    decorated = click.option(
        "--by", "employee_id", required=True, help="The employee taking the step."
    )(decorated)
    decorated = click.argument("entry_ids", nargs=-1, required=True, metavar="ID...")(decorated)
    return approvals.command(name)(decorated)


approvals_submit = _staff_command(
    "submit",
    Action.SUBMIT,
    Party.EMPLOYEE,
    "Submit entries for approval, as the employee whose hours they are (a manager: with "
    "--on-behalf).",
    on_behalf=True,
)
approvals_approve = _staff_command(
    "approve",
    Action.APPROVE,
    Party.MANAGER,
    "Approve submitted entries as a manager (never their own hours); where the client approves "
    "next and the company forwards automatically, they go on to the client at once.",
)
approvals_reject = _staff_command(
    "reject",
    Action.REJECT,
    Party.MANAGER,
    "Reject submitted entries as a manager, with a --reason.",
    needs_reason=True,
)
approvals_withdraw = _staff_command(
    "withdraw",
    Action.WITHDRAW,
    Party.EMPLOYEE,
    "Take submitted entries back to open (before anybody decided), as the employee whose hours "
    "they are (a manager: with --on-behalf).",
    on_behalf=True,
)
approvals_forward = _staff_command(
    "forward",
    Action.SUBMIT_TO_CLIENT,
    Party.MANAGER,
    "Send internally approved entries on to the client (when the company forwards by hand: "
    "`clientportal company set --manual-forward`); the client's contacts are e-mailed.",
)
approvals_reopen = _staff_command(
    "reopen",
    Action.REOPEN,
    Party.MANAGER,
    "Reopen approved entries as a manager, with a --reason (--send-back: straight back to the "
    "client with the reason as a note).",
    needs_reason=True,
    send_back=True,
)


@approvals.command("staff")
@with_context
def approvals_staff(obj: Context) -> None:
    """The employees who may take the staff's steps (`--by`), by id (tab-separated: id, name).

    `submit` and `withdraw` act as the employee whose hours they are; `approve`, `reject`,
    `forward` and `reopen` act as a manager (never on their own hours). Over --datasource (a
    DataSource cannot list all its employees): the employees the portals name."""
    if obj.datasource is not None:
        named = frozenset(e for p in obj.store.list_portals() for e in p.employee_ids)
        for employee in sorted(obj.data.employees(named), key=lambda e: e.id):
            click.echo(f"{employee.id}\t{employee.name}")
        return
    from sqlalchemy import select

    from ..sql import tables as t

    with obj.store.engine.connect() as connection:
        rows = connection.execute(
            select(t.employees.c.id, t.employees.c.name).order_by(t.employees.c.id)
        )
        for row in rows:
            click.echo(f"{row.id}\t{row.name}")


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
@_KIND_OPTION
@with_context
def approvals_list(
    obj: Context, portal_id: str, statuses: tuple[str, ...], limit: int, kind: str
) -> None:
    """The portal's entries (expenses, trips: --kind) with their approval status, newest first
    (tab-separated: id, date, employee, hours / amount and currency / distance, status,
    version)."""
    from ..ports import EntryQuery

    portal = obj.portal(portal_id)
    service = obj.service()
    item = ItemKind(kind)
    scope = service.pages.scope(portal)
    shown = {
        ItemKind.ENTRY: scope.entries,
        ItemKind.EXPENSE: scope.expenses,
        ItemKind.TRIP: scope.trips,
    }
    if not shown[item]:
        flag = {ItemKind.ENTRY: "hours", ItemKind.EXPENSE: "expenses", ItemKind.TRIP: "trips"}[item]
        raise ConfigError(
            [
                f"portal {portal_id!r} does not show {flag}: switch them on with "
                f"`clientportal portal update {portal_id} --show-{flag}`"
            ]
        )
    query = EntryQuery(statuses=frozenset(ApprovalStatus[s] for s in statuses), limit=limit)
    if item is not ItemKind.ENTRY:
        for c in service.pages.costs(portal, item, query).items:
            what = f"{c.distance} km" if isinstance(c, PortalTrip) else f"{c.amount} {c.currency}"
            click.echo(f"{c.id}\t{c.date}\t{c.employee_id}\t{what}\t{c.status.name}\tv{c.version}")
        return
    for e in service.pages.hours(portal, query).entries:
        hours = e.seconds / 3600
        click.echo(
            f"{e.id}\t{e.date}\t{e.employee_id}\t{hours:.2f}h\t{e.status.name}\tv{e.version}"
        )


@approvals.command("history")
@click.argument("item_id", metavar="ID")
@_KIND_OPTION
@with_context
def approvals_history(obj: Context, item_id: str, kind: str) -> None:
    """The approval history (audit trail) of the entry, expense or trip ID, oldest first: a line
    naming the item and its kind, then a table (when, step, by, status, reason)."""
    item = ItemKind(kind)
    events = obj.service().approvals.history(item_id, item)
    if not events:
        click.echo(
            f"{item.value} {item_id!r} has no approval history: nobody has taken a step on it"
            + (" (for an expense or a trip, give --kind)" if item is ItemKind.ENTRY else "")
        )
        return
    click.echo(f"Approval history of {item.value} {item_id!r}, oldest first:")
    rows = [
        (
            minutes(e.at),
            e.action.name,
            f"{e.actor.party.name} {e.actor.id}",
            f"{e.before.status.name} → {e.after.status.name}",
            e.reason or "",
        )
        for e in events
    ]
    for line in table(("WHEN", "STEP", "BY", "STATUS", "REASON"), rows):
        click.echo(line)
