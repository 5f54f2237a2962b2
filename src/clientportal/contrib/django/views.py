"""The Django view that serves the portal, and the URL patterns that route to it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.cookies import Morsel
from typing import TYPE_CHECKING, Any, TypeAlias

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.http.request import RawPostDataException
from django.urls import URLPattern, path
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from ...web.app import PortalApp
from ...web.http import Headers, Request, Response

if TYPE_CHECKING:
    from ...service import PortalService

__all__ = [
    "portal_urls",
    "portal_view",
    "service_from_settings",
    "to_django_response",
    "to_portal_request",
]

#: What a view serves: a service, a ready app, or a function returning either (called when needed).
Served: TypeAlias = "PortalService | PortalApp | Callable[[], PortalService | PortalApp]"


def portal_urls(service: Served, *, name: str = "clientportal", **options: Any) -> list[URLPattern]:
    """URL patterns serving the portal of ``service``, to ``include()`` at the mount you choose:
    ``path("portal/", include(portal_urls(service)))``.

    ``service`` may also be a function without arguments that returns the service (or a
    :class:`~clientportal.web.PortalApp`); it is called on the first request. ``name`` names the
    patterns (``reverse(name)`` is the portal's root); ``options`` go to ``PortalApp``.
    """
    view = portal_view(service, **options)
    return [
        path("", view, {"subpath": ""}, name=name),
        path("<path:subpath>", view, name=name),
    ]


def portal_view(service: Served, **options: Any) -> Callable[..., HttpResponseBase]:
    """The view (``view(request, subpath)``) that serves the portal of ``service``.

    Route it with the part of the path below the mount as ``subpath``; :func:`portal_urls` does.
    """
    if "prefix" in options:
        raise TypeError("the framework's mount is the portal's prefix: include() it at that path")
    app = _Lazy(service, options)

    @csrf_exempt
    def portal(request: HttpRequest, subpath: str = "") -> HttpResponseBase:
        portal_app = app.get()
        answer = portal_app.handle(
            to_portal_request(request, subpath, max_body=portal_app.max_body)
        )
        return to_django_response(answer, head=request.method == "HEAD")

    return portal


def service_from_settings() -> PortalApp:
    """The portal named by ``settings.CLIENTPORTAL_SERVICE`` (a dotted path to a service, a
    ``PortalApp``, or a function returning one), with ``settings.CLIENTPORTAL_OPTIONS``."""
    dotted = getattr(settings, "CLIENTPORTAL_SERVICE", None)
    if not isinstance(dotted, str) or not dotted:
        raise ImproperlyConfigured(
            "set CLIENTPORTAL_SERVICE to the dotted path of your PortalService "
            "(e.g. 'myproject.portal.service') to include clientportal.contrib.django.urls"
        )
    options = getattr(settings, "CLIENTPORTAL_OPTIONS", None) or {}
    if not isinstance(options, dict):
        raise ImproperlyConfigured(
            "CLIENTPORTAL_OPTIONS must be a dict of PortalApp options, "
            f"got {type(options).__name__}"
        )
    try:
        found = import_string(dotted)
    except ImportError as error:
        raise ImproperlyConfigured(f"CLIENTPORTAL_SERVICE {dotted!r}: {error}") from error
    return _build(found, options, what=f"CLIENTPORTAL_SERVICE {dotted!r}")


class _Lazy:
    """The PortalApp, built on first use (a factory may need the apps and settings loaded)."""

    def __init__(self, service: Served, options: dict[str, Any]) -> None:
        self._service = service
        self._options = options
        self._app: PortalApp | None = None
        self._lock = threading.Lock()
        if not callable(service) or isinstance(service, PortalApp):
            self._app = _build(service, options, what="the portal")

    def get(self) -> PortalApp:
        app = self._app
        if app is None:
            with self._lock:
                if self._app is None:
                    self._app = _build(self._service, self._options, what="the portal")
                app = self._app
        return app


def _build(found: object, options: dict[str, Any], *, what: str) -> PortalApp:
    from ...service import PortalService

    if not isinstance(found, PortalApp | PortalService) and callable(found):
        found = found()
    if isinstance(found, PortalApp):
        if options:
            raise TypeError("give the options to PortalApp(...) when passing a PortalApp")
        if found.prefix:
            raise TypeError(
                f"the PortalApp has prefix {found.prefix!r}, but Django mounts it: build it "
                "without a prefix and include() it where it should live"
            )
        return found
    if isinstance(found, PortalService):
        return PortalApp(found, **options)
    raise ImproperlyConfigured(
        f"{what} must be a PortalService, a PortalApp or a function returning one, "
        f"got {type(found).__name__}"
    )


def to_portal_request(request: HttpRequest, subpath: str, *, max_body: int) -> Request:
    """The portal's :class:`~clientportal.web.Request` for Django's ``request``.

    ``subpath`` is the part of the path below the mount; everything before it (the script name
    included) becomes the request's ``script_name``, so links and cookies point at the mount.
    """
    full = request.path
    mount = full[: len(full) - len(subpath)] if subpath and full.endswith(subpath) else full
    meta = request.META
    try:
        length: int | None = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = None
    body, too_large = b"", False
    if length is not None and length > max_body:
        too_large = True  # not read at all
    elif length != 0:
        try:
            body = request.read(max_body + 1 if length is None else length)
        except RawPostDataException:
            body = request.body  # a middleware parsed the body already
        if len(body) > max_body:
            body, too_large = b"", True
    return Request(
        method=request.method or "GET",
        path="/" + subpath,
        query_string=_native(meta.get("QUERY_STRING", "")),
        headers=Headers(request.headers.items()),
        body=body,
        remote_addr=str(meta.get("REMOTE_ADDR") or ""),
        scheme=request.scheme or "http",
        script_name=mount.rstrip("/"),
        body_too_large=too_large,
    )


def _native(value: object) -> str:
    """A WSGI "native string" (bytes as latin-1) as the UTF-8 text it carries."""
    text = str(value or "")
    try:
        return text.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text


class _Stream:
    """A streamed body whose ``close()`` (called by Django) reaches the portal's generator."""

    def __init__(self, response: Response) -> None:
        self._chunks = response.iter_body()
        self.close = response.close

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks


def to_django_response(response: Response, *, head: bool = False) -> HttpResponseBase:
    """Django's response for the portal's ``response``: a ``StreamingHttpResponse`` when the
    body is a stream, headers and cookies as the portal set them. ``head`` drops the body."""
    answer: HttpResponseBase
    if head:
        response.close()
        answer = HttpResponse(b"", status=response.status)
    elif response.streaming:
        answer = StreamingHttpResponse(_Stream(response), status=response.status)
    else:
        answer = HttpResponse(response.body, status=response.status)
    del answer.headers["Content-Type"]  # the portal's own, or none
    seen: set[str] = set()
    for name, value in response.headers:
        key = name.lower()
        if key == "set-cookie":
            _set_cookie(answer, value)
        elif key in seen:
            answer.headers[name] = f"{answer.headers[name]}, {value}"
        else:
            answer.headers[name] = value
            seen.add(key)
    return answer


def _set_cookie(answer: HttpResponseBase, header: str) -> None:
    """Copy one ``Set-Cookie`` header to Django's cookie jar, the value as it is (unquoted)."""
    pair, *attributes = header.split(";")
    name, _, value = pair.strip().partition("=")
    morsel: Morsel[str] = Morsel()
    morsel.set(name, value, value)
    for attribute in attributes:
        key, sep, arg = attribute.strip().partition("=")
        key = key.lower()
        if key in {"secure", "httponly"}:
            morsel[key] = True
        elif sep and key in {"path", "domain", "max-age", "expires", "samesite"}:
            morsel[key] = arg
    answer.cookies[name] = morsel
