"""The host's time-tracking data: clients, contacts, employees, projects, entries, budgets,
invoices and quotes."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from .approval import ApprovalState

# --------------------------------------------------------------------------------------------------
# The host's time-tracking data


@frozen
class Client:
    """A customer of the company."""

    id: str = field(validator=cv.identifier)
    name: str = field(validator=cv.non_empty_text)


@frozen
class Contact:
    """A person at a client who may receive a portal link. A contact without an ``email``
    (``None``) is on portals and holds links like any other, and simply receives no e-mail."""

    id: str = field(validator=cv.identifier)
    client_id: str = field(validator=cv.identifier)
    name: str = field(validator=cv.non_empty_text)
    email: str | None = field(default=None, validator=cv.optional_email)
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
