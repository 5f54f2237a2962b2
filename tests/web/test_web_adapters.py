"""The adapters: WSGI and ASGI serve the same portal, honour where they are mounted (SCRIPT_NAME,
root_path, a prefix of their own), stream CSV, and never let a bad request through."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import pytest
from webtools import WsgiClient, open_portal

from clientportal.web import PortalApp, make_asgi_app, make_wsgi_app
from clientportal.web.asgi import request_from_scope
from clientportal.web.http import Headers
from worlds import WebWorld, web_world


class AsgiClient:
    """Drives an ASGI app in process: one event loop per request, cookies kept by name."""

    def __init__(self, app: Any, *, root_path: str = "", full_path: bool = True) -> None:
        self.app = app
        self.root_path = root_path
        self.full_path = full_path
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, *, body: bytes = b"", headers: Mapping[str, str] = {}
    ) -> tuple[int, Headers, bytes, int]:
        path, _, query = path.partition("?")
        header_list = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if self.cookies:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            header_list.append((b"cookie", cookie.encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": (self.root_path + path) if self.full_path else path,
            "root_path": self.root_path,
            "query_string": query.encode(),
            "headers": header_list,
            "client": ("203.0.113.9", 5000),
            "server": ("portal.test", 80),
        }
        chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)] or [b""]
        incoming = [
            {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
            for i, c in enumerate(chunks)
        ]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return incoming.pop(0) if incoming else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        start = sent[0]
        assert start["type"] == "http.response.start"
        response_headers = Headers((k.decode(), v.decode()) for k, v in start["headers"])
        bodies = [m for m in sent[1:] if m["type"] == "http.response.body"]
        assert bodies[-1].get("more_body", False) is False
        for value in response_headers.get_all("set-cookie"):
            name, _, rest = value.partition("=")
            cookie_value = rest.split(";")[0]
            if "Max-Age=0" in value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = cookie_value
        return start["status"], response_headers, b"".join(m["body"] for m in bodies), len(bodies)


@pytest.mark.parametrize("full_path", [True, False])
def test_asgi_serves_the_portal_under_its_root_path(world: WebWorld, full_path: bool) -> None:
    client = AsgiClient(make_asgi_app(world.service), root_path="/mount", full_path=full_path)
    status, headers, _, _ = client.request("GET", f"/l/{world.link()}")
    assert status == 303
    assert headers["location"] == "/mount/portal/acme-en"
    assert "Path=/mount;" in headers["set-cookie"]
    status, headers, body, _ = client.request("GET", "/portal/acme-en")
    assert status == 200
    assert headers["x-frame-options"] == "DENY"
    assert b'href="/mount/portal/acme-en/hours"' in body
    status, _, body, _ = client.request("GET", "/portal/acme-en/approvals")
    token = body.split(b'name="csrf_token" value="')[1].split(b'"')[0].decode()
    status, headers, _, _ = client.request(
        "POST",
        "/portal/acme-en/approvals",
        body=f"csrf_token={token}&action=approve&entry=1:p1".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert status == 303
    assert headers["location"] == "/mount/portal/acme-en/approvals"
    assert "Path=/mount/portal/acme-en;" in headers["set-cookie"]  # the one-time message
    status, _, body, _ = client.request("GET", "/portal/acme-en/approvals")
    assert b"1 time entry approved." in body


def test_asgi_streams_the_csv_in_several_messages() -> None:
    world = web_world(extra_entries=3000)
    client = AsgiClient(make_asgi_app(world.service))
    client.request("GET", f"/l/{world.link()}")
    status, headers, body, messages = client.request("GET", "/portal/acme-en/hours.csv")
    assert status == 200
    assert "content-length" not in headers
    assert messages > 2
    assert body.decode().count("\r\n") == 1 + 3009


def test_asgi_refuses_oversized_bodies_and_answers_head_without_a_body(world: WebWorld) -> None:
    client = AsgiClient(make_asgi_app(world.service, max_body=2048))
    client.request("GET", f"/l/{world.link()}")
    status, _, body, _ = client.request(
        "POST",
        "/portal/acme-en/approvals",
        body=b"x" * 5000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert status == 413
    assert b"could not be read" in body  # in words for people; the API names the limit
    status, headers, body, _ = client.request("HEAD", "/portal/acme-en")
    assert status == 200
    assert body == b""
    assert int(headers["content-length"]) > 1000


def test_asgi_acknowledges_lifespan_and_closes_websockets(world: WebWorld) -> None:
    app = make_asgi_app(world.service)
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return messages.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def serve(scope: dict[str, Any]) -> None:
        await app(scope, receive, send)

    asyncio.run(serve({"type": "lifespan"}))
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    sent.clear()
    asyncio.run(serve({"type": "websocket", "path": "/"}))
    assert sent == [{"type": "websocket.close", "code": 1000}]


def test_request_from_scope_strips_only_a_real_root_path() -> None:
    scope = {"type": "http", "method": "GET", "path": "/mountain", "root_path": "/mount"}
    assert request_from_scope(scope, b"").path == "/mountain"
    scope["path"] = "/mount"
    assert request_from_scope(scope, b"").path == "/"


def test_wsgi_prefix_and_script_name_together(world: WebWorld) -> None:
    app = make_wsgi_app(world.service, prefix="/portal-app")
    client = WsgiClient(app, script_name="/host")
    page = client.get(f"/host/portal-app/l/{world.link()}", follow=True)
    assert page.status == 200
    assert 'href="/host/portal-app/static/portal.css?v=' in page.text
    assert 'action="/host/portal-app/portal/acme-en/sign-out"' in page.text
    # Outside the prefix there is nothing.
    assert client.get("/host/other").status == 404
    assert client.get("/host/portal-appx/l/x").status == 404


def test_a_trailing_slash_redirects_to_the_page(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service, prefix="/cp"), script_name="/host")
    moved = client.get("/host/cp/portal/acme-en/hours/?employee=eva")
    assert moved.status == 308
    assert moved.location == "/host/cp/portal/acme-en/hours?employee=eva"
    assert client.get("/host/cp/nothing/").status == 404
    assert client.post("/host/cp/portal/acme-en/approvals/", data={}).status == 404


def test_one_portal_app_serves_both_adapters(world: WebWorld) -> None:
    app = PortalApp(world.service, prefix="/p")
    wsgi = make_wsgi_app(app)
    asgi = make_asgi_app(app)
    assert wsgi.portal_app is app  # type: ignore[attr-defined]
    assert asgi.portal_app is app  # type: ignore[attr-defined]
    browser = WsgiClient(wsgi)
    assert open_portal(browser, world, "acme-en", "bob").status == 404  # served under /p only
    assert browser.get(f"/p/l/{world.link()}", follow=True).status == 200
    with pytest.raises(TypeError, match="give prefix and options to PortalApp"):
        make_wsgi_app(app, prefix="/x")
    with pytest.raises(TypeError, match="give prefix and options to PortalApp"):
        make_asgi_app(app, max_body=5000)


def test_importing_clientportal_does_not_import_jinja2() -> None:
    code = (
        "import sys, clientportal, clientportal.service; "
        "assert 'jinja2' not in sys.modules, 'jinja2 imported'; "
        "import clientportal.web; assert 'jinja2' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
