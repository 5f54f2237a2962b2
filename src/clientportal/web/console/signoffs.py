"""The sign-off certificates of a portal in the console: the list on the portal's Approval tab
(:func:`listed`) and the download of each one's PDF (:func:`signoff_file`)."""

from __future__ import annotations

import datetime as dt

from attrs import frozen

from ...model import Portal
from ...signoff import pdf_available
from ..http import Response
from ..problems import PageNotFound
from ..signoff_views import pdf_response
from .context import ConsoleContext

__all__ = ["LISTED", "ListedSignOff", "listed", "signoff_file"]

#: How many of a portal's latest certificates the Approval tab lists.
LISTED = 25


@frozen
class ListedSignOff:
    """A certificate as the Approval tab lists it: who approved (``contact``), when, the period
    (``None`` for items approved together), its SHA-256, the ``url`` of its PDF (``None``
    without the ``pdf`` extra) and "Withdrawn on DATE" when an item it covers was undone or
    reopened (``withdrawn``, else ``None``)."""

    id: str
    contact: str
    approved_at: str
    period: tuple[str, str] | None
    sha256: str
    url: str | None
    withdrawn: str | None = None


def listed(ctx: ConsoleContext, portal: Portal) -> tuple[ListedSignOff, ...]:
    """The portal's latest certificates, newest first."""
    t = ctx.text
    names = {c.id: c.name for c in ctx.app.directory.contacts(portal.client_id)}
    downloads = pdf_available()
    rows = []
    for s in ctx.service.signoffs.of(portal.id, limit=LISTED):
        period = (
            (t.date(s.period_start), t.date(s.period_end))
            if s.period_start is not None and s.period_end is not None
            else None
        )
        rows.append(
            ListedSignOff(
                id=s.id,
                contact=names.get(s.contact_id, s.contact_id),
                approved_at=t.moment(s.created_at),
                period=period,
                sha256=s.sha256,
                url=ctx.url("signoff_file", signoff_id=s.id) if downloads else None,
                withdrawn=None
                if s.withdrawn_at is None
                else t(
                    "signoff_withdrawn_on", date=t.date(s.withdrawn_at.astimezone(dt.UTC).date())
                ),
            )
        )
    return tuple(rows)


def signoff_file(ctx: ConsoleContext) -> Response:
    """``GET /portals/{portal_id}/sign-offs/{signoff_id}``: a certificate's PDF (the not-found
    page for a certificate of another portal, or without the ``pdf`` extra)."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    if not pdf_available():
        raise PageNotFound("sign-off PDFs need the pdf extra: pip install 'clientportal[pdf]'")
    signoffs = ctx.service.signoffs
    found = signoffs.get(portal.id, ctx.param_id("signoff_id"))
    return pdf_response(*signoffs.pdf(found))
