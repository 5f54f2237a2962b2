"""Getting in on the web: opening links, the cookie, the clean URL, the one 404 page for every
link that does not open, rate limits, one-time codes, signing out, several portals at once."""

from __future__ import annotations

import datetime as dt
import email
import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from webtools import WsgiClient, csrf_of, open_portal

from clientportal.web import make_wsgi_app
from clientportal.web.security import pending_cookie_name, session_cookie_name
from worlds import WEB_T0, WebWorld, web_world

ACCEPT = {"Accept-Language": "en"}


def test_opening_a_link_sets_the_session_cookie_and_redirects_to_a_clean_url(
    world: WebWorld, client: WsgiClient
) -> None:
    token = world.link()
    opened = client.get(f"/l/{token}")
    assert opened.status == 303
    assert opened.location == "/portal/acme-en"
    assert token not in (opened.location or "")
    (cookie,) = opened.headers.get_all("Set-Cookie")
    name = session_cookie_name("acme-en")
    assert cookie.startswith(f"{name}=")
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie
    assert "; Path=/;" in cookie
    assert "Secure" not in cookie
    assert "Max-Age=2592000" in cookie  # the gate's 30-day session
    page = client.get(opened.location or "")
    assert page.status == 200
    assert token not in page.text
    assert "Acme portal" in page.text


def test_the_cookie_is_secure_over_https_and_when_forced(world: WebWorld) -> None:
    https = WsgiClient(make_wsgi_app(world.service), scheme="https")
    cookie = https.get(f"/l/{world.link()}").headers["Set-Cookie"]
    assert "; Secure" in cookie
    forced = WsgiClient(make_wsgi_app(world.service, secure_cookies=True))
    assert "; Secure" in forced.get(f"/l/{world.link()}").headers["Set-Cookie"]


def test_the_cookie_path_is_the_mount(world: WebWorld) -> None:
    mounted = WsgiClient(make_wsgi_app(world.service, prefix="/cp"), script_name="/host")
    opened = mounted.get(f"/host/cp/l/{world.link()}")
    assert opened.location == "/host/cp/portal/acme-en"
    assert "; Path=/host/cp;" in opened.headers["Set-Cookie"]
    assert mounted.get(opened.location or "").status == 200


def _not_found(client: WsgiClient, url: str) -> tuple[int, str, list[tuple[str, str]]]:
    result = client.get(url, headers=ACCEPT)
    return result.status, result.text, sorted(result.headers.items())


def test_unknown_expired_revoked_and_forged_links_all_answer_the_same_404(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    expiring = world.link(expires_at=WEB_T0 + dt.timedelta(hours=1))
    revoked = world.service.links.issue("acme-en", "bob")
    world.service.links.revoke(revoked.link.id)
    old = world.service.links.issue("acme-nl", "anna")
    world.service.links.regenerate(old.link.id)
    superseded = world.link("acme-code", "anna")
    world.service.links.revoke_all("acme-code")
    forged = URLSafeTimedSerializer("another-key-0123456789abcdef", salt="clientportal.link").dumps(
        [revoked.link.id, 0, "x" * 22]
    )
    world.clock.advance(dt.timedelta(hours=2))
    answers = {
        name: _not_found(client, f"/l/{token}")
        for name, token in {
            "unknown": "nonsense",
            "garbage": "a.b.c" * 100,
            "unicode": "%E2%98%83",
            "expired": expiring,
            "revoked": revoked.token,
            "regenerated": old.token,
            "superseded": superseded,
            "forged": forged,
        }.items()
    }
    answers["no session"] = _not_found(client, "/portal/acme-en")
    answers["unknown portal"] = _not_found(client, "/portal/nope/hours")
    first = answers["unknown"]
    assert first[0] == 404
    assert "This link has expired or is unknown" in first[1]
    for name, answer in answers.items():
        assert answer == first, name
    # A page nobody serves is not a link: "page not found", whoever asks.
    unknown_page = _not_found(client, "/nothing/here")
    assert unknown_page[0] == 404
    assert "Page not found" in unknown_page[1]
    assert "This link has expired" not in unknown_page[1]


def test_a_switched_off_portal_answers_the_same_404(world: WebWorld, client: WsgiClient) -> None:
    token = world.link()
    baseline = _not_found(client, "/l/unknown-token")
    world.service.admin.update_portal("acme-en", active=False)
    assert _not_found(client, f"/l/{token}") == baseline


def test_revoking_the_link_ends_the_session(world: WebWorld, client: WsgiClient) -> None:
    issued = world.service.links.issue("acme-en", "bob")
    assert client.get(f"/l/{issued.token}", follow=True).status == 200
    world.service.links.revoke(issued.link.id)
    gone = client.get("/portal/acme-en", headers=ACCEPT)
    assert gone.status == 404
    assert gone.text == client.get("/l/whatever", headers=ACCEPT).text


def test_failed_opens_are_rate_limited_per_address_with_429() -> None:
    world = web_world(limiter_capacity=3)
    app = make_wsgi_app(world.service)
    attacker = WsgiClient(app, remote_addr="198.51.100.7")
    statuses = [attacker.get(f"/l/guess-{i}").status for i in range(3)]
    assert statuses == [404, 404, 404]
    limited = attacker.get("/l/guess-4", headers=ACCEPT)
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "60"
    assert "Too many attempts" in limited.text
    # No oracle: a good link from the limited address is refused the same way.
    assert attacker.get(f"/l/{world.link()}").status == 429
    # Somebody else is not affected.
    other = WsgiClient(app, remote_addr="192.0.2.1")
    assert other.get(f"/l/{world.link()}").status == 303


def test_a_session_opens_only_its_own_portal(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world, "acme-en", "bob")
    assert client.get("/portal/acme-nl").status == 404
    assert client.get("/api/portals/acme-nl").status == 404


def test_several_portals_open_side_by_side_in_one_browser(world: WebWorld) -> None:
    browser = WsgiClient(make_wsgi_app(world.service))
    en = world.service.links.issue("acme-en", "bob")
    nl = world.service.links.issue("acme-nl", "anna")
    assert browser.get(f"/l/{en.token}").status == 303
    assert browser.get(f"/l/{nl.token}").status == 303
    names = {name for name, _ in browser.jar}
    assert names == {session_cookie_name("acme-en"), session_cookie_name("acme-nl")}
    english = browser.get("/portal/acme-en")
    dutch = browser.get("/portal/acme-nl")
    assert english.status == dutch.status == 200
    assert '<html lang="en">' in english.text
    assert '<html lang="nl">' in dutch.text
    assert "Overzicht" in dutch.text
    # Ending one portal's link leaves the other open.
    world.service.links.revoke(en.link.id)
    assert browser.get("/portal/acme-en").status == 404
    assert browser.get("/portal/acme-nl").status == 200


def test_the_e_mails_link_and_portal_urls_work_as_they_are(world: WebWorld) -> None:
    browser = WsgiClient(make_wsgi_app(world.service))
    url = world.service.mail.link_url(world.link())
    path = url.removeprefix(world.service.mail.base_url)
    assert path.startswith("/open/")
    opened = browser.get(path)
    assert opened.status == 303
    portal_url = world.service.mail.portal_url("acme-en").removeprefix(world.service.mail.base_url)
    assert browser.get(portal_url).status == 200


def test_a_shared_link_shows_the_portal_but_cannot_decide(world: WebWorld) -> None:
    browser = WsgiClient(make_wsgi_app(world.service))
    open_portal(browser, world, "acme-en", None)
    page = browser.get("/portal/acme-en/approvals")
    assert page.status == 200
    assert "This link is shared" in page.text
    refused = browser.post(
        "/portal/acme-en/approvals",
        data={"csrf_token": csrf_of(page), "action": "approve", "entry": "1:p1"},
    )
    assert refused.status == 403
    assert "This link is shared" in refused.text
    assert not world.store.history("p1")


def test_signing_out_forgets_the_session(world: WebWorld, client: WsgiClient) -> None:
    page = open_portal(client, world)
    out = client.post("/portal/acme-en/sign-out", data={"csrf_token": csrf_of(page)})
    assert out.status == 303  # Post/Redirect/Get: a reload of the next page sends nothing
    assert out.location == "/signed-out?lang=en"
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    assert client.jar == {}
    assert client.get("/portal/acme-en").status == 404
    page = client.get(out.location or "")
    assert page.status == 200
    assert "You have signed out" in page.text
    assert client.get(out.location or "").text == page.text


def test_the_signed_out_page_speaks_the_portals_language_and_names_no_portal(
    world: WebWorld, client: WsgiClient
) -> None:
    page = open_portal(client, world, "acme-nl", "anna")
    out = client.post("/portal/acme-nl/sign-out", data={"csrf_token": csrf_of(page)})
    assert out.location == "/signed-out?lang=nl"
    dutch = client.get(out.location or "")
    assert '<html lang="nl">' in dutch.text
    assert "U bent afgemeld." in dutch.text
    assert "Acme" not in dutch.text
    german = client.get("/signed-out?lang=xx", headers={"Accept-Language": "de"})
    assert '<html lang="de">' in german.text


# --------------------------------------------------------------------------------------------------
# One-time codes


def _code_in_outbox(world: WebWorld) -> str:
    (message,) = [m for m in world.store.pending() if b"anna@acme.example" in m.message]
    parsed = email.message_from_bytes(message.message)
    text = "".join(
        part.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for part in parsed.walk()
        if part.get_content_type() == "text/plain"
    )
    found = re.search(r"\b(\d{3} ?\d{3})\b", text)
    assert found, text
    return found.group(1).replace(" ", "")


def test_a_portal_with_codes_asks_for_the_code_before_opening(world: WebWorld) -> None:
    browser = WsgiClient(make_wsgi_app(world.service))
    opened = browser.get(f"/l/{world.link('acme-code', 'anna')}")
    assert opened.status == 303
    assert opened.location == "/portal/acme-code/code"
    assert "HttpOnly" in opened.headers["Set-Cookie"]
    assert {name for name, _ in browser.jar} == {pending_cookie_name("acme-code")}
    assert browser.get("/portal/acme-code").status == 404

    page = browser.get("/portal/acme-code/code")
    assert page.status == 200
    assert "a***@acme.example" in page.text
    assert "anna@acme.example" not in page.text
    assert browser.post("/portal/acme-code/code/send", data={}).status == 403
    assert not world.store.pending()
    sent = browser.post("/portal/acme-code/code/send", data={"csrf_token": csrf_of(page)})
    assert sent.status == 303
    assert sent.location == "/portal/acme-code/code?sent=1"
    code = _code_in_outbox(world)
    page = browser.get(sent.location or "")
    assert "A new code is on its way. It is valid for 15 minutes." in page.text
    assert "We have sent a code to a***@acme.example" in page.text
    again = browser.get(sent.location or "")  # a reload: the code was sent, once
    assert "A new code is on its way" not in again.text
    assert "We have sent a code to a***@acme.example" in again.text

    wrong = "000000" if code != "000000" else "111111"
    refused = browser.post(
        "/portal/acme-code/code?sent=1", data={"csrf_token": csrf_of(page), "code": wrong}
    )
    assert refused.status == 303  # Post/Redirect/Get, the error comes along once
    assert refused.location == "/portal/acme-code/code?sent=1"
    shown = browser.get(refused.location or "")
    assert "This code is not correct" in shown.text
    assert 'aria-invalid="true" aria-describedby="code-error" autofocus' in shown.text
    assert "This code is not correct" not in browser.get(refused.location or "").text
    admitted = browser.post(
        "/portal/acme-code/code", data={"csrf_token": csrf_of(page), "code": code}
    )
    assert admitted.status == 303
    assert admitted.location == "/portal/acme-code"
    assert {name for name, _ in browser.jar} == {session_cookie_name("acme-code")}
    assert browser.get("/portal/acme-code").status == 200
    # The code works once.
    assert browser.get("/portal/acme-code/code").status == 404


def test_too_many_wrong_codes_are_refused(world: WebWorld) -> None:
    browser = WsgiClient(make_wsgi_app(world.service))
    browser.get(f"/l/{world.link('acme-code', 'anna')}")
    page = browser.get("/portal/acme-code/code")
    token = csrf_of(page)
    browser.post("/portal/acme-code/code/send", data={"csrf_token": token})
    code = _code_in_outbox(world)
    wrong = "000000" if code != "000000" else "111111"
    said = []
    for _ in range(6):
        refused = browser.post("/portal/acme-code/code", data={"csrf_token": token, "code": wrong})
        assert refused.status == 303
        said.append(browser.get(refused.location or "").text)
    assert all("This code is not correct" in text for text in said[:5])
    assert "Too many attempts. Ask for a new code." in said[5]
    last = browser.post("/portal/acme-code/code", data={"csrf_token": token, "code": code})
    assert last.status == 303
    assert last.location == "/portal/acme-code/code"  # not in: the right code came too late
    assert "Too many attempts" in browser.get(last.location or "").text
    assert browser.get("/portal/acme-code").status == 404


def test_code_pages_without_a_pending_cookie_are_the_404_page(world: WebWorld) -> None:
    browser = WsgiClient(make_wsgi_app(world.service))
    baseline = _not_found(browser, "/l/unknown")
    assert _not_found(browser, "/portal/acme-code/code") == baseline
    browser.jar[(pending_cookie_name("acme-code"), "/")] = ("forged.value.here", False)
    assert _not_found(browser, "/portal/acme-code/code") == baseline
    # A pending value of one portal does not serve another.
    browser.get(f"/l/{world.link('acme-code', 'anna')}")
    value = browser.jar[(pending_cookie_name("acme-code"), "/")]
    browser.jar[(pending_cookie_name("acme-en"), "/")] = value
    assert _not_found(browser, "/portal/acme-en/code") == baseline


@pytest.mark.parametrize("path", ["/portal/acme-code/code", "/portal/acme-code/code/send"])
def test_code_forms_need_the_pending_csrf_token(world: WebWorld, path: str) -> None:
    browser = WsgiClient(make_wsgi_app(world.service))
    browser.get(f"/l/{world.link('acme-code', 'anna')}")
    other = WsgiClient(make_wsgi_app(world.service))
    other.get(f"/l/{world.link('acme-code', 'anna')}")
    foreign = csrf_of(other.get("/portal/acme-code/code"))
    for data in ({}, {"csrf_token": "x" * 27}, {"csrf_token": foreign}):
        assert browser.post(path, data={**data, "code": "123456"}).status == 403
    assert not world.store.pending()
