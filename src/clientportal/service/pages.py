"""What a visitor reads: the overview, hours a page at a time, totals, documents and the CSV.

:class:`Pages` builds each page of a portal from the host's DataSource through the
:class:`~clientportal.service.reading.PortalReader`, so the pure visibility filter is the last
gate of everything shown. A page is built for a :data:`Viewer`: a checked visit, or the portal
itself (the staff's preview of what the client sees).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence

from attrs import evolve, field, frozen

from ..errors import NotFound, ValidationError
from ..model import Dataset, ItemKind, Portal, Project
from ..ports import (
    MAX_PAGE_SIZE,
    CostTotals,
    DataSource,
    DocumentFile,
    EntryEmployees,
    EntryQuery,
    Totals,
    unique_by_id,
)
from ..visibility import (
    PortalBudget,
    PortalEmployee,
    PortalInvoice,
    PortalProject,
    PortalQuote,
    PortalView,
    Scope,
    portal_view,
)
from ..workflow import CLIENT_DECIDED, client_has_decided
from .cost_pages import CostPages, Viewer, portal_of
from .costs_reading import COST_KINDS, CostReader
from .reading import HoursPage, PortalReader, remember

__all__ = ["HoursChoices", "HoursPerWeek", "Overview", "Pages", "Viewer"]


@frozen
class Overview:
    """A portal's overview: everything of :class:`~clientportal.PortalView` but the entries,
    which come a page at a time (:class:`HoursPage`).

    ``client_name`` is the client's name as the DataSource knows it (``None`` if it does not);
    ``currency`` is the portal's, that of its entries' rates and amounts. ``can_approve`` says
    whether the client approves here: approval statuses, filters and links appear only then, and
    ``awaiting_count`` says how many hours wait for the client's decision (0 otherwise).

    Each kind of item has its part: ``shows_hours``, ``shows_expenses`` and ``shows_trips`` say
    which the portal shows; ``expense_totals`` and ``trip_totals`` sum all of each kind it
    shows (empty otherwise), and ``hours_totals`` all its hours where it shows expenses or trips
    besides them (``None`` otherwise: an overview of hours alone sums none, as before);
    ``awaiting_expenses`` and ``awaiting_trips`` count those waiting for the client's decision,
    as ``awaiting_count`` counts the hours.
    """

    portal_id: str
    portal_name: str
    language: str
    client_name: str | None
    projects: tuple[PortalProject, ...]
    budgets: tuple[PortalBudget, ...]
    invoices: tuple[PortalInvoice, ...]
    quotes: tuple[PortalQuote, ...]
    employees: tuple[PortalEmployee, ...]
    shows_hours: bool
    can_approve: bool
    currency: str
    awaiting_count: int = 0
    shows_expenses: bool = False
    shows_trips: bool = False
    hours_totals: Totals | None = None
    expense_totals: CostTotals = field(factory=CostTotals)
    trip_totals: CostTotals = field(factory=CostTotals)
    awaiting_expenses: int = 0
    awaiting_trips: int = 0

    def awaiting(self, kind: ItemKind) -> int:
        """How many items of ``kind`` wait for the client's decision."""
        counts = {
            ItemKind.ENTRY: self.awaiting_count,
            ItemKind.EXPENSE: self.awaiting_expenses,
            ItemKind.TRIP: self.awaiting_trips,
        }
        return counts[kind]

    @property
    def awaiting_total(self) -> int:
        """How many items of every kind wait for the client's decision."""
        return self.awaiting_count + self.awaiting_expenses + self.awaiting_trips


@frozen
class HoursChoices:
    """What the hours, expenses, trips and approvals pages need besides their items: the
    portal's projects and employees (its filters, as on the :class:`Overview`), which kinds it
    shows and whether its client approves here. Cheaper than the overview: no budgets,
    documents or counts are read."""

    projects: tuple[PortalProject, ...]
    employees: tuple[PortalEmployee, ...]
    shows_hours: bool
    can_approve: bool
    shows_expenses: bool = False
    shows_trips: bool = False

    def shows(self, kind: ItemKind) -> bool:
        """Whether the portal shows items of ``kind``."""
        shown = {
            ItemKind.ENTRY: self.shows_hours,
            ItemKind.EXPENSE: self.shows_expenses,
            ItemKind.TRIP: self.shows_trips,
        }
        return shown[kind]


@frozen
class HoursPerWeek:
    """The seconds of a portal's hours per ISO week (keyed by Monday, weeks without hours left
    out) of the ``weeks`` weeks up to the week of its newest hours (``last_date``: ``None`` when
    it has none)."""

    last_date: dt.date | None
    weeks: Mapping[dt.date, int]


class Pages(CostPages):
    """The pages of a portal over the host's ``data``, read through ``reader``: the overview,
    hours, documents and CSV here; expenses and trips in :class:`~.cost_pages.CostPages`."""

    def __init__(self, data: DataSource, reader: PortalReader) -> None:
        self._data = data
        self._reader = reader
        self._costs = CostReader(data, reader)
        self._employees_source = data if isinstance(data, EntryEmployees) else None

    def __repr__(self) -> str:
        return f"Pages(data={self._data!r})"

    def scope(self, viewer: Viewer) -> Scope:
        """What the viewer's portal shows (which kinds, fields and whether its client approves),
        under the company's approval policy."""
        return self._reader.scope(_portal(viewer))

    def overview(self, viewer: Viewer) -> Overview:
        """The portal's projects, budgets, invoices, quotes and employee filter, and whether its
        client may approve hours: what :func:`~clientportal.portal_view` gives, with the
        employees of entries, expenses and trips found without reading every item when the
        source can say (:class:`~clientportal.ports.EntryEmployees`,
        :class:`~clientportal.ports.CostEmployees`)."""
        return self._overview(_portal(viewer))

    def hours(self, viewer: Viewer, query: EntryQuery | None = None) -> HoursPage:
        """One page of the portal's hours that match ``query`` (all, 100 at a time, by default).

        Filter by employee, project, date range and approval status; ask for the next page with
        :attr:`HoursPage.next_query <clientportal.service.reading.HoursPage.next_query>`.
        """
        return self._reader.page(_portal(viewer), query or EntryQuery())

    def awaiting_approval(self, viewer: Viewer, query: EntryQuery | None = None) -> HoursPage:
        """One page of the hours waiting for the client's decision (empty unless the portal's
        client may approve); ``query`` filters further, its statuses aside."""
        portal = _portal(viewer)
        query = query or EntryQuery()
        statuses = self._reader.awaiting_statuses(portal)
        if not statuses:
            return HoursPage(entries=(), next=None, totals=Totals(), query=query)
        return self._reader.page(portal, evolve(query, statuses=statuses))

    def decided(self, viewer: Viewer, *, limit: int = 10) -> HoursPage:
        """The latest hours the portal's client has decided on (newest first, at most
        ``limit``), judged by the workflow each entry was submitted under: entries the client
        has not decided (though in one of those statuses) are passed over, however many."""
        portal = _portal(viewer)
        scope = self._reader.scope(portal)
        query = EntryQuery(statuses=CLIENT_DECIDED, limit=limit)
        if not scope.approval:
            return HoursPage(entries=(), next=None, totals=Totals(), query=query)
        # Read three times as many as shown a page: most are the client's decisions, and each
        # page more costs two statements.
        reading = evolve(query, limit=min(MAX_PAGE_SIZE, limit * 3))
        decided = self._reader.iter_entries(
            portal, reading, where=lambda entry: client_has_decided(entry.approval)
        )
        entries = tuple(itertools.islice(decided, limit))
        return HoursPage(
            entries=entries,
            next=None,
            totals=Totals.of(entries, amounts=scope.amounts),
            query=query,
        )

    def hours_totals(self, viewer: Viewer, query: EntryQuery | None = None) -> Totals:
        """The totals of all the portal's hours that match ``query`` (every page, not one)."""
        return self._reader.totals(_portal(viewer), query or EntryQuery())

    def hours_per_week(self, viewer: Viewer, *, weeks: int = 12) -> HoursPerWeek:
        """The seconds of the portal's hours per ISO week, for the ``weeks`` weeks up to the week
        of its newest hours (the overview's chart): one entry and the weeks' sums read."""
        if weeks < 1:
            raise ValueError(f"weeks must be at least 1, got {weeks}")
        portal = _portal(viewer)
        projects = self._reader.projects(portal)
        newest = self._reader.page(portal, EntryQuery(limit=1), projects).entries
        if not newest:
            return HoursPerWeek(last_date=None, weeks={})
        last = newest[0].date
        monday = last - dt.timedelta(days=last.weekday())
        first = monday - dt.timedelta(weeks=weeks - 1)
        seconds = self._reader.week_seconds(portal, first, monday, projects)
        return HoursPerWeek(last_date=last, weeks=seconds)

    def week_seconds(self, viewer: Viewer, first: dt.date, last: dt.date) -> dict[dt.date, int]:
        """The seconds of the portal's hours per ISO week, keyed by the week's Monday, for the
        weeks from Monday ``first`` to Monday ``last`` (weeks without hours left out): the
        overview's chart."""
        return self._reader.week_seconds(_portal(viewer), first, last)

    def export_csv(
        self, viewer: Viewer, query: EntryQuery | None = None, *, delimiter: str | None = None
    ) -> Iterator[str]:
        """The portal's hours that match ``query`` as CSV lines, streamed a page at a time.

        The columns are named in the portal's language and hold only what the portal shows;
        rates and amounts come with the portal's currency. Cells are separated, and decimals
        marked, as a spreadsheet in the portal's locale reads them (``;`` and ``7,50`` in Dutch,
        ``,`` and ``7.50`` in English: :func:`~clientportal.service.export.csv_format`), unless
        ``delimiter`` says otherwise. Encode the lines as UTF-8 (with a BOM for spreadsheets
        that need one).
        """
        from ..i18n.locales import portal_locale
        from .export import csv_lines

        portal = _portal(viewer)
        query = evolve(query or EntryQuery(), limit=MAX_PAGE_SIZE)
        if delimiter is not None and delimiter not in (",", ";", "\t"):
            raise ValidationError(
                [f"delimiter: must be ',', ';' or a tab, got {delimiter!r}"],
                summary="cannot export",
            )
        projects = self._reader.projects(portal)

        def names(ids: Iterable[str]) -> Mapping[str, str]:
            wanted = frozenset(ids)
            return {e.id: e.name for e in self._data.employees(wanted) if e.id in wanted}

        return csv_lines(
            self._reader.iter_entries(portal, query, projects),
            scope=self._reader.scope(portal),
            language=portal.language,
            project_names={p.id: p.name for p in projects},
            employee_names=names,
            currency=portal.settings.currency,
            locale=portal_locale(portal.language, portal.settings.currency),
            delimiter=delimiter,
        )

    def projects(self, viewer: Viewer) -> tuple[PortalProject, ...]:
        """The projects the portal shows, as on the :meth:`overview`."""
        portal = _portal(viewer)
        data = Dataset(projects=self._reader.projects(portal))
        return portal_view(portal, data, self._reader.policy).projects

    def invoices(self, viewer: Viewer) -> tuple[PortalInvoice, ...]:
        """The invoices the portal shows, as on the :meth:`overview` (newest first), without
        reading anything else of it."""
        return self._documents_view(_portal(viewer), "invoice").invoices

    def quotes(self, viewer: Viewer) -> tuple[PortalQuote, ...]:
        """The quotes the portal shows, as on the :meth:`overview` (newest first), without
        reading anything else of it."""
        return self._documents_view(_portal(viewer), "quote").quotes

    def _documents_view(self, portal: Portal, kind: str) -> PortalView:
        """The view of the portal's projects and of its invoices or quotes (``kind``), only
        those read."""
        scope = self._reader.scope(portal)
        projects = self._reader.projects(portal)
        if kind == "invoice":
            invoices = self._data.invoices(scope) if scope.invoices else ()
            data = Dataset(projects=projects, invoices=unique_by_id(invoices))
        else:
            quotes = self._data.quotes(scope) if scope.quotes else ()
            data = Dataset(projects=projects, quotes=unique_by_id(quotes))
        return portal_view(portal, data, self._reader.policy)

    def document(self, viewer: Viewer, kind: str, document_id: str) -> DocumentFile:
        """The file of an invoice or quote (``kind`` "invoice" or "quote") the portal shows.

        Raises :class:`~clientportal.NotFound` for any document the portal does not show.
        """
        if kind not in ("invoice", "quote"):
            raise ValidationError(
                [f"kind: must be 'invoice' or 'quote', got {kind!r}"], summary="cannot download"
            )
        view = self._documents_view(_portal(viewer), kind)
        shown = {d.id for d in (view.invoices if kind == "invoice" else view.quotes)}
        document = self._data.document_file(kind, document_id) if document_id in shown else None
        if document is None:
            raise NotFound(f"no {kind} {document_id!r} to download in this portal")
        return document

    def choices(self, viewer: Viewer) -> HoursChoices:
        """The portal's projects and employee filter, whether it shows hours and whether its
        client approves: what the hours and approvals pages need of the :meth:`overview`."""
        portal = _portal(viewer)
        scope = self._reader.scope(portal)
        projects = self._reader.projects(portal)
        view = portal_view(portal, Dataset(projects=projects), self._reader.policy)
        return HoursChoices(
            projects=view.projects,
            employees=self._employees(portal, scope, projects),
            shows_hours=scope.entries,
            can_approve=view.can_approve,
            shows_expenses=scope.expenses,
            shows_trips=scope.trips,
        )

    def _employees(
        self, portal: Portal, scope: Scope, projects: Sequence[Project]
    ) -> tuple[PortalEmployee, ...]:
        """The employee filter: the portal's employees, its projects' members and who logged
        its visible entries, expenses and trips, by name (as :func:`portal_view` adds the
        employees of the items it sees; entries are not read where the source can say who
        logged them, :class:`~clientportal.ports.EntryEmployees`, nor expenses and trips where
        it can say who spent and travelled, :class:`~clientportal.ports.CostEmployees`). Read
        once a request (:func:`~.reading.remembered_projects`)."""
        if not (scope.entries or scope.expenses or scope.trips):
            return ()
        return remember(
            self._data, portal, "employees", lambda: self._read_employees(portal, scope, projects)
        )

    def _read_employees(
        self, portal: Portal, scope: Scope, projects: Sequence[Project]
    ) -> tuple[PortalEmployee, ...]:
        ids: set[str] = set(portal.employee_ids)
        for project in projects:
            ids |= project.member_ids
        if scope.entries:
            ids |= self._entry_employee_ids(portal, scope, projects)
        for kind in COST_KINDS:
            ids |= self._costs.employee_ids(portal, kind, projects)
        found = unique_by_id(self._data.employees(frozenset(ids)))
        return tuple(
            sorted(
                (PortalEmployee(id=e.id, name=e.name) for e in found if e.id in ids),
                key=lambda e: (e.name, e.id),
            )
        )

    def _overview(self, portal: Portal) -> Overview:
        """Projects, budgets, invoices, quotes and the employee filter, as :func:`portal_view`
        gives them."""
        scope = self._reader.scope(portal)
        projects = self._reader.projects(portal)
        data = Dataset(
            projects=projects,
            budgets=unique_by_id(self._data.budgets(scope)) if scope.budget_types else (),
            invoices=unique_by_id(self._data.invoices(scope)) if scope.invoices else (),
            quotes=unique_by_id(self._data.quotes(scope)) if scope.quotes else (),
        )
        view = portal_view(portal, data, self._reader.policy)
        client = self._data.client(portal.client_id)
        statuses = self._reader.awaiting_statuses(portal)
        waiting = EntryQuery(statuses=statuses)
        awaiting = (
            self._reader.totals(portal, waiting, projects).count
            if statuses and view.can_approve
            else 0
        )
        costs = {
            kind: self._costs.totals(portal, kind, EntryQuery(), projects) for kind in COST_KINDS
        }
        costs_awaiting = {
            kind: self._costs.totals(portal, kind, waiting, projects).count
            if statuses and view.can_approve
            else 0
            for kind in COST_KINDS
        }
        return Overview(
            portal_id=portal.id,
            portal_name=portal.name,
            language=portal.language,
            client_name=client.name
            if client is not None and client.id == portal.client_id
            else None,
            projects=view.projects,
            budgets=view.budgets,
            invoices=view.invoices,
            quotes=view.quotes,
            employees=self._employees(portal, scope, projects),
            shows_hours=scope.entries,
            can_approve=view.can_approve,
            currency=portal.settings.currency,
            awaiting_count=awaiting,
            shows_expenses=scope.expenses,
            shows_trips=scope.trips,
            hours_totals=self._reader.totals(portal, EntryQuery(), projects)
            if scope.entries and (scope.expenses or scope.trips)
            else None,
            expense_totals=costs[ItemKind.EXPENSE],
            trip_totals=costs[ItemKind.TRIP],
            awaiting_expenses=costs_awaiting[ItemKind.EXPENSE],
            awaiting_trips=costs_awaiting[ItemKind.TRIP],
        )

    def _entry_employee_ids(
        self, portal: Portal, scope: Scope, projects: Sequence[Project]
    ) -> frozenset[str]:
        if self._employees_source is not None:
            return frozenset(self._employees_source.entry_employee_ids(scope))
        query = EntryQuery(limit=MAX_PAGE_SIZE)
        return frozenset(e.employee_id for e in self._reader.iter_entries(portal, query, projects))


_portal = portal_of
