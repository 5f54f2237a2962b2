"""``clientportal portal``: create, list, show and change portals."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..model import PortalSettings
from .context import Context, with_context, workflow_name

if TYPE_CHECKING:
    from ..model import Portal

F = TypeVar("F", bound=Callable[..., Any])

#: The ``--<flag>/--no-<flag>`` options, one per boolean of :class:`PortalSettings`.
_SETTING_FLAGS = (
    ("show_hours", "Show hours."),
    ("show_descriptions", "Show the hours' descriptions."),
    ("show_budget", "Show project budgets (never the internal total-costs budget)."),
    ("show_invoices", "Show invoices."),
    ("show_quotes", "Show quotes."),
    ("approval", "Let the client approve hours, expenses and trips."),
    ("show_amounts", "Show rates and amounts."),
    (
        "show_non_billable_amounts",
        "With --show-amounts: amounts of non-billable hours too; non-billable expenses and "
        "trips are shown only with it.",
    ),
    ("show_expenses", "Show the projects' expenses (always with their amounts)."),
    ("show_trips", "Show the projects' trips (distances; money with --show-amounts)."),
)


def _settings_options(fn: F) -> F:
    """The portal settings as options, each left out (``None``) unless given."""
    for flag, help_text in reversed(_SETTING_FLAGS):
        option = flag.replace("_", "-")
        fn = click.option(f"--{option}/--no-{option}", flag, default=None, help=help_text)(fn)
    fn = click.option(
        "--currency",
        default=None,
        metavar="CODE",
        help="The ISO 4217 currency of the rates and amounts (EUR when created without).",
    )(fn)
    return click.option(
        "--documents-scope",
        type=click.Choice(["client", "projects"]),
        default=None,
        help="Invoices/quotes: all of the client's, or those of visible projects.",
    )(fn)


def _settings(base: PortalSettings, given: dict[str, Any]) -> PortalSettings | None:
    import attrs

    changes = {k: v for k, v in given.items() if v is not None}
    if isinstance(changes.get("currency"), str):
        changes["currency"] = changes["currency"].strip().upper()
    try:
        return attrs.evolve(base, **changes) if changes else None
    except (TypeError, ValueError) as error:
        field, _, problem = str(error).partition(" ")
        raise click.BadParameter(problem, param_hint=f"--{field.replace('_', '-')}") from None


def _check_approval(obj: Context, settings: PortalSettings) -> None:
    """A portal that lets its client approve needs a company workflow with a client step."""
    policy = obj.company.approval
    if settings.approval and not policy.client_approves:
        raise click.ClickException(
            f"the portal lets its client approve hours, but the company's workflow "
            f"({workflow_name(policy)}) has no client step: choose one with `clientportal company "
            "set --workflow internal-external` (or external, external-internal), or give "
            "--no-approval"
        )


def _print_portal(portal: Portal) -> None:
    from ..convert import unstructure

    click.echo(json.dumps(unstructure(portal), indent=2, ensure_ascii=False))


@click.group()
def portal() -> None:
    """Create, list, show and change portals."""


@portal.command("create")
@click.option("--id", "portal_id", default=None, help="The portal's id (random when left out).")
@click.option("--client", "client_id", required=True, help="The client the portal is for.")
@click.option("--name", required=True)
@click.option("--project", "project_ids", multiple=True, help="A project to show (repeat).")
@click.option("--contact", "contact_ids", multiple=True, help="A contact to admit (repeat).")
@click.option("--language", default="en", show_default=True)
@_settings_options
@with_context
def portal_create(
    obj: Context,
    /,
    portal_id: str | None,
    client_id: str,
    name: str,
    project_ids: tuple[str, ...],
    contact_ids: tuple[str, ...],
    language: str,
    **settings: Any,
) -> None:
    """Create a portal (checked: every problem is listed at once)."""
    if portal_id is not None and obj.store.get_portal(portal_id) is not None:
        raise click.ClickException(
            f"a portal with id {portal_id!r} exists: change it with "
            f"`clientportal portal update {portal_id} ...`, or choose another --id"
        )
    chosen = _settings(PortalSettings(), settings)
    _check_approval(obj, chosen or PortalSettings())
    created = obj.service().admin.create_portal(
        id=portal_id,
        client_id=client_id,
        name=name,
        project_ids=project_ids,
        contact_ids=contact_ids,
        language=language,
        settings=chosen,
    )
    _print_portal(created)


@portal.command("list")
@with_context
def portal_list(obj: Context) -> None:
    """One line per portal: id, client, language, name."""
    portals = obj.store.list_portals()
    if not portals:
        click.echo(
            "there are no portals yet: create one with `clientportal portal create`", err=True
        )
        return
    for p in portals:
        state = "" if p.active else "  (inactive)"
        click.echo(f"{p.id}\t{p.client_id}\t{p.language}\t{p.name}{state}")


@portal.command("show")
@click.argument("portal_id")
@with_context
def portal_show(obj: Context, portal_id: str) -> None:
    """The portal as JSON."""
    _print_portal(obj.portal(portal_id))


@portal.command("update")
@click.argument("portal_id")
@click.option("--name", default=None)
@click.option("--project", "project_ids", multiple=True, help="Show these projects (replaces).")
@click.option("--contact", "contact_ids", multiple=True, help="Admit these contacts (replaces).")
@click.option("--language", default=None)
@click.option("--active/--inactive", default=None)
@_settings_options
@with_context
def portal_update(
    obj: Context,
    /,
    portal_id: str,
    name: str | None,
    project_ids: tuple[str, ...],
    contact_ids: tuple[str, ...],
    language: str | None,
    active: bool | None,
    **settings: Any,
) -> None:
    """Change a portal; options left out stay as they are."""
    current = obj.portal(portal_id)
    chosen = _settings(current.settings, settings)
    _check_approval(obj, chosen or current.settings)
    service = obj.service()
    updated = service.admin.update_portal(
        portal_id,
        name=name,
        project_ids=project_ids or None,
        contact_ids=contact_ids or None,
        language=language,
        settings=chosen,
        active=active,
    )
    _print_portal(updated)
