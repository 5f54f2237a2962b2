"""Helpers of the web tests: an in-process WSGI client with a cookie jar (real WSGI round trips,
checked by ``wsgiref.validate``) and the steps a browser takes. The world the tests run in is
:class:`worlds.WebWorld`."""

from __future__ import annotations

import io
import json as jsonlib
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit
from wsgiref.validate import validator

from attrs import define, field

from clientportal.web.http import Headers
from worlds import WebWorld


@define
class Result:
    """What the client got back."""

    status: int
    headers: Headers
    body: bytes
    chunks: int = 1

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


def _path_matches(cookie_path: str, request_path: str) -> bool:
    if cookie_path == request_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


@define
class WsgiClient:
    """Drives a WSGI app in process like a browser would: cookies by name and path, ``Secure``
    only over https, redirects followed on request. Every exchange goes through
    ``wsgiref.validate`` so the app is checked against PEP 3333 as well."""

    app: Any
    script_name: str = ""
    scheme: str = "http"
    remote_addr: str = "203.0.113.5"
    jar: dict[tuple[str, str], tuple[str, bool]] = field(factory=dict)

    def cookies_for(self, path: str) -> dict[str, str]:
        found = {}
        for (name, cpath), (value, secure) in sorted(self.jar.items(), key=lambda i: -len(i[0][1])):
            if secure and self.scheme != "https":
                continue
            if _path_matches(cpath, path) and name not in found:
                found[name] = value
        return found

    def _store(self, set_cookie: str) -> None:
        parts = [p.strip() for p in set_cookie.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {p.split("=", 1)[0].lower(): [*p.split("=", 1), ""][1] for p in parts[1:]}
        path = attrs.get("path", "/")
        if attrs.get("max-age") == "0":
            self.jar.pop((name, path), None)
        else:
            self.jar[(name, path)] = (value, "secure" in attrs)

    def request(
        self,
        method: str,
        url: str,
        *,
        data: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        json: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        follow: bool = False,
        content_length: str | None = None,
    ) -> Result:
        parts = urlsplit(url)
        path = parts.path
        headers = dict(headers or {})
        if data is not None:
            body = urlencode(
                list(data.items()) if isinstance(data, Mapping) else list(data)
            ).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif json is not None:
            body = jsonlib.dumps(json).encode()
            headers.setdefault("Content-Type", "application/json")
        body = body or b""
        assert path.startswith(self.script_name), (path, self.script_name)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": self.script_name,
            "PATH_INFO": unquote(path[len(self.script_name) :]).encode().decode("latin-1"),
            "QUERY_STRING": parts.query,
            "SERVER_NAME": "portal.test",
            "SERVER_PORT": "443" if self.scheme == "https" else "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if body or method == "POST":
            environ["CONTENT_LENGTH"] = content_length or str(len(body))
        for key, value in headers.items():
            name = key.upper().replace("-", "_")
            if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[name] = value
            else:
                environ["HTTP_" + name] = value
        cookies = self.cookies_for(path)
        if cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        captured: dict[str, Any] = {}

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = Headers(response_headers)
            return lambda data: None

        iterable = validator(self.app)(environ, start_response)
        chunks = []
        try:
            for chunk in iterable:
                chunks.append(chunk)
        finally:
            iterable.close()  # type: ignore[attr-defined]
        result = Result(captured["status"], captured["headers"], b"".join(chunks), len(chunks))
        for cookie in result.headers.get_all("Set-Cookie"):
            self._store(cookie)
        if follow and result.status in (301, 302, 303, 307, 308) and result.location:
            return self.request("GET", result.location, follow=True)
        return result

    def get(self, url: str, **kw: Any) -> Result:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Result:
        return self.request("POST", url, **kw)


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: Result) -> str:
    """The CSRF token of the first form on ``page``."""
    found = CSRF_INPUT.search(page.text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def open_portal(
    client: WsgiClient, world: WebWorld, portal_id: str = "acme-en", contact_id: str | None = "bob"
) -> Result:
    """Open a new link of ``portal_id`` in ``client`` and follow it to the overview."""
    token = world.link(portal_id, contact_id)
    return client.get(f"{client.script_name}/l/{token}", follow=True)
