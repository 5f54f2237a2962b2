"""CSV export of a portal's hours: streamed line by line, in the portal's language and the
conventions of its locale.

:func:`csv_lines` turns an iterable of public :class:`~clientportal.PortalEntry` records into CSV
lines without holding them: the service feeds it one page of entries at a time, so exporting a
million entries takes the memory of one page. Only public fields exist on those records; the
description, rate, amount and currency columns appear only when the portal shows them, the status
only where its client approves. The column names, yes/no and statuses are translated.

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

from ..i18n.locales import LocaleLike, resolve_locale
from ..visibility import PortalEntry, Scope

__all__ = ["csv_format", "csv_lines"]

_HOUR = Decimal(3600)
_CENTS = Decimal("0.01")
# A leading = + - @ (or a tab / carriage return) makes spreadsheets evaluate the cell (OWASP CSV
# injection): such text cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_format(locale: LocaleLike) -> tuple[str, str]:
    """The cell separator and decimal mark a spreadsheet in ``locale`` reads: ``(";", ",")``
    where the locale writes a decimal comma, else ``(",", ".")``."""
    decimal = resolve_locale(locale).number_symbols.get("latn", {}).get("decimal", ".")
    return (";", ",") if decimal == "," else (",", ".")


def _number(value: Decimal, decimal: str) -> str:
    """``value`` as a plain number (no exponent, no thousands separator) with ``decimal``."""
    return format(value, "f").replace(".", decimal)


def _hours(seconds: int, decimal: str) -> str:
    return _number((Decimal(seconds) / _HOUR).quantize(_CENTS, ROUND_HALF_UP), decimal)


def csv_lines(
    entries: Iterable[PortalEntry],
    *,
    scope: Scope,
    language: str,
    project_names: Mapping[str, str],
    employee_names: Callable[[Iterable[str]], Mapping[str, str]],
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
    from ..i18n import translator

    t = translator(language)
    separator, decimal = csv_format(language if locale is None else locale)
    if delimiter is not None:
        separator = delimiter
    columns = ["date", "employee", "project", "task"]
    if scope.descriptions:
        columns.append("description")
    columns += ["hours", "billable"]
    if scope.approval:
        columns.append("status")
    if scope.amounts:
        columns += ["rate", "amount", "currency"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")

    def line(row: Iterable[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        return buffer.getvalue()

    yes, no = t.label("yes"), t.label("no")
    statuses: dict[object, str] = {}
    yield line(t.label(c) for c in columns)
    names: dict[str, str] = {}
    rest = iter(entries)
    while batch := list(itertools.islice(rest, 500)):
        missing = {e.employee_id for e in batch} - names.keys()
        if missing:
            names.update(employee_names(sorted(missing)))
            names.update((i, i) for i in missing if i not in names)
        for e in batch:
            row = [
                e.date.isoformat(),
                _text(names[e.employee_id]),
                _text(project_names.get(e.project_id, e.project_id)),
                _text(e.task),
            ]
            if scope.descriptions:
                row.append(_text(e.description))
            row += [_hours(e.seconds, decimal), yes if e.billable else no]
            if scope.approval:
                status = statuses.get(e.status)
                if status is None:
                    status = statuses[e.status] = t.approval_status(e.status)
                row.append(status)
            if scope.amounts:
                row += [
                    "" if e.rate is None else _number(e.rate, decimal),
                    "" if e.amount is None else _number(e.amount, decimal),
                    "" if e.rate is None and e.amount is None else currency,
                ]
            yield line(row)
