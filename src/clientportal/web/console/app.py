"""The staff console: a framework-agnostic handler (:class:`ConsoleApp`, a :class:`Request` to a
:class:`Response`) where the agency's staff create and change portals, preview them as the client
sees them, manage each contact's link, submit hours to the client and follow the approvals.

Who may use it is the host's decision: ``authorize(request)`` returns the staff member (an
:class:`~clientportal.workflow.Actor` or a :class:`~.context.StaffMember`) or ``None`` (403).
Signing in is the host's business too: mount the console behind the host's own login. Every
POST carries a CSRF token signed over a per-browser nonce and the staff member; no page needs
JavaScript. The console shares the portal's web core: routing, templates and their look, the
security headers and the theme.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from ...errors import ConfigError, InvalidCsrfToken, NotFound
from ...model import SUPPORTED_LANGUAGES
from ...workflow import Actor, Party
from ..http import DEFAULT_MAX_BODY, Request, Response, cookie_name
from ..problems import HTTPProblem, PageNotFound, PayloadTooLarge
from ..render import TEMPLATE_DIR, Renderer, StaticFiles
from ..routing import Match, Route, Router
from ..security import content_security_policy, secure_headers
from ..theme import Theme
from . import activity, approvals, links, portals, preview, signoffs
from .context import CSRF_COOKIE, ConsoleContext, StaffMember
from .directory import Directory
from .texts import CONSOLE_LABELS, ConsoleText

if TYPE_CHECKING:
    from ...service import PortalService

__all__ = ["Authorize", "ConsoleApp", "ConsoleView"]

logger = logging.getLogger("clientportal.web.console")

#: A console view: the request's context to a response.
ConsoleView: TypeAlias = Callable[[ConsoleContext], Response]
#: The host's gate: the staff member making ``request``, or ``None`` when it is nobody allowed.
Authorize: TypeAlias = Callable[[Request], "Actor | StaffMember | None"]

#: Where the preview finds its own page frame (a ``base.html`` without the portal's menu); it
#: comes before the host's ``template_dirs``, so a host's ``base.html`` never replaces the
#: preview's frame (its ``overview.html`` and ``brand.html`` are used).
PREVIEW_DIR = TEMPLATE_DIR / "console" / "preview"

#: The notices a redirect may name (``?done=saved``): only these keys, never free text.
NOTICES = frozenset({"saved", "created", "link_revoked_done"})

_CSRF_MAX_AGE = 12 * 3600


def _static(ctx: ConsoleContext) -> Response:
    found = ctx.app.static.get(ctx.params["name"])
    if found is None:
        raise PageNotFound()
    return Response(headers=[("Content-Type", found.content_type)], body=found.data)


def _theme_css(ctx: ConsoleContext) -> Response:
    return Response(
        headers=[("Content-Type", "text/css; charset=utf-8")], body=ctx.app.theme.stylesheet()
    )


def _routes() -> list[Route[ConsoleView]]:
    p = "/portals/{portal_id}"
    table: list[tuple[str, str, ConsoleView, str]] = [
        ("GET", "/", portals.portal_list, "portals"),
        ("GET", "/portals/new", portals.new_portal, "new_portal"),
        ("POST", "/portals/new", portals.create_portal, "create_portal"),
        ("GET", p, portals.edit_portal, "portal"),
        ("POST", p, portals.save_portal, "save_portal"),
        ("GET", p + "/preview", preview.preview, "preview"),
        ("GET", p + "/links", links.link_list, "links"),
        ("POST", p + "/links", links.issue_link, "issue_link"),
        ("POST", p + "/links/{link_id}/revoke", links.revoke_link, "revoke_link"),
        ("POST", p + "/links/{link_id}/regenerate", links.regenerate_link, "regenerate_link"),
        ("GET", p + "/approvals", approvals.approval_page, "approvals"),
        ("POST", p + "/approvals", approvals.submit_to_client, "submit"),
        ("GET", p + "/history/{entry_id}", approvals.history, "history"),
        ("GET", p + "/history/{kind}/{item_id}", approvals.item_history, "item_history"),
        ("GET", p + "/activity", activity.activity_page, "activity"),
        ("GET", p + "/sign-offs/{signoff_id}", signoffs.signoff_file, "signoff_file"),
        ("GET", "/static/{name}", _static, "static"),
        ("GET", "/theme.css", _theme_css, "theme"),
    ]
    return [Route(m, pattern, view, name) for m, pattern, view, name in table]


def _staff(found: Actor | StaffMember | None) -> StaffMember | None:
    if found is None:
        return None
    if isinstance(found, StaffMember):
        return found
    if isinstance(found, Actor):
        return StaffMember(actor=found)
    raise TypeError(
        "authorize(request) must return an Actor, a StaffMember or None, "
        f"got {type(found).__name__}"
    )


class ConsoleApp:
    """The staff console over ``service``.

    ``authorize(request)`` is the host's gate (see the module). ``directory`` lists the clients
    and each client's projects and contacts for the forms (:class:`~.directory.Directory`).
    ``prefix`` is the path the console lives under inside its mount; ``theme`` is as for the
    portal (:class:`~clientportal.web.app.PortalApp`). ``template_dirs`` are searched before the
    built-in templates: a host's ``console/base.html`` (extending
    ``clientportal/console/base.html``) changes every console page; the preview uses the host's
    ``overview.html`` and ``brand.html`` inside the console's own preview frame.
    ``language`` (one of the six) is the console's language when the staff member has none
    (else the browser's ``Accept-Language``, else English). ``secure_cookies`` forces the CSRF
    cookie's ``Secure`` flag (default: on for https requests).
    """

    def __init__(
        self,
        service: PortalService,
        *,
        authorize: Authorize,
        directory: Directory,
        prefix: str = "",
        theme: Theme | None = None,
        template_dirs: Sequence[str | os.PathLike[str]] = (),
        language: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        secure_cookies: bool | None = None,
    ) -> None:
        problems = []
        if not callable(authorize):
            problems.append(
                "authorize must be a function of the request returning the staff member (an "
                f"Actor) or None, got {type(authorize).__name__}"
            )
        if not isinstance(directory, Directory):
            problems.append(
                "directory must list clients(), projects(client_id) and contacts(client_id) "
                "(clientportal.web.console.Directory; DatasetDirectory(dataset) for a Dataset), "
                f"got {type(directory).__name__}"
            )
        if prefix and (not prefix.startswith("/") or "//" in prefix or "{" in prefix):
            problems.append(f"prefix must be a path such as '/console', got {prefix!r}")
        if theme is not None and not isinstance(theme, Theme):
            problems.append(f"theme must be a clientportal.web.Theme, got {type(theme).__name__}")
        if language is not None and (
            not isinstance(language, str)
            or language.strip().replace("-", "_").split("_")[0].lower() not in SUPPORTED_LANGUAGES
        ):
            problems.append(
                f"language must be one of {', '.join(SUPPORTED_LANGUAGES)} (or None: the "
                f"staff member's, else the browser's), got {language!r}"
            )
        for folder in template_dirs:
            if not Path(folder).is_dir():
                problems.append(
                    f"template directory {str(folder)!r} does not exist: give a directory "
                    "that holds your templates (e.g. console/base.html)"
                )
        if not isinstance(max_body, int) or max_body < 1024:
            problems.append(f"max_body must be at least 1024 bytes, got {max_body!r}")
        if problems:
            raise ConfigError(problems, subject="the staff console")
        self.service = service
        self.authorize = authorize
        self.directory = directory
        self.prefix = prefix.rstrip("/")
        self.theme = Theme() if theme is None else theme
        self.language = language
        self.max_body = max_body
        self.secure_cookies = secure_cookies
        self.renderer = Renderer(template_dirs)
        self.preview_renderer = Renderer([PREVIEW_DIR, *template_dirs])
        self.static = StaticFiles()
        self.csp = content_security_policy(self.theme)
        self.theme_digest = hashlib.sha256(self.theme.stylesheet().encode()).hexdigest()[:12]
        self.router: Router[ConsoleView] = Router(_routes())

    def __repr__(self) -> str:
        return f"ConsoleApp({self.service!r}, prefix={self.prefix!r})"

    def notice(self, key: str | None) -> str | None:
        """The key of a notice a redirect named, when it is one of :data:`NOTICES`."""
        return key if key in NOTICES and key in CONSOLE_LABELS else None

    # -- handling ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request. Never raises: failures become their error page."""
        try:
            with self.service.request_scope():
                response = self._dispatch(request)
        except Exception:
            logger.exception("the staff console failed on %s %s", request.method, request.path)
            response = self._message(request, 500, "error_title", "error_body")
        secure_headers(response, self.csp, cacheable=False)
        return response

    def _secure(self, request: Request) -> bool:
        return request.secure if self.secure_cookies is None else self.secure_cookies

    def _inner_path(self, path: str) -> str | None:
        if not self.prefix:
            return path or "/"
        if path == self.prefix:
            return "/"
        if path.startswith(self.prefix + "/"):
            return path[len(self.prefix) :]
        return None

    def _dispatch(self, request: Request) -> Response:
        path = self._inner_path(request.path)
        found = None if path is None else self.router.match(request.method, path)
        if not isinstance(found, Match):
            status = 405 if found else 404
            response = self._message(request, status, "page_not_found_title", "page_not_found_body")
            if found:
                response.headers.set("Allow", ", ".join(found))
            return response
        if found.route.name in ("static", "theme"):
            return found.route.view(
                ConsoleContext(self, request, found.route, found.params, _NOBODY, "")
            )
        staff = _staff(self.authorize(request))
        if staff is None:
            return self._message(request, 403, "forbidden_title", "forbidden_body")
        secure = self._secure(request)
        cookie_path = (request.script_name + self.prefix) or "/"
        sent = request.cookies.get(cookie_name(CSRF_COOKIE, secure=secure, path=cookie_path))
        nonce = sent if sent and len(sent) <= 64 else ""
        fresh = not nonce
        if fresh:
            nonce = secrets.token_urlsafe(24)
        ctx = ConsoleContext(
            self, request, found.route, found.params, staff, "" if fresh else nonce
        )
        try:
            if request.method == "POST":
                if request.body_too_large:
                    raise PayloadTooLarge(f"the form is larger than {self.max_body} bytes")
                ctx.check_csrf()
            ctx.nonce = nonce
            response = found.route.view(ctx)
        except InvalidCsrfToken:
            ctx.nonce = nonce
            response = ctx.render(
                "console/message.html", status=403, title=ctx.text("form_expired"), message=""
            )
        except (NotFound, PageNotFound):
            response = ctx.render(
                "console/message.html",
                status=404,
                title=ctx.text("page_not_found_title"),
                message=ctx.text("portal_not_found"),
            )
        except HTTPProblem as problem:
            response = ctx.render(
                "console/message.html",
                status=problem.status,
                title=ctx.text("bad_request_title"),
                message=ctx.text("bad_request_body"),
            )
        if fresh:
            response.set_cookie(
                CSRF_COOKIE,
                nonce,
                path=cookie_path,
                max_age=_CSRF_MAX_AGE,
                secure=secure,
                samesite="Strict",
            )
        return response

    def _message(self, request: Request, status: int, title: str, body: str) -> Response:
        """A plain message page (no staff member known, or none allowed)."""
        from ...i18n import negotiate_locale

        t = ConsoleText(
            str(
                negotiate_locale(
                    portal_language=self.language,
                    accept_language=request.headers.get("accept-language"),
                )
            )
        )
        base = request.script_name + self.prefix
        context: dict[str, Any] = {
            "t": t,
            "theme": self.theme,
            "static_url": lambda name: f"{base}/static/{name}",
            "theme_url": f"{base}/theme.css",
            "title": t(title),
            "message": t(body, company=self.theme.name or "") if body == "error_body" else t(body),
            "staff": None,
            "csrf_token": None,
            "route_name": "",
            "url": lambda *a, **k: base + "/",
            "portal": None,
            "done": None,
        }
        return Response(
            status=status,
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Language", t.language),
            ],
            body=self.renderer.render("console/message.html", context),
        )


#: The nobody the static files are served to (they need no staff member).
_NOBODY = StaffMember(actor=Actor(Party.ADMIN, "static"))
