"""The console's preview: a portal's overview as the client sees it, built for the portal itself
(no link is issued, no session made, nothing recorded), in the portal's language and the
portal's own template, inside a frame that says it is a read-only preview.

The overview's links lead nowhere in the preview: its pages need the client's session.
"""

from __future__ import annotations

from typing import Any

from ...model import Contact, Portal
from ..chart import week_chart
from ..http import Response
from ..texts import PageText
from ..views import CHART_WEEKS, budget_bar
from .context import ConsoleContext

__all__ = ["preview", "preview_menu"]


def preview_menu(ctx: ConsoleContext, portal: Portal, t: PageText) -> list[tuple[str, str]]:
    """The portal's menu as the client sees it: ``(route name, label)`` of its sections."""
    scope = ctx.service.pages.scope(portal)
    items = [("overview", t("overview"))]
    shown = (
        ("hours", scope.entries),
        ("expenses", scope.expenses),
        ("trips", scope.trips),
        ("approvals", scope.approval),
        ("invoices", portal.settings.show_invoices),
        ("quotes", portal.settings.show_quotes),
    )
    items += [(name, t(name)) for name, on in shown if on]
    return items


def preview(ctx: ConsoleContext) -> Response:
    """``GET /portals/{portal_id}/preview?contact=ID``: the overview of the portal as the chosen
    contact (by default the first) would see it."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    contacts = sorted(
        (c for c in ctx.app.directory.contacts(portal.client_id) if c.id in portal.contact_ids),
        key=lambda c: c.name.casefold(),
    )
    wanted = ctx.query.get("contact")
    contact: Contact | None = next((c for c in contacts if c.id == wanted), None)
    if contact is None and contacts:
        contact = contacts[0]
    pages = ctx.service.pages
    view = pages.overview(portal)
    chart = None
    if view.shows_hours:
        hours = pages.hours_per_week(portal, weeks=CHART_WEEKS)
        if hours.last_date is not None:
            chart = week_chart(hours.weeks, last_week=hours.last_date, count=CHART_WEEKS)
    t = PageText.of(portal)
    console_t = ctx.text
    context: dict[str, Any] = {
        "t": t,
        "ct": console_t,
        "theme": ctx.app.theme,
        "url": lambda *args, **kwargs: "#preview-content",
        "static_url": ctx.static_url,
        "theme_url": ctx.url("theme", query=[("v", ctx.app.theme_digest)]),
        "base": ctx.base,
        "route_name": "overview",
        "portal": portal,
        "csrf_token": None,
        "nav": (),
        "menu": preview_menu(ctx, portal, t),
        "scope": pages.scope(portal),
        "company": ctx.app.theme.name or ctx.service.mail.company_name or "",
        "overview": view,
        "chart": chart,
        "budgets": [budget_bar(b) for b in view.budgets],
        "employees": {e.id: e.name for e in view.employees},
        "projects": {p.id: p.name for p in view.projects},
        "awaiting": view.awaiting_count,
        "settings": portal.settings,
        # The frame around the portal's page: the console's way back and the contact chooser.
        "contacts": contacts,
        "contact": contact,
        "back_url": ctx.url("portal"),
        "preview_url": ctx.url("preview"),
        "console_language": console_t.language,
    }
    body = ctx.app.preview_renderer.render("overview.html", context)
    return Response(
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Language", t.language)],
        body=body,
    )
