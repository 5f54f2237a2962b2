"""The domain values of the data contract (DESIGN.md §3).

Every class is a frozen attrs value with declarative validators: ids are non-empty strings,
durations are whole seconds, money is ``Decimal`` with an ISO 4217 currency, datetimes are
timezone-aware. Change a value with ``attrs.evolve``. Field names are the JSON wire names.
"""

from __future__ import annotations

from .approval import ApprovalPolicy, ApprovalState, ApprovalStatus, Workflow
from .costs import Expense, ItemKind, ItemRef, Trip
from .dataset import Dataset
from .portal import SUPPORTED_LANGUAGES, Portal, PortalSettings
from .records import (
    Budget,
    BudgetType,
    Client,
    Contact,
    DocumentStatus,
    Employee,
    Invoice,
    Project,
    Quote,
    TimeEntry,
)

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
    "Expense",
    "Invoice",
    "ItemKind",
    "ItemRef",
    "Portal",
    "PortalSettings",
    "Project",
    "Quote",
    "TimeEntry",
    "Trip",
    "Workflow",
]
