"""The portal pages' texts and formats in one language, for the templates.

Templates call ``t("key", **values)`` with a key of :data:`clientportal.i18n.LABELS` (every text
of the pages is in the library's Babel catalog, translated for every supported language), and
``t.date``, ``t.duration``, ``t.money`` and friends to format values for the page's locale.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel import dates as babel_dates

from ..i18n import (
    PLURAL_LABELS,
    Translator,
    format_budget_amount,
    format_date,
    format_duration,
    format_money,
    format_number,
    format_percent,
    translator,
)
from ..model import ApprovalStatus, BudgetType, DocumentStatus

__all__ = ["PageText"]


class PageText:
    """Texts and formats of one page in one language, for templates: ``t("hours")``,
    ``t.plural("entries_count", 3)``, ``t.duration(5400)``, ``t.money(amount, "EUR")``."""

    def __init__(self, language: str) -> None:
        self.translator: Translator = translator(language)
        self.locale = self.translator.locale
        self.language = self.translator.language

    def __call__(self, key: str, /, **values: object) -> str:
        """The catalog text :data:`~clientportal.i18n.LABELS` names ``key``, with ``values``
        filled in."""
        return self.translator.label(key, **values)

    def plural(self, key: str, n: int, /, **values: object) -> str:
        """The count-dependent catalog text ``key`` for ``n``."""
        if key not in PLURAL_LABELS:
            raise KeyError(f"no plural label {key!r}")
        return self.translator.plural_label(key, n, **values)

    def approval_status(self, status: ApprovalStatus) -> str:
        """The name of an approval status."""
        return self.translator.approval_status(status)

    def document_status(self, status: DocumentStatus, kind: str) -> str:
        """The name of an invoice's or quote's status."""
        return self.translator.document_status(status, "invoice" if kind == "invoice" else "quote")

    def budget_type(self, budget_type: BudgetType) -> str:
        """The name of a budget method."""
        return self.translator.budget_type(budget_type)

    def duration(self, seconds: int) -> str:
        """Hours and minutes (``7:30``)."""
        return format_duration(seconds, self.locale)

    def hours(self, seconds: int) -> str:
        """Decimal hours with their unit (``7,5 uur``)."""
        return format_duration(seconds, self.locale, style="decimal")

    def date(self, value: dt.date, style: str = "medium") -> str:
        """A date in the locale's style."""
        return format_date(value, self.locale, style=style)  # type: ignore[arg-type]

    def day_month(self, value: dt.date) -> str:
        """Day and short month in the locale's order (``23 nov``, ``Nov 23``, ``23. Nov.``)."""
        return babel_dates.format_skeleton("MMMd", value, locale=self.locale)

    def money(self, amount: Decimal, currency: str) -> str:
        """An amount in its currency."""
        return format_money(amount, currency, self.locale)

    def number(self, value: int | Decimal) -> str:
        """A number in the locale's digits."""
        return format_number(value, self.locale)

    def percent(self, ratio: Decimal) -> str:
        """A ratio as a whole percentage."""
        return format_percent(ratio, self.locale)

    def budget_amount(self, amount: Decimal, budget_type: BudgetType, currency: str | None) -> str:
        """A budget amount: hours with their unit, or money."""
        return format_budget_amount(amount, budget_type, currency, self.locale)
