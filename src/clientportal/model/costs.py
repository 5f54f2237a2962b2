"""What a project costs besides hours: expenses and trips (mileage), and the kinds of item a
client approves."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from .approval import ApprovalState


class ItemKind(enum.Enum):
    """What an approval is about: a time entry, an expense or a trip. The workflow is the same
    for every kind; the audit trail, the stores and the e-mails name the kind."""

    ENTRY = "entry"
    EXPENSE = "expense"
    TRIP = "trip"


@frozen
class Expense:
    """Money one employee spent on a project on one day (a train ticket, a licence, a dinner).

    ``amount`` is in ``currency``. ``receipt`` says the host keeps a receipt for it.
    ``internal_note`` is internal: it never reaches a client.
    """

    id: str = field(validator=cv.identifier)
    project_id: str = field(validator=cv.identifier)
    employee_id: str = field(validator=cv.identifier)
    date: dt.date = field(validator=cv.plain_date)
    amount: Decimal = field(validator=cv.non_negative_money)
    currency: str = field(validator=cv.currency)
    description: str | None = field(default=None, validator=cv.optional_text)
    category: str | None = field(default=None, validator=cv.optional_text)
    billable: bool = field(default=True, validator=cv.boolean)
    internal_note: str | None = field(default=None, validator=cv.optional_text)
    receipt: bool = field(default=False, validator=cv.boolean)
    approval: ApprovalState = field(factory=ApprovalState, validator=v.instance_of(ApprovalState))


@frozen
class Trip:
    """A journey one employee made for a project on one day: ``distance`` in kilometres.

    ``rate`` is the price per kilometre in ``currency`` (the portal's currency when ``None``);
    like an entry's rate it reaches a client only with ``PortalSettings.show_amounts``.
    ``internal_note`` never does.
    """

    id: str = field(validator=cv.identifier)
    project_id: str = field(validator=cv.identifier)
    employee_id: str = field(validator=cv.identifier)
    date: dt.date = field(validator=cv.plain_date)
    distance: Decimal = field(validator=cv.non_negative_money)
    description: str | None = field(default=None, validator=cv.optional_text)
    origin: str | None = field(default=None, validator=cv.optional_text)
    destination: str | None = field(default=None, validator=cv.optional_text)
    billable: bool = field(default=True, validator=cv.boolean)
    rate: Decimal | None = field(default=None, validator=cv.optional_non_negative_money)
    currency: str | None = field(default=None, validator=cv.optional_currency)
    internal_note: str | None = field(default=None, validator=cv.optional_text)
    approval: ApprovalState = field(factory=ApprovalState, validator=v.instance_of(ApprovalState))


@frozen
class ItemRef:
    """Names one item to decide on: its kind and id (``ItemRef.expense("x1")``). Where a
    decision takes items, a plain ``str`` names a time entry."""

    kind: ItemKind = field(validator=v.instance_of(ItemKind))
    id: str = field(validator=cv.identifier)

    @classmethod
    def entry(cls, id: str) -> ItemRef:
        """The time entry ``id``."""
        return cls(ItemKind.ENTRY, id)

    @classmethod
    def expense(cls, id: str) -> ItemRef:
        """The expense ``id``."""
        return cls(ItemKind.EXPENSE, id)

    @classmethod
    def trip(cls, id: str) -> ItemRef:
        """The trip ``id``."""
        return cls(ItemKind.TRIP, id)

    @classmethod
    def of(cls, item: str | ItemRef) -> ItemRef:
        """``item`` as a reference: a plain ``str`` is a time entry's id."""
        return item if isinstance(item, ItemRef) else cls.entry(item)
