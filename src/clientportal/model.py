"""The domain values of the data contract (DESIGN.md §3).

Every class is a frozen attrs value with declarative validators: ids are non-empty strings,
durations are whole seconds, money is ``Decimal`` with an ISO 4217 currency, datetimes are
timezone-aware. Change a value with ``attrs.evolve``. Field names are the JSON wire names.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from attrs import field, frozen
from attrs import validators as v

from . import _validators as cv
from .errors import ConfigError

__all__ = [
    "SUPPORTED_LANGUAGES",
    "ApprovalPolicy",
    "ApprovalState",
    "ApprovalStatus",
    "Budget",
    "BudgetType",
    "Client",
    "Contact",
    "Dataset",
    "DocumentStatus",
    "Employee",
    "Invoice",
    "Portal",
    "PortalSettings",
    "Project",
    "Quote",
    "TimeEntry",
    "Workflow",
]


# --------------------------------------------------------------------------------------------------
# Approval values (the state machine lives in workflow.py)


class Workflow(enum.Enum):
    """Who approves submitted hours, and in which order."""

    INTERNAL = "INTERNAL"
    EXTERNAL = "EXTERNAL"
    INTERNAL_EXTERNAL = "INTERNAL_EXTERNAL"
    EXTERNAL_INTERNAL = "EXTERNAL_INTERNAL"

    @property
    def includes_client(self) -> bool:
        """True when the client approves at some stage (every workflow but INTERNAL)."""
        return self is not Workflow.INTERNAL


class ApprovalStatus(enum.Enum):
    """Where a time entry stands in its approval workflow."""

    OPEN = "OPEN"
    PENDING_INTERNAL = "PENDING_INTERNAL"
    INTERNALLY_APPROVED = "INTERNALLY_APPROVED"
    PENDING_EXTERNAL = "PENDING_EXTERNAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@frozen
class ApprovalPolicy:
    """The company's approval settings (the "Approve" app of the source product)."""

    enabled: bool = field(default=False, validator=cv.boolean)
    workflow: Workflow = field(default=Workflow.INTERNAL, validator=v.instance_of(Workflow))
    auto_forward: bool = field(default=True, validator=cv.boolean)

    @property
    def client_approves(self) -> bool:
        """True when approval is on and its workflow has a client step."""
        return self.enabled and self.workflow.includes_client


@frozen
class ApprovalState:
    """The approval state of one time entry; ``workflow`` is captured when it is submitted."""

    status: ApprovalStatus = field(
        default=ApprovalStatus.OPEN, validator=v.instance_of(ApprovalStatus)
    )
    workflow: Workflow | None = field(default=None, validator=v.optional(v.instance_of(Workflow)))
    version: int = field(default=0, validator=cv.seconds)
    reason: str | None = field(default=None, validator=cv.optional_text)

    def __attrs_post_init__(self) -> None:
        if self.workflow is None and self.status is not ApprovalStatus.OPEN:
            raise ValueError(
                f"an entry in status {self.status.name} must name the workflow it was submitted "
                "under (workflow=...)"
            )


# --------------------------------------------------------------------------------------------------
# The host's time-tracking data


@frozen
class Client:
    """A customer of the company."""

    id: str = field(validator=cv.identifier)
    name: str = field(validator=cv.non_empty_text)


@frozen
class Contact:
    """A person at a client who may receive a portal link."""

    id: str = field(validator=cv.identifier)
    client_id: str = field(validator=cv.identifier)
    name: str = field(validator=cv.non_empty_text)
    email: str = field(validator=cv.email)
    language: str | None = field(default=None, validator=cv.optional_language)


@frozen
class Employee:
    """Somebody at the company who logs hours."""

    id: str = field(validator=cv.identifier)
    name: str = field(validator=cv.non_empty_text)


@frozen
class Project:
    """A client's project; ``member_ids`` are the employees currently on it."""

    id: str = field(validator=cv.identifier)
    client_id: str = field(validator=cv.identifier)
    name: str = field(validator=cv.non_empty_text)
    member_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )


@frozen
class TimeEntry:
    """Hours one employee logged on one project on one day.

    ``rate``, ``cost_rate`` and ``internal_note`` are internal: ``cost_rate`` and ``internal_note``
    never reach a client; ``rate`` only with ``PortalSettings.show_amounts``.
    """

    id: str = field(validator=cv.identifier)
    project_id: str = field(validator=cv.identifier)
    employee_id: str = field(validator=cv.identifier)
    date: dt.date = field(validator=cv.plain_date)
    seconds: int = field(validator=cv.seconds)
    description: str | None = field(default=None, validator=cv.optional_text)
    task: str | None = field(default=None, validator=cv.optional_text)
    billable: bool = field(default=True, validator=cv.boolean)
    rate: Decimal | None = field(default=None, validator=cv.optional_non_negative_money)
    cost_rate: Decimal | None = field(default=None, validator=cv.optional_non_negative_money)
    internal_note: str | None = field(default=None, validator=cv.optional_text)
    approval: ApprovalState = field(factory=ApprovalState, validator=v.instance_of(ApprovalState))


class BudgetType(enum.Enum):
    """How a project budget is measured (the source product's budget methods)."""

    TOTAL_HOURS = "TOTAL_HOURS"
    TASK_HOURS = "TASK_HOURS"
    EMPLOYEE_HOURS = "EMPLOYEE_HOURS"
    TOTAL_FEE = "TOTAL_FEE"
    TASK_FEE = "TASK_FEE"
    EMPLOYEE_FEE = "EMPLOYEE_FEE"
    TOTAL_COSTS = "TOTAL_COSTS"

    @property
    def is_money(self) -> bool:
        """True for fee and cost budgets (amounts in a currency), false for hour budgets."""
        return self in _MONEY_BUDGETS

    @property
    def per_task(self) -> bool:
        """True for budgets that belong to one task."""
        return self in (BudgetType.TASK_HOURS, BudgetType.TASK_FEE)

    @property
    def per_employee(self) -> bool:
        """True for budgets that belong to one employee."""
        return self in (BudgetType.EMPLOYEE_HOURS, BudgetType.EMPLOYEE_FEE)

    @property
    def is_internal(self) -> bool:
        """True for TOTAL_COSTS, which is about internal costs and never shown to a client."""
        return self is BudgetType.TOTAL_COSTS


_MONEY_BUDGETS = frozenset(
    {BudgetType.TOTAL_FEE, BudgetType.TASK_FEE, BudgetType.EMPLOYEE_FEE, BudgetType.TOTAL_COSTS}
)


@frozen
class Budget:
    """A project budget: ``amount`` planned and ``used`` so far, in hours or in ``currency``.

    Hour budgets have no currency; fee and cost budgets need one. Task budgets name their
    ``task`` and employee budgets their ``employee_id``.
    """

    id: str = field(validator=cv.identifier)
    project_id: str = field(validator=cv.identifier)
    type: BudgetType = field(validator=v.instance_of(BudgetType))
    amount: Decimal = field(validator=cv.non_negative_money)
    used: Decimal = field(validator=cv.non_negative_money)
    currency: str | None = field(default=None, validator=cv.optional_currency)
    task: str | None = field(default=None, validator=cv.optional_text)
    employee_id: str | None = field(default=None, validator=cv.optional_identifier)

    def __attrs_post_init__(self) -> None:
        kind = self.type.name
        if self.type.is_money and self.currency is None:
            raise ValueError(f"a {kind} budget is money: give its currency (e.g. 'EUR')")
        if not self.type.is_money and self.currency is not None:
            raise ValueError(f"a {kind} budget counts hours: it has no currency")
        if self.type.per_task != (self.task is not None):
            need = "needs" if self.type.per_task else "has no"
            raise ValueError(f"a {kind} budget {need} a task")
        if self.type.per_employee != (self.employee_id is not None):
            need = "needs" if self.type.per_employee else "has no"
            raise ValueError(f"a {kind} budget {need} an employee_id")


class DocumentStatus(enum.Enum):
    """The state of an invoice or quote. DRAFT documents are never shown to a client."""

    DRAFT = "DRAFT"
    SENT = "SENT"
    PAID = "PAID"
    OVERDUE = "OVERDUE"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    CREDITED = "CREDITED"


INVOICE_STATUSES = frozenset(
    {
        DocumentStatus.DRAFT,
        DocumentStatus.SENT,
        DocumentStatus.PAID,
        DocumentStatus.OVERDUE,
        DocumentStatus.CREDITED,
    }
)
QUOTE_STATUSES = frozenset(
    {
        DocumentStatus.DRAFT,
        DocumentStatus.SENT,
        DocumentStatus.ACCEPTED,
        DocumentStatus.DECLINED,
        DocumentStatus.EXPIRED,
    }
)


def _status_in(allowed: frozenset[DocumentStatus], kind: str) -> Any:
    names = ", ".join(sorted(s.name for s in allowed))

    def check(_: object, attribute: Any, value: object) -> None:
        if value not in allowed:
            shown = value.name if isinstance(value, DocumentStatus) else repr(value)
            raise ValueError(f"{attribute.name} of {kind} must be one of {names}, got {shown}")

    return check


def _not_before_date(instance: Any, attribute: Any, value: dt.date | None) -> None:
    cv.optional_plain_date(instance, attribute, value)
    # The converter checks fields one by one (instance None); the cross-check runs on __init__.
    if value is not None and instance is not None and value < instance.date:
        raise ValueError(f"{attribute.name} {value} is before the document date {instance.date}")


@frozen
class Invoice:
    """An invoice to a client; ``project_ids`` are the projects it bills. ``has_file``: the source
    has its file (``DataSource.document_file``): the pages offer a download (default ``True``)."""

    id: str = field(validator=cv.identifier)
    client_id: str = field(validator=cv.identifier)
    number: str = field(validator=cv.non_empty_text)
    date: dt.date = field(validator=cv.plain_date)
    amount: Decimal = field(validator=cv.money)
    currency: str = field(validator=cv.currency)
    status: DocumentStatus = field(validator=_status_in(INVOICE_STATUSES, "an invoice"))
    project_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    due_date: dt.date | None = field(default=None, validator=_not_before_date)
    has_file: bool = field(default=True, validator=cv.boolean)


@frozen
class Quote:
    """A quote (offer) to a client; ``project_ids`` are the projects it covers (``has_file``: as
    for :class:`Invoice`)."""

    id: str = field(validator=cv.identifier)
    client_id: str = field(validator=cv.identifier)
    number: str = field(validator=cv.non_empty_text)
    date: dt.date = field(validator=cv.plain_date)
    amount: Decimal = field(validator=cv.money)
    currency: str = field(validator=cv.currency)
    status: DocumentStatus = field(validator=_status_in(QUOTE_STATUSES, "a quote"))
    project_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    valid_until: dt.date | None = field(default=None, validator=_not_before_date)
    has_file: bool = field(default=True, validator=cv.boolean)


# --------------------------------------------------------------------------------------------------
# The portal

#: The languages a portal can be shown in (the catalogs the library ships).
SUPPORTED_LANGUAGES = ("nl", "en", "de", "fr", "es", "pl")

DOCUMENT_SCOPES = ("client", "projects")


@frozen
class PortalSettings:
    """What a portal shows. The defaults are the source product's: hours with descriptions.

    ``documents_scope="client"`` shows *all* the client's invoices and quotes, whatever projects are
    selected (as the source product does); ``"projects"`` only those linked to a visible project.

    ``currency`` (ISO 4217) is what the portal's rates and amounts are in: entries carry no currency
    of their own. With ``show_amounts``, a non-billable entry shows no amount unless
    ``show_non_billable_amounts`` (the client is not billed for it).
    """

    show_hours: bool = field(default=True, validator=cv.boolean)
    show_descriptions: bool = field(default=True, validator=cv.boolean)
    show_budget: bool = field(default=False, validator=cv.boolean)
    show_invoices: bool = field(default=False, validator=cv.boolean)
    show_quotes: bool = field(default=False, validator=cv.boolean)
    approval: bool = field(default=False, validator=cv.boolean)
    show_amounts: bool = field(default=False, validator=cv.boolean)
    documents_scope: str = field(default="client", validator=v.in_(DOCUMENT_SCOPES))
    currency: str = field(default="EUR", validator=cv.currency)
    show_non_billable_amounts: bool = field(default=False, validator=cv.boolean)


@frozen(kw_only=True)
class Portal:
    """One client portal: which client, in which language, showing what, to whom.

    ``employee_ids`` is the employee filter's snapshot: the members of the selected projects when
    the portal was created. It only ever grows, so somebody removed from a project later stays in
    the filter (as in the source product). Build a portal with :meth:`Portal.create`.
    """

    id: str = field(validator=cv.identifier)
    client_id: str = field(validator=cv.identifier)
    name: str = field(validator=cv.non_empty_text)
    language: str = field(default="en", validator=cv.language)
    settings: PortalSettings = field(
        factory=PortalSettings, validator=v.instance_of(PortalSettings)
    )
    project_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    contact_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    employee_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    created_at: dt.datetime = field(validator=cv.aware_datetime)
    active: bool = field(default=True, validator=cv.boolean)

    @classmethod
    def create(
        cls,
        *,
        id: str,
        client_id: str,
        name: str,
        projects: Iterable[Project],
        created_at: dt.datetime,
        language: str = "en",
        settings: PortalSettings | None = None,
        contact_ids: Iterable[str] = (),
    ) -> Portal:
        """A new portal showing ``projects``, its employee filter taken from their members.

        Raises :class:`~clientportal.ConfigError` when a project belongs to another client.
        """
        selected = tuple(projects)
        _require_own_projects(client_id, selected)
        return cls(
            id=id,
            client_id=client_id,
            name=name,
            language=language,
            settings=PortalSettings() if settings is None else settings,
            project_ids=frozenset(p.id for p in selected),
            contact_ids=cv.to_frozenset(contact_ids),
            employee_ids=frozenset().union(*(p.member_ids for p in selected)),
            created_at=created_at,
        )

    def with_projects(self, projects: Iterable[Project]) -> Portal:
        """This portal showing exactly ``projects``; their members join the employee filter."""
        selected = tuple(projects)
        _require_own_projects(self.client_id, selected)
        return Portal(
            id=self.id,
            client_id=self.client_id,
            name=self.name,
            language=self.language,
            settings=self.settings,
            project_ids=frozenset(p.id for p in selected),
            contact_ids=self.contact_ids,
            employee_ids=self.employee_ids.union(*(p.member_ids for p in selected)),
            created_at=self.created_at,
            active=self.active,
        )


def _require_own_projects(client_id: str, projects: tuple[Project, ...]) -> None:
    foreign = [p for p in projects if p.client_id != client_id]
    if foreign:
        raise ConfigError(
            f"project {p.id!r} belongs to client {p.client_id!r}, not {client_id!r}: "
            "a portal shows only its own client's projects (create a portal per client)"
            for p in foreign
        )


# --------------------------------------------------------------------------------------------------
# A whole dataset, as the pure filter sees it


def _unique_records(kind: type[Any]) -> Any:
    def check(_: object, attribute: Any, value: tuple[Any, ...]) -> None:
        seen: set[str] = set()
        for index, record in enumerate(value):
            if not isinstance(record, kind):
                raise TypeError(
                    f"{attribute.name}[{index}] must be a {kind.__name__}, "
                    f"got {type(record).__name__}"
                )
            if record.id in seen:
                raise ValueError(
                    f"{attribute.name}[{index}] repeats id {record.id!r}: ids must be unique"
                )
            seen.add(record.id)

    return check


@frozen
class Dataset:
    """Everything the visibility filter looks at, as tuples of records with unique ids."""

    clients: tuple[Client, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(Client)
    )
    contacts: tuple[Contact, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(Contact)
    )
    employees: tuple[Employee, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(Employee)
    )
    projects: tuple[Project, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(Project)
    )
    entries: tuple[TimeEntry, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(TimeEntry)
    )
    budgets: tuple[Budget, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(Budget)
    )
    invoices: tuple[Invoice, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(Invoice)
    )
    quotes: tuple[Quote, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(Quote)
    )
