"""A contact accepts a quote on a phone (390 px) in a fresh Chromium: from their link to the
quotes, the "Accept or decline" page, a signature forgotten and then typed, the quote accepted;
the company's notice arrives over SMTP (aiosmtpd) naming the quote and the signature, and the
host's event names them too. axe finds nothing on any page, at 390 and at 1280 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from axe import report, run_axe
from browsing import screenshot

from clientportal.ports.events import QUOTE_ACCEPTED, QUOTE_DECLINED
from clientportal.smtp import deliver_outbox
from clientportal.web import make_wsgi_app
from quote_world import quote_world
from servers import on_waitress
from smtp_sink import Inbox, SmtpServer
from worlds import ServiceWorld

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def served() -> Iterator[tuple[ServiceWorld, str]]:
    """The quote world on waitress: the world and its base URL."""
    world = quote_world()
    with on_waitress(make_wsgi_app(world.service)) as port:
        yield world, f"http://127.0.0.1:{port}"


def fresh(browser: Any, viewport: dict[str, int], seen: list[str]) -> Any:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    context.on("request", lambda request: seen.append(request.url))
    return context


def no_violations(page: Any, where: str) -> None:
    violations = run_axe(page)
    assert not violations, report(where, violations)


def body_text(page: Any) -> str:
    return " ".join(page.locator("main").inner_text().split())


def test_a_contact_accepts_a_quote_on_a_phone_and_the_company_is_told(
    browser: Any, served: tuple[ServiceWorld, str]
) -> None:
    world, base = served
    seen: list[str] = []
    context = fresh(browser, PHONE, seen)
    try:
        page = context.new_page()
        token = world.service.links.issue("acme-q", "bob").token
        page.goto(f"{base}/l/{token}")
        page.get_by_role("link", name="Quotes").first.click()
        page.wait_for_url("**/portal/acme-q/quotes")
        no_violations(page, "the quotes page at 390 px")
        screenshot(page, "quotes-list-390")
        page.get_by_role("link", name="Accept or decline Q-2026-07").click()
        page.wait_for_url("**/quotes/q-open/decision")
        assert "you accept quote Q-2026-07 of Example Co for €4,250.00" in body_text(page)
        no_violations(page, "the decision page at 390 px")
        screenshot(page, "quote-decision-390")

        # Enter in the name field decides nothing; Accept without a name asks for it.
        page.get_by_label("Type your full name").press("Enter")
        assert page.url.endswith("/quotes/q-open/decision")
        page.get_by_role("button", name="Accept the quote").click()
        page.wait_for_load_state()
        assert "Type your full name to sign." in body_text(page)
        assert page.evaluate("document.activeElement.id") == "signature"
        no_violations(page, "the decision page with an error at 390 px")
        screenshot(page, "quote-decision-error-390")

        page.get_by_label("Type your full name").fill("Bob Smith")
        page.get_by_role("button", name="Accept the quote").click()
        page.wait_for_url("**/portal/acme-q/quotes")
        text = body_text(page)
        assert "Thank you: you accepted the quote. Your acceptance is recorded." in text
        assert "Accepted by Bob Smith on Mar 2, 2026" in text
        no_violations(page, "the quotes page after the decision at 390 px")
        screenshot(page, "quote-accepted-390")
    finally:
        context.close()
    assert {u.split("/")[2] for u in seen if not u.startswith("data:")} == {base.split("/")[2]}

    (event,) = [e for e in world.store.events(limit=1000) if e.type == QUOTE_ACCEPTED]
    assert (event.data["quote_id"], event.data["number"]) == ("q-open", "Q-2026-07")
    assert (event.data["signature"], event.data["contact_id"]) == ("Bob Smith", "bob")

    with SmtpServer(Inbox()) as smtp:
        report_ = deliver_outbox(world.store, smtp.mailer(), clock=world.clock)
        assert report_.sent == 1
        (notice,) = smtp.wait_for(1)
    assert notice["Subject"] == "Bob Smith accepted quote Q-2026-07: Acme quotes"
    plain = notice.get_body(preferencelist=("plain",))
    assert plain is not None
    said = str(plain.get_content()).replace("\r\n", "\n")
    assert "accepted the quote Q-2026-07 (€4,250.00)" in said
    assert "Signed by typing the name:\n\n> Bob Smith" in said


def test_declining_on_a_desktop_keeps_the_reason(
    browser: Any, served: tuple[ServiceWorld, str]
) -> None:
    world, base = served
    seen: list[str] = []
    context = fresh(browser, DESKTOP, seen)
    try:
        page = context.new_page()
        token = world.service.links.issue("acme-q", "carla").token
        page.goto(f"{base}/l/{token}")
        page.goto(f"{base}/portal/acme-q/quotes/q-nodate/decision")
        no_violations(page, "the decision page at 1280 px")
        page.get_by_label("Type your full name").fill("Carla Weber")
        page.get_by_role("button", name="Decline the quote").click()
        page.wait_for_load_state()
        assert "Please give a reason for declining the quote." in body_text(page)
        assert page.get_by_label("Type your full name").input_value() == "Carla Weber"
        no_violations(page, "the decision page with a missing reason at 1280 px")
        page.get_by_label("Reason for declining").fill("We chose another offer.")
        page.get_by_role("button", name="Decline the quote").click()
        page.wait_for_url("**/portal/acme-q/quotes")
        assert "Declined by Carla Weber on Mar 2, 2026" in body_text(page)
        no_violations(page, "the quotes page after declining at 1280 px")
        screenshot(page, "quote-declined-1280")
    finally:
        context.close()
    (event,) = [e for e in world.store.events(limit=1000) if e.type == QUOTE_DECLINED]
    assert event.data["reason"] == "We chose another offer."
