"""From the approval e-mail to the portal: the request goes out through a real SMTP server
(aiosmtpd on 127.0.0.1), and the link in its text part, fetched by a browser without cookies from
the WSGI app, opens the portal for that contact on the approvals page — until it expires or is
revoked, deciding nothing on GET, landing only on the portal's own pages.
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

import pytest
from webtools import WsgiClient

from clientportal import ApprovalStatus
from clientportal.smtp import deliver_outbox
from clientportal.web import make_wsgi_app
from clientportal.workflow import Actor, Party
from worlds import FULL, WEB_T0, WebWorld, text_of

pytest.importorskip("aiosmtpd", reason="the e-mail link tests need aiosmtpd (the test extra)")

from test_smtp import Inbox, SmtpServer

_LINK = re.compile(r"https://portal\.example\.com(/open/[A-Za-z0-9_.-]+\?next=approvals)")


def arrived(world: WebWorld) -> list[tuple[str, EmailMessage]]:
    """Submit ``w1`` and ``w2`` and deliver the outbox through a real SMTP server: the e-mails
    that arrived, with their recipient, in the order they arrived."""
    manager = Actor(Party.MANAGER, "sam")  # submits Eva's and Tom's hours on their behalf
    assert world.service.approvals.submit(["w1", "w2"], by=manager).all_applied
    with SmtpServer(Inbox()) as server:
        report = deliver_outbox(world.store, server.mailer(), clock=world.clock)
        inbox = list(server.inbox.received)
    assert report.sent == len(inbox) > 0
    return [(rcpt[0], m) for _, rcpt, m in inbox]


def received(world: WebWorld) -> dict[tuple[str, str], EmailMessage]:
    """:func:`arrived`, by (recipient, language): one e-mail each."""
    mails = arrived(world)
    keyed = {(to, str(m["Content-Language"])): m for to, m in mails}
    assert len(keyed) == len(mails), "two e-mails to one recipient in one language: use arrived()"
    return keyed


def text(message: EmailMessage) -> str:
    """The text part of a received e-mail, with the line ends Python writes."""
    return text_of(message).replace("\r\n", "\n")


def link_path(message: EmailMessage) -> str:
    """The path (and ``?next=``) of the one personal link in the e-mail's text part."""
    [path] = _LINK.findall(text(message))
    return path


def session_contact(browser: WsgiClient, portal_id: str) -> str | None:
    """Whose session ``browser`` holds on the portal (``None``: no session)."""
    answer = browser.get(f"/api/portals/{portal_id}/session")
    if answer.status == 404:
        return None
    assert answer.status == 200
    contact_id = answer.json()["contact_id"]
    assert isinstance(contact_id, str)
    return contact_id


def fresh_browser(world: WebWorld) -> WsgiClient:
    """A browser that has never seen the portal: no cookies."""
    return WsgiClient(make_wsgi_app(world.service))


def test_the_emails_link_opens_the_portal_for_its_contact_on_the_approvals_page(
    world: WebWorld,
) -> None:
    mails = received(world)
    assert sorted(mails) == [
        ("anna@acme.example", "en"),
        ("anna@acme.example", "nl"),
        ("bob@acme.example", "en"),
    ]
    paths = {key: link_path(m) for key, m in mails.items()}
    assert len(set(paths.values())) == 3  # a link of its own for each contact and portal
    before = world.store.approval_states(frozenset({"w1", "w2"}))
    browser = fresh_browser(world)
    assert session_contact(browser, "acme-en") is None
    opened = browser.get(paths[("bob@acme.example", "en")])
    assert opened.status == 303
    assert opened.location == "/portal/acme-en/approvals"
    assert session_contact(browser, "acme-en") == "bob"
    page = browser.get(opened.location)
    assert page.status == 200
    assert '<html lang="en">' in page.text
    assert "Design review" in page.text  # w2, just submitted, awaits Bob's decision
    [used] = [link for link in world.service.links.for_portal("acme-en") if link.last_used_at]
    assert used.contact_id == "bob"
    assert used.expires_at == WEB_T0 + dt.timedelta(days=30)
    # Opening and looking decided nothing.
    assert world.store.approval_states(frozenset({"w1", "w2"})) == before
    assert {s.status for s in before.values()} == {ApprovalStatus.PENDING_EXTERNAL}


def test_a_dutch_portals_email_and_page_are_dutch(world: WebWorld) -> None:
    message = received(world)[("anna@acme.example", "nl")]
    body = text(message)
    assert str(message["Subject"]) == "Uren wachten op uw goedkeuring: Acme portaal"
    assert "Uren bekijken\nhttps://portal.example.com/open/" in body
    assert "Deze link is persoonlijk en 30 dagen geldig." in body
    assert "Stuur deze e-mail alstublieft niet door." in body
    browser = fresh_browser(world)
    opened = browser.get(link_path(message))
    assert opened.location == "/portal/acme-nl/approvals"
    assert session_contact(browser, "acme-nl") == "anna"
    page = browser.get(opened.location)
    assert page.status == 200
    assert '<html lang="nl">' in page.text


def test_the_link_stops_working_at_the_set_time(world: WebWorld) -> None:
    path = link_path(received(world)[("bob@acme.example", "en")])
    world.clock.set(WEB_T0 + dt.timedelta(days=30) - dt.timedelta(seconds=1))
    assert fresh_browser(world).get(path).status == 303
    world.clock.set(WEB_T0 + dt.timedelta(days=30))
    gone = fresh_browser(world).get(path)
    assert gone.status == 404
    assert "Set-Cookie" not in gone.headers


def test_revoking_the_link_ends_it_and_the_session_it_opened(world: WebWorld) -> None:
    mails = received(world)
    path = link_path(mails[("bob@acme.example", "en")])
    browser = fresh_browser(world)
    assert browser.get(path).status == 303
    assert session_contact(browser, "acme-en") == "bob"
    [used] = [link for link in world.service.links.for_portal("acme-en") if link.last_used_at]
    world.service.links.revoke(used.id)
    assert fresh_browser(world).get(path).status == 404
    assert session_contact(browser, "acme-en") is None  # the session it opened ended too
    # Anna's link to the same portal is hers alone, and still works.
    assert fresh_browser(world).get(link_path(mails[("anna@acme.example", "en")])).status == 303


@pytest.mark.parametrize(
    "landing",
    ["https://evil.example/", "//evil.example/x", "/portal/other", "sign_out", "open", "", "%00"],
)
def test_next_lands_only_on_the_portals_own_pages(world: WebWorld, landing: str) -> None:
    token = world.link("acme-en", "bob")
    opened = fresh_browser(world).get(f"/l/{token}?next={landing}")
    assert opened.status == 303
    assert opened.location == "/portal/acme-en"  # the overview, whatever ``next`` says


@pytest.mark.parametrize("page", ["overview", "hours", "invoices", "quotes", "approvals"])
def test_next_names_a_page_of_the_portal(world: WebWorld, page: str) -> None:
    url = world.service.mail.link_url(world.link("acme-en", "bob"), page=page)
    opened = fresh_browser(world).get(url.removeprefix(world.service.mail.base_url))
    assert opened.location == "/portal/acme-en" + ("" if page == "overview" else f"/{page}")


def test_on_a_portal_that_asks_for_a_code_the_email_link_leads_to_the_code_step(
    world: WebWorld,
) -> None:
    world.service.admin.update_portal("acme-code", settings=FULL)
    [secure] = [
        m for to, m in arrived(world) if to == "anna@acme.example" and "secure" in m["Subject"]
    ]
    browser = fresh_browser(world)
    opened = browser.get(link_path(secure))
    assert opened.status == 303
    assert opened.location == "/portal/acme-code/code"
    assert session_contact(browser, "acme-code") is None  # no session before the code
    assert browser.get(opened.location).status == 200
