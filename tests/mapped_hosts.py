"""Host schemas unlike the reference one, mapped by :mod:`clientportal.sql.mapping`, for the
mapping's tests: ``full`` holds everything the data contract has (text ids, seconds, per-entry
rates, members, budgets, invoices and quotes with link tables), so the whole contract kit runs on
it with the kit's own ids.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, MetaData, String, Table
from sqlalchemy.engine import Connection, Engine

from clientportal.model import Dataset
from clientportal.sql import tables as t
from clientportal.sql.engine import WRITE
from clientportal.sql.entries import OPEN
from clientportal.sql.mapping import (
    BudgetTable,
    ClientTable,
    ContactTable,
    DocumentTable,
    EmployeeTable,
    EntryTable,
    Links,
    MappedDataSource,
    ProjectTable,
    SchemaMap,
)
from clientportal.sql.rows import state_values
from clientportal.sql.types import ExactDecimal, Text

full = MetaData()
ID = String(100)
firm = Table("h_firm", full, Column("code", ID, primary_key=True), Column("title", Text))
person = Table("h_person", full, Column("pid", ID, primary_key=True), Column("full_name", Text))
reach = Table(
    "h_reach",
    full,
    Column("rid", ID, primary_key=True),
    Column("firm", ID, ForeignKey("h_firm.code")),
    Column("who", Text),
    Column("mail", Text),
    Column("lang", String(10)),
)
job = Table(
    "h_job",
    full,
    Column("jid", ID, primary_key=True),
    Column("firm", ID, ForeignKey("h_firm.code")),
    Column("title", Text),
)
crew = Table(
    "h_crew", full, Column("job", ID, primary_key=True), Column("who", ID, primary_key=True)
)
sheet = Table(
    "h_sheet",
    full,
    Column("sid", ID, primary_key=True),
    Column("job", ID, ForeignKey("h_job.jid"), nullable=False),
    Column("who", ID, nullable=False),
    Column("day", Date, nullable=False),
    Column("secs", Integer, nullable=False),
    Column("note", Text),
    Column("task", Text),
    Column("billable", Boolean, nullable=False),
    Column("rate", ExactDecimal),
    Column("cost_rate", ExactDecimal),
    Column("memo", Text),
)
plan = Table(
    "h_plan",
    full,
    Column("bid", ID, primary_key=True),
    Column("job", ID, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("planned", ExactDecimal, nullable=False),
    Column("spent", ExactDecimal, nullable=False),
    Column("cur", String(3)),
    Column("task", Text),
    Column("who", ID),
)


def _document(name: str, until: str) -> tuple[Table, Table]:
    table = Table(
        name,
        full,
        Column("did", ID, primary_key=True),
        Column("firm", ID, nullable=False),
        Column("no", Text, nullable=False),
        Column("issued", Date, nullable=False),
        Column("total", ExactDecimal, nullable=False),
        Column("cur", String(3), nullable=False),
        Column("state", String(20), nullable=False),
        Column(until, Date),
    )
    links = Table(
        f"{name}_job",
        full,
        Column("doc", ID, primary_key=True),
        Column("job", ID, primary_key=True),
    )
    return table, links


bill, bill_job = _document("h_bill", "due")
offer, offer_job = _document("h_offer", "until")


def full_map() -> SchemaMap:
    """The map of the ``full`` schema: every part of the contract."""
    return SchemaMap(
        clients=ClientTable(firm, name=firm.c.title),
        employees=EmployeeTable(person, name=person.c.full_name),
        contacts=ContactTable(
            reach, client=reach.c.firm, name=reach.c.who, email=reach.c.mail, language=reach.c.lang
        ),
        projects=ProjectTable(
            job, client=job.c.firm, name=job.c.title, members=Links(crew, crew.c.job, crew.c.who)
        ),
        entries=EntryTable(
            sheet,
            project=sheet.c.job,
            employee=sheet.c.who,
            date=sheet.c.day,
            seconds=sheet.c.secs,
            description=sheet.c.note,
            task=sheet.c.task,
            billable=sheet.c.billable,
            rate=sheet.c.rate,
            cost_rate=sheet.c.cost_rate,
            internal_note=sheet.c.memo,
        ),
        budgets=BudgetTable(
            plan,
            project=plan.c.job,
            type=plan.c.kind,
            amount=plan.c.planned,
            used=plan.c.spent,
            currency=plan.c.cur,
            task=plan.c.task,
            employee=plan.c.who,
        ),
        invoices=DocumentTable(
            bill,
            client=bill.c.firm,
            number=bill.c.no,
            date=bill.c.issued,
            amount=bill.c.total,
            currency=bill.c.cur,
            status=bill.c.state,
            projects=Links(bill_job, bill_job.c.doc, bill_job.c.job),
            due=bill.c.due,
        ),
        quotes=DocumentTable(
            offer,
            client=offer.c.firm,
            number=offer.c.no,
            date=offer.c.issued,
            amount=offer.c.total,
            currency=offer.c.cur,
            status=offer.c.state,
            projects=Links(offer_job, offer_job.c.doc, offer_job.c.job),
            due=offer.c.until,
        ),
    )


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def seed_states(conn: Connection, dataset: Dataset) -> None:
    """The entries' approval states other than a fresh OPEN into ``cp_approvals``."""
    _insert(
        conn,
        t.approvals,
        [
            {"entry_id": e.id, **state_values(e.approval)}
            for e in dataset.entries
            if e.approval != OPEN
        ],
    )


def load_full(engine: Engine, dataset: Dataset) -> MappedDataSource:
    """Empty the ``full`` schema, put ``dataset`` in it, and map it."""
    d = dataset
    with engine.execution_options(**{WRITE: True}).begin() as conn:
        full.create_all(conn, checkfirst=True)
        for table in reversed(full.sorted_tables):
            conn.execute(table.delete())
        conn.execute(t.approvals.delete())
        _insert(conn, firm, [{"code": c.id, "title": c.name} for c in d.clients])
        _insert(conn, person, [{"pid": e.id, "full_name": e.name} for e in d.employees])
        _insert(conn, reach, [
            {"rid": c.id, "firm": c.client_id, "who": c.name, "mail": c.email, "lang": c.language}
            for c in d.contacts
        ])  # fmt: skip
        _insert(
            conn, job, [{"jid": p.id, "firm": p.client_id, "title": p.name} for p in d.projects]
        )
        _insert(conn, crew, [{"job": p.id, "who": m} for p in d.projects for m in p.member_ids])
        _insert(conn, sheet, [
            {"sid": e.id, "job": e.project_id, "who": e.employee_id, "day": e.date,
             "secs": e.seconds, "note": e.description, "task": e.task, "billable": e.billable,
             "rate": e.rate, "cost_rate": e.cost_rate, "memo": e.internal_note}
            for e in d.entries
        ])  # fmt: skip
        _insert(conn, plan, [
            {"bid": b.id, "job": b.project_id, "kind": b.type.name, "planned": b.amount,
             "spent": b.used, "cur": b.currency, "task": b.task, "who": b.employee_id}
            for b in d.budgets
        ])  # fmt: skip
        for table, links, docs, until in (
            (bill, bill_job, d.invoices, "due"),
            (offer, offer_job, d.quotes, "until"),
        ):
            _insert(conn, table, [
                {"did": x.id, "firm": x.client_id, "no": x.number, "issued": x.date,
                 "total": x.amount, "cur": x.currency, "state": x.status.name,
                 until: getattr(x, "due_date", None) or getattr(x, "valid_until", None)}
                for x in docs
            ])  # fmt: skip
            _insert(conn, links, [{"doc": x.id, "job": p} for x in docs for p in x.project_ids])
        seed_states(conn, d)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            # Only this schema's tables: a bare ANALYZE takes locks on every database's tables.
            names = ", ".join(table.name for table in (*full.sorted_tables, t.approvals))
            conn.execute(sa.text(f"ANALYZE {names}"))
    return MappedDataSource(engine, full_map())
