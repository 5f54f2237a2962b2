"""The kit on a host's own DataSource, as an adopter runs it: a SQLite schema with integer ids,
durations in minutes, unique client names, one rate per project, invoices of exactly one project
with a due date, at most an hours and a fee budget per project, and no members, tasks, contact
languages, quotes, expenses or trips. The kit's part is the class below: a loader of <= 20 lines
and a few declarations (the test measures the lines)."""

from __future__ import annotations

import datetime as dt
import inspect
import sqlite3
from decimal import Decimal

from clientportal.memory import MemoryDataSource
from clientportal.model import (
    Budget,
    BudgetType,
    Client,
    Contact,
    Dataset,
    DocumentStatus,
    Employee,
    Invoice,
    Project,
    TimeEntry,
)
from clientportal.ports import ApprovalStore, DataSource, IdOrder
from clientportal.testing.contract import DataSourceContract, Missing

SCHEMA = """
CREATE TABLE clients (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
CREATE TABLE contacts (id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients,
    name TEXT NOT NULL, email TEXT);
CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE projects (id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients,
    name TEXT NOT NULL, rate TEXT);
CREATE TABLE entries (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects,
    employee_id INTEGER NOT NULL REFERENCES employees, day TEXT NOT NULL,
    minutes INTEGER NOT NULL, description TEXT, billable INTEGER NOT NULL);
CREATE TABLE budgets (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects,
    kind TEXT NOT NULL CHECK (kind IN ('TOTAL_HOURS', 'TOTAL_FEE')), amount TEXT NOT NULL,
    used TEXT NOT NULL, UNIQUE (project_id, kind));
CREATE TABLE invoices (id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients,
    project_id INTEGER NOT NULL REFERENCES projects, number TEXT NOT NULL, day TEXT NOT NULL,
    due TEXT NOT NULL, amount TEXT NOT NULL, status TEXT NOT NULL);
"""


class HostSource(MemoryDataSource):
    """The host's DataSource over its tables (this one reads them whole: the kit does not care
    how a source answers, only what)."""

    def __init__(self, db: sqlite3.Connection, store: ApprovalStore) -> None:
        def rows(sql: str) -> list[tuple[object, ...]]:
            return list(db.execute(sql))

        rate = dict(rows("SELECT id, rate FROM projects"))
        dataset = Dataset(
            clients=[Client(str(i), n) for i, n in rows("SELECT * FROM clients")],
            contacts=[
                Contact(str(i), str(c), n, e) for i, c, n, e in rows("SELECT * FROM contacts")
            ],
            employees=[Employee(str(i), n) for i, n in rows("SELECT * FROM employees")],
            projects=[Project(str(i), str(c), n) for i, c, n, _ in rows("SELECT * FROM projects")],
            entries=[
                TimeEntry(
                    id=str(i),
                    project_id=str(p),
                    employee_id=str(u),
                    date=dt.date.fromisoformat(day),
                    seconds=minutes * 60,
                    description=text,
                    billable=bool(billable),
                    rate=None if rate[p] is None else Decimal(rate[p]),
                )
                for i, p, u, day, minutes, text, billable in rows("SELECT * FROM entries")
            ],
            budgets=[
                Budget(str(i), str(p), BudgetType[k], Decimal(a), Decimal(u), _eur(BudgetType[k]))
                for i, p, k, a, u in rows("SELECT * FROM budgets")
            ],
            invoices=[
                Invoice(
                    id=str(i),
                    client_id=str(c),
                    number=number,
                    date=dt.date.fromisoformat(day),
                    amount=Decimal(amount),
                    currency="EUR",
                    status=DocumentStatus[status],
                    project_ids=frozenset({str(p)}),
                    due_date=dt.date.fromisoformat(due),
                    has_file=False,
                )
                for i, c, p, number, day, due, amount, status in rows("SELECT * FROM invoices")
            ],
        )
        super().__init__(dataset, store, id_order=IdOrder.INTEGER)


def _eur(kind: BudgetType) -> str | None:
    return "EUR" if kind.is_money else None


class TestHostSqliteSource(DataSourceContract):
    ids = IdOrder.INTEGER
    cannot_hold = frozenset(
        {
            Missing.DUPLICATE_CLIENT_NAMES, Missing.RATES_PER_PROJECT, Missing.SECONDS,
            Missing.ONE_PROJECT_PER_INVOICE, Missing.DOCUMENTS_WITHOUT_DUE_DATE, Missing.MEMBERS,
            Missing.SEVERAL_BUDGETS_OF_A_TYPE, Missing.CONTACT_LANGUAGES, Missing.TASKS,
            Missing.COST_RATES, Missing.INTERNAL_NOTES, Missing.CURRENCIES, Missing.QUOTES,
            Missing.DOCUMENT_FILES, Missing.EXPENSES, Missing.TRIPS,
        }
    )  # fmt: skip
    budget_types = frozenset({BudgetType.TOTAL_HOURS, BudgetType.TOTAL_FEE})
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.executescript(SCHEMA)

    def load(self, d: Dataset) -> None:  # the loader: <= 20 lines
        rate = {e.project_id: e.rate for e in reversed(d.entries)}  # one rate per project
        rows = {
            "clients": [(int(c.id), c.name) for c in d.clients],
            "contacts": [(int(c.id), int(c.client_id), c.name, c.email) for c in d.contacts],
            "employees": [(int(e.id), e.name) for e in d.employees],
            "projects": [(int(p.id), int(p.client_id), p.name, None if rate.get(p.id) is None else str(rate[p.id])) for p in d.projects],  # noqa: E501
            "entries": [(int(e.id), int(e.project_id), int(e.employee_id), e.date.isoformat(), e.seconds // 60, e.description, e.billable) for e in d.entries],  # noqa: E501
            "budgets": [(int(b.id), int(b.project_id), b.type.name, str(b.amount), str(b.used)) for b in d.budgets],  # noqa: E501
            "invoices": [(int(i.id), int(i.client_id), int(min(i.project_ids)), i.number, i.date.isoformat(), str(i.due_date), str(i.amount), i.status.name) for i in d.invoices],  # noqa: E501
        }  # fmt: skip
        with self.db:
            for table in reversed(rows):
                self.db.execute(f"DELETE FROM {table}")
            for table, values in rows.items():
                marks = ",".join("?" * len(values[0])) if values else ""
                if values:
                    self.db.executemany(f"INSERT INTO {table} VALUES ({marks})", values)

    def source(self, store: ApprovalStore) -> DataSource:
        return HostSource(self.db, store)


def test_the_loader_takes_at_most_20_lines() -> None:
    loader = inspect.getsource(TestHostSqliteSource.load).strip().splitlines()
    assert len(loader) <= 20, len(loader)


class TestMemorySourceWithIntegerIds(DataSourceContract):
    """Every part (expenses and trips too) renumbered to integers: the kit's own ids map."""

    ids = IdOrder.INTEGER
    exact_pushdown = True
    max_examples = 25

    def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
        return MemoryDataSource(dataset, store, id_order=IdOrder.INTEGER)
