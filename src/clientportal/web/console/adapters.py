"""The console as a WSGI or an ASGI application, the same ~30-line closures as the portal's
(:mod:`clientportal.web.wsgi`, :mod:`clientportal.web.asgi`) around :class:`~.app.ConsoleApp`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..asgi import ASGIApp, Receive, Scope, Send, _read_body, request_from_scope
from ..wsgi import StartResponse, WSGIApp, request_from_environ
from .app import Authorize, ConsoleApp
from .directory import Directory

if TYPE_CHECKING:
    from ...service import PortalService

__all__ = ["make_console_app", "make_console_asgi_app"]


def _console(
    service: PortalService | ConsoleApp,
    authorize: Authorize | None,
    directory: Directory | None,
    options: dict[str, Any],
) -> ConsoleApp:
    if isinstance(service, ConsoleApp):
        if authorize is not None or directory is not None or options:
            raise TypeError("give authorize and options to ConsoleApp(...) when passing one")
        return service
    if authorize is None or directory is None:
        from ...errors import ConfigError

        raise ConfigError(
            [
                "give authorize=<function of the request returning the staff member or None> "
                "and directory=<the clients, projects and contacts to choose from>"
            ],
            subject="the staff console",
        )
    return ConsoleApp(service, authorize=authorize, directory=directory, **options)


def make_console_app(
    service: PortalService | ConsoleApp,
    *,
    authorize: Authorize | None = None,
    directory: Directory | None = None,
    **options: Any,
) -> WSGIApp:
    """The staff console of ``service`` as a WSGI application.

    ``authorize(request)`` returns the staff member (an :class:`~clientportal.workflow.Actor` or
    a :class:`~.context.StaffMember`) or ``None`` (403); ``directory`` lists the clients and their
    projects and contacts. Other ``options`` go to :class:`~.app.ConsoleApp` (``prefix``,
    ``theme``, ``language``...). Mount it behind the host's own login.
    """
    app = _console(service, authorize, directory, options)

    def wsgi_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = app.handle(request_from_environ(environ, max_body=app.max_body))
        start_response(response.status_line, response.headers.items())
        if environ.get("REQUEST_METHOD", "GET").upper() == "HEAD":
            return []
        return list(response.iter_body())

    wsgi_app.console_app = app  # type: ignore[attr-defined]
    return wsgi_app


def make_console_asgi_app(
    service: PortalService | ConsoleApp,
    *,
    authorize: Authorize | None = None,
    directory: Directory | None = None,
    **options: Any,
) -> ASGIApp:
    """The staff console of ``service`` as an ASGI 3 application (arguments as
    :func:`make_console_app`); each request runs in a worker thread."""
    app = _console(service, authorize, directory, options)

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
        response = await asyncio.get_running_loop().run_in_executor(None, app.handle, request)
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
        payload = b"" if request.method == "HEAD" else b"".join(response.iter_body())
        await send({"type": "http.response.body", "body": payload})

    asgi_app.console_app = app  # type: ignore[attr-defined]
    return asgi_app
