"""Serve the portal as a WSGI application (PEP 3333): waitress, gunicorn, mod_wsgi, or inside a
host framework that speaks WSGI.

:func:`make_wsgi_app` wraps a :class:`~clientportal.web.app.PortalApp` in a ~30-line closure.
The app honours ``SCRIPT_NAME`` (where a server or dispatcher mounted it) and may also be given
a ``prefix`` of its own; links, redirects and cookies use both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

from .app import PortalApp
from .http import DEFAULT_MAX_BODY, BodyTooLarge, Headers, Request, read_limited

if TYPE_CHECKING:
    from ..service import PortalService

__all__ = ["WSGIApp", "make_wsgi_app", "request_from_environ"]

StartResponse: TypeAlias = Callable[..., Any]
#: A WSGI application callable.
WSGIApp: TypeAlias = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _wsgi_str(value: object) -> str:
    """A WSGI "native string" (bytes smuggled as latin-1) as the UTF-8 text it carries."""
    text = str(value or "")
    try:
        return text.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text


@functools.lru_cache(maxsize=1024)
def _header_name(key: str) -> str:
    """The header an ``HTTP_*`` key of the environ stands for (``HTTP_ACCEPT_LANGUAGE`` is
    ``Accept-Language``)."""
    return key[5:].replace("_", "-").title()


def request_from_environ(environ: dict[str, Any], *, max_body: int = DEFAULT_MAX_BODY) -> Request:
    """The :class:`Request` a WSGI ``environ`` describes; the body is read up to ``max_body``."""
    headers = Headers()
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.add(_header_name(key), str(value))
    if environ.get("CONTENT_TYPE"):
        headers.add("Content-Type", str(environ["CONTENT_TYPE"]))
    if environ.get("CONTENT_LENGTH"):
        headers.add("Content-Length", str(environ["CONTENT_LENGTH"]))
    too_large = False
    body = b""
    length: int | None
    try:
        length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
    except ValueError:
        length = 0
    if not length and environ.get("wsgi.input_terminated"):
        length = None  # a chunked body the server has delimited: read it up to the limit
    stream = environ.get("wsgi.input")
    if stream is not None and length != 0:
        try:
            body = read_limited(stream, length, max_body)
        except BodyTooLarge:
            too_large = True
    path = _wsgi_str(environ.get("PATH_INFO")) or "/"
    return Request(
        method=str(environ.get("REQUEST_METHOD", "GET")),
        path=path if path.startswith("/") else "/" + path,
        query_string=_wsgi_str(environ.get("QUERY_STRING")),
        headers=headers,
        body=body,
        remote_addr=str(environ.get("REMOTE_ADDR") or ""),
        scheme=str(environ.get("wsgi.url_scheme") or "http"),
        script_name=_wsgi_str(environ.get("SCRIPT_NAME")),
        body_too_large=too_large,
    )


class _Body:
    """The response body for the server; ``close()`` reaches a streaming generator."""

    def __init__(self, chunks: Iterator[bytes], close: Callable[[], None]) -> None:
        self._chunks = chunks
        self.close = close

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks


def make_wsgi_app(
    service: PortalService | PortalApp, *, prefix: str = "", **options: Any
) -> WSGIApp:
    """A WSGI application serving the portal of ``service``.

    ``prefix`` is a path the app lives under inside the WSGI mount (``"/portal"``); the mount
    itself (``SCRIPT_NAME``) is honoured as well. Other ``options`` are passed on to
    :class:`~clientportal.web.app.PortalApp` (``theme``, ``template_dirs``, ``max_body``, ...).
    Pass a ready :class:`PortalApp` instead of a service to share one between adapters.
    """
    app = (
        service if isinstance(service, PortalApp) else PortalApp(service, prefix=prefix, **options)
    )
    if isinstance(service, PortalApp) and (prefix or options):
        raise TypeError("give prefix and options to PortalApp(...) when passing a PortalApp")

    def wsgi_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = app.handle(request_from_environ(environ, max_body=app.max_body))
        start_response(response.status_line, response.headers.items())
        if environ.get("REQUEST_METHOD", "GET").upper() == "HEAD":
            response.close()
            return []
        return _Body(response.iter_body(), response.close)

    wsgi_app.portal_app = app  # type: ignore[attr-defined]
    return wsgi_app
