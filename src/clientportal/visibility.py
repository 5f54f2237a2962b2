"""What a client sees: the pure visibility filter (rules V1–V14 of DESIGN.md §4).

:func:`portal_view` turns a portal and a :class:`~clientportal.model.Dataset` into a
:class:`PortalView` of *public* records (:mod:`clientportal.public`). Those records have no field
for internal data (``cost_rate``, ``internal_note``, total-costs budgets), so nothing internal can
leak through them, whatever a template or serializer does later. :class:`Scope` states the same
rules as data, for a backend that pushes them into its query; this module stays the oracle and the
last gate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import attrs
from attrs import frozen

from .errors import ConfigError, ValidationError
from .model import (
    SUPPORTED_LANGUAGES,
    ApprovalPolicy,
    Budget,
    BudgetType,
    Dataset,
    DocumentStatus,
    Expense,
    Invoice,
    Portal,
    Project,
    Quote,
    TimeEntry,
    Trip,
)
from .public import (
    PortalBudget,
    PortalEmployee,
    PortalEntry,
    PortalExpense,
    PortalInvoice,
    PortalProject,
    PortalQuote,
    PortalTrip,
    PortalView,
    entry_amount,
    trip_amount,
)
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
    "Scope",
    "check_portal",
    "entry_amount",
    "portal_view",
    "trip_amount",
    "visible_entries",
    "visible_expenses",
    "visible_trips",
]

# --------------------------------------------------------------------------------------------------
# The rules as data


_CLIENT_BUDGET_TYPES = frozenset(t for t in BudgetType if not t.is_internal)
_CLIENT_DOCUMENT_STATUSES = frozenset(s for s in DocumentStatus if s is not DocumentStatus.DRAFT)
_ENTRY_FIELDS = frozenset(
    {"id", "project_id", "employee_id", "date", "seconds", "task", "billable", "status", "version"}
)


@frozen
class Scope:
    """The visibility rules of one portal as data, for a backend to push into its query.

    A backend must select only rows of ``client_id`` *and* (for project data) of a project in
    ``project_ids`` that belongs to ``client_id``: the portal's selection is not trusted to be
    the client's own. What the backend returns is filtered again by the pure functions here.

    ``amounts`` says whether entries show their rate and amount; ``non_billable_amounts`` whether
    non-billable entries do too (:meth:`shows_amount`): a backend that sums amounts leaves the
    others out. ``approval`` says whether the client approves here: the pages show approval
    statuses, filters and links only then.

    ``expenses`` and ``trips`` say whether those are shown (V13, V14); ``cost_descriptions``
    whether they show their descriptions (and a trip its origin and destination);
    ``trip_amounts`` whether trips show their money; ``non_billable_costs`` whether non-billable
    expenses and trips are shown at all (:meth:`shows_cost`).
    """

    client_id: str
    project_ids: frozenset[str]
    entries: bool
    descriptions: bool
    amounts: bool
    non_billable_amounts: bool
    budget_types: frozenset[BudgetType]
    invoices: bool
    quotes: bool
    documents_scope: str
    document_statuses: frozenset[DocumentStatus]
    approval: bool
    expenses: bool = False
    trips: bool = False
    cost_descriptions: bool = False
    trip_amounts: bool = False
    non_billable_costs: bool = False

    @classmethod
    def of(cls, portal: Portal, policy: ApprovalPolicy | None = None) -> Scope:
        """The scope of ``portal`` under the company's approval ``policy`` (``None``: none)."""
        s = portal.settings
        costs = s.show_expenses or s.show_trips
        return cls(
            client_id=portal.client_id,
            project_ids=portal.project_ids,
            entries=s.show_hours,
            descriptions=s.show_hours and s.show_descriptions,
            amounts=s.show_hours and s.show_amounts,
            non_billable_amounts=s.show_hours and s.show_amounts and s.show_non_billable_amounts,
            budget_types=_CLIENT_BUDGET_TYPES if s.show_budget else frozenset(),
            invoices=s.show_invoices,
            quotes=s.show_quotes,
            documents_scope=s.documents_scope,
            document_statuses=_CLIENT_DOCUMENT_STATUSES,
            approval=(s.show_hours or costs) and s.approval and _has_client_step(policy),
            expenses=s.show_expenses,
            trips=s.show_trips,
            cost_descriptions=costs and s.show_descriptions,
            trip_amounts=s.show_trips and s.show_amounts,
            non_billable_costs=costs and s.show_non_billable_amounts,
        )

    @property
    def entry_fields(self) -> frozenset[str]:
        """The :class:`PortalEntry` fields that carry data (the others are ``None``)."""
        if not self.entries:
            return frozenset()
        fields = set(_ENTRY_FIELDS)
        if self.descriptions:
            fields.add("description")
        if self.amounts:
            fields |= {"rate", "amount"}
        return frozenset(fields)

    def shows_amount(self, billable: bool) -> bool:
        """V9: whether an entry (``billable`` or not) shows its rate and amount: amounts are
        shown, and the entry is billable or non-billable amounts are shown too."""
        return self.amounts and (billable or self.non_billable_amounts)

    def shows_cost(self, cost: Expense | Trip, visible_project_ids: frozenset[str]) -> bool:
        """V13/V14: expenses (trips) shown, of a visible project, and billable unless the portal
        shows non-billable amounts."""
        shown = self.expenses if isinstance(cost, Expense) else self.trips
        return (
            shown
            and cost.project_id in visible_project_ids
            and (cost.billable or self.non_billable_costs)
        )

    def shows_project(self, project: Project) -> bool:
        """V2: selected in the portal and the client's own."""
        return project.client_id == self.client_id and project.id in self.project_ids

    def shows_budget(self, budget: Budget, visible_project_ids: frozenset[str]) -> bool:
        """V5: budgets shown, of a visible project, and not about internal costs."""
        return budget.type in self.budget_types and budget.project_id in visible_project_ids

    def shows_document(self, doc: Invoice | Quote, visible_project_ids: frozenset[str]) -> bool:
        """V6/V7: the client's own, not a draft, and (scope "projects") on a visible project."""
        shown = self.invoices if isinstance(doc, Invoice) else self.quotes
        return (
            shown
            and doc.client_id == self.client_id
            and doc.status in self.document_statuses
            and (
                self.documents_scope == "client"
                or not doc.project_ids.isdisjoint(visible_project_ids)
            )
        )


# --------------------------------------------------------------------------------------------------
# The filter


def visible_entries(
    portal: Portal,
    projects: Iterable[Project],
    entries: Iterable[TimeEntry],
    policy: ApprovalPolicy | None = None,
) -> Iterator[PortalEntry]:
    """Stream the portal's visible entries (V3, V4, V9) in input order.

    Yields the same records as ``portal_view(...).entries``, unordered, without holding the
    entries in memory. ``projects`` must hold every project the entries may belong to (at least the
    portal's selection): entries carry no client id, so the projects enforce the client boundary.
    """
    scope = Scope.of(portal, policy)
    if not scope.entries:
        return iter(())
    visible = _visible_project_ids(scope, projects)
    public = _entry_projection(scope)
    return (public(e) for e in entries if e.project_id in visible)


def visible_expenses(
    portal: Portal, projects: Iterable[Project], expenses: Iterable[Expense]
) -> Iterator[PortalExpense]:
    """Stream the portal's visible expenses (V13) in input order: the same records as
    ``portal_view(...).expenses``, unordered. ``projects`` as for :func:`visible_entries`."""
    scope = Scope.of(portal)
    visible = _visible_project_ids(scope, projects) if scope.expenses else frozenset()
    public = _expense_projection(scope)
    return (public(x) for x in expenses if scope.shows_cost(x, visible))


def visible_trips(
    portal: Portal, projects: Iterable[Project], trips: Iterable[Trip]
) -> Iterator[PortalTrip]:
    """Stream the portal's visible trips (V14) in input order: the same records as
    ``portal_view(...).trips``, unordered. ``projects`` as for :func:`visible_entries`."""
    scope = Scope.of(portal)
    visible = _visible_project_ids(scope, projects) if scope.trips else frozenset()
    public = _trip_projection(scope, portal.settings.currency)
    return (public(t) for t in trips if scope.shows_cost(t, visible))


def portal_view(portal: Portal, data: Dataset, policy: ApprovalPolicy | None = None) -> PortalView:
    """Everything ``portal`` shows of ``data`` under the approval ``policy`` (rules V1–V12).

    Pure and total: the same inputs give the same view, inputs are never changed, and any valid
    portal and dataset give a view (a misconfigured portal simply shows less; use
    :func:`check_portal` to find out why).
    """
    scope = Scope.of(portal, policy)
    projects = sorted(
        (p for p in data.projects if scope.shows_project(p)), key=lambda p: (p.name, p.id)
    )
    visible_ids = frozenset(p.id for p in projects)

    entries: list[PortalEntry] = []
    if scope.entries:
        public = _entry_projection(scope)
        entries = [public(e) for e in data.entries if e.project_id in visible_ids]
        entries.sort(key=lambda e: e.id)
        entries.sort(key=lambda e: e.date, reverse=True)

    expenses = _newest_first(
        _expense_projection(scope)(x) for x in data.expenses if scope.shows_cost(x, visible_ids)
    )
    public_trip = _trip_projection(scope, portal.settings.currency)
    trips = _newest_first(public_trip(t) for t in data.trips if scope.shows_cost(t, visible_ids))

    budgets = sorted(
        (_public(b, PortalBudget) for b in data.budgets if scope.shows_budget(b, visible_ids)),
        key=lambda b: (b.project_id, b.id),
    )
    invoices = _newest_first(
        _public(i, PortalInvoice, project_ids=i.project_ids & visible_ids)
        for i in data.invoices
        if scope.shows_document(i, visible_ids)
    )
    quotes = _newest_first(
        _public(q, PortalQuote, project_ids=q.project_ids & visible_ids)
        for q in data.quotes
        if scope.shows_document(q, visible_ids)
    )

    employees: list[PortalEmployee] = []
    if scope.entries or scope.expenses or scope.trips:
        wanted = set(portal.employee_ids)
        for p in projects:
            wanted |= p.member_ids
        wanted.update(e.employee_id for e in entries)
        wanted.update(x.employee_id for x in expenses)
        wanted.update(t.employee_id for t in trips)
        employees = sorted(
            (PortalEmployee(id=e.id, name=e.name) for e in data.employees if e.id in wanted),
            key=lambda e: (e.name, e.id),
        )

    awaiting = tuple(e for e in entries if e.status is AWAITING_CLIENT) if scope.approval else ()
    return PortalView(
        projects=tuple(PortalProject(id=p.id, name=p.name) for p in projects),
        entries=tuple(entries),
        budgets=tuple(budgets),
        invoices=invoices,
        quotes=quotes,
        employees=tuple(employees),
        awaiting_approval=awaiting,
        can_approve=scope.approval,
        expenses=expenses,
        trips=trips,
    )


def check_portal(portal: Portal, policy: ApprovalPolicy | None, data: Dataset) -> None:
    """Validate ``portal`` against the company's ``policy`` and ``data``.

    Raises one :class:`~clientportal.ConfigError` listing every problem: approval switched on
    without a client step in the policy, projects or contacts that are unknown or another
    client's, an unknown client, a language without a catalog.
    """
    problems: list[str] = []
    if not any(c.id == portal.client_id for c in data.clients):
        problems.append(f"client {portal.client_id!r} does not exist")
    if portal.settings.approval and not _has_client_step(policy):
        problems.append(
            "approval by the client is switched on, but the company's approval policy "
            f"({_describe(policy)}) has no client step: enable approval with workflow EXTERNAL, "
            "INTERNAL_EXTERNAL or EXTERNAL_INTERNAL, or switch the portal's approval off"
        )
    projects = {p.id: p for p in data.projects}
    for project_id in sorted(portal.project_ids):
        project = projects.get(project_id)
        if project is None:
            problems.append(f"project {project_id!r} does not exist")
        elif project.client_id != portal.client_id:
            problems.append(
                f"project {project_id!r} belongs to client {project.client_id!r}, not "
                f"{portal.client_id!r}: create a separate portal for that client"
            )
    contacts = {c.id: c for c in data.contacts}
    for contact_id in sorted(portal.contact_ids):
        contact = contacts.get(contact_id)
        if contact is None:
            problems.append(f"contact {contact_id!r} does not exist")
        elif contact.client_id != portal.client_id:
            problems.append(
                f"contact {contact_id!r} works for client {contact.client_id!r}, not "
                f"{portal.client_id!r}: they must not receive this portal's link"
            )
    primary = portal.language.replace("-", "_").split("_")[0].lower()
    if primary not in SUPPORTED_LANGUAGES:
        problems.append(
            f"language {portal.language!r} has no translation: choose one of "
            + ", ".join(SUPPORTED_LANGUAGES)
        )
    if problems:
        raise ConfigError(problems, subject=f"portal {portal.id!r}")


# --------------------------------------------------------------------------------------------------
# Helpers


def _visible_project_ids(scope: Scope, projects: Iterable[Project]) -> frozenset[str]:
    visible: set[str] = set()
    foreign: set[str] = set()
    for p in projects:
        if p.id not in scope.project_ids:
            continue
        (visible if p.client_id == scope.client_id else foreign).add(p.id)
    clash = visible & foreign
    if clash:
        raise ValidationError(
            (
                f"project id {pid!r} appears for client {scope.client_id!r} and for another client"
                for pid in sorted(clash)
            ),
            summary="ambiguous projects: ids must be unique",
        )
    return frozenset(visible)


_Dated = TypeVar("_Dated", PortalInvoice, PortalQuote, PortalExpense, PortalTrip)
_P = TypeVar("_P", PortalBudget, PortalInvoice, PortalQuote, PortalExpense)


def _entry_projection(scope: Scope) -> Callable[[TimeEntry], PortalEntry]:
    descriptions = scope.descriptions
    shows_amount = scope.shows_amount

    def public(e: TimeEntry) -> PortalEntry:
        rate = e.rate if shows_amount(e.billable) else None
        return PortalEntry(
            e.id,
            e.project_id,
            e.employee_id,
            e.date,
            e.seconds,
            e.description if descriptions else None,
            e.task,
            e.billable,
            e.approval.status,
            e.approval.version,
            rate,
            None if rate is None else entry_amount(rate, e.seconds),
        )

    return public


def _expense_projection(scope: Scope) -> Callable[[Expense], PortalExpense]:
    descriptions = scope.cost_descriptions

    def public(x: Expense) -> PortalExpense:
        return _public(
            x,
            PortalExpense,
            description=x.description if descriptions else None,
            status=x.approval.status,
            version=x.approval.version,
        )

    return public


def _trip_projection(scope: Scope, portal_currency: str) -> Callable[[Trip], PortalTrip]:
    descriptions = scope.cost_descriptions
    amounts = scope.trip_amounts

    def public(t: Trip) -> PortalTrip:
        rate = t.rate if amounts else None
        return PortalTrip(
            id=t.id,
            project_id=t.project_id,
            employee_id=t.employee_id,
            date=t.date,
            distance=t.distance,
            description=t.description if descriptions else None,
            origin=t.origin if descriptions else None,
            destination=t.destination if descriptions else None,
            billable=t.billable,
            status=t.approval.status,
            version=t.approval.version,
            rate=rate,
            amount=None if rate is None else trip_amount(rate, t.distance),
            currency=None if rate is None else (t.currency or portal_currency),
        )

    return public


def _public(record: object, public: type[_P], **changes: object) -> _P:
    """``record`` as the public record ``public``: only the fields ``public`` declares, taken
    from ``record`` (those in ``changes`` replaced). A field the public type lacks cannot leak."""
    values: dict[str, Any] = {
        f.name: changes[f.name] if f.name in changes else getattr(record, f.name)
        for f in attrs.fields(public)
    }
    return public(**values)


def _newest_first(docs: Iterable[_Dated]) -> tuple[_Dated, ...]:
    ordered = sorted(docs, key=lambda d: d.id)
    ordered.sort(key=lambda d: d.date, reverse=True)
    return tuple(ordered)


def _has_client_step(policy: ApprovalPolicy | None) -> bool:
    """Whether the company's approval ``policy`` lets a client approve (``None``: there is none,
    so no client step: a portal that asks for one is a ConfigError, never a crash)."""
    return policy is not None and policy.client_approves


def _describe(policy: ApprovalPolicy | None) -> str:
    if policy is None:
        return "none given"
    if not policy.enabled:
        return "approval disabled"
    return f"workflow {policy.workflow.name}"
