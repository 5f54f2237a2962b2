"""What a host's schema cannot hold, and the worlds it can.

A host's tables rarely hold everything the data contract can say: no invoices, durations in
whole minutes, one rate per project, client names that must be unique. It names what it lacks
with :class:`Missing`; :func:`representable` turns any dataset into one such a schema can hold
(a mapping, never a filter: every drawn world stays usable), and :func:`~clientportal.testing.
strategies.worlds` draws only such worlds. The contract kit
(:class:`~clientportal.testing.contract.DataSourceContract`) does both for its ``cannot_hold``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection
from decimal import Decimal
from typing import TypeVar

from attrs import evolve

from ..model import Budget, BudgetType, Dataset, Invoice, Project, Quote

__all__ = ["Missing", "representable"]

_D = TypeVar("_D", Invoice, Quote)


class Missing(enum.Enum):
    """A part of the data contract a host's schema cannot hold (its value says what it means).

    Worlds drawn for such a host leave the part out (or give it the one form the host holds),
    and the checks that need it are skipped, naming it.
    """

    #: No contacts at all (``contacts()`` is always empty).
    CONTACTS = "contacts"
    #: Contacts have no language (every ``Contact.language`` is ``None``).
    CONTACT_LANGUAGES = "contact languages"
    #: Client names are unique (compared case-insensitively).
    DUPLICATE_CLIENT_NAMES = "duplicate client names"
    #: Project names are unique within a client (compared case-insensitively).
    DUPLICATE_PROJECT_NAMES = "duplicate project names of a client"
    #: Projects have no members (every ``Project.member_ids`` is empty).
    MEMBERS = "project members"
    #: Entries have no task (and there are no per-task budgets).
    TASKS = "tasks"
    #: Entries have no description (every one is ``None``).
    DESCRIPTIONS = "entry descriptions"
    #: Every entry has a description (``None`` becomes ``""``): a NOT NULL column.
    UNDESCRIBED_ENTRIES = "entries without a description"
    #: Durations are whole minutes (seconds are multiples of 60).
    SECONDS = "durations finer than a minute"
    #: Every entry is billable.
    NON_BILLABLE = "non-billable entries"
    #: Entries have no rate at all (every ``TimeEntry.rate`` is ``None``).
    ENTRY_RATES = "rates on entries"
    #: A rate is the project's: all the entries of a project share one rate (or none).
    RATES_PER_PROJECT = "a rate per entry (rates are per project)"
    #: Entries have no cost rate.
    COST_RATES = "cost rates"
    #: Entries, expenses and trips have no internal note.
    INTERNAL_NOTES = "internal notes"
    #: No budgets at all.
    BUDGETS = "budgets"
    #: A project has at most one budget of each type.
    SEVERAL_BUDGETS_OF_A_TYPE = "several budgets of one type per project"
    #: No invoices.
    INVOICES = "invoices"
    #: No quotes.
    QUOTES = "quotes"
    #: Each invoice and quote links exactly one project, one of its client's.
    ONE_PROJECT_PER_INVOICE = "invoices and quotes with other than one project of their client"
    #: Every invoice has a due date and every quote a valid-until date.
    DOCUMENTS_WITHOUT_DUE_DATE = "invoices without a due date (quotes without an expiry)"
    #: Invoices and quotes have no files to download.
    DOCUMENT_FILES = "document files"
    #: Every amount is in one currency (the contract's ``currency`` attribute).
    CURRENCIES = "several currencies"
    #: No expenses.
    EXPENSES = "expenses"
    #: No trips.
    TRIPS = "trips"


def representable(
    dataset: Dataset,
    cannot_hold: Collection[Missing] = (),
    *,
    budget_types: Collection[BudgetType] | None = None,
    currency: str = "EUR",
) -> Dataset:
    """``dataset`` as a schema that cannot hold ``cannot_hold`` (and holds only budgets of
    ``budget_types``, all of them by default) can hold it: each missing part left out or given
    the one form the schema has, every record that can stay kept as it is. Pure and
    deterministic; a dataset the schema can hold comes back equal."""
    lacks = frozenset(cannot_hold)
    data = _people(dataset, lacks)
    data = _entries(data, lacks)
    data = _budgets(data, lacks, budget_types)
    data = _documents(data, lacks)
    if Missing.EXPENSES in lacks:
        data = evolve(data, expenses=())
    if Missing.TRIPS in lacks:
        data = evolve(data, trips=())
    if Missing.INTERNAL_NOTES in lacks:
        data = evolve(
            data,
            expenses=tuple(evolve(x, internal_note=None) for x in data.expenses),
            trips=tuple(evolve(t, internal_note=None) for t in data.trips),
        )
    if Missing.CURRENCIES in lacks:
        data = _one_currency(data, currency)
    return data


def _unique_names(names: list[str]) -> list[str]:
    """``names`` with each repeat (case-insensitively) made unique by a number: "Eva (2)"."""
    seen: set[str] = set()
    unique = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate.casefold())
        unique.append(candidate)
    return unique


def _people(dataset: Dataset, lacks: frozenset[Missing]) -> Dataset:
    clients, contacts, projects = dataset.clients, dataset.contacts, dataset.projects
    if Missing.DUPLICATE_CLIENT_NAMES in lacks:
        names = _unique_names([c.name for c in clients])
        clients = tuple(evolve(c, name=n) for c, n in zip(clients, names, strict=True))
    if Missing.CONTACTS in lacks:
        contacts = ()
    elif Missing.CONTACT_LANGUAGES in lacks:
        contacts = tuple(evolve(c, language=None) for c in contacts)
    if Missing.MEMBERS in lacks:
        projects = tuple(evolve(p, member_ids=frozenset()) for p in projects)
    if Missing.DUPLICATE_PROJECT_NAMES in lacks:
        renamed: dict[str, str] = {}
        for client in {p.client_id for p in projects}:
            own = [p for p in projects if p.client_id == client]
            names = _unique_names([p.name for p in own])
            renamed.update((p.id, n) for p, n in zip(own, names, strict=True))
        projects = tuple(evolve(p, name=renamed[p.id]) for p in projects)
    return evolve(dataset, clients=clients, contacts=contacts, projects=projects)


def _entries(dataset: Dataset, lacks: frozenset[Missing]) -> Dataset:
    project_rate: dict[str, Decimal | None] = {}
    for entry in dataset.entries:
        project_rate.setdefault(entry.project_id, entry.rate)
    entries = []
    for e in dataset.entries:
        if Missing.TASKS in lacks:
            e = evolve(e, task=None)
        if Missing.DESCRIPTIONS in lacks:
            e = evolve(e, description=None)
        elif Missing.UNDESCRIBED_ENTRIES in lacks and e.description is None:
            e = evolve(e, description="")
        if Missing.SECONDS in lacks:
            e = evolve(e, seconds=e.seconds // 60 * 60)
        if Missing.NON_BILLABLE in lacks:
            e = evolve(e, billable=True)
        if Missing.ENTRY_RATES in lacks:
            e = evolve(e, rate=None)
        elif Missing.RATES_PER_PROJECT in lacks:
            e = evolve(e, rate=project_rate[e.project_id])
        if Missing.COST_RATES in lacks:
            e = evolve(e, cost_rate=None)
        if Missing.INTERNAL_NOTES in lacks:
            e = evolve(e, internal_note=None)
        entries.append(e)
    return evolve(dataset, entries=tuple(entries))


def _budgets(
    dataset: Dataset, lacks: frozenset[Missing], types: Collection[BudgetType] | None
) -> Dataset:
    if Missing.BUDGETS in lacks:
        return evolve(dataset, budgets=())
    held = frozenset(BudgetType if types is None else types)
    if Missing.TASKS in lacks:
        held -= {t for t in held if t.per_task}
    kept: list[Budget] = []
    taken: set[tuple[str, BudgetType]] = set()
    for budget in dataset.budgets:
        key = (budget.project_id, budget.type)
        if budget.type not in held:
            continue
        if Missing.SEVERAL_BUDGETS_OF_A_TYPE in lacks:
            if key in taken:
                continue
            taken.add(key)
        kept.append(budget)
    return evolve(dataset, budgets=tuple(kept))


def _documents(dataset: Dataset, lacks: frozenset[Missing]) -> Dataset:
    invoices: tuple[Invoice, ...] = () if Missing.INVOICES in lacks else dataset.invoices
    quotes: tuple[Quote, ...] = () if Missing.QUOTES in lacks else dataset.quotes
    if Missing.ONE_PROJECT_PER_INVOICE in lacks:
        invoices = _linked_once(invoices, dataset.projects)
        quotes = _linked_once(quotes, dataset.projects)
    if Missing.DOCUMENTS_WITHOUT_DUE_DATE in lacks:
        month = dt.timedelta(days=30)
        invoices = tuple(
            d if d.due_date is not None else evolve(d, due_date=d.date + month) for d in invoices
        )
        quotes = tuple(
            d if d.valid_until is not None else evolve(d, valid_until=d.date + month)
            for d in quotes
        )
    if Missing.DOCUMENT_FILES in lacks:
        invoices = tuple(evolve(d, has_file=False) for d in invoices)
        quotes = tuple(evolve(d, has_file=False) for d in quotes)
    return evolve(dataset, invoices=invoices, quotes=quotes)


def _linked_once(documents: tuple[_D, ...], projects: tuple[Project, ...]) -> tuple[_D, ...]:
    """Each of ``documents`` linked to exactly one project of its client (none without a
    project in the world)."""
    if not projects:
        return ()
    return tuple(_one_project(d, projects) for d in documents)


def _one_project(document: _D, projects: tuple[Project, ...]) -> _D:
    """``document`` linked to exactly one project of its client: the first it names (by id)
    that is its client's, else the client's first; when the client has none, the document
    moves to the client of the first project it names (or of the world's first project)."""
    own = sorted(p.id for p in projects if p.client_id == document.client_id)
    named = sorted(i for i in document.project_ids if i in own)
    if named or own:
        return evolve(document, project_ids=frozenset({(named or own)[0]}))
    by_id = {p.id: p for p in projects}
    linked = sorted(i for i in document.project_ids if i in by_id)
    project = by_id[linked[0]] if linked else projects[0]
    return evolve(document, client_id=project.client_id, project_ids=frozenset({project.id}))


def _one_currency(dataset: Dataset, currency: str) -> Dataset:
    return evolve(
        dataset,
        budgets=tuple(
            evolve(b, currency=currency) if b.currency is not None else b for b in dataset.budgets
        ),
        invoices=tuple(evolve(d, currency=currency) for d in dataset.invoices),
        quotes=tuple(evolve(d, currency=currency) for d in dataset.quotes),
        expenses=tuple(evolve(x, currency=currency) for x in dataset.expenses),
        trips=tuple(
            evolve(t, currency=currency) if t.currency is not None else t for t in dataset.trips
        ),
    )
