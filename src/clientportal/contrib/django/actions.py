"""Django admin actions over the host's own models: issue portal links to the selected
contacts, and submit the selected time entries for approval or on to the client.

.. code-block:: python

    from django.contrib import admin
    from clientportal.contrib.django.actions import issue_links, submit_to_client

    @admin.register(Contact)
    class ContactAdmin(admin.ModelAdmin):
        actions = (issue_links(get_service),)

    @admin.register(Entry)
    class EntryAdmin(admin.ModelAdmin):
        actions = (submit_to_client(get_service),)

``get_service`` is the :class:`~clientportal.service.PortalService` or a function returning it
(called when the action runs). Ids are the objects' primary keys as text unless ``id_of`` says
otherwise; the staff member is a manager whose id is the Django user's primary key unless
``actor_of`` says otherwise. Every step is the service's, with its rules, audit trail and events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join

from ...errors import ClientPortalError
from ...workflow import Action, Actor, Party

if TYPE_CHECKING:
    from ...service import PortalService

__all__ = ["AdminAction", "approval_action", "issue_links", "submit", "submit_to_client"]

#: What Django calls: ``action(modeladmin, request, queryset)``.
AdminAction: TypeAlias = Callable[[Any, HttpRequest, "QuerySet[Any]"], HttpResponse | None]
#: The service, or a function without arguments returning it.
ServiceOrGetter: TypeAlias = "PortalService | Callable[[], PortalService]"


_DONE = {
    Action.SUBMIT: "submitted",
    Action.SUBMIT_TO_CLIENT: "submitted to the client",
    Action.APPROVE: "approved",
    Action.WITHDRAW: "withdrawn",
}


def _service(given: ServiceOrGetter) -> PortalService:
    from ...service import PortalService

    return given if isinstance(given, PortalService) else given()


def _pk(obj: Model) -> str:
    return str(obj.pk)


def _manager(request: HttpRequest) -> Actor:
    user = getattr(request, "user", None)
    if user is None or getattr(user, "pk", None) is None:
        raise PermissionError("the admin action needs a signed-in user (request.user)")
    return Actor(Party.MANAGER, str(user.pk))


def issue_links(
    service: ServiceOrGetter,
    *,
    id_of: Callable[[Model], str] = _pk,
    description: str = "Issue client portal links",
) -> AdminAction:
    """An action on contacts: a new link for each selected contact to each portal they are on,
    shown once on a page of its own (never stored in a message or the session). Contacts on no
    portal are named in a warning."""

    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        portals = _service(service).admin.portals()
        rows: list[tuple[str, str, str]] = []
        missing: list[str] = []
        for contact in queryset:
            contact_id = id_of(contact)
            on = [p for p in portals if p.active and contact_id in p.contact_ids]
            if not on:
                missing.append(str(contact))
            for portal in on:
                issued = _service(service).links.issue(portal.id, contact_id)
                url = _service(service).mail.link_url(issued.token)
                rows.append((str(contact), portal.name, url))
        if missing:
            modeladmin.message_user(
                request,
                f"not on any active portal, no link issued: {', '.join(missing)}",
                messages.WARNING,
            )
        table = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>", rows
        )
        page = format_html(
            "<!doctype html><title>Portal links</title><h1>Portal links</h1>"
            "<p>Each link is shown once: copy it to the contact now.</p>"
            "<table><tr><th>Contact</th><th>Portal</th><th>Link</th></tr>{}</table>",
            table,
        )
        response = HttpResponse(page)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    action.__name__ = "issue_portal_links"  # the admin keys its actions by name
    action.short_description = description  # type: ignore[attr-defined]
    return action


def approval_action(
    service: ServiceOrGetter,
    step: Action,
    *,
    id_of: Callable[[Model], str] = _pk,
    actor_of: Callable[[HttpRequest], Actor] = _manager,
    description: str,
) -> AdminAction:
    """An action that takes the approval ``step`` on the selected entries as the signed-in staff
    member, and says in a message how many it was taken on and why the others were not."""

    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        ids = [id_of(entry) for entry in queryset]
        try:
            result = _service(service).approvals.act(step, ids, by=actor_of(request))
        except (ClientPortalError, PermissionError) as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return
        done = len(result.applied)
        modeladmin.message_user(
            request,
            f"{_DONE.get(step, step.value.lower())}: {done} of {len(ids)} entries",
            messages.SUCCESS,
        )
        refused = [
            f"{o.entry_id}: {o.why or o.outcome.value.replace('_', ' ')}"
            for o in result.outcomes
            if not o.applied
        ]
        if refused:
            modeladmin.message_user(
                request, "not done: " + "; ".join(refused[:20]), messages.WARNING
            )

    action.__name__ = f"{step.value.lower()}_entries"  # the admin keys its actions by name
    action.short_description = description  # type: ignore[attr-defined]
    return action


def submit(service: ServiceOrGetter, **options: Any) -> AdminAction:
    """Submit the selected entries for approval (to the client when the workflow starts there)."""
    options.setdefault("description", "Submit the selected entries for approval")
    return approval_action(service, Action.SUBMIT, **options)


def submit_to_client(service: ServiceOrGetter, **options: Any) -> AdminAction:
    """Send the selected internally approved entries on to the client."""
    options.setdefault("description", "Submit the selected entries to the client")
    return approval_action(service, Action.SUBMIT_TO_CLIENT, **options)
