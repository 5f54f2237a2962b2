"""The staff console over HTTP (its handler, no browser): the source product's sections and rules,
the preview, links, submitting hours to the client, the audit trail, CSRF, who may use it, its
languages, and its WSGI and ASGI adapters."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from consoletools import EVA, Browser, acme_form, console_app, console_service

from clientportal import ApprovalStatus, ConfigError, Workflow
from clientportal.web.console import StaffMember, make_console_app, make_console_asgi_app
from clientportal.workflow import Action, Actor, Party


def create_acme(browser: Browser, **changes: Any) -> str:
    """Create Acme's portal through the form; returns its id."""
    page = browser.post("/console/portals/new", acme_form(browser.token(), **changes))
    assert page.status == 303, page.text
    found = re.fullmatch(r"/console/portals/([^/?]+)\?done=created", page.location)
    assert found is not None, page.location
    return found.group(1)


def test_a_portal_made_through_the_form_is_stored_as_it_was_filled_in() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal = service.admin.portal(create_acme(browser, show_budget="on", show_invoices="on"))
    assert (portal.client_id, portal.name, portal.language) == ("acme", "Acme — website", "en")
    assert portal.project_ids == {"web"}
    assert portal.contact_ids == {"ann"}
    settings = portal.settings
    assert settings.show_budget
    assert settings.show_invoices
    assert settings.approval
    assert not settings.show_quotes
    assert not settings.show_amounts
    page = browser.get(f"/console/portals/{portal.id}?done=created")
    assert "The portal is created." in page.text


def test_the_form_starts_with_the_client_then_offers_only_that_clients_projects_and_contacts() -> (
    None
):
    browser = Browser(console_app(console_service()))
    first = browser.get("/console/portals/new")
    assert 'name="client"' in first.text
    assert "Acme Bakery" in first.text
    form = browser.get("/console/portals/new?client=lumen").text
    assert "Nieuwbouw kantoor" in form
    assert "Ruud Visser" in form
    assert "New website" not in form
    assert "Ann Baker" not in form
    assert "ERP migration" not in form


def test_a_project_of_another_client_is_refused_next_to_its_field() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    page = browser.post("/console/portals/new", acme_form(browser.token(), project=["erp"]))
    assert page.status == 400
    assert 'id="f-project-error"' in page.text
    assert "Choose only from the list." in page.text
    assert service.admin.portals() == ()


def test_an_empty_name_and_a_bad_currency_are_each_named_at_their_field() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    page = browser.post("/console/portals/new", acme_form(browser.token(), name=" ", currency="E"))
    assert page.status == 400
    assert 'aria-describedby="f-name-error"' in page.text
    assert 'aria-describedby="f-currency-error"' in page.text
    assert service.admin.portals() == ()


@pytest.mark.parametrize("workflow", list(Workflow))
def test_the_approval_setting_appears_only_when_the_workflow_includes_the_client(
    workflow: Workflow,
) -> None:
    browser = Browser(console_app(console_service(workflow)))
    form = browser.get("/console/portals/new?client=acme").text
    assert ('name="approval"' in form) is workflow.includes_client
    assert ("The setting appears here once" in form) is not workflow.includes_client


def test_approval_stays_off_when_the_workflow_has_no_client_step_whatever_is_sent() -> None:
    service = console_service(Workflow.INTERNAL)
    portal = service.admin.portal(create_acme(Browser(console_app(service)), approval="on"))
    assert portal.settings.approval is False


def test_the_total_costs_budget_is_never_offered_and_the_form_says_so() -> None:
    form = Browser(console_app(console_service())).get("/console/portals/new?client=acme").text
    assert "TOTAL_COSTS" not in form
    assert "The budget type “Total costs” is never shown" in form
    assert 'name="budget_type"' not in form


def test_the_form_says_that_invoices_and_quotes_show_all_of_the_clients_documents() -> None:
    form = Browser(console_app(console_service())).get("/console/portals/new?client=acme").text
    scope = form[form.index('name="documents_scope"') - 400 :]
    assert "shows every invoice and quote of this client" in scope


def test_a_change_of_settings_is_saved_and_the_client_stays() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create_acme(browser)
    page = browser.post(
        f"/console/portals/{portal_id}",
        acme_form(browser.token(), client="lumen", name="Acme", show_quotes="on", active_shown="1"),
    )
    assert page.status == 303
    assert page.location.endswith("?done=saved")
    portal = service.admin.portal(portal_id)
    assert portal.client_id == "acme"
    assert portal.name == "Acme"
    assert portal.settings.show_quotes
    assert portal.active is False  # the "active" box was not ticked


def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    browser.token()
    for token in ("", "forged", Browser(console_app(service)).token()):
        page = browser.post("/console/portals/new", acme_form(token))
        assert page.status == 403
        assert "This form has expired" in page.text
    assert service.admin.portals() == ()


def test_the_csrf_token_of_one_staff_member_does_not_serve_another() -> None:
    service = console_service()
    eva = Browser(console_app(service))
    token = eva.token()
    tom = Browser(console_app(service, StaffMember(actor=Actor(Party.MANAGER, "tom"))))
    tom.cookies = dict(eva.cookies)
    assert tom.post("/console/portals/new", acme_form(token)).status == 403


def test_nobody_the_host_allows_gets_403_on_every_page() -> None:
    browser = Browser(console_app(console_service(), staff=None))
    for path in ("/console/", "/console/portals/new", "/console/portals/x/links"):
        page = browser.get(path)
        assert page.status == 403
        assert "You are not allowed to use the staff console." in page.text


def test_an_authorize_that_returns_something_else_is_a_500_that_tells_nothing() -> None:
    page = Browser(console_app(console_service(), staff="eva")).get("/console/")
    assert page.status == 500
    assert "eva" not in page.text


def test_the_console_needs_authorize_and_a_directory() -> None:
    with pytest.raises(ConfigError, match=r"authorize=.*directory="):
        make_console_app(console_service())


def test_the_preview_shows_the_overview_for_a_contact_without_issuing_a_link() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create_acme(browser, show_budget="on")
    page = browser.get(f"/console/portals/{portal_id}/preview?contact=ann")
    assert page.status == 200
    assert "Preview as Ann Baker" in page.text
    assert "<h1>Acme — website</h1>" in page.text
    assert "New website" in page.text
    assert "Ordering app" not in page.text
    assert 'method="post"' not in page.text
    assert service.links.for_portal(portal_id) == ()


def test_a_link_is_shown_once_when_issued_then_listed_with_last_opened_and_revocable() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create_acme(browser)
    page = browser.post(
        f"/console/portals/{portal_id}/links", {"csrf_token": browser.token(), "contact": "ann"}
    )
    url = re.search(r'id="new-link" class="link-url" value="([^"]+)" readonly', page.text)
    assert url is not None
    assert url.group(1).startswith("https://hours.example/portal/")
    token = url.group(1).rsplit("/", 1)[1]
    listing = browser.get(f"/console/portals/{portal_id}/links").text
    assert token not in listing
    assert "Never" in listing
    assert "Works" in listing
    (link,) = service.links.for_portal(portal_id)
    service.access.open(token, client="203.0.113.9")
    assert "Never" not in browser.get(f"/console/portals/{portal_id}/links").text
    done = browser.post(
        f"/console/portals/{portal_id}/links/{link.id}/revoke", {"csrf_token": browser.token()}
    )
    assert done.status == 303
    assert "The link is revoked" in browser.get(done.location).text
    assert service.links.for_portal(portal_id)[0].revoked_at is not None


def test_a_new_link_replaces_the_old_one() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create_acme(browser)
    old = service.links.issue(portal_id, "ann").link
    page = browser.post(
        f"/console/portals/{portal_id}/links/{old.id}/regenerate", {"csrf_token": browser.token()}
    )
    assert 'id="new-link"' in page.text
    links = {link.id: link for link in service.links.for_portal(portal_id)}
    assert links[old.id].revoked_at is not None
    assert len(links) == 2


def test_hours_chosen_on_the_approval_page_are_submitted_to_the_client_with_their_trail() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create_acme(browser)
    page = browser.get(f"/console/portals/{portal_id}/approvals")
    assert 'value="a01"' in page.text  # open hours may go to the client
    done = browser.post(
        f"/console/portals/{portal_id}/approvals",
        {"csrf_token": page.csrf, "entry": ["a01", "a02", "g1"]},
    )
    assert "1 time entry submitted to the client." in done.text or "2 time entries" in done.text
    statuses = {
        e.id: e.status for e in service.pages.hours(service.admin.portal(portal_id)).entries
    }
    submitted = [i for i in ("a01", "a02") if statuses.get(i) is ApprovalStatus.PENDING_EXTERNAL]
    assert submitted
    assert "could not be submitted" in done.text
    (event,) = service.approvals.history(submitted[0])
    assert (event.action, event.actor) == (Action.SUBMIT, EVA.actor)
    trail = browser.get(f"/console/portals/{portal_id}/history/{submitted[0]}").text
    assert "Submitted" in trail
    assert "Eva Jansen" in trail
    assert "Awaiting the client" in trail


def test_the_queue_lists_the_hours_awaiting_the_client() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create_acme(browser, project=["web", "app"])
    page = browser.get(f"/console/portals/{portal_id}/approvals").text
    queue = page[page.index('id="queue-h"') : page.index('id="submit-h"')]
    for text in ("Homepage design review", "Newsletter sign-up form", "App store screenshots"):
        assert text in queue


def test_the_console_speaks_the_staff_members_language_else_the_browsers() -> None:
    service = console_service()
    dutch = Browser(console_app(service), language="nl").get("/console/")
    assert '<html lang="nl">' in dutch.text
    assert "Klantportalen" in dutch.text
    german = StaffMember(actor=EVA.actor, language="de")
    page = Browser(console_app(service, german), language="nl").get("/console/")
    assert "Kundenportale" in page.text
    assert "Client portals" in Browser(console_app(service), language="xx").get("/console/").text


def test_every_console_response_carries_the_portals_security_headers() -> None:
    page = Browser(console_app(console_service())).get("/console/")
    headers = page.response.headers
    assert headers.get("Cache-Control") == "no-store"
    assert "script-src 'self'" in (headers.get("Content-Security-Policy") or "")
    assert headers.get("X-Frame-Options") == "DENY"
    cookie = headers.get("Set-Cookie") or ""
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/console" in cookie


def test_the_wsgi_and_asgi_adapters_serve_the_same_console() -> None:
    service = console_service()
    options: dict[str, Any] = {
        "authorize": lambda request: EVA,
        "directory": console_app(service).directory,
        "prefix": "/console",
    }
    wsgi = make_console_app(service, **options)
    seen: list[str] = []
    body = b"".join(
        wsgi(
            {"REQUEST_METHOD": "GET", "PATH_INFO": "/console/", "wsgi.url_scheme": "http"},
            lambda status, headers: seen.append(status),
        )
    )
    assert seen == ["200 OK"]
    assert b"Client portals" in body
    asgi = make_console_asgi_app(service, **options)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/console/", "headers": [], "root_path": ""}
    asyncio.run(asgi(scope, receive, send))
    assert sent[0]["status"] == 200
    assert b"Client portals" in sent[1]["body"]
