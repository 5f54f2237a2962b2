"""WCAG 2.2 AA: axe-core finds no violation on any page a client can reach, on a desktop
(1280×900) and on a phone (390×844), in English and in Dutch.

Each page is reached the way a client reaches it (a link, the menu, a form, the next-page link),
then axe runs the WCAG 2.0/2.1/2.2 A and AA rules on it as it is shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from attrs import evolve
from axe import axe_source, report, run_axe
from browsing import PAGE_SIZE, TODAY, PortalServer, Traffic, open_context

from clientportal import AccessMode

VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}


def goto(page: Any, url: str, status: int = 200) -> None:
    """Open ``url`` and check the answer's status."""
    response = page.goto(url)
    assert response is not None
    assert response.status == status, f"{url}: {response.status}"


def sign_in(page: Any, server: PortalServer, portal_id: str = "acme", contact: str = "ann") -> str:
    """Open a fresh link; returns the portal's overview URL it lands on."""
    goto(page, server.link(portal_id, contact))
    assert page.url.endswith(f"/portal/{portal_id}"), page.url
    return str(page.url)


def overview(page: Any, server: PortalServer) -> None:
    sign_in(page, server)
    assert page.locator("svg.week-chart").count() == 1


def hours_filtered(page: Any, server: PortalServer) -> None:
    since = (TODAY - dt.timedelta(days=120)).isoformat()
    goto(page, sign_in(page, server) + f"/hours?employee=eva&from={since}")
    assert page.locator("table.entries tbody tr").count() == PAGE_SIZE  # of three pages


def hours_page_2(page: Any, server: PortalServer) -> None:
    hours_filtered(page, server)
    page.locator("nav.pagination a[rel=next]").click()
    page.wait_for_url(re.compile(r"after="))
    assert page.locator("table.entries tbody tr").count() > 0


def hours_bad_filter(page: Any, server: PortalServer) -> None:
    """A date that is none: the form again, the problem next to its field."""
    goto(page, sign_in(page, server) + "/hours?from=31-31-2026", status=400)
    assert page.locator("[aria-invalid=true]").count() == 1


def invoices(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server) + "/invoices")
    assert page.get_by_text("2026-041").count() >= 1


def quotes(page: Any, server: PortalServer) -> None:
    portal = server.service.admin.portal("acme")
    server.service.admin.update_portal(
        "acme", settings=evolve(portal.settings, show_quotes=True, show_amounts=True)
    )
    goto(page, sign_in(page, server) + "/quotes")
    assert page.get_by_text("Q-2026-007").count() >= 1


def approvals(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server) + "/approvals")
    assert page.locator("section[aria-labelledby=awaiting-h] tbody tr").count() == 3


def approvals_refused(page: Any, server: PortalServer) -> None:
    """A row's reject without a reason: the page again, the error at that row's reason field."""
    approvals(page, server)
    row = page.locator("section[aria-labelledby=awaiting-h] tr", has_text="App store screenshots")
    row.locator("details.reject-row summary").click()
    row.locator("details.reject-row button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("textarea[aria-invalid=true]").count() == 1


def _code_portal(server: PortalServer) -> str:
    """A portal that asks for an e-mailed code after the link; returns the link."""
    server.service.admin.create_portal(
        id="acme-code", client_id="acme", name="Acme secure", project_ids={"web"},
        contact_ids={"ann"},
    )  # fmt: skip
    server.service.links.set_access_mode("acme-code", AccessMode.LINK_AND_CODE)
    return server.link("acme-code", "ann")


def code(page: Any, server: PortalServer) -> None:
    goto(page, _code_portal(server))
    assert page.url.endswith("/portal/acme-code/code"), page.url


def code_sent_then_refused(page: Any, server: PortalServer) -> None:
    code(page, server)
    page.locator("form.code-send button").click()
    page.wait_for_url(re.compile(r"sent=1"))
    page.get_by_label("Access code").fill("not-a-code")
    page.locator("form.code-form button").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() == 1


def signed_out(page: Any, server: PortalServer) -> None:
    sign_in(page, server)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.get_by_text("You have signed out").count() == 1


def expired_link(page: Any, server: PortalServer) -> None:
    goto(page, server.url + "/portal/l/not-a-token", status=404)


def not_found(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server) + "/no-such-page", status=404)


def dutch_overview(page: Any, server: PortalServer) -> None:
    sign_in(page, server, "lumen", "ruud")
    assert page.locator("html").get_attribute("lang") == "nl"


def dutch_approvals(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server, "lumen", "ruud") + "/approvals")
    assert page.locator("html").get_attribute("lang") == "nl"


def overview_all_kinds(page: Any, server: PortalServer) -> None:
    """A portal of hours, expenses and trips: what awaits of each, and each kind's totals."""
    sign_in(page, server, "acme-all")
    assert page.locator(".kind-totals li").count() == 3


def expenses(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server, "acme-all") + "/expenses")
    assert page.locator("table.expenses tbody tr").count() == PAGE_SIZE
    assert page.locator(".receipt-mark").count() == PAGE_SIZE


def expenses_bad_filter(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server, "acme-all") + "/expenses?from=31-31-2026", status=400)
    assert page.locator("[aria-invalid=true]").count() == 1


def trips(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server, "acme-all") + "/trips")
    assert page.locator("table.trips tbody tr").count() == PAGE_SIZE


def approvals_all_kinds(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server, "acme-all") + "/approvals")
    assert page.locator("section[aria-labelledby=awaiting-h] h3").count() == 3
    assert page.locator("section[aria-labelledby=awaiting-h] tbody tr").count() == 3 + 2 + 2


def approvals_all_kinds_refused(page: Any, server: PortalServer) -> None:
    """A trip's reject without a reason: the page again, the error at that row's reason."""
    approvals_all_kinds(page, server)
    row = page.locator("section[aria-labelledby=awaiting-h] tr", has_text="Photo shoot")
    row.locator("details.reject-row summary").click()
    row.locator("details.reject-row button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("textarea[aria-invalid=true]").count() == 1


def dutch_expenses(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server, "lumen-all", "ruud") + "/expenses")
    assert page.locator("html").get_attribute("lang") == "nl"


def dutch_approvals_all_kinds(page: Any, server: PortalServer) -> None:
    goto(page, sign_in(page, server, "lumen-all", "ruud") + "/approvals")
    assert page.locator("section[aria-labelledby=awaiting-h] tbody tr").count() == 3


#: Every page a client can reach, by name: how to get there (and check it is that page).
PAGES: dict[str, Callable[[Any, PortalServer], None]] = {
    "overview": overview,
    "hours-filtered": hours_filtered,
    "hours-page-2": hours_page_2,
    "hours-bad-filter": hours_bad_filter,
    "invoices": invoices,
    "quotes": quotes,
    "approvals": approvals,
    "approvals-refused": approvals_refused,
    "code": code,
    "code-refused": code_sent_then_refused,
    "signed-out": signed_out,
    "expired-link": expired_link,
    "not-found": not_found,
    "nl-overview": dutch_overview,
    "nl-approvals": dutch_approvals,
    "overview-all-kinds": overview_all_kinds,
    "expenses": expenses,
    "expenses-bad-filter": expenses_bad_filter,
    "trips": trips,
    "approvals-all-kinds": approvals_all_kinds,
    "approvals-all-kinds-refused": approvals_all_kinds_refused,
    "nl-expenses": dutch_expenses,
    "nl-approvals-all-kinds": dutch_approvals_all_kinds,
}


@pytest.fixture(params=list(VIEWPORTS))
def sized_context(
    request: pytest.FixtureRequest, browser: Any, portal_server: PortalServer, traffic: Traffic
) -> Iterator[Any]:
    """A context of each size; afterwards, no request may have left 127.0.0.1."""
    axe_source()  # skip (or fail under CI) before opening anything when axe-core is missing
    context = open_context(browser, traffic, portal_server, **VIEWPORTS[request.param])
    try:
        yield context
    finally:
        context.close()
    assert traffic.hosts() == {"127.0.0.1"}, traffic.urls


@pytest.mark.parametrize("name", list(PAGES))
def test_wcag_22_aa_axe_finds_no_violation(
    sized_context: Any, portal_server: PortalServer, name: str
) -> None:
    page = sized_context.new_page()
    PAGES[name](page, portal_server)
    width = page.viewport_size["width"]
    violations = run_axe(page)
    assert violations == [], report(f"{name} at {width}px ({page.url})", violations)


def test_axe_reports_each_violation_with_its_rule_impact_and_place(
    context: Any, portal_server: PortalServer
) -> None:
    """The harness itself: a picture without a text, put on a real page, is found and named."""
    page = context.new_page()
    expired_link(page, portal_server)
    page.evaluate("""() => document.querySelector('main h1').insertAdjacentHTML(
        'afterend', '<img id="no-alt" src="data:,">')""")
    violations = run_axe(page)
    assert [(v.rule, v.impact) for v in violations] == [("image-alt", "critical")]
    message = report("the expired-link page", violations)
    assert "image-alt (critical): Images must have alternative text" in message
    assert "at #no-alt" in message
