"""Finding 3: the trailing-slash redirect must not copy the decoded path into ``Location``.

``/portal/%C4%A5/`` and ``/portal/%0D%0ASet-Cookie:%20x=1/`` are sent over a raw socket to a real
waitress and a real uvicorn server (each in a thread, on a free port): the answer is a redirect
(or 404) whose headers are clean ASCII, never a 500, an empty reply or an injected header. And the
response layer itself refuses CR, LF and NUL in a header.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from clientportal.web import make_asgi_app, make_wsgi_app
from clientportal.web.http import Response
from servers import on_uvicorn, on_waitress
from worlds import web_world

NASTY = [
    ("/portal/%C4%A5/", "/portal/%C4%A5"),
    ("/portal/%0D%0ASet-Cookie:%20x=1/", "/portal/%0D%0ASet-Cookie:%20x=1"),
    ("/portal/a%00b/?q=%0D%0A", "/portal/a%00b?q=%0D%0A"),
    ("/portal/100%25/", "/portal/100%25"),
]


def _exchange(port: int, target: str) -> bytes:
    """Send ``GET target`` as raw bytes; everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: portal.test\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


SERVERS: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
    ("waitress", make_wsgi_app, on_waitress),
    ("uvicorn", make_asgi_app, on_uvicorn),
]


@pytest.mark.parametrize(("name", "make", "serve"), SERVERS, ids=[s[0] for s in SERVERS])
def test_trailing_slash_redirects_are_clean_on_real_servers(
    name: str, make: Callable[[Any], Any], serve: Callable[[Any], Any]
) -> None:
    """Finding 3: a trailing-slash URL with non-ASCII, CR/LF or NUL in its path answers a 308 to
    the same path, percent-encoded, with ASCII headers only: no 500, no empty reply, no header
    of the attacker's."""
    world = web_world()
    with serve(make(world.service)) as port:
        for target, location in NASTY:
            raw = _exchange(port, target)
            assert raw, f"{name} gave an empty reply to {target}"
            head, _, _ = raw.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            status = int(lines[0].split()[1])
            assert status in (308, 404), (target, lines[0])
            head.decode("ascii")  # every header is ASCII
            names = [line.split(b":", 1)[0].lower() for line in lines[1:]]
            assert b"set-cookie" not in names, (target, head)
            assert all(b"\x00" not in line for line in lines)
            if status == 308:
                (found,) = [line for line in lines[1:] if line.lower().startswith(b"location:")]
                assert found.split(b":", 1)[1].strip().decode() == location


def test_the_response_refuses_cr_lf_and_nul_in_headers() -> None:
    """Finding 3, at the root: a header value (or name) with CR, LF or NUL cannot be put on a
    response, however it is added."""
    for bad in ("/a\r\nSet-Cookie: x=1", "/a\nb", "/a\rb", "/a\x00b"):
        with pytest.raises(ValueError, match="header"):
            Response.redirect(bad)
        response = Response()
        with pytest.raises(ValueError, match="header"):
            response.headers.add("X-Test", bad)
        with pytest.raises(ValueError, match="header"):
            response.headers.set("X-Test", bad)
        with pytest.raises(ValueError, match="header"):
            Response(headers=[("X-Test", bad)])
        with pytest.raises(ValueError, match="header"):
            response.set_cookie("name", bad)
    with pytest.raises(ValueError, match="header"):
        Response(headers=[("X-Te\r\nst", "1")])
    with pytest.raises(ValueError, match="header"):
        Response(headers=[("X-Test", "caf\u0125")])  # not even Latin-1: no server can send it
