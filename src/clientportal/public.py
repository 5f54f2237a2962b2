"""Public records: what may leave the library towards a client (DESIGN.md §4).

No internal field exists on these types (``cost_rate``, ``internal_note``, total-costs budgets),
so nothing internal can leak through them, whatever a template or serializer does later. The
filter that builds them is :mod:`clientportal.visibility`.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from attrs import frozen

from .model import ApprovalStatus, BudgetType, DocumentStatus
from .workflow import AWAITING_CLIENT

__all__ = [
    "PortalBudget",
    "PortalEmployee",
    "PortalEntry",
    "PortalExpense",
    "PortalInvoice",
    "PortalProject",
    "PortalQuote",
    "PortalTrip",
    "PortalView",
    "entry_amount",
    "trip_amount",
]

_CENT = Decimal("0.01")
_HOUR = Decimal(3600)


def entry_amount(rate: Decimal, seconds: int) -> Decimal:
    """What ``seconds`` at ``rate`` per hour come to, rounded half-up to cents: the one money
    formula of the library (:attr:`PortalEntry.amount`, the totals, a SQL source's sums)."""
    return (rate * seconds / _HOUR).quantize(_CENT, ROUND_HALF_UP)


def trip_amount(rate: Decimal, distance: Decimal) -> Decimal:
    """What ``distance`` kilometres at ``rate`` per kilometre come to, rounded half-up to cents
    (:attr:`PortalTrip.amount`, the trips' totals)."""
    return (rate * distance).quantize(_CENT, ROUND_HALF_UP)


@frozen
class PortalProject:
    """A project as the client sees it."""

    id: str
    name: str


@frozen
class PortalEntry:
    """A time entry as the client sees it.

    ``description`` is ``None`` unless the portal shows descriptions; ``rate`` and ``amount``
    (``seconds / 3600 × rate``, rounded half-up to cents, in the portal's currency) are ``None``
    unless it shows amounts, and on a non-billable entry unless it also shows non-billable amounts.
    ``version`` is the approval state's version, to send back with a decision.
    """

    id: str
    project_id: str
    employee_id: str
    date: dt.date
    seconds: int
    description: str | None
    task: str | None
    billable: bool
    status: ApprovalStatus
    version: int
    rate: Decimal | None
    amount: Decimal | None


@frozen
class PortalBudget:
    """A project budget as the client sees it (never a TOTAL_COSTS budget)."""

    id: str
    project_id: str
    type: BudgetType
    amount: Decimal
    used: Decimal
    currency: str | None
    task: str | None
    employee_id: str | None


@frozen
class PortalInvoice:
    """An invoice as the client sees it; ``project_ids`` lists only visible projects.
    ``has_file``: the source has its file, so it can be downloaded."""

    id: str
    number: str
    date: dt.date
    amount: Decimal
    currency: str
    status: DocumentStatus
    project_ids: frozenset[str]
    due_date: dt.date | None
    has_file: bool


@frozen
class PortalQuote:
    """A quote as the client sees it; ``project_ids`` names only projects visible in the portal.
    ``has_file``: the source has its file, so it can be downloaded."""

    id: str
    number: str
    date: dt.date
    amount: Decimal
    currency: str
    status: DocumentStatus
    project_ids: frozenset[str]
    valid_until: dt.date | None
    has_file: bool


@frozen
class PortalEmployee:
    """An entry of the portal's employee filter."""

    id: str
    name: str


@frozen
class PortalExpense:
    """An expense as the client sees it: always with its amount and currency.

    ``description`` is ``None`` unless the portal shows descriptions. ``receipt`` says the host
    keeps a receipt. ``version`` is the approval state's version, to send back with a decision.
    """

    id: str
    project_id: str
    employee_id: str
    date: dt.date
    amount: Decimal
    currency: str
    description: str | None
    category: str | None
    billable: bool
    receipt: bool
    status: ApprovalStatus
    version: int


@frozen
class PortalTrip:
    """A trip as the client sees it: always with its distance (km).

    ``description``, ``origin`` and ``destination`` are ``None`` unless the portal shows
    descriptions; ``rate`` (per km), ``amount`` (distance × rate, rounded half-up to cents) and
    ``currency`` are ``None`` unless it shows amounts and the trip has a rate.
    """

    id: str
    project_id: str
    employee_id: str
    date: dt.date
    distance: Decimal
    description: str | None
    origin: str | None
    destination: str | None
    billable: bool
    status: ApprovalStatus
    version: int
    rate: Decimal | None
    amount: Decimal | None
    currency: str | None


@frozen
class PortalView:
    """Everything one portal shows, ordered deterministically.

    Projects and employees by name then id; entries, expenses and trips by date (newest first)
    then id; budgets by project then id; invoices and quotes by date (newest first) then id.
    ``awaiting_approval`` holds the visible entries the client may decide on now, and is empty
    unless ``can_approve`` (:attr:`awaiting_expenses` and :attr:`awaiting_trips` likewise).
    """

    projects: tuple[PortalProject, ...]
    entries: tuple[PortalEntry, ...]
    budgets: tuple[PortalBudget, ...]
    invoices: tuple[PortalInvoice, ...]
    quotes: tuple[PortalQuote, ...]
    employees: tuple[PortalEmployee, ...]
    awaiting_approval: tuple[PortalEntry, ...]
    can_approve: bool
    expenses: tuple[PortalExpense, ...] = ()
    trips: tuple[PortalTrip, ...] = ()

    @property
    def awaiting_expenses(self) -> tuple[PortalExpense, ...]:
        """The visible expenses the client may decide on now (V10)."""
        return _awaiting(self.expenses) if self.can_approve else ()

    @property
    def awaiting_trips(self) -> tuple[PortalTrip, ...]:
        """The visible trips the client may decide on now (V10)."""
        return _awaiting(self.trips) if self.can_approve else ()


_Item = TypeVar("_Item", PortalExpense, PortalTrip)


def _awaiting(items: tuple[_Item, ...]) -> tuple[_Item, ...]:
    return tuple(i for i in items if i.status is AWAITING_CLIENT)
