"""The portal pages' texts and formats in one language, for the templates.

Templates call ``t("key", **values)`` with a key of :data:`clientportal.i18n.LABELS` (every text
of the pages is in the library's Babel catalog, translated for every supported language), and
``t.date``, ``t.duration``, ``t.money`` and friends to format values for the page's locale: the
portal's language refined by its currency (:func:`~clientportal.i18n.locales.portal_locale`, so
an English portal in pounds writes British dates). ``t.pair(label, value)`` puts a label before
its value with the language's punctuation (``Total\u00a0: 7,5 heures`` in French).
``t.label["key"]`` is ``t("key")`` for a text without values, looked up as an item rather than
called: what a table row repeated fifty times uses.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal

from babel import Locale
from babel import dates as babel_dates
from babel import units as babel_units

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
from ..i18n.formatting import numeric_date_pattern
from ..i18n.locales import portal_locale
from ..model import ApprovalStatus, BudgetType, DocumentStatus, Portal

__all__ = ["PageText"]


#: A date to show the locale's date pattern with (day and month apart, so the order reads).
_EXAMPLE_DATE = dt.date(2026, 12, 31)

#: How many formatted values each formatter keeps: a page formats the same dates, hours and
#: amounts as the last one did, and Babel takes tens of microseconds for each.
_REMEMBERED = 4096


class PageText:
    """Texts and formats of one page in one language, for templates: ``t("hours")``,
    ``t.plural("entries_count", 3)``, ``t.duration(5400)``, ``t.money(amount)``.

    ``currency`` is the portal's (:attr:`~clientportal.PortalSettings.currency`): the one of
    entries' rates and amounts, and what :meth:`money` writes when given no other.
    """

    def __init__(self, language: str, *, currency: str | None = None) -> None:
        self.translator: Translator = translator(portal_locale(language, currency))
        self.locale = self.translator.locale
        self.language = self.translator.language
        self.currency = currency
        # The formatters remember their answers by the locale's name: hashing a Locale takes a
        # microsecond, a string next to nothing, and a page formats hundreds of values.
        self._name = name = str(self.locale)
        _TRANSLATORS.setdefault(name, self.translator)

    @classmethod
    def of(cls, portal: Portal) -> PageText:
        """The texts of ``portal``'s pages: its language and currency."""
        return cls(portal.language, currency=portal.settings.currency)

    @property
    def label(self) -> Mapping[str, str]:
        """The catalog texts without values by key (``t.label["date"]`` is ``t("date")``)."""
        return _labels(self._name)

    def __call__(self, key: str, /, **values: object) -> str:
        """The catalog text :data:`~clientportal.i18n.LABELS` names ``key``, with ``values``
        filled in."""
        if values:
            return self.translator.label(key, **values)
        return _label(self._name, key)

    def plural(self, key: str, n: int, /, **values: object) -> str:
        """The count-dependent catalog text ``key`` for ``n``."""
        if key not in PLURAL_LABELS:
            raise KeyError(f"no plural label {key!r}")
        return self.translator.plural_label(key, n, **values)

    def approval_status(self, status: ApprovalStatus) -> str:
        """The name of an approval status."""
        return _approval_status(self._name, status)

    def document_status(self, status: DocumentStatus, kind: str) -> str:
        """The name of an invoice's or quote's status."""
        return self.translator.document_status(status, "invoice" if kind == "invoice" else "quote")

    def budget_type(self, budget_type: BudgetType) -> str:
        """The name of a budget method."""
        return self.translator.budget_type(budget_type)

    def duration(self, seconds: int) -> str:
        """Hours and minutes (``7:30``)."""
        return _duration(self._name, seconds)

    def hours(self, seconds: int) -> str:
        """Decimal hours with their unit (``7,5 uur``)."""
        return _hours(self._name, seconds)

    def date(self, value: dt.date, style: str = "medium") -> str:
        """A date in the locale's style."""
        return _date(self._name, value, style)

    def day_month(self, value: dt.date) -> str:
        """Day and short month in the locale's order (``23 nov``, ``Nov 23``, ``23. Nov.``)."""
        return _day_month(self._name, value)

    def money(self, amount: Decimal, currency: str | None = None) -> str:
        """An amount in ``currency``, by default the portal's (``€ 1.234,50`` in Dutch)."""
        chosen = currency or self.currency
        if chosen is None:
            raise ValueError("this page has no currency: give the amount's currency")
        return _money(self._name, chosen, amount, str(amount))

    def distance(self, kilometres: Decimal) -> str:
        """A distance in kilometres with its unit (``12,5 km`` in Dutch)."""
        return _distance(self._name, kilometres, str(kilometres))

    def amounts(self, amounts: tuple[tuple[str, Decimal], ...]) -> str:
        """Amounts in several currencies (``(currency, amount)`` pairs, as
        :class:`~clientportal.ports.CostTotals` holds them), each with its currency, joined
        with " + "; ``–`` when there are none."""
        if not amounts:
            return "–"
        return " + ".join(self.money(amount, currency) for currency, amount in amounts)

    def pair(self, label: str, value: str) -> str:
        """``label: value`` with the language's punctuation (a no-break space before the colon
        in French)."""
        return self("label_value", label=label, value=value)

    def date_example(self) -> str:
        """A date as somebody types it in this locale (``31-12-2026`` in Dutch), for the help
        text of a date field."""
        pattern = numeric_date_pattern(self.locale)
        return babel_dates.format_date(_EXAMPLE_DATE, format=pattern, locale=self.locale)

    def number(self, value: int | Decimal) -> str:
        """A number in the locale's digits."""
        return _number(self._name, value, str(value))

    def percent(self, ratio: Decimal) -> str:
        """A ratio as a whole percentage."""
        return _percent(self._name, ratio, str(ratio))

    def budget_amount(self, amount: Decimal, budget_type: BudgetType, currency: str | None) -> str:
        """A budget amount: hours with their unit, or money."""
        return _budget_amount(self._name, budget_type, currency, amount, str(amount))


# The formatters, remembered per locale and value (``typed``, and a number's text in the key, so
# ``1``, ``1.0`` and ``Decimal("1.00")`` are never taken for each other). Formatting is a pure
# function of these, so what is remembered never goes stale; a refusal is never remembered.


#: The translators of the pages by their locale's name (a handful: one per language and
#: currency region the portals use).
_TRANSLATORS: dict[str, Translator] = {}


def _locale(name: str) -> Locale:
    return _TRANSLATORS[name].locale


class _Labels(dict[str, str]):
    """The texts of one translator, each looked up when first asked for."""

    def __init__(self, translator: Translator) -> None:
        super().__init__()
        self._translator = translator

    def __missing__(self, key: str) -> str:
        text = self[key] = self._translator.label(key)
        return text


@functools.lru_cache(maxsize=64)
def _labels(name: str) -> _Labels:
    return _Labels(_TRANSLATORS[name])


@functools.lru_cache(maxsize=_REMEMBERED)
def _label(name: str, key: str) -> str:
    return _TRANSLATORS[name].label(key)


@functools.lru_cache(maxsize=_REMEMBERED)
def _approval_status(name: str, status: ApprovalStatus) -> str:
    return _TRANSLATORS[name].approval_status(status)


@functools.lru_cache(maxsize=_REMEMBERED, typed=True)
def _duration(name: str, seconds: int) -> str:
    return format_duration(seconds, _locale(name))


@functools.lru_cache(maxsize=_REMEMBERED, typed=True)
def _hours(name: str, seconds: int) -> str:
    return format_duration(seconds, _locale(name), style="decimal")


@functools.lru_cache(maxsize=_REMEMBERED, typed=True)
def _date(name: str, value: dt.date, style: str) -> str:
    return format_date(value, _locale(name), style=style)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=_REMEMBERED, typed=True)
def _day_month(name: str, value: dt.date) -> str:
    return babel_dates.format_skeleton("MMMd", value, locale=_locale(name))


@functools.lru_cache(maxsize=_REMEMBERED, typed=True)
def _money(name: str, currency: str, amount: Decimal, text: str) -> str:
    return format_money(amount, currency, _locale(name))


@functools.lru_cache(maxsize=_REMEMBERED, typed=True)
def _distance(name: str, kilometres: Decimal, text: str) -> str:
    return babel_units.format_unit(
        kilometres, "length-kilometer", length="short", locale=_locale(name)
    )


@functools.lru_cache(maxsize=_REMEMBERED, typed=True)
def _number(name: str, value: int | Decimal, text: str) -> str:
    return format_number(value, _locale(name))


@functools.lru_cache(maxsize=_REMEMBERED, typed=True)
def _percent(name: str, ratio: Decimal, text: str) -> str:
    return format_percent(ratio, _locale(name))


@functools.lru_cache(maxsize=_REMEMBERED, typed=True)
def _budget_amount(
    name: str, budget_type: BudgetType, currency: str | None, amount: Decimal, text: str
) -> str:
    return format_budget_amount(amount, budget_type, currency, _locale(name))
