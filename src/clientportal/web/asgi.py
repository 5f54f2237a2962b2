"""Serve the portal as an ASGI 3 application: uvicorn, hypercorn, or mounted in Starlette/FastAPI.

The portal's core is synchronous (a host's ``DataSource`` usually is), so :func:`make_asgi_app`
runs each request's handler, and each chunk of a streamed body, in a worker thread of the event
loop's default executor: the event loop never blocks on a database. The app honours the scope's
``root_path`` (where it is mounted) and may be given a ``prefix`` of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, TypeAlias

from .app import PortalApp
from .http import Headers, Request

if TYPE_CHECKING:
    from ..service import PortalService

__all__ = ["ASGIApp", "make_asgi_app", "request_from_scope"]

Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
#: An ASGI 3 application callable.
ASGIApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]

_DONE = object()


def request_from_scope(scope: Scope, body: bytes, *, body_too_large: bool = False) -> Request:
    """The :class:`Request` an ASGI HTTP ``scope`` describes, with its (already read) ``body``.

    ``scope["path"]`` may or may not include ``root_path`` (servers differ); it is stripped
    when it does.
    """
    root = str(scope.get("root_path") or "").rstrip("/")
    path = str(scope.get("path") or "/")
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root) :] or "/"
    headers = Headers(
        (bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
        for k, v in scope.get("headers") or ()
    )
    client = scope.get("client")
    query = scope.get("query_string") or b""
    return Request(
        method=str(scope.get("method") or "GET"),
        path=path if path.startswith("/") else "/" + path,
        query_string=bytes(query).decode("utf-8", "replace"),
        headers=headers,
        body=body,
        remote_addr=str(client[0]) if client else "",
        scheme=str(scope.get("scheme") or "http"),
        script_name=root,
        body_too_large=body_too_large,
    )


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The request body, or ``(b"", True)`` once it grows over ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            return b"".join(chunks), size > limit
        chunk = bytes(message.get("body") or b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        if not message.get("more_body"):
            break
    if size > limit:
        return b"", True
    return b"".join(chunks), False


def make_asgi_app(
    service: PortalService | PortalApp, *, prefix: str = "", **options: Any
) -> ASGIApp:
    """An ASGI application serving the portal of ``service``.

    ``prefix`` and ``options`` are as for :func:`~clientportal.web.wsgi.make_wsgi_app`; pass a
    ready :class:`PortalApp` instead of a service to share one between adapters. Lifespan
    events are acknowledged; websockets are refused.
    """
    app = (
        service if isinstance(service, PortalApp) else PortalApp(service, prefix=prefix, **options)
    )
    if isinstance(service, PortalApp) and (prefix or options):
        raise TypeError("give prefix and options to PortalApp(...) when passing a PortalApp")

    async def asgi_app(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            while True:
                message = await receive()
                if message.get("type") == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message.get("type") == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if kind != "http":
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            return
        body, too_large = await _read_body(receive, app.max_body)
        request = request_from_scope(scope, body, body_too_large=too_large)
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(None, app.handle, request)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [
                    (k.lower().encode("latin-1"), v.encode("latin-1"))
                    for k, v in response.headers.items()
                ],
            }
        )
        if request.method == "HEAD":
            response.close()
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        chunks: Iterator[bytes] = response.iter_body()
        try:
            if not response.streaming:
                await send({"type": "http.response.body", "body": next(chunks, b"")})
                return
            while True:
                chunk = await loop.run_in_executor(None, next, chunks, _DONE)
                if chunk is _DONE:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            response.close()

    asgi_app.portal_app = app  # type: ignore[attr-defined]
    return asgi_app
