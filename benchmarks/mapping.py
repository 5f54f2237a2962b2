"""Benchmark: a mapped source (:mod:`clientportal.sql.mapping`) against the reference
``SqlDataSource``, on SQLite, with the same 75,000 entries in each.

The mapped source reads the tracker of the mapping guide (``docs/mapping.md``: integer ids,
minutes, tasks by lookup; its schema and map are taken from the guide's code blocks), with an
index on ``(project_id, date)`` as a host would add for its own lists. The reference source
reads the ``tt_*`` schema with its entry sums. Both databases hold one client with 5 projects, 20
employees, 75,000 entries over two years, a tenth of them approved in ``cp_approvals``.

Timed (median of ``--runs``): the first page of 50 entries, a page deep in the list (after
entry 60,000), the totals of every entry (no filter, a status filter, one month), the seconds per
week of twelve weeks and the employees of the entries. The answers of both sources are checked
to be equal. There is no target: the figures say what the mapping costs.

Run: ``.venv/bin/python benchmarks/mapping.py [--entries N] [--runs R]``. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clientportal.model import (
    ApprovalState,
    ApprovalStatus,
    Client,
    Dataset,
    Employee,
    Project,
    TimeEntry,
    Workflow,
)
from clientportal.ports import EntryCursor, EntryQuery
from clientportal.sql import SqlDataSource, create_engine, load_dataset, upgrade
from clientportal.visibility import Scope

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "mapping.md"
DAY0 = dt.date(2026, 11, 30)
APPROVED = ApprovalState(ApprovalStatus.APPROVED, Workflow.EXTERNAL, 2)


def guide() -> dict[str, Any]:
    """The tracker's tables and ``tracker_source`` as the guide declares them."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(blocks[:2]), str(GUIDE), "exec"), namespace)
    return namespace


def dataset(count: int) -> Dataset:
    """One client, 5 projects, 20 employees, ``count`` entries in whole minutes."""
    rng = random.Random(16)
    entries = [
        TimeEntry(
            id=str(i),
            project_id=str(1 + i % 5),
            employee_id=str(1 + rng.randrange(20)),
            date=DAY0 - dt.timedelta(days=rng.randrange(730)),
            seconds=60 * rng.randrange(15, 480),
            description=f"work {i}",
            approval=APPROVED if i % 10 == 0 else ApprovalState(),
        )
        for i in range(1, count + 1)
    ]
    return Dataset(
        clients=[Client(id="1", name="Acme")],
        employees=[Employee(id=str(i), name=f"E{i}") for i in range(1, 21)],
        projects=[Project(id=str(i), client_id="1", name=f"P{i}") for i in range(1, 6)],
        entries=entries,
    )


def load_tracker(engine: sa.engine.Engine, data: Dataset, g: dict[str, Any]) -> None:
    """The dataset into the guide's tracker tables (and its approvals into ``cp_approvals``)."""
    with engine.begin() as conn:
        g["tracker"].create_all(conn)
        sa.Index("ix_entry_project_date", g["entry"].c.project_id, g["entry"].c.date).create(conn)
        conn.execute(g["client"].insert(), [{"id": 1, "name": "Acme"}])
        conn.execute(
            g["user"].insert(), [{"id": int(e.id), "username": e.name} for e in data.employees]
        )
        conn.execute(
            g["project"].insert(),
            [{"id": int(p.id), "client_id": 1, "name": p.name} for p in data.projects],
        )
        conn.execute(
            g["entry"].insert(),
            [
                {"id": int(e.id), "project_id": int(e.project_id), "user_id": int(e.employee_id),
                 "task_id": None, "date": e.date, "minutes": e.seconds // 60,
                 "notes": e.description}
                for e in data.entries
            ],
        )  # fmt: skip


def median_ms(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=75_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args(argv)
    data = dataset(args.entries)
    g = guide()
    with tempfile.TemporaryDirectory() as scratch:
        reference_engine = create_engine(f"sqlite:///{scratch}/reference.sqlite3")
        upgrade(reference_engine)
        load_dataset(reference_engine, data)
        mapped_engine = create_engine(f"sqlite:///{scratch}/tracker.sqlite3")
        upgrade(mapped_engine)
        load_tracker(mapped_engine, data, g)
        with mapped_engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO cp_approvals (entry_id, status, workflow, version) "
                        "VALUES (:id, 'APPROVED', 'EXTERNAL', 2)"),
                [{"id": e.id} for e in data.entries if e.approval == APPROVED],
            )  # fmt: skip
            conn.execute(sa.text("ANALYZE"))
        reference = SqlDataSource(reference_engine)
        mapped = g["tracker_source"](mapped_engine)
        scope = Scope(
            client_id="1", project_ids=frozenset({"1", "2", "3", "4", "5"}), entries=True,
            descriptions=True, amounts=False, non_billable_amounts=False,
            budget_types=frozenset(), invoices=False, quotes=False, documents_scope="client",
            document_statuses=frozenset(), approval=True,
        )  # fmt: skip
        ordered = sorted(data.entries, key=lambda e: (-e.date.toordinal(), int(e.id)))
        deep = ordered[min(60_000, len(ordered) - 1)]
        text_deep = sorted(data.entries, key=lambda e: (-e.date.toordinal(), e.id))[
            min(60_000, len(ordered) - 1)
        ]
        month = EntryQuery(date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 6, 30))
        approved = EntryQuery(statuses=frozenset({ApprovalStatus.APPROVED}))
        first_week = DAY0 - dt.timedelta(days=DAY0.weekday() + 77)
        last_week = DAY0 - dt.timedelta(days=DAY0.weekday())
        cases: list[tuple[str, Callable[[Any], object], Callable[[Any], object]]] = [
            ("first page (50)",
             lambda s: s.entries(scope, EntryQuery(limit=50)), None),
            ("page after entry 60,000",
             lambda s: s.entries(scope, EntryQuery(limit=50, after=EntryCursor(deep.date, deep.id))),  # noqa: E501
             lambda s: s.entries(scope, EntryQuery(limit=50, after=EntryCursor(text_deep.date, text_deep.id)))),  # noqa: E501
            ("totals, no filter", lambda s: s.entry_totals(scope, EntryQuery()), None),
            ("totals, status APPROVED", lambda s: s.entry_totals(scope, approved), None),
            ("totals, one month", lambda s: s.entry_totals(scope, month), None),
            ("seconds per week, 12 weeks",
             lambda s: s.entry_week_seconds(scope, first_week, last_week), None),
            ("employees of the entries", lambda s: s.entry_employee_ids(scope), None),
        ]  # fmt: skip
        print(f"{args.entries:,} entries, SQLite, median of {args.runs} (ms)")
        print(f"{'':32} {'SqlDataSource':>14} {'mapped':>10}")
        for name, call, reference_call in cases:
            reference_answer = (reference_call or call)(reference)
            mapped_answer = call(mapped)
            if _comparable(reference_answer) != _comparable(mapped_answer):
                print(f"  {name}: the answers differ", file=sys.stderr)
                return 1
            r = median_ms(lambda: (reference_call or call)(reference), args.runs)  # noqa: B023
            m = median_ms(lambda: call(mapped), args.runs)  # noqa: B023
            print(f"{name:32} {r:14.2f} {m:10.2f}")
    return 0


def _comparable(answer: object) -> object:
    entries = getattr(answer, "entries", None)
    if entries is not None:
        # Within a day the reference orders ids as text, the tracker as numbers: the pages hold
        # entries of the same days, not always the same ones.
        return [e.date for e in entries]
    return answer


if __name__ == "__main__":
    sys.exit(main())
