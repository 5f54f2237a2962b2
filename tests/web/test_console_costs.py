"""The console's approval page for expenses and trips: their queue, submitting them to the client
with the hours, their audit trail, and none of it for a kind the portal does not show."""

from __future__ import annotations

import re
from typing import Any

import pytest
from consoletools import EVA, Browser, acme_form, console_app, console_service

from clientportal import ApprovalStatus, ItemKind, ItemRef, PortalService, Workflow
from clientportal.workflow import Action


def create(browser: Browser, **changes: Any) -> str:
    """Create Acme's portal (both projects) through the form; returns its id."""
    form = acme_form(browser.token(), project=["web", "app"], **changes)
    page = browser.post("/console/portals/new", form)
    assert page.status == 303, page.text
    found = re.fullmatch(r"/console/portals/([^/?]+)\?done=created", page.location)
    assert found is not None
    return found.group(1)


def statuses(service: PortalService, portal_id: str, kind: ItemKind) -> dict[str, ApprovalStatus]:
    portal = service.admin.portal(portal_id)
    return {x.id: x.status for x in service.pages.costs(portal, kind).items}


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


def test_the_queue_lists_the_expenses_and_trips_awaiting_the_client_under_their_headings() -> None:
    browser = Browser(console_app(console_service()))
    portal_id = create(browser, show_expenses="on", show_trips="on")
    page = browser.get(f"/console/portals/{portal_id}/approvals").text
    queue = between(page, 'id="queue-h"', 'id="submit-h"')
    assert '<h3 class="kind-heading">Expenses</h3>' in queue
    assert '<h3 class="kind-heading">Trips</h3>' in queue
    assert "Lunch at the workshop with the bakery team" in queue  # x04, waiting
    assert "Photo shoot in the shop" in queue  # t02, waiting
    assert "Stock photos for the homepage" not in queue  # x02, open
    offered = between(page, 'id="submit-h"', 'id="decided-h"')
    assert "Submit items to the client" in offered
    assert 'name="item" value="expense:x02"' in offered
    assert 'name="item" value="trip:t01"' in offered
    assert 'name="entry" value="a01"' in offered
    assert 'name="item" value="expense:x07"' not in offered  # not billable: not shown
    decided = page[page.index('id="decided-h"') :]
    assert "Hotel in Rotterdam, one night" in decided  # x06, approved by the client
    assert "Kick-off meeting, return" in decided  # t04


def test_expenses_and_trips_chosen_are_submitted_with_the_hours_and_get_their_trail() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create(browser, show_expenses="on", show_trips="on")
    page = browser.get(f"/console/portals/{portal_id}/approvals")
    done = browser.post(
        f"/console/portals/{portal_id}/approvals",
        {"csrf_token": page.csrf, "entry": ["a01"], "item": ["expense:x02", "trip:t01"]},
    )
    assert done.status == 200
    assert "3 items submitted to the client." in done.text
    assert "could not be submitted" not in done.text
    assert statuses(service, portal_id, ItemKind.EXPENSE)["x02"] is ApprovalStatus.PENDING_EXTERNAL
    assert statuses(service, portal_id, ItemKind.TRIP)["t01"] is ApprovalStatus.PENDING_EXTERNAL
    (event,) = service.approvals.history("x02", ItemKind.EXPENSE)
    assert (event.action, event.actor) == (Action.SUBMIT, EVA.actor)
    assert service.approvals.history("x02") == ()  # the time entry x02 does not exist
    trail = browser.get(f"/console/portals/{portal_id}/history/expense/x02")
    assert trail.status == 200
    assert "Audit trail of expense x02" in trail.text
    assert "Eva Jansen" in trail.text
    assert "Awaiting the client" in trail.text
    queue = browser.get(f"/console/portals/{portal_id}/approvals").text
    assert f'href="/console/portals/{portal_id}/history/trip/t01"' in queue


def test_an_internally_approved_expense_goes_on_to_the_client() -> None:
    service = console_service(Workflow.INTERNAL_EXTERNAL, auto_forward=False)
    browser = Browser(console_app(service))
    portal_id = create(browser, show_expenses="on")
    service.approvals.submit([ItemRef.expense("x02")], by=EVA.actor)
    service.approvals.approve([ItemRef.expense("x02")], by=EVA.actor)
    assert statuses(service, portal_id, ItemKind.EXPENSE)["x02"] is (
        ApprovalStatus.INTERNALLY_APPROVED
    )
    page = browser.get(f"/console/portals/{portal_id}/approvals")
    assert 'value="expense:x01"' not in page.text  # open: under this workflow not the staff's
    done = browser.post(
        f"/console/portals/{portal_id}/approvals",
        {"csrf_token": page.csrf, "item": ["expense:x02", "expense:x01"]},
    )
    assert "1 item submitted to the client." in done.text
    assert "1 item could not be submitted" in done.text
    assert statuses(service, portal_id, ItemKind.EXPENSE)["x02"] is ApprovalStatus.PENDING_EXTERNAL
    steps = [e.action for e in service.approvals.history("x02", ItemKind.EXPENSE)]
    assert steps == [Action.SUBMIT, Action.APPROVE, Action.SUBMIT_TO_CLIENT]


def test_a_portal_without_expenses_neither_offers_nor_submits_them() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create(browser)  # hours only
    page = browser.get(f"/console/portals/{portal_id}/approvals")
    assert 'name="item"' not in page.text
    assert "kind-heading" not in page.text  # one kind: no heading per kind
    assert "Submit hours to the client" in page.text
    done = browser.post(
        f"/console/portals/{portal_id}/approvals",
        {"csrf_token": page.csrf, "item": ["expense:x02", "trip:t01"]},
    )
    assert "2 time entries could not be submitted" in done.text
    assert service.approvals.history("x02", ItemKind.EXPENSE) == ()
    assert service.approvals.history("t01", ItemKind.TRIP) == ()


def test_an_expense_of_another_client_is_not_submitted() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create(browser, show_expenses="on")
    page = browser.get(f"/console/portals/{portal_id}/approvals")
    done = browser.post(
        f"/console/portals/{portal_id}/approvals",
        {"csrf_token": page.csrf, "item": ["expense:gx1", "expense:lx1"]},
    )
    assert "2 items could not be submitted" in done.text
    assert service.approvals.history("gx1", ItemKind.EXPENSE) == ()


@pytest.mark.parametrize("value", ["invoice:i1", "x02", "expense:", "trip:\u0000"])
def test_an_item_that_is_no_expense_or_trip_is_a_400(value: str) -> None:
    browser = Browser(console_app(console_service()))
    portal_id = create(browser, show_expenses="on")
    page = browser.get(f"/console/portals/{portal_id}/approvals")
    done = browser.post(
        f"/console/portals/{portal_id}/approvals", {"csrf_token": page.csrf, "item": [value]}
    )
    assert done.status == 400


def test_the_trail_of_an_unknown_kind_is_a_404() -> None:
    browser = Browser(console_app(console_service()))
    portal_id = create(browser)
    assert browser.get(f"/console/portals/{portal_id}/history/invoice/i1").status == 404
    assert browser.get(f"/console/portals/{portal_id}/history/trip/t01").status == 200
