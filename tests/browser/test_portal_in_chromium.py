"""The portal in a real browser: what a client does with a link, with and without JavaScript,
on a desktop and on a phone."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from browsing import (
    PAGE_SIZE,
    WAITING,
    PortalServer,
    Traffic,
    open_context,
    screenshot,
)

from clientportal import ApprovalStatus


def open_link(page: Any, portal_server: PortalServer, portal_id: str = "acme", **kw: str) -> str:
    """Open a fresh link in ``page``; returns the link."""
    link = portal_server.link(portal_id, **kw)
    response = page.goto(link)
    assert response is not None
    assert response.status == 200
    return link


def menu(page: Any, name: str) -> Any:
    """The link ``name`` of the portal's main navigation."""
    return page.get_by_role("navigation").get_by_role("link", name=name, exact=True)


def follow(page: Any, locator: Any) -> None:
    """Click ``locator`` and wait until the page it leads to has loaded. A click returns before
    the next page arrives, and ``wait_for_load_state()`` returns at once while the old page is
    still there: reading the page right after either reads the old one (or none)."""
    with page.expect_navigation():
        locator.click()


def rows(page: Any, table: str = "table.entries") -> list[dict[str, str]]:
    """The entries of a table as {column label: text}."""
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        f"{table} tbody tr",
        """trs => trs.map(tr => Object.fromEntries(
            [...tr.querySelectorAll('td[data-label]')].map(td => [td.dataset.label,
                                                                  td.innerText.trim()])))""",
    )


def overflow(page: Any) -> list[str]:
    """What sticks out sideways: the page beyond the window, or a table beyond its box."""
    return page.evaluate(  # type: ignore[no-any-return]
        """() => {
            const found = [];
            const root = document.documentElement;
            if (root.scrollWidth > root.clientWidth) {
                found.push(`the page: ${root.scrollWidth}px in ${root.clientWidth}px`);
            }
            for (const wrap of document.querySelectorAll('.table-wrap')) {
                const table = wrap.querySelector('table');
                const box = wrap.getBoundingClientRect(), own = table.getBoundingClientRect();
                if (wrap.scrollWidth > wrap.clientWidth || own.right > box.right + 0.5) {
                    found.push(`table.${table.className}: ${Math.round(own.width)}px in ` +
                               `${wrap.clientWidth}px`);
                }
            }
            return found;
        }"""
    )


def chart_labels(page: Any) -> list[dict[str, Any]]:
    """The chart's shown x-axis labels: text and box on screen, left to right."""
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        "svg.week-chart text.x",
        """texts => texts.filter(t => getComputedStyle(t).display !== 'none').map(t => {
            const box = t.getBoundingClientRect();
            return {text: t.textContent.trim(), left: box.left, right: box.right,
                    height: box.height};
        })""",
    )


def assert_chart_labels_are_legible(page: Any, count: int) -> None:
    """``count`` week labels, each a date, at least 11 px tall, apart, inside the chart."""
    labels = chart_labels(page)
    assert len(labels) == count, labels
    chart = page.locator("svg.week-chart").bounding_box()
    for label, following in itertools.pairwise(labels):
        assert label["right"] < following["left"], (label, following)
    for label in labels:
        assert not label["text"].isdigit(), label  # a date, not a week number
        assert label["height"] >= 11, label
        assert chart["x"] <= label["left"]
        assert label["right"] <= chart["x"] + chart["width"]


def status_of(portal_server: PortalServer, *ids: str) -> dict[str, ApprovalStatus]:
    """The stored status of each entry that has one: the end of its audit trail."""
    approvals = portal_server.service.approvals
    return {i: trail[-1].after.status for i in ids if (trail := approvals.history(i))}


def test_a_link_lands_on_a_clean_url_with_projects_chart_and_budgets(
    context: Any, portal_server: PortalServer, traffic: Traffic
) -> None:
    page = context.new_page()
    link = open_link(page, portal_server)
    token = link.rsplit("/", 1)[1]
    assert page.url == portal_server.url + "/portal/portal/acme"
    assert token not in page.url
    assert page.evaluate("history.length") == 2  # about:blank, then the overview: no token step
    assert not any(token in referer for _, referer in traffic.referers)  # nor in a Referer
    assert page.title().startswith("Overview")
    projects = page.locator("ul.projects li").all_inner_texts()
    assert sorted(projects) == ["New website", "Ordering app"]
    assert page.locator("svg.week-chart").is_visible()
    bars = page.locator("svg.week-chart rect.bar")
    assert bars.count() >= 10
    heights = [float(bars.nth(i).get_attribute("height") or 0) for i in range(bars.count())]
    assert sum(1 for h in heights if h > 0) >= 8  # hours in most of the last weeks
    assert_chart_labels_are_legible(page, 6)  # every second week of twelve
    newest = page.locator("svg.week-chart g.week").last.locator("title").text_content() or ""
    assert newest.startswith(f"Week of {chart_labels(page)[-1]['text']},")
    budgets = page.locator("li.budget")
    assert budgets.count() == 2
    over = budgets.filter(has_text="Ordering app")
    assert over.get_by_text("Over budget").is_visible()
    assert budgets.filter(has_text="New website").get_by_text("Over budget").count() == 0
    assert page.get_by_text("Globex").count() == 0
    screenshot(page, "overview")

    page.go_back()
    assert token not in page.url  # back leads to the start, never to the token


def test_filter_hours_by_employee_and_page_through(
    context: Any, portal_server: PortalServer
) -> None:
    page = context.new_page()
    open_link(page, portal_server)
    follow(page, menu(page, "Hours"))
    assert page.url.endswith("/hours")
    first = rows(page)
    assert len(first) == PAGE_SIZE
    assert len({r["Employee"] for r in first}) > 1

    page.get_by_label("Employee").select_option(label="Eva Jansen")
    follow(page, page.get_by_role("button", name="Apply"))
    assert "employee=eva" in page.url
    seen: list[dict[str, str]] = []
    pages = 0
    for _ in range(10):
        current = rows(page)
        pages += 1
        assert current
        assert len(current) <= PAGE_SIZE
        assert {r["Employee"] for r in current} == {"Eva Jansen"}
        seen += current
        following = page.locator("nav.pagination a[rel=next]")
        if following.count() == 0:
            break
        follow(page, following)
        assert "employee=eva" in page.url  # the filter goes along
    assert pages == 3  # ten entries, four per page
    screenshot(page, "hours")
    descriptions = [r["Description"] for r in seen]
    assert len(descriptions) == len(set(descriptions))  # no entry twice across pages
    expected = 1 + sum(1 for n in range(1, 28) if n % 3 == 0)  # p1 and every third entry
    assert len(seen) == expected
    assert "Homepage design review" in descriptions
    assert page.get_by_label("Employee").input_value() == "eva"  # the filter stays chosen


def awaiting_row(page: Any, what: str) -> Any:
    """The row of the entry awaiting approval whose description is ``what``."""
    return page.locator("section[aria-labelledby=awaiting-h] tr", has_text=what)


def test_approve_two_entries_and_reject_one_in_its_row_with_a_reason(
    context: Any, portal_server: PortalServer
) -> None:
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else 0)
    open_link(page, portal_server)
    follow(page, menu(page, "Approvals"))
    awaiting = page.locator("section[aria-labelledby=awaiting-h]")
    assert {r["Description"] for r in rows(page, "section[aria-labelledby=awaiting-h] table")} == {
        what for _, what in WAITING.values()
    }
    statuses = awaiting.locator("td[data-label=Status]").all_inner_texts()
    assert set(statuses) == {"Awaiting your approval"}
    # A reason field per row and one for the selection, each shown when its Reject is opened.
    assert [box.is_visible() for box in awaiting.locator("textarea").all()] == [False] * 4
    screenshot(page, "approvals")

    for what in ("Homepage design review", "Newsletter sign-up form"):
        awaiting_row(page, what).locator("input[type=checkbox]").check()
    follow(page, page.get_by_role("button", name="Approve selected"))
    assert page.get_by_role("status").filter(has_text="2 time entries approved").count() == 1
    assert status_of(portal_server, "p1", "p2") == {
        "p1": ApprovalStatus.APPROVED,
        "p2": ApprovalStatus.APPROVED,
    }
    recent = rows(page, "section[aria-labelledby=recent-h] table")
    assert {r["Description"]: r["Status"] for r in recent} == {
        "Homepage design review": "Approved",
        "Newsletter sign-up form": "Approved",
    }

    # Reject opens the row's own reason field, with the cursor in it.
    row = awaiting_row(page, "App store screenshots")
    row.locator("summary").click()
    reason = row.get_by_role("textbox", name=re.compile("^Reason"))
    assert reason.is_visible()
    assert reason.evaluate("field => field === document.activeElement")
    screenshot(page, "approvals-reject-open")
    # Without a reason: back to the page, that row open, the error in it, the cursor in its field.
    follow(page, row.get_by_role("button", name=re.compile("^Reject with this reason")))
    row = awaiting_row(page, "App store screenshots")
    assert row.locator("details").get_attribute("open") is not None
    assert row.get_by_text("Please give a reason for rejecting these hours.").is_visible()
    reason = row.get_by_role("textbox", name=re.compile("^Reason"))
    assert reason.evaluate("field => field === document.activeElement")
    assert status_of(portal_server, "p3") == {}  # unchanged
    reason.fill("These were not on our order")
    follow(page, row.get_by_role("button", name=re.compile("^Reject with this reason")))
    assert page.get_by_role("status").filter(has_text="1 time entry rejected").count() == 1
    state = portal_server.service.approvals.history("p3")[-1].after
    assert state.status is ApprovalStatus.REJECTED
    assert state.reason == "These were not on our order"
    assert awaiting.get_by_text("There are no hours awaiting your approval.").is_visible()
    recent = {
        r["Description"]: r["Status"] for r in rows(page, "section[aria-labelledby=recent-h] table")
    }
    assert recent["App store screenshots"] == "Rejected"

    # Reload and Back send no form again, and the message does not come back.
    sent = len(posts)
    assert sent == 3
    page.reload()
    assert page.locator(".notices").inner_text() == ""
    page.go_back()
    assert page.locator(".notices").inner_text() == ""
    assert page.get_by_text("Please give a reason").count() == 0
    assert len(posts) == sent
    assert len(portal_server.service.approvals.history("p3")) == 1


def test_two_portals_open_in_one_browser(context: Any, portal_server: PortalServer) -> None:
    acme, lumen = context.new_page(), context.new_page()
    open_link(acme, portal_server, "acme")
    open_link(lumen, portal_server, "lumen", contact_id="ruud")
    acme.reload()
    lumen.reload()
    assert acme.url.endswith("/portal/acme")
    assert lumen.url.endswith("/portal/lumen")
    assert "New website" in acme.locator("main").inner_text()
    assert "Nieuwbouw kantoor" in lumen.locator("main").inner_text()
    assert "New website" not in lumen.locator("main").inner_text()
    # the Dutch portal speaks Dutch, the English one English, side by side
    assert lumen.locator("html").get_attribute("lang") == "nl"
    assert menu(lumen, "Uren").count() == 1
    assert lumen.get_by_role("heading", name="Uren per week").count() == 1
    assert acme.get_by_role("heading", name="Hours per week").count() == 1
    follow(lumen, menu(lumen, "Goedkeuringen"))
    assert "BIM-model bijwerken" in lumen.locator("main").inner_text()
    follow(acme, menu(acme, "Approvals"))
    assert "BIM-model bijwerken" not in acme.locator("main").inner_text()


def test_a_revoked_link_shows_the_same_page_as_an_unknown_one(
    context: Any, portal_server: PortalServer
) -> None:
    page = context.new_page()
    issued = portal_server.service.links.issue("acme", "ann")
    link = portal_server.service.mail.link_url(issued.token)
    portal_server.service.links.revoke(issued.link.id)
    revoked = page.goto(link)
    assert revoked is not None
    assert revoked.status == 404
    title = page.locator("h1").inner_text()
    assert title == "This link has expired or is unknown"
    unknown = page.goto(portal_server.url + "/portal/open/not-a-token")
    assert unknown is not None
    assert unknown.status == 404
    assert page.locator("h1").inner_text() == title


def test_everything_works_without_javascript(
    browser: Any, portal_server: PortalServer, traffic: Traffic
) -> None:
    context = open_context(browser, traffic, portal_server, java_script_enabled=False)
    try:
        page = context.new_page()
        open_link(page, portal_server)
        follow(page, menu(page, "Hours"))
        page.get_by_label("Employee").select_option("tom")
        follow(page, page.get_by_role("button", name="Apply"))
        assert {r["Employee"] for r in rows(page)} == {"Tom Bakker"}
        follow(page, menu(page, "Approvals"))
        row = awaiting_row(page, "Newsletter")
        follow(page, row.get_by_role("button", name=re.compile("^Approve")))
        assert page.get_by_role("status").filter(has_text="1 time entry approved").count() == 1
        assert status_of(portal_server, "p2") == {"p2": ApprovalStatus.APPROVED}
        # A row's Reject opens its reason field without any script; an empty reason comes back
        # to that row, open, with the cursor in the field (autofocus, no script either).
        row = awaiting_row(page, "App store screenshots")
        row.locator("summary").click()
        submit = row.get_by_role("button", name=re.compile("^Reject with this reason"))
        follow(page, submit)
        row = awaiting_row(page, "App store screenshots")
        reason = row.get_by_role("textbox", name=re.compile("^Reason"))
        assert reason.is_visible()
        assert row.get_by_text("Please give a reason").is_visible()
        assert reason.evaluate("field => field === document.activeElement")
        reason.fill("Not ordered")
        follow(page, row.get_by_role("button", name=re.compile("^Reject with this reason")))
        assert page.get_by_role("status").filter(has_text="1 time entry rejected").count() == 1
        assert portal_server.service.approvals.history("p3")[-1].after.reason == "Not ordered"
        page.get_by_label("Select all").check()
        follow(page, page.get_by_role("button", name="Approve selected"))
        assert status_of(portal_server, "p1", "p3") == {
            "p1": ApprovalStatus.APPROVED,
            "p3": ApprovalStatus.REJECTED,
        }
    finally:
        context.close()
    assert traffic.hosts() == {"127.0.0.1"}


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_on_a_desktop_the_approvals_table_fits_its_box_with_every_button_in_view(
    browser: Any, portal_server: PortalServer, traffic: Traffic, width: int
) -> None:
    context = open_context(
        browser, traffic, portal_server, viewport={"width": width, "height": 900}
    )
    try:
        page = context.new_page()
        for portal_id, contact_id, waiting in (("acme", "ann", 3), ("lumen", "ruud", 1)):
            open_link(page, portal_server, portal_id, contact_id=contact_id)
            page.goto(page.url + "/approvals")
            assert overflow(page) == [], f"{portal_id} at {width}px"
            awaiting = page.locator("section[aria-labelledby=awaiting-h]")
            # Still a table (cards are for narrow boxes), and every row's buttons inside its box.
            assert (
                awaiting.locator("tbody tr").first.evaluate("tr => getComputedStyle(tr).display")
                == "table-row"
            )
            box = awaiting.locator(".table-wrap").bounding_box()
            buttons = awaiting.locator("td.row-actions").locator("button:visible, summary")
            assert buttons.count() == 2 * waiting  # Approve, and Reject (that opens the reason)
            for index in range(buttons.count()):
                button = buttons.nth(index).bounding_box()
                assert box["x"] <= button["x"]
                assert button["x"] + button["width"] <= box["x"] + box["width"] + 0.5
            # A row's opened reason field stays inside the table's box too.
            awaiting.locator("td.row-actions summary").first.click()
            assert awaiting.locator("td.row-actions textarea").first.is_visible()
            assert overflow(page) == [], f"{portal_id} at {width}px, a reason field open"
        if width == 1024:
            screenshot(page, "approvals-1024")
    finally:
        context.close()
    assert traffic.hosts() == {"127.0.0.1"}


def test_a_phone_sized_screen_needs_no_sideways_scrolling(
    browser: Any, portal_server: PortalServer, traffic: Traffic
) -> None:
    context = open_context(
        browser,
        traffic,
        portal_server,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        page = context.new_page()
        open_link(page, portal_server)
        overview = page.url
        for path in ("", "/hours", "/approvals", "/invoices"):
            page.goto(overview + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            inner = page.evaluate("window.innerWidth")
            assert width <= inner, f"{path or '/'}: {width}px wide on a {inner}px screen"
            assert overflow(page) == [], path or "/"
            if path == "":
                assert_chart_labels_are_legible(page, 4)  # every third week of twelve
            if path in ("", "/approvals"):
                screenshot(page, f"phone{path.replace('/', '-')}")
    finally:
        context.close()
    assert traffic.hosts() == {"127.0.0.1"}


def test_on_a_phone_a_rows_reason_field_opens_right_below_that_row(
    browser: Any, portal_server: PortalServer, traffic: Traffic
) -> None:
    context = open_context(
        browser,
        traffic,
        portal_server,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    try:
        page = context.new_page()
        open_link(page, portal_server)
        follow(page, menu(page, "Approvals"))
        screenshot(page, "approvals-390")
        for what in ("Homepage design review", "App store screenshots"):
            row = awaiting_row(page, what)
            row.locator("summary").click()
            reason = row.get_by_role("textbox", name=re.compile("^Reason"))
            assert reason.is_visible()
            card, field = row.bounding_box(), reason.bounding_box()
            reject = row.locator("summary").bounding_box()
            # Inside the row's own card, right below its Reject: not at the end of the list.
            assert card["y"] < field["y"]
            assert field["y"] + field["height"] <= card["y"] + card["height"]
            assert 0 <= field["y"] - (reject["y"] + reject["height"]) <= 300, (reject, field)
            assert field["x"] >= 0
            assert field["x"] + field["width"] <= 390
            assert overflow(page) == [], what
        screenshot(page, "approvals-390-reject-open")
        # Sent without a reason, the page comes back with that row open and its field in view.
        row = awaiting_row(page, "App store screenshots")
        follow(page, row.get_by_role("button", name=re.compile("^Reject with this reason")))
        reason = awaiting_row(page, "App store screenshots").get_by_role("textbox")
        assert reason.evaluate("field => field === document.activeElement")
        box = reason.bounding_box()
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= 844
        screenshot(page, "approvals-390-reason-missing")
        reason.fill("Not in our order")
        row = awaiting_row(page, "App store screenshots")
        follow(page, row.get_by_role("button", name=re.compile("^Reject with this reason")))
        assert page.get_by_role("status").filter(has_text="1 time entry rejected").count() == 1
        assert portal_server.service.approvals.history("p3")[-1].after.reason == "Not in our order"
    finally:
        context.close()
    assert traffic.hosts() == {"127.0.0.1"}
