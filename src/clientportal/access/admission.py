"""Whether a link may open its portal now: the one rule every step of the gate applies (opening
the link, every session check, the one-time code step)."""

from __future__ import annotations

import datetime as dt

from ..errors import GenerationMismatch, LinkExpired, LinkRevoked, PortalInactive
from ..model import Portal
from .records import Link, LinkStatus, PortalAccess

__all__ = ["admit"]


def admit(
    link: Link,
    portal: Portal | None,
    access: PortalAccess | None,
    *,
    generation: int,
    now: dt.datetime,
) -> tuple[Portal, PortalAccess]:
    """The link's ``portal`` and its ``access`` state (as the store holds them now; ``None``
    when it holds none), or the refusal that says why ``link`` may not open the portal at
    ``now``. ``generation`` is the one the visitor's token or session names."""
    if portal is None or access is None:
        raise PortalInactive(
            f"portal {link.portal_id!r} of link {link.id!r} no longer exists", link_id=link.id
        )
    status = link.status(now=now, generation=access.generation)
    if status is LinkStatus.REVOKED:
        raise LinkRevoked(
            f"link {link.id!r} was revoked: issue the contact a new link", link_id=link.id
        )
    if status is LinkStatus.SUPERSEDED or generation != link.generation:
        raise GenerationMismatch(
            f"link {link.id!r} is of generation {link.generation}, portal {portal.id!r} is at "
            f"{access.generation} (all its links were revoked): issue the contact a new link",
            link_id=link.id,
        )
    if status is LinkStatus.EXPIRED:
        raise LinkExpired(
            f"link {link.id!r} expired: issue the contact a new link", link_id=link.id
        )
    if link.contact_id is not None and link.contact_id not in portal.contact_ids:
        raise LinkRevoked(
            f"contact {link.contact_id!r} of link {link.id!r} is no longer on portal "
            f"{portal.id!r}: add the contact back and issue a new link",
            link_id=link.id,
        )
    if not portal.active:
        raise PortalInactive(
            f"portal {portal.id!r} is switched off: set active=True to open its links",
            link_id=link.id,
        )
    return portal, access
