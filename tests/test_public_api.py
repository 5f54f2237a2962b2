"""The public names exist where the design pins them, and importing the package stays light."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import clientportal
from clientportal import model

PINNED = [
    "Portal",
    "PortalSettings",
    "Dataset",
    "portal_view",
    "visible_entries",
    "Scope",
    "check_portal",
    "BudgetType",
    "Workflow",
    "ApprovalPolicy",
    "ApprovalStatus",
    "ApprovalState",
    "ClientPortalError",
    "ValidationError",
    "ConfigError",
]

CONTRACT = [
    "Client",
    "Contact",
    "Employee",
    "Project",
    "TimeEntry",
    "BudgetType",
    "Budget",
    "DocumentStatus",
    "Invoice",
    "Quote",
    "PortalSettings",
    "Portal",
    "Dataset",
    "Workflow",
    "ApprovalPolicy",
    "ApprovalStatus",
    "ApprovalState",
    "ItemKind",
    "ItemRef",
    "Expense",
    "Trip",
]


#: Every public name of the package, listed by hand (as httpx's ``test_exported_members``): adding
#: or dropping a name is a visible change of this list. Test helpers (``ManualClock``,
#: ``MemoryAccessLog``, ``MemoryPortalStore``) and internals (the token claims, ``AccessCodec``,
#: ``OneTimeCode``, ``PortalAccess``) stay importable from their modules, not from here.
EXPORTED = [
    "AccessAction",
    "AccessDenied",
    "AccessEvent",
    "AccessGate",
    "AccessLog",
    "AccessMode",
    "AccessPolicy",
    "Action",
    "Actor",
    "ApprovalEvent",
    "ApprovalMachine",
    "ApprovalPolicy",
    "ApprovalState",
    "ApprovalStatus",
    "Budget",
    "BudgetType",
    "ChangedMeanwhile",
    "Client",
    "ClientApprovalRequested",
    "ClientPortalError",
    "Clock",
    "CodeAttemptsExceeded",
    "CodeDelivery",
    "CodeExpired",
    "CodeRequired",
    "ConfigError",
    "Contact",
    "DataSource",
    "DataSourceError",
    "Dataset",
    "DecisionResult",
    "DeliveryError",
    "DeliveryReport",
    "DocumentStatus",
    "Effect",
    "Employee",
    "EntryApproved",
    "EntryCursor",
    "EntryEmployees",
    "EntryOutcome",
    "EntryQuery",
    "EntryRejected",
    "EntryReopened",
    "EntryTotals",
    "Event",
    "EventLog",
    "Expense",
    "GenerationMismatch",
    "HoursPage",
    "IdOrder",
    "InvalidCode",
    "InvalidCsrfToken",
    "InvalidReason",
    "InvalidToken",
    "Invoice",
    "IssuedLink",
    "ItemKind",
    "ItemRef",
    "Link",
    "LinkExpired",
    "LinkRegister",
    "LinkRevoked",
    "LinkStatus",
    "MailSettings",
    "Mailer",
    "MemoryDataSource",
    "MemoryStore",
    "NewEvent",
    "NotFound",
    "Opening",
    "Outcome",
    "Overview",
    "Party",
    "Portal",
    "PortalBudget",
    "PortalEmployee",
    "PortalEntry",
    "PortalExpense",
    "PortalInactive",
    "PortalInvoice",
    "PortalProject",
    "PortalQuote",
    "PortalService",
    "PortalSettings",
    "PortalStore",
    "PortalTrip",
    "PortalView",
    "Project",
    "Quote",
    "QuoteDecision",
    "RateLimited",
    "RateLimiter",
    "RedactTokens",
    "ReminderPolicy",
    "Scope",
    "SessionEnded",
    "SessionExpired",
    "SessionGrant",
    "SignOff",
    "SmtpMailer",
    "Store",
    "SystemClock",
    "TimeEntry",
    "TokenBucketLimiter",
    "Totals",
    "Transition",
    "TransitionNotAllowed",
    "Trip",
    "ValidationError",
    "Visit",
    "Workflow",
    "WorkflowError",
    "approval_machine",
    "check_portal",
    "deliver_outbox",
    "entry_amount",
    "is_editable",
    "portal_view",
    "redact_tokens",
    "run_outbox_worker",
    "to_mermaid",
    "trip_amount",
    "verify_signature",
    "visible_entries",
    "visible_expenses",
    "visible_trips",
]


def test_the_package_exports_exactly_the_listed_names() -> None:
    exported = sorted(
        name
        for name in dir(clientportal)
        if not name.startswith("_") and not isinstance(getattr(clientportal, name), ModuleType)
    )
    assert exported == sorted(EXPORTED)


def test_test_helpers_and_internals_stay_in_their_modules() -> None:
    from clientportal.access import AccessCodec, LinkClaim, PendingClaim, SessionClaim
    from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore

    for helper in (AccessCodec, LinkClaim, PendingClaim, SessionClaim, ManualClock,
                   MemoryAccessLog, MemoryPortalStore):  # fmt: skip
        assert not hasattr(clientportal, helper.__name__)


def test_pinned_names_import_from_the_package() -> None:
    namespace: dict[str, object] = {}
    exec(f"from clientportal import {', '.join(PINNED)}", namespace)
    assert all(name in namespace for name in PINNED)


def test_every_contract_class_imports_from_model() -> None:
    assert all(hasattr(model, name) for name in CONTRACT)
    assert set(CONTRACT) <= set(model.__all__)


def test_errors_share_one_base_class() -> None:
    assert issubclass(clientportal.ValidationError, clientportal.ClientPortalError)
    assert issubclass(clientportal.ConfigError, clientportal.ClientPortalError)


def test_importing_clientportal_imports_no_framework_database_or_template_engine() -> None:
    heavy = ["sqlalchemy", "jinja2", "flask", "django", "fastapi", "starlette", "click",
             "hypothesis", "psycopg", "waitress"]  # fmt: skip
    code = f"import sys, clientportal\nprint(','.join(m for m in {heavy!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
