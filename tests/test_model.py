"""The data contract's validators: bad values are refused with a message that names them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import attrs
import pytest

from clientportal import model
from clientportal.model import (
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
    Contact,
    Dataset,
    DocumentStatus,
    Invoice,
    Portal,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    Workflow,
)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DAY = dt.date(2026, 1, 1)

PINNED_FIELDS = {
    "Client": ["id", "name"],
    "Contact": ["id", "client_id", "name", "email", "language"],
    "Employee": ["id", "name"],
    "Project": ["id", "client_id", "name", "member_ids"],
    "TimeEntry": [
        "id", "project_id", "employee_id", "date", "seconds", "description", "task", "billable",
        "rate", "cost_rate", "internal_note", "approval",
    ],
    "Budget": ["id", "project_id", "type", "amount", "used", "currency", "task", "employee_id"],
    "Invoice": [
        "id", "client_id", "number", "date", "amount", "currency", "status", "project_ids",
        "due_date", "has_file",
    ],
    "Quote": [
        "id", "client_id", "number", "date", "amount", "currency", "status", "project_ids",
        "valid_until", "has_file",
    ],
    "PortalSettings": [
        "show_hours", "show_descriptions", "show_budget", "show_invoices", "show_quotes",
        "approval", "show_amounts", "documents_scope", "currency", "show_non_billable_amounts",
        "show_expenses", "show_trips",
    ],
    "Portal": [
        "id", "client_id", "name", "language", "settings", "project_ids", "contact_ids",
        "employee_ids", "created_at", "active",
    ],
    "Dataset": [
        "clients", "contacts", "employees", "projects", "entries", "budgets", "invoices", "quotes",
        "expenses", "trips",
    ],
    "Expense": [
        "id", "project_id", "employee_id", "date", "amount", "currency", "description",
        "category", "billable", "internal_note", "receipt", "approval",
    ],
    "Trip": [
        "id", "project_id", "employee_id", "date", "distance", "description", "origin",
        "destination", "billable", "rate", "currency", "internal_note", "approval",
    ],
    "ApprovalPolicy": ["enabled", "workflow", "auto_forward"],
    "ApprovalState": ["status", "workflow", "version", "reason"],
}  # fmt: skip


@pytest.mark.parametrize(("name", "fields"), PINNED_FIELDS.items())
def test_pinned_classes_have_exactly_the_contract_fields(name: str, fields: list[str]) -> None:
    cls = getattr(model, name)
    assert [a.name for a in attrs.fields(cls)] == fields


def test_pinned_enums_have_exactly_the_contract_members() -> None:
    assert [m.name for m in model.BudgetType] == [
        "TOTAL_HOURS", "TASK_HOURS", "EMPLOYEE_HOURS", "TOTAL_FEE", "TASK_FEE", "EMPLOYEE_FEE",
        "TOTAL_COSTS",
    ]  # fmt: skip
    assert [m.name for m in model.DocumentStatus] == [
        "DRAFT", "SENT", "PAID", "OVERDUE", "ACCEPTED", "DECLINED", "EXPIRED", "CREDITED",
    ]  # fmt: skip
    assert [m.name for m in Workflow] == [
        "INTERNAL", "EXTERNAL", "INTERNAL_EXTERNAL", "EXTERNAL_INTERNAL",
    ]  # fmt: skip
    assert [(m.name, m.value) for m in model.ItemKind] == [
        ("ENTRY", "entry"), ("EXPENSE", "expense"), ("TRIP", "trip"),
    ]  # fmt: skip
    assert [m.name for m in ApprovalStatus] == [
        "OPEN", "PENDING_INTERNAL", "INTERNALLY_APPROVED", "PENDING_EXTERNAL", "APPROVED",
        "REJECTED",
    ]  # fmt: skip


def test_defaults_are_the_source_products() -> None:
    s = PortalSettings()
    assert (s.show_hours, s.show_descriptions, s.show_budget) == (True, True, False)
    assert (s.show_invoices, s.show_quotes, s.approval, s.show_amounts) == (False,) * 4
    assert s.documents_scope == "client"
    assert (s.show_expenses, s.show_trips) == (False, False)
    assert ApprovalState() == ApprovalState(ApprovalStatus.OPEN, None, 0, None)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Project("", "c", "P"), "id must be a non-empty id"),
        (lambda: Project(" p", "c", "P"), "without surrounding spaces"),
        (lambda: Project(5, "c", "P"), "id must be a string id, got int"),
        (lambda: Project("p", "c", "P", member_ids="eva"), "got the single string 'eva'"),
        (lambda: TimeEntry("e", "p", "u", DAY, -1), "seconds must be >= 0, got -1"),
        (lambda: TimeEntry("e", "p", "u", DAY, 1.5), "seconds must be whole seconds"),
        (lambda: TimeEntry("e", "p", "u", DAY, True), "seconds must be whole seconds"),
        (lambda: TimeEntry("e", "p", "u", NOW, 60), "date must be a datetime.date"),
        (lambda: TimeEntry("e", "p", "u", DAY, 60, rate=80.0), "floats lose cents"),
        (lambda: TimeEntry("e", "p", "u", DAY, 60, rate=Decimal("NaN")), "finite"),
        (lambda: TimeEntry("e", "p", "u", DAY, 60, rate=Decimal(-1)), "rate must be >= 0"),
        (lambda: TimeEntry("e", "p", "u", DAY, 60, billable="yes"), "true or false"),
        (
            lambda: Invoice("i", "c", "1", DAY, Decimal(1), "eur", DocumentStatus.SENT),
            "ISO 4217 code of three capitals",
        ),
        (
            lambda: Invoice("i", "c", "1", DAY, Decimal(1), "XYZ", DocumentStatus.SENT),
            "'XYZ' is not an ISO 4217 currency",
        ),
        (
            lambda: Invoice("i", "c", "1", DAY, Decimal(1), "EUR", DocumentStatus.ACCEPTED),
            "status of an invoice must be one of",
        ),
        (
            lambda: Quote("q", "c", "1", DAY, Decimal(1), "EUR", DocumentStatus.PAID),
            "status of a quote must be one of",
        ),
        (
            lambda: Invoice(
                "i",
                "c",
                "1",
                DAY,
                Decimal(1),
                "EUR",
                DocumentStatus.SENT,
                due_date=dt.date(2025, 12, 31),
            ),
            "due_date 2025-12-31 is before the document date",
        ),
        (
            lambda: Budget("b", "p", BudgetType.TOTAL_FEE, Decimal(1), Decimal(0)),
            "TOTAL_FEE budget is money: give its currency",
        ),
        (
            lambda: Budget("b", "p", BudgetType.TOTAL_HOURS, Decimal(1), Decimal(0), "EUR"),
            "TOTAL_HOURS budget counts hours: it has no currency",
        ),
        (
            lambda: Budget("b", "p", BudgetType.TASK_HOURS, Decimal(1), Decimal(0)),
            "TASK_HOURS budget needs a task",
        ),
        (
            lambda: Budget("b", "p", BudgetType.EMPLOYEE_FEE, Decimal(1), Decimal(0), "EUR"),
            "EMPLOYEE_FEE budget needs an employee_id",
        ),
        (lambda: Contact("k", "c", "K", "not-an-address"), "must be one e-mail address"),
        (lambda: Contact("k", "c", "K", "k@c.example", "xx_QQ"), "language tag Babel knows"),
        (
            lambda: Portal(id="p", client_id="c", name="P", created_at=dt.datetime(2026, 1, 1)),
            "created_at must be timezone-aware",
        ),
        (lambda: PortalSettings(documents_scope="all"), "documents_scope"),
        (
            lambda: ApprovalState(ApprovalStatus.APPROVED),
            "must name the workflow it was submitted under",
        ),
        (
            lambda: Dataset(projects=[Project("p", "a", "A"), Project("p", "b", "B")]),
            "projects\\[1\\] repeats id 'p'",
        ),
        (lambda: Dataset(entries=[Project("p", "a", "A")]), "entries\\[0\\] must be a TimeEntry"),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_them(build, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        build()


@pytest.mark.parametrize(
    ("record", "changes", "message"),
    [
        (TimeEntry("e", "p", "u", DAY, 60), {"seconds": -1}, "seconds must be >= 0, got -1"),
        (Project("p", "c", "P"), {"member_ids": "eva"}, "got the single string 'eva'"),
        (
            Portal(id="p", client_id="c", name="P", created_at=NOW),
            {"created_at": dt.datetime(2026, 1, 1)},
            "created_at must be timezone-aware",
        ),
        (
            Budget("b", "p", BudgetType.TOTAL_HOURS, Decimal(1), Decimal(0)),
            {"type": BudgetType.TOTAL_FEE},
            "TOTAL_FEE budget is money: give its currency",
        ),
        (ApprovalState(), {"status": ApprovalStatus.APPROVED}, "must name the workflow"),
    ],
    ids=["entry", "project", "portal", "budget across fields", "approval state"],
)
def test_a_record_changed_with_evolve_is_checked_like_a_new_one(
    record: object, changes: dict[str, object], message: str
) -> None:
    # Records are values: a change is a new record, checked like one, so a record that passed
    # the boundary stays valid whoever changes it.
    with pytest.raises((TypeError, ValueError), match=message):
        attrs.evolve(record, **changes)


def test_collections_accept_any_iterable_and_store_immutable_values() -> None:
    project = Project("p", "c", "P", member_ids=["eva", "tom", "eva"])
    assert project.member_ids == frozenset({"eva", "tom"})
    data = Dataset(projects=[project])
    assert data.projects == (project,)


def test_languages_babel_parses_in_either_separator() -> None:
    for tag in ("nl", "en_GB", "en-GB", "pt_BR"):
        assert Contact("k", "c", "K", "k@c.example", tag).language == tag


@pytest.mark.parametrize(
    ("bad_id", "problem"),
    [
        ("", "non-empty id without surrounding spaces"),
        (" p1", "non-empty id without surrounding spaces"),
        ("p\n1", "without control characters or U+FFFD"),
        ("p\x7f1", "without control characters or U+FFFD"),
        ("p\ufffd1", "without control characters or U+FFFD"),
        ("p" + chr(0xD800) + "1", "without control characters or U+FFFD"),  # a lone surrogate
        ("p" * 201, "at most 200 characters, got 201"),
    ],
)
def test_an_id_is_what_every_url_cursor_form_and_csv_can_carry(bad_id: str, problem: str) -> None:
    # One rule for ids (the web layer refuses exactly what the model refuses, no more).
    with pytest.raises(ValueError, match=re.escape(problem)):
        Project(bad_id, "acme", "Website")
    assert Project("p" * 200, "acme", "Website").id == "p" * 200


def test_an_expense_and_a_trip_refuse_what_cannot_be_money_or_distance() -> None:
    day = dt.date(2026, 3, 2)
    ok = model.Expense("x1", "p1", "e1", day, Decimal("12.50"), "EUR")
    assert (ok.billable, ok.receipt, ok.approval) == (True, False, ApprovalState())
    trip = model.Trip("t1", "p1", "e1", day, Decimal("42.5"))
    assert (trip.rate, trip.currency, trip.billable) == (None, None, True)
    with pytest.raises(ValueError, match="amount must be >= 0"):
        model.Expense("x1", "p1", "e1", day, Decimal("-1"), "EUR")
    with pytest.raises(ValueError, match="'EUX' is not an ISO 4217 currency code"):
        model.Expense("x1", "p1", "e1", day, Decimal("1"), "EUX")
    with pytest.raises(TypeError, match=r"distance must be a decimal\.Decimal"):
        model.Trip("t1", "p1", "e1", day, 42.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="currency must be an ISO 4217 code"):
        model.Trip("t1", "p1", "e1", day, Decimal("3"), rate=Decimal("0.23"), currency="euro")
    with pytest.raises(ValueError, match="expenses\\[1\\] repeats id 'x1'"):
        model.Dataset(expenses=[ok, ok])
