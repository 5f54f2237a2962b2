"""The sign-off page: the weeks and months with items awaiting the client, each approved at once
with one button, and the contact's sign-off certificates to download as PDF.

Approving a period is a POST answered with ``303 See Other`` back to the page; what happened comes
along as a one-time :class:`~.flash.Flash`. A period is named by its ``unit`` (``week`` or
``month``) and its first day (a Monday, or the 1st), so only whole weeks and months are signed
off. A certificate is downloaded only by the contact who signed it, from their portal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from attrs import frozen

from ..errors import WorkflowError
from ..i18n import format_date_range
from ..ports import SignOff
from ..service.periods import PeriodChanged
from ..service.signoffs import AwaitingPeriod, month_of, week_of
from ..signoff import pdf_available
from .context import CSRF_FIELD, Context
from .downloads import content_disposition
from .flash import Flash, Notice
from .http import Response
from .params import parse_id
from .problems import BadRequest, Forbidden, PageNotFound

__all__ = ["period_of", "sign_off_period", "signoff_file", "signoff_page"]

#: How many of the contact's certificates the page lists.
LISTED = 50
_SPANS = {"week": week_of, "month": month_of}


def period_of(unit: str, start: str) -> tuple[dt.date, dt.date]:
    """The week or month (``unit``) that begins on ``start`` (ISO ``YYYY-MM-DD``: a Monday for
    a week, the 1st for a month); 400 otherwise."""
    span_of = _SPANS.get(unit)
    if span_of is None:
        raise BadRequest(f"unit: must be 'week' or 'month', got {unit[:20]!r}")
    try:
        first = dt.date.fromisoformat(start)
    except ValueError:
        raise BadRequest(f"start: {start[:20]!r} is not a date (YYYY-MM-DD)") from None
    span = span_of(first)
    if span[0] != first:
        begins = "a Monday" if unit == "week" else "the first day of a month"
        raise BadRequest(f"start: a {unit} begins on {begins}, {first.isoformat()} does not")
    return span


@frozen
class _Period:
    """A period as the page lists it: its values and how they read."""

    unit: str
    start: str
    label: str
    count: str
    totals: tuple[str, ...]
    review_url: str
    seen: str


@frozen
class _Certificate:
    """A certificate as the page lists it."""

    id: str
    approved_at: str
    period: str
    sha256: str
    url: str | None
    #: "Withdrawn on DATE" when an item it covers was undone or reopened, else ``None``.
    withdrawn: str | None = None


def _flash_key(ctx: Context) -> str:
    return ctx.service.access.csrf_token(ctx.visit)


def _span(ctx: Context, start: dt.date, end: dt.date) -> str:
    return format_date_range(start, end, ctx.text.locale)


def _listed_period(ctx: Context, period: AwaitingPeriod) -> _Period:
    t = ctx.text
    totals = []
    if period.seconds:
        totals.append(t.pair(t("hours"), t.duration(period.seconds)))
    if period.distance:
        totals.append(t.pair(t("signoff_distance"), t.distance(period.distance)))
    if period.amounts:
        totals.append(t.pair(t("amount"), t.amounts(period.amounts)))
    review = [("from", period.start.isoformat()), ("to", period.end.isoformat())]
    return _Period(
        unit=period.unit,
        start=period.start.isoformat(),
        label=_span(ctx, period.start, period.end),
        count=t.number(period.count),
        totals=tuple(totals),
        review_url=ctx.url("approvals", query=review),
        seen=period.seen,
    )


def _listed_certificate(ctx: Context, signoff: SignOff, route: str | None) -> _Certificate:
    t = ctx.text
    when = signoff.created_at.astimezone(dt.UTC)
    period = (
        _span(ctx, signoff.period_start, signoff.period_end)
        if signoff.period_start is not None and signoff.period_end is not None
        else t("signoff_batch")
    )
    return _Certificate(
        id=signoff.id,
        approved_at=f"{t.date(when.date())} {when:%H:%M} UTC",
        period=period,
        sha256=signoff.sha256,
        url=None if route is None else ctx.url(route, signoff_id=signoff.id),
        withdrawn=None
        if signoff.withdrawn_at is None
        else t("signoff_withdrawn_on", date=t.date(signoff.withdrawn_at.astimezone(dt.UTC).date())),
    )


def certificates(ctx: Context, signoffs: Sequence[SignOff]) -> list[_Certificate]:
    """The portal page's rows of ``signoffs``, with download links when PDFs can be drawn."""
    route = "signoff_file" if pdf_available() else None
    return [_listed_certificate(ctx, s, route) for s in signoffs]


def signoff_page(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/sign-off``: the weeks and months awaiting the client, and the
    contact's certificates."""
    visit = ctx.visit
    if not ctx.service.pages.scope(visit).approval:
        raise PageNotFound()
    found = ctx.service.signoffs.periods(visit)
    periods = [_listed_period(ctx, p) for p in found]
    own = (
        ctx.service.signoffs.of(visit.portal.id, visit.contact_id, limit=LISTED)
        if visit.contact_id is not None
        else ()
    )
    return ctx.render(
        "signoff.html",
        weeks=[p for p in periods if p.unit == "week"],
        months=[p for p in periods if p.unit == "month"],
        certificates=certificates(ctx, own),
        shared=visit.contact_id is None,
        flash=ctx.take_flash(_flash_key(ctx)) or Flash(),
    )


def sign_off_period(ctx: Context) -> Response:
    """``POST /portal/{portal_id}/sign-off``: approve everything awaiting the client in the
    week or month the form names; then back to the page (``303``) with what happened."""
    visit = ctx.visit
    ctx.check_csrf(ctx.form.get(CSRF_FIELD) or "")
    if not ctx.service.pages.scope(visit).approval:
        raise PageNotFound()
    if visit.contact_id is None:
        raise Forbidden(ctx.text("signoff_shared"))
    start, end = period_of(ctx.form.get("unit") or "", ctx.form.get("start") or "")
    try:
        result = ctx.service.approvals.client_sign_off(
            visit,
            start=start,
            end=end,
            address_hash=ctx.service.access.codec.client_hash(ctx.client),
            seen=ctx.form.get("seen") or "",
        )
    except PeriodChanged:
        flash = Flash(notices=[Notice("signoff_changed", level="warning")])
        return ctx.redirect("signoff", flash=flash, flash_key=_flash_key(ctx))
    except WorkflowError:
        result = None
    if result is None or not result.applied:
        flash = Flash(notices=[Notice("signoff_nothing_left", level="warning")])
    else:
        notices = [Notice("signoff_done")]
        if len(result.applied) < len(result.outcomes):
            notices.append(Notice("signoff_some_left", level="warning"))
        flash = Flash(notices=notices)
    return ctx.redirect("signoff", flash=flash, flash_key=_flash_key(ctx))


def pdf_response(filename: str, data: bytes) -> Response:
    """The response that downloads a certificate's PDF: an attachment, never stored by a cache."""
    return Response(
        headers=[
            ("Content-Type", "application/pdf"),
            ("Content-Disposition", content_disposition(filename)),
            ("Cache-Control", "no-store"),
        ],
        body=data,
    )


def signoff_file(ctx: Context) -> Response:
    """``GET /portal/{portal_id}/sign-offs/{signoff_id}``: the PDF of one of the contact's own
    certificates; the not-found page for any other (or when PDFs cannot be drawn)."""
    visit = ctx.visit
    signoff_id = parse_id(ctx.params["signoff_id"], "sign-off")
    if visit.contact_id is None or not pdf_available():
        raise PageNotFound()
    signoffs = ctx.service.signoffs
    found = signoffs.get(visit.portal.id, signoff_id, contact_id=visit.contact_id)
    return pdf_response(*signoffs.pdf(found))
