"""The public names exist where the design pins them, and importing the package stays light."""

from __future__ import annotations

import subprocess
import sys

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
]


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
