"""Which locale to use: resolving a tag to a supported locale, and negotiating between the portal's
language, the contact's and an HTTP ``Accept-Language`` header.

A locale without a catalog falls back to English with a logged warning; it never raises.
"""

from __future__ import annotations

import functools
import logging
import re

from babel import Locale, UnknownLocaleError

from ..model import SUPPORTED_LANGUAGES

__all__ = [
    "DEFAULT_LANGUAGE",
    "LocaleLike",
    "negotiate_locale",
    "parse_accept_language",
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
