"""The page texts remember what they formatted (Babel takes tens of microseconds a value): what
they give is exactly what the formatters give, per locale and value, and a value is never taken
for another that merely compares equal to it (``1`` and ``Decimal("1.00")``, a float)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientportal.i18n import (
    format_budget_amount,
    format_date,
    format_duration,
    format_money,
    format_number,
    format_percent,
    translator,
)
from clientportal.i18n.locales import portal_locale
from clientportal.model import BudgetType
from clientportal.web.texts import PageText

PAGES = [("en", "EUR"), ("en", "GBP"), ("en", "USD"), ("nl", "EUR"), ("de", "CHF"), ("fr", "EUR")]
AMOUNTS = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)


@pytest.mark.parametrize(("language", "currency"), PAGES)
@given(
    amount=AMOUNTS,
    day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
    seconds=st.integers(min_value=-(10**7), max_value=10**7),
)
def test_remembered_formats_are_the_formatters_own(
    language: str, currency: str, amount: Decimal, day: dt.date, seconds: int
) -> None:
    t = PageText(language, currency=currency)
    locale = portal_locale(language, currency)
    for _ in range(2):  # formatted, then remembered
        assert t.money(amount) == format_money(amount, currency, locale)
        assert t.money(amount, "JPY") == format_money(amount, "JPY", locale)
        assert t.date(day) == format_date(day, locale)
        assert t.date(day, "short") == format_date(day, locale, style="short")
        assert t.hours(seconds) == format_duration(seconds, locale, style="decimal")
        assert t.number(amount) == format_number(amount, locale)
        assert t.percent(amount / 1000) == format_percent(amount / 1000, locale)
        budget = t.budget_amount(amount, BudgetType.TOTAL_HOURS, None)
        assert budget == format_budget_amount(amount, BudgetType.TOTAL_HOURS, None, locale)
        assert t("hours") == translator(locale).label("hours")


def test_equal_values_of_another_kind_are_formatted_on_their_own() -> None:
    t = PageText("nl", currency="EUR")
    assert t.number(Decimal("1.50")) == "1,5"
    assert t.number(1) == "1"
    assert t.number(Decimal("1.00")) == format_number(Decimal("1.00"), "nl")
    assert t.money(Decimal("7.5")) == format_money(Decimal("7.5"), "EUR", "nl")
    with pytest.raises(TypeError, match="floats lose cents"):
        t.money(7.5)  # type: ignore[arg-type]  # equal to the Decimal just remembered
    moment = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC)
    assert t.date(moment.date()) == format_date(moment.date(), "nl")
    assert t.date(moment) == format_date(moment, "nl")


def test_a_label_with_values_is_filled_each_time_and_an_unknown_label_still_fails() -> None:
    t = PageText("en")
    assert t.pair("Total", "7.5 hours") == "Total: 7.5 hours"
    assert t.pair("Total", "8 hours") == "Total: 8 hours"
    for _ in range(2):
        with pytest.raises(KeyError, match="no label 'no-such-label'"):
            t("no-such-label")
