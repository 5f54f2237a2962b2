"""Concurrency: eight threads deciding on the same 200 entries at once through ``apply_changes``.

Each thread reads the entries' states, takes a legal step on a random batch with the workflow
machine and writes it with compare-and-set; a lost race is retried from a fresh read. Afterwards
every entry is in one legal state, its versions run 1, 2, 3 … without a gap, its audit trail
replays (each step legal, each ``after`` the next ``before``) to the stored state, and every
winning batch queued its one e-mail while no losing batch left anything behind.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from clientportal.model import ApprovalState, Workflow
from clientportal.ports import ApprovalChange, ChangedMeanwhile, OutboxMessage
from clientportal.sql import SqlStore, create_engine
from clientportal.sql.testing import clear_tables, postgres_url, ready_for_tests, temporary_schema
from clientportal.workflow import Actor, ApprovalMachine, Party, approval_machine

THREADS = 8
ENTRIES = [f"e{n:03d}" for n in range(200)]
ROUNDS = 25
OWNER = "u1"
ACTORS = (Actor(Party.EMPLOYEE, OWNER), Actor(Party.MANAGER, "m1"), Actor(Party.CLIENT, "k1"))
T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    engine = ready_for_tests(create_engine(f"sqlite:///{tmp_path / 'race.sqlite3'}"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Engine]:
    with temporary_schema(postgres_url()) as engine:
        yield ready_for_tests(engine)


def mail(message_id: str) -> OutboxMessage:
    message = EmailMessage()
    message["From"] = "portal@example.com"
    message["To"] = "office@example.com"
    message["Subject"] = "Decisions"
    message["Message-ID"] = f"<{message_id}@example.com>"
    message.set_content("decided")
    return OutboxMessage.of(message_id, message, created_at=T0)


def decide_in_a_loop(
    store: SqlStore, machine: ApprovalMachine, seed: int, tally: dict[str, int]
) -> None:
    rng = random.Random(seed)
    for round_ in range(ROUNDS):
        while True:
            batch = rng.sample(ENTRIES, rng.randint(1, 12))
            states = store.approval_states(frozenset(batch))
            changes = []
            for entry_id in sorted(batch):
                state = states.get(entry_id, ApprovalState())
                moves = [(a, act) for a in ACTORS for act in machine.allowed(state, a, owner=OWNER)]
                if not moves:
                    continue
                actor, action = rng.choice(moves)
                step = machine.apply(
                    state, action, actor, at=T0, reason=f"thread {seed}", owner=OWNER
                )
                changes.append(ApprovalChange(entry_id, state.version, step.state, step.event))
            if not changes:
                break
            try:
                store.apply_changes(changes, [mail(f"m-{seed}-{round_}")])
            except ChangedMeanwhile:
                tally["lost"] += 1
                continue
            tally["won"] += 1
            tally["changes"] += len(changes)
            break


def race(engine: Engine) -> None:
    clear_tables(engine)
    store = SqlStore(engine)
    machine = approval_machine(Workflow.INTERNAL_EXTERNAL, auto_forward=False)
    tallies = [{"won": 0, "lost": 0, "changes": 0} for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(seed: int) -> None:
        barrier.wait()
        try:
            decide_in_a_loop(store, machine, seed, tallies[seed])
        except BaseException as error:  # reported below, with the thread's seed
            errors.append(error)

    pool = [threading.Thread(target=run, args=(seed,)) for seed in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors, f"a thread failed: {errors[0]!r}"

    won = sum(t["won"] for t in tallies)
    assert sum(t["lost"] for t in tallies) > 0, "no race was lost: the test did not race"
    states = store.approval_states(frozenset(ENTRIES))
    steps = 0
    for entry_id in ENTRIES:
        trail = list(store.history(entry_id))
        state = states.get(entry_id, ApprovalState())
        steps += len(trail)
        assert [e.after.version for e in trail] == list(range(1, len(trail) + 1)), entry_id
        assert state.version == len(trail)
        before = ApprovalState()
        for event in trail:
            assert event.before == before, f"{entry_id}: the trail does not chain"
            replayed = machine.apply(
                event.before,
                event.action,
                event.actor,
                at=event.at,
                reason=event.reason,
                owner=OWNER,
            )
            assert replayed.state == event.after, f"{entry_id}: an illegal step was stored"
            before = event.after
        assert before == state, f"{entry_id}: the trail does not end in the stored state"
    assert steps == sum(t["changes"] for t in tallies)
    assert len(store.pending()) == won


def test_eight_threads_deciding_on_200_entries_in_postgres(postgres: Engine) -> None:
    race(postgres)


def test_eight_threads_deciding_on_200_entries_in_sqlite(sqlite_file: Engine) -> None:
    race(sqlite_file)
