"""Undo in Chromium on a phone (390 px): a contact approves an entry on the approvals page, the
page offers "Undo" (axe finds no WCAG 2.2 A/AA violation, nothing scrolls sideways), one press
takes the approval back, and the entry awaits them again; the host's event log says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe import report, run_axe
from browsing import PortalServer, Traffic, open_context, screenshot

from clientportal import ApprovalStatus
from clientportal.workflow import Action

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def phone(browser: Any, portal_server: PortalServer, traffic: Traffic) -> Iterator[Any]:
    """A fresh context the size of a phone; afterwards, no request left 127.0.0.1."""
    context = open_context(browser, traffic, portal_server, **PHONE)
    try:
        yield context
    finally:
        context.close()
    assert traffic.hosts() == {"127.0.0.1"}, traffic.urls


def follow(page: Any, locator: Any) -> None:
    """Click ``locator`` and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def no_violations(page: Any, where: str) -> None:
    violations = run_axe(page)
    assert not violations, report(where, violations)


def fits(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways"


def test_a_contact_undoes_an_approval_on_a_phone(phone: Any, portal_server: PortalServer) -> None:
    service = portal_server.service
    page = phone.new_page()
    response = page.goto(portal_server.link("acme", "ann"))
    assert response is not None
    assert response.status == 200
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Approvals", exact=True))
    row = page.locator("section[aria-labelledby=awaiting-h] tr", has_text="Newsletter sign-up form")
    follow(page, row.get_by_role("button", name=re.compile("^Approve")))
    assert page.get_by_role("status").filter(has_text="1 time entry approved").count() == 1
    assert service.approvals.history("p2")[-1].after.status is ApprovalStatus.APPROVED

    offer = page.locator("form.undo")
    assert offer.is_visible()
    assert "You can undo this decision within 15 min." in offer.inner_text()
    button = offer.get_by_role("button", name="Undo")
    box = button.bounding_box()
    assert box is not None
    # WCAG 2.5.8: a target one can hit.
    assert box["height"] >= 24
    assert box["width"] >= 24
    fits(page)
    no_violations(page, "the approvals page offering an undo")
    screenshot(page, "undo-offer-390")

    follow(page, button)
    assert page.get_by_text("Your decision was undone.").count() == 1
    assert page.locator("form.undo").count() == 0
    awaiting = page.locator("section[aria-labelledby=awaiting-h]")
    assert awaiting.get_by_text("Newsletter sign-up form").count() >= 1
    fits(page)
    no_violations(page, "the approvals page after an undo")
    screenshot(page, "undo-done-390")

    trail = service.approvals.history("p2")
    assert [e.action for e in trail][-2:] == [Action.APPROVE, Action.UNDO]
    assert trail[-1].after.status is ApprovalStatus.PENDING_EXTERNAL
    # Nobody at the company is configured as a recipient in this world: the host learns of the
    # undo from its event log.
    assert [e.type for e in service.events()][-1] == "entries.undone"
