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
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

from attrs import field, frozen
from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel import units as babel_units
from babel.support import NullTranslations, Translations

from .model import SUPPORTED_LANGUAGES, ApprovalStatus, BudgetType, DocumentStatus

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LABELS",
    "LOCALE_DIR",
    "N_",
    "PLURAL_LABELS",
    "DateStyle",
    "DocumentKind",
    "DurationStyle",
    "LocaleLike",
    "Nc_",
    "Np_",
    "Translator",
    "format_budget_amount",
    "format_budget_usage",
    "format_date",
    "format_date_range",
    "format_duration",
    "format_hours",
    "format_money",
    "format_number",
    "format_percent",
    "negotiate_locale",
    "parse_accept_language",
    "resolve_locale",
    "translator",
]

logger = logging.getLogger(__name__)

#: The gettext domain of the library's catalogs (``locale/<lang>/LC_MESSAGES/clientportal.po``).
DOMAIN = "clientportal"
#: Where the catalogs live, inside the installed package.
LOCALE_DIR = Path(__file__).parent / "locale"
#: The source language, and the last resort of every negotiation.
DEFAULT_LANGUAGE = "en"

#: A locale as the functions here accept it: a Babel ``Locale`` or a tag (``"nl"``, ``"en-GB"``).
LocaleLike = Locale | str
#: ``"clock"`` writes ``7:30``; ``"decimal"`` writes ``7,5 uur`` / ``7.5 hours``; ``"number"``
#: writes the decimal hours without a unit (``7,5``), for a column headed "Hours".
DurationStyle = Literal["clock", "decimal", "number"]
#: The CLDR date lengths: ``short`` 31-01-2025, ``medium`` 31 jan 2025, ``long`` 31 januari 2025.
DateStyle = Literal["short", "medium", "long", "full"]
#: Which document a status belongs to (some languages inflect "sent" by the document's gender).
DocumentKind = Literal["invoice", "quote"]

_ENGLISH = Locale.parse(DEFAULT_LANGUAGE)
_HOUR = Decimal(3600)
_HUNDREDTH = Decimal("0.01")
_MAX_ACCEPT_LANGUAGE = 4096
_MAX_ACCEPT_ITEMS = 32
_QUALITY = re.compile(r"q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*", re.IGNORECASE)


# --------------------------------------------------------------------------------------------------
# Extraction markers: they return their arguments unchanged, and `pybabel extract` (configured in
# pyproject.toml) collects the strings they mark into the catalog.


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (yet)."""
    return message


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for translation with ``ngettext``."""
    return singular, plural


def Nc_(context: str, message: str) -> tuple[str, str]:
    """Mark ``message`` for translation with ``pgettext`` in ``context``."""
    return context, message


#: The texts of the portal's pages, by a stable key, in English (the msgid). Translate one with
#: :meth:`Translator.label`; some take named values (``page_of`` takes ``page`` and ``pages``).
LABELS: Mapping[str, str] = {
    # Navigation and sections
    "portal": N_("Client portal"),
    "overview": N_("Overview"),
    "hours": N_("Hours"),
    "projects": N_("Projects"),
    "project": N_("Project"),
    "budgets": N_("Budgets"),
    "budget": N_("Budget"),
    "invoices": N_("Invoices"),
    "invoice": N_("Invoice"),
    "quotes": N_("Quotes"),
    "quote": N_("Quote"),
    "approvals": N_("Approvals"),
    "language": N_("Language"),
    "sign_out": N_("Sign out"),
    "main_navigation": N_("Main navigation"),
    "skip_to_content": N_("Skip to content"),
    # Table columns
    "date": N_("Date"),
    "employee": N_("Employee"),
    "employees": N_("Employees"),
    "description": N_("Description"),
    "task": N_("Task"),
    "duration": N_("Duration"),
    "status": N_("Status"),
    "billable": N_("Billable"),
    "non_billable": N_("Non-billable"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "rate": N_("Rate"),
    "amount": N_("Amount"),
    "number": N_("Number"),
    "due_date": N_("Due date"),
    "valid_until": N_("Valid until"),
    "total": N_("Total"),
    "totals": N_("Totals"),
    "total_hours": N_("Total hours"),
    "week": N_("Week %(week)s"),
    "hours_per_week": N_("Hours per week"),
    # TRANSLATORS: a bar of the chart of hours per week; %(date)s is the week's Monday.
    "week_of": N_("Week of %(date)s"),
    # Budgets
    "budget_planned": N_("Planned"),
    "budget_used": N_("Used"),
    "budget_remaining": N_("Remaining"),
    "budget_progress": N_("%(percent)s used"),
    "budget_exceeded": N_("Over budget"),
    # TRANSLATORS: how much of a budget is used, e.g. "46 hours of 120 hours".
    "budget_of": N_("%(used)s of %(amount)s"),
    # Filters
    "filters": N_("Filters"),
    "filter_employee": N_("Filter by employee"),
    "all_employees": N_("All employees"),
    "all_projects": N_("All projects"),
    "all_statuses": N_("All statuses"),
    "date_range": N_("Date range"),
    "date_from": N_("From"),
    "date_to": N_("To"),
    "this_week": N_("This week"),
    "last_week": N_("Last week"),
    "this_month": N_("This month"),
    "last_month": N_("Last month"),
    "apply_filter": N_("Apply"),
    "reset_filter": N_("Reset filters"),
    # Lists and pages
    "export_csv": N_("Export CSV"),
    "previous_page": N_("Previous"),
    "next_page": N_("Next"),
    # TRANSLATORS: the name of the navigation between the pages of a long list.
    "pagination": N_("Pages"),
    "first_page": N_("First page"),
    "page_of": N_("Page %(page)s of %(pages)s"),
    "showing": N_("Showing %(first)s–%(last)s of %(total)s"),
    "no_hours": N_("No hours in this period."),
    "no_projects": N_("No projects to show."),
    "no_budgets": N_("No budgets to show."),
    "no_invoices": N_("No invoices to show."),
    "no_quotes": N_("No quotes to show."),
    "download": N_("Download"),
    # Approvals
    "awaiting_approval": N_("Awaiting your approval"),
    "no_pending": N_("There are no hours awaiting your approval."),
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "approve_selected": N_("Approve selected"),
    "reject_selected": N_("Reject selected"),
    "select_all": N_("Select all"),
    "reason": N_("Reason"),
    "reason_help": N_("Tell us what needs to change. Your reason is sent to %(company)s."),
    "confirm_approve": N_("Approve the selected hours?"),
    # TRANSLATORS: the label of an entry's checkbox, read out by screen readers.
    "select_entry": N_("Select the entry of %(date)s, %(employee)s, %(duration)s"),
    "recently_decided": N_("Recently decided"),
    "not_decided": N_("Some hours were not changed: they no longer await your approval."),
    "shared_link": N_(
        "This link is shared. Open the portal from your personal link to approve or reject hours."
    ),
    # User-facing errors
    "reason_required": N_("Please give a reason for rejecting these hours."),
    "nothing_selected": N_("Select at least one time entry first."),
    "decision_conflict": N_(
        "Some of these hours were changed in the meantime. Please review them and decide again."
    ),
    "form_expired": N_("This form has expired. Please reload the page and try again."),
    "error_title": N_("Something went wrong"),
    "error_body": N_("Please try again in a moment. If the problem persists, contact %(company)s."),
    "bad_request_title": N_("The request could not be read"),
    "too_many_title": N_("Too many attempts"),
    "too_many_body": N_(
        "There were too many attempts from your network. Wait a minute and try again."
    ),
    # Links and one-time codes
    "link_invalid_title": N_("This link has expired or is unknown"),
    "link_invalid_body": N_(
        "The link you followed cannot be used any more. Ask your contact person for a new link."
    ),
    "session_expired": N_("Your session has ended. Open the link from your e-mail again."),
    "signed_out": N_("You have signed out. Open the link from your e-mail to come back."),
    "code_title": N_("Enter your access code"),
    "code_send_intro": N_(
        "To open this portal you need a one-time code. We will e-mail it to %(email)s."
    ),
    "code_send": N_("Send me a code"),
    "code_intro": N_("We have sent a code to %(email)s. Enter it below to open the portal."),
    "code_field": N_("Access code"),
    "code_submit": N_("Open the portal"),
    "code_resend": N_("Send a new code"),
    "code_invalid": N_("This code is not correct or has expired. Try again or ask for a new code."),
    "code_too_many": N_("Too many attempts. Ask for a new code."),
}

#: Texts that depend on a count, by key: ``(singular, plural)`` in English. Translate one with
#: :meth:`Translator.plural_label`; the count is available as ``%(count)s``.
PLURAL_LABELS: Mapping[str, tuple[str, str]] = {
    "entries_count": Np_("%(count)s time entry", "%(count)s time entries"),
    "approved_count": Np_("%(count)s time entry approved.", "%(count)s time entries approved."),
    "rejected_count": Np_("%(count)s time entry rejected.", "%(count)s time entries rejected."),
    "selected_count": Np_("%(count)s time entry selected", "%(count)s time entries selected"),
    "code_sent": Np_(
        "A new code is on its way. It is valid for %(count)s minute.",
        "A new code is on its way. It is valid for %(count)s minutes.",
    ),
}

_APPROVAL_STATUS: Mapping[ApprovalStatus, tuple[str, str]] = {
    ApprovalStatus.OPEN: Nc_("approval status", "Open"),
    ApprovalStatus.PENDING_INTERNAL: Nc_("approval status", "Awaiting internal approval"),
    ApprovalStatus.INTERNALLY_APPROVED: Nc_("approval status", "Approved internally"),
    ApprovalStatus.PENDING_EXTERNAL: Nc_("approval status", "Awaiting your approval"),
    ApprovalStatus.APPROVED: Nc_("approval status", "Approved"),
    ApprovalStatus.REJECTED: Nc_("approval status", "Rejected"),
}

_INVOICE_STATUS: Mapping[DocumentStatus, tuple[str, str]] = {
    DocumentStatus.DRAFT: Nc_("invoice status", "Draft"),
    DocumentStatus.SENT: Nc_("invoice status", "Sent"),
    DocumentStatus.PAID: Nc_("invoice status", "Paid"),
    DocumentStatus.OVERDUE: Nc_("invoice status", "Overdue"),
    DocumentStatus.CREDITED: Nc_("invoice status", "Credited"),
}

_QUOTE_STATUS: Mapping[DocumentStatus, tuple[str, str]] = {
    DocumentStatus.DRAFT: Nc_("quote status", "Draft"),
    DocumentStatus.SENT: Nc_("quote status", "Sent"),
    DocumentStatus.ACCEPTED: Nc_("quote status", "Accepted"),
    DocumentStatus.DECLINED: Nc_("quote status", "Declined"),
    DocumentStatus.EXPIRED: Nc_("quote status", "Expired"),
}

_BUDGET_TYPE: Mapping[BudgetType, tuple[str, str]] = {
    BudgetType.TOTAL_HOURS: Nc_("budget type", "Total hours"),
    BudgetType.TASK_HOURS: Nc_("budget type", "Hours per task"),
    BudgetType.EMPLOYEE_HOURS: Nc_("budget type", "Hours per employee"),
    BudgetType.TOTAL_FEE: Nc_("budget type", "Total fee"),
    BudgetType.TASK_FEE: Nc_("budget type", "Fee per task"),
    BudgetType.EMPLOYEE_FEE: Nc_("budget type", "Fee per employee"),
    BudgetType.TOTAL_COSTS: Nc_("budget type", "Total costs"),
}


# --------------------------------------------------------------------------------------------------
# Locales


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


# --------------------------------------------------------------------------------------------------
# Catalogs


@frozen
class Translator:
    """The library's texts in one locale. Get one with :func:`translator`.

    Every method takes named ``values`` for the placeholders (``%(hours)s``); format numbers,
    money and dates with the ``format_*`` functions of this module first. A translation whose
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


# --------------------------------------------------------------------------------------------------
# Formatting


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
