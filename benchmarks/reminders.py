"""Benchmark: one reminder round (``service.reminders.run()``) as the open approval requests grow.

For each database (a SQLite file, and PostgreSQL when ``CLIENTPORTAL_TEST_POSTGRES_URL`` or
``--postgres URL`` names a server, in a schema of its own, dropped after) and each size N (100,
1,000 and 10,000 open requests by default, each size in a new database), portals of 50 contacts
each (N / 50 portals, one client and one project each, two time entries a project) are asked for
approval the way a host asks: ``service.approvals.submit`` of every entry, which queues one
approval-request e-mail and stores one ``ApprovalRequest`` per contact (so N requests, built
through the service, not written directly). The policy: a reminder a day from the next morning
on, three at most (no escalation, no approval by the policy).

Timed (median of ``--repeat``):

- a *quiet* round: the clock a minute after the submission, nothing due (every open request and
  its items are still read);
- a *busy* round: the morning a reminder is due for every contact, so each round queues N
  reminder e-mails (one digest per contact) with their events and personal links; the rounds
  are the mornings of reminders 1, 2 and 3 (``--busy-repeat``, 1 by default, 0 for none: a
  busy round at 10,000 takes minutes).

Printed: ms per round and ms per open request.

Targets: a quiet round at 10,000 open requests under 2 s on SQLite, and quiet rounds growing at
most linearly: ms per request at the largest size <= 2x that at the smallest (each backend).
``--profile`` prints the top functions (cProfile, cumulative) of a quiet round at the largest size.

Run: ``.venv/bin/python benchmarks/reminders.py [--sizes 100,1000,10000] [--repeat 3]
[--busy-repeat 1] [--backends sqlite,postgresql] [--profile]``. Not a test; exits with status 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine

from clientportal import (
    ApprovalPolicy,
    MailSettings,
    MemoryDataSource,
    PortalService,
    PortalSettings,
    Workflow,
)
from clientportal.memory import ManualClock
from clientportal.model import Client, Contact, Dataset, Employee, Portal, Project, TimeEntry
from clientportal.reminders import ReminderPolicy, reminder_at
from clientportal.sql import SqlStore, create_engine, upgrade
from clientportal.sql.testing import temporary_schema
from clientportal.workflow import Actor, Party

QUIET_TARGET_MS = 2000.0
QUIET_TARGET_SIZE = 10_000
GROWTH = 2.0
CONTACTS = 50
#: Monday 2 March 2026, 08:00 UTC.
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
MAX = Actor(Party.MANAGER, "max")
POLICY = ReminderPolicy(
    first_after=dt.timedelta(days=1), every=dt.timedelta(days=1), max_reminders=3
)
MAIL = MailSettings(
    sender_name="Bench",
    sender_address="bench@example.com",
    message_id_domain="example.com",
    base_url="https://example.com/portal",
)


def dataset(portals: int) -> Dataset:
    """``portals`` clients, each with 50 contacts and a project of two entries."""
    day = dt.date(2026, 2, 23)
    return Dataset(
        clients=[Client(f"c{p}", f"Client {p}") for p in range(portals)],
        contacts=[
            Contact(f"k{p}-{c}", f"c{p}", f"Contact {p}-{c}", f"k{p}-{c}@example.com")
            for p in range(portals)
            for c in range(CONTACTS)
        ],
        employees=[Employee("e0", "Employee 0"), Employee("max", "Max Manager")],
        projects=[
            Project(f"pr{p}", f"c{p}", f"Project {p}", member_ids={"e0"}) for p in range(portals)
        ],
        entries=[
            TimeEntry(
                id=f"t{p}-{n}",
                project_id=f"pr{p}",
                employee_id="e0",
                date=day + dt.timedelta(days=n),
                seconds=3600 * (n + 1),
                description=f"Work {n}",
            )
            for p in range(portals)
            for n in range(2)
        ],
    )


def build(engine: Engine, size: int) -> tuple[PortalService, ManualClock, float]:
    """A service over ``engine`` with ``size`` open requests (submitted at T0); the seconds the
    submission took."""
    upgrade(engine)
    portals = max(1, size // CONTACTS)
    data = dataset(portals)
    store = SqlStore(engine)
    for p in range(portals):
        store.put_portal(
            Portal(
                id=f"p{p}",
                client_id=f"c{p}",
                name=f"Portal {p}",
                settings=PortalSettings(approval=True),
                project_ids={f"pr{p}"},
                contact_ids={f"k{p}-{c}" for c in range(CONTACTS)},
                created_at=T0,
            )
        )
    clock = ManualClock(T0)
    service = PortalService(
        MemoryDataSource(data, store),
        store,
        secret_keys=["reminders-benchmark-secret-key-0123456789"],
        mail=MAIL,
        clock=clock,
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        reminders=POLICY,
    )
    started = time.perf_counter()
    for first in range(0, portals, 10):
        ids = [f"t{p}-{n}" for p in range(first, min(first + 10, portals)) for n in range(2)]
        result = service.approvals.submit(ids, by=MAX)
        if not result.all_applied:
            raise SystemExit(f"the submission failed: {result!r}")
    took = time.perf_counter() - started
    opened = len(store.open_requests(since=T0, limit=size + 1))
    if opened != portals * CONTACTS:
        raise SystemExit(f"expected {portals * CONTACTS} open requests, found {opened}")
    return service, clock, took


def round_ms(service: PortalService, clock: ManualClock, at: dt.datetime) -> tuple[float, int]:
    """One round at ``at``: its ms and how many reminders it sent."""
    clock.set(at)
    started = time.perf_counter()
    report = service.reminders.run()
    return (time.perf_counter() - started) * 1000, report.reminders


def profile_quiet(service: PortalService, clock: ManualClock) -> None:
    """Print the top functions of one quiet round."""
    clock.set(T0 + dt.timedelta(minutes=1))
    profiler = cProfile.Profile()
    profiler.enable()
    service.reminders.run()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(25)
    out.write("\n-- by own time --\n")
    stats.sort_stats("tottime").print_stats(15)
    print(out.getvalue())


def measure(
    name: str,
    engines: Iterator[Engine],
    sizes: list[int],
    repeat: tuple[int, int],
    profile: bool,
) -> dict[int, float]:
    """Print and return the quiet round's median ms at each size."""
    quiet: dict[int, float] = {}
    for size, engine in zip(sizes, engines, strict=False):
        service, clock, took = build(engine, size)
        round_ms(service, clock, T0 + dt.timedelta(seconds=30))  # warm up
        quiets = [round_ms(service, clock, T0 + dt.timedelta(minutes=1)) for _ in range(repeat[0])]
        if any(sent for _, sent in quiets):
            raise SystemExit("a quiet round sent reminders")
        quiet[size] = statistics.median(ms for ms, _ in quiets)
        if profile and size == sizes[-1]:
            profile_quiet(service, clock)
        busy = []
        for n in range(1, min(repeat[1], POLICY.max_reminders) + 1):
            due = reminder_at(POLICY, T0, n)
            assert due is not None
            ms, sent = round_ms(service, clock, due)
            if sent != size:
                raise SystemExit(f"a busy round sent {sent} reminders, expected {size}")
            busy.append(ms)
        line = (
            f"{name:10} {size:>6,} open requests (submitted in {took:6.1f} s): "
            f"quiet {quiet[size]:8.1f} ms ({quiet[size] / size:6.3f} ms/request); "
        )
        if busy:
            busy_ms = statistics.median(busy)
            line += (
                f"busy {busy_ms:9.1f} ms ({busy_ms / size:6.3f} ms/request, {size:,} e-mails "
                "queued a round)"
            )
        else:
            line += "busy: not run (--busy-repeat 0)"
        print(line, flush=True)
    return quiet


def sqlite_engines(count: int) -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        for n in range(count):
            engine = create_engine(f"sqlite:///{Path(folder) / f'reminders{n}.sqlite3'}")
            try:
                yield engine
            finally:
                engine.dispose()


def postgres_engines(url: str, count: int) -> Iterator[Engine]:
    for _ in range(count):
        with temporary_schema(url) as engine:
            yield engine


@contextmanager
def closing(engines: Iterator[Engine]) -> Iterator[Iterator[Engine]]:
    try:
        yield engines
    finally:
        close = getattr(engines, "close", None)
        if close is not None:
            close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("CLIENTPORTAL_TEST_POSTGRES_URL"))
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--busy-repeat", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if any(size % CONTACTS for size in sizes):
        parser.error(f"each size must be a multiple of {CONTACTS} (contacts per portal)")
    repeat = (args.repeat, args.busy_repeat)
    backends = args.backends.split(",")
    results: dict[str, dict[int, float]] = {}
    if "sqlite" in backends:
        with closing(sqlite_engines(len(sizes))) as engines:
            results["SQLite"] = measure("SQLite", engines, sizes, repeat, args.profile)
    if "postgresql" in backends and args.postgres:
        with closing(postgres_engines(args.postgres, len(sizes))) as engines:
            results["PostgreSQL"] = measure("PostgreSQL", engines, sizes, repeat, args.profile)
    elif "postgresql" in backends:
        print("PostgreSQL: skipped (set CLIENTPORTAL_TEST_POSTGRES_URL or pass --postgres URL)")
    missed = []
    for name, quiet in results.items():
        growth = (quiet[sizes[-1]] / sizes[-1]) / (quiet[sizes[0]] / sizes[0])
        line = (
            f"{name}: quiet round ms/request {sizes[-1]:,} vs {sizes[0]:,}: x{growth:.2f} "
            f"(target <= {GROWTH:.0f})"
        )
        late = name == "SQLite" and quiet.get(QUIET_TARGET_SIZE, 0.0) > QUIET_TARGET_MS
        if QUIET_TARGET_SIZE in quiet and name == "SQLite":
            line += (
                f"; quiet round at {QUIET_TARGET_SIZE:,}: {quiet[QUIET_TARGET_SIZE]:.0f} ms "
                f"(target < {QUIET_TARGET_MS:.0f})"
            )
        print(line)
        if growth > GROWTH or late:
            missed.append(name)
    if missed:
        print(f"target missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
