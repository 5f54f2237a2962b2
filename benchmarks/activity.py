"""Benchmark: the staff console's Activity page of a portal on its first visit, as the event log
grows (DESIGN §9: a page costs O(page), nothing important is kept per process).

For each database (a SQLite file, and PostgreSQL when ``CLIENTPORTAL_TEST_POSTGRES_URL`` or
``--postgres URL`` names a server, in a schema of its own, dropped after), the log is filled with
N events (1,000 and 100,000 by default) spread over 200 portals of 50 clients, a fifth of them
staff steps that name a client but no portal. Then a console that has never shown anything (a new
``ConsoleApp``, as after a restart) answers ``GET /console/portals/{id}/activity`` for a portal
holding 1/200 of the log: that first visit is timed (median of ``--repeat`` new consoles), with
the store's read alone (``PortalService.portal_events``, one page of 51) beside it, and, for
comparison, what the console's first visit used to cost: reading the whole log forward, a
thousand events at a time (``PortalService.events``).

Targets: the first visit <= 100 ms at every size, and at the largest size <= 3x its cost at the
smallest (it does not grow with the log).

Run: ``.venv/bin/python benchmarks/activity.py [--sizes 1000,100000] [--repeat 7]``. Not a test;
exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine

from clientportal import MailSettings, MemoryDataSource, PortalService
from clientportal.model import Client, Contact, Dataset, Employee, Portal, Project
from clientportal.sql import SqlStore, create_engine, upgrade
from clientportal.sql.engine import WRITE
from clientportal.sql.event_tables import events
from clientportal.sql.testing import temporary_schema
from clientportal.web import Headers, Request
from clientportal.web.console import ConsoleApp, DatasetDirectory, StaffMember
from clientportal.workflow import Actor, Party

TARGET_MS = 100.0
GROWTH = 3.0
PORTALS = 200
CLIENTS = 50
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
STAFF = StaffMember(actor=Actor(Party.MANAGER, "e0"), name="Eva")
#: The portal whose Activity is shown (of client c7).
SHOWN = "p7"


def dataset() -> Dataset:
    """50 clients with a contact and four projects each, and five employees."""
    return Dataset(
        clients=[Client(f"c{c}", f"Client {c}") for c in range(CLIENTS)],
        contacts=[
            Contact(f"k{c}", f"c{c}", f"Contact {c}", f"k{c}@example.com") for c in range(CLIENTS)
        ],
        employees=[Employee(f"e{n}", f"Employee {n}") for n in range(5)],
        projects=[
            Project(f"pr{p}", f"c{p % CLIENTS}", f"Project {p}", member_ids={f"e{p % 5}"})
            for p in range(PORTALS)
        ],
    )


def event_row(n: int) -> dict[str, object]:
    """The n-th event: a client's approval, a link opened or a portal change in portal
    ``p{n % 200}``, or (every fifth) a staff step on that portal's client's items."""
    portal = n % PORTALS
    client = f"c{portal % CLIENTS}"
    at = T0 + dt.timedelta(seconds=n)
    items = [{"id": f"t{n}", "project_id": f"pr{portal}", "status": "APPROVED", "version": 2}]
    if n % 5 == 0:
        actor = {"party": "MANAGER", "id": f"e{n % 5}"}
        data = {"action": "SUBMIT", "actor": actor, "reason": None, "items": items}
        return _row("entries.submitted", at, None, client, data)
    kind = n % 3
    if kind == 0:
        actor = {"party": "CLIENT", "id": f"k{portal % CLIENTS}"}
        data = {"action": "APPROVE", "actor": actor, "reason": None, "items": items}
        return _row("entries.approved", at, f"p{portal}", client, data)
    if kind == 1:
        data = {"link_id": f"l{n}", "contact_id": f"k{portal % CLIENTS}"}
        return _row("link.opened", at, f"p{portal}", client, data)
    data = {"name": f"Portal {n}", "active": True, "language": "en", "changed": ["name"]}
    return _row("portal.updated", at, f"p{portal}", client, data)


def _row(
    type: str, at: dt.datetime, portal_id: str | None, client_id: str, data: dict[str, object]
) -> dict[str, object]:
    return {
        "type": type,
        "occurred_at": at,
        "portal_id": portal_id,
        "client_id": client_id,
        "data": json.dumps(data, sort_keys=True),
    }


def fill(engine: Engine, size: int, start: int) -> None:
    """Append events ``start .. size - 1`` to the log, in bulk."""
    with engine.execution_options(**{WRITE: True}).begin() as conn:
        for first in range(start, size, 10_000):
            rows = [event_row(n) for n in range(first, min(first + 10_000, size))]
            conn.execute(events.insert(), rows)
    if engine.dialect.name == "postgresql":
        with engine.execution_options(**{WRITE: True}).begin() as conn:
            conn.exec_driver_sql("ANALYZE cp_events")


def service_over(engine: Engine) -> tuple[PortalService, Dataset]:
    """A service over the SQL store of ``engine`` holding portal p7 (client c7)."""
    data = dataset()
    store = SqlStore(engine)
    if store.get_portal(SHOWN) is None:
        portal = Portal(
            id=SHOWN,
            client_id="c7",
            name="Portal 7",
            project_ids={"pr7"},
            contact_ids={"k7"},
            created_at=T0,
        )
        store.put_portal(portal)
    service = PortalService(
        MemoryDataSource(data, store),
        store,
        secret_keys=["activity-benchmark-secret-key-0123456789"],
        mail=MailSettings(
            sender_name="Bench",
            sender_address="bench@example.com",
            message_id_domain="example.com",
            base_url="https://example.com/portal",
        ),
    )
    return service, data


def first_visit_ms(service: PortalService, data: Dataset) -> float:
    """One first visit of the Activity page on a new console, in ms."""
    console = ConsoleApp(
        service, authorize=lambda request: STAFF, directory=DatasetDirectory(data), prefix="/c"
    )
    request = Request(
        method="GET",
        path=f"/c/portals/{SHOWN}/activity",
        query_string="",
        headers=Headers([("Accept-Language", "en")]),
        body=b"",
    )
    started = time.perf_counter()
    response = console.handle(request)
    body = b"".join(response.iter_body())
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200 or b"<tbody>" not in body:
        raise SystemExit(f"the Activity page failed: {response.status} {body[:300]!r}")
    return elapsed


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """The median time of ``run()`` in ms."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def whole_log_ms(service: PortalService) -> float:
    """Reading the whole log forward, a thousand at a time (the old first visit's read)."""
    started = time.perf_counter()
    after = None
    while page := service.events(after=after, limit=1000):
        after = page[-1].id
    return (time.perf_counter() - started) * 1000


def measure(name: str, engine: Engine, sizes: list[int], repeat: int) -> dict[int, float]:
    """Print and return the first visit's median at each size."""
    upgrade(engine)
    service, data = service_over(engine)
    visits: dict[int, float] = {}
    written = 0
    for size in sizes:
        fill(engine, size, written)
        written = size
        first_visit_ms(service, data)  # warm the templates and the connection pool
        visit = statistics.median(first_visit_ms(service, data) for _ in range(repeat))
        read = median_ms(lambda: service.portal_events(SHOWN, limit=51), repeat)
        old = whole_log_ms(service)
        visits[size] = visit
        print(
            f"{name:10} {size:>8,} events: first visit {visit:7.1f} ms "
            f"(store read {read:5.1f} ms); reading the whole log forward: {old:8.1f} ms"
        )
    return visits


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'activity.sqlite3'}")
        try:
            yield engine
        finally:
            engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("CLIENTPORTAL_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    results: dict[str, dict[int, float]] = {}
    with sqlite_engine() as engine:
        results["SQLite"] = measure("SQLite", engine, sizes, args.repeat)
    if args.postgres:
        with temporary_schema(args.postgres) as engine:
            results["PostgreSQL"] = measure("PostgreSQL", engine, sizes, args.repeat)
    else:
        print("PostgreSQL: skipped (set CLIENTPORTAL_TEST_POSTGRES_URL or pass --postgres URL)")
    missed = []
    for name, visits in results.items():
        worst = max(visits.values())
        growth = visits[sizes[-1]] / visits[sizes[0]]
        print(
            f"{name}: slowest first visit {worst:.1f} ms (target <= {TARGET_MS:.0f}); "
            f"{sizes[-1]:,} vs {sizes[0]:,} events: x{growth:.2f} (target <= {GROWTH:.0f})"
        )
        if worst > TARGET_MS or growth > GROWTH:
            missed.append(name)
    if missed:
        print(f"target missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
