"""``clientportal approvals``: submit hours for approval and see where they stand."""

from __future__ import annotations

import sys

import click

from ..errors import ConfigError
from ..model import ApprovalStatus
from .context import Context, with_context


@click.group()
def approvals() -> None:
    """Submit hours for approval and see where they stand."""


@approvals.command("submit")
@click.argument("entry_ids", nargs=-1, required=True)
@click.option("--by", "employee_id", required=True, help="The employee submitting the hours.")
@with_context
def approvals_submit(obj: Context, entry_ids: tuple[str, ...], employee_id: str) -> None:
    """Submit entries for approval (as the employee); says per entry what happened."""
    from ..workflow import Actor, Party

    if not any(e.id == employee_id for e in obj.data.employees(frozenset({employee_id}))):
        raise click.BadParameter(
            f"{employee_id!r} is not an employee in the database: give the id of the employee "
            "whose hours these are",
            param_hint="--by",
        )
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
@with_context
def approvals_list(obj: Context, portal_id: str, statuses: tuple[str, ...], limit: int) -> None:
    """The portal's entries with their approval status, newest first."""
    from ..ports import EntryQuery

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
