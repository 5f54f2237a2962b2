"""Optional parts of a :class:`~clientportal.ports.DataSource` for what a project costs besides
hours: expenses and trips (mileage), a page at a time, by id, and summed.

A host without expenses (or trips) leaves the part out: the portal then has none to show, the
contract kit skips their checks, and a portal that asks for them shows an empty section. Pages
use the same :class:`~clientportal.ports.EntryQuery` (filters, keyset cursor, limit) and the same
order as entries: date, newest first, then id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Generic, Protocol, TypeVar, runtime_checkable

from attrs import frozen

from ..model import Expense, ItemKind, Trip
from ..public import PortalExpense, PortalTrip
from ..visibility import Scope
from .data import EntryCursor, EntryQuery

__all__ = [
    "PORTAL_CURRENCY",
    "CostEmployees",
    "CostPage",
    "CostTotals",
    "CostTotalsSource",
    "ExpenseSource",
    "TripSource",
]

_Cost = TypeVar("_Cost", Expense, Trip)

#: The currency under which a source's :class:`CostTotals` hold the money of trips without a
#: currency of their own: they are in the portal's, which a :class:`~clientportal.Scope` does
#: not carry (:meth:`CostTotals.in_portal_currency` puts it in).
PORTAL_CURRENCY = ""


@frozen
class CostPage(Generic[_Cost]):
    """One page of expenses or trips in (date desc, id asc) order; ``next`` is ``None`` on the
    last page."""

    items: tuple[_Cost, ...]
    next: EntryCursor | None


@frozen
class CostTotals:
    """Sums over some visible expenses or trips: how many, their distance (trips, in km; zero for
    expenses) and their amounts per currency, ordered by currency (every expense; a trip only
    when it shows its money)."""

    count: int = 0
    distance: Decimal = Decimal(0)
    amounts: tuple[tuple[str, Decimal], ...] = ()

    @classmethod
    def of(cls, items: Iterable[PortalExpense | PortalTrip]) -> CostTotals:
        """The totals of ``items`` as the client sees them."""
        count = 0
        distance = Decimal(0)
        amounts: dict[str, Decimal] = {}
        for item in items:
            count += 1
            if isinstance(item, PortalTrip):
                distance += item.distance
            if item.amount is not None and item.currency is not None:
                amounts[item.currency] = amounts.get(item.currency, Decimal(0)) + item.amount
        return cls(count, distance, tuple(sorted(amounts.items())))

    def in_portal_currency(self, currency: str) -> CostTotals:
        """These totals with the amounts a source summed under :data:`PORTAL_CURRENCY` added to
        those in ``currency``, the portal's."""
        if not any(code == PORTAL_CURRENCY for code, _ in self.amounts):
            return self
        moved = CostTotals(amounts=tuple((code or currency, a) for code, a in self.amounts))
        return CostTotals(self.count, self.distance) + moved

    def __add__(self, other: CostTotals) -> CostTotals:
        amounts = dict(self.amounts)
        for currency, amount in other.amounts:
            amounts[currency] = amounts.get(currency, Decimal(0)) + amount
        return CostTotals(
            self.count + other.count,
            self.distance + other.distance,
            tuple(sorted(amounts.items())),
        )


@runtime_checkable
class ExpenseSource(Protocol):
    """Optional for a :class:`~clientportal.ports.DataSource`: the projects' expenses.

    As with entries, a page may hold more than the scope allows (the service filters it again
    with the pure rules, V13), never less, and each expense carries its current
    :class:`~clientportal.ApprovalState` as the :class:`~clientportal.ports.ApprovalStore` holds
    it under :attr:`ItemKind.EXPENSE <clientportal.ItemKind.EXPENSE>`.
    """

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        """One page of the scope's expenses that match ``query``, after ``query.after``, in
        (date desc, id asc) order, at most ``query.limit`` of them."""
        ...

    def expenses_by_id(self, expense_ids: frozenset[str]) -> Sequence[Expense]:
        """The expenses with these ids, whatever their project (the service checks the scope)."""
        ...


@runtime_checkable
class TripSource(Protocol):
    """Optional for a :class:`~clientportal.ports.DataSource`: the projects' trips (mileage),
    under the same terms as :class:`ExpenseSource` (rule V14, :attr:`ItemKind.TRIP
    <clientportal.ItemKind.TRIP>`)."""

    def trips(self, scope: Scope, query: EntryQuery) -> CostPage[Trip]:
        """One page of the scope's trips that match ``query``, in (date desc, id asc) order."""
        ...

    def trips_by_id(self, trip_ids: frozenset[str]) -> Sequence[Trip]:
        """The trips with these ids, whatever their project (the service checks the scope)."""
        ...


@runtime_checkable
class CostTotalsSource(Protocol):
    """Optional: the totals of the scope's expenses or trips that match a query, per project,
    summed by the source (a SQL source: one aggregate query).

    A trip without a currency of its own is in the portal's: its money is summed under
    :data:`PORTAL_CURRENCY` (the reader puts the portal's in with
    :meth:`CostTotals.in_portal_currency`).

    Without it the service sums them by reading every visible item a page at a time. As with
    :class:`~clientportal.ports.EntryTotals`, only the projects the pure rules show are kept,
    and the sums must apply the query and the rules (V13, V14: billable unless non-billable
    costs are shown; a trip's money only with ``scope.trip_amounts``) exactly as the pages do.
    """

    def cost_totals(
        self, scope: Scope, query: EntryQuery, kind: ItemKind
    ) -> Mapping[str, CostTotals]:
        """The totals of the scope's items of ``kind`` (:attr:`~clientportal.ItemKind.EXPENSE`
        or :attr:`~clientportal.ItemKind.TRIP`) that match ``query``, by project id."""
        ...


@runtime_checkable
class CostEmployees(Protocol):
    """Optional for a :class:`~clientportal.ports.DataSource` with expenses or trips: who spent
    or travelled on the scope's items of a kind.

    The portal's employee filter lists everyone who logged a visible expense or trip (rule V8).
    Without this method the service finds them by reading every visible item of each kind shown,
    a page at a time; a SQL source answers it with one ``SELECT DISTINCT``. As with
    :class:`~clientportal.ports.EntryEmployees`, the answer may hold more ids than needed (they
    only add names to the filter), never fewer: a source need not leave out the employees of
    non-billable items, but one that does (unless ``scope.non_billable_costs``) is exact.
    """

    def cost_employee_ids(self, scope: Scope, kind: ItemKind) -> frozenset[str]:
        """The ids of the employees of the scope's items of ``kind``
        (:attr:`~clientportal.ItemKind.EXPENSE` or :attr:`~clientportal.ItemKind.TRIP`): those
        of ``scope.client_id`` in ``scope.project_ids``, none when the scope does not show the
        kind."""
        ...
