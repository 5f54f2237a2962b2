"""Benchmark: the streaming visibility filter against a hand-written comprehension.

1,000,000 entries over 50 clients (10 projects each). For one client's portal, time
``list(visible_entries(...))`` and a comprehension that does the same filtering and projection
by hand, best of several runs each, and print their ratio. Target: ratio <= 1.5.

Run: ``.venv/bin/python benchmarks/visibility.py [--entries N] [--repeat R]``. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from clientportal import (
    ApprovalState,
    Portal,
    PortalEntry,
    PortalSettings,
    Project,
    TimeEntry,
    visible_entries,
)

TARGET = 1.5


def build(entries: int, clients: int = 50, projects_per_client: int = 10):
    rnd = random.Random(42)
    projects = [
        Project(f"p{c}-{k}", f"c{c}", f"Project {c}-{k}", member_ids={f"u{c}-{k % 3}"})
        for c in range(clients)
        for k in range(projects_per_client)
    ]
    day0 = dt.date(2026, 1, 1)
    days = [day0 + dt.timedelta(days=d) for d in range(365)]
    rates = [Decimal(r) for r in ("75", "90", "120")]
    states = [ApprovalState()]
    rows = []
    for i in range(entries):
        p = projects[rnd.randrange(len(projects))]
        rows.append(
            TimeEntry(
                id=f"e{i}",
                project_id=p.id,
                employee_id=f"u{i % 7}",
                date=days[i % 365],
                seconds=900 * (1 + i % 32),
                description=f"work item {i}",
                task="dev",
                rate=rates[i % 3],
                cost_rate=Decimal("40"),
                internal_note="internal",
                approval=states[0],
            )
        )
    return projects, rows


def by_hand(portal: Portal, projects: Sequence[Project], entries: Sequence[TimeEntry]):
    """What a developer would write without the library."""
    visible = {
        p.id for p in projects if p.client_id == portal.client_id and p.id in portal.project_ids
    }
    descriptions = portal.settings.show_descriptions
    amounts = portal.settings.show_amounts
    hour = Decimal(3600)
    cent = Decimal("0.01")
    return [
        PortalEntry(
            e.id,
            e.project_id,
            e.employee_id,
            e.date,
            e.seconds,
            e.description if descriptions else None,
            e.task,
            e.billable,
            e.approval.status,
            e.approval.version,
            e.rate if amounts else None,
            (e.rate * e.seconds / hour).quantize(cent, ROUND_HALF_UP)
            if amounts and e.rate is not None
            else None,
        )
        for e in entries
        if e.project_id in visible
    ]


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    projects, entries = build(args.entries)
    print(f"built {len(entries):,} entries over 50 clients in {time.perf_counter() - start:.1f} s")

    worst = 0.0
    for label, settings in [
        ("hours with descriptions", PortalSettings()),
        ("hours with amounts", PortalSettings(show_amounts=True)),
    ]:
        portal = Portal(
            id="portal",
            client_id="c7",
            name="Client 7",
            settings=settings,
            project_ids={f"p7-{k}" for k in range(0, 10, 2)},
            created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
        lib_time, lib = best_of(
            args.repeat, lambda portal=portal: list(visible_entries(portal, projects, entries))
        )
        hand_time, hand = best_of(
            args.repeat, lambda portal=portal: by_hand(portal, projects, entries)
        )
        assert lib == hand, "the library and the hand-written filter disagree"
        ratio = lib_time / hand_time
        worst = max(worst, ratio)
        print(
            f"{label:<26} visible={len(lib):>7,}  visible_entries {lib_time * 1000:7.1f} ms  "
            f"by hand {hand_time * 1000:7.1f} ms  ratio {ratio:.2f} (target <= {TARGET})"
        )
    print(f"worst ratio {worst:.2f}: {'OK' if worst <= TARGET else 'ABOVE TARGET'}")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
