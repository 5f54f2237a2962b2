"""The console's links page: each contact of a portal with their links (issued, last opened,
expiry, whether it works), and the buttons to issue a link, make a new one or revoke one.

A link's token exists only when it is issued: the page that answers the POST shows its URL once,
in a read-only field to copy, and never again (the store keeps a hash).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from attrs import frozen

from ...access import Link, LinkStatus
from ...errors import ConfigError
from ...model import Contact, Portal
from ...service import IssuedLink
from ..http import Response
from ..params import parse_id
from ..problems import BadRequest, PageNotFound
from .context import ConsoleContext

__all__ = ["ContactLinks", "issue_link", "link_list", "regenerate_link", "revoke_link"]


@frozen
class ContactLinks:
    """One contact of a portal and their links, newest first, each with its status."""

    contact: Contact | None
    contact_id: str | None
    links: tuple[tuple[Link, LinkStatus], ...]


def _rows(ctx: ConsoleContext, portal: Portal) -> list[ContactLinks]:
    contacts = {c.id: c for c in ctx.app.directory.contacts(portal.client_id)}
    register = ctx.service.links
    by_contact: dict[str | None, list[tuple[Link, LinkStatus]]] = {}
    for link in register.for_portal(portal.id):
        by_contact.setdefault(link.contact_id, []).append((link, register.status(link)))
    rows = [
        ContactLinks(
            contacts.get(contact_id),
            contact_id,
            tuple(reversed(by_contact.pop(contact_id, []))),
        )
        for contact_id in sorted(
            portal.contact_ids, key=lambda i: (contacts[i].name if i in contacts else i).casefold()
        )
    ]
    rows += [
        ContactLinks(contacts.get(cid) if cid else None, cid, tuple(reversed(found)))
        for cid, found in by_contact.items()
        if any(status is LinkStatus.ACTIVE for _, status in found)
    ]
    return rows


def _page(
    ctx: ConsoleContext,
    portal: Portal,
    *,
    issued: IssuedLink | None = None,
    problems: Sequence[str] = (),
    status: int = 200,
) -> Response:
    values: dict[str, Any] = {
        "portal": portal,
        "rows": _rows(ctx, portal),
        "issued": issued,
        "issued_url": ctx.service.mail.link_url(issued.token) if issued else None,
        "issued_contact": _contact_name(ctx, portal, issued.link.contact_id) if issued else None,
        "problems": problems,
        "ACTIVE": LinkStatus.ACTIVE,
        "REVOKED": LinkStatus.REVOKED,
    }
    return ctx.render("console/links.html", status=status, **values)


def _contact_name(ctx: ConsoleContext, portal: Portal, contact_id: str | None) -> str:
    for contact in ctx.app.directory.contacts(portal.client_id):
        if contact.id == contact_id:
            return contact.name
    return contact_id or ""


def link_list(ctx: ConsoleContext) -> Response:
    """``GET /portals/{portal_id}/links``: each contact's links."""
    return _page(ctx, ctx.service.admin.portal(ctx.param_id("portal_id")))


def issue_link(ctx: ConsoleContext) -> Response:
    """``POST /portals/{portal_id}/links``: a new link for the form's ``contact``, its URL shown
    once."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    contact_id = parse_id(ctx.form.get("contact") or "", "contact")
    if contact_id not in portal.contact_ids:
        raise BadRequest(f"contact {contact_id!r} is not on the portal: add it under Access")
    try:
        issued = ctx.service.links.issue(portal.id, contact_id)
    except ConfigError as error:
        return _page(ctx, portal, problems=error.problems, status=400)
    return _page(ctx, portal, issued=issued)


def _own_link(ctx: ConsoleContext, portal: Portal) -> Link:
    link_id = ctx.param_id("link_id")
    for link in ctx.service.links.for_portal(portal.id):
        if link.id == link_id:
            return link
    raise PageNotFound(f"portal {portal.id!r} has no link {link_id!r}")


def revoke_link(ctx: ConsoleContext) -> Response:
    """``POST /portals/{portal_id}/links/{link_id}/revoke``: the link stops opening the portal."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    link = _own_link(ctx, portal)
    ctx.service.links.revoke(link.id)
    return ctx.redirect("links", done="link_revoked_done", portal_id=portal.id)


def regenerate_link(ctx: ConsoleContext) -> Response:
    """``POST /portals/{portal_id}/links/{link_id}/regenerate``: a new link for the same contact
    (the old one is revoked), its URL shown once."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    link = _own_link(ctx, portal)
    try:
        issued = ctx.service.links.regenerate(link.id)
    except ConfigError as error:
        return _page(ctx, portal, problems=error.problems, status=400)
    return _page(ctx, portal, issued=issued)
