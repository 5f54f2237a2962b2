"""The HTML views of getting in: opening a link, the one-time code page, signing out.

Opening a link exchanges its token for a session cookie and redirects to the portal's clean
URL, so the token stays out of the browser's history and of every Referer. Any link that does
not open (unknown, forged, expired, revoked, switched off) answers the same 404 page.
"""

from __future__ import annotations

from ..errors import (
    AccessDenied,
    CodeAttemptsExceeded,
    CodeExpired,
    InvalidCode,
    RateLimited,
)
from .context import CSRF_FIELD, Context
from .http import Response
from .problems import PageNotFound
from .security import pending_cookie_name, session_cookie_name

__all__ = ["code_page", "open_link", "send_code", "sign_out", "verify_code"]

_MAX_CODE_INPUT = 64


def open_link(ctx: Context) -> Response:
    """``GET /l/{token}``: open a link, set the cookie, redirect to a URL without the token."""
    opening = ctx.service.access.open(ctx.params["token"], client=ctx.client)
    portal_id = opening.portal.id
    if opening.session is None:
        assert opening.pending is not None
        response = Response.redirect(ctx.url("code", portal_id=portal_id))
        response.set_cookie(
            pending_cookie_name(portal_id),
            opening.pending,
            path=ctx.cookie_path,
            max_age=int(ctx.service.access.policy.pending_lifetime.total_seconds()),
            secure=ctx.secure,
        )
        return response
    response = Response.redirect(ctx.url("overview", portal_id=portal_id))
    ctx.set_session(response, portal_id, opening.session.value, opening.session.max_age)
    return response


def _pending(ctx: Context) -> str:
    """The pending cookie of the URL's portal, checked; the 404 page when it is not good."""
    portal_id = ctx.portal_id
    value = ctx.request.cookies.get(pending_cookie_name(portal_id))
    if not value:
        raise PageNotFound()
    try:
        link = ctx.service.access.pending_link(value)
    except AccessDenied:
        raise PageNotFound() from None
    if link.portal_id != portal_id:
        raise PageNotFound()
    return value


def _check_pending_csrf(ctx: Context, pending: str) -> None:
    ctx.service.access.check_pending_csrf(pending, ctx.form.get(CSRF_FIELD) or "")


def _masked_email(ctx: Context, pending: str) -> str:
    """The contact's address with most of its name hidden (``r***@lumen.example``)."""
    contact = ctx.service.access.pending_contact(pending)
    if contact is None:
        return "…"
    name, _, domain = contact.email.partition("@")
    return f"{name[:1]}***@{domain}"


def _code_page(
    ctx: Context, pending: str, *, status: int = 200, error: str | None = None
) -> Response:
    portal = ctx.service.admin.portal(ctx.portal_id)  # NotFound: the 404 page
    from .texts import PageText

    text = PageText(portal.language)
    minutes = int(ctx.service.access.policy.code_lifetime.total_seconds() // 60)
    return ctx.render(
        "code.html",
        status=status,
        text=text,
        portal_name=portal.name,
        email=_masked_email(ctx, pending),
        code_csrf=ctx.service.access.pending_csrf_token(pending),
        sent=ctx.query.get("sent") == "1",
        minutes=minutes,
        error=error,
    )


def code_page(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/code``: ask for a one-time code, and enter it."""
    return _code_page(ctx, _pending(ctx))


def send_code(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/code/send``: e-mail a new one-time code to the link's contact."""
    pending = _pending(ctx)
    _check_pending_csrf(ctx, pending)
    try:
        ctx.service.access.request_code(pending, client=ctx.client)
    except RateLimited:
        return _code_page(ctx, pending, status=429, error="code_too_many")
    return Response.redirect(ctx.url("code", query=[("sent", "1")]))


def verify_code(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/code``: exchange the one-time code for a session."""
    pending = _pending(ctx)
    _check_pending_csrf(ctx, pending)
    code = (ctx.form.get("code") or "")[:_MAX_CODE_INPUT]
    try:
        grant = ctx.service.access.verify_code(pending, code, client=ctx.client)
    except (CodeAttemptsExceeded, RateLimited):
        return _code_page(ctx, pending, status=429, error="code_too_many")
    except (InvalidCode, CodeExpired):
        return _code_page(ctx, pending, status=400, error="code_invalid")
    response = Response.redirect(ctx.url("overview"))
    ctx.set_session(response, grant.portal.id, grant.value, grant.max_age)
    return response


def sign_out(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/sign-out``: forget this portal's session in this browser."""
    visit = ctx.visit
    ctx.check_csrf(ctx.form.get(CSRF_FIELD) or "")
    from .texts import PageText

    response = ctx.render(
        "message.html",
        text=PageText(visit.portal.language),
        title=visit.portal.name,
        message=PageText(visit.portal.language)("signed_out"),
        portal=None,
        csrf_token=None,
        nav=(),
    )
    response.delete_cookie(
        session_cookie_name(visit.portal.id), path=ctx.cookie_path, secure=ctx.secure
    )
    return response
