"""What each optional method of a DataSource saves: the overview and the hours page at 75,000
entries over a host source with only the required methods, and with each optional one.

The host source is a ``MemoryDataSource`` seen through a wrapper that passes on only the methods
chosen (pages are keyset-paged over sorted entries, as a host's indexed SQL would be), so the
figures show what the *service* does without each method: a page walk instead of one call. The
costs' ports are measured on the expenses page at 20,000 expenses; ``OneConnection`` on the SQL
source over a SQLite file (``--no-sql`` skips it). Each figure is the median of ``--repeat`` runs,
every run in its own request scope (as the web app runs a request).

    .venv/bin/python benchmarks/datasource_optional.py            # --entries N --repeat R
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from clientportal import (
    ApprovalPolicy,
    Client,
    Contact,
    Dataset,
    Employee,
    Expense,
    MemoryDataSource,
    MemoryStore,
    Portal,
    PortalSettings,
    Project,
    TimeEntry,
    Workflow,
)
from clientportal.ports import EntryQuery
from clientportal.service import MailSettings, PortalService

REQUIRED = (
    "client",
    "contacts",
    "employees",
    "projects",
    "entries",
    "entries_by_id",
    "budgets",
    "invoices",
    "quotes",
    "document_file",
)
ENTRY_PARTS = {
    "EntryTotals": ("entry_totals",),
    "EntryEmployees": ("entry_employee_ids",),
    "EntryWeeks": ("entry_week_seconds",),
}
COSTS = ("expenses", "expenses_by_id")
COST_PARTS = {"CostTotalsSource": ("cost_totals",), "CostEmployees": ("cost_employee_ids",)}
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LAST_DAY = dt.date(2026, 11, 30)
POLICY = ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL)
MAIL = MailSettings(
    sender_name="Agency",
    sender_address="portal@agency.example",
    message_id_domain="portal.agency.example",
    base_url="https://portal.agency.example/",
)


def host(source: object, methods: Iterable[str]) -> object:
    """A host source with only ``methods`` of ``source`` (the others are simply absent)."""
    chosen = tuple(methods)
    namespace: dict[str, Any] = {
        "__init__": lambda self: None,
        "__repr__": lambda self: f"Host({', '.join(chosen)})",
    }
    for name in chosen:
        namespace[name] = (lambda n: lambda self, *a, **k: getattr(source, n)(*a, **k))(name)
    return type("Host", (), namespace)()


def dataset(entries: int, expenses: int) -> Dataset:
    """One client, three projects, five employees; ``entries`` entries and ``expenses`` expenses
    spread over two years up to :data:`LAST_DAY` (other clients do not matter to a portal)."""
    employees = [Employee(f"u{i}", f"Employee {i}") for i in range(5)]
    projects = [
        Project(f"p{i}", "acme", f"Project {i}", member_ids={e.id for e in employees})
        for i in range(3)
    ]
    return Dataset(
        clients=[Client("acme", "Acme")],
        contacts=[Contact("anna", "acme", "Anna", "anna@acme.example")],
        employees=employees,
        projects=projects,
        entries=[
            TimeEntry(
                id=f"e{i:07d}",
                project_id=f"p{i % 3}",
                employee_id=f"u{i % 5}",
                date=LAST_DAY - dt.timedelta(days=i % 730),
                seconds=900 * (1 + i % 8),
                description="Work",
                rate=Decimal(90),
            )
            for i in range(entries)
        ],
        expenses=[
            Expense(
                f"x{i:07d}",
                f"p{i % 3}",
                f"u{i % 5}",
                LAST_DAY - dt.timedelta(days=i % 730),
                Decimal("12.50"),
                "EUR",
            )
            for i in range(expenses)
        ],
    )


PORTAL = Portal(
    id="acme",
    client_id="acme",
    name="Acme",
    language="en",
    settings=PortalSettings(approval=True, show_amounts=True, show_expenses=True),
    project_ids=frozenset({"p0", "p1", "p2"}),
    contact_ids=frozenset({"anna"}),
    employee_ids=frozenset(f"u{i}" for i in range(5)),
    created_at=T0,
)


def service_over(source: object) -> PortalService:
    store = MemoryStore()
    store.put_portal(PORTAL)
    return PortalService(
        source,  # type: ignore[arg-type]
        store,
        mail=MAIL,
        secret_keys=["benchmark-secret-key-0123456789abcdef"],
        policy=POLICY,
    )


def overview(service: PortalService) -> None:
    """What ``GET /portal/{id}`` asks: the overview and the chart of twelve weeks."""
    with service.request_scope():
        service.pages.overview(PORTAL)
        service.pages.hours_per_week(PORTAL, weeks=12)


def hours_page(service: PortalService) -> None:
    """What ``GET /portal/{id}/hours`` asks: the filters' choices, a page of 50 and the totals."""
    with service.request_scope():
        service.pages.choices(PORTAL)
        service.pages.hours(PORTAL, EntryQuery(limit=50))
        service.pages.hours_totals(PORTAL, EntryQuery())


def expenses_page(service: PortalService) -> None:
    """What ``GET /portal/{id}/expenses`` asks: a page of 50, its totals and filter."""
    with service.request_scope():
        service.pages.expenses(PORTAL, EntryQuery(limit=50))


def median_ms(run: Callable[[PortalService], None], service: PortalService, repeat: int) -> float:
    run(service)  # warm up (caches, the first import)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(service)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def entry_rows(memory: MemoryDataSource, repeat: int) -> list[tuple[str, float, float]]:
    variants: list[tuple[str, tuple[str, ...]]] = [("required only", ())]
    variants += [(f"+ {name}", methods) for name, methods in ENTRY_PARTS.items()]
    every = tuple(m for methods in ENTRY_PARTS.values() for m in methods)
    variants.append(("+ all three", every))
    cost_parts = tuple(m for methods in COST_PARTS.values() for m in methods)
    rows = []
    for label, extra in variants:
        service = service_over(host(memory, (*REQUIRED, *COSTS, *cost_parts, *extra)))
        rows.append(
            (label, median_ms(overview, service, repeat), median_ms(hours_page, service, repeat))
        )
    return rows


def cost_rows(memory: MemoryDataSource, repeat: int) -> list[tuple[str, float]]:
    every_entry_part = tuple(m for methods in ENTRY_PARTS.values() for m in methods)
    base = (*REQUIRED, *every_entry_part, *COSTS)
    variants: list[tuple[str, tuple[str, ...]]] = [("ExpenseSource only", ())]
    variants += [(f"+ {name}", methods) for name, methods in COST_PARTS.items()]
    variants.append(("+ both", tuple(m for ms in COST_PARTS.values() for m in ms)))
    return [
        (label, median_ms(expenses_page, service_over(host(memory, (*base, *extra))), repeat))
        for label, extra in variants
    ]


def one_connection_rows(data: Dataset, repeat: int) -> list[tuple[str, float, float]]:
    from clientportal.sql import SqlDataSource, create_engine
    from clientportal.sql.load import load_dataset
    from clientportal.sql.testing import ready_for_tests

    with tempfile.TemporaryDirectory() as folder:
        engine = ready_for_tests(create_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}"))
        load_dataset(engine, data)
        source = SqlDataSource(engine)
        methods = [m for m in dir(source) if not m.startswith("_") and m != "one_connection"]
        rows = []
        for label, chosen in (
            ("SqlDataSource", source),
            (
                "without one_connection",
                host(source, [m for m in methods if callable(getattr(source, m))]),
            ),
        ):
            service = service_over(chosen)
            rows.append(
                (
                    label,
                    median_ms(overview, service, repeat),
                    median_ms(hours_page, service, repeat),
                )
            )
        engine.dispose()
        return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=75_000)
    parser.add_argument("--expenses", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-sql", action="store_true", help="skip OneConnection (SQLite)")
    args = parser.parse_args(argv)
    data = dataset(args.entries, args.expenses)
    memory = MemoryDataSource(data)
    print(f"{args.entries:,} entries, one client, three projects; median of {args.repeat}")
    print("(the costs' optional parts present, so that only the entries' differ)")
    print(f"{'host source':<24} {'overview':>12} {'hours page':>12}")
    for label, ov, hp in entry_rows(memory, args.repeat):
        print(f"{label:<24} {ov:>9.1f} ms {hp:>9.1f} ms")
    print(f"\n{args.expenses:,} expenses: the expenses page (all entry parts present)")
    for label, ms in cost_rows(memory, args.repeat):
        print(f"{label:<24} {ms:>9.1f} ms")
    if not args.no_sql:
        print(f"\nSqlDataSource over SQLite, {args.entries:,} entries: OneConnection")
        for label, ov, hp in one_connection_rows(data, args.repeat):
            print(f"{label:<24} {ov:>9.1f} ms {hp:>9.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
