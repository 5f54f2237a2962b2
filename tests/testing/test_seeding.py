"""``seed_approvals``: every status reached through legal steps (the audit trail replays, the
version counts the steps), expenses and trips by ``ItemRef``, from where an item stands, in the
memory store and the SQL store alike; an unreachable status is refused naming the item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientportal import ApprovalState, ApprovalStatus, ItemKind, ItemRef, MemoryStore, Workflow
from clientportal.ports import Store
from clientportal.testing.seeding import seed_approvals
from clientportal.workflow import approval_machine

AT = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    pytest.importorskip("sqlalchemy", reason="the SQL backend needs SQLAlchemy (the sql extra)")
    from clientportal.sql import SqlStore, create_engine, upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'seed.sqlite3'}")
    upgrade(engine)
    yield SqlStore(engine)
    engine.dispose()


def replays(store: Store, ref: ItemRef) -> ApprovalState:
    """The state the item's audit trail replays to (each step legal, chained)."""
    machine = approval_machine(Workflow.INTERNAL_EXTERNAL, auto_forward=False)
    state = ApprovalState()
    for event in store.history(ref.id, ref.kind):
        assert event.before == state
        state = machine.apply(
            event.before, event.action, event.actor, at=event.at, reason=event.reason,
            owner="seed-employee",
        ).state  # fmt: skip
        assert state == event.after
    return state


def test_every_status_is_reached_through_legal_steps(store: Store) -> None:
    wanted = {f"e{n}": status for n, status in enumerate(ApprovalStatus)}
    seeded = seed_approvals(store, wanted, at=AT)
    stored = store.approval_states(frozenset(wanted))
    for entry_id, status in wanted.items():
        ref = ItemRef(ItemKind.ENTRY, entry_id)
        assert seeded[ref].status is status
        if status is ApprovalStatus.OPEN:
            assert entry_id not in stored  # nothing to do: no state, no trail
            continue
        assert stored[entry_id] == seeded[ref] == replays(store, ref)
        assert stored[entry_id].version == len(store.history(entry_id))
    assert stored["e5"].reason == "seeded for a test"  # REJECTED gives a reason
    assert store.history("e4")[0].at == AT


def test_expenses_and_trips_are_seeded_by_their_kind(store: Store) -> None:
    expense, trip = ItemRef(ItemKind.EXPENSE, "x1"), ItemRef(ItemKind.TRIP, "x1")
    seed_approvals(store, {expense: ApprovalStatus.APPROVED, trip: ApprovalStatus.REJECTED})
    assert store.approval_states(frozenset({"x1"}), ItemKind.EXPENSE)["x1"].status is (
        ApprovalStatus.APPROVED
    )
    assert store.approval_states(frozenset({"x1"}), ItemKind.TRIP)["x1"].status is (
        ApprovalStatus.REJECTED
    )
    assert store.approval_states(frozenset({"x1"})) == {}  # no time entry x1


def test_an_item_moves_on_from_where_it_stands(store: Store) -> None:
    seed_approvals(store, {"e1": ApprovalStatus.PENDING_INTERNAL})
    seed_approvals(store, {"e1": ApprovalStatus.APPROVED})
    trail = store.history("e1")
    assert [e.after.status for e in trail][-1] is ApprovalStatus.APPROVED
    assert trail[0].after.status is ApprovalStatus.PENDING_INTERNAL
    assert store.approval_states(frozenset({"e1"}))["e1"].version == len(trail)


def test_a_status_the_workflow_cannot_reach_is_refused_naming_the_item(store: Store) -> None:
    with pytest.raises(ValueError, match=r"entry 'e1' cannot reach PENDING_EXTERNAL .* INTERNAL"):
        seed_approvals(store, {"e1": ApprovalStatus.PENDING_EXTERNAL}, workflow=Workflow.INTERNAL)
    assert list(store.history("e1")) == []
