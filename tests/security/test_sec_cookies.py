"""Finding 15 (part): the portal's cookies must carry the ``__Host-``/``__Secure-`` prefixes when
they are secure, and a junk cookie of the same name sent first must not hide the real one.

A browser keeps a ``__Host-`` cookie only from a secure origin, for ``Path=/`` and no
``Domain``: a sibling subdomain or a man in the middle on http cannot plant one.
"""

from __future__ import annotations

from webtools import WsgiClient, csrf_of, open_portal

from clientportal.web import make_wsgi_app
from clientportal.web.security import session_cookie_name
from worlds import web_world


def _set_cookie_names(client: WsgiClient, url: str) -> list[str]:
    return [c.split("=", 1)[0] for c in client.get(url).headers.get_all("Set-Cookie")]


def test_secure_cookies_carry_the_host_or_secure_prefix() -> None:
    """Finding 15: over https at the root the session cookie is ``__Host-…``; under a path it is
    ``__Secure-…``; over plain http it keeps its plain name."""
    world = web_world()
    plain = session_cookie_name("acme-en")
    https = WsgiClient(make_wsgi_app(world.service), scheme="https")
    assert _set_cookie_names(https, f"/l/{world.link()}") == [f"__Host-{plain}"]
    assert https.get("/portal/acme-en").status == 200
    forced = WsgiClient(make_wsgi_app(world.service, secure_cookies=True), scheme="https")
    assert _set_cookie_names(forced, f"/l/{world.link()}") == [f"__Host-{plain}"]
    mounted = WsgiClient(make_wsgi_app(world.service, prefix="/cp"), scheme="https")
    assert _set_cookie_names(mounted, f"/cp/l/{world.link()}") == [f"__Secure-{plain}"]
    assert mounted.get("/cp/portal/acme-en").status == 200
    http = WsgiClient(make_wsgi_app(world.service))
    assert _set_cookie_names(http, f"/l/{world.link()}") == [plain]


def test_a_plain_cookie_does_not_open_a_secure_portal() -> None:
    """Finding 15: once cookies are secure only the prefixed name counts: a valid session under
    the plain name (planted over http, say) opens nothing."""
    world = web_world()
    http = WsgiClient(make_wsgi_app(world.service))
    open_portal(http, world)
    value = http.cookies_for("/portal/acme-en")[session_cookie_name("acme-en")]
    https = WsgiClient(make_wsgi_app(world.service), scheme="https")
    cookie = f"{session_cookie_name('acme-en')}={value}"
    assert https.get("/portal/acme-en", headers={"Cookie": cookie}).status == 404
    host = f"__Host-{session_cookie_name('acme-en')}={value}"
    assert https.get("/portal/acme-en", headers={"Cookie": host}).status == 200


def test_a_junk_cookie_sent_first_does_not_shadow_the_session() -> None:
    """Finding 15: when the Cookie header names the session cookie several times, the first
    value that is a valid session is used (a junk one planted before it changes nothing)."""
    world = web_world()
    http = WsgiClient(make_wsgi_app(world.service))
    open_portal(http, world)
    name = session_cookie_name("acme-en")
    value = http.cookies_for("/portal/acme-en")[name]
    fresh = WsgiClient(make_wsgi_app(world.service))
    junk = f"{name}=junk.value.here; {name}=; {name}={value}"
    assert fresh.get("/portal/acme-en", headers={"Cookie": junk}).status == 200
    https = WsgiClient(make_wsgi_app(world.service), scheme="https")
    open_portal(https, world)
    host = f"__Host-{name}"
    value = https.cookies_for("/portal/acme-en")[host]
    page = fresh.get("/portal/acme-en", headers={"Cookie": f"{host}=junk; {host}={value}"})
    assert page.status == 404  # over http no prefixed cookie counts
    secure = WsgiClient(make_wsgi_app(world.service), scheme="https")
    cookie = f"{host}=junk; other=1; {host}={value}"
    assert secure.get("/portal/acme-en", headers={"Cookie": cookie}).status == 200


def test_the_code_step_flash_and_sign_out_work_with_prefixed_cookies() -> None:
    """Finding 15: over https every cookie of the portal (pending, session, flash) is prefixed,
    and each step still finds its own: the code step, a flash after a wrong code, sign-out."""
    from test_web_access import _code_in_outbox

    from clientportal.web.security import pending_cookie_name

    world = web_world()
    browser = WsgiClient(make_wsgi_app(world.service), scheme="https")
    browser.get(f"/l/{world.link('acme-code', 'anna')}")
    assert {name for name, _ in browser.jar} == {f"__Host-{pending_cookie_name('acme-code')}"}
    page = browser.get("/portal/acme-code/code")
    assert page.status == 200
    token = csrf_of(page)
    assert browser.post("/portal/acme-code/code/send", data={"csrf_token": token}).status == 303
    code = _code_in_outbox(world)
    wrong = "000000" if code != "000000" else "111111"
    refused = browser.post("/portal/acme-code/code", data={"csrf_token": token, "code": wrong})
    assert "__Secure-cp_flash=" in refused.headers["Set-Cookie"]  # Path is the portal's page
    assert "This code is not correct" in browser.get(refused.location or "").text
    admitted = browser.post("/portal/acme-code/code", data={"csrf_token": token, "code": code})
    assert admitted.location == "/portal/acme-code"
    session = f"__Host-{session_cookie_name('acme-code')}"
    assert {name for name, _ in browser.jar} == {session}
    overview = browser.get("/portal/acme-code")
    assert overview.status == 200
    out = browser.post("/portal/acme-code/sign-out", data={"csrf_token": csrf_of(overview)})
    assert out.status == 303
    assert {name for name, _ in browser.jar} == set()
    assert browser.get("/portal/acme-code").status == 404


def test_a_junk_pending_cookie_sent_first_does_not_shadow_the_code_step() -> None:
    """Finding 15, the code step: a junk pending cookie planted before the real one changes
    nothing; junk alone is the 404 page."""
    from clientportal.web.security import pending_cookie_name

    world = web_world()
    browser = WsgiClient(make_wsgi_app(world.service))
    browser.get(f"/l/{world.link('acme-code', 'anna')}")
    name = pending_cookie_name("acme-code")
    value = browser.cookies_for("/portal/acme-code")[name]
    fresh = WsgiClient(make_wsgi_app(world.service))
    planted = f"{name}=junk.value.here; {name}={value}"
    assert fresh.get("/portal/acme-code/code", headers={"Cookie": planted}).status == 200
    alone = f"{name}=junk.value.here"
    assert fresh.get("/portal/acme-code/code", headers={"Cookie": alone}).status == 404


def test_a_planted_junk_cookie_does_not_spend_the_visitors_own_budget() -> None:
    """Finding 15 (second look): every value of a repeated session cookie is tried, but only
    the last one tried counts against the visitor's failure budget — a junk value planted before
    a good session no longer locks its visitor out after a few pages. Junk alone still counts."""
    world = web_world(limiter_capacity=5)
    http = WsgiClient(make_wsgi_app(world.service))
    open_portal(http, world)
    name = session_cookie_name("acme-en")
    value = http.cookies_for("/portal/acme-en")[name]
    fresh = WsgiClient(make_wsgi_app(world.service))
    planted = f"{name}=junk.value.here; {name}={value}"
    statuses = [fresh.get("/portal/acme-en", headers={"Cookie": planted}).status for _ in range(12)]
    assert statuses == [200] * 12
    alone = f"{name}=junk.value.here"
    junk = [fresh.get("/portal/acme-en", headers={"Cookie": alone}).status for _ in range(6)]
    assert junk == [404] * 6
    assert fresh.get("/portal/acme-en", headers={"Cookie": planted}).status == 404  # spent
