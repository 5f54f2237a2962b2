"""The period sign-off in Chromium on a phone (390 px): a contact opens their link, taps
"Sign-off" in the menu, approves a whole week with one tap, sees their certificate listed and
downloads its PDF, whose text lists what they approved. axe-core finds no WCAG 2.2 A/AA
violation on the page before and after, and nothing sticks out sideways."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from axe import report, run_axe
from browsing import PortalServer, Traffic, browser_world, open_context, screenshot

from clientportal.model import ItemKind
from clientportal.signoff import read_certificate
from clientportal.web.console import DatasetDirectory, StaffMember, make_console_app
from clientportal.workflow import Actor, Party
from pdftext import pdf_text

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}

OVERFLOW = """() => {
    const found = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) {
        found.push(`the page: ${root.scrollWidth}px in ${root.clientWidth}px`);
    }
    for (const wrap of document.querySelectorAll('.table-wrap')) {
        const table = wrap.querySelector('table');
        if (wrap.scrollWidth > wrap.clientWidth) {
            found.push(`table.${table.className}: ${wrap.scrollWidth}px in ${wrap.clientWidth}px`);
        }
    }
    return found;
}"""


def follow(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def test_on_a_phone_a_contact_signs_off_a_week_and_downloads_the_certificate(
    browser: Any, portal_server: PortalServer, traffic: Traffic, tmp_path: Path
) -> None:
    service = portal_server.service
    context = open_context(browser, traffic, portal_server, accept_downloads=True, **PHONE)
    try:
        page = context.new_page()
        response = page.goto(portal_server.link("acme-all", "ann"))
        assert response is not None
        assert response.status == 200
        nav = page.get_by_role("navigation")
        follow(page, nav.get_by_role("link", name="Sign-off", exact=True))
        assert page.get_by_role("heading", level=1).inner_text() == "Sign off a week or month"
        assert page.evaluate(OVERFLOW) == []
        violations = run_axe(page)
        assert violations == [], report("sign-off, 390 px", violations)
        screenshot(page, "signoff-390")

        weeks = page.locator("section", has=page.locator("#weeks-h"))
        first = weeks.locator("tbody tr").first
        week_label = first.locator("th").inner_text()
        button = first.get_by_role("button", name=re.compile("^Approve the whole week"))
        box = button.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
        assert box["height"] >= 24  # a target a thumb can hit (WCAG 2.5.8)
        follow(page, button)

        assert page.get_by_text("Approved. Your certificate is listed below.").is_visible()
        (signoff,) = service.signoffs.of("acme-all", "ann")
        assert signoff.period_start is not None
        cert = read_certificate(signoff)
        assert cert.rows
        for row in cert.rows:
            assert signoff.period_start <= row.date <= (signoff.period_end or row.date)
        portal = service.admin.portal("acme-all")
        still = {e.id for e in service.pages.awaiting_approval(portal).entries}
        assert still.isdisjoint(r.id for r in cert.rows if r.kind is ItemKind.ENTRY)
        # that week no longer awaits the client
        assert week_label not in weeks.inner_text()
        assert page.evaluate(OVERFLOW) == []
        violations = run_axe(page)
        assert violations == [], report("sign-off after approving, 390 px", violations)
        screenshot(page, "signoff-390-approved")

        link = page.get_by_role("link", name=re.compile("^Download the PDF"))
        with page.expect_download() as waiting:
            link.click()
        download = waiting.value
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        assert path.read_bytes().startswith(b"%PDF-")
        text = pdf_text(path.read_bytes(), tmp_path)
        assert "Ann Baker <ann@acme.example>" in text
        assert signoff.sha256 in text
        entries = [r for r in cert.rows if r.kind is ItemKind.ENTRY]
        for row in entries:
            assert row.employee in text
            assert row.description is not None
            assert row.description in text
    finally:
        context.close()
    assert traffic.hosts() == {"127.0.0.1"}


@pytest.mark.parametrize(
    ("portal_id", "contact_id", "options", "heading"),
    [
        (
            "acme-all",
            "ann",
            {"viewport": {"width": 1280, "height": 900}},
            "Sign off a week or month",
        ),
        ("lumen-all", "ruud", PHONE, "Een week of maand akkoord geven"),
    ],
    ids=["desktop-en", "phone-nl"],
)
def test_the_sign_off_page_passes_axe_on_a_desktop_and_in_dutch(
    browser: Any,
    portal_server: PortalServer,
    traffic: Traffic,
    portal_id: str,
    contact_id: str,
    options: dict[str, Any],
    heading: str,
) -> None:
    context = open_context(browser, traffic, portal_server, **options)
    try:
        page = context.new_page()
        response = page.goto(portal_server.link(portal_id, contact_id))
        assert response is not None
        assert response.status == 200
        assert page.url.endswith(f"/portal/{portal_id}"), page.url
        response = page.goto(page.url + "/sign-off")
        assert response is not None
        assert response.status == 200
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert page.locator("table.periods tbody tr").count() >= 2
        assert page.evaluate(OVERFLOW) == []
        violations = run_axe(page)
        assert violations == [], report(f"sign-off {portal_id}", violations)
        screenshot(page, f"signoff-{portal_id}")
    finally:
        context.close()
    assert traffic.hosts() == {"127.0.0.1"}


@pytest.mark.parametrize("options", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_consoles_certificates_pass_axe_and_download(
    browser: Any,
    portal_server: PortalServer,
    traffic: Traffic,
    tmp_path: Path,
    options: dict[str, Any],
) -> None:
    """The staff's Approval tab lists the certificate a contact made, and its PDF downloads."""
    import waitress

    service = portal_server.service
    visit_page = open_context(browser, traffic, portal_server, **options)
    try:
        page = visit_page.new_page()
        page.goto(portal_server.link("acme-all", "ann"))
        follow(page, page.get_by_role("navigation").get_by_role("link", name="Sign-off"))
        follow(page, page.get_by_role("button", name=re.compile("^Approve the whole week")).first)
    finally:
        visit_page.close()
    (signoff,) = service.signoffs.of("acme-all")

    staff = StaffMember(actor=Actor(Party.MANAGER, "eva"), name="Eva")
    console = make_console_app(
        service,
        authorize=lambda request: staff,
        directory=DatasetDirectory(browser_world()),
        prefix="/console",
    )
    sock = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = waitress.create_server(console, sockets=[sock], threads=2, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name="signoff-console", daemon=True)
    thread.start()
    context = open_context(browser, traffic, portal_server, accept_downloads=True, **options)
    try:
        page = context.new_page()
        response = page.goto(f"{url}/console/portals/acme-all/approvals")
        assert response is not None
        assert response.status == 200
        section = page.locator("section", has=page.locator("#signoffs-h"))
        assert "Ann Baker" in section.inner_text()
        assert signoff.sha256 in section.inner_text().replace("\n", "")
        assert page.evaluate(OVERFLOW) == []
        violations = run_axe(page)
        assert violations == [], report("console certificates", violations)
        screenshot(page, f"signoff-console-{options['viewport']['width']}")
        with page.expect_download() as waiting:
            section.get_by_role("link", name=re.compile("^Download the PDF")).click()
        path = tmp_path / waiting.value.suggested_filename
        waiting.value.save_as(path)
        assert signoff.sha256 in pdf_text(path.read_bytes(), tmp_path)
    finally:
        context.close()
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)
    assert traffic.hosts() == {"127.0.0.1"}
