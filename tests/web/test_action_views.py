"""The action link on the web (``web/action_views.py``): ``GET /act/{token}`` shows the
confirmation page and changes nothing, whatever fetches it (a browser, a mail scanner's GET, HEAD
or prefetch); only the page's POST decides, with its double-submit cookie; errors answer in the
portal's language on the same page; an unknown link is the same 404 as a link that does not open.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from attrs import evolve
from webtools import Result, WsgiClient, csrf_of

from clientportal import ApprovalStatus
from clientportal.access import AccessMode
from clientportal.web import make_wsgi_app
from service.test_actions import action_tokens, last_code, snapshot
from worlds import (
    MAIL,
    MAX,
    OPEN_ON_WEB,
    ServiceWorld,
    acme_portal,
    mails,
    service_world,
    text_of,
    visit_as,
)

_SCANNER_HEADERS: tuple[dict[str, str], ...] = (
    {},
    {"User-Agent": "Mozilla/5.0 (compatible; SafeLinks)"},
    {"Purpose": "prefetch"},
    {"Sec-Purpose": "prefetch;prerender"},
    {"X-Moz": "prefetch"},
)


def asked(**changes: Any) -> tuple[ServiceWorld, dict[str, str]]:
    w = service_world(**changes)
    assert w.service.approvals.submit(OPEN_ON_WEB, by=MAX).all_applied
    return w, action_tokens(mails(w.store))


def browser(w: ServiceWorld, **options: Any) -> WsgiClient:
    return WsgiClient(make_wsgi_app(w.service, **options))


def statuses(w: ServiceWorld) -> set[ApprovalStatus]:
    return {e.approval.status for e in w.data.entries_by_id(frozenset(OPEN_ON_WEB))}


def decide(client: WsgiClient, token: str, page: Result, **form: str) -> Result:
    return client.post(f"/act/{token}", data={"csrf_token": csrf_of(page), **form})


def test_the_page_lists_the_items_their_totals_and_the_choices() -> None:
    w, tokens = asked()
    page = browser(w).get(f"/act/{tokens['anna']}")
    assert page.status == 200
    text = page.text
    assert "Your approval is requested" in text
    for description in ("Homepage", "Bugfix", "Review", "Deploy", "Call"):
        assert description in text
    assert "18:15" in text or "18.25" in text  # the total hours
    assert "675.00" in text  # the amount the portal shows
    assert 'name="action" value="approve"' in text
    assert 'name="action" value="reject"' in text
    assert "Open the portal" in text
    assert page.headers.get("Content-Language") == "en"


def test_the_page_is_never_stored_referred_or_indexed() -> None:
    w, tokens = asked()
    page = browser(w).get(f"/act/{tokens['anna']}")
    assert page.headers.get("Cache-Control") == "no-store"
    assert page.headers.get("Referrer-Policy") == "no-referrer"
    assert "noindex" in (page.headers.get("X-Robots-Tag") or "")


def test_the_double_submit_cookie_is_scoped_to_the_action_links() -> None:
    w, tokens = asked()
    page = browser(w, secure_cookies=True).get(f"/act/{tokens['anna']}")
    [cookie] = page.headers.get_all("Set-Cookie")
    assert cookie.startswith("__Secure-cp_act_")
    assert "Path=/act/" in cookie
    assert "SameSite=Strict" in cookie
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert tokens["anna"] not in cookie


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_scanner_fetching_the_link_ten_times_changes_nothing(method: str) -> None:
    w, tokens = asked()
    before = snapshot(w.store)
    for n in range(10):
        scanner = browser(w)  # a new client each time: no cookies
        headers = _SCANNER_HEADERS[n % len(_SCANNER_HEADERS)]
        answer = scanner.request(method, f"/act/{tokens['anna']}", headers=headers)
        assert answer.status == 200
        set_cookies = answer.headers.get_all("Set-Cookie")
        assert all(c.startswith("cp_act_") for c in set_cookies)  # no session, no flash
    assert snapshot(w.store) == before
    assert statuses(w) == {ApprovalStatus.PENDING_EXTERNAL}


def test_approving_from_the_page_decides_and_uses_the_link() -> None:
    w, tokens = asked()
    client = browser(w)
    page = client.get(f"/act/{tokens['anna']}")
    done = decide(client, tokens["anna"], page, action="approve")
    assert done.status == 200
    assert "Thank you" in done.text
    assert "6 time entries approved." in done.text
    assert statuses(w) == {ApprovalStatus.APPROVED}
    again = client.get(f"/act/{tokens['anna']}")
    assert again.status == 200
    assert "This approval link has already been used" in again.text
    assert 'name="action"' not in again.text
    replay = decide(client, tokens["anna"], page, action="approve")
    assert "already been used" in replay.text


def test_rejecting_needs_a_reason_on_the_same_page() -> None:
    w, tokens = asked()
    client = browser(w)
    page = client.get(f"/act/{tokens['anna']}")
    refused = decide(client, tokens["anna"], page, action="reject", reason=" ")
    assert refused.status == 400
    assert "Please give a reason for rejecting these items." in refused.text
    assert re.search(r'<details class="reject-selected" open>', refused.text)
    assert statuses(w) == {ApprovalStatus.PENDING_EXTERNAL}
    done = decide(client, tokens["anna"], refused, action="reject", reason="Wrong project")
    assert "6 time entries rejected." in done.text
    assert statuses(w) == {ApprovalStatus.REJECTED}


def test_a_post_without_the_pages_cookie_decides_nothing() -> None:
    w, tokens = asked()
    page = browser(w).get(f"/act/{tokens['anna']}")
    other = browser(w)  # has the form's token (say, from a leak), not the cookie
    refused = decide(other, tokens["anna"], page, action="approve")
    assert refused.status == 400
    assert "This page had expired" in refused.text
    forged = other.post(
        f"/act/{tokens['anna']}", data={"csrf_token": "x" * 27, "action": "approve"}
    )
    assert forged.status == 400
    assert statuses(w) == {ApprovalStatus.PENDING_EXTERNAL}
    assert not w.service.actions.look(tokens["anna"]).used


def test_one_links_form_does_not_decide_with_another_link() -> None:
    w, tokens = asked()
    client = browser(w)
    anna = client.get(f"/act/{tokens['anna']}")
    client.get(f"/act/{tokens['bob']}")  # the browser holds both cookies
    refused = decide(client, tokens["bob"], anna, action="approve")
    assert refused.status == 400
    assert statuses(w) == {ApprovalStatus.PENDING_EXTERNAL}


def test_an_unknown_or_altered_link_is_the_same_404_as_a_link_that_does_not_open() -> None:
    w, tokens = asked()
    client = browser(w)
    bad_link = client.get("/l/WyJub3BlIl0.aaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb")
    for path in (f"/act/{tokens['anna'][:-3]}xyz", "/act/nonsense"):
        answer = client.get(path)
        assert answer.status == 404
        assert answer.text == bad_link.text
    assert client.post("/act/nonsense", data={"action": "approve"}).status == 404


def test_items_changed_since_the_email_are_listed_apart_and_left_alone() -> None:
    w, tokens = asked()
    anna = visit_as(w.service, "anna")
    assert w.service.approvals.client_approve(anna, ["w1"]).all_applied
    client = browser(w)
    page = client.get(f"/act/{tokens['bob']}")
    assert "Not decided here" in page.text
    assert "Approved" in page.text.split("Not decided here", 1)[1]
    done = decide(client, tokens["bob"], page, action="reject", reason="Check again")
    assert "5 time entries rejected." in done.text
    [w1] = w.data.entries_by_id(frozenset({"w1"}))
    assert w1.approval.status is ApprovalStatus.APPROVED


def test_an_expired_link_says_so_in_the_portals_language() -> None:
    w, tokens = asked(portals=(acme_portal(language="nl"),))
    w.clock.advance(dt.timedelta(days=31))
    page = browser(w).get(f"/act/{tokens['anna']}")
    assert page.status == 200
    assert page.headers.get("Content-Language") == "nl"
    assert "Deze goedkeuringslink is verlopen" in page.text
    assert "Set-Cookie" not in str(page.headers)


def test_the_code_step_on_a_portal_that_asks_for_one() -> None:
    w, tokens = asked()
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    client = browser(w)
    page = client.get(f"/act/{tokens['anna']}")
    assert 'name="pin"' in page.text
    assert "a***@acme.example" in page.text
    missing = decide(client, tokens["anna"], page, action="approve")
    assert missing.status == 400
    assert "Enter the code we e-mailed you first" in missing.text
    sent = client.post(f"/act/{tokens['anna']}/code", data={"csrf_token": csrf_of(page)})
    assert sent.status == 303
    assert sent.location == f"/act/{tokens['anna']}?sent=1"
    page = client.get(sent.location)
    assert "A code is on its way to a***@acme.example" in page.text
    code = last_code(w)
    wrong = decide(
        client,
        tokens["anna"],
        page,
        action="approve",
        pin="000000" if code != "000000" else "111111",
    )
    assert wrong.status == 400
    assert "This code is not correct" in wrong.text
    done = decide(client, tokens["anna"], page, action="approve", pin=code)
    assert "6 time entries approved." in done.text
    assert statuses(w) == {ApprovalStatus.APPROVED}


def test_the_companys_own_action_path_shows_the_page_too() -> None:
    mail = evolve(MAIL, action_path="/approve/{token}")
    w, _ = asked(mail=mail)
    [message] = [m for m in mails(w.store) if "anna@" in str(m["To"])]
    [path] = re.findall(r"https://portal\.example\.com(/approve/[A-Za-z0-9_.-]+)", text_of(message))
    client = browser(w)
    page = client.get(path)
    assert page.status == 200
    token = path.rsplit("/", 1)[1]
    done = decide(client, token, page, action="approve")
    assert "6 time entries approved." in done.text


def test_open_the_portal_is_a_post_that_signs_the_contact_in() -> None:
    w, tokens = asked()
    client = browser(w)
    page = client.get(f"/act/{tokens['anna']}")
    assert 'formaction="/act/' in page.text
    assert client.get(f"/act/{tokens['anna']}/open").status == 405  # never by GET
    opened = client.post(f"/act/{tokens['anna']}/open", data={"csrf_token": csrf_of(page)})
    assert opened.status == 303
    assert opened.location == "/portal/acme-web/approvals"
    assert client.get(opened.location).status == 200
    assert statuses(w) == {ApprovalStatus.PENDING_EXTERNAL}
    refused = browser(w).post(f"/act/{tokens['anna']}/open", data={"csrf_token": csrf_of(page)})
    assert refused.status == 400  # the form without its cookie opens nothing


def test_after_the_decision_the_portal_opens_from_the_result_page() -> None:
    w, tokens = asked()
    client = browser(w)
    page = client.get(f"/act/{tokens['anna']}")
    done = decide(client, tokens["anna"], page, action="approve")
    opened = client.post(f"/act/{tokens['anna']}/open", data={"csrf_token": csrf_of(done)})
    assert opened.status == 303
    approvals = client.get("/portal/acme-web/approvals")
    assert approvals.status == 200
    assert "Homepage" in approvals.text
