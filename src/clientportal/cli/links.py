"""``clientportal link``: issue, list, revoke and regenerate the links that open a portal."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from .context import Context, with_context

if TYPE_CHECKING:
    from ..service import PortalService
    from ..service.links import IssuedLink


def _print_issued(service: PortalService, issued: IssuedLink) -> None:
    """The link's URL on stdout (shown once: the token is not stored), its id on stderr."""
    click.echo(service.mail.link_url(issued.token))
    click.echo(f"link id {issued.link.id}", err=True)


def _minutes(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="minutes")


@click.group()
def link() -> None:
    """Issue, list, revoke and regenerate the links that open a portal."""


@link.command("issue")
@click.argument("portal_id")
@click.option(
    "--contact", "contact_id", default=None, help="The contact (shared link if left out)."
)
@click.option("--expires-in", "days", type=click.IntRange(1, 3650), default=None, help="Days.")
@with_context
def link_issue(obj: Context, portal_id: str, contact_id: str | None, days: int | None) -> None:
    """Issue a link and print its URL (shown once: the token is not stored)."""
    service = obj.service()
    expires = None if days is None else service.clock.now() + dt.timedelta(days=days)
    _print_issued(service, service.links.issue(portal_id, contact_id, expires_at=expires))


@link.command("list")
@click.argument("portal_id")
@with_context
def link_list(obj: Context, portal_id: str) -> None:
    """The portal's links: id, contact, status, created, last used."""
    service = obj.service()
    service.admin.portal(portal_id)
    for item in service.links.for_portal(portal_id):
        used = _minutes(item.last_used_at) if item.last_used_at else "never"
        click.echo(
            f"{item.id}\t{item.contact_id or '(shared)'}\t{service.links.status(item).name}\t"
            f"{_minutes(item.created_at)}\t{used}"
        )


@link.command("revoke")
@click.argument("link_id")
@with_context
def link_revoke(obj: Context, link_id: str) -> None:
    """Revoke one link; its sessions end at once."""
    revoked = obj.service().links.revoke(link_id)
    click.echo(f"revoked {revoked.id}")


@link.command("regenerate")
@click.argument("link_id")
@with_context
def link_regenerate(obj: Context, link_id: str) -> None:
    """Replace a link with a new one for the same contact, and print the new URL."""
    service = obj.service()
    _print_issued(service, service.links.regenerate(link_id))
