"""``load_dataset`` and ``load_entries``: fill the reference schema (``tt_*``) from records, for
the demo, tests and hosts that adopt the schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..model import Budget, Dataset, Expense, Invoice, ItemKind, Quote, TimeEntry, Trip
from ..ports import DocumentFile
from . import cost_tables as ct
from . import tables as t
from .base import engine_of
from .engine import WRITE, translated_errors
from .entries import OPEN
from .rows import batches, state_values

__all__ = ["load_dataset", "load_entries"]

_BATCH = 5000  # rows per executemany when loading


def load_dataset(
    engine: Engine | str,
    dataset: Dataset,
    *,
    documents: Mapping[tuple[str, str], DocumentFile] | None = None,
    approvals: bool = True,
) -> None:
    """Insert ``dataset`` into the reference schema (creating its tables when missing).

    With ``approvals`` (the default), the entries' approval states other than a fresh OPEN go into
    the library's ``cp_approvals`` table, and the expenses' and trips' into ``cp_item_approvals``
    (which must exist: :func:`~clientportal.sql.upgrade`), without audit events, so the source
    shows each item as the dataset has it. ``documents`` maps
    ``(kind, document_id)`` to its file. Rows go in batches of 5,000 in one transaction; an entry,
    expense or trip whose project is not in the dataset (or not stored already) raises
    ``ValueError``. On
    PostgreSQL the tables are then analyzed, so that the planner knows their new sizes at once.
    """
    engine = engine_of(engine)
    client_of = {p.id: p.client_id for p in dataset.projects}
    with translated_errors(engine), engine.execution_options(**{WRITE: True}).begin() as conn:
        t.reference_metadata.create_all(conn, checkfirst=True)
        items: tuple[TimeEntry | Expense | Trip, ...] = (
            *dataset.entries,
            *dataset.expenses,
            *dataset.trips,
        )
        named = {i.project_id for i in items}
        missing = sorted(named - client_of.keys())
        if missing:
            query = select(t.projects.c.id, t.projects.c.client_id).where(
                t.projects.c.id.in_(missing)
            )
            client_of.update((row.id, row.client_id) for row in conn.execute(query))
        unknown = sorted(named - client_of.keys())
        if unknown:
            raise ValueError(
                "entries, expenses or trips name projects that do not exist: "
                f"{', '.join(unknown[:10])}: add the projects to the dataset"
            )
        _insert(conn, t.clients, ({"id": c.id, "name": c.name} for c in dataset.clients))
        _insert(conn, t.employees, ({"id": e.id, "name": e.name} for e in dataset.employees))
        _insert(
            conn,
            t.contacts,
            (
                {
                    "id": c.id,
                    "client_id": c.client_id,
                    "name": c.name,
                    "email": c.email,
                    "language": c.language,
                }
                for c in dataset.contacts
            ),
        )
        _insert(
            conn,
            t.projects,
            ({"id": p.id, "client_id": p.client_id, "name": p.name} for p in dataset.projects),
        )
        _insert(
            conn,
            t.project_members,
            (
                {"project_id": p.id, "employee_id": member}
                for p in dataset.projects
                for member in sorted(p.member_ids)
            ),
        )
        _insert(
            conn, t.entries, (_entry_values(e, client_of[e.project_id]) for e in dataset.entries)
        )
        for table, items in ((ct.expenses, dataset.expenses), (ct.trips, dataset.trips)):
            _insert(conn, table, (_cost_values(i, client_of[i.project_id]) for i in items))
        _insert(conn, t.budgets, (_budget_values(b) for b in dataset.budgets))
        for table, links, docs, until in (
            (t.invoices, t.invoice_projects, dataset.invoices, "due_date"),
            (t.quotes, t.quote_projects, dataset.quotes, "valid_until"),
        ):
            _insert(conn, table, (_document_values(d, until) for d in docs))
            _insert(
                conn,
                links,
                (
                    {"document_id": d.id, "project_id": p}
                    for d in docs
                    for p in sorted(d.project_ids)
                ),
            )
        _insert(
            conn,
            t.document_files,
            (
                {
                    "kind": kind,
                    "document_id": document_id,
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "data": f.data,
                }
                for (kind, document_id), f in (documents or {}).items()
            ),
        )
        if approvals:
            _insert(
                conn,
                t.approvals,
                (_approval_values(e) for e in dataset.entries if e.approval != OPEN),
            )
            _insert(
                conn,
                t.item_approvals,
                (
                    _item_approval_values(kind, i)
                    for kind, items in (
                        (ItemKind.EXPENSE, dataset.expenses),
                        (ItemKind.TRIP, dataset.trips),
                    )
                    for i in items
                    if i.approval != OPEN
                ),
            )
    _analyze(engine)


def load_entries(
    engine: Engine | str, entries: Iterable[TimeEntry], *, approvals: bool = True
) -> int:
    """Stream ``entries`` into the reference schema in batches of 5,000 (constant memory), and
    return how many went in. Their projects must be stored already (:func:`load_dataset`).

    For millions of entries, where building one :class:`~clientportal.model.Dataset` would hold
    them all in memory. ``approvals`` as for :func:`load_dataset`.
    """
    engine = engine_of(engine)
    count = 0
    with translated_errors(engine), engine.execution_options(**{WRITE: True}).begin() as conn:
        projects = select(t.projects.c.id, t.projects.c.client_id)
        client_of = {row.id: row.client_id for row in conn.execute(projects)}
        insert_entries, insert_states = t.entries.insert(), t.approvals.insert()
        for batch in batches(entries, _BATCH):
            unknown = sorted({e.project_id for e in batch} - client_of.keys())
            if unknown:
                raise ValueError(
                    f"entries name projects that are not stored: {', '.join(unknown[:10])}: "
                    "load the projects first (load_dataset)"
                )
            _insert_rows(
                conn, insert_entries, [_entry_values(e, client_of[e.project_id]) for e in batch]
            )
            states = [_approval_values(e) for e in batch if e.approval != OPEN]
            if approvals and states:
                _insert_rows(conn, insert_states, states)
            count += len(batch)
    _analyze(engine)
    return count


def _analyze(engine: Engine) -> None:
    """On PostgreSQL, have the planner learn the tables' new sizes now (``ANALYZE``), not when
    autovacuum gets to them: with the statistics of empty tables, the newest entry of a portal
    of 10,000 was found by sorting all of them (6 ms instead of 0.1 ms)."""
    if engine.dialect.name != "postgresql":
        return
    with translated_errors(engine), engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())  # an older schema: no sums, say
        names = ", ".join(
            engine.dialect.identifier_preparer.format_table(table)
            for table in (
                t.entries,
                t.approvals,
                t.entry_sums,
                ct.expenses,
                ct.trips,
                t.item_approvals,
                t.projects,
                t.clients,
            )
            if table.name in present
        )
        conn.execute(sa.text(f"ANALYZE {names}"))
        conn.commit()


def _approval_values(e: TimeEntry) -> dict[str, Any]:
    return {"entry_id": e.id, **state_values(e.approval), "updated_at": None}


def _item_approval_values(kind: ItemKind, item: Expense | Trip) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "item_id": item.id,
        **state_values(item.approval),
        "updated_at": None,
    }


def _insert(conn: Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    """Insert ``rows`` in batches."""
    insert = table.insert()
    for batch in batches(rows, _BATCH):
        _insert_rows(conn, insert, batch)


def _insert_rows(conn: Connection, insert: sa.Insert, rows: list[dict[str, Any]]) -> None:
    """One executemany on SQLite; one ``COPY`` on PostgreSQL, where an executemany sends a
    statement per row (and the entry sums' statement triggers would run once per row). The
    values go through the columns' types first, as an INSERT would send them."""
    if conn.dialect.name != "postgresql" or not rows:
        conn.execute(insert, rows)
        return
    table = insert.table
    assert isinstance(table, sa.Table)
    names = list(rows[0])
    processors = [table.c[n].type._cached_bind_processor(conn.dialect) for n in names]
    columns = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
    dbapi: Any = conn.connection.dbapi_connection
    with dbapi.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    v if f is None else f(v)
                    for f, v in zip(processors, (row[n] for n in names), strict=True)
                ]
            )


def _entry_values(e: TimeEntry, client_id: str) -> dict[str, Any]:
    return {
        "id": e.id,
        "client_id": client_id,
        "project_id": e.project_id,
        "employee_id": e.employee_id,
        "date": e.date,
        "seconds": e.seconds,
        "description": e.description,
        "task": e.task,
        "billable": e.billable,
        "rate": e.rate,
        "cost_rate": e.cost_rate,
        "internal_note": e.internal_note,
    }


def _cost_values(item: Expense | Trip, client_id: str) -> dict[str, Any]:
    """The row of an expense or trip: its fields but the approval (``cp_item_approvals``
    holds that), and its project's client."""
    fields = attrs.fields(type(item))
    values = {f.name: getattr(item, f.name) for f in fields if f.name != "approval"}
    return {**values, "client_id": client_id}


def _budget_values(b: Budget) -> dict[str, Any]:
    return {
        "id": b.id,
        "project_id": b.project_id,
        "type": b.type.value,
        "amount": b.amount,
        "used": b.used,
        "currency": b.currency,
        "task": b.task,
        "employee_id": b.employee_id,
    }


def _document_values(d: Invoice | Quote, until: str) -> dict[str, Any]:
    return {
        "id": d.id,
        "client_id": d.client_id,
        "number": d.number,
        "date": d.date,
        "amount": d.amount,
        "currency": d.currency,
        "status": d.status.value,
        until: getattr(d, until),
    }
