"""Catalogs, locale negotiation and formatting (clientportal.i18n).

The catalogs are checked as files: complete, reviewed (not fuzzy), placeholders intact, the
``.pot`` in step with the sources and the compiled ``.mo`` in step with the ``.po``. Formatting is
asserted as exact strings per locale; they come from Babel's CLDR data.
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
import re
import shutil
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations

from clientportal.i18n import (
    LABELS,
    LOCALE_DIR,
    PLURAL_LABELS,
    Translator,
    format_budget_amount,
    format_budget_usage,
    format_date,
    format_date_range,
    format_duration,
    format_hours,
    format_money,
    format_number,
    format_percent,
    negotiate_locale,
    parse_accept_language,
    resolve_locale,
    translator,
)
from clientportal.i18n.catalogs import _catalog
from clientportal.i18n.formatting import numeric_date_pattern
from clientportal.i18n.locales import CURRENCY_LOCALES, portal_locale
from clientportal.model import SUPPORTED_LANGUAGES, ApprovalStatus, BudgetType, DocumentStatus

ROOT = Path(__file__).resolve().parents[1]
POT = LOCALE_DIR / "clientportal.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
NBSP = "\u00a0"
NNBSP = "\u202f"
THIN = "\u2009"


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "clientportal.po"


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=language)


def forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


# --------------------------------------------------------------------------------------------------
# The catalogs as files


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_message_is_translated_in_every_catalog(language: str) -> None:
    template = read_catalog(POT)
    catalog = read_catalog(po_path(language), language)
    assert str(catalog.locale) == language
    assert not catalog.fuzzy, f"{language}: the catalog header is marked fuzzy"
    wanted = {(m.context, forms(m.id)[0]) for m in template if m.id}
    have = {(m.context, forms(m.id)[0]): m for m in catalog if m.id}
    assert wanted == set(have), "catalog and .pot differ: run `make messages` and translate"
    for key, message in have.items():
        assert not message.fuzzy, f"{language}: {key} is fuzzy (review it, then drop the flag)"
        strings = forms(message.string)
        if message.pluralizable:
            assert len(strings) == catalog.num_plurals, f"{language}: {key} lacks plural forms"
        assert all(s.strip() for s in strings), f"{language}: {key} is not translated"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_translation_keeps_exactly_the_placeholders_of_its_source(language: str) -> None:
    catalog = read_catalog(po_path(language), language)
    for message in catalog:
        if not message.id:
            continue
        sources = forms(message.id)
        expected = placeholders(sources[0])
        assert all(placeholders(s) == expected for s in sources), f"source {sources} disagrees"
        for text in forms(message.string):
            assert placeholders(text) == expected, f"{language}: {text!r} vs {sources[0]!r}"
            # Only %(name)s placeholders: a stray % would break the %-interpolation.
            assert "%" not in PLACEHOLDER.sub("", text), f"{language}: stray % in {text!r}"
    assert not [problems for _, problems in catalog.check() if problems]


def test_polish_catalog_has_three_plural_forms_for_one_few_and_many() -> None:
    catalog = read_catalog(po_path("pl"), "pl")
    assert catalog.num_plurals == 3
    plural = gettext.c2py(catalog.plural_expr)
    expected = {1: 0, 2: 1, 3: 1, 4: 1, 5: 2, 11: 2, 12: 2, 14: 2, 21: 2, 22: 1, 24: 1, 25: 2}
    assert {n: plural(n) for n in expected} == expected
    assert {n: plural(n) for n in (0, 112, 1000)} == {0: 2, 112: 2, 1000: 2}


def test_french_plural_treats_zero_as_singular() -> None:
    catalog = read_catalog(po_path("fr"), "fr")
    plural = gettext.c2py(catalog.plural_expr)
    assert (plural(0), plural(1), plural(2)) == (0, 0, 2)


def test_pot_is_up_to_date_with_the_sources() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["babel"]
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(config["extract_messages"]["keywords"])}
    found = {
        (context, message if isinstance(message, str) else message[0])
        for _, _, message, _, context in extract_from_dir(
            str(ROOT / "src" / "clientportal"),
            method_map=[("**.py", "python")],
            keywords=keywords,
        )
    }
    in_pot = {(m.context, forms(m.id)[0]) for m in read_catalog(POT) if m.id}
    assert found == in_pot, "the .pot is stale: run `make messages` and translate the changes"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_compiled_catalog_exists_and_matches_its_po(language: str) -> None:
    mo = po_path(language).with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run `make` (or `pip install -e .`) to compile it"
    with mo.open("rb") as fp:
        compiled = read_mo(fp)
    source = read_catalog(po_path(language), language)

    def entries(catalog: Catalog) -> dict[tuple[str | None, tuple[str, ...]], tuple[str, ...]]:
        return {(m.context, forms(m.id)): forms(m.string) for m in catalog if m.id}

    assert entries(compiled) == entries(source), f"{mo} is older than its .po: run `make`"


def test_a_missing_mo_is_compiled_from_the_po_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "nl" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(po_path("nl"), target / "clientportal.po")
    with caplog.at_level(logging.WARNING, logger="clientportal.i18n"):
        catalog = _catalog("nl", tmp_path)
    assert catalog.gettext("Overview") == "Overzicht"
    assert "not compiled" in caplog.text


def test_a_language_without_any_catalog_shows_english(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="clientportal.i18n"):
        catalog = _catalog("de", tmp_path)
    assert catalog.gettext("Overview") == "Overview"
    assert "no catalog" in caplog.text


# --------------------------------------------------------------------------------------------------
# Translator


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_label_translates_with_its_values_filled_in(language: str) -> None:
    t = translator(language)
    for key, source in LABELS.items():
        values = dict.fromkeys(placeholders(source), "X")
        text = t.label(key, **values)
        assert text.strip()
        assert "%(" not in text
    for key in PLURAL_LABELS:
        for n in (0, 1, 2, 5, 22):
            text = t.plural_label(key, n)
            assert str(n) in text
            assert "%(" not in text


@pytest.mark.parametrize(
    ("language", "overview", "approve", "reject"),
    [
        ("nl", "Overzicht", "Goedkeuren", "Afkeuren"),
        ("en", "Overview", "Approve", "Reject"),
        ("de", "Übersicht", "Freigeben", "Ablehnen"),
        ("fr", "Aperçu", "Approuver", "Refuser"),
        ("es", "Resumen", "Aprobar", "Rechazar"),
        ("pl", "Przegląd", "Zatwierdź", "Odrzuć"),
    ],
)
def test_portal_labels_per_language(
    language: str, overview: str, approve: str, reject: str
) -> None:
    t = translator(language)
    assert (t.label("overview"), t.label("approve"), t.label("reject")) == (
        overview,
        approve,
        reject,
    )


def test_link_expired_and_code_pages_are_translated() -> None:
    nl = translator("nl")
    assert nl.label("link_invalid_title") == "Deze link is verlopen of onbekend"
    assert nl.label("code_intro", email="a@b.example") == (
        "We hebben een code gestuurd naar a@b.example. Vul die hieronder in om het portaal te "
        "openen."
    )
    assert translator("de").label("page_of", page=2, pages=7) == "Seite 2 von 7"


@pytest.mark.parametrize(
    ("language", "n", "text"),
    [
        ("pl", 1, "1 wpis czasu pracy"),
        ("pl", 2, "2 wpisy czasu pracy"),
        ("pl", 5, "5 wpisów czasu pracy"),
        ("pl", 22, "22 wpisy czasu pracy"),
        ("pl", 112, "112 wpisów czasu pracy"),
        ("fr", 0, "0 saisie de temps"),
        ("fr", 1, "1 saisie de temps"),
        ("fr", 3, "3 saisies de temps"),
        ("fr", 1_000_000, f"1{NNBSP}000{NNBSP}000 de saisies de temps"),
        ("es", 1_000_000, "1.000.000 de registros de horas"),
        ("nl", 1, "1 tijdregistratie"),
        ("nl", 1234, "1.234 tijdregistraties"),
        ("de", 1, "1 Zeiteintrag"),
        ("de", 2, "2 Zeiteinträge"),
        ("en", 1, "1 time entry"),
        ("en", 1234, "1,234 time entries"),
    ],
)
def test_plurals_follow_each_languages_rules_and_counts_use_its_digits(
    language: str, n: int, text: str
) -> None:
    assert translator(language).plural_label("entries_count", n) == text


def test_status_names_of_every_enum_exist_in_every_language() -> None:
    for language in SUPPORTED_LANGUAGES:
        t = translator(language)
        names = [t.approval_status(s) for s in ApprovalStatus]
        names += [t.budget_type(b) for b in BudgetType]
        names += [t.document_status(d, "invoice") for d in DocumentStatus]
        names += [t.document_status(d, "quote") for d in DocumentStatus]
        assert all(name.strip() for name in names)
        assert len({t.approval_status(s) for s in ApprovalStatus}) == len(ApprovalStatus)
        assert len({t.budget_type(b) for b in BudgetType}) == len(BudgetType)


def test_document_status_agrees_with_the_documents_gender() -> None:
    fr = translator("fr")
    assert fr.document_status(DocumentStatus.SENT, "invoice") == "Envoyée"
    assert fr.document_status(DocumentStatus.SENT, "quote") == "Envoyé"
    es = translator("es")
    assert es.document_status(DocumentStatus.PAID, "invoice") == "Pagada"
    assert translator("nl").approval_status(ApprovalStatus.APPROVED) == "Goedgekeurd"
    assert translator("de").budget_type(BudgetType.TASK_HOURS) == "Stunden pro Aufgabe"


def test_a_translation_that_does_not_fit_its_values_falls_back_to_english(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(NullTranslations):
        def gettext(self, message: str) -> str:
            return "%(other)s kaput"

    t = Translator(locale=Locale.parse("nl"), catalog=Broken())
    with caplog.at_level(logging.WARNING, logger="clientportal.i18n"):
        text = t.gettext("Page %(page)s of %(pages)s", page=1, pages=2)
    assert text == "Page 1 of 2"
    assert "does not fit" in caplog.text


def test_an_unknown_label_names_where_the_labels_are() -> None:
    with pytest.raises(KeyError, match=r"clientportal\.i18n\.LABELS"):
        translator("en").label("no_such_label")


# --------------------------------------------------------------------------------------------------
# Negotiation


def test_portal_language_comes_first() -> None:
    chosen = negotiate_locale(
        portal_language="nl", contact_language="de", accept_language="fr,en;q=0.5"
    )
    assert chosen == Locale.parse("nl")


def test_contact_language_when_the_portal_has_none() -> None:
    assert negotiate_locale(contact_language="de", accept_language="fr") == Locale.parse("de")


def test_accept_language_when_portal_and_contact_have_none() -> None:
    header = "it-IT,it;q=0.9,pl;q=0.8,en;q=0.5"
    assert negotiate_locale(accept_language=header) == Locale.parse("pl")


def test_english_when_nothing_else_fits() -> None:
    assert negotiate_locale() == Locale.parse("en")
    assert negotiate_locale(accept_language="ja, zh;q=0.8, *;q=0.1") == Locale.parse("en")


def test_an_unsupported_portal_language_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="clientportal.i18n"):
        chosen = negotiate_locale(portal_language="it", contact_language="es")
    assert chosen == Locale.parse("es")
    assert "portal language 'it'" in caplog.text


def test_a_territory_is_kept_for_formatting() -> None:
    chosen = negotiate_locale(accept_language="en-GB,en;q=0.8")
    assert chosen == Locale.parse("en_GB")
    assert format_date(dt.date(2025, 1, 31), chosen) == "31 Jan 2025"
    assert translator(chosen).label("overview") == "Overview"
    assert translator(chosen).language == "en-GB"


def test_accept_language_weights_order_and_drop_entries() -> None:
    header = "de;q=0.5, nl-BE , fr;q=0, *;q=0.9, en;q=0.7, bad;q=x, es;q=1.0"
    assert parse_accept_language(header) == ("nl-BE", "es", "en", "de")


def test_an_endless_accept_language_header_is_cut_short() -> None:
    header = ",".join(["xx"] * 10_000) + ",nl"
    assert len(parse_accept_language(header)) <= 32
    assert negotiate_locale(accept_language=header) == Locale.parse("en")


@pytest.mark.parametrize(
    ("tag", "language", "warns"),
    [
        ("xx", "en", True),
        ("", "en", True),
        ("   ", "en", True),
        ("klingon", "en", True),
        ("x" * 100, "en", True),
        ("it", "en", True),
        ("nl_XX", "nl", False),
        ("en-", "en", False),
        ("pl-PL", "pl", False),
    ],
)
def test_resolving_never_raises(
    tag: str, language: str, warns: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="clientportal.i18n"):
        locale = resolve_locale(tag)
    assert locale.language == language
    assert ("has no clientportal catalog" in caplog.text) is warns


def test_an_unknown_territory_keeps_its_language() -> None:
    assert resolve_locale("nl_XX") == Locale.parse("nl")
    assert resolve_locale("NL-be") == Locale.parse("nl_BE")


def test_formatting_in_an_unsupported_locale_uses_english_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="clientportal.i18n"):
        assert format_duration(5400, "it", style="decimal") == "1.5 hours"
    assert "'it'" in caplog.text


# --------------------------------------------------------------------------------------------------
# Formatting: exact strings per locale


@pytest.mark.parametrize(
    ("language", "half_past_seven", "one_hour", "two_hours", "five_hours"),
    [
        ("nl", "7,5 uur", "1 uur", "2 uur", "5 uur"),
        ("en", "7.5 hours", "1 hour", "2 hours", "5 hours"),
        ("de", "7,5 Stunden", "1 Stunde", "2 Stunden", "5 Stunden"),
        ("fr", f"7,5{NBSP}heures", f"1{NBSP}heure", f"2{NBSP}heures", f"5{NBSP}heures"),
        ("es", "7,5 horas", "1 hora", "2 horas", "5 horas"),
        ("pl", "7,5 godziny", "1 godzina", "2 godziny", "5 godzin"),
    ],
)
def test_decimal_durations_use_the_locales_separator_and_plural(
    language: str, half_past_seven: str, one_hour: str, two_hours: str, five_hours: str
) -> None:
    assert format_duration(27_000, language, style="decimal") == half_past_seven
    assert format_duration(3_600, language, style="decimal") == one_hour
    assert format_duration(7_200, language, style="decimal") == two_hours
    assert format_duration(18_000, language, style="decimal") == five_hours


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_clock_durations(language: str) -> None:
    assert format_duration(27_000, language) == "7:30"
    assert format_duration(133_500, language) == "37:05"
    assert format_duration(0, language) == "0:00"
    assert format_duration(29, language) == "0:00"
    assert format_duration(30, language) == "0:01"
    assert format_duration(-5_400, language) == "-1:30"


def test_decimal_durations_round_to_hundredths() -> None:
    assert format_duration(1_200, "nl", style="decimal") == "0,33 uur"
    assert format_duration(4_800, "en", style="decimal") == "1.33 hours"
    assert format_duration(3_601, "en", style="decimal") == "1 hour"
    assert format_duration(27_000, "nl", style="number") == "7,5"
    assert format_duration(3_600_000, "de", style="number") == "1.000"


def test_duration_refuses_what_is_not_whole_seconds() -> None:
    with pytest.raises(TypeError, match="seconds must be an int"):
        format_duration(1.5, "en")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="style must be"):
        format_duration(60, "en", style="minutes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "euros", "zloty"),
    [
        ("nl", f"€{NBSP}1.234,50", f"PLN{NBSP}12.345,50"),
        ("en", "€1,234.50", "PLN12,345.50"),
        ("de", f"1.234,50{NBSP}€", f"12.345,50{NBSP}PLN"),
        ("fr", f"1{NNBSP}234,50{NBSP}€", f"12{NNBSP}345,50{NBSP}PLN"),
        ("es", f"1.234,50{NBSP}€", f"12.345,50{NBSP}PLN"),
        ("pl", f"1{NBSP}234,50{NBSP}€", f"12{NBSP}345,50{NBSP}zł"),
    ],
)
def test_money(language: str, euros: str, zloty: str) -> None:
    assert format_money(Decimal("1234.5"), "EUR", language) == euros
    assert format_money(Decimal("12345.50"), "PLN", language) == zloty


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        format_money(12.5, "EUR", "nl")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "medium", "long", "short"),
    [
        ("nl", "31 jan 2025", "31 januari 2025", "31-01-2025"),
        ("en", "Jan 31, 2025", "January 31, 2025", "1/31/25"),
        ("de", "31.01.2025", "31. Januar 2025", "31.01.25"),
        ("fr", "31 janv. 2025", "31 janvier 2025", "31/01/2025"),
        ("es", "31 ene 2025", "31 de enero de 2025", "31/1/25"),
        ("pl", "31 sty 2025", "31 stycznia 2025", "31.01.2025"),
    ],
)
def test_dates(language: str, medium: str, long: str, short: str) -> None:
    day = dt.date(2025, 1, 31)
    assert format_date(day, language) == medium
    assert format_date(day, language, style="long") == long
    assert format_date(day, language, style="short") == short


@pytest.mark.parametrize(
    ("language", "one_month", "two_months", "one_day"),
    [
        ("nl", "13–19 jan 2025", f"27 jan{THIN}–{THIN}2 feb 2025", "31 jan 2025"),
        ("en", f"Jan 13{THIN}–{THIN}19, 2025", f"Jan 27{THIN}–{THIN}Feb 2, 2025", "Jan 31, 2025"),
        ("de", "13.–19. Jan. 2025", f"27. Jan.{THIN}–{THIN}2. Feb. 2025", "31. Jan. 2025"),
        ("fr", "13–19 janv. 2025", f"27 janv.{THIN}–{THIN}2 févr. 2025", "31 janv. 2025"),
        ("es", "13–19 ene 2025", f"27 ene{THIN}–{THIN}2 feb 2025", "31 ene 2025"),
        ("pl", "13–19 sty 2025", "27 sty–2 lut 2025", "31 sty 2025"),
    ],
)
def test_date_ranges(language: str, one_month: str, two_months: str, one_day: str) -> None:
    assert format_date_range(dt.date(2025, 1, 13), dt.date(2025, 1, 19), language) == one_month
    assert format_date_range(dt.date(2025, 1, 27), dt.date(2025, 2, 2), language) == two_months
    assert format_date_range(dt.date(2025, 1, 31), dt.date(2025, 1, 31), language) == one_day


def test_a_date_range_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="must not end"):
        format_date_range(dt.date(2025, 2, 1), dt.date(2025, 1, 1), "en")


@pytest.mark.parametrize(
    ("language", "whole", "one_decimal"),
    [
        ("nl", "76%", "75,5%"),
        ("en", "76%", "75.5%"),
        ("de", f"76{NBSP}%", f"75,5{NBSP}%"),
        ("fr", f"76{NBSP}%", f"75,5{NBSP}%"),
        ("es", f"76{NBSP}%", f"75,5{NBSP}%"),
        ("pl", "76%", "75,5%"),
    ],
)
def test_percentages(language: str, whole: str, one_decimal: str) -> None:
    assert format_percent(Decimal("0.755"), language) == whole
    assert format_percent(Decimal("0.755"), language, decimals=1) == one_decimal


def test_budget_amounts_are_hours_or_money() -> None:
    assert format_budget_amount(Decimal("12.5"), BudgetType.TOTAL_HOURS, None, "nl") == "12,5 uur"
    assert format_budget_amount(Decimal("1.00"), BudgetType.TASK_HOURS, None, "en") == "1 hour"
    assert (
        format_budget_amount(Decimal("1500"), BudgetType.TOTAL_FEE, "EUR", "de")
        == f"1.500,00{NBSP}€"
    )
    with pytest.raises(ValueError, match="give its currency"):
        format_budget_amount(Decimal(1), BudgetType.TOTAL_FEE, None, "de")


def test_budget_usage_is_a_percentage_and_a_dash_for_an_empty_budget() -> None:
    assert format_budget_usage(Decimal(30), Decimal(40), "nl") == "75%"
    assert format_budget_usage(Decimal(50), Decimal(40), "de") == f"125{NBSP}%"
    assert format_budget_usage(Decimal(5), Decimal(0), "en") == "–"


def test_hours_and_numbers() -> None:
    assert format_hours(Decimal("0.5"), "pl") == "0,5 godziny"
    assert format_hours(22, "pl") == "22 godziny"
    assert format_number(Decimal("1234.5"), "nl") == "1.234,5"
    assert format_number(1234, "fr") == f"1{NNBSP}234"


# --------------------------------------------------------------------------------------------------
# A portal's locale: its language, refined by its currency


@pytest.mark.parametrize(
    ("language", "currency", "locale", "date"),
    [
        ("en", "GBP", "en_GB", "1 Dec 2026"),
        ("en", "USD", "en_US", "Dec 1, 2026"),
        ("en", "EUR", "en", "Dec 1, 2026"),
        ("en_IE", "USD", "en_IE", "1 Dec 2026"),  # the portal's own territory wins
        ("de", "CHF", "de_CH", "01.12.2026"),
        ("de", "EUR", "de", "01.12.2026"),
        ("fr", "CAD", "fr_CA", "1 déc. 2026"),
        ("nl", "GBP", "nl", "1 dec 2026"),  # no Dutch-speaking country pays in pounds
        ("pl", "PLN", "pl", "1 gru 2026"),
        ("es", "MXN", "es_MX", "1 dic 2026"),
    ],
)
def test_a_portals_locale_follows_its_language_and_where_it_matters_its_currency(
    language: str, currency: str, locale: str, date: str
) -> None:
    found = portal_locale(language, currency)
    assert str(found) == locale
    assert format_date(dt.date(2026, 12, 1), found) == date


def test_every_currency_locale_has_a_catalog_and_names_its_language() -> None:
    for (language, _), tag in CURRENCY_LOCALES.items():
        assert language in SUPPORTED_LANGUAGES
        assert tag.split("_")[0] == language
        assert str(resolve_locale(tag)) == tag


@pytest.mark.parametrize(
    ("locale", "pattern", "typed"),
    [
        ("nl", "dd-MM-y", "31-12-2026"),
        ("de", "dd.MM.y", "31.12.2026"),
        ("en_GB", "dd/MM/y", "31/12/2026"),
        ("en", "M/d/y", "12/31/2026"),
        ("fr", "dd/MM/y", "31/12/2026"),
        ("pl", "d.MM.y", "31.12.2026"),
    ],
)
def test_the_numeric_date_pattern_is_how_people_type_a_date(
    locale: str, pattern: str, typed: str
) -> None:
    assert numeric_date_pattern(locale) == pattern
    assert babel_format_date(dt.date(2026, 12, 31), pattern, locale=locale) == typed


def test_french_pages_put_a_no_break_space_before_a_colon() -> None:
    french = translator("fr")
    assert french.label("label_value", label="Total", value="7,5 heures") == (
        "Total\u00a0: 7,5 heures"
    )
    # No French text of the catalog has a plain space (or none) before : ; ? !
    with (LOCALE_DIR / "fr/LC_MESSAGES/clientportal.po").open("rb") as po:
        catalog = read_po(po, locale="fr")
    for message in catalog:
        if not message.id:
            continue  # the catalog's header
        for text in [message.string] if isinstance(message.string, str) else message.string:
            assert not re.search(r"(?<=\S) [:;?!]", text or ""), text
