"""The staff console in Debian's chromium: a member of the staff creates a portal through the
form (hours, expenses and trips), issues a contact's link, and the link, opened in a fresh
browser, shows that portal; the client's approval there appears on the portal's Activity page.
The staff submit an expense to the client with the hours. Every console page is axe-clean (WCAG
2.2 A/AA) at 1280 and 390 px; with
``CLIENTPORTAL_CONSOLE_SCREENSHOTS=docs/images`` the test also saves the documentation's
screenshots (``console-*.png``).
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from axe import report, run_axe
from browsing import browser_world

from chromium import unavailable
from clientportal import (
    ApprovalPolicy,
    MailSettings,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    PortalSettings,
    Workflow,
)
from clientportal.web import Request, make_wsgi_app
from clientportal.web.console import DatasetDirectory, StaffMember, make_console_app
from clientportal.workflow import Actor, Party

#: The host's own sign-in, as the console's authorize() reads it (a cookie of the host's).
STAFF_COOKIE = {"name": "host_session", "value": "eva-signed-in"}
SHOTS = os.environ.get("CLIENTPORTAL_CONSOLE_SCREENSHOTS")
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def _authorize(request: Request) -> StaffMember | None:
    if request.cookies.get("host_session") != "eva-signed-in":
        return None
    return StaffMember(actor=Actor(Party.MANAGER, "eva"), name="Eva Jansen")


@pytest.fixture
def host() -> Iterator[str]:
    """The portal at /portal and the console at /console on one waitress server; its origin."""
    try:
        import waitress
    except ImportError as error:
        unavailable(f"waitress is not installed: {error}")
    sock = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    store = MemoryStore()
    world = browser_world()
    service = PortalService(
        MemoryDataSource(world, store),
        store,
        secret_keys=["console-browser-secret-key-0123456789abcdef"],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Studio Pixel",
            sender_address="hours@studio.example",
            message_id_domain="studio.example",
            base_url=url + "/portal",
        ),
    )
    service.admin.create_portal(
        id="lumen",
        client_id="lumen",
        name="Lumen — nieuwbouw",
        project_ids={"bim"},
        contact_ids={"ruud"},
        language="nl",
        settings=PortalSettings(show_budget=True, approval=True),
    )
    portal = make_wsgi_app(service, prefix="/portal")
    console = make_console_app(
        service, authorize=_authorize, directory=DatasetDirectory(world), prefix="/console"
    )

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if str(environ.get("PATH_INFO", "")).startswith("/console"):
            return console(environ, start_response)
        return portal(environ, start_response)

    server = waitress.create_server(app, sockets=[sock], threads=4, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name="console-waitress", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


def _staff_context(browser: Any, url: str, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    context.add_cookies([{**STAFF_COOKIE, "url": url}])
    return context


def _check(page: Any, name: str, width: str, *, shot: bool = True) -> None:
    """axe finds nothing on the page as it is; the screenshot is saved when asked for."""
    found = run_axe(page)
    assert not found, report(f"{name} at {width}", found)
    if SHOTS and shot:
        suffix = "" if width == "desktop" else "-phone"
        page.screenshot(path=os.path.join(SHOTS, f"console-{name}{suffix}.png"), full_page=True)


def _create_portal(page: Any, url: str) -> str:
    """Create Acme's portal through the form; returns its page's URL."""
    page.goto(url + "/console/")
    page.get_by_role("link", name="+ New client portal").first.click()
    page.get_by_label("Client").select_option(label="Acme Bakery")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Portal name").fill("Acme — website")
    page.get_by_label("Budget", exact=True).check()
    page.get_by_label("Invoices", exact=True).check()
    page.get_by_label("Expenses", exact=True).check()
    page.get_by_label("Trips", exact=True).check()
    page.get_by_label("New website").check()
    page.get_by_label("Ann Baker").check()
    page.get_by_label("The client approves hours").check()
    page.get_by_role("button", name="Create portal").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == (
        "The portal is created. Issue its contacts a link under Links."
    )
    return str(page.url).split("?")[0]


def test_staff_create_a_portal_issue_a_link_and_the_link_opens_that_portal(
    browser: Any, host: str
) -> None:
    staff = _staff_context(browser, host, viewport={"width": 1280, "height": 900})
    try:
        page = staff.new_page()
        page.goto(host + "/console/")
        _check(page, "list-empty", "desktop", shot=False)
        portal_url = _create_portal(page, host)
        _check(page, "settings", "desktop")
        page.get_by_role("link", name="Links").click()
        page.get_by_role("button", name="Issue a link: Ann Baker").click()
        page.wait_for_load_state()
        link = page.get_by_label("Link to the portal").input_value()
        assert link.startswith(host + "/portal/")
        _check(page, "links", "desktop")
        page.goto(portal_url + "/preview")
        assert page.get_by_role("heading", name="Preview as Ann Baker").count() == 1
        _check(page, "preview", "desktop")
        page.goto(portal_url + "/approvals")
        page.get_by_label(re.compile(r"^Select the expense of .*€49\.00")).check()
        page.get_by_role("button", name="Submit to the client").click()
        page.wait_for_load_state()
        assert page.get_by_role("status").inner_text() == "1 item submitted to the client."
        _check(page, "approvals", "desktop")
        page.goto(host + "/console/")
        _check(page, "list", "desktop")
    finally:
        staff.close()
    client = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        visitor = client.new_page()
        visitor.goto(link)
        assert visitor.get_by_role("heading", level=1).inner_text() == "Acme — website"
        assert visitor.get_by_text("New website").count() >= 1
        assert visitor.get_by_text("Ordering app").count() == 0
        visitor.get_by_role("navigation").get_by_role("link", name="Approvals").click()
        visitor.wait_for_load_state()
        visitor.get_by_role("button", name=re.compile(r"^Approve: .*Eva Jansen")).first.click()
        visitor.wait_for_load_state()
    finally:
        client.close()
    staff = _staff_context(browser, host, viewport={"width": 1280, "height": 900})
    try:
        page = staff.new_page()
        page.goto(portal_url + "/activity")
        rows = page.get_by_role("row")
        assert "Approved: 1 time entry" in rows.nth(1).inner_text()
        assert "Ann Baker (Client)" in rows.nth(1).inner_text()
        assert page.get_by_text("Portal opened with a link").count() == 1
        _check(page, "activity", "desktop")
    finally:
        staff.close()


def test_every_console_page_is_axe_clean_on_a_phone(browser: Any, host: str) -> None:
    staff = _staff_context(browser, host, **PHONE)
    try:
        page = staff.new_page()
        portal_url = _create_portal(page, host)
        _check(page, "settings", "phone")
        page.goto(portal_url + "/links")
        page.get_by_role("button", name="Issue a link: Ann Baker").click()
        page.wait_for_load_state()
        _check(page, "links", "phone")
        page.goto(portal_url + "/preview")
        _check(page, "preview", "phone")
        page.goto(portal_url + "/approvals")
        _check(page, "approvals", "phone")
        page.goto(portal_url + "/activity")
        _check(page, "activity", "phone")
        page.goto(host + "/console/")
        _check(page, "list", "phone")
    finally:
        staff.close()


def test_without_the_hosts_sign_in_the_console_answers_403(browser: Any, host: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        response = page.goto(host + "/console/")
        assert response is not None
        assert response.status == 403
        assert page.get_by_role("heading", name="No access").count() == 1
    finally:
        context.close()
