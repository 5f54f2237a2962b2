"""Finding 1: a valid link token must never reach a log line.

When the portal fails while a link is being opened, its own error log names the request without
the token; and :class:`clientportal.redaction.RedactTokens`, the filter a host puts on its server's
loggers, takes tokens out of uvicorn's access log and werkzeug's request log (real servers, real
records).
"""

from __future__ import annotations

import http.client
import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from webtools import WsgiClient

from clientportal.web import make_asgi_app, make_wsgi_app
from servers import on_uvicorn
from worlds import WebWorld, web_world


@pytest.fixture
def world() -> WebWorld:
    return web_world()


def _broken_store(world: WebWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store fails once the token has been read and the link found (a database gone away)."""

    def down(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(world.store, "mark_link_used", down)


def test_a_failure_while_opening_a_link_logs_no_token(
    world: WebWorld, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Finding 1: the portal's error log names a failing link request without its token, for
    every URL that carries one (``/l/<token>``, the e-mail's ``/open/<token>?next=...``)."""
    _broken_store(world, monkeypatch)
    client = WsgiClient(make_wsgi_app(world.service))
    tokens = []
    with caplog.at_level(logging.DEBUG):
        for url in ("/l/{}", "/open/{}", "/open/{}?next=approvals"):
            token = world.link()
            tokens.append(token)
            assert client.get(url.format(token)).status == 500
    failures = [r for r in caplog.records if r.name == "clientportal.web"]
    assert len(failures) == 3
    written = caplog.text + "".join(r.getMessage() for r in caplog.records)
    for token in tokens:
        assert token not in written
        assert token.split(".")[-1] not in written  # not even its signature
    assert "/l/" in failures[0].getMessage()  # the request is still named


def test_redact_tokens_takes_out_every_spelling_of_a_token(world: WebWorld) -> None:
    """Finding 1: a token is found in a path, a query, percent-encoded, or in running text;
    ordinary paths and dotted names stay as they are."""
    from clientportal.redaction import redact_tokens

    token = world.link()
    dotted = quote(token, safe="").replace(".", "%2E")
    for text in (
        f"GET /l/{token}",
        f"/portal/open/{token}?next=approvals",
        f"/open?token={token}&next=hours",
        f'"GET /l/{dotted} HTTP/1.1" 303 -',
        f"the link {token} failed",
    ):
        redacted = redact_tokens(text)
        assert token not in redacted, redacted
        assert dotted not in redacted, redacted
        assert token.split(".")[-1] not in redacted
        assert "[token]" in redacted
    for plain in ("GET /portal/acme-en/hours?from=2026-01-01", "clientportal.web.app", "v1.2.3"):
        assert redact_tokens(plain) == plain


@contextmanager
def _uvicorn(app: Any, handler: logging.Handler) -> Iterator[int]:
    """``app`` on uvicorn with its access log on, written to ``handler`` too."""
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        with on_uvicorn(app, access_log=True) as port:
            yield port
    finally:
        access.removeHandler(handler)


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_the_filter_redacts_uvicorns_access_log(world: WebWorld) -> None:
    """Finding 1: with ``RedactTokens`` on its handler, uvicorn's access log (whose record args
    hold the path) still logs every request, formatted by uvicorn's own formatter, without the
    token."""
    from clientportal.redaction import RedactTokens

    uvicorn_logging = pytest.importorskip("uvicorn.logging")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(uvicorn_logging.AccessFormatter(use_colors=False))
    handler.addFilter(RedactTokens())
    token = world.link()
    with _uvicorn(make_asgi_app(world.service), handler) as port:
        assert _get(port, f"/open/{token}?next=approvals") == 303
        assert _get(port, f"/l/{quote(token, safe='').replace('.', '%2E')}") == 303
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert token not in out.getvalue()
    assert token.split(".")[-1] not in out.getvalue()
    assert '"GET /open/[token]?next=approvals HTTP/1.1" 303' in lines[0]


def test_the_filter_redacts_werkzeugs_request_log(world: WebWorld) -> None:
    """Finding 1: werkzeug's development server logs the request line as an argument of its
    message; ``RedactTokens`` on the logger takes the token out, raw or percent-encoded."""
    from clientportal.redaction import RedactTokens

    serving = pytest.importorskip("werkzeug.serving")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    log = logging.getLogger("werkzeug")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.addFilter(RedactTokens())
    server = serving.make_server("127.0.0.1", 0, make_wsgi_app(world.service), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="token-logs-werkzeug", daemon=True)
    thread.start()
    token = world.link()
    try:
        assert _get(server.port, f"/l/{token}") == 303
        assert _get(server.port, f"/open/{quote(token, safe='').replace('.', '%2E')}") == 303
    finally:
        server.shutdown()
        thread.join(timeout=10)
        log.removeHandler(handler)
        for f in list(log.filters):
            log.removeFilter(f)
    written = out.getvalue()
    assert written.count("GET /") == 2, written
    assert token not in written
    assert token.split(".")[-1] not in written
    assert "/l/[token]" in written


def test_the_filter_redacts_a_traceback(world: WebWorld) -> None:
    """Finding 1: an exception whose message quotes a token (a server's "Exception while serving
    /l/<token>") is written without it."""
    from clientportal.redaction import RedactTokens

    token = world.link()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactTokens())
    log = logging.getLogger("token-logs-test")
    log.addHandler(handler)
    try:
        try:
            raise ValueError(f"no route for /l/{token}")
        except ValueError:
            log.exception("Exception while serving /l/%s", token)
    finally:
        log.removeHandler(handler)
    assert "ValueError: no route for /l/[token]" in out.getvalue()
    assert token not in out.getvalue()
