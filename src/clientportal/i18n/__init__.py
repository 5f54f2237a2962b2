"""Languages: gettext catalogs, locale negotiation and locale-aware formatting (Babel).

The library ships catalogs for :data:`~clientportal.model.SUPPORTED_LANGUAGES` (English is the
source language). Nothing here reads the process locale: every function takes its ``locale``
explicitly, as a Babel :class:`~babel.Locale` or a tag such as ``"nl"``, ``"en_GB"`` or ``"de-CH"``.
A tag keeps its territory for formatting (``en_GB`` writes ``31 Jan 2025``) while the texts come
from the language's catalog. A locale without a catalog falls back to English with a logged
warning; it never raises.

Messages use named placeholders (``"%(hours)s"``) and ``ngettext`` plurals. The ``.mo`` files are
compiled from the ``.po`` files by the hatch build hook (``hatch_build.py``) on install; when one is
missing, its ``.po`` is compiled in memory (with a warning) so a source checkout still works.

The texts live in :mod:`clientportal.i18n.labels`, the catalogs and the :class:`Translator` in
:mod:`clientportal.i18n.catalogs`, negotiation in :mod:`clientportal.i18n.locales` and the
``format_*`` functions in :mod:`clientportal.i18n.formatting`; every name is importable from here.
Warnings go to the logger ``clientportal.i18n``.
"""

from .catalogs import DOMAIN as DOMAIN
from .catalogs import LOCALE_DIR as LOCALE_DIR
from .catalogs import Translator as Translator
from .catalogs import translator as translator
from .formatting import DateStyle as DateStyle
from .formatting import DurationStyle as DurationStyle
from .formatting import format_budget_amount as format_budget_amount
from .formatting import format_budget_usage as format_budget_usage
from .formatting import format_date as format_date
from .formatting import format_date_range as format_date_range
from .formatting import format_duration as format_duration
from .formatting import format_hours as format_hours
from .formatting import format_money as format_money
from .formatting import format_number as format_number
from .formatting import format_percent as format_percent
from .labels import LABELS as LABELS
from .labels import N_ as N_
from .labels import PLURAL_LABELS as PLURAL_LABELS
from .labels import DocumentKind as DocumentKind
from .labels import Nc_ as Nc_
from .labels import Np_ as Np_
from .locales import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from .locales import LocaleLike as LocaleLike
from .locales import negotiate_locale as negotiate_locale
from .locales import parse_accept_language as parse_accept_language
from .locales import resolve_locale as resolve_locale
