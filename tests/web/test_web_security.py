"""Security on every response: the headers, CSRF on every POST, no state change on GET, and a
plain 500 that tells nothing when something breaks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from webtools import WsgiClient, csrf_of, open_portal

from clientportal.ports import DataSource
from clientportal.web import PortalApp, make_wsgi_app
from clientportal.web.http import Request
from clientportal.web.security import STATIC_CACHE_CONTROL
from worlds import WebWorld, web_world

REQUIRED = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def assert_secure(result: Any, *, cacheable: bool = False) -> None:
    for name, value in REQUIRED.items():
        assert result.headers.get(name) == value, name
    csp = result.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    expected = STATIC_CACHE_CONTROL if cacheable else "no-store"
    assert result.headers["Cache-Control"] == expected


def every_get_url(app: PortalApp) -> list[str]:
    """A URL for every GET route of the app (placeholders filled with real values)."""
    values = {"portal_id": "acme-en", "document_id": "i1", "token": "x", "name": "portal.css"}
    values["quote_id"] = "q1"  # issue 15: a quote's decision page
    values["signoff_id"] = "no-such-signoff"  # issue 15: a certificate's download (404)
    urls = []
    for route in app.routes:
        if route.method != "GET":
            continue
        filled = {p: values[p] for p in route.params}
        if route.name in ("quote_file", "api_quote_file"):
            filled["document_id"] = "q1"
        urls.append(route.build(**filled))
    return urls


def test_every_response_carries_the_security_headers(world: WebWorld) -> None:
    app = PortalApp(world.service)
    client = WsgiClient(make_wsgi_app(app))
    assert_secure(client.get("/l/unknown"))  # before any session
    assert_secure(open_portal(client, world))
    statuses = set()
    for url in every_get_url(app):
        result = client.get(url)
        statuses.add(result.status)
        assert result.status < 500, url
        assert_secure(result, cacheable=False)
    assert statuses >= {200, 404}
    redirect = client.get(f"/l/{world.link()}")
    assert redirect.status == 303
    assert_secure(redirect)
    for result in (
        client.get("/portal/acme-en/hours?from=bad"),  # 400
        client.post("/portal/acme-en/approvals", data={}),  # 403
        client.request("DELETE", "/portal/acme-en"),  # 405
        client.get("/nothing"),  # 404
        client.get("/api/nothing"),  # 404 JSON
        client.request("HEAD", "/portal/acme-en"),
    ):
        assert_secure(result)


def test_versioned_static_files_are_cached_and_others_are_not(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    page = open_portal(client, world).text

    for url in re.findall(r'(?:href|src)="(/(?:static/[^"]+|theme\.css[^"]*))"', page):
        result = client.get(url.replace("&amp;", "&"))
        assert result.status == 200, url
        assert_secure(result, cacheable=True)
        assert result.headers["Content-Type"].startswith(("text/css", "text/javascript"))
    assert_secure(client.get("/static/portal.css"))  # unversioned: not cached
    assert client.get("/static/../app.py").status == 404
    assert client.get("/static/nope.css").status == 404


def test_pages_use_no_inline_script_style_or_third_party_origin(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world)
    for url in ("/portal/acme-en", "/portal/acme-en/hours", "/portal/acme-en/approvals"):
        html = client.get(url).text
        assert "<script>" not in html
        assert "<style" not in html
        assert " style=" not in html
        assert " on" + "click=" not in html
        assert "http://" not in html
        assert "https://" not in html


def test_every_post_route_needs_the_csrf_token(world: WebWorld) -> None:
    app = PortalApp(world.service)
    client = WsgiClient(make_wsgi_app(app))
    page = open_portal(client, world)
    posts = [r for r in app.routes if r.method == "POST"]
    assert {r.name for r in posts} == {
        "decide",
        "verify_code",
        "send_code",
        "sign_out",
        "api_decide",
        "undo",  # issue 15, H2
        "decide_quote",  # issue 15, H6
        "act_decide",  # issue 15, H3: an action link's POST (its token in the path)
        "act_code",  # issue 15, H3
        "act_open",  # issue 15, H3
        "sign_off_period",  # issue 15: a week's or month's sign-off
    }
    other = WsgiClient(make_wsgi_app(app))
    foreign = csrf_of(open_portal(other, world, "acme-en", "anna"))
    form = [("action", "approve"), ("entry", "1:p1"), ("code", "123456")]
    for route in posts:
        url = route.build(
            **{p: {"portal_id": "acme-en", "quote_id": "q1"}.get(p, "x") for p in route.params}
        )
        for token in (None, "", "not-a-token", foreign):
            data = form if token is None else [("csrf_token", token), *form]
            headers = {} if token is None else {"X-CSRF-Token": token}
            if route.api:
                result = client.post(
                    url, json={"action": "APPROVE", "entries": [{"id": "p1", "version": 1}]},
                    headers=headers,
                )  # fmt: skip
            else:
                result = client.post(url, data=data)
            assert result.status in (403, 404), (route.name, token, result.status)
            assert_secure(result)
    assert not world.store.history("p1")
    assert not world.store.pending()
    # The right token works, and the session is still there.
    assert client.get("/portal/acme-en").status == 200
    ok = client.post(
        "/portal/acme-en/approvals",
        data=[("csrf_token", csrf_of(page)), ("action", "approve"), ("entry", "1:p1")],
    )
    assert ok.status == 303


def test_get_never_changes_approvals_or_sends_mail(world: WebWorld) -> None:
    app = PortalApp(world.service)
    client = WsgiClient(make_wsgi_app(app))
    open_portal(client, world)
    for url in every_get_url(app):
        client.get(url + "?action=approve&entry=1:p1&one=approve:1:p1&csrf_token=x")
    for entry_id in ("p1", "p2", "p3", "p4"):
        assert not world.store.history(entry_id)
    assert not world.store.pending()


def _break(data: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every answer of a DataSource fail, as a host database that went away."""

    def fail(*args: object, **kwargs: object) -> Any:
        raise RuntimeError("database is down: password=hunter2")

    for name in dir(DataSource):
        if not name.startswith("_"):
            monkeypatch.setattr(data, name, fail)


def test_an_unexpected_failure_is_a_plain_500_that_leaks_nothing(
    world: WebWorld, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world)
    _break(world.data, monkeypatch)
    page = client.get("/portal/acme-en")
    assert page.status == 500
    assert_secure(page)
    assert "Something went wrong" in page.text
    assert "hunter2" not in page.text
    assert "Traceback" not in page.text
    api = client.get("/api/portals/acme-en")
    assert api.status == 500
    assert api.headers["Content-Type"] == "application/problem+json"
    assert api.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "the portal failed; try again later",
        "code": "error",
        "errors": [],
    }
    assert "database is down" in caplog.text


def test_handle_never_raises_even_on_a_broken_error_page(world: WebWorld, tmp_path: Any) -> None:
    (tmp_path / "message.html").write_text("{{ undefined_thing.attribute }}")
    app = PortalApp(world.service, template_dirs=[tmp_path])
    response = app.handle(Request(method="GET", path="/nothing"))
    assert response.status == 500
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.body == b"The portal failed; try again later."


def test_rate_limited_api_answers_429_json() -> None:
    world = web_world(limiter_capacity=1)
    client = WsgiClient(make_wsgi_app(world.service))
    assert client.get("/l/bad").status == 404
    limited = client.get("/l/bad")
    assert limited.status == 429
    assert_secure(limited)
