"""The sign-off PDF's texts and formats in one language (imported only when a PDF is drawn, so
that importing :mod:`clientportal.signoff` does not import Babel)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel import dates as babel_dates

from ..i18n import (
    N_,
    Translator,
    format_date,
    format_date_range,
    format_duration,
    format_money,
    format_number,
    translator,
)

__all__ = ["PDF_TEXTS", "PdfText"]

#: The PDF's texts, by key, in English (the msgids).
PDF_TEXTS = {
    "title": N_("Sign-off certificate"),
    "company": N_("Company"),
    "client": N_("Client"),
    "portal": N_("Portal"),
    "period": N_("Period"),
    "no_period": N_("The items listed below"),
    "approved_by": N_("Approved by"),
    "approved_at": N_("Approved at"),
    "address_hash": N_("Address (keyed hash)"),
    "not_recorded": N_("not recorded"),
    "sha256": N_("SHA-256 of the entry set"),
    "items": N_("Approved items"),
    "date": N_("Date"),
    "employee": N_("Employee"),
    "project": N_("Project"),
    "description": N_("Description"),
    "quantity": N_("Hours or km"),
    "amount": N_("Amount"),
    "expense": N_("Expense"),
    "totals": N_("Totals per project"),
    "count": N_("Items"),
    "hours": N_("Hours"),
    "kilometres": N_("Kilometres"),
    # TRANSLATORS: a distance in kilometres in the sign-off certificate, e.g. "12.5 km".
    "km": N_("%(distance)s km"),
    # TRANSLATORS: the first line of a certificate that no longer stands (an item it covers
    # was undone by the client or reopened by the staff); %(date)s is when, with the time
    # (e.g. "3 Dec 2026, 10:15:00 UTC").
    "withdrawn": N_("Withdrawn on %(date)s"),
    "withdrawn_why": N_(
        "An item this certificate covers was taken back or reopened after it was approved, so "
        "the certificate no longer stands. What it lists and its SHA-256 are unchanged."
    ),
    # TRANSLATORS: the footnote of the sign-off certificate; %(id)s is the certificate's id.
    "footnote": N_(
        "Certificate %(id)s. The SHA-256 is computed over the approved items in the canonical "
        "form the portal documents, so the company can prove what was approved."
    ),
}


class PdfText:
    """The PDF's texts and formats in ``language``: ``t("title")``, ``t.date(day)``..."""

    def __init__(self, language: str) -> None:
        self.t: Translator = translator(language)
        self.locale = self.t.locale

    def __call__(self, key: str, /, **values: object) -> str:
        """The text ``key`` of :data:`PDF_TEXTS`, translated, with ``values`` filled in."""
        return self.t.gettext(PDF_TEXTS[key], **values)

    def date(self, value: dt.date) -> str:
        """A date (``2 gru 2026``)."""
        return format_date(value, self.locale)

    def date_range(self, start: dt.date, end: dt.date) -> str:
        """A period of days (``1–30 lis 2026``)."""
        return format_date_range(start, end, self.locale)

    def moment(self, value: dt.datetime) -> str:
        """A time, in UTC, saying so."""
        utc = value.astimezone(dt.UTC)
        written = babel_dates.format_datetime(utc, "medium", tzinfo=dt.UTC, locale=self.locale)
        return f"{written} UTC"

    def money(self, amount: Decimal, currency: str) -> str:
        """An amount in ``currency``."""
        return format_money(amount, currency, self.locale)

    def number(self, value: int | Decimal) -> str:
        """A number in the locale's digits."""
        return format_number(value, self.locale)

    def km(self, distance: Decimal) -> str:
        """A distance in kilometres."""
        return self("km", distance=format_number(distance, self.locale))

    def hours(self, seconds: int) -> str:
        """A duration as hours and minutes (``7:30``)."""
        return format_duration(seconds, self.locale, style="clock")
