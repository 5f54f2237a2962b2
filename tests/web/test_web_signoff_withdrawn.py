"""A withdrawn certificate on the pages: once an item it covers is reopened by the staff (or
undone by the client), the contact's sign-off page and the console's list mark it "Withdrawn on
DATE" in the page's language, and its PDF still downloads, saying so first; a standing
certificate carries no such mark."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from test_web_signoff import PAGE, console, get, seen_on, sign_off
from webtools import WsgiClient, csrf_of, open_portal

from clientportal.workflow import Actor, Party
from pdftext import pdf_text
from worlds import WebWorld

TOM = Actor(Party.MANAGER, "tom")


def _signed_and_reopened(client: WsgiClient, world: WebWorld) -> str:
    """Bob signs off the week; a day later Tom reopens one of its items: the certificate's id."""
    open_portal(client, world)
    assert sign_off(client).status == 303
    (signoff,) = world.service.signoffs.of("acme-en", "bob")
    assert "Withdrawn on" not in client.get(PAGE).text
    world.clock.advance(dt.timedelta(days=1))
    done = world.service.approvals.reopen([signoff.items[0]], by=TOM, reason="wrong rate")
    assert done.all_applied
    return signoff.id


def test_the_sign_off_page_marks_a_withdrawn_certificate(
    client: WsgiClient, world: WebWorld, tmp_path: Path
) -> None:
    signoff_id = _signed_and_reopened(client, world)
    page = client.get(PAGE)
    assert page.status == 200
    assert '<strong class="withdrawn">Withdrawn on Mar 21, 2026</strong>' in page.text
    pdf = client.get(f"/portal/acme-en/sign-offs/{signoff_id}")
    assert pdf.status == 200
    text = pdf_text(pdf.body, tmp_path)
    assert text.startswith("Withdrawn on Mar 21, 2026, 9:00:00 AM UTC")


def test_the_mark_is_in_the_portals_language(client: WsgiClient, world: WebWorld) -> None:
    open_portal(client, world, "acme-nl", "anna")
    assert sign_off_nl(client).status == 303
    (signoff,) = world.service.signoffs.of("acme-nl", "anna")
    world.clock.advance(dt.timedelta(days=1))
    assert world.service.approvals.reopen([signoff.items[0]], by=TOM, reason="x").all_applied
    page = client.get("/portal/acme-nl/sign-off")
    assert '<strong class="withdrawn">Ingetrokken op 21 mrt 2026</strong>' in page.text


def sign_off_nl(client: WsgiClient):
    """Anna signs off the week of 9 March on the Dutch portal."""
    page = client.get("/portal/acme-nl/sign-off")
    form = {
        "csrf_token": csrf_of(page),
        "unit": "week",
        "start": "2026-03-09",
        "seen": seen_on(page.text, "week", "2026-03-09"),
    }
    return client.post("/portal/acme-nl/sign-off", data=form)


def test_the_console_marks_a_withdrawn_certificate(client: WsgiClient, world: WebWorld) -> None:
    app = console(world)
    signoff_id = _signed_and_reopened(client, world)
    status, _, body = get(app, "/console/portals/acme-en/approvals")
    assert status == 200
    page = body.decode()
    assert '<strong class="withdrawn">Withdrawn on Mar 21, 2026</strong>' in page
    assert page.count("Withdrawn on") == 1
    status, _, pdf = get(app, f"/console/portals/acme-en/sign-offs/{signoff_id}")
    assert status == 200
    assert pdf.startswith(b"%PDF-")
