"""Undo on the SQL store (SQLite, PostgreSQL): the audit trail the rules read, the undo stored with
its notice and event in one transaction, and a decision undone once however many tabs press
"Undo" at the same moment."""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("sqlalchemy", reason="the SQL backend needs the sql extra")

from clientportal import ApprovalPolicy, ApprovalStatus, ItemRef, MemoryDataSource, Workflow
from clientportal.memory import ManualClock
from clientportal.service import Outcome, PortalService
from clientportal.sql import SqlStore
from clientportal.workflow import Action
from worlds import EVA, MAIL, SECRET, T0, acme_portal, mails_of, service_dataset, visit_as

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def sql_service(
    engine: Engine, *, invoiced: tuple[ItemRef, ...] = ()
) -> tuple[PortalService, SqlStore, ManualClock]:
    store = SqlStore(engine)
    store.put_portal(acme_portal())
    data = MemoryDataSource(service_dataset(), store, invoiced=invoiced)
    clock = ManualClock(T0)
    service = PortalService(
        data,
        store,
        mail=MAIL,
        secret_keys=[SECRET],
        clock=clock,
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        undo_window=dt.timedelta(minutes=10),
    )
    return service, store, clock


def undone_events(store: SqlStore) -> list[str]:
    return [e.type for e in store.events(limit=1000) if e.type.endswith(".undone")]


def test_an_undo_is_stored_with_its_notice_and_event(engine: Engine) -> None:
    service, store, clock = sql_service(engine, invoiced=(ItemRef.entry("w3"),))
    service.approvals.submit(["w1", "w3"], by=EVA)
    anna = visit_as(service, "anna")
    service.approvals.client_approve(anna, ["w1", "w3"])
    clock.advance(dt.timedelta(minutes=9))
    before = {m.id for m in store.pending()}

    result = service.approvals.client_undo(anna, ["w1", "w3"])

    assert [o.outcome for o in result.outcomes] == [Outcome.APPLIED, Outcome.NOT_ALLOWED]
    assert store.approval_states(frozenset({"w1"}))["w1"].status is ApprovalStatus.PENDING_EXTERNAL
    assert [e.action for e in store.history("w1")] == [Action.SUBMIT, Action.APPROVE, Action.UNDO]
    assert undone_events(store) == ["entries.undone"]
    [notice] = mails_of([m for m in store.pending() if m.id not in before])
    assert "took back their decision on 1 time entry" in str(notice["Subject"])
    clock.advance(dt.timedelta(minutes=2))
    service.approvals.client_approve(anna, ["w1"])
    clock.advance(dt.timedelta(minutes=11))
    [late] = service.approvals.client_undo(anna, ["w1"]).not_allowed
    assert "ran out" in (late.why or "")


def test_eight_tabs_pressing_undo_at_once_undo_the_decision_once(engine: Engine) -> None:
    service, store, _ = sql_service(engine)
    service.approvals.submit(["w1"], by=EVA)
    anna = visit_as(service, "anna")
    service.approvals.client_approve(anna, ["w1"])
    before = {m.id for m in store.pending()}
    barrier = threading.Barrier(8)
    outcomes: list[Outcome] = []

    def press() -> None:
        barrier.wait()
        [outcome] = service.approvals.client_undo(anna, ["w1"]).outcomes
        outcomes.append(outcome.outcome)

    threads = [threading.Thread(target=press) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(Outcome.APPLIED) == 1
    assert len(outcomes) == 8
    assert [e.action for e in store.history("w1")].count(Action.UNDO) == 1
    assert undone_events(store) == ["entries.undone"]
    assert len([m for m in store.pending() if m.id not in before]) == 1
