"""One console request on its way through a view: the staff member, the route's values, the
console's language, the CSRF token of its forms, and helpers to build URLs and render pages."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import attrs
from attrs import field, frozen
from attrs import validators as v

from ...errors import InvalidCsrfToken
from ...i18n import negotiate_locale
from ...workflow import Actor
from ..http import QueryParams, Request, Response
from ..params import parse_id
from ..problems import BadRequest
from ..routing import Route
from .texts import ConsoleText

if TYPE_CHECKING:
    from ...service import PortalService
    from .app import ConsoleApp

__all__ = ["CSRF_COOKIE", "ConsoleContext", "StaffMember"]

#: The cookie that carries the console's CSRF nonce (its forms send back a token signed over it).
CSRF_COOKIE = "cp_console_csrf"


def _optional_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{attribute.name} must be a text or None, got {value!r}")


@frozen(kw_only=True)
class StaffMember:
    """Who uses the console, as the host's ``authorize(request)`` says: the ``actor`` the audit
    trail names (a MANAGER or ADMIN, or an EMPLOYEE), the ``name`` the header shows, and the
    ``language`` of the console's pages (``None``: the browser's ``Accept-Language``)."""

    actor: Actor = field(validator=v.instance_of(Actor))
    name: str | None = field(default=None, validator=_optional_text)
    language: str | None = field(default=None, validator=_optional_text)


class ConsoleContext:
    """One request of ``staff`` to the console ``app``."""

    def __init__(
        self,
        app: ConsoleApp,
        request: Request,
        route: Route[Any],
        params: Mapping[str, str],
        staff: StaffMember,
        nonce: str,
    ) -> None:
        self.app = app
        self.request = request
        self.route = route
        self.params = params
        self.staff = staff
        #: The CSRF nonce of this browser (from its cookie, or new: the response then sets it).
        self.nonce = nonce

    @property
    def service(self) -> PortalService:
        """The portal service the console manages."""
        return self.app.service

    @functools.cached_property
    def query(self) -> QueryParams:
        """The query string's parameters."""
        return self.request.query

    @functools.cached_property
    def form(self) -> QueryParams:
        """The body as a URL-encoded form (400 when it is something else)."""
        if self.request.content_type not in ("application/x-www-form-urlencoded", ""):
            raise BadRequest("send the form as application/x-www-form-urlencoded")
        try:
            return self.request.form()
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("the form could not be read: not UTF-8, or too many fields") from None

    def param_id(self, name: str) -> str:
        """The route's value ``name`` as an id (400 when it is none)."""
        return parse_id(self.params[name], name.replace("_", " "))

    @functools.cached_property
    def text(self) -> ConsoleText:
        """The console's texts: the staff member's language, else the browser's, else English."""
        locale = negotiate_locale(
            portal_language=self.staff.language or self.app.language,
            accept_language=self.request.headers.get("accept-language"),
        )
        return ConsoleText(str(locale))

    # -- CSRF ------------------------------------------------------------------------------------

    def _csrf_subject(self) -> str:
        actor = self.staff.actor
        return f"console|{actor.party.value}|{actor.id}|{self.nonce}"

    @property
    def csrf_token(self) -> str:
        """The token every form of this page sends back: the nonce and the staff member, signed
        with the service's keys."""
        return self.service.access.codec.csrf_token(self._csrf_subject())

    def check_csrf(self) -> None:
        """Raise :class:`~clientportal.InvalidCsrfToken` unless the form carries this browser's
        and this staff member's token."""
        token = self.form.get("csrf_token")
        if not self.nonce:
            raise InvalidCsrfToken()
        self.service.access.codec.check_csrf(self._csrf_subject(), token)

    # -- URLs ------------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        """Where the console lives: the mount plus the app's prefix."""
        return self.request.script_name + self.app.prefix

    def url(self, route_name: str, /, query: Iterable[tuple[str, str]] = (), **params: str) -> str:
        """The absolute path of route ``route_name``; ``portal_id`` defaults to this request's."""
        route = self.app.router.named(route_name)
        if "portal_id" in route.params and "portal_id" not in params:
            params["portal_id"] = self.params["portal_id"]
        path = self.base + route.build(**params)
        items = list(query)
        return f"{path}?{urlencode(items)}" if items else path

    def static_url(self, name: str) -> str:
        """The URL of a static file, with its content hash."""
        found = self.app.static.get(name)
        return self.url("static", query=[("v", found.digest if found else "0")], name=name)

    def redirect(self, route_name: str, /, done: str | None = None, **params: str) -> Response:
        """``303 See Other`` to route ``route_name``; ``done`` names the notice it shows (a key of
        the console's texts, never free text)."""
        return Response.redirect(
            self.url(route_name, query=[("done", done)] if done else (), **params)
        )

    def render(self, template: str, *, status: int = 200, **values: Any) -> Response:
        """An HTML response of ``template``; ``values`` join the common page context."""
        t = self.text
        context: dict[str, Any] = {
            "t": t,
            "theme": self.app.theme,
            "url": self.url,
            "static_url": self.static_url,
            "theme_url": self.url("theme", query=[("v", self.app.theme_digest)]),
            "route_name": self.route.name,
            "csrf_token": self.csrf_token,
            "staff": self.staff,
            "portal": None,
            "done": self.app.notice(self.query.get("done")),
        }
        context.update(values)
        portal = context["portal"]
        if portal is not None and "client_name" not in context:
            names = {c.id: c.name for c in self.app.directory.clients()}
            context["client_name"] = names.get(portal.client_id, portal.client_id)
        body = self.app.renderer.render(template, context)
        return Response(
            status=status,
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Language", t.language),
            ],
            body=body,
        )
