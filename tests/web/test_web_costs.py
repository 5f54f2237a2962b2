"""The expenses and trips pages and their part of the overview and the menu: only what the portal
shows (V13, V14), every amount with its currency, a trip's distance always and its money only
with amounts, a receipt as a marker a screen reader reads, the hours' filters and paging, the
totals of every match; a portal that does not show a kind has no tab and answers 404."""

from __future__ import annotations

import re
from html import unescape

import pytest
from costs_world import costs_world
from webtools import Result, WsgiClient, open_portal

from clientportal import PortalSettings
from clientportal.web import make_wsgi_app
from worlds import WebWorld

EXPENSES = "/portal/acme-en/expenses"
TRIPS = "/portal/acme-en/trips"


@pytest.fixture
def world() -> WebWorld:
    return costs_world()


@pytest.fixture
def client(world: WebWorld) -> WsgiClient:
    client = WsgiClient(make_wsgi_app(world.service))
    assert open_portal(client, world).status == 200
    return client


def main_of(result: Result) -> str:
    html = result.text
    return html[html.index("<main") : html.index("</main>")]


def text_of(html: str) -> str:
    """The visible text, roughly: tags dropped, entities read, spaces squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def rows(result: Result) -> list[str]:
    """The body rows of the page's tables, as text."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", main_of(result), re.DOTALL))
    return [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def nav_of(result: Result) -> list[str]:
    """The menu's links, by the last part of their path."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', result.text, re.DOTALL)
    assert nav is not None
    return [href.rsplit("/", 1)[1] for href in re.findall(r'<a href="([^"]+)"', nav.group(0))]


# --------------------------------------------------------------------------------------------------
# The menu and the overview


def test_the_menu_has_a_tab_for_each_kind_the_portal_shows(world: WebWorld) -> None:
    tabs = {}
    for portal_id, contact in (("acme-en", "bob"), ("acme-nl", "anna"), ("acme-hours", "bob")):
        client = WsgiClient(make_wsgi_app(world.service))
        tabs[portal_id] = nav_of(open_portal(client, world, portal_id, contact))
    assert tabs["acme-en"][:5] == ["acme-en", "hours", "expenses", "trips", "approvals"]
    assert tabs["acme-nl"][:4] == ["acme-nl", "hours", "expenses", "approvals"]
    assert tabs["acme-hours"][:3] == ["acme-hours", "hours", "approvals"]
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world)
    assert 'href="/portal/acme-en/expenses" aria-current="page"' in client.get(EXPENSES).text


def test_the_overview_sums_each_kind_and_counts_what_awaits_per_kind(
    world: WebWorld, client: WsgiClient
) -> None:
    page = main_of(client.get("/portal/acme-en"))
    callout = text_of(page[: page.index("</section>")])
    assert "4 time entries · 2 expenses · 1 trip" in callout
    totals = text_of(page[page.index('id="totals-h"') : page.index('id="projects-h"')])
    assert "Hours 9 time entries Total hours: 28 hours Amount: €675.00" in totals
    assert "Expenses 5 expenses Total amount: €205.49 + $35.00" in totals
    assert "Trips 3 trips Total distance: 57.5 km Total amount: €9.78 + £0.95" in totals
    assert 'href="/portal/acme-en/expenses"' in page
    assert 'href="/portal/acme-en/trips"' in page


def test_an_overview_of_hours_alone_has_no_totals_of_other_kinds(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    page = main_of(open_portal(client, world, "acme-hours", "bob"))
    assert 'id="totals-h"' not in page
    assert "expense" not in page.lower()
    assert "4 time entries" in page


# --------------------------------------------------------------------------------------------------
# Expenses


def test_v13_the_expenses_page_shows_the_portals_expenses_with_their_currencies(
    client: WsgiClient,
) -> None:
    page = client.get(EXPENSES)
    assert page.status == 200
    assert "<title>Expenses · Acme portal</title>" in page.text
    assert rows(page) == [
        "Mar 16, 2026 Eva Jansen Website Travel Train <b>Utrecht</b> €120.50 Receipt kept Open",
        "Mar 15, 2026 Tom Bakker Website Software Font licence $35.00 – No receipt Open",
        "Mar 13, 2026 Tom Bakker App Hardware Cables €9.99 – No receipt Awaiting your approval",
        "Mar 12, 2026 Eva Jansen Website Parking €60.00 – No receipt Awaiting your approval",
        "Mar 7, 2026 Eva Jansen Website Taxi €15.00 – No receipt Approved",
    ]  # x3 is not billable; Globex's xg is never shown
    html = main_of(page)
    assert "Train &lt;b&gt;Utrecht&lt;/b&gt;" in html  # escaped
    assert "booked late" not in page.text
    assert "Globex" not in page.text
    summary = re.search(r'<p class="summary" role="status">(.*?)</p>', html, re.DOTALL)
    assert summary is not None
    assert text_of(summary.group(1)) == "5 expenses · Total amount: €205.49 + $35.00"
    # The marker: a drawn receipt, hidden from screen readers, which read "Receipt kept".
    marker = re.search(r'<span class="marker receipt-mark">(.*?)</span></span>', html)
    assert marker is not None
    assert '<svg class="receipt-icon" viewBox="0 0 16 16" aria-hidden="true"' in marker.group(1)
    assert marker.group(1).endswith('<span class="visually-hidden">Receipt kept')
    assert html.count("marker receipt-mark") == 1  # x1 alone has a receipt
    assert 'href="/portal/acme-en/expenses.csv"' in html


def test_v13_non_billable_expenses_and_descriptions_as_the_portal_says(
    world: WebWorld, client: WsgiClient
) -> None:
    world.service.admin.update_portal(
        "acme-en",
        settings=PortalSettings(
            show_expenses=True, show_descriptions=False, show_non_billable_amounts=True
        ),
    )
    page = client.get(EXPENSES)
    assert page.status == 200
    found = rows(page)
    assert len(found) == 6
    assert "Lunch" not in page.text  # no descriptions
    assert any("€12.40 Non-billable" in r for r in found)
    assert "Status" not in main_of(page)  # no approval: no statuses


def test_the_hours_filters_and_paging_work_on_expenses() -> None:
    world = costs_world(extra=5)
    client = WsgiClient(make_wsgi_app(world.service, page_size=4))
    open_portal(client, world)
    page = client.get(EXPENSES + "?employee=tom")
    assert [r.split(" Tom Bakker ")[0] for r in rows(page)][:2] == ["Mar 15, 2026", "Mar 13, 2026"]
    assert "Page 1 of 2" in page.text
    summary = text_of(re.findall(r'role="status">(.*?)</p>', page.text, re.DOTALL)[0])
    assert summary.startswith("7 expenses · ")
    following = re.search(r'<a rel="next" href="([^"]+)"', page.text)
    assert following is not None
    second = client.get(unescape(following.group(1)))
    assert "Page 2 of 2" in second.text
    assert len(rows(second)) == 3
    assert re.search(r'<a rel="prev" href="[^"]*employee=tom', second.text)
    waiting = client.get(EXPENSES + "?status=PENDING_EXTERNAL")
    assert [r.split(" ")[3] for r in rows(waiting)] == ["Tom", "Eva"]


def test_filters_that_cannot_be_used_come_back_with_the_problem_next_to_the_field(
    client: WsgiClient,
) -> None:
    page = client.get(EXPENSES + "?from=31-31-2026&employee=nobody")
    assert page.status == 400
    html = main_of(page)
    assert html.count('aria-invalid="true"') == 2
    assert "Enter a valid date." in html
    assert "Choose an employee from the list." in html
    assert "<tbody>" not in html  # no list that ignored them


# --------------------------------------------------------------------------------------------------
# Trips


def test_v14_trips_show_distance_route_and_money_where_amounts_are_shown(
    client: WsgiClient,
) -> None:
    page = client.get(TRIPS)
    assert page.status == 200
    assert rows(page) == [
        "Mar 16, 2026 Eva Jansen Website Utrecht → Amsterdam Client meeting 42.5 km Open €0.23 "
        "€9.78",
        "Mar 15, 2026 Tom Bakker Website Delft → Leiden 10 km Open",
        "Mar 13, 2026 Tom Bakker App Workshop 5 km Awaiting your approval £0.19 £0.95",
    ]
    html = main_of(page)
    assert "Rate per km" in html
    assert "private car" not in page.text
    assert "3 trips · Total distance: 57.5 km · Total amount: €9.78 + £0.95" in text_of(html)


def test_v14_without_amounts_a_trip_has_no_money(world: WebWorld, client: WsgiClient) -> None:
    from attrs import evolve
    from costs_world import COSTS

    world.service.admin.update_portal("acme-en", settings=evolve(COSTS, show_amounts=False))
    page = client.get(TRIPS)
    html = main_of(page)
    assert "Rate per km" not in html
    assert "€" not in html
    assert "£" not in html
    assert "3 trips · Total distance: 57.5 km" in text_of(html)


# --------------------------------------------------------------------------------------------------
# What a portal does not show


def test_a_kind_the_portal_does_not_show_is_not_found(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-nl", "anna")
    assert client.get("/portal/acme-nl/trips").status == 404
    assert client.get("/portal/acme-nl/expenses").status == 200
    hours = WsgiClient(make_wsgi_app(world.service))
    open_portal(hours, world, "acme-hours", "bob")
    assert hours.get("/portal/acme-hours/expenses").status == 404
    assert hours.get("/portal/acme-hours/trips").status == 404


def test_without_a_session_the_pages_are_not_found(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    assert client.get(EXPENSES).status == 404
    assert client.get(TRIPS).status == 404


def test_a_dutch_portal_writes_amounts_and_dates_as_the_dutch_do(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-nl", "anna")
    page = client.get("/portal/acme-nl/expenses")
    assert '<html lang="nl">' in page.text
    text = text_of(main_of(page))
    assert "€ 120,50" in text
    assert "16 mrt 2026" in text
    assert "US$ 35,00" in text
