"""Quotes in the portal: the list, each open quote's "Accept or decline" page, and the decision.

The quotes page lists what the portal shows, each decided quote with "Accepted by NAME on DATE"
(or declined) and each open one with a link to its decision page. That page shows the quote and
a form: the contact types their full name as their signature, then accepts, or declines with a
reason. A decision taken is a POST answered with ``303 See Other`` to the quotes page and a
one-time notice (:mod:`.flash`); input that cannot be used answers the form again (400), each
problem next to its field in the portal's language, with what was typed. The form carries
:func:`~clientportal.service.quotes.quote_digest` of the quote it shows (``seen``): when the host
revised the quote while the page was open, the POST decides nothing and answers the page again
with the quote as it is now and a notice saying so (409). Nothing here decides what is open:
:class:`~clientportal.service.quotes.Quotes` does.
"""

from __future__ import annotations

from ..errors import InvalidReason, WorkflowError
from ..model import DocumentStatus
from ..service.quotes import (
    MAX_SIGNATURE,
    InvalidSignature,
    Openness,
    QuoteChanged,
    QuoteChoice,
    QuoteClosed,
    check_decline_reason,
    check_signature,
    quote_digest,
)
from ..workflow import MAX_REASON
from .context import CSRF_FIELD, Context
from .flash import Flash, Notice
from .http import Response
from .params import parse_id
from .problems import BadRequest, Forbidden, PageNotFound

__all__ = ["decide_quote", "quote_decision", "quotes"]

#: The notice after a decision, and the one when the quote was decided or closed meanwhile.
_DONE = {True: "quote_accepted_done", False: "quote_declined_done"}
_CLOSED = {
    Openness.DECIDED: "quote_already_decided",
    Openness.EXPIRED: "quote_expired",
    Openness.CLOSED: "quote_closed",
}
_SIGNATURE_ERRORS = {
    "missing": "quote_signature_missing",
    "too_long": "quote_signature_too_long",
    "not_a_name": "quote_signature_not_a_name",
}


def _flash_key(ctx: Context) -> str:
    return ctx.service.access.csrf_token(ctx.visit)


def _address_hash(ctx: Context) -> str:
    """The keyed hash of the visitor's address, kept with the decision."""
    return ctx.service.access.codec.client_hash(ctx.client)


def quotes(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/quotes``: the quotes with downloads, each decided one with who
    decided and when, each open one with its "Accept or decline" link."""
    visit = ctx.visit
    if not ctx.service.pages.scope(visit).quotes:
        raise PageNotFound()
    choices = ctx.service.quotes.shown(visit)
    flash = ctx.take_flash(_flash_key(ctx)) or Flash()
    return ctx.render(
        "documents.html",
        kind="quote",
        documents=[c.quote for c in choices],
        projects={p.id: p.name for p in ctx.service.pages.projects(visit)},
        choices={c.quote.id: c for c in choices},
        decides=visit.contact_id is not None,
        expired=DocumentStatus.EXPIRED,
        flash=flash,
    )


def _choice(ctx: Context) -> QuoteChoice:
    """The quote of the URL, as the portal shows it (the 404 page for any other)."""
    visit = ctx.visit
    if not ctx.service.pages.scope(visit).quotes:
        raise PageNotFound()
    quote_id = parse_id(ctx.params["quote_id"], "quote id")
    return ctx.service.quotes.quote(visit, quote_id)


def _page(
    ctx: Context,
    choice: QuoteChoice,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    shown = {p.id: p.name for p in ctx.service.pages.projects(ctx.visit)}
    return ctx.render(
        "quote_decision.html",
        status=status,
        choice=choice,
        quote=choice.quote,
        seen=quote_digest(choice.quote),
        project_names=sorted(shown.get(pid, pid) for pid in choice.quote.project_ids),
        shared=ctx.visit.contact_id is None,
        closed=_CLOSED.get(choice.openness),
        errors=errors or {},
        typed=typed or {},
        notice=notice,
        max_signature=MAX_SIGNATURE,
        max_reason=MAX_REASON,
        told=bool(ctx.service.mail.company_recipients),
    )


def quote_decision(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/quotes/{quote_id}/decision``: the quote and, while it is open,
    the form that accepts or declines it; once decided, who decided and when."""
    return _page(ctx, _choice(ctx))


def _form(ctx: Context) -> tuple[bool, str, str, str]:
    """The decision, the typed signature and reason, and the digest of the quote the page
    showed (empty when missing: it then matches no quote, so nothing is decided blind)."""
    form = ctx.form
    decision = form.get("decision") or ""
    if decision not in ("accept", "decline"):
        raise BadRequest(f"decision: must be 'accept' or 'decline', got {decision[:40]!r}")
    signature, reason, seen = (form.get(name) or "" for name in ("signature", "reason", "seen"))
    return decision == "accept", signature, reason, seen


def decide_quote(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/quotes/{quote_id}/decision``: accept or decline the quote,
    signed with the typed name; then to the quotes page (``303``) with what happened. Input
    that cannot be used answers the form again (400) with each problem at its field; a quote
    that is no longer the one the page showed answers the page again as it is now (409)."""
    visit = ctx.visit
    ctx.check_csrf(ctx.form.get(CSRF_FIELD) or "")
    accept, signature, reason, seen = _form(ctx)
    choice = _choice(ctx)
    if visit.contact_id is None:
        raise Forbidden(ctx.text("quote_shared_link"))
    typed = {"signature": signature, "reason": reason}
    if choice.is_open and seen != quote_digest(choice.quote):
        return _page(ctx, choice, status=409, typed=typed, notice="quote_changed")
    errors = _problems(accept, signature, reason)
    if errors:
        return _page(ctx, choice, status=400, errors=errors, typed=typed)
    try:
        ctx.service.quotes.decide(
            visit,
            choice.quote.id,
            accept=accept,
            signature=signature,
            reason=reason if not accept else None,
            address_hash=_address_hash(ctx),
            seen=seen,
        )
    except (InvalidSignature, InvalidReason) as invalid:
        errors = _errors(invalid)
        return _page(ctx, choice, status=400, errors=errors, typed=typed)
    except QuoteChanged:
        # Revised between the check above and the decision: the page again, as it is now.
        current = ctx.service.quotes.quote(visit, choice.quote.id)
        return _page(ctx, current, status=409, typed=typed, notice="quote_changed")
    except QuoteClosed as closed:
        # Decided meanwhile (another tab, another contact) or no longer open: the page again,
        # as it is now, saying so.
        notice = _CLOSED.get(closed.openness, "quote_closed")
        return _page(
            ctx, ctx.service.quotes.quote(visit, choice.quote.id), status=409, notice=notice
        )
    except WorkflowError:
        raise PageNotFound() from None
    flash = Flash(notices=[Notice(_DONE[accept])])
    return ctx.redirect("quotes", flash=flash, flash_key=_flash_key(ctx))


def _problems(accept: bool, signature: str, reason: str) -> dict[str, str]:
    """Every field's problem at once (the service checks them again, one by one)."""
    errors: dict[str, str] = {}
    try:
        check_signature(signature)
    except InvalidSignature as invalid:
        errors |= _errors(invalid)
    if not accept:
        try:
            check_decline_reason(reason)
        except InvalidReason as invalid:
            errors |= _errors(invalid)
    return errors


def _errors(invalid: InvalidSignature | InvalidReason) -> dict[str, str]:
    """Each field's problem as a text key."""
    if isinstance(invalid, InvalidSignature):
        return {"signature": _SIGNATURE_ERRORS[invalid.problem]}
    if invalid.missing:
        return {"reason": "quote_reason_required"}
    return {"reason": "reason_too_long"}
