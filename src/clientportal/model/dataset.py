"""A whole dataset, as the pure filter sees it."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from .. import _validators as cv
from .costs import Expense, Trip
from .records import Budget, Client, Contact, Employee, Invoice, Project, Quote, TimeEntry


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
    expenses: tuple[Expense, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(Expense)
    )
    trips: tuple[Trip, ...] = field(
        default=(), converter=cv.to_tuple, validator=_unique_records(Trip)
    )
