"""CSV export of a portal's hours, expenses and trips: streamed line by line, in the portal's
language and the conventions of its locale.

:func:`csv_lines` turns an iterable of public :class:`~clientportal.PortalEntry` records into CSV
lines without holding them: the service feeds it one page of entries at a time, so exporting a
million entries takes the memory of one page. Only public fields exist on those records; the
description, rate, amount and currency columns appear only when the portal shows them, the status
only where its client approves. The column names, yes/no and statuses are translated.
:func:`expense_csv_lines` and :func:`trip_csv_lines` do the same for
:class:`~clientportal.PortalExpense` and :class:`~clientportal.PortalTrip` records: an expense's
amount always with its currency, a trip's distance always and its money only where the portal
shows it.

A spreadsheet opens the file in one go when it is written as the locale writes numbers
(:func:`csv_format`): where the decimal mark is a comma (nl, de, fr, es, pl), cells are separated
by ``;`` and hours and amounts written ``7,50``; elsewhere (en) by ``,`` with ``7.50``. Numbers
are plain (no thousands separator), dates ISO 8601. Cells that a spreadsheet would run as a
formula are defused.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Protocol, TypeVar

from ..i18n.locales import LocaleLike, resolve_locale
from ..model import ApprovalStatus
from ..public import PortalExpense, PortalTrip
from ..visibility import PortalEntry, Scope

if TYPE_CHECKING:
    from ..i18n import Translator

__all__ = ["csv_format", "csv_lines", "expense_csv_lines", "trip_csv_lines"]

_HOUR = Decimal(3600)
_CENTS = Decimal("0.01")
# A leading = + - @ (or a tab / carriage return) makes spreadsheets evaluate the cell (OWASP CSV
# injection): such text cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: How many records are named at a time (one question to the source for their employees' names).
_BATCH = 500

#: Who logged a record: what the lines need to name its employee.
EmployeeNames = Callable[[Iterable[str]], Mapping[str, str]]


class _Logged(Protocol):
    @property
    def employee_id(self) -> str: ...


_Record = TypeVar("_Record", bound=_Logged)


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_format(locale: LocaleLike) -> tuple[str, str]:
    """The cell separator and decimal mark a spreadsheet in ``locale`` reads: ``(";", ",")``
    where the locale writes a decimal comma, else ``(",", ".")``."""
    decimal = resolve_locale(locale).number_symbols.get("latn", {}).get("decimal", ".")
    return (";", ",") if decimal == "," else (",", ".")


class _Sheet:
    """Writes the lines of one CSV file: cells separated and numbers written as the locale's
    spreadsheets read them, column names, yes/no and statuses in ``language``."""

    def __init__(self, language: str, locale: LocaleLike | None, delimiter: str | None) -> None:
        from ..i18n import translator

        self.t: Translator = translator(language)
        separator, self.decimal = csv_format(language if locale is None else locale)
        self._buffer = io.StringIO()
        separator = separator if delimiter is None else delimiter
        self._writer = csv.writer(self._buffer, delimiter=separator, lineterminator="\r\n")
        self._yes, self._no = self.t.label("yes"), self.t.label("no")
        self._statuses: dict[ApprovalStatus, str] = {}

    def line(self, row: Iterable[str]) -> str:
        """One line of cells (ending in ``\\r\\n``)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(row)
        return self._buffer.getvalue()

    def header(self, columns: Iterable[str]) -> str:
        """The line of the columns' names (keys of :data:`~clientportal.i18n.LABELS`)."""
        return self.line(self.t.label(c) for c in columns)

    def number(self, value: Decimal | None) -> str:
        """``value`` as a plain number (no exponent, no thousands separator) with the decimal
        mark; empty for ``None``."""
        return "" if value is None else format(value, "f").replace(".", self.decimal)

    def hours(self, seconds: int) -> str:
        """``seconds`` as hours, to two decimals."""
        return self.number((Decimal(seconds) / _HOUR).quantize(_CENTS, ROUND_HALF_UP))

    def yes_no(self, value: bool) -> str:
        """Yes or no, translated."""
        return self._yes if value else self._no

    def status(self, status: ApprovalStatus) -> str:
        """The approval status' name, translated (each translated once)."""
        name = self._statuses.get(status)
        if name is None:
            name = self._statuses[status] = self.t.approval_status(status)
        return name


def _named(
    records: Iterable[_Record], employee_names: EmployeeNames
) -> Iterator[tuple[_Record, str]]:
    """Each record with its employee's name, the names asked for a batch of records at a time
    (ids ``employee_names`` does not name stay as they are)."""
    names: dict[str, str] = {}
    rest = iter(records)
    while batch := list(itertools.islice(rest, _BATCH)):
        missing = {r.employee_id for r in batch} - names.keys()
        if missing:
            names.update(employee_names(sorted(missing)))
            names.update((i, i) for i in missing if i not in names)
        for record in batch:
            yield record, _text(names[record.employee_id])


def csv_lines(
    entries: Iterable[PortalEntry],
    *,
    scope: Scope,
    language: str,
    project_names: Mapping[str, str],
    employee_names: EmployeeNames,
    currency: str = "EUR",
    locale: LocaleLike | None = None,
    delimiter: str | None = None,
) -> Iterator[str]:
    """The CSV lines (each ending in ``\\r\\n``) of ``entries``, a header first.

    ``employee_names`` is asked for the names of the employees of each batch of entries (so a
    source is not asked once per line); ids it does not name are written as they are. Texts
    are in ``language``; the separator and decimal mark are those of ``locale`` (default: the
    language's, :func:`csv_format`), unless ``delimiter`` is given. Rates and amounts are in
    ``currency``, named in a column of its own on every row that has one.
    """
    sheet = _Sheet(language, locale, delimiter)
    columns = ["date", "employee", "project", "task"]
    if scope.descriptions:
        columns.append("description")
    columns += ["hours", "billable"]
    if scope.approval:
        columns.append("status")
    if scope.amounts:
        columns += ["rate", "amount", "currency"]
    yield sheet.header(columns)
    for e, employee in _named(entries, employee_names):
        row = [
            e.date.isoformat(),
            employee,
            _text(project_names.get(e.project_id, e.project_id)),
            _text(e.task),
        ]
        if scope.descriptions:
            row.append(_text(e.description))
        row += [sheet.hours(e.seconds), sheet.yes_no(e.billable)]
        if scope.approval:
            row.append(sheet.status(e.status))
        if scope.amounts:
            row += [
                sheet.number(e.rate),
                sheet.number(e.amount),
                "" if e.rate is None and e.amount is None else currency,
            ]
        yield sheet.line(row)


def expense_csv_lines(
    expenses: Iterable[PortalExpense],
    *,
    scope: Scope,
    language: str,
    project_names: Mapping[str, str],
    employee_names: EmployeeNames,
    locale: LocaleLike | None = None,
    delimiter: str | None = None,
) -> Iterator[str]:
    """The CSV lines of ``expenses``, a header first, as :func:`csv_lines` writes hours: the
    description only where the portal shows descriptions, whether billable only where it shows
    non-billable costs (else every expense shown is billable), the status only where its client
    approves. Every amount is followed by its currency."""
    sheet = _Sheet(language, locale, delimiter)
    columns = ["date", "employee", "project", "category"]
    if scope.cost_descriptions:
        columns.append("description")
    columns += ["amount", "currency"]
    if scope.non_billable_costs:
        columns.append("billable")
    columns.append("receipt")
    if scope.approval:
        columns.append("status")
    yield sheet.header(columns)
    for x, employee in _named(expenses, employee_names):
        row = [
            x.date.isoformat(),
            employee,
            _text(project_names.get(x.project_id, x.project_id)),
            _text(x.category),
        ]
        if scope.cost_descriptions:
            row.append(_text(x.description))
        row += [sheet.number(x.amount), x.currency]
        if scope.non_billable_costs:
            row.append(sheet.yes_no(x.billable))
        row.append(sheet.yes_no(x.receipt))
        if scope.approval:
            row.append(sheet.status(x.status))
        yield sheet.line(row)


def trip_csv_lines(
    trips: Iterable[PortalTrip],
    *,
    scope: Scope,
    language: str,
    project_names: Mapping[str, str],
    employee_names: EmployeeNames,
    locale: LocaleLike | None = None,
    delimiter: str | None = None,
) -> Iterator[str]:
    """The CSV lines of ``trips``, a header first, as :func:`expense_csv_lines` writes
    expenses: the distance in kilometres always; description, origin and destination only where
    the portal shows descriptions; rate, amount and currency only where it shows the trips'
    money (empty on a trip without a rate)."""
    sheet = _Sheet(language, locale, delimiter)
    columns = ["date", "employee", "project"]
    if scope.cost_descriptions:
        columns += ["description", "origin", "destination"]
    columns.append("distance")
    if scope.non_billable_costs:
        columns.append("billable")
    if scope.approval:
        columns.append("status")
    if scope.trip_amounts:
        columns += ["rate", "amount", "currency"]
    yield sheet.header(columns)
    for trip, employee in _named(trips, employee_names):
        row = [
            trip.date.isoformat(),
            employee,
            _text(project_names.get(trip.project_id, trip.project_id)),
        ]
        if scope.cost_descriptions:
            row += [_text(trip.description), _text(trip.origin), _text(trip.destination)]
        row.append(sheet.number(trip.distance))
        if scope.non_billable_costs:
            row.append(sheet.yes_no(trip.billable))
        if scope.approval:
            row.append(sheet.status(trip.status))
        if scope.trip_amounts:
            row += [sheet.number(trip.rate), sheet.number(trip.amount), trip.currency or ""]
        yield sheet.line(row)
