"""CSV export of a portal's hours: streamed line by line, in the portal's language.

:func:`csv_lines` turns an iterable of public :class:`~clientportal.PortalEntry` records into CSV
lines without holding them: the service feeds it one page of entries at a time, so exporting a
million entries takes the memory of one page. Only public fields exist on those records; the
description, rate and amount columns appear only when the portal shows them. Dates are ISO 8601 and
hours a decimal number with a point, so a spreadsheet reads them in any locale; the column names,
yes/no and statuses are translated. Cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal

from ..visibility import PortalEntry, Scope

__all__ = ["csv_lines"]

_HOUR = Decimal(3600)
_CENTS = Decimal("0.01")
# A leading = + - @ (or a tab / carriage return) makes spreadsheets evaluate the cell (OWASP CSV
# injection): such text cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _hours(seconds: int) -> str:
    return str((Decimal(seconds) / _HOUR).quantize(_CENTS, ROUND_HALF_UP))


def csv_lines(
    entries: Iterable[PortalEntry],
    *,
    scope: Scope,
    language: str,
    project_names: Mapping[str, str],
    employee_names: Callable[[Iterable[str]], Mapping[str, str]],
    delimiter: str = ",",
) -> Iterator[str]:
    """The CSV lines (each ending in ``\\r\\n``) of ``entries``, a header first.

    ``employee_names`` is asked for the names of the employees of each batch of entries (so a
    source is not asked once per line); ids it does not name are written as they are.
    """
    from ..i18n import translator

    t = translator(language)
    columns = ["date", "employee", "project", "task"]
    if scope.descriptions:
        columns.append("description")
    columns += ["hours", "billable", "status"]
    if scope.amounts:
        columns += ["rate", "amount"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")

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
            status = statuses.get(e.status)
            if status is None:
                status = statuses[e.status] = t.approval_status(e.status)
            row = [
                e.date.isoformat(),
                _text(names[e.employee_id]),
                _text(project_names.get(e.project_id, e.project_id)),
                _text(e.task),
            ]
            if scope.descriptions:
                row.append(_text(e.description))
            row += [_hours(e.seconds), yes if e.billable else no, status]
            if scope.amounts:
                row += [
                    "" if e.rate is None else str(e.rate),
                    "" if e.amount is None else str(e.amount),
                ]
            yield line(row)
