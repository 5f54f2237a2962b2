"""The action link in Chromium, on a phone (390 px) and a desktop (1280 px): a contact opens the
link of an approval-request e-mail in a fresh browser, reads the confirmation page (axe finds no
WCAG 2.2 A/AA violation on it, on the error of a rejection without a reason, nor on the page after
the decision), and decides with one press; a used link says so.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe import report, run_axe
from browsing import WAITING, PortalServer, Traffic, open_context, screenshot

from clientportal import AccessMode, ApprovalStatus, ItemKind
from clientportal.ports import ApprovalRequest, RequestedItem

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}


def action_url(server: PortalServer, portal_id: str = "acme", contact_id: str = "ann") -> str:
    """The action link of an approval request to ``contact_id`` for the entries awaiting them,
    stored as the approval e-mail stores it."""
    service = server.service
    # The server's store, which PortalServer does not hand out: the desk's is the service's.
    store = service.actions._store
    waiting = service.pages.awaiting_approval(service.admin.portal(portal_id)).entries
    link = service.links.issue(portal_id, contact_id).link  # the e-mail's personal link
    token, token_hash = service.actions.tokens.issue(f"req-{portal_id}-{contact_id}")
    now = dt.datetime.now(dt.UTC)
    request = ApprovalRequest(
        id=f"req-{portal_id}-{contact_id}",
        portal_id=portal_id,
        contact_id=contact_id,
        items=[RequestedItem(ItemKind.ENTRY, e.id, e.version) for e in waiting],
        token_hash=token_hash,
        created_at=now,
        expires_at=now + dt.timedelta(days=30),
        link_id=link.id,
    )
    store.apply_changes([], requests=[request])
    return service.mail.action_url(token)


@pytest.fixture(params=["phone", "desktop"])
def fresh(
    request: pytest.FixtureRequest, browser: Any, portal_server: PortalServer, traffic: Traffic
) -> Iterator[Any]:
    """A fresh context (no cookies) the size of a phone, then of a desktop."""
    options = PHONE if request.param == "phone" else DESKTOP
    context = open_context(browser, traffic, portal_server, **options)
    try:
        yield context
    finally:
        context.close()
    assert traffic.hosts() == {"127.0.0.1"}, traffic.urls


def no_violations(page: Any, where: str) -> None:
    violations = run_axe(page)
    assert not violations, report(where, violations)


def test_a_contact_approves_from_the_link_in_a_fresh_browser(
    fresh: Any, portal_server: PortalServer
) -> None:
    url = action_url(portal_server)
    page = fresh.new_page()
    response = page.goto(url)
    assert response is not None
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    assert page.locator("h1").inner_text() == "Your approval is requested"
    for description in WAITING.values():
        assert page.get_by_text(description[1]).count() >= 1
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways"
    no_violations(page, "the confirmation page")
    screenshot(page, f"action-{page.viewport_size['width']}")

    # A rejection without a reason: the same page, saying what is missing.
    page.locator("details.reject-selected summary").click()
    page.locator("details.reject-selected button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("Please give a reason")
    no_violations(page, "the confirmation page with a missing reason")

    page.get_by_role("button", name="Approve all").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Thank you"
    assert page.get_by_text("3 time entries approved.").count() == 1
    no_violations(page, "the page after the decision")
    screenshot(page, f"action-done-{page.viewport_size['width']}")
    service = portal_server.service
    states = {
        e.id: e.status
        for e in service.pages.decided(service.admin.portal("acme"), limit=50).entries
        if e.id in WAITING
    }
    assert states == dict.fromkeys(WAITING, ApprovalStatus.APPROVED)

    page.goto(url)
    assert page.locator("h1").inner_text() == "This approval link has already been used"
    no_violations(page, "a used link")

    # The used link still opens the portal (a POST), signed in as Ann, on the approvals page.
    page.get_by_role("button", name="Open the portal").click()
    page.wait_for_url("**/portal/acme/approvals")
    assert page.get_by_role("navigation", name="Main navigation").count() == 1


def test_a_portal_that_asks_for_a_code_takes_it_on_the_same_page_in_its_language(
    fresh: Any, portal_server: PortalServer
) -> None:
    service = portal_server.service
    service.links.set_access_mode("lumen", AccessMode.LINK_AND_CODE)
    url = action_url(portal_server, "lumen", "ruud")
    page = fresh.new_page()
    page.goto(url)
    assert page.locator("h1").inner_text() == "Uw goedkeuring wordt gevraagd"
    assert page.get_by_text("BIM-model bijwerken").count() == 1
    no_violations(page, "the confirmation page of a code portal (Dutch)")
    page.get_by_role("button", name="Stuur mij een code").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("Er is een code onderweg")
    no_violations(page, "the confirmation page after a code was sent")
    screenshot(page, f"action-code-{page.viewport_size['width']}")
    store = service.actions._store  # the server's store (see action_url)
    [sent] = [
        email.message_from_bytes(m.message, policy=email.policy.default)
        for m in store.pending()
        if b"ruud@lumen.example" in m.message
    ]
    body = sent.get_body(preferencelist=("plain",))
    assert body is not None
    [code] = re.findall(r"\b\d{6}\b", body.get_content())
    page.get_by_label("Toegangscode").fill(code)
    page.get_by_role("button", name="Alles goedkeuren").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Bedankt"
    no_violations(page, "the page after the decision (Dutch)")
