"""``MemoryDataSource``: the host's data from a :class:`~clientportal.model.Dataset`, with the
:class:`~clientportal.Scope` pushed down as a SQL backend would."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from attrs import evolve

from ..errors import ConfigError, DataSourceError
from ..model import (
    Budget,
    Client,
    Contact,
    Dataset,
    Employee,
    Invoice,
    ItemRef,
    Project,
    Quote,
    TimeEntry,
)
from ..ports import (
    ApprovalStore,
    DocumentFile,
    EntryCursor,
    EntryPage,
    EntryQuery,
    IdOrder,
    Totals,
    id_sort_key,
)
from ..visibility import Scope, entry_amount
from .costs import MemoryCostSource

__all__ = ["MemoryDataSource"]


_Doc = TypeVar("_Doc", Invoice, Quote)


def _order_key(entry: TimeEntry | EntryCursor, order: IdOrder) -> tuple[int, int, str]:
    return (-entry.date.toordinal(), *id_sort_key(entry.id, order))


class MemoryDataSource(MemoryCostSource):
    """A :class:`~clientportal.ports.DataSource` over a :class:`~clientportal.model.Dataset`.

    Entries carry the approval state ``store`` holds for them; an entry without a stored state
    keeps the dataset's own. The :class:`~clientportal.Scope` is pushed down as a SQL backend
    would: only the client's projects among the portal's selection, only what the portal shows.
    ``documents`` maps ``(kind, document_id)`` (kind "invoice" or "quote") to its file; an
    invoice or quote says it ``has_file`` exactly when it has one there. ``id_order`` is the
    order of the ids of one day in its pages (:class:`~clientportal.ports.IdOrder`; as text
    unless given): :attr:`~clientportal.ports.IdOrder.INTEGER` needs every id of entries,
    expenses and trips to be a canonical decimal integer and orders them as numbers, as a host
    ordering its integer primary keys does. ``invoiced`` names the items the host has invoiced
    (:class:`~clientportal.ports.InvoicedItems`: a client can no longer undo a decision on them).

    Expenses and trips, with their states from ``store`` under their kind, come from
    :class:`~clientportal.memory.costs.MemoryCostSource`.
    """

    def __init__(
        self,
        dataset: Dataset,
        store: ApprovalStore | None = None,
        *,
        documents: Mapping[tuple[str, str], DocumentFile] | None = None,
        id_order: IdOrder = IdOrder.TEXT,
        invoiced: Iterable[ItemRef] = (),
    ) -> None:
        if not isinstance(id_order, IdOrder):
            raise ConfigError(
                [f"id_order is {id_order!r}: pass IdOrder.TEXT or IdOrder.INTEGER"],
                subject="MemoryDataSource",
            )
        self.id_order = id_order
        self.dataset = dataset
        self.store = store
        self._documents = dict(documents or {})
        self._invoiced = frozenset(invoiced)
        if not all(isinstance(ref, ItemRef) for ref in self._invoiced):
            raise ConfigError(
                ["invoiced: give ItemRef values (ItemRef.entry('e1'), ItemRef.expense('x1'), ...)"],
                subject="MemoryDataSource",
            )
        self._clients = {c.id: c for c in dataset.clients}
        self._employees = {e.id: e for e in dataset.employees}
        self._projects = {p.id: p for p in dataset.projects}
        self._entries = {e.id: e for e in dataset.entries}
        try:
            self._keys = sorted(_order_key(e, id_order) for e in dataset.entries)
            self._costs_ordered  # noqa: B018 - checks the ids of expenses and trips now
        except DataSourceError as bad:
            raise ConfigError([str(bad)], subject="MemoryDataSource") from None
        self._ordered = sorted(dataset.entries, key=lambda e: _order_key(e, id_order))

    def __repr__(self) -> str:
        return (
            f"MemoryDataSource(<{len(self._clients)} clients, {len(self._projects)} projects, "
            f"{len(self._entries)} entries>, store={self.store!r})"
        )

    def client(self, client_id: str) -> Client | None:
        """The client, or ``None``."""
        return self._clients.get(client_id)

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The client's contacts, by id."""
        return sorted(
            (c for c in self.dataset.contacts if c.client_id == client_id), key=lambda c: c.id
        )

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        """The employees with these ids, by id."""
        return [self._employees[i] for i in sorted(employee_ids) if i in self._employees]

    def projects(self, scope: Scope) -> Sequence[Project]:
        """The client's projects among the scope's selection, by id."""
        return [
            p
            for i in sorted(scope.project_ids)
            if (p := self._projects.get(i)) is not None and p.client_id == scope.client_id
        ]

    def _visible_project_ids(self, scope: Scope) -> frozenset[str]:
        return frozenset(p.id for p in self.projects(scope))

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        """One page of the scope's entries matching ``query`` (see the port)."""
        if not scope.entries:
            return EntryPage(entries=(), next=None)
        page: list[TimeEntry] = []
        for entry in self._matching(scope, query, states=True):
            if len(page) == query.limit:
                last = page[-1]
                return EntryPage(entries=tuple(page), next=EntryCursor(last.date, last.id))
            page.append(entry)
        return EntryPage(entries=tuple(page), next=None)

    def _matching(self, scope: Scope, query: EntryQuery, *, states: bool) -> Iterator[TimeEntry]:
        """The scope's entries matching ``query`` from its cursor on, in page order; with the
        store's approval state when ``states`` (and always when ``query`` filters by status)."""
        projects = self._visible_project_ids(scope)
        if query.project_ids:
            projects &= query.project_ids
        # The entries of the query's dates after its cursor lie between two places of the order.
        keys, start, stop = self._keys, 0, len(self._keys)
        if query.date_to is not None:
            start = bisect.bisect_left(keys, (-query.date_to.toordinal(),))
        if query.after is not None:
            start = max(start, bisect.bisect_right(keys, _order_key(query.after, self.id_order)))
        if query.date_from is not None:
            stop = bisect.bisect_left(keys, (1 - query.date_from.toordinal(),))
        ordered = self._ordered
        chosen: Iterator[TimeEntry] = (
            e
            for e in (ordered[i] for i in range(start, stop))
            if e.project_id in projects
            and (not query.employee_ids or e.employee_id in query.employee_ids)
            and (query.date_from is None or e.date >= query.date_from)
            and (query.date_to is None or e.date <= query.date_to)
        )
        if states or query.statuses:
            chosen = self._with_states(chosen)
        if query.statuses:
            chosen = (e for e in chosen if e.approval.status in query.statuses)
        return chosen

    def _with_states(self, entries: Iterable[TimeEntry], batch: int = 256) -> Iterator[TimeEntry]:
        """``entries`` with the store's approval state, looked up ``batch`` at a time."""
        chunk: list[TimeEntry] = []
        for entry in entries:
            chunk.append(entry)
            if len(chunk) == batch:
                yield from self._overlay(chunk)
                chunk = []
        yield from self._overlay(chunk)

    def _overlay(self, entries: list[TimeEntry]) -> list[TimeEntry]:
        if self.store is None or not entries:
            return entries
        states = self.store.approval_states(frozenset(e.id for e in entries))
        return [evolve(e, approval=states[e.id]) if e.id in states else e for e in entries]

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        """The totals of the scope's entries that match ``query`` from its cursor on, by project
        (see :class:`~clientportal.ports.EntryTotals`), in one pass without building a page."""
        if not scope.entries:
            return {}
        found: dict[str, Totals] = {}
        for entry in self._matching(scope, query, states=False):
            amount = None
            if scope.amounts:
                rate = entry.rate if scope.shows_amount(entry.billable) else None
                amount = Decimal(0) if rate is None else entry_amount(rate, entry.seconds)
            billable = entry.seconds if entry.billable else 0
            one = Totals(1, entry.seconds, billable, amount)
            previous = found.get(entry.project_id)
            found[entry.project_id] = one if previous is None else previous + one
        return found

    def entry_week_seconds(
        self, scope: Scope, first: dt.date, last: dt.date
    ) -> Mapping[dt.date, int]:
        """The seconds of the scope's entries per ISO week (by Monday) from week ``first`` to
        week ``last`` (see :class:`~clientportal.ports.EntryWeeks`), in one pass over those
        weeks' entries without building a page."""
        if not scope.entries:
            return {}
        weeks: dict[dt.date, int] = {}
        query = EntryQuery(date_from=first, date_to=last + dt.timedelta(days=6))
        for entry in self._matching(scope, query, states=False):
            monday = entry.date - dt.timedelta(days=entry.date.weekday())
            weeks[monday] = weeks.get(monday, 0) + entry.seconds
        return weeks

    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        """Who logged the scope's entries (for the portal's employee filter)."""
        if not scope.entries:
            return frozenset()
        projects = self._visible_project_ids(scope)
        return frozenset(e.employee_id for e in self._ordered if e.project_id in projects)

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        """The entries with these ids, by id, with their current approval state."""
        return self._overlay([self._entries[i] for i in sorted(entry_ids) if i in self._entries])

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        """The budgets of the scope's projects whose type the portal shows, by project and id."""
        projects = self._visible_project_ids(scope)
        return sorted(
            (
                b
                for b in self.dataset.budgets
                if b.project_id in projects and b.type in scope.budget_types
            ),
            key=lambda b: (b.project_id, b.id),
        )

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        """The client's invoices the portal shows, newest first."""
        if not scope.invoices:
            return []
        return self._documents_of(scope, self.dataset.invoices, "invoice")

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        """The client's quotes the portal shows, newest first."""
        if not scope.quotes:
            return []
        return self._documents_of(scope, self.dataset.quotes, "quote")

    def _documents_of(self, scope: Scope, documents: Iterable[_Doc], kind: str) -> list[_Doc]:
        projects = self._visible_project_ids(scope)
        chosen = [
            evolve(d, has_file=(kind, d.id) in self._documents)
            for d in documents
            if d.client_id == scope.client_id
            and d.status in scope.document_statuses
            and (scope.documents_scope == "client" or not d.project_ids.isdisjoint(projects))
        ]
        chosen.sort(key=lambda d: d.id)
        chosen.sort(key=lambda d: d.date, reverse=True)
        return chosen

    def invoiced(self, items: frozenset[ItemRef]) -> frozenset[ItemRef]:
        """The items among ``items`` given as ``invoiced``
        (:class:`~clientportal.ports.InvoicedItems`)."""
        return items & self._invoiced

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        """The file given for ``(kind, document_id)`` when this source was made, or ``None``."""
        return self._documents.get((kind, document_id))
