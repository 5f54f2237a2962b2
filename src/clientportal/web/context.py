"""What a view works with: the request, the route's values, the visitor's session and helpers to
build URLs, read input and render pages."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..errors import AccessDenied
from ..i18n import negotiate_locale
from ..service import Visit
from .flash import FLASH_COOKIE, FLASH_MAX_AGE, Flash, dump_flash, load_flash
from .http import Cookies, QueryParams, Request, Response, cookie_name
from .params import parse_id, query_of
from .problems import BadRequest, PageNotFound
from .routing import Route
from .security import pending_cookie_name, session_cookie_name
from .texts import PageText

if TYPE_CHECKING:
    from ..service import PortalService
    from .app import PortalApp

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "MAX_COOKIE_VALUES", "Context"]

#: The form field that carries the CSRF token.
CSRF_FIELD = "csrf_token"
#: The header that carries the CSRF token on JSON API requests.
CSRF_HEADER = "X-CSRF-Token"

#: How many values of one session or pending cookie name are tried (junk planted before the
#: real one), the first ones first.
MAX_COOKIE_VALUES = 4


class Context:
    """One request on its way through a view."""

    #: Whether the view took this request's flash (its response then deletes the cookie).
    _flash_taken: bool = False

    def __init__(
        self, app: PortalApp, request: Request, route: Route[Any], params: Mapping[str, str]
    ) -> None:
        self.app = app
        self.request = request
        self.route = route
        self.params = params

    # -- the request -----------------------------------------------------------------------------

    @property
    def service(self) -> PortalService:
        """The portal service the app serves."""
        return self.app.service

    @functools.cached_property
    def query(self) -> QueryParams:
        """The query string's parameters."""
        return query_of(self.request)

    @functools.cached_property
    def form(self) -> QueryParams:
        """The body as a URL-encoded form (400 when it is something else)."""
        if self.request.content_type not in ("application/x-www-form-urlencoded", ""):
            raise BadRequest(
                f"the form was sent as {self.request.content_type!r}: send it as "
                "application/x-www-form-urlencoded"
            )
        try:
            return self.request.form()
        except (UnicodeDecodeError, ValueError):
            raise BadRequest(
                "the form could not be read: it is not UTF-8 or has too many fields"
            ) from None

    def json(self) -> Any:
        """The body as JSON (400 when it is not JSON)."""
        if self.request.content_type != "application/json":
            raise BadRequest("send the body as JSON with Content-Type: application/json")
        try:
            return self.request.json()
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise BadRequest("the body is not valid JSON in UTF-8") from None

    @property
    def client(self) -> str:
        """The visitor's address (what the rate limits count)."""
        return self.request.remote_addr or "unknown"

    @property
    def portal_id(self) -> str:
        """The portal id of the URL."""
        return parse_id(self.params["portal_id"], "portal id")

    # -- URLs and cookies ------------------------------------------------------------------------

    @property
    def base(self) -> str:
        """Where the app lives on this server: the mount plus the app's prefix."""
        return self.request.script_name + self.app.prefix

    @property
    def cookie_path(self) -> str:
        """The path of the portal's cookies: the app's base, so nothing else sees them."""
        return self.base or "/"

    @property
    def secure(self) -> bool:
        """Whether cookies get the ``Secure`` flag."""
        if self.app.secure_cookies is not None:
            return self.app.secure_cookies
        return self.request.secure

    def cookie_values(self, name: str, path: str | None = None) -> list[str]:
        """Every value the browser sent for the portal's cookie ``name`` of ``path`` (default:
        :attr:`cookie_path`), under the name it is set with (:func:`~.http.cookie_name`: with
        the ``__Host-``/``__Secure-`` prefix when cookies are secure)."""
        wanted = cookie_name(
            name, secure=self.secure, path=self.cookie_path if path is None else path
        )
        return self.cookies.get_all(wanted)

    @functools.cached_property
    def cookies(self) -> Cookies:
        """The request's cookies, parsed once."""
        return self.request.cookies

    def cookie(self, name: str, path: str | None = None) -> str | None:
        """The first value of the portal's cookie ``name`` (see :meth:`cookie_values`)."""
        values = self.cookie_values(name, path)
        return values[0] if values else None

    def url(self, route_name: str, /, query: Iterable[tuple[str, str]] = (), **params: str) -> str:
        """The absolute path of route ``name``; ``portal_id`` defaults to this request's."""
        if "portal_id" not in params and "portal_id" in self.app.route_params(route_name):
            params["portal_id"] = self.params["portal_id"]
        path = self.base + self.app.route_path(route_name, tuple(sorted(params.items())))
        items = list(query)
        return f"{path}?{urlencode(items)}" if items else path

    def static_url(self, name: str) -> str:
        """The URL of a static file, with its content hash (so it may be cached for long)."""
        found = self.app.static.get(name)
        digest = found.digest if found is not None else "0"
        return self.url("static", query=[("v", digest)], name=name)

    def set_session(self, response: Response, portal_id: str, value: str, max_age: int) -> None:
        """Put a portal's session cookie on ``response`` and drop its pending cookie."""
        response.set_cookie(
            session_cookie_name(portal_id),
            value,
            path=self.cookie_path,
            max_age=max_age,
            secure=self.secure,
        )
        if self.cookie(pending_cookie_name(portal_id)) is not None:
            response.delete_cookie(
                pending_cookie_name(portal_id), path=self.cookie_path, secure=self.secure
            )

    # -- Post/Redirect/Get ----------------------------------------------------------------------

    @property
    def flash_path(self) -> str:
        """The path of the flash cookie: the portal's own pages, and nothing else."""
        return self.url("overview")

    def redirect(
        self,
        route_name: str,
        /,
        query: Iterable[tuple[str, str]] = (),
        *,
        flash: Flash | None = None,
        flash_key: str = "",
    ) -> Response:
        """``303 See Other`` to route ``route_name`` of this portal: the answer to every form.

        ``flash`` is what the page there shows once, signed with ``flash_key`` (the visitor's
        CSRF token, so nobody else can put words on their page)."""
        response = Response.redirect(self.url(route_name, query=query))
        if flash is not None:
            response.set_cookie(
                FLASH_COOKIE,
                dump_flash(flash, flash_key),
                path=self.flash_path,
                max_age=FLASH_MAX_AGE,
                secure=self.secure,
            )
        return response

    def take_flash(self, flash_key: str) -> Flash | None:
        """The flash the last POST left for this page (``None`` when there is none, or none signed
        with ``flash_key``). The page's response deletes it: a reload does not show it again."""
        value = self.cookie(FLASH_COOKIE, self.flash_path)
        if value is None:
            return None
        self._flash_taken = True
        return load_flash(value, flash_key)

    # -- the visitor -----------------------------------------------------------------------------

    @functools.cached_property
    def visit(self) -> Visit:
        """The visit of this portal's session cookie; the 404 page when there is none.

        When the browser sends the cookie's name more than once (another app's cookie, or one
        planted on a parent domain, may come first), the first of the values that opens this
        portal is used. Only the last value tried counts against the visitor's failure budget, so
        a planted junk value cannot spend the budget of a visitor whose own cookie is good."""
        portal_id = self.portal_id
        values = [v for v in self.cookie_values(session_cookie_name(portal_id)) if v]
        tried = values[:MAX_COOKIE_VALUES]
        for number, value in enumerate(tried, start=1):
            try:
                visit = self.service.access.check_session(
                    value, client=self.client, count_failure=number == len(tried)
                )
            except AccessDenied:
                continue
            if visit.portal.id == portal_id:
                return visit
        raise PageNotFound()

    def check_csrf(self, token: object) -> None:
        """Raise :class:`~clientportal.InvalidCsrfToken` unless ``token`` is the session's."""
        self.service.access.check_csrf(self.visit, token, client=self.client)

    @functools.cached_property
    def text(self) -> PageText:
        """The page's texts: in the portal's language with a session, else the browser's."""
        if "visit" in self.__dict__:
            return PageText.of(self.visit.portal)
        locale = negotiate_locale(accept_language=self.request.headers.get("accept-language"))
        return PageText(str(locale))

    # -- rendering -------------------------------------------------------------------------------

    def render(
        self, template: str, *, status: int = 200, text: PageText | None = None, **values: Any
    ) -> Response:
        """An HTML response of ``template``; ``values`` join the common page context."""
        t = self.text if text is None else text
        context: dict[str, Any] = {
            "t": t,
            "theme": self.app.theme,
            "url": self.url,
            "static_url": self.static_url,
            "theme_url": self.url("theme", query=[("v", self.app.theme_digest)]),
            "base": self.base,
            "route_name": self.route.name,
            "portal": None,
            "csrf_token": None,
            "nav": (),
            "scope": None,
            "company": self.app.company,
        }
        if "visit" in self.__dict__:
            visit = self.visit
            context["portal"] = visit.portal
            context["csrf_token"] = self.service.access.csrf_token(visit)
            context["nav"] = self.app.navigation(self, visit)
            context["scope"] = self.service.pages.scope(visit)
        context.update(values)
        body = self.app.renderer.render(template, context)
        response = Response(
            status=status,
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Language", t.language),
            ],
            body=body,
        )
        if self._flash_taken:
            response.delete_cookie(FLASH_COOKIE, path=self.flash_path, secure=self.secure)
        return response
