"""The host's side: the read-only :class:`DataSource` a host implements, the records it carries,
its optional parts (:class:`EntryTotals`, :class:`EntryEmployees`, :class:`EntryWeeks`,
:class:`InvoicedItems`), and the
order of its pages (:class:`IdOrder`)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol, TypeVar, runtime_checkable

from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..errors import ConfigError, DataSourceError
from ..model import (
    ApprovalStatus,
    Budget,
    Client,
    Contact,
    Employee,
    Expense,
    Invoice,
    ItemRef,
    Project,
    Quote,
    TimeEntry,
    Trip,
)
from ..visibility import PortalEntry, Scope

__all__ = [
    "MAX_PAGE_SIZE",
    "DataSource",
    "DocumentFile",
    "EntryCursor",
    "EntryEmployees",
    "EntryPage",
    "EntryQuery",
    "EntryTotals",
    "EntryWeeks",
    "IdOrder",
    "InvoicedItems",
    "OpenQuotes",
    "Totals",
    "id_order_of",
    "id_sort_key",
    "unique_by_id",
]


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_R = TypeVar("_R", bound=_HasId)


def unique_by_id(records: Iterable[_R]) -> tuple[_R, ...]:
    """The first record of each id, in the order given: a source may repeat a record, and what
    the library builds from records needs each id once."""
    seen: dict[str, _R] = {}
    for record in records:
        seen.setdefault(record.id, record)
    return tuple(seen.values())


#: The most entries one page may ask for.
MAX_PAGE_SIZE = 1000


class IdOrder(enum.Enum):
    """How a source orders the ids of entries (and expenses and trips) of one day.

    Pages are in (date desc, id asc) order; "id asc" is this order. A
    :class:`DataSource` declares it with an attribute ``id_order``; without one it is
    :attr:`TEXT`.
    """

    #: Ids compare as Python ``str`` (by code point): a SQL source orders them with a binary
    #: collation (``COLLATE "C"`` on PostgreSQL), so ``"10" < "9"``.
    TEXT = "text"
    #: Ids are canonical decimal integers (``"0"``, ``"17"``: no sign, no leading zeros)
    #: compared as numbers, so ``"9" < "10"``: what ``ORDER BY id`` gives on an integer
    #: primary key.
    INTEGER = "integer"


def id_order_of(source: object) -> IdOrder:
    """The :class:`IdOrder` ``source`` declares in its ``id_order`` attribute (:attr:`IdOrder.TEXT`
    when it has none); anything else there is a :class:`~clientportal.errors.ConfigError`."""
    order = getattr(source, "id_order", IdOrder.TEXT)
    if not isinstance(order, IdOrder):
        raise ConfigError(
            [
                f"{type(source).__name__}.id_order is {order!r}: declare IdOrder.TEXT or "
                "IdOrder.INTEGER (from clientportal.ports)"
            ],
            subject="data source",
        )
    return order


def _canonical_integer(value: str) -> bool:
    return value.isascii() and value.isdigit() and (value == "0" or not value.startswith("0"))


def id_sort_key(id: str, order: IdOrder) -> tuple[int, str]:
    """A key that sorts ids in ``order``: by code point for :attr:`IdOrder.TEXT`, by number for
    :attr:`IdOrder.INTEGER` (a :class:`~clientportal.errors.DataSourceError` for an id that is
    not a canonical decimal integer there)."""
    if order is IdOrder.TEXT:
        return (0, id)
    if not _canonical_integer(id):
        raise DataSourceError(
            f"id {id!r} is not a canonical decimal integer (digits, no sign, no leading zeros) "
            "but the source declares id_order = IdOrder.INTEGER: give integer ids as str(int), "
            "or declare IdOrder.TEXT and order ids as text with a binary collation"
        )
    # Canonical integers order as numbers by (length, text): no size limit, no int() needed.
    return (len(id), id)


@frozen
class EntryCursor:
    """Where a page of entries ends: the last entry's date and id (keyset pagination).

    Entries are ordered by date, newest first, then by id; the next page starts strictly after
    ``(date, id)`` in that order.
    """

    date: dt.date = field(validator=cv.plain_date)
    id: str = field(validator=cv.identifier)


def _statuses(value: object) -> frozenset[ApprovalStatus]:
    return cv.to_frozenset(value)  # type: ignore[arg-type]


@frozen(kw_only=True)
class EntryQuery:
    """Which of a portal's visible entries a page shows. Empty filters mean "all"."""

    employee_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    project_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    date_from: dt.date | None = field(default=None, validator=cv.optional_plain_date)
    date_to: dt.date | None = field(default=None, validator=cv.optional_plain_date)
    statuses: frozenset[ApprovalStatus] = field(
        factory=frozenset,
        converter=_statuses,
        validator=v.deep_iterable(v.instance_of(ApprovalStatus), v.instance_of(frozenset)),
    )
    after: EntryCursor | None = field(
        default=None, validator=v.optional(v.instance_of(EntryCursor))
    )
    limit: int = field(default=100, validator=[v.instance_of(int), v.ge(1), v.le(MAX_PAGE_SIZE)])

    def __attrs_post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(
                f"date_from {self.date_from} is after date_to {self.date_to}: swap them"
            )

    def matches(self, entry: TimeEntry | Expense | Trip) -> bool:
        """True when ``entry`` (or an expense or trip) passes the filters (the cursor and limit
        aside)."""
        return (
            (not self.employee_ids or entry.employee_id in self.employee_ids)
            and (not self.project_ids or entry.project_id in self.project_ids)
            and (self.date_from is None or entry.date >= self.date_from)
            and (self.date_to is None or entry.date <= self.date_to)
            and (not self.statuses or entry.approval.status in self.statuses)
        )

    def is_after_cursor(
        self, entry: TimeEntry | Expense | Trip, order: IdOrder = IdOrder.TEXT
    ) -> bool:
        """True when ``entry`` comes after the cursor in (date desc, id asc) order, ids compared
        in ``order``."""
        c = self.after
        if c is None or entry.date < c.date:
            return True
        if entry.date > c.date:
            return False
        return id_sort_key(entry.id, order) > id_sort_key(c.id, order)


@frozen
class EntryPage:
    """One page of entries in (date desc, id asc) order; ``next`` is ``None`` on the last page."""

    entries: tuple[TimeEntry, ...]
    next: EntryCursor | None


@frozen
class DocumentFile:
    """An invoice or quote as a file the client can download (usually a PDF)."""

    filename: str = field(validator=cv.non_empty_text)
    content_type: str = field(validator=cv.non_empty_text)
    data: bytes = field(repr=lambda b: f"<{len(b)} bytes>")


@runtime_checkable
class DataSource(Protocol):
    """The host's time-tracking data, read-only. This is what a host app implements.

    Every method that returns portal data takes the portal's :class:`~clientportal.Scope`, so an
    implementation can push the visibility rules into its query; it may return more than the
    scope allows (the service filters everything again with the pure rules), never less.
    Entries carry their current :class:`~clientportal.ApprovalState` as the :class:`ApprovalStore`
    holds it (a SQL host joins the library's ``approvals`` table).
    """

    def client(self, client_id: str) -> Client | None:
        """The client, or ``None``."""
        ...

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The client's contacts."""
        ...

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        """The employees with these ids (unknown ids are left out)."""
        ...

    def projects(self, scope: Scope) -> Sequence[Project]:
        """The client's projects among ``scope.project_ids``."""
        ...

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        """One page of the scope's entries that match ``query``, after ``query.after``, in
        (date desc, id asc) order, at most ``query.limit`` of them."""
        ...

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        """The entries with these ids, whatever their project (the service checks the scope)."""
        ...

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        """The budgets of the scope's projects."""
        ...

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        """The client's invoices."""
        ...

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        """The client's quotes."""
        ...

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        """The file of invoice or quote ``document_id`` (``kind`` is "invoice" or "quote")."""
        ...


# --------------------------------------------------------------------------------------------------
# Optional parts of a DataSource, and the records they return


@frozen
class Totals:
    """Sums over some visible entries: how many, their seconds, the billable seconds, and the
    amount (``None`` unless the portal shows amounts)."""

    count: int = 0
    seconds: int = 0
    billable_seconds: int = 0
    amount: Decimal | None = None

    @classmethod
    def of(cls, entries: Iterable[PortalEntry], *, amounts: bool) -> Totals:
        """The totals of ``entries``; ``amounts`` says whether the portal shows amounts."""
        count = seconds = billable = 0
        amount = Decimal(0)
        for e in entries:
            count += 1
            seconds += e.seconds
            if e.billable:
                billable += e.seconds
            if e.amount is not None:
                amount += e.amount
        return cls(count, seconds, billable, amount if amounts else None)

    def __add__(self, other: Totals) -> Totals:
        # A zero amount keeps its form (0.00 stays 0.00, as in Totals.of), so no `or` here.
        if self.amount is None or other.amount is None:
            amount = other.amount if self.amount is None else self.amount
        else:
            amount = self.amount + other.amount
        return Totals(
            self.count + other.count,
            self.seconds + other.seconds,
            self.billable_seconds + other.billable_seconds,
            amount,
        )


@runtime_checkable
class EntryTotals(Protocol):
    """Optional for a :class:`~clientportal.ports.DataSource`: the totals of the scope's entries
    that match a query, per project, summed by the source (a SQL source: one aggregate query).

    Without this method the service sums the totals of the hours page by reading every visible
    entry, a page at a time: a thousand queries for a million entries. Sums cannot be filtered
    again entry by entry as pages are, so the reader asks only about the projects the pure rules
    show, keeps only the totals of those projects (a source that sums another client's project,
    or one the portal does not show, adds nothing), and refuses totals that cannot be sums of
    entries. What it cannot check is within a project: implement this only if it applies the
    query's filters exactly as the service's pages do (the pure filter), every page together.
    """

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        """The totals of the scope's entries that match ``query``, by project id; projects
        without such entries may be left out.

        The entries are those of ``scope.client_id`` in ``scope.project_ids`` (and in
        ``query.project_ids`` when given), of ``query``'s employees and date range, in its
        approval statuses (as the :class:`~clientportal.ports.ApprovalStore` has them), after
        ``query.after``; ``query.limit`` does not matter. ``amount`` is the sum of each entry's
        :func:`~clientportal.visibility.entry_amount` (entries without a rate add nothing:
        ``Decimal(0)`` when none has one), ``None`` unless ``scope.amounts``.
        """
        ...


@runtime_checkable
class EntryEmployees(Protocol):
    """Optional for a :class:`~clientportal.ports.DataSource`: who logged the scope's entries.

    The portal's employee filter lists everyone who logged a visible entry (rule V8). Without
    this method the service finds them by reading every visible entry, a page at a time; a SQL
    source answers it with one ``SELECT DISTINCT``. The answer may hold more ids than needed (they
    only add names to the filter), never fewer.
    """

    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        """The ids of the employees of the scope's entries."""
        ...


@runtime_checkable
class OpenQuotes(Protocol):
    """Optional for a :class:`~clientportal.ports.DataSource`: which of a client's quotes the
    host holds open for the client's decision (accept or decline in the portal).

    Without this method every quote the portal shows that is sent (``DocumentStatus.SENT``),
    not past its ``valid_until`` and not decided in the portal yet is open; with it, only those
    of them whose id it returns (it can only narrow: a draft or an expired quote never opens).
    """

    def open_quote_ids(self, client_id: str) -> frozenset[str]:
        """The ids of the client's quotes that may be accepted or declined now."""
        ...


@runtime_checkable
class EntryWeeks(Protocol):
    """Optional for a :class:`~clientportal.ports.DataSource`: hours per week, for the overview's
    chart.

    Without this method the service reads every entry of the chart's weeks, a page at a time; a
    SQL source answers with one aggregate (the reference schema reads its weekly sums). Like
    :class:`EntryTotals`, it is asked only about the projects the pure rules show, and only the
    weeks asked for, each checked, are kept.
    """

    def entry_week_seconds(
        self, scope: Scope, first: dt.date, last: dt.date
    ) -> Mapping[dt.date, int]:
        """The seconds of the scope's entries (of ``scope.client_id`` in ``scope.project_ids``)
        per ISO week, keyed by the week's Monday, for the weeks from Monday ``first`` to Monday
        ``last``; weeks without entries may be left out."""
        ...


# -- workflow + undo (H2): the host's invoiced flag ------------------------------------------------


@runtime_checkable
class InvoicedItems(Protocol):
    """Optional for a :class:`~clientportal.ports.DataSource`: which items the host has invoiced.

    A client may undo their decision for a short while (:mod:`clientportal.service.undo`), but
    never on hours, expenses or trips the host has put on an invoice meanwhile: those are refused
    as invoiced. Without this method nothing counts as invoiced (the undo window alone limits an
    undo).
    """

    def invoiced(self, items: frozenset[ItemRef]) -> frozenset[ItemRef]:
        """The items among ``items`` that the host has invoiced (a subset of ``items``)."""
        ...
