"""The items the e-mails are about -- time entries, expenses and trips -- and how they are written
out: counted ("3 time entries (10 hours), 2 expenses (€120.00) and 1 trip (45 km)"), dated, and
listed in a table per kind, in the e-mail's language.

The e-mails read the records the visibility filter gives (``PortalEntry``, ``PortalExpense``,
``PortalTrip``), so an item reads as the portal shows it: a description only where the portal
shows descriptions, a trip's money only where it shows amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol, TypeVar

from attrs import frozen
from babel.lists import format_list

from ..i18n import (
    Translator,
    format_date,
    format_date_range,
    format_duration,
    format_money,
    format_number,
)
from .blocks import Block, Heading, Note, Table, html_table, text_table
from .templates import EntryRow, RichValue, TemplateValue

__all__ = [
    "NOTHING",
    "CostSections",
    "Dated",
    "EntryLike",
    "ExpenseLike",
    "Named",
    "TripLike",
    "cost_sections",
    "count_phrases",
    "distance",
    "expense_table",
    "hours",
    "item_values",
    "listed",
    "money_total",
    "names",
    "period",
    "request_subject",
    "rich",
    "showing",
    "summary_phrases",
    "trip_table",
]


class Dated(Protocol):
    """Anything with an id and a date: every item."""

    @property
    def id(self) -> str: ...
    @property
    def date(self) -> dt.date: ...


class EntryLike(Protocol):
    """What the e-mails read of a time entry (a ``TimeEntry`` or a ``PortalEntry``)."""

    @property
    def id(self) -> str: ...
    @property
    def project_id(self) -> str: ...
    @property
    def employee_id(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def seconds(self) -> int: ...
    @property
    def description(self) -> str | None: ...


class ExpenseLike(Protocol):
    """What the e-mails read of an expense (an ``Expense`` or a ``PortalExpense``)."""

    @property
    def id(self) -> str: ...
    @property
    def project_id(self) -> str: ...
    @property
    def employee_id(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def description(self) -> str | None: ...


class TripLike(Protocol):
    """What the e-mails read of a trip as the portal shows it (a ``PortalTrip``): ``amount`` and
    ``currency`` are ``None`` where the portal shows no money, ``description``, ``origin`` and
    ``destination`` where it shows no descriptions."""

    @property
    def id(self) -> str: ...
    @property
    def project_id(self) -> str: ...
    @property
    def employee_id(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def distance(self) -> Decimal: ...
    @property
    def description(self) -> str | None: ...
    @property
    def origin(self) -> str | None: ...
    @property
    def destination(self) -> str | None: ...
    @property
    def amount(self) -> Decimal | None: ...
    @property
    def currency(self) -> str | None: ...


class Named(Protocol):
    """Anything with an id and a name: a project or an employee (model or portal record)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


_D = TypeVar("_D", bound=Dated)


def names(records: Iterable[Named]) -> dict[str, str]:
    """Names by id."""
    return {r.id: r.name for r in records}


def hours(t: Translator) -> Callable[[int], str]:
    """Writes seconds as hours with their unit, in ``t``'s language (``7,5 uur``)."""

    def written(seconds: int) -> str:
        return format_duration(seconds, t.locale, style="decimal")

    return written


def distance(t: Translator, km: Decimal) -> str:
    """A distance in kilometres: ``45,5 km``."""
    return t.gettext("%(distance)s km", distance=format_number(km, t.locale))


def money_total(t: Translator, amounts: Iterable[tuple[Decimal | None, str | None]]) -> str:
    """The sum of ``(amount, currency)`` pairs per currency, ordered by currency and joined with
    " + " as the pages do (``€120.00 + US$30.00``); pairs without an amount or currency count for
    nothing."""
    sums: dict[str, Decimal] = {}
    for amount, currency in amounts:
        if amount is not None and currency is not None:
            sums[currency] = sums.get(currency, Decimal(0)) + amount
    return " + ".join(
        format_money(total, currency, t.locale) for currency, total in sorted(sums.items())
    )


def period(items: Sequence[Dated], t: Translator) -> str:
    """The days ``items`` span: ``28 jan – 3 feb 2025``."""
    return format_date_range(min(i.date for i in items), max(i.date for i in items), t.locale)


def listed(t: Translator, phrases: Sequence[str]) -> str:
    """``a, b and c`` in ``t``'s language."""
    return format_list(list(phrases), locale=t.locale)


def count_phrases(
    t: Translator,
    entries: Sequence[EntryLike],
    expenses: Sequence[ExpenseLike],
    trips: Sequence[TripLike],
) -> list[str]:
    """How many items of each kind there are: ``3 time entries``, ``2 expenses``, ``1 trip``
    (a kind without items is left out)."""
    phrases = []
    if entries:
        phrases.append(t.ngettext("%(count)s time entry", "%(count)s time entries", len(entries)))
    if expenses:
        phrases.append(t.ngettext("%(count)s expense", "%(count)s expenses", len(expenses)))
    if trips:
        phrases.append(t.ngettext("%(count)s trip", "%(count)s trips", len(trips)))
    return phrases


def summary_phrases(
    t: Translator,
    entries: Sequence[EntryLike],
    expenses: Sequence[ExpenseLike],
    trips: Sequence[TripLike],
) -> list[str]:
    """As :func:`count_phrases`, each with its total: ``3 time entries (10 hours)``, ``2 expenses
    (€120.00)``, ``1 trip (45 km)``."""
    phrases = []
    if entries:
        phrases.append(
            t.ngettext(
                "%(count)s time entry (%(hours)s)",
                "%(count)s time entries (%(hours)s)",
                len(entries),
                hours=hours(t)(sum(e.seconds for e in entries)),
            )
        )
    if expenses:
        phrases.append(
            t.ngettext(
                "%(count)s expense (%(amount)s)",
                "%(count)s expenses (%(amount)s)",
                len(expenses),
                amount=money_total(t, ((x.amount, x.currency) for x in expenses)),
            )
        )
    if trips:
        phrases.append(
            t.ngettext(
                "%(count)s trip (%(distance)s)",
                "%(count)s trips (%(distance)s)",
                len(trips),
                distance=distance(t, sum((x.distance for x in trips), Decimal(0))),
            )
        )
    return phrases


def expense_table(
    t: Translator,
    expenses: Sequence[ExpenseLike],
    *,
    projects: Mapping[str, str],
    employees: Mapping[str, str],
    max_rows: int | None,
) -> Table:
    """The expenses, oldest first (the first ``max_rows``; ``None``: all): date, employee,
    project, description, amount; the total per currency covers them all."""
    rows = tuple(
        (
            format_date(x.date, t.locale),
            employees.get(x.employee_id, x.employee_id),
            projects.get(x.project_id, x.project_id),
            x.description or "–",
            format_money(x.amount, x.currency, t.locale),
        )
        for x in _oldest_first(expenses)[:max_rows]
    )
    return Table(
        columns=(
            t.label("date"),
            t.label("employee"),
            t.label("project"),
            t.label("description"),
            t.label("amount"),
        ),
        rows=rows,
        total=(
            t.label("total"),
            "",
            "",
            "",
            money_total(t, ((x.amount, x.currency) for x in expenses)),
        ),
        numeric=frozenset({4}),
    )


def trip_table(
    t: Translator,
    trips: Sequence[TripLike],
    *,
    projects: Mapping[str, str],
    employees: Mapping[str, str],
    max_rows: int | None,
) -> Table:
    """The trips, oldest first (the first ``max_rows``; ``None``: all): date, employee, project,
    description (with the route where the portal shows it), distance, and the amount when the
    portal shows any; the total row covers them all."""
    with_money = any(x.amount is not None for x in trips)
    rows: list[tuple[str, ...]] = []
    for x in _oldest_first(trips)[:max_rows]:
        row: tuple[str, ...] = (
            format_date(x.date, t.locale),
            employees.get(x.employee_id, x.employee_id),
            projects.get(x.project_id, x.project_id),
            _trip_description(x),
            distance(t, x.distance),
        )
        if with_money:
            money = (
                ""
                if x.amount is None or x.currency is None
                else format_money(x.amount, x.currency, t.locale)
            )
            row += (money,)
        rows.append(row)
    total: tuple[str, ...] = (
        t.label("total"),
        "",
        "",
        "",
        distance(t, sum((x.distance for x in trips), Decimal(0))),
    )
    columns: tuple[str, ...] = (
        t.label("date"),
        t.label("employee"),
        t.label("project"),
        t.label("description"),
        t.gettext("Distance"),
    )
    if with_money:
        columns += (t.label("amount"),)
        total += (money_total(t, ((x.amount, x.currency) for x in trips)),)
    return Table(
        columns=columns,
        rows=tuple(rows),
        total=total,
        numeric=frozenset({4, 5} if with_money else {4}),
    )


def _trip_description(trip: TripLike) -> str:
    """The trip's description and its route (``Site visit (Utrecht → Delft)``), or ``–``."""
    route = " → ".join(p for p in (trip.origin, trip.destination) if p)
    if trip.description and route:
        return f"{trip.description} ({route})"
    return trip.description or route or "–"


def _oldest_first(items: Sequence[_D]) -> list[_D]:
    return sorted(items, key=lambda i: (i.date, i.id))


# --------------------------------------------------------------------------------------------------
# The sections and values of the e-mails about items


#: A template variable about a kind the e-mail has none of.
NOTHING = RichValue(text="", html="")


@frozen
class CostSections:
    """The expenses' and trips' sections of an e-mail (``blocks``) and their tables."""

    blocks: tuple[Block, ...]
    expenses: Table | None
    trips: Table | None


def cost_sections(
    t: Translator,
    expenses: Sequence[ExpenseLike],
    trips: Sequence[TripLike],
    *,
    projects: Mapping[str, str],
    employees: Mapping[str, str],
    max_rows: int | None,
) -> CostSections:
    """A section per kind that has items: a heading, the table, and how many it lists."""
    blocks: list[Block] = []
    expense_rows = trip_rows = None
    if expenses:
        expense_rows = expense_table(
            t, expenses, projects=projects, employees=employees, max_rows=max_rows
        )
        blocks += [Heading(t.gettext("Expenses")), expense_rows]
        blocks += showing(t, len(expense_rows.rows), len(expenses))
    if trips:
        trip_rows = trip_table(t, trips, projects=projects, employees=employees, max_rows=max_rows)
        blocks += [Heading(t.gettext("Trips")), trip_rows]
        blocks += showing(t, len(trip_rows.rows), len(trips))
    return CostSections(tuple(blocks), expense_rows, trip_rows)


def item_values(
    t: Translator,
    entries: Sequence[EntryLike],
    expenses: Sequence[ExpenseLike],
    trips: Sequence[TripLike],
    tables: CostSections,
) -> dict[str, TemplateValue]:
    """The template values about every kind: counts, the cost tables, the summary."""
    return {
        "expense_count": len(expenses),
        "trip_count": len(trips),
        "expenses_table": NOTHING if tables.expenses is None else rich(tables.expenses),
        "trips_table": NOTHING if tables.trips is None else rich(tables.trips),
        "item_summary": listed(t, summary_phrases(t, entries, expenses, trips)),
    }


def request_subject(
    t: Translator,
    portal: str,
    entries: Sequence[EntryLike],
    expenses: Sequence[ExpenseLike],
    trips: Sequence[TripLike],
) -> str:
    """The subject of an approval request: what kinds of item wait, in which ``portal`` (its
    name)."""
    if not expenses and not trips:
        return t.gettext("Hours awaiting your approval: %(portal)s", portal=portal)
    if entries:
        return t.gettext("Hours and costs awaiting your approval: %(portal)s", portal=portal)
    if not trips:
        return t.gettext("Expenses awaiting your approval: %(portal)s", portal=portal)
    if not expenses:
        return t.gettext("Trips awaiting your approval: %(portal)s", portal=portal)
    return t.gettext("Expenses and trips awaiting your approval: %(portal)s", portal=portal)


def showing(t: Translator, shown: int, total: int) -> list[Block]:
    """The note under a table that lists only the first ``shown`` of ``total`` items."""
    if shown >= total:
        return []
    note = t.label(
        "showing",
        first=format_number(1, t.locale),
        last=format_number(shown, t.locale),
        total=format_number(total, t.locale),
    )
    return [Note(note)]


def rich(table: Table) -> RichValue:
    """``table`` as a template value: its plain-text and HTML forms."""
    return RichValue(text=text_table(table), html=html_table(table))


def entry_table(
    t: Translator,
    entries: Sequence[EntryLike],
    project_names: Mapping[str, str],
    employee_names: Mapping[str, str],
    max_rows: int | None,
) -> tuple[tuple[EntryRow, ...], Table]:
    """The first ``max_rows`` of ``entries`` (oldest first) as rows, and the table of them
    (date, employee, project, hours, description) with the total of them all: what a notice
    to the company lists."""
    in_hours = hours(t)
    ordered = sorted(entries, key=lambda e: (e.date, e.id))[:max_rows]
    rows = tuple(
        EntryRow(
            date=format_date(e.date, t.locale),
            employee=employee_names.get(e.employee_id, e.employee_id),
            project=project_names.get(e.project_id, e.project_id),
            hours=in_hours(e.seconds),
            description=e.description or "",
        )
        for e in ordered
    )
    table = Table(
        columns=(
            t.label("date"),
            t.label("employee"),
            t.label("project"),
            t.label("hours"),
            t.label("description"),
        ),
        rows=tuple((r.date, r.employee, r.project, r.hours, r.description or "–") for r in rows),
        total=(t.label("total"), "", "", in_hours(sum(e.seconds for e in entries)), ""),
        numeric=frozenset({3}),
    )
    return rows, table
