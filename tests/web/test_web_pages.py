"""The HTML pages: overview (projects, weekly chart, budgets, documents), hours (filters, keyset
pages, CSV), invoices and quotes with downloads, each in the portal's language and showing only
what the portal shows. The approvals page has its own tests: test_web_approvals.py."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from webtools import WsgiClient, open_portal

from clientportal import PortalSettings
from clientportal.web import make_wsgi_app
from worlds import WebWorld, web_world

ROWS = re.compile(r"<tr>\s*(?:<td class=\"select\">.*?</td>\s*)?<td data-label=", re.DOTALL)


def rows(html: str) -> int:
    """How many entry rows a page's tables have."""
    return len(ROWS.findall(html))


def test_overview_shows_projects_chart_budgets_and_documents(
    world: WebWorld, client: WsgiClient
) -> None:
    page = open_portal(client, world)
    html = page.text
    assert page.status == 200
    assert "Website" in html
    assert "App" in html
    assert "ERP" not in html
    assert "Globex" not in html
    # The chart: an inline SVG with 12 weekly bars, and a table for screen readers.
    chart = html[
        html.index('<svg class="week-chart"') : html.index("</svg>", html.index("week-chart"))
    ]
    assert chart.count('<rect class="bar"') == 12
    assert "Week of Mar 16, 2026: 7.5 hours" in html
    # The x axis names each week by its Monday, every second one shown on a desktop.
    labels = re.findall(r'<text class="axis x( skip-2)?( skip-3)?"[^>]*>([^<]*)</text>', chart)
    assert len(labels) == 12
    assert [text for *_, text in labels[-3:]] == ["Mar 2", "Mar 9", "Mar 16"]
    assert [bool(two) for two, _, _ in labels[-4:]] == [True, False, True, False]
    assert "<script>" not in html
    # Budgets: hours and fee budgets with bars; the fee budget is over; total costs never shown.
    assert "Total hours" in html
    assert "25 hours of 100 hours" in html
    assert re.search(r'class="budget over".*?Over budget', html, re.DOTALL)
    assert html.count("Over budget") == 1
    assert "Total costs" not in html
    assert 'width="100"' in html  # the over-budget bar is full, not wider
    # Documents: the client's own sent invoice and quote, never a draft or another client's.
    assert "INV-2026-001" in html
    assert "€1,234.50" in html
    assert "INV-2026-000" not in html
    assert "GLX-1" not in html
    assert "Q-7" in html
    assert "4 time entries" in html


def test_the_charts_week_labels_are_dates_in_the_portals_language(world: WebWorld) -> None:
    world.service.admin.update_portal("acme-en", language="nl")
    client = WsgiClient(make_wsgi_app(world.service))
    html = open_portal(client, world).text
    labels = re.findall(r'<text class="axis x[^"]*"[^>]*>([^<]*)</text>', html)
    assert labels[-3:] == ["2 mrt", "9 mrt", "16 mrt"]
    assert not [label for label in labels if label.strip().isdigit()]  # no bare week numbers
    assert "Week van 16 mrt 2026: 7,5 uur" in html


def test_overview_without_hours_budgets_or_documents(world: WebWorld) -> None:
    world.service.admin.update_portal(
        "acme-en", settings=PortalSettings(show_hours=False, show_budget=False)
    )
    client = WsgiClient(make_wsgi_app(world.service))
    html = open_portal(client, world).text
    assert "week-chart" not in html
    assert "Budgets" not in html
    assert "INV-2026-001" not in html
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert ">Hours<" not in nav
    assert ">Invoices<" not in nav
    assert client.get("/portal/acme-en/hours").status == 404
    assert client.get("/portal/acme-en/hours.csv").status == 404
    assert client.get("/portal/acme-en/invoices").status == 404
    assert client.get("/portal/acme-en/quotes").status == 404
    assert client.get("/portal/acme-en/approvals").status == 404


def test_hours_page_lists_the_portals_hours_escaped(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    page = client.get("/portal/acme-en/hours")
    assert page.status == 200
    assert rows(page.text) == 9
    assert "Homepage &lt;b&gt;bold&lt;/b&gt;" in page.text
    assert "<b>bold</b>" not in page.text
    assert "Globex secret" not in page.text
    assert "9 time entries" in page.text
    assert "Awaiting your approval" in page.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("employee=eva", 4),
        ("employee=tom", 5),
        ("project=app", 3),
        ("from=2026-03-15&to=2026-03-16", 2),
        ("status=PENDING_EXTERNAL", 4),
        ("status=OPEN&employee=tom&project=web", 2),
        ("project=&employee=&from=&to=&status=", 9),
        ("from=2026-04-01", 0),
    ],
)
def test_hours_filters(world: WebWorld, client: WsgiClient, query: str, expected: int) -> None:
    open_portal(client, world)
    page = client.get(f"/portal/acme-en/hours?{query}")
    assert page.status == 200
    assert rows(page.text) == expected
    if expected == 0:
        assert "No hours in this period." in page.text


def test_hours_filter_form_keeps_the_chosen_values(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    html = client.get("/portal/acme-en/hours?employee=eva&from=2026-03-01&status=OPEN").text
    assert '<option value="eva" selected>Eva Jansen</option>' in html
    assert 'name="from" value="2026-03-01"' in html
    assert '<option value="OPEN" selected>' in html
    assert '<label for="f-employee">' in html
    assert "/portal/acme-en/hours.csv?employee=eva&amp;from=2026-03-01&amp;status=OPEN" in html


def test_hours_pages_follow_keyset_cursors_to_the_end() -> None:
    world = web_world(extra_entries=23)
    client = WsgiClient(make_wsgi_app(world.service, page_size=5))
    open_portal(client, world)
    url: str | None = "/portal/acme-en/hours?employee=tom"
    seen: list[str] = []
    pages = 0
    while url is not None:
        page = client.get(url)
        assert page.status == 200
        seen += re.findall(r'<time datetime="([\d-]+)"', page.text)
        found = re.search(r'<a rel="next" href="([^"]+)"', page.text)
        url = unescape(found.group(1)) if found else None
        if pages:
            assert "First page" in page.text
        pages += 1
    assert pages == 4  # 5 + 11 of tom's extra entries = 16 entries, 5 a page
    assert len(seen) == 16
    assert seen == sorted(seen, reverse=True)


def test_csv_export_streams_every_filtered_entry() -> None:
    world = web_world(extra_entries=3000)
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world)
    export = client.get("/portal/acme-en/hours.csv?employee=eva")
    assert export.status == 200
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert export.headers["Content-Disposition"] == 'attachment; filename="hours-acme-en.csv"'
    assert "Content-Length" not in export.headers
    assert export.chunks > 1, "the export is streamed in chunks"
    text = export.body.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert lines[0][:3] == ["Date", "Employee", "Project"]
    assert len(lines) - 1 == 4 + 1500
    assert {line[1] for line in lines[1:]} == {"Eva Jansen"}
    assert "Globex" not in text


def test_documents_list_and_download(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    invoices = client.get("/portal/acme-en/invoices")
    assert invoices.status == 200
    assert "INV-2026-001" in invoices.text
    assert "INV-2026-000" not in invoices.text
    assert "Sent" in invoices.text
    assert "/portal/acme-en/invoices/i1" in invoices.text
    file = client.get("/portal/acme-en/invoices/i1")
    assert file.status == 200
    assert file.body == b"%PDF-1.4 invoice"
    assert file.headers["Content-Type"] == "application/pdf"
    disposition = file.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="INV-2026-001-e.pdf"')
    assert "filename*=UTF-8''INV-2026-001%20%C3%A9.pdf" in disposition
    quotes = client.get("/portal/acme-en/quotes")
    assert "Q-7" in quotes.text
    assert client.get("/portal/acme-en/quotes/q1").body == b"%PDF-1.4 quote"
    # Another client's invoice, a draft, or an unknown id: the same 404.
    assert client.get("/portal/acme-en/invoices/i3").status == 404
    assert client.get("/portal/acme-en/invoices/i2").status == 404
    assert client.get("/portal/acme-en/invoices/q1").status == 404
    assert client.get("/portal/acme-en/quotes/i1").status == 404


def test_the_dutch_portal_is_dutch(world: WebWorld, client: WsgiClient) -> None:
    page = open_portal(client, world, "acme-nl", "anna")
    assert '<html lang="nl">' in page.text
    assert page.headers["Content-Language"] == "nl"
    for word in ("Overzicht", "Uren", "Goedkeuren", "Uren per week", "Afmelden"):
        assert word in page.text + client.get("/portal/acme-nl/approvals").text, word
    hours = client.get("/portal/acme-nl/hours").text
    assert "Alle medewerkers" in hours
    assert "Filters" in hours
    for english in ("All employees", "Hours per week", "Approve selected"):
        assert english not in hours
