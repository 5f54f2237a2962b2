"""Pages a client understands, in the portal's language (issue 12): amounts with their currency,
no amount on a non-billable row, approval only where the client approves, download links only
for documents with a file, paging back and forth with "page n of m", error pages and filter
problems in the portal's language, dates and punctuation of the portal's locale, and a CSV that
a spreadsheet of that locale opens in columns. All through the WSGI app, as a browser sees it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape

import attrs
import pytest
from webtools import Result, WsgiClient, open_portal

from clientportal import (
    Dataset,
    DocumentStatus,
    Invoice,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    Quote,
    TimeEntry,
)
from clientportal.memory import ManualClock
from clientportal.ports import EntryPage, EntryQuery
from clientportal.visibility import Scope
from clientportal.web import make_wsgi_app
from worlds import (
    DOCUMENTS,
    EXTERNAL,
    FULL,
    MAIL,
    SECRET,
    WEB_T0,
    WebWorld,
    entry,
    web_dataset,
    web_world,
)

ROWS = re.compile(r"<tr>\s*<td data-label=.*?</tr>", re.DOTALL)


def text_of(result: Result) -> str:
    """The page's visible text, roughly: tags dropped, entities read."""
    return unescape(re.sub(r"<[^>]+>", " ", result.text))


def main_of(result: Result) -> str:
    html = result.text
    return html[html.index("<main") : html.index("</main>")]


def rows_of(result: Result) -> list[str]:
    return ROWS.findall(main_of(result))


def set_settings(world: WebWorld, portal_id: str = "acme-nl", **changes: object) -> None:
    world.service.admin.update_portal(portal_id, settings=attrs.evolve(FULL, **changes))


def dutch(world: WebWorld, **settings: object) -> WsgiClient:
    """A browser on the Dutch portal (``acme-nl``, project web, for Anna) with ``settings``."""
    if settings:
        set_settings(world, **settings)
    client = WsgiClient(make_wsgi_app(world.service))
    assert open_portal(client, world, "acme-nl", "anna").status == 200
    return client


def world_of(dataset: Dataset, *, language: str = "nl", **settings: object) -> WebWorld:
    """A world like :func:`worlds.web_world` over ``dataset`` and its documents, with one portal
    (``acme-nl`` on project web, for Anna) in ``language`` with ``settings``."""
    clock = ManualClock(WEB_T0)
    store = MemoryStore()
    data = MemoryDataSource(dataset, store, documents=DOCUMENTS)
    service = PortalService(
        data, store, mail=MAIL, secret_keys=SECRET, clock=clock, policy=EXTERNAL
    )
    service.admin.create_portal(
        id="acme-nl",
        client_id="acme",
        name="Acme portaal",
        project_ids=["web"],
        contact_ids=["anna"],
        language=language,
        settings=attrs.evolve(FULL, **settings),
    )
    return WebWorld(clock, store, data, service, limiter=None)  # type: ignore[arg-type]


def with_entries(*entries: TimeEntry, **changes: object) -> Dataset:
    data = web_dataset()
    return attrs.evolve(data, entries=(*data.entries, *entries), **changes)


# --------------------------------------------------------------------------------------------------
# Every amount with its currency; none on a non-billable row


def test_rates_amounts_and_totals_carry_the_portals_currency_in_its_locale(
    world: WebWorld,
) -> None:
    client = dutch(world, show_amounts=True)
    hours = client.get("/portal/acme-nl/hours")
    (homepage,) = [r for r in rows_of(hours) if "Homepage" in r]
    assert '<td data-label="Tarief" class="num">€\u00a090,00</td>' in homepage
    assert '<td data-label="Bedrag" class="num">€\u00a0675,00</td>' in homepage
    assert "Bedrag: €\u00a0675,00" in text_of(hours)

    set_settings(world, show_amounts=True, currency="GBP")
    hours = client.get("/portal/acme-nl/hours")
    assert "£\u00a0675,00" in text_of(hours)
    assert "€" not in main_of(hours).split("<table")[1]  # no euro left in the rows


def test_the_approvals_rows_show_amounts_with_the_currency_too(world: WebWorld) -> None:
    data = with_entries(
        entry("p9", "web", "eva", dt.date(2026, 3, 12), "2", rate=Decimal(80),
              approval=web_dataset().entries[5].approval),
    )  # fmt: skip
    world = world_of(data, show_amounts=True)
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-nl", "anna")
    page = client.get("/portal/acme-nl/approvals")
    assert page.status == 200
    (row,) = [r for r in re.findall(r"<tr>.*?</tr>", page.text, re.DOTALL)
              if 'name="entry" value="1:p9"' in r]  # fmt: skip
    assert "€\u00a080,00" in row
    assert "€\u00a0160,00" in row


@pytest.mark.parametrize("shown", [False, True])
def test_a_non_billable_row_shows_no_amount_unless_the_portal_shows_them(shown: bool) -> None:
    data = with_entries(
        entry("nb", "web", "eva", dt.date(2026, 3, 16), "2", description="Intern overleg",
              rate=Decimal(90), billable=False),
    )  # fmt: skip
    world = world_of(data, show_amounts=True, show_non_billable_amounts=shown)
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-nl", "anna")
    hours = client.get("/portal/acme-nl/hours")
    (row,) = [r for r in rows_of(hours) if "Intern overleg" in r]
    if shown:
        assert "€\u00a0180,00" in row
        assert "Niet declarabel" in row  # still said, under its duration
        assert "Bedrag: €\u00a0855,00" in text_of(hours)
    else:
        assert "€" not in row
        assert re.search(r'data-label="Bedrag" class="num"><span class="not-billed">'
                         r"Niet declarabel</span>", row)  # fmt: skip
        assert row.count("Niet declarabel") == 1
        assert "Bedrag: €\u00a0675,00" in text_of(hours)  # the total: the billable ones only
    api = client.get("/api/portals/acme-nl/hours").json()
    assert api["currency"] == "EUR"
    (nb,) = [e for e in api["entries"] if e["id"] == "nb"]
    assert (nb["amount"] is None) is not shown


# --------------------------------------------------------------------------------------------------
# Approval only where the client approves


def test_a_portal_without_approval_has_no_badge_filter_or_link(world: WebWorld) -> None:
    client = dutch(world, approval=False)
    overview = client.get("/portal/acme-nl")
    hours = client.get("/portal/acme-nl/hours")
    for page in (overview, hours):
        assert "Wacht op uw goedkeuring" not in page.text
        assert "/portal/acme-nl/approvals" not in page.text
    assert 'name="status"' not in hours.text
    assert "PENDING_EXTERNAL" not in hours.text
    assert ">Status<" not in main_of(hours)
    assert client.get("/portal/acme-nl/approvals").status == 404
    # A status in the address is not one of this page's choices.
    refused = client.get("/portal/acme-nl/hours?status=PENDING_EXTERNAL")
    assert refused.status == 400
    assert "Status: Kies een status uit de lijst." in text_of(refused)


def test_a_portal_with_approval_shows_badge_filter_and_link(world: WebWorld) -> None:
    client = dutch(world)
    overview = client.get("/portal/acme-nl")
    assert "/portal/acme-nl/approvals" in overview.text
    hours = client.get("/portal/acme-nl/hours")
    assert "Wacht op uw goedkeuring" in hours.text
    assert 'name="status"' in hours.text


# --------------------------------------------------------------------------------------------------
# Download links only for documents with a file


def test_documents_without_a_file_are_listed_without_a_link() -> None:
    data = web_dataset()
    unfiled = Invoice("i9", "acme", "INV-2026-009", dt.date(2026, 3, 1), Decimal("250.00"), "EUR",
                      DocumentStatus.SENT)  # fmt: skip
    quote = Quote("q9", "acme", "Q-9", dt.date(2026, 3, 2), Decimal(75), "EUR",
                  DocumentStatus.SENT)  # fmt: skip
    world = world_of(attrs.evolve(data, invoices=(*data.invoices, unfiled), quotes=(quote,)))
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-nl", "anna")
    invoices = client.get("/portal/acme-nl/invoices")
    assert "INV-2026-009" in invoices.text
    assert "/portal/acme-nl/invoices/i9" not in invoices.text
    assert "/portal/acme-nl/invoices/i1" in invoices.text  # i1 has its file
    overview = client.get("/portal/acme-nl")
    assert "Factuur INV-2026-009" in text_of(overview)
    assert "/invoices/i9" not in overview.text
    # A list of which no document has a file has no download column at all.
    quotes = client.get("/portal/acme-nl/quotes")
    assert "Q-9" in quotes.text
    assert 'href="/portal/acme-nl/quotes/q9"' not in quotes.text  # no download (its decision: yes)
    assert "Downloaden" not in quotes.text
    assert client.get("/portal/acme-nl/invoices/i9").status == 404
    api = client.get("/api/portals/acme-nl/invoices").json()["invoices"]
    assert {i["id"]: i["has_file"] for i in api} == {"i9": False, "i1": True}


# --------------------------------------------------------------------------------------------------
# Paging: First, Previous, Next and "page n of m"


def _links(page: Result) -> dict[str, str]:
    """The pagination's links by their label."""
    nav = page.text[page.text.index('<nav class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    found = re.findall(r'<a (?:rel="(?:next|prev)" )?href="([^"]+)">([^<]+)</a>', nav)
    return {label: unescape(href) for href, label in found}


def _dates(page: Result) -> list[str]:
    return re.findall(r'<time datetime="([\d-]+)"', main_of(page))


def test_paging_goes_forth_and_back_and_counts_the_pages() -> None:
    world = web_world(extra_entries=23)
    client = WsgiClient(make_wsgi_app(world.service, page_size=5))
    open_portal(client, world, "acme-nl", "anna")
    # acme-nl shows project web: w1-w4, p1, p2 and the 23 extra entries = 29, in 6 pages.
    url = "/portal/acme-nl/hours?employee=&project=web"
    pages: list[Result] = []
    while True:
        page = client.get(url)
        assert page.status == 200
        pages.append(page)
        assert f"Pagina {len(pages)} van 6" in page.text
        links = _links(page)
        if "Volgende" not in links:
            break
        url = links["Volgende"]
    assert len(pages) == 6
    forwards = [_dates(p) for p in pages]
    assert sum(len(d) for d in forwards) == 29
    assert "Vorige" not in _links(pages[0])
    assert "Eerste pagina" not in _links(pages[0])
    # Back from the last page, one page at a time, to the first: the same pages again.
    page = pages[-1]
    for expected in reversed(forwards[:-1]):
        links = _links(page)
        assert "Eerste pagina" in links
        page = client.get(links["Vorige"])
        assert _dates(page) == expected
    assert "Pagina 1 van 6" in page.text
    assert "Vorige" not in _links(page)
    # "First" leads home from anywhere, with the filters kept.
    first = client.get(_links(pages[3])["Eerste pagina"])
    assert _dates(first) == forwards[0]
    assert "project=web" in _links(pages[3])["Eerste pagina"]


def test_previous_reaches_back_as_far_as_the_trail_and_first_always() -> None:
    world = web_world(extra_entries=60)
    client = WsgiClient(make_wsgi_app(world.service, page_size=2))
    open_portal(client, world, "acme-nl", "anna")
    url = "/portal/acme-nl/hours"
    for _ in range(24):  # to page 25
        url = _links(client.get(url))["Volgende"]
    page = client.get(url)
    assert "Pagina 25 van" in page.text
    assert len(url) < 2000  # the trail of the 20 pages before travels compactly
    steps = 0
    while "Vorige" in _links(page):
        page = client.get(_links(page)["Vorige"])
        steps += 1
    assert steps == 20  # back to page 5, as far as the trail remembers
    assert "Pagina 5 van" in page.text
    first = client.get(_links(page)["Eerste pagina"])
    assert "Pagina 1 van" in first.text


def test_a_spoiled_page_link_says_so_in_the_portals_language(world: WebWorld) -> None:
    client = dutch(world)
    page = client.get("/portal/acme-nl/hours?employee=eva&back=not-a-trail")
    assert page.status == 400
    assert "Deze paginalink werkt niet meer. Begin opnieuw bij de eerste pagina." in page.text
    assert 'href="/portal/acme-nl/hours?employee=eva"' in page.text


# --------------------------------------------------------------------------------------------------
# Error pages and filter problems in the portal's language


def test_a_dutch_portals_unknown_page_is_dutch_with_a_way_back(world: WebWorld) -> None:
    client = dutch(world)
    for url in ("/portal/acme-nl/nonsense", "/portal/acme-nl/invoices/no-such-invoice"):
        missing = client.get(url, headers={"Accept-Language": "de"})
        assert missing.status == 404
        assert '<html lang="nl">' in missing.text
        assert "Pagina niet gevonden" in missing.text
        assert "verlopen" not in missing.text  # not the expired-link page
        assert '<a class="button" href="/portal/acme-nl">Terug naar het overzicht</a>' in (
            missing.text
        )


def test_without_a_session_an_unknown_page_speaks_the_browsers_language(
    client: WsgiClient,
) -> None:
    missing = client.get("/nothing/here", headers={"Accept-Language": "fr-CH, nl;q=0.5"})
    assert missing.status == 404
    assert "Page introuvable" in missing.text
    assert "Retour" not in missing.text  # no session: no way back to offer
    english = client.get("/nothing/here", headers={"Accept-Language": "ja"})
    assert "Page not found" in english.text


def test_a_bad_link_stays_the_expired_link_page(world: WebWorld, client: WsgiClient) -> None:
    expired = client.get("/l/not-a-token", headers={"Accept-Language": "nl"})
    assert expired.status == 404
    assert "Deze link is verlopen of onbekend" in expired.text
    assert "Pagina niet gevonden" not in expired.text
    no_session = client.get("/portal/acme-nl/hours", headers={"Accept-Language": "nl"})
    assert no_session.text == expired.text


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ("from=2026-02-30", "from", "Vul een geldige datum in."),
        ("to=gisteren", "to", "Vul een geldige datum in."),
        ("from=2026-03-10&to=2026-03-01", "from", "De begindatum ligt na de einddatum."),
        ("status=MAYBE", "status", "Kies een status uit de lijst."),
        ("employee=nobody", "employee", "Kies een medewerker uit de lijst."),
        ("project=app", "project", "Kies een project uit de lijst."),  # not in this portal
    ],
)
def test_each_filter_problem_is_dutch_next_to_its_field(
    world: WebWorld, query: str, field: str, text: str
) -> None:
    client = dutch(world)
    page = client.get(f"/portal/acme-nl/hours?{query}")
    assert page.status == 400
    assert '<html lang="nl">' in page.text
    assert f'<p class="field-error" id="f-{field}-error">{text}</p>' in page.text
    assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', page.text)
    assert "Pas het filter aan om de uren te zien." in page.text
    assert not rows_of(page)  # no list that ignores the filter
    for english in ("is not", "swap them", "use one of", "YYYY"):
        assert english not in page.text


def test_several_filter_problems_are_shown_at_once_and_good_values_kept(world: WebWorld) -> None:
    client = dutch(world)
    page = client.get("/portal/acme-nl/hours?from=x&to=2026-03-01&employee=eva&status=NOPE")
    assert page.status == 400
    assert 'id="f-from-error"' in page.text
    assert 'id="f-status-error"' in page.text
    assert 'id="f-to-error"' not in page.text
    assert 'name="to" value="2026-03-01"' in page.text
    assert '<option value="eva" selected>' in page.text


def test_dates_typed_as_the_locale_writes_them_are_understood(world: WebWorld) -> None:
    client = dutch(world)
    page = client.get("/portal/acme-nl/hours?from=15-03-2026&to=16-3-2026")
    assert page.status == 200
    assert 'name="from" value="2026-03-15"' in page.text
    assert len(rows_of(page)) == 2
    assert "bijv. 31-12-2026" in page.text  # the help says how to type one


def test_other_error_pages_are_in_the_portals_language(world: WebWorld) -> None:
    client = dutch(world)
    wrong_method = client.post("/portal/acme-nl/hours", data={})
    assert wrong_method.status == 405
    assert "Dit kan hier niet" in wrong_method.text
    assert wrong_method.headers["Allow"] == "GET, HEAD"
    unreadable = client.get("/portal/acme-nl/invoices/%20i1")
    assert unreadable.status == 400
    assert "Iets in het adres of het formulier kon niet worden gelezen." in unreadable.text
    assert "document id" not in unreadable.text


def test_too_many_attempts_says_when_to_try_again() -> None:
    world = web_world(limiter_capacity=1)
    client = WsgiClient(make_wsgi_app(world.service))
    client.get("/l/guess")
    limited = client.get("/l/guess-again", headers={"Accept-Language": "nl"})
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "60"
    assert "Te veel pogingen" in limited.text
    assert "Probeer het over 1 minuut opnieuw." in limited.text


class FailingSource(MemoryDataSource):
    """Fails on every page of hours, as a host's database might."""

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        raise RuntimeError("the database went away")


def test_a_failure_is_a_plain_500_in_the_portals_language_with_a_way_back() -> None:
    store = MemoryStore()
    source = FailingSource(web_dataset(), store)
    service = PortalService(source, store, mail=MAIL, secret_keys=SECRET,
                            clock=ManualClock(WEB_T0), policy=EXTERNAL)  # fmt: skip
    service.admin.create_portal(id="acme-nl", client_id="acme", name="Acme portaal",
                                project_ids=["web"], contact_ids=["anna"], language="nl",
                                settings=FULL)  # fmt: skip
    client = WsgiClient(make_wsgi_app(service))
    token = service.links.issue("acme-nl", "anna").token
    client.get(f"/l/{token}")
    failed = client.get("/portal/acme-nl/hours")
    assert failed.status == 500
    assert "Er is iets misgegaan" in failed.text
    assert "database" not in failed.text
    assert 'href="/portal/acme-nl">Terug naar het overzicht' in failed.text


# --------------------------------------------------------------------------------------------------
# Dates and punctuation of the portal's locale


def test_an_english_portal_in_pounds_writes_british_dates(world: WebWorld) -> None:
    set_settings(world, "acme-en", currency="GBP", show_amounts=True)
    client = WsgiClient(make_wsgi_app(world.service))
    page = open_portal(client, world)
    assert '<html lang="en-GB">' in page.text
    hours = client.get("/portal/acme-en/hours")
    assert ">16 Mar 2026</time>" in hours.text
    assert "£675.00" in hours.text
    assert "e.g. 31/12/2026" in hours.text
    set_settings(world, "acme-en", currency="USD", show_amounts=True)
    hours = client.get("/portal/acme-en/hours")
    assert ">Mar 16, 2026</time>" in hours.text
    assert "$675.00" in hours.text


def test_a_french_portal_puts_a_no_break_space_before_its_colons(world: WebWorld) -> None:
    world.service.admin.update_portal("acme-nl", language="fr")
    client = dutch(world, show_amounts=True)
    hours = client.get("/portal/acme-nl/hours")
    text = text_of(hours)
    assert "Total des heures\u00a0: " in text
    assert "Montant\u00a0: 675,00\u00a0€" in text
    assert not re.search(r"\S :", text)  # no colon after a plain space or glued to a word


# --------------------------------------------------------------------------------------------------
# CSV a spreadsheet opens in columns


@pytest.mark.parametrize(
    ("language", "delimiter", "decimal"), [("nl", ";", ","), ("de", ";", ","), ("en", ",", ".")]
)
def test_the_csv_uses_the_locales_separator_and_decimal_mark(
    world: WebWorld, language: str, delimiter: str, decimal: str
) -> None:
    world.service.admin.update_portal("acme-nl", language=language)
    client = dutch(world, show_amounts=True)
    export = client.get("/portal/acme-nl/hours.csv")
    assert export.status == 200
    text = export.body.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))
    header = table[0]
    assert len(header) == 11
    assert all(len(row) == len(header) for row in table)
    amounts = [Decimal(row[9].replace(decimal, ".")) for row in table[1:] if row[9]]
    assert sum(amounts) == Decimal("675.00")
    hours = [Decimal(row[5].replace(decimal, ".")) for row in table[1:]]
    assert sum(hours) == Decimal("19.5")  # w1-w4, p1 and p2 of project web
    assert {row[10] for row in table[1:] if row[9]} == {"EUR"}
