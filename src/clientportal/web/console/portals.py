"""The console's portal pages: the list of portals, and a portal's form (create and edit) with
the source product's sections: General, Settings, Projects, Access and Approval.

Nothing here decides what a portal may be: the service checks every portal
(:meth:`~clientportal.service.Admin.create_portal`); the form only offers the client's own
projects and contacts, offers the approval setting only when the company's workflow includes the
client, never offers the internal total-costs budget, and says where invoices and quotes come
from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel import Locale

from ...errors import ConfigError
from ...model import SUPPORTED_LANGUAGES, Portal
from ..http import Response
from ..problems import PageNotFound
from .context import ConsoleContext
from .forms import SETTING_FIELDS, ClientChoices, PortalDraft, draft_of, read_portal_form

__all__ = ["create_portal", "edit_portal", "new_portal", "portal_list", "save_portal"]


def portal_list(ctx: ConsoleContext) -> Response:
    """``GET /``: every portal with its client, language, contacts and state."""
    names = {c.id: c.name for c in ctx.app.directory.clients()}
    rows = [(p, names.get(p.client_id, p.client_id)) for p in ctx.service.admin.portals()]
    rows.sort(key=lambda row: (row[1].casefold(), row[0].name.casefold(), row[0].id))
    return ctx.render("console/portals.html", rows=rows)


def client_choices(ctx: ConsoleContext, client_id: str) -> ClientChoices | None:
    """The client ``client_id`` with its projects and contacts, or ``None`` when the directory
    does not know it."""
    directory = ctx.app.directory
    client = next((c for c in directory.clients() if c.id == client_id), None)
    if client is None:
        return None
    return ClientChoices(
        client, tuple(directory.projects(client_id)), tuple(directory.contacts(client_id))
    )


def new_portal(ctx: ConsoleContext) -> Response:
    """``GET /portals/new``: first the client (General), then the whole form for that client."""
    client_id = ctx.query.get("client") or ""
    choices = client_choices(ctx, client_id) if client_id else None
    if choices is None:
        errors = {"client": "client_required"} if client_id else {}
        return ctx.render(
            "console/choose_client.html",
            status=400 if errors else 200,
            clients=ctx.app.directory.clients(),
            errors=errors,
        )
    draft = PortalDraft(client_id=choices.client.id, name=choices.client.name)
    return _form(ctx, None, choices, draft, {})


def create_portal(ctx: ConsoleContext) -> Response:
    """``POST /portals/new``: create the portal the form describes, or the form again with each
    problem next to its field."""
    choices = client_choices(ctx, ctx.form.get("client") or "")
    if choices is None:
        return ctx.render(
            "console/choose_client.html",
            status=400,
            clients=ctx.app.directory.clients(),
            errors={"client": "client_required"},
        )
    draft, errors = read_portal_form(
        ctx.form, choices, client_approves=ctx.service.policy.client_approves
    )
    if errors:
        return _form(ctx, None, choices, draft, errors, status=400)
    try:
        portal = ctx.service.admin.create_portal(
            client_id=draft.client_id,
            name=draft.name,
            language=draft.language,
            settings=draft.settings,
            project_ids=draft.project_ids,
            contact_ids=draft.contact_ids,
        )
    except ConfigError as error:
        return _form(ctx, None, choices, draft, {}, problems=error.problems, status=400)
    return ctx.redirect("portal", done="created", portal_id=portal.id)


def edit_portal(ctx: ConsoleContext) -> Response:
    """``GET /portals/{portal_id}``: the portal's form, as stored."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    return _form(ctx, portal, _choices_of(ctx, portal), draft_of(portal), {})


def save_portal(ctx: ConsoleContext) -> Response:
    """``POST /portals/{portal_id}``: change the portal (its client stays)."""
    portal = ctx.service.admin.portal(ctx.param_id("portal_id"))
    choices = _choices_of(ctx, portal)
    draft, errors = read_portal_form(
        ctx.form,
        choices,
        client_approves=ctx.service.policy.client_approves,
        current=portal.settings,
    )
    if errors:
        return _form(ctx, portal, choices, draft, errors, status=400)
    try:
        ctx.service.admin.update_portal(
            portal.id,
            name=draft.name,
            language=draft.language,
            settings=draft.settings,
            project_ids=draft.project_ids,
            contact_ids=draft.contact_ids,
            active=draft.active,
        )
    except ConfigError as error:
        return _form(ctx, portal, choices, draft, {}, problems=error.problems, status=400)
    return ctx.redirect("portal", done="saved", portal_id=portal.id)


def _language_name(code: str, ctx: ConsoleContext) -> str:
    """A language's name in the console's language (``Nederlands`` is "Dutch" in English)."""
    name = Locale.parse(code).get_display_name(ctx.text.locale) or code
    return name[:1].upper() + name[1:]


def _choices_of(ctx: ConsoleContext, portal: Portal) -> ClientChoices:
    choices = client_choices(ctx, portal.client_id)
    if choices is None:
        raise PageNotFound(f"the directory does not know client {portal.client_id!r}")
    return choices


def _form(
    ctx: ConsoleContext,
    portal: Portal | None,
    choices: ClientChoices,
    draft: PortalDraft,
    errors: Mapping[str, str],
    *,
    problems: tuple[str, ...] = (),
    status: int = 200,
) -> Response:
    values: dict[str, Any] = {
        "portal": portal,
        "choices": choices,
        "draft": draft,
        "errors": errors,
        "problems": problems,
        "languages": [(code, _language_name(code, ctx)) for code in SUPPORTED_LANGUAGES],
        "setting_fields": SETTING_FIELDS,
        "client_approves": ctx.service.policy.client_approves,
        "action": ctx.url("save_portal") if portal else ctx.url("create_portal"),
    }
    return ctx.render("console/portal_form.html", status=status, **values)
