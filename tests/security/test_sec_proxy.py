"""Finding 5: behind a TLS proxy, the portal must know each client's address and the scheme, from
the proxy only.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are honoured only when the direct peer is a trusted
proxy (the client is the right-most address not in the trusted set); ``secure_cookies`` and
``hsts`` make the cookies ``Secure`` and the answers strict-transport while the proxy speaks http
to the portal. Checked on the WSGI app and on a real ``clientportal serve`` subprocess.
"""

from __future__ import annotations

import http.client
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from webtools import WsgiClient

from clientportal.web import PortalApp, make_wsgi_app
from worlds import web_world

PROXY = "10.0.0.2"
BAD = "/l/not-a-token"
HSTS = "max-age=31536000; includeSubDomains"


def _bad_opens(client: WsgiClient, forwarded_for: str, count: int) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for}
    return [client.get(BAD, headers=headers).status for _ in range(count)]


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    """Finding 5: a client that is not the proxy cannot pick its address: 20 failed opens, each
    with another X-Forwarded-For, all count against its own address."""
    world = web_world(limiter_capacity=20)
    client = WsgiClient(make_wsgi_app(world.service, trusted_proxies=[PROXY]))
    client.remote_addr = "203.0.113.9"
    statuses = [client.get(BAD, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status
                for i in range(20)]  # fmt: skip
    assert statuses == [404] * 20
    assert _bad_opens(client, "198.51.100.77", 1) == [429]


def test_forwarded_clients_of_the_trusted_proxy_have_their_own_limits() -> None:
    """Finding 5: through the trusted proxy, 20 failed opens of one forwarded client block that
    client, not another one behind the same proxy; the right-most untrusted address counts (a
    client cannot prepend a fake one). The clients are in different networks: the gate also
    budgets each /24."""
    world = web_world(limiter_capacity=20)
    client = WsgiClient(make_wsgi_app(world.service, trusted_proxies=["10.0.0.0/8"]))
    client.remote_addr = PROXY
    assert _bad_opens(client, "1.2.3.4, 198.51.100.7", 20) == [404] * 20
    assert _bad_opens(client, "198.51.100.7", 1) == [429]
    assert _bad_opens(client, "5.6.7.8, 198.51.100.7, 10.1.1.1", 1) == [429]  # inner proxy
    assert _bad_opens(client, "203.0.113.8", 1) == [404]
    opened = client.get(f"/l/{world.link()}", headers={"X-Forwarded-For": "203.0.113.8"})
    assert opened.status == 303


def test_forwarded_proto_only_from_the_proxy_and_hsts() -> None:
    """Finding 5: ``X-Forwarded-Proto: https`` from the proxy makes the cookie ``Secure`` and adds
    Strict-Transport-Security; from anybody else it changes nothing; plain http never gets HSTS
    unless secure cookies are forced."""
    world = web_world()
    app = PortalApp(world.service, trusted_proxies=[PROXY], hsts=True)
    https = {"X-Forwarded-Proto": "https"}
    proxied = WsgiClient(make_wsgi_app(app), remote_addr=PROXY)
    opened = proxied.get(f"/l/{world.link()}", headers=https)
    assert "; Secure" in opened.headers["Set-Cookie"]
    assert opened.headers.get("Strict-Transport-Security") == HSTS
    spoofed = WsgiClient(make_wsgi_app(app), remote_addr="203.0.113.9")
    opened = spoofed.get(f"/l/{world.link()}", headers=https)
    assert "Secure" not in opened.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in opened.headers
    forced = PortalApp(world.service, secure_cookies=True, hsts=True)
    opened = WsgiClient(make_wsgi_app(forced)).get(f"/l/{world.link()}")
    assert "; Secure" in opened.headers["Set-Cookie"]
    assert opened.headers.get("Strict-Transport-Security") == HSTS


def test_bad_trusted_proxies_are_refused() -> None:
    """Finding 5: a trusted proxy that is not an address or network is a configuration error."""
    from clientportal import ConfigError

    with pytest.raises(ConfigError, match="trusted_proxies"):
        PortalApp(web_world().service, trusted_proxies=["proxy.example"])


# -- through `clientportal serve` ------------------------------------------------------------------

pytest.importorskip("click", reason="the CLI needs click (the cli extra)")
pytest.importorskip("sqlalchemy", reason="the CLI needs SQLAlchemy (the sql extra)")
pytest.importorskip("waitress", reason="serve needs waitress (the web extra)")

from cli.running import demo_database, run, start  # noqa: E402
from servers import serving  # noqa: E402


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    return demo_database(tmp_path)


def _serve(db: str, *options: str) -> AbstractContextManager[int]:
    return serving(start("--db", db, "serve", "--port", "0", *options))


def _get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_serve_ignores_forwarded_for_without_a_trusted_proxy(demo_db: str) -> None:
    """Finding 5: ``clientportal serve`` without ``--trusted-proxy`` (or with another proxy)
    counts a spoofing client's failed opens against its own address."""
    with _serve(demo_db, "--trusted-proxy", "10.9.9.9") as port:
        statuses = [_get(port, BAD, X_Forwarded_For=f"198.51.100.{i}").status for i in range(20)]
        assert statuses == [404] * 20
        assert _get(port, BAD, X_Forwarded_For="198.51.100.99").status == 429


def test_serve_behind_a_trusted_proxy(demo_db: str) -> None:
    """Finding 5: ``serve --trusted-proxy 127.0.0.1 --secure-cookies --hsts``: two forwarded
    clients (of different networks) have their own rate limits, and a link opened through the
    proxy sets a ``Secure`` ``__Host-`` cookie with Strict-Transport-Security."""
    code, out, _ = run(demo_db, "link", "issue", "northwind", "--contact", "olivia")
    assert code == 0
    token_path = out.strip().split("/open/")[1]
    options = ("--trusted-proxy", "127.0.0.1", "--secure-cookies", "--hsts")
    with _serve(demo_db, *options) as port:
        first = [_get(port, BAD, X_Forwarded_For="198.51.100.7").status for _ in range(20)]
        assert first == [404] * 20
        assert _get(port, BAD, X_Forwarded_For="198.51.100.7").status == 429
        assert _get(port, BAD, X_Forwarded_For="203.0.113.8").status == 404
        opened = _get(
            port, f"/open/{token_path}", X_Forwarded_For="203.0.113.8", X_Forwarded_Proto="https"
        )
        assert opened.status == 303
        cookie = opened.headers["Set-Cookie"]
        assert cookie.startswith("__Host-cp_session_")
        assert "; Secure" in cookie
        assert opened.headers["Strict-Transport-Security"] == HSTS


def test_serve_help_names_the_proxy_options() -> None:
    """Finding 5: the options are documented where an operator looks."""
    code, out, _ = run("sqlite://", "serve", "--help")
    assert code == 0
    for option in ("--trusted-proxy", "--secure-cookies", "--hsts"):
        assert option in out
