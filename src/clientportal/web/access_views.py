"""The HTML views of getting in: opening a link, the one-time code page, signing out.

Opening a link exchanges its token for a session cookie and redirects to the portal's clean
URL, so the token stays out of the browser's history and of every Referer. Any link that does
not open (unknown, forged, expired, revoked, switched off) answers the same 404 page.

Every form here answers ``303 See Other`` (Post/Redirect/Get): what the next page has to say
comes along as a one-time flash (:mod:`.flash`), so Back and reload never send a form again.
"""

from __future__ import annotations

from ..errors import (
    AccessDenied,
    CodeAttemptsExceeded,
    CodeExpired,
    InvalidCode,
    RateLimited,
)
from ..model import SUPPORTED_LANGUAGES
from ..service.notify import LANDING_PAGES
from .context import CSRF_FIELD, MAX_COOKIE_VALUES, Context
from .flash import Flash, Notice
from .http import Response
from .problems import PageNotFound
from .security import pending_cookie_name, session_cookie_name
from .texts import PageText

__all__ = ["code_page", "open_link", "send_code", "sign_out", "signed_out", "verify_code"]

_MAX_CODE_INPUT = 64


def open_link(ctx: Context) -> Response:
    """``GET /l/{token}``: open a link, set the cookie, redirect to a URL without the token.

    ``?next=approvals`` (a page name of ``LANDING_PAGES``, never a URL) lands there instead of
    the overview; the code step, on a portal that asks for one, ends on the overview."""
    landing = ctx.query.get("next")
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
    page = landing if landing in LANDING_PAGES else "overview"
    response = Response.redirect(ctx.url(page, portal_id=portal_id))
    ctx.set_session(response, portal_id, opening.session.value, opening.session.max_age)
    return response


def _pending(ctx: Context) -> str:
    """The pending cookie of the URL's portal, checked; the 404 page when it is not good.

    A cookie name sent several times (a junk value planted first, say) is tried value by value,
    the first few only, as the session cookie is."""
    portal_id = ctx.portal_id
    for value in ctx.cookie_values(pending_cookie_name(portal_id))[:MAX_COOKIE_VALUES]:
        try:
            link = ctx.service.access.pending_link(value)
        except AccessDenied:
            continue
        if link.portal_id == portal_id:
            return value
    raise PageNotFound()


def _check_pending_csrf(ctx: Context, pending: str) -> None:
    ctx.service.access.check_pending_csrf(pending, ctx.form.get(CSRF_FIELD) or "")


def _masked_email(ctx: Context, pending: str) -> str:
    """The contact's address with most of its name hidden (``r***@lumen.example``)."""
    contact = ctx.service.access.pending_contact(pending)
    if contact is None or contact.email is None:
        return "…"
    name, _, domain = contact.email.partition("@")
    return f"{name[:1]}***@{domain}"


def _sent(ctx: Context) -> list[tuple[str, str]]:
    """The code page's state in its URL: ``sent=1`` once a code is on its way."""
    return [("sent", "1")] if ctx.query.get("sent") == "1" else []


def _back_to_code(ctx: Context, pending: str, flash: Flash, *, sent: bool = False) -> Response:
    """``303`` back to the code page (``sent``, or as it was), with ``flash`` for it, signed for
    this pending visitor."""
    key = ctx.service.access.pending_csrf_token(pending)
    state = [("sent", "1")] if sent else _sent(ctx)
    return ctx.redirect("code", state, flash=flash, flash_key=key)


def code_page(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/code``: ask for a one-time code, and enter it."""
    pending = _pending(ctx)
    portal = ctx.service.admin.portal(ctx.portal_id)  # NotFound: the 404 page
    code_csrf = ctx.service.access.pending_csrf_token(pending)
    flash = ctx.take_flash(code_csrf) or Flash()
    return ctx.render(
        "code.html",
        text=PageText(portal.language),
        portal_name=portal.name,
        email=_masked_email(ctx, pending),
        code_csrf=code_csrf,
        sent=ctx.query.get("sent") == "1",
        state=_sent(ctx),
        flash=flash,
    )


def send_code(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/code/send``: e-mail a new one-time code to the link's contact,
    then back to the code page (``303``), which says so once."""
    pending = _pending(ctx)
    _check_pending_csrf(ctx, pending)
    try:
        ctx.service.access.request_code(pending, client=ctx.client)
    except RateLimited:
        return _back_to_code(ctx, pending, Flash(error="code_too_many"))
    minutes = int(ctx.service.access.policy.code_lifetime.total_seconds() // 60)
    return _back_to_code(ctx, pending, Flash(notices=[Notice("code_sent", minutes)]), sent=True)


def verify_code(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/code``: exchange the one-time code for a session (``303`` to
    the overview), or back to the code page (``303``) saying what went wrong."""
    pending = _pending(ctx)
    _check_pending_csrf(ctx, pending)
    code = (ctx.form.get("code") or "")[:_MAX_CODE_INPUT]
    try:
        grant = ctx.service.access.verify_code(pending, code, client=ctx.client)
    except (CodeAttemptsExceeded, RateLimited):
        return _back_to_code(ctx, pending, Flash(error="code_too_many"))
    except (InvalidCode, CodeExpired):
        return _back_to_code(ctx, pending, Flash(error="code_invalid"))
    response = Response.redirect(ctx.url("overview"))
    ctx.set_session(response, grant.portal.id, grant.value, grant.max_age)
    return response


def sign_out(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/sign-out``: end this portal's session on the server (so no
    copy of its cookie works any more) and forget it in this browser, then ``303`` to the
    signed-out page in the portal's language."""
    visit = ctx.visit
    ctx.check_csrf(ctx.form.get(CSRF_FIELD) or "")
    ctx.service.access.sign_out(visit, client=ctx.client)
    response = Response.redirect(ctx.url("signed_out", query=[("lang", visit.portal.language)]))
    response.delete_cookie(
        session_cookie_name(visit.portal.id), path=ctx.cookie_path, secure=ctx.secure
    )
    return response


def signed_out(ctx: Context) -> Response:
    """``GET /signed-out?lang=nl``: "you have signed out", in that language (else the browser's).

    It names no portal and reads no cookie: the page is the same for everybody, so it tells
    nothing about any portal."""
    language = ctx.query.get("lang") or ""
    text = PageText(language) if language in SUPPORTED_LANGUAGES else ctx.text
    return ctx.render(
        "message.html", text=text, title=text("portal"), message=text("signed_out"), detail=()
    )
