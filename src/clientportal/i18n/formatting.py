"""Locale-aware formatting: numbers, durations, hours, money, dates, date ranges, percentages and
budgets, always in an explicit locale (never the process locale)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel import units as babel_units

from ..model import BudgetType
from .locales import LocaleLike, resolve_locale

__all__ = [
    "DateStyle",
    "DurationStyle",
    "format_budget_amount",
    "format_budget_usage",
    "format_date",
    "format_date_range",
    "format_duration",
    "format_hours",
    "format_money",
    "format_number",
    "format_percent",
    "numeric_date_pattern",
]

#: ``"clock"`` writes ``7:30``; ``"decimal"`` writes ``7,5 uur`` / ``7.5 hours``; ``"number"``
#: writes the decimal hours without a unit (``7,5``), for a column headed "Hours".
DurationStyle = Literal["clock", "decimal", "number"]
#: The CLDR date lengths: ``short`` 31-01-2025, ``medium`` 31 jan 2025, ``long`` 31 januari 2025.
DateStyle = Literal["short", "medium", "long", "full"]

_HOUR = Decimal(3600)
_HUNDREDTH = Decimal("0.01")


def format_number(value: int | Decimal, locale: LocaleLike) -> str:
    """A number with the locale's digits and separators (``1.234,5`` in Dutch)."""
    return babel_numbers.format_decimal(value, locale=resolve_locale(locale))


def format_duration(seconds: int, locale: LocaleLike, *, style: DurationStyle = "clock") -> str:
    """A duration given in whole seconds.

    ``"clock"``: hours and minutes, rounded to the nearest minute (``7:30``, ``37:05``).
    ``"decimal"``: hours with up to two decimals and the unit, in the locale's words and
    plural (``7,5 uur``, ``7.5 hours``, ``1 Stunde``, ``5 godzin``). ``"number"``: the decimal
    hours without the unit (``7,5``).
    """
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise TypeError(f"seconds must be an int, got {seconds!r}")
    resolved = resolve_locale(locale)
    if style == "clock":
        sign = "-" if seconds < 0 else ""
        hours, minutes = divmod((abs(seconds) + 30) // 60, 60)
        return f"{sign}{hours}:{minutes:02d}"
    hours_value = _plain(Decimal(seconds) / _HOUR)
    if style == "decimal":
        return _hours_with_unit(hours_value, resolved)
    if style == "number":
        return babel_numbers.format_decimal(hours_value, format="#,##0.##", locale=resolved)
    raise ValueError(f"style must be 'clock', 'decimal' or 'number', got {style!r}")


def format_hours(hours: Decimal | int, locale: LocaleLike) -> str:
    """A quantity of hours (an hour budget, say) with its unit: ``12,5 uur``, ``12.5 hours``."""
    return _hours_with_unit(_plain(Decimal(hours)), resolve_locale(locale))


def format_money(amount: Decimal | int, currency: str, locale: LocaleLike) -> str:
    """An amount in an ISO 4217 currency: ``€ 1.234,50`` (nl), ``1.234,50 €`` (de)."""
    if isinstance(amount, float):
        raise TypeError(f"amount must be a Decimal (floats lose cents), got {amount!r}")
    return babel_numbers.format_currency(amount, currency, locale=resolve_locale(locale))


def format_date(value: dt.date, locale: LocaleLike, *, style: DateStyle = "medium") -> str:
    """A date in one of the CLDR lengths: ``31 jan 2025`` (nl, medium)."""
    return babel_dates.format_date(value, format=style, locale=resolve_locale(locale))


def numeric_date_pattern(locale: LocaleLike) -> str:
    """The locale's all-digit date pattern with a four-digit year, as people type a date:
    ``dd-MM-y`` (nl), ``dd.MM.y`` (de), ``dd/MM/y`` (en_GB, fr), ``M/d/y`` (en)."""
    pattern = resolve_locale(locale).date_formats["short"].pattern
    return re.sub(r"y+", "y", pattern)


def format_date_range(start: dt.date, end: dt.date, locale: LocaleLike) -> str:
    """A period of days, sharing what the two ends have in common: ``13–19 jan 2025``.

    One day gives just that date. Raises ``ValueError`` when ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError(f"a date range must not end ({end}) before it starts ({start})")
    return babel_dates.format_interval(start, end, "yMMMd", locale=resolve_locale(locale))


def format_percent(ratio: Decimal | int, locale: LocaleLike, *, decimals: int = 0) -> str:
    """A ratio as a percentage in the locale's style: ``0.755`` is ``76%`` (nl), ``76 %`` (de)."""
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    resolved = resolve_locale(locale)
    pattern = resolved.percent_formats[None].pattern
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1)
    return babel_numbers.format_percent(ratio, format=pattern, locale=resolved)


def format_budget_amount(
    amount: Decimal, budget_type: BudgetType, currency: str | None, locale: LocaleLike
) -> str:
    """A budget's planned or used amount: hours with their unit, or money in its currency."""
    if budget_type.is_money:
        if currency is None:
            raise ValueError(f"a {budget_type.name} budget is money: give its currency")
        return format_money(amount, currency, locale)
    return format_hours(amount, locale)


def format_budget_usage(used: Decimal, amount: Decimal, locale: LocaleLike) -> str:
    """How much of a budget is used, as a whole percentage; an en dash for a budget of zero."""
    if amount == 0:
        return "–"
    return format_percent(used / amount, locale)


def _plain(value: Decimal) -> Decimal:
    """``value`` rounded to hundredths without trailing zeros (``7.50`` is ``7.5``, ``1.00`` is 1).

    The trailing zeros matter: CLDR picks the plural by the visible decimals, so ``1.00`` would
    read "1 hours".
    """
    rounded = value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    return (
        rounded.to_integral_value()
        if rounded == rounded.to_integral_value()
        else rounded.normalize()
    )


def _hours_with_unit(hours: Decimal, locale: Locale) -> str:
    return babel_units.format_unit(
        hours, "duration-hour", length="long", format="#,##0.##", locale=locale
    )
