"""The action link of an approval-request e-mail: ``/act/{token}``.

``GET`` (and ``HEAD``, and a browser's or a mail scanner's prefetch) shows the confirmation
page -- the items as the portal shows them now, their totals, Approve all / Reject with a reason
/ Open the portal -- and changes nothing: no link use, no event, no session
(:meth:`ActionDesk.look <clientportal.service.actions.ActionDesk.look>`). Only the ``POST`` of
that page decides (:meth:`ActionDesk.decide <clientportal.service.actions.ActionDesk.decide>`),
and answers with the result page; on a portal that asks for a one-time code, ``POST
/act/{token}/code`` e-mails one first.

There is no session, so CSRF is a double submit: the page sets a random value in a cookie
scoped to the action links' path (HttpOnly, SameSite=Strict) and signs it with the token into
the form's hidden field; a POST must bring both. Every page is in the portal's language and is
served ``no-store``, ``Referrer-Policy: no-referrer`` and ``X-Robots-Tag: noindex`` (the app
puts these on every answer). An unknown, forged or revoked link answers the same 404 page as a
link that does not open.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ..errors import (
    CodeAttemptsExceeded,
    CodeExpired,
    CodeRequired,
    InvalidCode,
    InvalidCsrfToken,
    InvalidReason,
    RateLimited,
)
from ..model import ItemKind
from ..service.actions import ActionResult, ActionStatus, ActionView, ItemState
from ..workflow import MAX_REASON
from .context import CSRF_FIELD, Context
from .http import Response
from .problems import BadRequest
from .security import pending_cookie_name
from .texts import PageText

__all__ = ["ACTION_COOKIE", "act", "act_decide", "act_open", "act_send_code"]

#: The name of the double-submit cookie of an action link (one per link: the name carries a
#: digest of the token, the token itself is never in a cookie).
ACTION_COOKIE = "cp_act"
#: How long the double-submit cookie lives (a day: a page left open over lunch still works).
_COOKIE_MAX_AGE = 24 * 3600
_MAX_PIN_INPUT = 64
_NONCE_LENGTH = 43


def _token(ctx: Context) -> str:
    return ctx.params["token"]


def _cookie_path(ctx: Context) -> str:
    """The cookie's path: the folder of the action links (``/act/``), nothing else."""
    return ctx.url("act", token=_token(ctx)).rsplit("/", 1)[0] + "/"


def _cookie_name(token: str) -> str:
    return f"{ACTION_COOKIE}_{hashlib.sha256(token.encode('utf-8')).hexdigest()[:20]}"


def _nonce(ctx: Context, path: str) -> str | None:
    """The double-submit value the browser sent for this link, if any."""
    for value in ctx.cookie_values(_cookie_name(_token(ctx)), path):
        if len(value) == _NONCE_LENGTH and value.replace("-", "").replace("_", "").isalnum():
            return value
    return None


def _page(
    ctx: Context,
    view: ActionView,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
    typed: str = "",
    rejecting: bool = False,
) -> Response:
    """The confirmation page of ``view`` (or the page that says it expired or was used), with
    a fresh double-submit cookie when the browser has none."""
    token = _token(ctx)
    path = _cookie_path(ctx)
    nonce = _nonce(ctx, path)
    fresh = nonce is None
    if nonce is None:
        nonce = secrets.token_urlsafe(32)
    desk = ctx.service.actions
    t = PageText.of(view.portal)
    values = _common(ctx, view, t)
    response = ctx.render(
        "action.html",
        status=status,
        text=t,
        view=view,
        csrf=desk.csrf_token(token, nonce),
        request_token=token,
        error=error,
        notice=notice,
        typed=typed,
        rejecting=rejecting,
        max_reason=MAX_REASON,
        **values,
    )
    if fresh and not view.expired:
        response.set_cookie(
            _cookie_name(token),
            nonce,
            path=path,
            max_age=_COOKIE_MAX_AGE,
            secure=ctx.secure,
            samesite="Strict",
        )
    return response


def _common(ctx: Context, view: ActionView, t: PageText) -> dict[str, Any]:
    """What the confirmation and result pages share: the sections of items, the names."""
    several = any(i.kind is not ItemKind.ENTRY for i in view.items)
    sections = [
        (kind.value, [i.shown for i in view.decidable if i.kind is kind and i.shown])
        for kind in ItemKind
    ]
    left = [i for i in view.items if i.state in (ItemState.CHANGED, ItemState.DECIDED)]
    return {
        "scope": ctx.service.pages.scope(view.portal),
        "sections": [(kind, items) for kind, items in sections if items],
        "left": left,
        "gone": len(view.with_state(ItemState.GONE)),
        "projects": view.projects,
        "employees": view.employees,
        "several": several,
        "open_url": ctx.url("act_open", token=_token(ctx)),
        "email": _masked(view.contact.email),
        "company": ctx.app.company or view.portal.name,
        "title": t("act_title"),
    }


def _masked(email: str | None) -> str:
    """The contact's address with most of its name hidden (``r***@lumen.example``)."""
    if not email:
        return "…"
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


def act(ctx: Context) -> Response:
    """``GET /act/{token}``: what the action link asks, as the portal shows it now. Changes
    nothing, however often it is fetched."""
    view = ctx.service.actions.look(_token(ctx))
    sent = ctx.query.get("sent")
    notice = {"1": "act_code_sent", "wait": "code_too_many"}.get(sent or "")
    return _page(ctx, view, notice=notice)


def act_send_code(ctx: Context) -> Response:
    """``POST /act/{token}/code``: e-mail the contact a one-time code for the decision, then
    ``303`` back to the page, which says so."""
    token = _token(ctx)
    desk = ctx.service.actions
    view = desk.look(token)
    if not _csrf_ok(ctx, token):
        return _page(ctx, view, status=400, error="act_form_expired")
    try:
        desk.send_code(token, client=ctx.client)
    except RateLimited:
        return Response.redirect(ctx.url("act", query=[("sent", "wait")], token=token))
    return Response.redirect(ctx.url("act", query=[("sent", "1")], token=token))


def act_open(ctx: Context) -> Response:
    """``POST /act/{token}/open``: open the portal with the contact's link the e-mail carries
    (a session, ``303`` to the approvals page; or, where the portal asks for a code, the code
    page). A POST, so no mail scanner ever opens anything."""
    token = _token(ctx)
    desk = ctx.service.actions
    view = desk.look(token)
    if not _csrf_ok(ctx, token):
        return _page(ctx, view, status=400, error="act_form_expired")
    opening = desk.open_portal(token, client=ctx.client)
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
    response = Response.redirect(ctx.url("approvals", portal_id=portal_id))
    ctx.set_session(response, portal_id, opening.session.value, opening.session.max_age)
    return response


def _csrf_ok(ctx: Context, token: str) -> bool:
    nonce = _nonce(ctx, _cookie_path(ctx)) or ""
    try:
        ctx.service.actions.check_csrf(token, nonce, ctx.form.get(CSRF_FIELD) or "")
    except InvalidCsrfToken:
        return False
    return True


def act_decide(ctx: Context) -> Response:
    """``POST /act/{token}``: approve (``action=approve``) or reject (``action=reject`` with a
    ``reason``) the items still as the e-mail listed them; the result page says what was
    decided and what was left for the portal."""
    token = _token(ctx)
    desk = ctx.service.actions
    form = ctx.form
    action = form.get("action") or ""
    if action not in ("approve", "reject"):
        raise BadRequest(f"action: must be 'approve' or 'reject', got {action[:40]!r}")
    approve = action == "approve"
    reason = (form.get("reason") or "").strip()
    view = desk.look(token)

    def again(error: str, status: int = 400) -> Response:
        """The page again, saying what to change, with what the client typed."""
        return _page(ctx, view, status=status, error=error, typed=reason, rejecting=not approve)

    if not _csrf_ok(ctx, token):
        return again("act_form_expired")
    codec = ctx.service.access.codec
    try:
        result = desk.decide(
            token,
            approve=approve,
            reason=None if approve else reason,
            pin=(form.get("pin") or "")[:_MAX_PIN_INPUT] or None,
            address_hash=codec.client_hash(ctx.client),
            client=ctx.client,
        )
    except InvalidReason as invalid:
        error = "act_reason_required" if invalid.missing else "reason_too_long"
        return again(error)
    except CodeRequired:
        return again("act_pin_required")
    except (InvalidCode, CodeExpired):
        return again("code_invalid")
    except (CodeAttemptsExceeded, RateLimited):
        return again("code_too_many", status=429)
    return _result(ctx, result)


def _result(ctx: Context, result: ActionResult) -> Response:
    """The page after a POST: what was decided, and what was left for the portal."""
    view = result.view
    if result.status in (ActionStatus.EXPIRED, ActionStatus.USED):
        return _page(ctx, view)
    t = PageText.of(view.portal)
    decision = result.decision
    counts: list[tuple[str, int]] = []
    if decision is not None:
        verb = "approved" if result.approved else "rejected"
        keys = {
            ItemKind.ENTRY: f"{verb}_count",
            ItemKind.EXPENSE: f"expenses_{verb}_count",
            ItemKind.TRIP: f"trips_{verb}_count",
        }
        for kind in ItemKind:
            count = sum(1 for o in decision.applied if o.kind is kind)
            if count:
                counts.append((keys[kind], count))
    done = {(i.kind, i.id) for i in result.applied}
    left = [i for i in view.items if (i.kind, i.id) not in done and i.shown is not None]
    values = _common(ctx, view, t)
    values["left"] = left
    nonce = _nonce(ctx, _cookie_path(ctx)) or ""
    return ctx.render(
        "action_done.html",
        csrf=ctx.service.actions.csrf_token(_token(ctx), nonce),
        text=t,
        view=view,
        result=result,
        counts=counts,
        nothing=result.status is ActionStatus.NOTHING_LEFT or not counts,
        **values,
    )
