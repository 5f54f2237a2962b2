"""The framework-agnostic portal handler: :class:`PortalApp` turns a :class:`Request` into a
:class:`Response` by calling the :class:`~clientportal.service.PortalService`.

It owns the routes (HTML pages, the JSON API, static files), maps every failure to an answer
that tells nothing it should not (any link that does not open is the same 404 page), and puts
the security headers on every response. Adapters (:mod:`.wsgi`, :mod:`.asgi`, ``contrib``)
only translate requests and responses.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, TypeAlias

from ..errors import (
    AccessDenied,
    InvalidCsrfToken,
    NotFound,
    RateLimited,
    ValidationError,
)
from ..redaction import RedactTokens, redact_tokens
from ..service import Visit
from . import (
    access_views,
    action_views,
    api,
    api_costs,
    approval_views,
    cost_csv,
    cost_views,
    quote_views,
    signoff_views,
    undo_views,
    views,
)
from .context import Context
from .error_pages import failure_page, page_context, problem_page
from .http import DEFAULT_MAX_BODY, Request, Response, encode_path, encode_query
from .openapi import openapi_document
from .problems import (
    BadRequest,
    FormExpired,
    HTTPProblem,
    MethodNotAllowed,
    PageNotFound,
    PayloadTooLarge,
    TooManyAttempts,
)
from .render import Renderer, StaticFiles
from .routing import Match, Route, Router
from .security import (
    HSTS,
    STATIC_CACHE_CONTROL,
    TrustedProxies,
    content_security_policy,
    secure_headers,
)
from .texts import PageText
from .theme import Theme

if TYPE_CHECKING:
    from ..service import PortalService

__all__ = ["RETRY_AFTER_SECONDS", "PortalApp", "View"]

logger = logging.getLogger("clientportal.web")
# The web layer's log lines name requests; no link token may reach a log file through them, not
# even in an exception's text.
if not any(isinstance(f, RedactTokens) for f in logger.filters):
    logger.addFilter(RedactTokens())

#: A view: a function from the request's :class:`Context` to a :class:`Response`.
View: TypeAlias = Callable[[Context], Response]

#: What ``Retry-After`` says when failed opens from one address are rate limited.
RETRY_AFTER_SECONDS = 60

#: How many built URL paths an app keeps (a path is a route and its ids: a few per portal).
_REMEMBERED_PATHS = 4096

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _logged(request: Request) -> str:
    """The request's path as a log line may name it: without any link token."""
    return redact_tokens(request.path)


def _static(ctx: Context) -> Response:
    found = ctx.app.static.get(ctx.params["name"])
    if found is None:
        raise PageNotFound()
    headers = [("Content-Type", found.content_type), ("ETag", f'"{found.digest}"')]
    if ctx.query.get("v") == found.digest:
        headers.append(("Cache-Control", STATIC_CACHE_CONTROL))
    return Response(headers=headers, body=found.data)


def _theme_css(ctx: Context) -> Response:
    headers = [("Content-Type", "text/css; charset=utf-8")]
    if ctx.query.get("v") == ctx.app.theme_digest:
        headers.append(("Cache-Control", STATIC_CACHE_CONTROL))
    return Response(headers=headers, body=ctx.app.theme.stylesheet())


def _openapi(ctx: Context) -> Response:
    return Response.json(openapi_document(ctx.app.router.routes, server_url=ctx.base or "/"))


def _redirect_to_overview(ctx: Context) -> Response:
    return Response.redirect(ctx.url("overview"))


def _routes() -> list[Route[View]]:
    """The portal's routes, HTML first, then the JSON API."""
    p = "/portal/{portal_id}"
    a = "/api/portals/{portal_id}"
    html: list[tuple[str, str, View, str]] = [
        ("GET", "/l/{token}", access_views.open_link, "open"),
        ("GET", "/act/{token}", action_views.act, "act"),
        ("POST", "/act/{token}", action_views.act_decide, "act_decide"),
        ("POST", "/act/{token}/code", action_views.act_send_code, "act_code"),
        ("POST", "/act/{token}/open", action_views.act_open, "act_open"),
        ("GET", p, views.overview, "overview"),
        ("GET", p + "/hours", views.hours, "hours"),
        ("GET", p + "/hours.csv", views.hours_csv, "hours_csv"),
        ("GET", p + "/expenses", cost_views.expenses, "expenses"),
        ("GET", p + "/expenses.csv", cost_csv.expenses_csv, "expenses_csv"),
        ("GET", p + "/trips", cost_views.trips, "trips"),
        ("GET", p + "/trips.csv", cost_csv.trips_csv, "trips_csv"),
        ("GET", p + "/invoices", views.documents, "invoices"),
        ("GET", p + "/invoices/{document_id}", views.document_file, "invoice_file"),
        ("GET", p + "/quotes", quote_views.quotes, "quotes"),
        ("GET", p + "/quotes/{document_id}", views.document_file, "quote_file"),
        ("GET", p + "/quotes/{quote_id}/decision", quote_views.quote_decision, "quote_decision"),
        ("POST", p + "/quotes/{quote_id}/decision", quote_views.decide_quote, "decide_quote"),
        ("GET", p + "/approvals", approval_views.approvals, "approvals"),
        ("POST", p + "/approvals", approval_views.decide, "decide"),
        ("POST", p + "/approvals/undo", undo_views.undo, "undo"),
        ("GET", p + "/sign-off", signoff_views.signoff_page, "signoff"),
        ("POST", p + "/sign-off", signoff_views.sign_off_period, "sign_off_period"),
        ("GET", p + "/sign-offs/{signoff_id}", signoff_views.signoff_file, "signoff_file"),
        ("GET", p + "/code", access_views.code_page, "code"),
        ("POST", p + "/code", access_views.verify_code, "verify_code"),
        ("POST", p + "/code/send", access_views.send_code, "send_code"),
        ("POST", p + "/sign-out", access_views.sign_out, "sign_out"),
        ("GET", "/signed-out", access_views.signed_out, "signed_out"),
        ("GET", "/static/{name}", _static, "static"),
        ("GET", "/theme.css", _theme_css, "theme"),
    ]
    json_api: list[tuple[str, str, View, str]] = [
        ("GET", "/api/openapi.json", _openapi, "api_openapi"),
        ("GET", a, api.api_overview, "api_overview"),
        ("GET", a + "/session", api.api_session, "api_session"),
        ("GET", a + "/hours", api.api_hours, "api_hours"),
        ("GET", a + "/hours/totals", api.api_totals, "api_totals"),
        ("GET", a + "/hours.csv", api.api_hours_csv, "api_hours_csv"),
        ("GET", a + "/expenses", api_costs.api_expenses, "api_expenses"),
        ("GET", a + "/expenses.csv", api_costs.api_expenses_csv, "api_expenses_csv"),
        ("GET", a + "/trips", api_costs.api_trips, "api_trips"),
        ("GET", a + "/trips.csv", api_costs.api_trips_csv, "api_trips_csv"),
        ("GET", a + "/invoices", api.api_documents, "api_invoices"),
        ("GET", a + "/invoices/{document_id}/file", api.api_document_file, "api_invoice_file"),
        ("GET", a + "/quotes", api.api_documents, "api_quotes"),
        ("GET", a + "/quotes/{document_id}/file", api.api_document_file, "api_quote_file"),
        ("GET", a + "/approvals", api.api_approvals, "api_approvals"),
        ("POST", a + "/approvals", api.api_decide, "api_decide"),
    ]
    return [Route(m, pattern, view, name) for m, pattern, view, name in html] + [
        Route(m, pattern, view, name, api=True) for m, pattern, view, name in json_api
    ]


class PortalApp:
    """The portal on the web: HTML pages, the JSON API and static files of ``service``.

    ``prefix`` is the path the portal lives under (``"/portal"``), on top of wherever a server
    mounts it (``SCRIPT_NAME``, ``root_path``). ``theme`` sets the name, logo and accent colour;
    ``template_dirs`` are searched for templates before the built-in ones. ``max_body`` caps
    request bodies (bigger ones answer 400), ``page_size`` is the number of hours per HTML page.
    ``secure_cookies`` forces the cookies' ``Secure`` flag on or off (default: on for https
    requests; set it to ``True`` behind a proxy that terminates TLS); secure cookies carry the
    ``__Host-`` prefix (``__Secure-`` when the portal is not at the site's root).

    ``trusted_proxies`` are the addresses or networks (``"10.0.0.2"``, ``"10.0.0.0/8"``) of
    reverse proxies in front of the portal: only from them are ``X-Forwarded-For`` (the client is
    the right-most address that is not a trusted proxy) and ``X-Forwarded-Proto`` believed.
    ``hsts`` adds ``Strict-Transport-Security`` to answers over https (or to all, with
    ``secure_cookies=True``).

    Links open at ``/l/{token}`` and also at the service's ``MailSettings.link_path``, and
    ``MailSettings.portal_path`` leads to the overview, so the e-mails' URLs work as they are.
    The one-click action links of approval requests are shown at ``/act/{token}`` and at
    ``MailSettings.action_path`` (:mod:`.action_views`).
    """

    def __init__(
        self,
        service: PortalService,
        *,
        prefix: str = "",
        theme: Theme | None = None,
        template_dirs: Sequence[str | os.PathLike[str]] = (),
        max_body: int = DEFAULT_MAX_BODY,
        page_size: int = 50,
        secure_cookies: bool | None = None,
        trusted_proxies: Iterable[str] = (),
        hsts: bool = False,
    ) -> None:
        problems = []
        proxies = TrustedProxies()
        if isinstance(trusted_proxies, str):
            trusted_proxies = [trusted_proxies]
        try:
            proxies = TrustedProxies.parse(trusted_proxies)
        except ValueError as error:
            problems.append(str(error))
        if prefix and (not prefix.startswith("/") or "//" in prefix or "{" in prefix):
            problems.append(f"prefix must be a path such as '/portal', got {prefix!r}")
        if theme is not None and not isinstance(theme, Theme):
            problems.append(f"theme must be a clientportal.web.Theme, got {type(theme).__name__}")
        if not isinstance(max_body, int) or max_body < 1024:
            problems.append(f"max_body must be at least 1024 bytes, got {max_body!r}")
        if not isinstance(page_size, int) or not 1 <= page_size <= 1000:
            problems.append(f"page_size must be from 1 to 1000, got {page_size!r}")
        if problems:
            from ..errors import ConfigError

            raise ConfigError(problems, subject="the portal web app")
        self.service = service
        self.prefix = prefix.rstrip("/")
        self.theme = Theme() if theme is None else theme
        self.template_dirs = tuple(template_dirs)
        self.max_body = max_body
        self.page_size = page_size
        self.secure_cookies = secure_cookies
        self.trusted_proxies = proxies
        self.hsts = bool(hsts)
        self.renderer = Renderer(self.template_dirs)
        self.static = StaticFiles()
        self.csp = content_security_policy(self.theme)
        self.theme_digest = hashlib.sha256(self.theme.stylesheet().encode()).hexdigest()[:12]
        self.router: Router[View] = Router(_routes())
        self._mail_routes()
        # URL paths are a pure function of a route and its values: built once each.
        self._paths = functools.lru_cache(maxsize=_REMEMBERED_PATHS)(self._build_path)
        self._params = functools.lru_cache(maxsize=None)(self._route_params)

    def __repr__(self) -> str:
        return f"PortalApp({self.service!r}, prefix={self.prefix!r})"

    def _mail_routes(self) -> None:
        """Routes for the URLs the service's e-mails contain, when they differ from ours."""
        mail = getattr(self.service, "mail", None)
        link_path = getattr(mail, "link_path", "/l/{token}")
        portal_path = getattr(mail, "portal_path", "/portal/{portal_id}")
        if link_path != "/l/{token}":
            self.router.add(Route("GET", link_path, access_views.open_link, "open_mail"))
        if portal_path != "/portal/{portal_id}":
            self.router.add(Route("GET", portal_path, _redirect_to_overview, "portal_mail"))
        action_path = getattr(mail, "action_path", "/act/{token}")
        if action_path != "/act/{token}":
            self.router.add(Route("GET", action_path, action_views.act, "act_mail"))

    @property
    def company(self) -> str:
        """Who runs the portal, for texts such as "Your reason is sent to ...": the theme's
        name, else the company name of the service's e-mails (their sender's name by default)."""
        mail = getattr(self.service, "mail", None)
        named = getattr(mail, "company_name", None) or getattr(mail, "sender_name", "")
        return self.theme.name or named or ""

    @property
    def routes(self) -> tuple[Route[View], ...]:
        """Every route, HTML and API, in matching order."""
        return self.router.routes

    def route_params(self, route_name: str) -> tuple[str, ...]:
        """The placeholder names of route ``route_name`` (``KeyError`` for an unknown route)."""
        return self._params(route_name)

    def route_path(self, route_name: str, values: tuple[tuple[str, str], ...]) -> str:
        """The path of route ``route_name`` below the app's base, its placeholders filled with
        ``values`` (``(name, value)`` pairs; ``KeyError`` for a missing one)."""
        return self._paths(route_name, values)

    def _route_params(self, route_name: str) -> tuple[str, ...]:
        return self.router.named(route_name).params

    def _build_path(self, route_name: str, values: tuple[tuple[str, str], ...]) -> str:
        return self.router.named(route_name).build(**dict(values))

    # -- handling ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request. Never raises: failures become their error page (or JSON).

        A request from a trusted proxy is first taken as its client made it (address, scheme).
        """
        ctx: Context | None = None
        request = self.trusted_proxies.resolve(request)
        try:
            with self.service.request_scope():  # one connection, projects read once
                ctx, response = self._dispatch(request)
        except Exception:
            logger.exception("the portal failed on %s %s", request.method, _logged(request))
            response = self._failure(request, ctx)
        return self._finish(request, response)

    def _dispatch(self, request: Request) -> tuple[Context | None, Response]:
        path = self._inner_path(request.path)
        if path is None:
            return None, self._problem(request, None, PageNotFound())
        found = self.router.match(request.method, path)
        if found == [] and request.method in ("GET", "HEAD") and len(path) > 1:
            trimmed = path.rstrip("/")
            if trimmed != path and isinstance(self.router.match("GET", trimmed or "/"), Match):
                # The path was decoded by the server: encode it again (a Location is ASCII, and
                # a CR or LF in it would split the response).
                query = f"?{encode_query(request.query_string)}" if request.query_string else ""
                location = encode_path(request.script_name + self.prefix + trimmed) + query
                return None, Response.redirect(location, status=308)
        if not isinstance(found, Match):
            if found:
                response = self._problem(
                    request, None, MethodNotAllowed(f"use {', '.join(found)} here")
                )
                response.headers.set("Allow", ", ".join(found))
                return None, response
            return None, self._problem(request, None, PageNotFound())
        ctx = Context(self, request, found.route, found.params)
        try:
            if request.body_too_large and request.method in _BODY_METHODS:
                raise PayloadTooLarge(f"the request body is larger than {self.max_body} bytes")
            return ctx, found.route.view(ctx)
        except HTTPProblem as problem:
            return ctx, self._problem(request, ctx, problem)
        except RateLimited:
            response = self._problem(request, ctx, TooManyAttempts("too many failed attempts"))
            response.headers.set("Retry-After", str(RETRY_AFTER_SECONDS))
            return ctx, response
        except InvalidCsrfToken:
            return ctx, self._problem(request, ctx, FormExpired())
        except (AccessDenied, NotFound):
            return ctx, self._problem(request, ctx, PageNotFound())
        except ValidationError as invalid:
            bad = BadRequest(str(invalid).split("\n")[0])
            return ctx, self._problem(request, ctx, bad, errors=invalid.errors)
        except Exception:  # the view failed: its context knows the visitor, for the 500 page
            logger.exception("the portal failed on %s %s", request.method, _logged(request))
            return ctx, self._failure(request, ctx)

    def _inner_path(self, path: str) -> str | None:
        if not self.prefix:
            return path or "/"
        if path == self.prefix or path.startswith(self.prefix + "/"):
            return path[len(self.prefix) :] or "/"
        return None

    def _finish(self, request: Request, response: Response) -> Response:
        cacheable = response.headers.get("Cache-Control") == STATIC_CACHE_CONTROL
        secure_headers(response, self.csp, cacheable=cacheable)
        if self.hsts and (request.secure or self.secure_cookies):
            response.headers.set("Strict-Transport-Security", HSTS)
        if not response.streaming:
            assert isinstance(response.body, bytes | bytearray)
            response.headers.set("Content-Length", str(len(response.body)))
        return response

    # -- errors ------------------------------------------------------------------------------------

    def _is_api(self, request: Request, ctx: Context | None) -> bool:
        if ctx is not None:
            return ctx.route.api
        path = self._inner_path(request.path) or ""
        return path == "/api" or path.startswith("/api/")

    def _problem(
        self,
        request: Request,
        ctx: Context | None,
        problem: HTTPProblem,
        *,
        errors: Sequence[str] = (),
    ) -> Response:
        if self._is_api(request, ctx):
            return api.problem_response(problem, errors)
        # A link or session that did not open: the route needs one and no visit was made.
        link = (
            ctx is not None
            and isinstance(problem, PageNotFound)
            and "visit" not in ctx.__dict__
            and ("portal_id" in ctx.route.params or "token" in ctx.route.params)
        )
        if ctx is None:
            ctx = page_context(self, request, self._inner_path(request.path))
        return problem_page(ctx, problem, link=link, retry_after=RETRY_AFTER_SECONDS)

    def _failure(self, request: Request, ctx: Context | None) -> Response:
        """The answer to an unexpected error: a plain 500 that tells nothing."""
        if self._is_api(request, ctx):
            return api.failure_response()
        return failure_page(self, request, ctx)

    # -- pages -------------------------------------------------------------------------------------

    def navigation(self, ctx: Context, visit: Visit) -> list[tuple[str, str, str]]:
        """The portal's menu: ``(route name, label, url)`` of the sections it shows."""
        settings = visit.portal.settings
        scope = self.service.pages.scope(visit)
        t: PageText = ctx.text
        items = [("overview", t("overview"), ctx.url("overview"))]
        if scope.entries:
            items.append(("hours", t("hours"), ctx.url("hours")))
        if scope.expenses:
            items.append(("expenses", t("expenses"), ctx.url("expenses")))
        if scope.trips:
            items.append(("trips", t("trips"), ctx.url("trips")))
        if scope.approval:
            items.append(("approvals", t("approvals"), ctx.url("approvals")))
            items.append(("signoff", t("signoff"), ctx.url("signoff")))
        if settings.show_invoices:
            items.append(("invoices", t("invoices"), ctx.url("invoices")))
        if settings.show_quotes:
            items.append(("quotes", t("quotes"), ctx.url("quotes")))
        return items
