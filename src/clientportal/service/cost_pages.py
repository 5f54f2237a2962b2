"""The part of :class:`~clientportal.service.Pages` about expenses and trips: a page of each
kind with its filters and totals, the queue awaiting the client and the latest decisions, the
totals and the CSV exports.

Everything is read through :class:`~.costs_reading.CostReader`, so the pure rules (V13, V14) are
the last gate of every item shown; a DataSource without expenses (or trips) gives empty pages.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeAlias

from attrs import evolve

from ..errors import ValidationError
from ..model import ApprovalStatus, ItemKind, Portal
from ..ports import MAX_PAGE_SIZE, CostTotals, DataSource, EntryCursor, EntryQuery
from ..workflow import CLIENT_DECIDED, client_has_decided
from .costs_reading import CostItem, CostReader, CostsView
from .reading import PortalReader
from .visits import Visit

if TYPE_CHECKING:
    from .pages import HoursChoices

__all__ = ["CostPages", "Viewer", "portal_of"]

#: Whose eyes a page is built for: a checked :class:`~clientportal.Visit`, or a portal itself (for
#: the staff's preview of what the client sees).
Viewer: TypeAlias = Visit | Portal


def portal_of(viewer: Viewer) -> Portal:
    """The portal a viewer sees."""
    return viewer.portal if isinstance(viewer, Visit) else viewer


class CostPages:
    """The expenses and trips of :class:`~clientportal.service.Pages` (which it is a part of:
    it reads through the same DataSource, readers and filter choices)."""

    _data: DataSource
    _reader: PortalReader
    _costs: CostReader

    def choices(self, viewer: Viewer) -> HoursChoices:  # pragma: no cover - Pages has it
        """The portal's filter choices (:meth:`Pages.choices`)."""
        raise NotImplementedError

    def expenses(self, viewer: Viewer, query: EntryQuery | None = None) -> CostsView:
        """One page of the portal's expenses that match ``query`` (all, 100 at a time, by
        default), with the totals of every matching expense and the page's filter choices.

        Empty when the portal does not show expenses or the DataSource has none
        (:class:`~clientportal.ports.ExpenseSource`). Filter as :meth:`hours`; ask for the next
        page with :attr:`CostsView.next_query <clientportal.service.CostsView.next_query>`.
        """
        return self.costs(viewer, ItemKind.EXPENSE, query)

    def trips(self, viewer: Viewer, query: EntryQuery | None = None) -> CostsView:
        """One page of the portal's trips that match ``query``, as :meth:`expenses` (empty
        without :class:`~clientportal.ports.TripSource`)."""
        return self.costs(viewer, ItemKind.TRIP, query)

    def costs(self, viewer: Viewer, kind: ItemKind, query: EntryQuery | None = None) -> CostsView:
        """:meth:`expenses` or :meth:`trips`, by ``kind`` (``ValueError`` for another kind)."""
        return self._costs_view(portal_of(viewer), kind, query or EntryQuery())

    def awaiting_costs(
        self, viewer: Viewer, kind: ItemKind, query: EntryQuery | None = None
    ) -> CostsView:
        """One page of the expenses or trips (``kind``) waiting for the client's decision
        (empty unless the portal's client may approve); ``query`` filters further, its
        statuses aside."""
        portal = portal_of(viewer)
        query = query or EntryQuery()
        statuses = self._reader.awaiting_statuses(portal)
        return self._costs_view(portal, kind, query, statuses=statuses, only=bool(statuses))

    def decided_costs(self, viewer: Viewer, kind: ItemKind, *, limit: int = 10) -> CostsView:
        """The latest expenses or trips (``kind``) the portal's client has decided on (newest
        first, at most ``limit``), judged as :meth:`decided` judges hours; ``totals`` are
        those of the items shown."""
        portal = portal_of(viewer)
        query = EntryQuery(statuses=CLIENT_DECIDED, limit=limit)
        items: tuple[CostItem, ...] = ()
        if self._reader.scope(portal).approval:
            reading = evolve(query, limit=min(MAX_PAGE_SIZE, limit * 3))
            decided = self._costs.iter_items(portal, kind, reading, where=client_has_decided)
            items = tuple(itertools.islice(decided, limit))
        return self._cost_view_of(portal, kind, query, items, None, CostTotals.of(items))

    def cost_totals(
        self, viewer: Viewer, kind: ItemKind, query: EntryQuery | None = None
    ) -> CostTotals:
        """The totals of all the portal's expenses or trips (``kind``) that match ``query``,
        from its cursor on (every page, not one)."""
        return self._costs.totals(portal_of(viewer), kind, query or EntryQuery())

    def iter_costs(
        self, viewer: Viewer, kind: ItemKind, query: EntryQuery | None = None
    ) -> Iterator[CostItem]:
        """Every expense or trip (``kind``) of the portal that matches ``query``, from its cursor
        on, read a page at a time (for exports)."""
        query = evolve(query or EntryQuery(), limit=MAX_PAGE_SIZE)
        return self._costs.iter_items(portal_of(viewer), kind, query)

    def _costs_view(
        self,
        portal: Portal,
        kind: ItemKind,
        query: EntryQuery,
        *,
        statuses: frozenset[ApprovalStatus] = frozenset(),
        only: bool = True,
    ) -> CostsView:
        """The page of ``query`` (its statuses replaced by ``statuses`` when given; nothing at
        all unless ``only``) with the totals of every item that matches it."""
        if statuses:
            query = evolve(query, statuses=statuses)
        items: tuple[CostItem, ...] = ()
        cursor = None
        totals = CostTotals()
        if only:
            items, cursor = self._costs.page(portal, kind, query)
            totals = self._costs.totals(portal, kind, evolve(query, after=None))
        return self._cost_view_of(portal, kind, query, items, cursor, totals)

    def _cost_view_of(
        self,
        portal: Portal,
        kind: ItemKind,
        query: EntryQuery,
        items: tuple[CostItem, ...],
        cursor: EntryCursor | None,
        totals: CostTotals,
    ) -> CostsView:
        choices = self.choices(portal)
        return CostsView(
            kind=kind,
            items=items,  # type: ignore[arg-type]  # one kind's records, by the reader
            next=cursor,
            totals=totals,
            query=query,
            projects=choices.projects,
            employees=choices.employees,
            shown=self._costs.shows(portal, kind),
            can_approve=choices.can_approve,
        )

    def export_expenses_csv(
        self, viewer: Viewer, query: EntryQuery | None = None, *, delimiter: str | None = None
    ) -> Iterator[str]:
        """The portal's expenses that match ``query`` as CSV lines, streamed a page at a time,
        as :meth:`Pages.export_csv <clientportal.service.Pages.export_csv>` writes hours (only
        what the portal shows; each amount with its currency)."""
        return self._export(viewer, ItemKind.EXPENSE, query, delimiter)

    def export_trips_csv(
        self, viewer: Viewer, query: EntryQuery | None = None, *, delimiter: str | None = None
    ) -> Iterator[str]:
        """The portal's trips that match ``query`` as CSV lines, as :meth:`export_expenses_csv`
        (the distance always, money only where the portal shows it)."""
        return self._export(viewer, ItemKind.TRIP, query, delimiter)

    def _export(
        self, viewer: Viewer, kind: ItemKind, query: EntryQuery | None, delimiter: str | None
    ) -> Iterator[str]:
        from ..i18n.locales import portal_locale
        from ..public import PortalExpense, PortalTrip
        from .export import expense_csv_lines, trip_csv_lines

        if delimiter is not None and delimiter not in (",", ";", "\t"):
            raise ValidationError(
                [f"delimiter: must be ',', ';' or a tab, got {delimiter!r}"],
                summary="cannot export",
            )
        portal = portal_of(viewer)
        projects = self._reader.projects(portal)
        items = self._costs.iter_items(
            portal, kind, evolve(query or EntryQuery(), limit=MAX_PAGE_SIZE), projects
        )

        def names(ids: Iterable[str]) -> Mapping[str, str]:
            wanted = frozenset(ids)
            return {e.id: e.name for e in self._data.employees(wanted) if e.id in wanted}

        scope = self._reader.scope(portal)
        project_names = {p.id: p.name for p in projects}
        locale = portal_locale(portal.language, portal.settings.currency)
        if kind is ItemKind.EXPENSE:
            return expense_csv_lines(
                (i for i in items if isinstance(i, PortalExpense)),
                scope=scope,
                language=portal.language,
                project_names=project_names,
                employee_names=names,
                locale=locale,
                delimiter=delimiter,
            )
        return trip_csv_lines(
            (i for i in items if isinstance(i, PortalTrip)),
            scope=scope,
            language=portal.language,
            project_names=project_names,
            employee_names=names,
            locale=locale,
            delimiter=delimiter,
        )
