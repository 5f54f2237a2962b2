"""Benchmark: the cost of approval decisions at 1,000,000 entries, with the entry sums kept.

Issue 13, item 4: a decision costs the same whatever the size of the database, the entry sums
(``tt_entry_sums``, kept by triggers on ``tt_entries`` and ``cp_approvals``) included.

1. Bulk approval of 10,000 entries by one client through ``PortalService.approvals
   .client_approve``: the entries read, the steps planned, the compare-and-set of every state,
   10,000 audit events, the company's notice queued in the outbox and the sums moved by the
   triggers, in one transaction. Median of ``--runs`` runs, each by another client on entries
   that await it fresh (never decided). Target: <= 1 s.
2. A single decision: one entry approved by its client, median of ``--singles`` decisions (each
   a fresh entry), after the bulk approvals and on the same pooled connections, as in a server
   that takes both. Target: <= 10 ms.
3. For comparison, both again with the sum triggers dropped (then reinstalled, which recomputes
   the sums from the entries); no target.

Each figure is printed with the part of it spent in ``SqlStore.apply_changes`` (the transaction
that stores the decisions); the rest is the service's (reading the entries, planning the steps,
building the e-mails).

On SQLite (a file) and, when ``CLIENTPORTAL_TEST_POSTGRES_URL`` (or ``--postgres URL``) names a
server, on PostgreSQL in a database of its own (``cp_bench_decisions_<entries>``, created on that
server). The
data are those of ``benchmarks/sql.py``: 50 clients, 500 projects, 1,000,000 entries over three
years. Each run makes its entries await the client with a plain SQL insert (not timed) and
takes its decisions away again afterwards, so the database can be reused; after the runs the
sums are checked against a recomputation from the entries.

Run: ``.venv/bin/python benchmarks/decisions.py [--entries N] [--runs R] [--bulk B]
[--singles S] [--dir PATH] [--postgres URL] [--backends sqlite,postgresql]``. Not a test; exits
with status 1 when a target is missed. Building a database takes a few minutes; ``--dir`` keeps
the SQLite file there and the PostgreSQL database on its server, and reuses both next time.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sql import MAIL, POLICY, SECRET, entries, portal, world
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from clientportal.ports import ApprovalChange, OutboxMessage
from clientportal.service import PortalService, Visit
from clientportal.sql import (
    SqlDataSource,
    SqlStore,
    create_engine,
    load_dataset,
    load_entries,
    reference_metadata,
    safe_url,
    upgrade,
)
from clientportal.sql.sums import drop_entry_sum_triggers, install_entry_sums, stale_entry_sums

BULK_TARGET_S = 1.0
SINGLE_TARGET_MS = 10.0
BULK = 10_000  # entries a bulk approval decides (--bulk)
CLIENTS, PROJECTS_PER_CLIENT = 50, 10
#: The PostgreSQL database the benchmark creates (and drops, unless ``--dir`` keeps it), after
#: this prefix the number of entries.
PG_DATABASE = "cp_bench_decisions_"
#: The clients whose portals decide: bulk runs with the triggers, then without; single
#: decisions with, then without. benchmarks/sql.py's client (c07) is left alone.
FIRST_BULK_CLIENT = 10
SINGLE_CLIENTS = ("c40", "c41")
ADDRESS = "203.0.113.9"


# --------------------------------------------------------------------------------------------------
# The databases


def build(engine: Engine, count: int) -> None:
    """The library's tables and the reference schema, filled with ``count`` entries; the sum
    triggers are dropped while the entries go in and installed after (one recomputation)."""
    started = time.perf_counter()
    upgrade(engine)
    reference_metadata.create_all(engine)
    with engine.begin() as conn:
        drop_entry_sum_triggers(conn)
    load_dataset(engine, world(CLIENTS, PROJECTS_PER_CLIENT))
    load_entries(engine, entries(count, CLIENTS * PROJECTS_PER_CLIENT, PROJECTS_PER_CLIENT))
    with engine.begin() as conn:
        install_entry_sums(conn)
        conn.execute(text("CREATE TABLE bench_built (entries INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO bench_built VALUES (:n)"), {"n": count})
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    if engine.dialect.name == "sqlite":  # the entries out of the write-ahead log, into the file
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"  built: {count:,} entries in {time.perf_counter() - started:.0f} s")


def built(engine: Engine, count: int) -> bool:
    """Whether ``engine``'s database was built completely, with ``count`` entries."""
    with engine.connect() as conn:
        if "bench_built" not in sa.inspect(conn).get_table_names():
            return False
        return conn.execute(text("SELECT entries FROM bench_built")).scalar() == count


@contextmanager
def sqlite_database(folder: Path, count: int) -> Iterator[Engine]:
    path = folder / f"bench-decisions-{count}.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    if not built(engine, count):
        engine.dispose()
        for leftover in folder.glob(f"{path.name}*"):  # a build that was interrupted
            leftover.unlink()
        engine = create_engine(f"sqlite:///{path}")
        print(f"  building {path} ...")
        build(engine, count)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def postgres_database(url: str, count: int, keep: bool) -> Iterator[Engine]:
    """A database of ``count`` entries on the server of ``url`` (:data:`PG_DATABASE`), built
    unless it was built already; dropped on the way out unless ``keep``."""
    name = f"{PG_DATABASE}{count}"
    server = make_url(url)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(server.set(database=name))
    try:
        if not built(engine, count):
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            print(f"  building {safe_url(engine)} ...")
            build(engine, count)
        yield engine
    finally:
        engine.dispose()
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


# --------------------------------------------------------------------------------------------------
# Entries that await a client, and taking the decisions away again


def make_awaiting(engine: Engine, client: str, count: int) -> list[str]:
    """Put ``count`` of ``client``'s undecided entries in PENDING_EXTERNAL (as a staff submit
    would, without its e-mails) and return their ids."""
    with engine.begin() as conn:
        ids = list(
            conn.execute(
                text(
                    "SELECT e.id FROM tt_entries AS e LEFT JOIN cp_approvals AS a "
                    "ON a.entry_id = e.id WHERE e.client_id = :client AND a.entry_id IS NULL "
                    "ORDER BY e.id LIMIT :count"
                ),
                {"client": client, "count": count},
            ).scalars()
        )
        assert len(ids) == count, f"client {client} has only {len(ids)} undecided entries"
        conn.execute(
            text(
                "INSERT INTO cp_approvals (entry_id, status, workflow, version) "
                "VALUES (:id, 'PENDING_EXTERNAL', 'EXTERNAL', 1)"
            ),
            [{"id": i} for i in ids],
        )
    return ids


def forget(engine: Engine, clients: Sequence[str]) -> None:
    """Take every approval state and audit event of ``clients``' entries away, and the outbox."""
    of_clients = "(SELECT id FROM tt_entries WHERE client_id IN :clients)"
    params = {"clients": list(clients)}
    with engine.begin() as conn:
        for table in ("cp_approval_events", "cp_approvals"):
            statement = text(f"DELETE FROM {table} WHERE entry_id IN {of_clients}")
            conn.execute(statement.bindparams(sa.bindparam("clients", expanding=True)), params)
        conn.execute(text("DELETE FROM cp_outbox"))


# --------------------------------------------------------------------------------------------------
# Timing through the service


class TimedStore(SqlStore):
    """A :class:`SqlStore` that adds up the time spent in ``apply_changes`` (the transaction)."""

    spent = 0.0

    def apply_changes(
        self, changes: Sequence[ApprovalChange], outbox: Sequence[OutboxMessage] = ()
    ) -> None:
        started = time.perf_counter()
        try:
            super().apply_changes(changes, outbox)
        finally:
            self.spent += time.perf_counter() - started


class Bench:
    """The service over one database, and a visit of each client's contact."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = TimedStore(engine)
        self.service = PortalService(
            SqlDataSource(engine), self.store, mail=MAIL, secret_keys=[SECRET], policy=POLICY
        )

    def visit(self, client: str) -> Visit:
        the_portal = portal(client, PROJECTS_PER_CLIENT)
        self.store.put_portal(the_portal)
        issued = self.service.links.issue(the_portal.id, f"k{client[1:]}")
        opening = self.service.access.open(issued.token, client=ADDRESS)
        assert opening.session is not None
        return self.service.access.check_session(opening.session.value, client=ADDRESS)

    def approve(self, visit: Visit, ids: Sequence[str]) -> tuple[float, float]:
        """The client approves ``ids``: seconds in all, and in the store's transaction."""
        self.store.spent = 0.0
        started = time.perf_counter()
        result = self.service.approvals.client_approve(visit, ids)
        elapsed = time.perf_counter() - started
        applied = sum(1 for o in result.outcomes if o.state is not None)
        assert applied == len(ids), f"only {applied} of {len(ids)} entries were approved"
        return elapsed, self.store.spent


def bulk(bench: Bench, clients: Sequence[str], size: int, sums: bool) -> tuple[float, float]:
    """Median seconds of a bulk approval of ``size`` entries by each of ``clients``, in all and
    in the store."""
    service = bench.service
    totals, stored = [], []
    for client in clients:
        visit = bench.visit(client)
        ids = make_awaiting(bench.engine, client, size)
        if sums:  # the awaiting count is read from the sums
            assert service.pages.overview(visit).awaiting_count == size
        elapsed, spent = bench.approve(visit, ids)
        totals.append(elapsed)
        stored.append(spent)
        assert len(service.approvals.history(ids[-1])) == 1
        assert len(bench.store.pending()) == 1, "the company's notice was not queued"
        if sums:
            assert service.pages.overview(visit).awaiting_count == 0
        forget(bench.engine, [client])
    return statistics.median(totals), statistics.median(stored)


def singles(bench: Bench, client: str, count: int) -> tuple[float, float]:
    """Median milliseconds of one entry approved by ``client``, ``count`` times (each a fresh
    entry), in all and in the store."""
    visit = bench.visit(client)
    ids = make_awaiting(bench.engine, client, count + 5)
    for entry_id in ids[:5]:  # warm up
        bench.approve(visit, [entry_id])
    totals, stored = [], []
    for entry_id in ids[5:]:
        elapsed, spent = bench.approve(visit, [entry_id])
        totals.append(elapsed)
        stored.append(spent)
    forget(bench.engine, [client])
    return statistics.median(totals) * 1000, statistics.median(stored) * 1000


def measure(label: str, engine: Engine, runs: int, size: int, count: int) -> list[str]:
    """Print the figures of one database; return the targets it missed."""
    bench = Bench(engine)
    with_sums = [f"c{n:02d}" for n in range(FIRST_BULK_CLIENT, FIRST_BULK_CLIENT + runs)]
    without = [f"c{n:02d}" for n in range(FIRST_BULK_CLIENT + runs, FIRST_BULK_CLIENT + 2 * runs)]
    forget(engine, [*with_sums, *without, *SINGLE_CLIENTS])  # a run that was interrupted
    bulk_s, bulk_store = bulk(bench, with_sums, size, sums=True)
    one_ms, one_store = singles(bench, SINGLE_CLIENTS[0], count)
    started = time.perf_counter()
    with engine.begin() as conn:
        stale = stale_entry_sums(conn)
    checked = time.perf_counter() - started
    with engine.begin() as conn:
        drop_entry_sum_triggers(conn)
    try:
        bare_s, bare_store = bulk(bench, without, size, sums=False)
        bare_ms, bare_one_store = singles(bench, SINGLE_CLIENTS[1], count)
    finally:
        with engine.begin() as conn:
            install_entry_sums(conn)
    print(f"{label}: bulk approval of {size:,} entries (median of {runs}, a fresh client each)")
    print(f"   with the sum triggers      {bulk_s:7.3f} s  (store {bulk_store:.3f} s)  "
          f"target <= {BULK_TARGET_S} s")  # fmt: skip
    print(f"   without (for comparison)   {bare_s:7.3f} s  (store {bare_store:.3f} s)")
    print(f"{label}: a single decision (median of {count}, a fresh entry each)")
    print(f"   with the sum triggers      {one_ms:7.2f} ms (store {one_store:.2f} ms)  "
          f"target <= {SINGLE_TARGET_MS} ms")  # fmt: skip
    print(f"   without (for comparison)   {bare_ms:7.2f} ms (store {bare_one_store:.2f} ms)")
    print(f"   sums checked against a recomputation from the entries: "
          f"{'right' if not stale else f'{len(stale)} rows wrong'} ({checked:.0f} s)")  # fmt: skip
    missed = []
    if bulk_s > BULK_TARGET_S:
        missed.append(f"{label}: bulk approval took {bulk_s:.3f} s")
    if one_ms > SINGLE_TARGET_MS:
        missed.append(f"{label}: a single decision took {one_ms:.2f} ms")
    if stale:
        missed.append(f"{label}: {len(stale)} rows of the sums differ from the entries")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="bulk approvals timed (each way)")
    parser.add_argument("--bulk", type=int, default=BULK, help="entries of a bulk approval")
    parser.add_argument("--singles", type=int, default=50, help="single decisions timed")
    parser.add_argument("--dir", type=Path, help="keep the databases (reused next time)")
    parser.add_argument("--postgres", default=os.environ.get("CLIENTPORTAL_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--backends", default="sqlite,postgresql", type=lambda names: set(names.split(","))
    )
    args = parser.parse_args(argv)
    if not args.backends <= {"sqlite", "postgresql"}:
        parser.error("--backends is a comma-separated list of sqlite and postgresql")
    if not 1 <= args.runs <= (40 - FIRST_BULK_CLIENT) // 2:
        parser.error(f"--runs must be between 1 and {(40 - FIRST_BULK_CLIENT) // 2}")
    if args.entries < CLIENTS * max(args.bulk, args.singles + 5):
        parser.error(f"--entries must be at least {CLIENTS * max(args.bulk, args.singles + 5):,}")
    missed: list[str] = []
    if "sqlite" in args.backends:
        with tempfile.TemporaryDirectory() as scratch:
            folder = args.dir or Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            print(f"SQLite {sqlite3.sqlite_version}, {args.entries:,} entries, in {folder}")
            with sqlite_database(folder, args.entries) as engine:
                missed += measure("SQLite", engine, args.runs, args.bulk, args.singles)
    if "postgresql" in args.backends and args.postgres:
        with postgres_database(args.postgres, args.entries, keep=args.dir is not None) as engine:
            with engine.connect() as conn:
                version = conn.execute(text("SHOW server_version")).scalar()
            print(f"PostgreSQL {version}, {args.entries:,} entries, database {engine.url.database}")
            missed += measure("PostgreSQL", engine, args.runs, args.bulk, args.singles)
    elif "postgresql" in args.backends:
        print("(no PostgreSQL: set CLIENTPORTAL_TEST_POSTGRES_URL or give --postgres URL)")
    for miss in missed:
        print(f"MISSED: {miss}")
    print("all targets met" if not missed else "some targets missed (see above)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
