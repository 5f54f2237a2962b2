"""Reading a portal's expenses and trips through a host's DataSource, with the pure filter as the
last gate.

:class:`CostReader` is to expenses and trips what :class:`~.reading.PortalReader` is to hours: it
asks the source's optional :class:`~clientportal.ports.ExpenseSource` or
:class:`~clientportal.ports.TripSource` for a page with the portal's
:class:`~clientportal.Scope`, keeps only what the pure rules show (V13, V14: a visible project,
billable unless non-billable costs are shown, the query's filters and cursor, each item once, in
order) and turns it into public records with :func:`~clientportal.visibility.visible_expenses`
or :func:`~clientportal.visibility.visible_trips`. Totals come from
:class:`~clientportal.ports.CostTotalsSource` when the source offers it (each sum checked), else
from a walk over every page; so do who spent and travelled (the employee filter), from
:class:`~clientportal.ports.CostEmployees`. A source without the part has no items of that kind:
every page of it is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import TypeAlias

from attrs import evolve, frozen

from ..errors import DataSourceError
from ..model import ApprovalState, Expense, ItemKind, Portal, Project, Trip
from ..ports import (
    MAX_PAGE_SIZE,
    CostEmployees,
    CostPage,
    CostTotals,
    CostTotalsSource,
    DataSource,
    EntryCursor,
    EntryQuery,
    ExpenseSource,
    IdOrder,
    TripSource,
)
from ..public import PortalEmployee, PortalExpense, PortalProject, PortalTrip
from ..visibility import Scope, visible_expenses, visible_trips
from .page_order import check_cursor, check_page, cursor_key, item_key
from .reading import PortalReader

__all__ = ["COST_KINDS", "CostItem", "CostReader", "CostsView"]

#: The kinds of item that are costs besides hours, in the order the pages show them.
COST_KINDS: tuple[ItemKind, ...] = (ItemKind.EXPENSE, ItemKind.TRIP)

#: An expense or a trip as the client sees it.
CostItem: TypeAlias = PortalExpense | PortalTrip

_Raw: TypeAlias = Expense | Trip


@frozen
class CostsView:
    """One page of a portal's expenses or trips (``kind``), newest first, and what their page
    needs besides.

    ``items`` are the page's public records (:class:`~clientportal.PortalExpense` or
    :class:`~clientportal.PortalTrip`), ``next`` the cursor of the next page (``None`` on the
    last one), ``query`` what asked for them. ``totals`` sum *every* item that matches the
    query's filters (all pages, not this one): how many, their distance (trips) and their
    amounts per currency. ``projects`` and ``employees`` are the portal's filter choices (as on
    the hours page), ``shown`` says whether the portal shows this kind at all, and
    ``can_approve`` whether its client approves here (statuses are shown only then).
    """

    kind: ItemKind
    items: tuple[PortalExpense, ...] | tuple[PortalTrip, ...]
    next: EntryCursor | None
    totals: CostTotals
    query: EntryQuery
    projects: tuple[PortalProject, ...] = ()
    employees: tuple[PortalEmployee, ...] = ()
    shown: bool = False
    can_approve: bool = False

    @property
    def next_query(self) -> EntryQuery | None:
        """The query of the next page, or ``None`` on the last page."""
        return None if self.next is None else evolve(self.query, after=self.next)


@frozen
class _Page:
    """One page of public items and where the next starts."""

    items: tuple[CostItem, ...]
    next: EntryCursor | None


class CostReader:
    """Reads one portal's expenses and trips from ``data``, with the projects, scope and policy
    of ``reader``, and filters them again with the pure rules."""

    def __init__(self, data: DataSource, reader: PortalReader) -> None:
        self._reader = reader
        # The optional parts the source offers, looked up once (a Protocol's isinstance is slow).
        self._expenses = data if isinstance(data, ExpenseSource) else None
        self._trips = data if isinstance(data, TripSource) else None
        self._totals = data if isinstance(data, CostTotalsSource) else None
        self._employees = data if isinstance(data, CostEmployees) else None

    def shows(self, portal: Portal, kind: ItemKind) -> bool:
        """Whether the portal shows items of ``kind`` (an expense or trip kind)."""
        scope = self._reader.scope(portal)
        return scope.expenses if _checked_kind(kind) is ItemKind.EXPENSE else scope.trips

    def offers(self, kind: ItemKind) -> bool:
        """Whether the source has items of ``kind`` at all (the optional part is there)."""
        if _checked_kind(kind) is ItemKind.EXPENSE:
            return self._expenses is not None
        return self._trips is not None

    def page(
        self,
        portal: Portal,
        kind: ItemKind,
        query: EntryQuery,
        projects: Sequence[Project] | None = None,
        *,
        where: Callable[[ApprovalState], bool] | None = None,
    ) -> tuple[tuple[CostItem, ...], EntryCursor | None]:
        """One page of the portal's visible items of ``kind`` that match ``query`` (and
        ``where``, a test of each item's approval state, when given): ``(items, next)``.

        Whatever the source returns is filtered again: only items of a visible project that the
        rules show (billable unless the portal shows non-billable costs), that match the query
        and come after its cursor, each once, in order, at most ``query.limit``. A page out of
        (date desc, id asc) order in the source's ``id_order``, or with an item that does not
        come after the query's cursor, is refused with a
        :class:`~clientportal.errors.DataSourceError` naming the two items.
        """
        found = self._page(portal, kind, query, projects, where)
        return found.items, found.next

    def _page(
        self,
        portal: Portal,
        kind: ItemKind,
        query: EntryQuery,
        projects: Sequence[Project] | None,
        where: Callable[[ApprovalState], bool] | None,
    ) -> _Page:
        if not self.shows(portal, kind) or not self.offers(kind):
            return _Page((), None)
        scope = self._reader.scope(portal)
        if projects is None:
            projects = self._reader.projects(portal)
        visible = frozenset(p.id for p in projects)
        if not visible:
            return _Page((), None)
        order = self._reader.id_order
        check_cursor(query, order)
        raw, given = self._ask(kind, scope, query)
        wanted: type[Expense] | type[Trip] = Expense if kind is ItemKind.EXPENSE else Trip
        check_page(f"{kind.value}s", wanted, raw, query.after, order)
        kept: dict[str, _Raw] = {}
        for item in raw:
            if (
                isinstance(item, wanted)
                and scope.shows_cost(item, visible)
                and query.matches(item)
                and (where is None or where(item.approval))
            ):
                kept.setdefault(item.id, item)
        ordered = sorted(kept.values(), key=lambda i: item_key(i, order))
        truncated = len(ordered) > query.limit
        ordered = ordered[: query.limit]
        next_cursor = _next_cursor(kind, query, given, ordered, truncated, order)
        return _Page(self._public(portal, kind, projects, ordered), next_cursor)

    def _ask(
        self, kind: ItemKind, scope: Scope, query: EntryQuery
    ) -> tuple[Sequence[object], object]:
        """The source's page of ``kind``: its items and its ``next``, refused unless it is a
        :class:`~clientportal.ports.CostPage`."""
        if kind is ItemKind.EXPENSE:
            assert self._expenses is not None
            answer: object = self._expenses.expenses(scope, query)
            method = "expenses"
        else:
            assert self._trips is not None
            answer = self._trips.trips(scope, query)
            method = "trips"
        if not isinstance(answer, CostPage):
            raise DataSourceError(
                f"DataSource.{method}() returned a {type(answer).__name__}: it must return a "
                "CostPage of items and the next cursor"
            )
        return tuple(answer.items), answer.next

    @staticmethod
    def _public(
        portal: Portal, kind: ItemKind, projects: Sequence[Project], items: Sequence[_Raw]
    ) -> tuple[CostItem, ...]:
        """The public records of ``items``: the pure rules, the oracle and the last gate."""
        if kind is ItemKind.EXPENSE:
            expenses = [i for i in items if isinstance(i, Expense)]
            return tuple(visible_expenses(portal, projects, expenses))
        trips = [i for i in items if isinstance(i, Trip)]
        return tuple(visible_trips(portal, projects, trips))

    def iter_items(
        self,
        portal: Portal,
        kind: ItemKind,
        query: EntryQuery,
        projects: Sequence[Project] | None = None,
        *,
        where: Callable[[ApprovalState], bool] | None = None,
    ) -> Iterator[CostItem]:
        """Every visible item of ``kind`` that matches ``query`` (and ``where``) from its cursor
        on, a page at a time."""
        if not self.shows(portal, kind) or not self.offers(kind):
            return
        if projects is None:
            projects = self._reader.projects(portal)
        while True:
            page = self._page(portal, kind, query, projects, where)
            yield from page.items
            if page.next is None:
                return
            query = evolve(query, after=page.next)

    def totals(
        self,
        portal: Portal,
        kind: ItemKind,
        query: EntryQuery,
        projects: Sequence[Project] | None = None,
    ) -> CostTotals:
        """The totals of every visible item of ``kind`` that matches ``query`` from its cursor
        on (all pages): one call when the source offers
        :class:`~clientportal.ports.CostTotalsSource`, else a walk of every page."""
        if not self.shows(portal, kind) or not self.offers(kind):
            return CostTotals()
        projects = self._reader.projects(portal) if projects is None else projects
        if self._totals is not None:
            return self._summed(self._totals, portal, kind, projects, query)
        total = CostTotals()
        page_query = evolve(query, limit=MAX_PAGE_SIZE)
        while True:
            page = self._page(portal, kind, page_query, projects, None)
            total = total + CostTotals.of(page.items)
            if page.next is None:
                return total
            page_query = evolve(page_query, after=page.next)

    def _summed(
        self,
        source: CostTotalsSource,
        portal: Portal,
        kind: ItemKind,
        projects: Sequence[Project],
        query: EntryQuery,
    ) -> CostTotals:
        """The totals ``source`` sums, through as much of the last gate as sums allow: it is
        asked only about the projects the pure rules show (V1, V2), only the totals of those
        (and of the query's projects) are kept, each is checked, a trip's money stays hidden
        unless the portal shows it (V14), and money summed under
        :data:`~clientportal.ports.costs.PORTAL_CURRENCY` is the portal's currency."""
        scope = self._reader.scope(portal)
        total = CostTotals()
        visible = frozenset(p.id for p in projects)
        wanted = visible & query.project_ids if query.project_ids else visible
        if not wanted:
            return total
        sums = source.cost_totals(evolve(scope, project_ids=visible), query, kind)
        if not isinstance(sums, Mapping):
            raise DataSourceError(
                f"DataSource.cost_totals() returned a {type(sums).__name__} for {kind.value}s: "
                "it must return a mapping of project ids to CostTotals"
            )
        money = kind is ItemKind.EXPENSE or scope.trip_amounts
        for project_id, project_totals in sums.items():
            if project_id in wanted:
                total = total + _checked_totals(kind, project_id, project_totals, money=money)
        # A trip without a currency of its own is in the portal's (PORTAL_CURRENCY in the sums).
        return total.in_portal_currency(portal.settings.currency)

    def employee_ids(
        self, portal: Portal, kind: ItemKind, projects: Sequence[Project] | None = None
    ) -> frozenset[str]:
        """The ids of the employees of the portal's visible items of ``kind`` (rule V8, for its
        employee filter): one question when the source offers
        :class:`~clientportal.ports.CostEmployees` (asked only about the projects the pure rules
        show; its answer may hold more ids, never fewer), else a walk of every page."""
        if not self.shows(portal, kind) or not self.offers(kind):
            return frozenset()
        projects = self._reader.projects(portal) if projects is None else projects
        if self._employees is None:
            every = EntryQuery(limit=MAX_PAGE_SIZE)
            return frozenset(i.employee_id for i in self.iter_items(portal, kind, every, projects))
        visible = frozenset(p.id for p in projects)
        if not visible:
            return frozenset()
        scope = evolve(self._reader.scope(portal), project_ids=visible)
        return _checked_ids(kind, self._employees.cost_employee_ids(scope, kind))


def _checked_ids(kind: ItemKind, ids: object) -> frozenset[str]:
    """The employee ids a source gave for ``kind``, refused unless they are a set of strings."""
    if isinstance(ids, AbstractSet) and all(isinstance(i, str) for i in ids):
        return frozenset(ids)
    raise DataSourceError(
        f"DataSource.cost_employee_ids() returned {ids!r} for {kind.value}s: it must return a "
        "frozenset of employee ids. Fix it, or remove cost_employee_ids() and the service reads "
        "every item to find them"
    )


def _checked_kind(kind: ItemKind) -> ItemKind:
    if kind not in COST_KINDS:
        raise ValueError(f"kind must be ItemKind.EXPENSE or ItemKind.TRIP, got {kind!r}")
    return kind


def _next_cursor(
    kind: ItemKind,
    query: EntryQuery,
    given: object,
    kept: Sequence[_Raw],
    truncated: bool,
    order: IdOrder,
) -> EntryCursor | None:
    """Where the next page starts: never before an item already shown, never back."""
    last = EntryCursor(kept[-1].date, kept[-1].id) if kept else None
    if truncated:
        return last
    if given is None:
        return None
    method = "expenses" if kind is ItemKind.EXPENSE else "trips"
    if not isinstance(given, EntryCursor):
        raise DataSourceError(
            f"DataSource.{method}() returned next={given!r}: it must be an EntryCursor or None"
        )
    try:
        given_key = cursor_key(given, order)
    except DataSourceError as bad:
        raise DataSourceError(f"DataSource.{method}() returned a next cursor: {bad}") from None
    if query.after is not None and given_key <= cursor_key(query.after, order):
        raise DataSourceError(
            f"DataSource.{method}() returned a next cursor ({given.date}, {given.id!r}) that "
            f"does not come after the query's cursor ({query.after.date}, "
            f"{query.after.id!r}): pages must move on in (date desc, id asc) order"
        )
    if last is not None and given_key < cursor_key(last, order):
        return last
    return given


def _checked_totals(kind: ItemKind, project_id: str, sums: object, *, money: bool) -> CostTotals:
    """The totals a source summed for a project, refused unless they could be sums of items of
    ``kind``; the amounts are dropped unless the portal shows them (``money``)."""
    if not isinstance(sums, CostTotals):
        raise DataSourceError(
            f"DataSource.cost_totals() returned {sums!r} for project {project_id!r}: it must "
            "map each project id to a CostTotals"
        )
    problems: list[str] = []
    count, distance = sums.count, sums.distance
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        problems.append(f"count must be a whole number >= 0, got {count!r}")
    if not (isinstance(distance, Decimal) and distance.is_finite() and distance >= 0):
        problems.append(f"distance must be a Decimal >= 0, got {distance!r}")
    elif kind is ItemKind.EXPENSE and distance:
        problems.append(f"expenses have no distance, got {distance}")
    amounts = sums.amounts if isinstance(sums.amounts, tuple) else None
    if amounts is None:
        problems.append(f"amounts must be a tuple of (currency, amount), got {sums.amounts!r}")
        amounts = ()
    for pair in amounts:
        if not (
            isinstance(pair, tuple)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], Decimal)
            and pair[1].is_finite()
            and pair[1] >= 0
        ):
            problems.append(f"each amount must be (currency, Decimal >= 0), got {pair!r}")
    if not problems and count == 0 and (distance or any(a for _, a in amounts)):
        problems.append("count is 0 but distance or amounts are not")
    if problems:
        raise DataSourceError(
            f"DataSource.cost_totals() returned impossible {kind.value} totals for project "
            f"{project_id!r}: "
            + "; ".join(problems)
            + ". Fix its sums, or remove cost_totals() and the totals are summed page by page"
        )
    return CostTotals(count, distance, tuple(sorted(amounts)) if money else ())
