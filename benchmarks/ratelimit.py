"""Benchmark: the cost of one rate-limit hit as distinct client addresses pile up (finding 10).

1. ``TokenBucketLimiter`` (in process) holding N keys with ``max_keys = N`` (10,000, 100,000 and
   1,000,000): every further hit is a new address past ``max_keys``, which evicts the least
   recently hit key. The old limiter re-sorted every key under its lock on each such hit
   (77.6 ms a hit at 100,000). Target: <= 20 µs a hit at every size.
2. ``SqlRateLimiter`` on a SQLite file and, when ``CLIENTPORTAL_TEST_POSTGRES_URL`` (or
   ``--postgres URL``) names a server, on PostgreSQL (in a schema of its own, dropped after):
   ``cp_rate_limits`` holding N rows, then hits of new keys (an INSERT each) and of keys already
   there (an UPDATE each), one transaction a hit as the gate makes them, next to the floor of
   any write: a one-row INSERT in a transaction of its own (the commit dominates, on PostgreSQL
   above all). Targets: a hit <= 3x that floor, and the cost at 1,000,000 rows <= 3x the cost at
   10,000 (no hit grows with the table).

Run: ``.venv/bin/python benchmarks/ratelimit.py [--sizes 10000,100000,1000000] [--hits H]``. Not
a test; exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from clientportal import TokenBucketLimiter
from clientportal.sql import SqlRateLimiter, create_engine, upgrade
from clientportal.sql.engine import WRITE
from clientportal.sql.testing import clear_tables, temporary_schema

MEMORY_TARGET_US = 20.0
SQL_TARGET_RATIO = 3.0
SQL_GROWTH = 3.0
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def memory_per_hit(size: int, hits: int) -> float:
    """µs per hit of a new address into a TokenBucketLimiter full at ``max_keys = size``."""
    limiter = TokenBucketLimiter(capacity=20, refill_every=MINUTE, max_keys=size)
    for n in range(size):
        limiter.hit(f"fill{n}", now=NOW)
    started = time.perf_counter()
    for n in range(hits):
        limiter.hit(f"new{n}", now=NOW)
    elapsed = time.perf_counter() - started
    assert len(limiter) == size
    return elapsed / hits * 1e6


def fill(engine: Engine, size: int) -> None:
    """``size`` rows of the limiter "open" in ``cp_rate_limits``, hit at NOW (none is full)."""
    clear_tables(engine, reference=False)
    if engine.dialect.name == "postgresql":
        statement = (
            "INSERT INTO cp_rate_limits (key, level, at) "
            "SELECT 'open:fill' || n, 5.0, :at FROM generate_series(1, :size) AS n"
        )
        at: object = NOW
    else:
        statement = (
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :size) "
            "INSERT INTO cp_rate_limits (key, level, at) SELECT 'open:fill' || n, 5.0, :at FROM seq"
        )
        at = NOW.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    with engine.begin() as conn:
        conn.execute(text(statement), {"size": size, "at": at})


def sql_per_hit(engine: Engine, size: int, hits: int) -> tuple[float, float]:
    """µs per hit with ``size`` rows in the table: of new keys, and of keys already there."""
    fill(engine, size)
    limiter = SqlRateLimiter(engine, "open", capacity=20, refill_every=MINUTE)
    started = time.perf_counter()
    for n in range(hits):
        limiter.hit(f"new{n}", now=NOW)
    new = (time.perf_counter() - started) / hits * 1e6
    started = time.perf_counter()
    for n in range(hits):
        limiter.hit(f"fill{n * (size // hits) + 1}", now=NOW)
    known = (time.perf_counter() - started) / hits * 1e6
    return new, known


def floor_per_write(engine: Engine, writes: int) -> float:
    """µs per one-row INSERT in a transaction of its own (BEGIN IMMEDIATE on SQLite)."""
    writer = engine.execution_options(**{WRITE: True})
    with writer.begin() as conn:
        conn.execute(text("CREATE TABLE bench_floor (k VARCHAR(40) PRIMARY KEY, v INTEGER)"))
    started = time.perf_counter()
    for n in range(writes):
        with writer.begin() as conn:
            conn.execute(text("INSERT INTO bench_floor VALUES (:k, 1)"), {"k": f"k{n}"})
    elapsed = time.perf_counter() - started
    with writer.begin() as conn:
        conn.execute(text("DROP TABLE bench_floor"))
    return elapsed / writes * 1e6


@contextmanager
def databases(postgres: str | None) -> Iterator[list[tuple[str, Engine]]]:
    """A SQLite file and, when ``postgres`` is given, a throw-away PostgreSQL schema."""
    with tempfile.TemporaryDirectory() as folder:
        sqlite = create_engine(f"sqlite:///{Path(folder) / 'limits.sqlite3'}")
        upgrade(sqlite)
        found = [("SQLite", sqlite)]
        if postgres is None:
            yield found
        else:
            with temporary_schema(postgres) as pg:
                upgrade(pg)
                yield [*found, ("PostgreSQL", pg)]
        sqlite.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--hits", type=int, default=2_000, help="timed hits per size")
    parser.add_argument("--postgres", default=os.environ.get("CLIENTPORTAL_TEST_POSTGRES_URL"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    missed: list[str] = []

    print("TokenBucketLimiter, a new address past max_keys (µs per hit)")
    for size in sizes:
        cost = memory_per_hit(size, args.hits * 10)
        print(f"  {size:>9,} keys  {cost:8.2f} µs")
        if cost > MEMORY_TARGET_US:
            missed.append(f"TokenBucketLimiter at {size:,} keys: {cost:.1f} µs")

    with databases(args.postgres) as engines:
        for label, engine in engines:
            floor = floor_per_write(engine, args.hits)
            print(f"SqlRateLimiter on {label} (µs per hit: new key / known key; a one-row "
                  f"INSERT transaction: {floor:.1f} µs)")  # fmt: skip
            costs: list[float] = []
            for size in sizes:
                new, known = sql_per_hit(engine, size, args.hits)
                costs.append(max(new, known))
                print(f"  {size:>9,} rows  {new:8.1f} µs / {known:8.1f} µs")
                if max(new, known) > SQL_TARGET_RATIO * floor:
                    missed.append(
                        f"SqlRateLimiter on {label} at {size:,} rows: {max(new, known):.0f} µs, "
                        f"{max(new, known) / floor:.1f}x a one-row INSERT transaction"
                    )
            if costs[-1] > SQL_GROWTH * costs[0]:
                missed.append(f"SqlRateLimiter on {label}: {costs[-1] / costs[0]:.1f}x from "
                              f"{sizes[0]:,} to {sizes[-1]:,} rows")  # fmt: skip
    if args.postgres is None:
        print("(no PostgreSQL: set CLIENTPORTAL_TEST_POSTGRES_URL or give --postgres URL)")
    for miss in missed:
        print(f"MISSED: {miss}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
