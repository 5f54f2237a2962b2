"""The pages of what went wrong (400, 403, 404, 405, 429, 500), in the visitor's language, with a
way back.

Which 404: a link or a session that does not open (before the visitor is known) is the one
"this link has expired or is unknown" page, the same for every reason, so it tells nothing about
any link. A visitor whose session is known reads "page not found" instead, for a page the portal
does not have or does not show. Every page is in the portal's language when the visitor has a
session there (also on a path no route serves, under ``/portal/{portal_id}/``), else in the best
of the browser's languages (``Accept-Language``) among the six, else English; with a session it
leads back to the portal's overview.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..errors import ClientPortalError
from .context import Context
from .http import Request, Response
from .params import FIELD_LABELS
from .problems import (
    BadRequest,
    Forbidden,
    FormExpired,
    HTTPProblem,
    MethodNotAllowed,
    PageNotFound,
    TooManyAttempts,
)
from .security import session_cookie_name

if TYPE_CHECKING:
    from .app import PortalApp

__all__ = ["failure_page", "page_context", "problem_page"]

logger = logging.getLogger("clientportal.web")


def page_context(app: PortalApp, request: Request, path: str | None) -> Context:
    """The context of an error page for a request no route serves: on a portal's path
    (``/portal/{portal_id}/...``) with that portal id, so its session can be recognised."""
    parts = (path or "").split("/")
    params = {"portal_id": parts[2]} if len(parts) > 2 and parts[1] == "portal" else {}
    return Context(app, request, app.router.named("overview"), params)


def _known_visitor(ctx: Context) -> bool:
    """Whether the visitor has a session on the portal of ``ctx`` (checked now if it was not
    yet; the page's texts then follow that portal)."""
    if "visit" in ctx.__dict__:
        return True
    raw_id = ctx.params.get("portal_id")
    if not raw_id or not ctx.cookie(session_cookie_name(raw_id)):
        return False
    try:
        ctx.visit  # noqa: B018 - checks the session and keeps its visit
    except (HTTPProblem, ClientPortalError):
        return False
    ctx.__dict__.pop("text", None)  # texts chosen before the visit was known
    return True


def problem_page(ctx: Context, problem: HTTPProblem, *, link: bool, retry_after: int) -> Response:
    """The page of ``problem``. ``link`` says a link or session did not open (the one "link
    expired" page); ``retry_after`` is the seconds a rate-limited visitor waits. A developer's
    details (which parameter, what it expects) are the JSON API's, never on the page: the page
    says what to do instead."""
    known = not link and _known_visitor(ctx)
    t = ctx.text
    detail: list[str] = []
    if link:
        title, message = t("link_invalid_title"), t("link_invalid_body")
    elif isinstance(problem, PageNotFound):
        title, message = t("page_not_found_title"), t("page_not_found_body")
    elif isinstance(problem, TooManyAttempts):
        minutes = max(1, -(-retry_after // 60))
        title, message = t("too_many_title"), t.plural("too_many_wait", minutes)
    elif isinstance(problem, FormExpired):
        title, message = t("error_title"), t("form_expired")
    elif isinstance(problem, MethodNotAllowed):
        title, message = t("method_not_allowed_title"), t("method_not_allowed_body")
    elif isinstance(problem, BadRequest):
        title = t("bad_request_title")
        message = t(problem.key) if problem.key else t("bad_request_body")
        for one in problem.problems:
            text = t(one.key)
            label = FIELD_LABELS.get(one.field)
            line = t.pair(t(label), text) if label else text
            if line not in detail:
                detail.append(line)
    elif isinstance(problem, Forbidden):
        # A view raises Forbidden with the visitor's text already in the portal's language.
        title, message = t("error_title"), t(problem.key) if problem.key else problem.message
    else:
        title, message = t("error_title"), t("error_body", company=ctx.app.company or "…")
    values: dict[str, Any] = {"title": title, "message": message, "detail": tuple(detail)}
    if isinstance(problem, PageNotFound):
        values["route_name"] = ""  # no page of the menu is the current one
    if known:
        values["back_url"] = ctx.url("overview")
    return ctx.render("message.html", status=problem.status, **values)


def failure_page(app: PortalApp, request: Request, ctx: Context | None) -> Response:
    """The answer to an unexpected error: a plain 500 that tells nothing, in the portal's
    language when the visitor's session was known, with the way back to its overview."""
    company = app.company or "…"
    if ctx is not None and "visit" in ctx.__dict__:
        try:
            t = ctx.text
            return ctx.render(
                "message.html",
                status=500,
                title=t("error_title"),
                message=t("error_body", company=company),
                detail=(),
                back_url=ctx.url("overview"),
            )
        except Exception:
            logger.exception("the error page of the portal failed; showing a plain one")
    try:
        plain = Context(app, request, app.router.named("overview"), {})
        t = plain.text
        return plain.render(
            "message.html",
            status=500,
            title=t("error_title"),
            message=t("error_body", company=company),
            detail=(),
        )
    except Exception:
        logger.exception("the error page failed too")
        return Response.text("The portal failed; try again later.", status=500)
