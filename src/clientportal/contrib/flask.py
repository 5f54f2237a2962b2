"""Mount the portal in a Flask app as a Blueprint.

.. code-block:: python

    from clientportal.contrib.flask import portal_blueprint

    app.register_blueprint(portal_blueprint(service), url_prefix="/portal")

The blueprint has one catch-all view that turns Flask's request into the portal's
:class:`~clientportal.web.Request`, asks the :class:`~clientportal.web.PortalApp`, and gives its
:class:`~clientportal.web.Response` back to Flask, streamed when the body is a stream (a CSV
export). The portal sets its own security headers and checks its own CSRF token on every POST,
so the blueprint exempts itself from the host's Flask-WTF ``CSRFProtect`` (whether the host sets
that up before or after registering it): the host's token is not in the portal's forms, and the
host's check would turn the client's decision away.

The host's own ``before_request`` and ``after_request`` hooks (and ``teardown_request``) run
around the portal's requests as around any other, and cookies they set go out with the portal's
responses: see docs/integration.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import flask
except ImportError as e:  # pragma: no cover - exercised in a subprocess without Flask
    raise ImportError(
        "clientportal.contrib.flask needs Flask: pip install 'clientportal[flask]'"
    ) from e

from ..web.app import PortalApp
from ..web.http import BodyTooLarge, Headers, Request, Response, read_limited

if TYPE_CHECKING:
    from flask.sansio.app import App

    from ..service import PortalService

__all__ = ["portal_blueprint", "to_flask_response", "to_portal_request"]

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def portal_blueprint(
    service: PortalService | PortalApp,
    *,
    name: str = "clientportal",
    url_prefix: str | None = "/portal",
    **options: Any,
) -> flask.Blueprint:
    """A Blueprint serving the portal of ``service`` at ``url_prefix``.

    ``url_prefix`` may also be given (or changed) to ``app.register_blueprint``; the portal
    builds its links from wherever it was mounted. ``name`` must be unique among the app's
    blueprints (two portals in one app need two names). Other ``options`` go to
    :class:`~clientportal.web.PortalApp` (``theme``, ``template_dirs``, ``max_body``, ...);
    pass a ready ``PortalApp`` (without a ``prefix`` of its own) instead of a service to share one.
    """
    app = _portal_app(service, options)
    blueprint = flask.Blueprint(name, __name__, url_prefix=url_prefix)

    def portal(subpath: str = "") -> flask.Response:
        request = to_portal_request(flask.request, subpath, max_body=app.max_body)
        return to_flask_response(app.handle(request))

    blueprint.add_url_rule("/", "portal", portal, methods=_METHODS, strict_slashes=False)
    blueprint.add_url_rule("/<path:subpath>", "portal", portal, methods=_METHODS)
    _exempt_from_host_csrf(blueprint)
    return blueprint


def _exempt_from_host_csrf(blueprint: flask.Blueprint) -> None:
    """Exempt ``blueprint`` from Flask-WTF's ``CSRFProtect`` on every app it is registered on.

    A ``CSRFProtect`` set up before the registration is told at once; one set up later checks
    each request in a ``before_request`` hook that runs after ours, so ours tells it first. The
    portal checks its own token on every POST (an app without Flask-WTF is left alone)."""

    def exempt(app: App) -> None:
        csrf = app.extensions.get("csrf")
        if csrf is not None and callable(getattr(csrf, "exempt", None)):
            csrf.exempt(blueprint)

    blueprint.record_once(lambda state: exempt(state.app))
    blueprint.before_app_request(lambda: exempt(flask.current_app))


def _portal_app(service: PortalService | PortalApp, options: dict[str, Any]) -> PortalApp:
    if "prefix" in options:
        raise TypeError("the framework's mount is the portal's prefix: give url_prefix instead")
    if isinstance(service, PortalApp):
        if options:
            raise TypeError("give the options to PortalApp(...) when passing a PortalApp")
        if service.prefix:
            raise TypeError(
                f"the PortalApp has prefix {service.prefix!r}, but the framework mounts it: "
                "build it without a prefix and mount it where it should live"
            )
        return service
    return PortalApp(service, **options)


def to_portal_request(request: flask.Request, subpath: str, *, max_body: int) -> Request:
    """The portal's :class:`~clientportal.web.Request` for Flask's ``request``.

    ``subpath`` is the part of the path below the mount; everything before it becomes the
    request's ``script_name``, so the portal's links and cookies point at the mount.
    """
    path = request.path
    mount = path[: len(path) - len(subpath)] if subpath and path.endswith(subpath) else path
    too_large = False
    try:
        body = read_limited(request.stream, request.content_length, max_body)
    except BodyTooLarge:
        body, too_large = b"", True
    return Request(
        method=request.method,
        path="/" + subpath,
        query_string=request.query_string.decode("utf-8", "replace"),
        headers=Headers(request.headers.items()),
        body=body,
        remote_addr=request.remote_addr or "",
        scheme=request.scheme,
        script_name=request.script_root + mount.rstrip("/"),
        body_too_large=too_large,
    )


def to_flask_response(response: Response) -> flask.Response:
    """Flask's response for the portal's ``response``; a streamed body stays streamed, and is
    closed when Flask closes the response."""
    body = response.iter_body() if response.streaming else response.body
    answer = flask.Response(body, status=response.status, headers=response.headers.items())
    answer.call_on_close(response.close)
    return answer
