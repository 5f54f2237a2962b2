"""The period sign-off in Chromium on a phone (390 px): a contact opens their link, taps
"Sign-off" in the menu, approves a whole week with one tap, sees their certificate listed and
downloads its PDF, whose text lists what they approved. axe-core finds no WCAG 2.2 A/AA
violation on the page before and after, and nothing sticks out sideways."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from axe import report, run_axe
from browsing import PortalServer, Traffic, open_context, screenshot

from clientportal.model import ItemKind
from clientportal.signoff import read_certificate
from pdftext import pdf_text

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}

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
