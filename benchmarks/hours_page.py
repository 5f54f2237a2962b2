"""Benchmark: the hours page of a portal on SQLite — one page of hours plus the totals of all.

What ``GET /portal/{id}/hours`` asks of :class:`~clientportal.service.PortalService`: the overview
(for the filters), one page of 50 entries, and the totals of every entry that matches the filters.
Two portals, on the databases of ``benchmarks/sql.py`` (built on the first run):

* ~20,000 visible entries: client c07 of 50 clients sharing 1,000,000 entries;
* 1,000,000 visible entries: the one client of a second database owns them all.

Each is timed twice: *walking pages* is how the totals were summed before the ``EntryTotals``
capability (every page of 1,000 entries read, built and filtered; the source is wrapped so it
does not offer the capability), *aggregate* is ``SqlDataSource.entry_totals`` (one query). The
totals of both are checked to be equal. Filtered variants (a status filter, which joins the
approvals table, and one month) are timed too.

Run: ``.venv/bin/python benchmarks/hours_page.py [--entries N] [--runs R] [--dir PATH]``. Not a
test. ``--dir`` keeps the databases for the next run (and for ``benchmarks/sql.py --dir``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sql import CLIENT, MAIL, POLICY, SECRET, build, portal

from clientportal import ApprovalStatus, Budget, Client, Contact, Employee, Invoice, Project, Quote
from clientportal.model import Portal, TimeEntry
from clientportal.ports import DataSource, DocumentFile, EntryPage, EntryQuery, Totals
from clientportal.service import PortalService
from clientportal.sql import SqlDataSource, SqlStore, create_engine
from clientportal.visibility import Scope

PAGE_SIZE = 50  # the web app's default page size
FILTERS = {
    "no filter": EntryQuery(),
    "status OPEN (joins the approvals)": EntryQuery(statuses={ApprovalStatus.OPEN}),
    "one month": EntryQuery(date_from=dt.date(2025, 6, 1), date_to=dt.date(2025, 6, 30)),
}


class PagesOnly:
    """A DataSource without the optional capabilities: the reader walks pages, as it did before
    ``EntryTotals``."""

    def __init__(self, source: DataSource) -> None:
        self.source = source

    def client(self, client_id: str) -> Client | None:
        return self.source.client(client_id)

    def contacts(self, client_id: str) -> Sequence[Contact]:
        return self.source.contacts(client_id)

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        return self.source.employees(employee_ids)

    def projects(self, scope: Scope) -> Sequence[Project]:
        return self.source.projects(scope)

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        return self.source.entries(scope, query)

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        return self.source.entries_by_id(entry_ids)

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        return self.source.budgets(scope)

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        return self.source.invoices(scope)

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        return self.source.quotes(scope)

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        return self.source.document_file(kind, document_id)

    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        """Kept (it predates ``EntryTotals``), so only the totals differ between the two."""
        return self.source.entry_employee_ids(scope)  # type: ignore[attr-defined,no-any-return]


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """The median wall time of ``runs`` calls, in seconds, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def hours_page(service: PortalService, the_portal: Portal, query: EntryQuery) -> Totals:
    """What the web view of the hours does: overview, one page, the totals of all pages."""
    service.pages.overview(the_portal)
    service.pages.hours(the_portal, query)
    return service.pages.hours_totals(the_portal, query)


def measure(path: Path, the_portal: Portal, title: str, runs: int, walk_runs: int) -> None:
    engine = create_engine(f"sqlite:///{path}")
    source = SqlDataSource(engine)
    services = {
        "walking pages": PortalService(
            PagesOnly(source), SqlStore(engine), mail=MAIL, secret_keys=[SECRET], policy=POLICY
        ),
        "aggregate": PortalService(
            source, SqlStore(engine), mail=MAIL, secret_keys=[SECRET], policy=POLICY
        ),
    }
    print(title)
    for name, filters in FILTERS.items():
        page_query = EntryQuery(
            limit=PAGE_SIZE,
            statuses=filters.statuses,
            date_from=filters.date_from,
            date_to=filters.date_to,
        )
        found: dict[str, object] = {}
        figures: dict[str, tuple[float, float, float]] = {}
        for how, service in services.items():
            n = walk_runs if how == "walking pages" else runs
            service.pages.hours_totals(
                the_portal, filters
            )  # warm the page cache and the statements
            totals_s, found[how] = timed(
                lambda s=service, q=filters: s.pages.hours_totals(the_portal, q), n
            )
            page_s, _ = timed(
                lambda s=service, q=page_query: s.pages.hours(the_portal, q), max(n, 5)
            )
            full_s, _ = timed(lambda s=service, q=page_query: hours_page(s, the_portal, q), n)
            figures[how] = (totals_s, page_s, full_s)
        assert found["walking pages"] == found["aggregate"], f"totals differ: {found}"
        totals = found["aggregate"]
        assert isinstance(totals, Totals)
        print(f"   {name}: {totals.count:,} entries, {totals.seconds / 3600:,.0f} h")
        for how, (totals_s, page_s, full_s) in figures.items():
            print(
                f"     {how:<14} totals {totals_s * 1000:10.1f} ms   page {page_s * 1000:6.2f} ms"
                f"   whole hours page {full_s * 1000:10.1f} ms"
            )
        before, after = figures["walking pages"][2], figures["aggregate"][2]
        print(f"     whole hours page {before / after:,.0f}x faster")
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=11, help="timed runs with the aggregate")
    parser.add_argument("--dir", type=Path, help="keep the databases here (reused next time)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        shared = folder / f"bench-{args.entries}-50x10.sqlite3"
        alone = folder / f"bench-{args.entries}-1x10.sqlite3"
        print(f"SQLite {sqlite3.sqlite_version}, databases in {folder}")
        build(shared, args.entries, clients=50, projects_per_client=10)
        build(alone, args.entries, clients=1, projects_per_client=10)
        measure(
            shared,
            portal(CLIENT, 10),
            f"1. hours page of client {CLIENT} (1 of 50 clients sharing {args.entries:,} entries)",
            runs=args.runs,
            walk_runs=5,
        )
        measure(
            alone,
            portal("c00", 10),
            f"2. hours page of a client with all {args.entries:,} entries",
            runs=max(3, args.runs // 2),
            walk_runs=1,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
