"""Translation: the compiled gettext catalogs and the :class:`Translator` that reads them.

The ``.mo`` files are compiled from the ``.po`` files by the hatch build hook (``hatch_build.py``)
on install; when one is missing, its ``.po`` is compiled in memory (with a warning) so a source
checkout still works.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Mapping
from pathlib import Path

from attrs import field, frozen
from babel import Locale
from babel.support import NullTranslations, Translations

from ..model import ApprovalStatus, BudgetType, DocumentStatus
from .formatting import format_number
from .labels import (
    _APPROVAL_STATUS,
    _BUDGET_TYPE,
    _INVOICE_STATUS,
    _QUOTE_STATUS,
    LABELS,
    PLURAL_LABELS,
    DocumentKind,
)
from .locales import LocaleLike, resolve_locale

__all__ = ["DOMAIN", "LOCALE_DIR", "Translator", "translator"]

logger = logging.getLogger("clientportal.i18n")

#: The gettext domain of the library's catalogs (``locale/<lang>/LC_MESSAGES/clientportal.po``).
DOMAIN = "clientportal"
#: Where the catalogs live, inside the installed package.
LOCALE_DIR = Path(__file__).parent.parent / "locale"


@frozen
class Translator:
    """The library's texts in one locale. Get one with :func:`translator`.

    Every method takes named ``values`` for the placeholders (``%(hours)s``); format numbers,
    money and dates with the ``format_*`` functions of
    :mod:`clientportal.i18n.formatting` first. A translation whose
    placeholders do not fit falls back to the English text (with a logged warning).
    """

    locale: Locale
    _catalog: NullTranslations = field(alias="catalog", repr=False, eq=False)

    @property
    def language(self) -> str:
        """The BCP 47 tag of the locale (``"nl"``, ``"en-GB"``), as for ``Content-Language``."""
        return "-".join(p for p in (self.locale.language, self.locale.territory) if p)

    def gettext(self, message: str, /, **values: object) -> str:
        """``message`` translated, with ``values`` filled in."""
        return self._fill(self._catalog.gettext(message), message, values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """The singular or plural form for ``n``; ``%(count)s`` is ``n`` in the locale's digits."""
        values.setdefault("count", format_number(n, self.locale))
        english = singular if n == 1 else plural
        return self._fill(self._catalog.ngettext(singular, plural, n), english, values)

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        """``message`` translated in ``context`` (for words that read differently elsewhere)."""
        text = self._catalog.pgettext(context, message)
        return self._fill(text if isinstance(text, str) else message, message, values)

    def label(self, key: str, /, **values: object) -> str:
        """The page text :data:`LABELS` names ``key``, translated."""
        try:
            message = LABELS[key]
        except KeyError:
            raise KeyError(
                f"no label {key!r}: the labels are listed in clientportal.i18n.LABELS"
            ) from None
        return self.gettext(message, **values)

    def plural_label(self, key: str, n: int, /, **values: object) -> str:
        """The count-dependent text :data:`PLURAL_LABELS` names ``key``, for ``n``."""
        try:
            singular, plural = PLURAL_LABELS[key]
        except KeyError:
            raise KeyError(
                f"no plural label {key!r}: they are listed in clientportal.i18n.PLURAL_LABELS"
            ) from None
        return self.ngettext(singular, plural, n, **values)

    def approval_status(self, status: ApprovalStatus) -> str:
        """The name of an approval status."""
        return self.pgettext(*_APPROVAL_STATUS[status])

    def document_status(self, status: DocumentStatus, kind: DocumentKind) -> str:
        """The name of an invoice's or a quote's status."""
        own, other = (
            (_INVOICE_STATUS, _QUOTE_STATUS)
            if kind == "invoice"
            else (_QUOTE_STATUS, _INVOICE_STATUS)
        )
        return self.pgettext(*(own.get(status) or other[status]))

    def budget_type(self, budget_type: BudgetType) -> str:
        """The name of a budget method."""
        return self.pgettext(*_BUDGET_TYPE[budget_type])

    def _fill(self, text: str, english: str, values: Mapping[str, object]) -> str:
        if not values:
            return text
        try:
            return text % values
        except (KeyError, ValueError, TypeError) as exc:
            logger.warning(
                "the %s translation of %r does not fit its values (%s); using the English text",
                self.locale,
                english,
                exc,
            )
            return english % values


def translator(locale: LocaleLike) -> Translator:
    """The :class:`Translator` for ``locale`` (English, with a warning, when it has no catalog)."""
    return _translator(resolve_locale(locale))


@functools.lru_cache(maxsize=64)
def _translator(locale: Locale) -> Translator:
    return Translator(locale=locale, catalog=_catalog(locale.language, LOCALE_DIR))


@functools.lru_cache(maxsize=16)
def _catalog(language: str, directory: Path) -> NullTranslations:
    """The compiled catalog of ``language``, compiling the ``.po`` in memory when needed."""
    messages = directory / language / "LC_MESSAGES"
    mo = messages / f"{DOMAIN}.mo"
    if mo.is_file():
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    po = messages / f"{DOMAIN}.po"
    if po.is_file():
        logger.warning(
            "%s is not compiled; compiling %s in memory (reinstall clientportal, or run "
            "`make` in a checkout, to build the .mo files)",
            mo,
            po.name,
        )
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fp:
            catalog = read_po(fp, locale=language, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    logger.warning("no catalog for %r in %s; showing the English texts", language, directory)
    return NullTranslations()
