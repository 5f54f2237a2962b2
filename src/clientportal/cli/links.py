"""``clientportal link``: issue, list, revoke and regenerate the links that open a portal."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from .context import Context, with_context
from .table import minutes, table

if TYPE_CHECKING:
    from ..access import Link
    from ..service import PortalService
    from ..service.links import IssuedLink


def _print_issued(service: PortalService, issued: IssuedLink) -> None:
    """The link's URL on stdout (shown once: the token is not stored), its id on stderr."""
    click.echo(service.mail.link_url(issued.token))
    click.echo(f"link id {issued.link.id}", err=True)


def _link(obj: Context, link_id: str) -> Link:
    found = obj.store.get_link(link_id)
    if found is None:
        raise click.ClickException(
            f"there is no link {link_id!r}: see `clientportal link list PORTAL` for a portal's "
            "links"
        )
    return found


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
    portal = obj.portal(portal_id)
    if contact_id is not None and contact_id not in portal.contact_ids:
        known = ", ".join(sorted(portal.contact_ids)) or "none yet"
        raise click.ClickException(
            f"contact {contact_id!r} is not on portal {portal_id!r} (its contacts: {known}): "
            f"add them with `clientportal portal update {portal_id} --contact {contact_id}` "
            "(repeat --contact for each contact the portal keeps)"
        )
    service = obj.service()
    expires = None if days is None else service.clock.now() + dt.timedelta(days=days)
    if obj.company.base_url is None:
        click.echo(
            f"(no base URL is stored, so the link assumes the portal at {service.mail.base_url}; "
            "store where it is served with `clientportal company set --base-url URL`)",
            err=True,
        )
    _print_issued(service, service.links.issue(portal_id, contact_id, expires_at=expires))


@link.command("list")
@click.argument("portal_id")
@with_context
def link_list(obj: Context, portal_id: str) -> None:
    """The portal's links, oldest first: id, contact, status (active, expired, revoked), when
    each was created, expires and was last used."""
    obj.portal(portal_id)
    service = obj.service()
    links = service.links.for_portal(portal_id)
    if not links:
        click.echo(
            f"portal {portal_id!r} has no links yet: issue one with "
            f"`clientportal link issue {portal_id} --contact CONTACT`"
        )
        return
    rows = [
        (
            item.id,
            item.contact_id or "(shared)",
            service.links.status(item).name,
            minutes(item.created_at),
            minutes(item.expires_at) if item.expires_at else "never",
            minutes(item.last_used_at) if item.last_used_at else "never",
        )
        for item in links
    ]
    for line in table(("ID", "CONTACT", "STATUS", "CREATED", "EXPIRES", "LAST USED"), rows):
        click.echo(line)


@link.command("revoke")
@click.argument("link_id")
@with_context
def link_revoke(obj: Context, link_id: str) -> None:
    """Revoke one link; its sessions end at once."""
    _link(obj, link_id)
    revoked = obj.service().links.revoke(link_id)
    click.echo(f"revoked {revoked.id}")


@link.command("regenerate")
@click.argument("link_id")
@with_context
def link_regenerate(obj: Context, link_id: str) -> None:
    """Replace a link with a new one for the same contact, and print the new URL."""
    _link(obj, link_id)
    service = obj.service()
    _print_issued(service, service.links.regenerate(link_id))
