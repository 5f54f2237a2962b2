"""Which locale to use: resolving a tag to a supported locale, negotiating between the portal's
language, the contact's and an HTTP ``Accept-Language`` header, and the locale a portal's pages
are formatted in (its language, refined by its currency: :func:`portal_locale`).

A locale without a catalog falls back to English with a logged warning; it never raises.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Final

from babel import Locale, UnknownLocaleError

from ..model import SUPPORTED_LANGUAGES

__all__ = [
    "CURRENCY_LOCALES",
    "DEFAULT_LANGUAGE",
    "LocaleLike",
    "negotiate_locale",
    "parse_accept_language",
    "portal_locale",
    "resolve_locale",
]

# One logger for the whole package, named as hosts configure it.
logger = logging.getLogger("clientportal.i18n")

#: The source language, and the last resort of every negotiation.
DEFAULT_LANGUAGE = "en"

#: A locale as the functions here accept it: a Babel ``Locale`` or a tag (``"nl"``, ``"en-GB"``).
LocaleLike = Locale | str

_ENGLISH = Locale.parse(DEFAULT_LANGUAGE)
_MAX_ACCEPT_LANGUAGE = 4096
_MAX_ACCEPT_ITEMS = 32
_QUALITY = re.compile(r"q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*", re.IGNORECASE)


def resolve_locale(locale: LocaleLike) -> Locale:
    """The Babel locale for ``locale`` if the library has its catalog, else English.

    Accepts ``"nl"``, ``"nl_BE"``, ``"nl-BE"`` or a :class:`~babel.Locale`. A territory Babel does
    not know is dropped (``"nl_XX"`` is ``nl``). Anything without a catalog logs a warning and
    gives ``en``: a wrong language setting must not break a page or an e-mail.
    """
    found = _supported(locale)
    if found is None:
        logger.warning(
            "locale %r has no clientportal catalog (supported: %s); using %r",
            str(locale),
            ", ".join(SUPPORTED_LANGUAGES),
            DEFAULT_LANGUAGE,
        )
        return _ENGLISH
    return found


#: The rule of :func:`portal_locale`: where a portal's language alone does not say how its client
#: writes dates and numbers, its currency does. ``(language, currency)`` gives the locale of the
#: pages: English with pounds is British (``1 Dec 2026``), with dollars American
#: (``Dec 1, 2026``); German or French with Swiss francs is Swiss; Spanish with pesos is Mexican.
#: Every other pair keeps the language's own CLDR locale (``nl``, ``de``, ``fr``, ``es``, ``pl``,
#: and ``en``, whose dates are American): English with euros stays ``en``, because the euro names
#: no English-speaking country; a portal language with a territory (``en-IE``) is used as it is.
CURRENCY_LOCALES: Final[Mapping[tuple[str, str], str]] = {
    ("en", "GBP"): "en_GB",
    ("en", "USD"): "en_US",
    ("en", "AUD"): "en_AU",
    ("en", "CAD"): "en_CA",
    ("en", "NZD"): "en_NZ",
    ("en", "INR"): "en_IN",
    ("en", "ZAR"): "en_ZA",
    ("en", "SGD"): "en_SG",
    ("en", "CHF"): "en_CH",
    ("de", "CHF"): "de_CH",
    ("fr", "CHF"): "fr_CH",
    ("fr", "CAD"): "fr_CA",
    ("es", "MXN"): "es_MX",
    ("es", "USD"): "es_US",
    ("es", "ARS"): "es_AR",
    ("es", "COP"): "es_CO",
    ("es", "CLP"): "es_CL",
}


def portal_locale(language: str, currency: str | None = None) -> Locale:
    """The locale a portal's pages and exports are formatted in: its ``language`` (resolved as
    :func:`resolve_locale` does), refined by its ``currency`` by :data:`CURRENCY_LOCALES` when
    the language names no territory of its own. The texts stay those of the language.
    """
    resolved = resolve_locale(language)
    if resolved.territory or not currency:
        return resolved
    tag = CURRENCY_LOCALES.get((resolved.language, currency.upper()))
    return resolved if tag is None else resolve_locale(tag)


def negotiate_locale(
    *,
    portal_language: str | None = None,
    contact_language: str | None = None,
    accept_language: str | None = None,
) -> Locale:
    """Choose the locale to show a portal or write an e-mail in.

    In order: the portal's language, the contact's language, the best supported language of an
    HTTP ``Accept-Language`` header, and finally English. A portal or contact language without a
    catalog is skipped with a logged warning; unsupported header entries are skipped silently.
    """
    for source, tag in (
        ("portal language", portal_language),
        ("contact language", contact_language),
    ):
        if not tag:
            continue
        found = _supported(tag)
        if found is not None:
            return found
        logger.warning(
            "%s %r has no clientportal catalog (supported: %s); trying the next choice",
            source,
            tag,
            ", ".join(SUPPORTED_LANGUAGES),
        )
    if accept_language:
        for tag in parse_accept_language(accept_language):
            found = _supported(tag)
            if found is not None:
                return found
    return _ENGLISH


def parse_accept_language(header: str) -> tuple[str, ...]:
    """The language tags of an ``Accept-Language`` header, most preferred first.

    Entries with ``q=0``, the wildcard ``*`` and malformed entries are dropped; equal weights keep
    their order. Only the first few kilobytes and entries are read (the header is untrusted).
    """
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header[:_MAX_ACCEPT_LANGUAGE].split(",")[:_MAX_ACCEPT_ITEMS]):
        tag, _, params = item.partition(";")
        tag = tag.strip()
        if (
            not tag
            or tag == "*"
            or not re.fullmatch(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*", tag)
        ):
            continue
        quality = 1.0
        if params.strip():
            match = _QUALITY.fullmatch(params.strip())
            if match is None:
                continue
            quality = float(match.group(1))
        if quality > 0:
            weighted.append((-quality, index, tag))
    return tuple(tag for _, _, tag in sorted(weighted))


def _supported(locale: LocaleLike) -> Locale | None:
    if isinstance(locale, Locale):
        return locale if locale.language in SUPPORTED_LANGUAGES else None
    if not isinstance(locale, str):
        return None
    return _supported_tag(locale)


@functools.lru_cache(maxsize=256)
def _supported_tag(tag: str) -> Locale | None:
    parts = tag.strip().replace("-", "_").split("_")
    if not parts[0] or len(tag) > 35 or parts[0].lower() not in SUPPORTED_LANGUAGES:
        return None
    for candidate in ("_".join(parts), parts[0]):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return None  # pragma: no cover - the supported languages always parse
