"""Deciding (``service/approvals.py``): the client's decisions and the staff's actions, bulk
outcomes, optimistic concurrency (changed meanwhile, never overwritten) and the audit trail.

The e-mails the decisions queue in the same transaction are tested in ``test_notify.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from attrs import evolve

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    MemoryStore,
    ValidationError,
    Workflow,
    WorkflowError,
)
from clientportal.ports import ApprovalChange, EntryQuery, NewEvent, OutboxMessage
from clientportal.service import Outcome
from clientportal.workflow import Action, Actor, Party
from worlds import (
    EVA,
    MAX,
    OPEN_ON_WEB,
    acme_portal,
    mails_of,
    service_world,
    visit_as,
)

# --------------------------------------------------------------------------------------------------
# The client decides


def test_client_approves_in_bulk_and_the_company_is_told() -> None:
    w = service_world()
    w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    before = {m.id for m in w.store.pending()}
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_approve(anna, ["w1", "w2", "w3"])
    assert [o.outcome for o in result.outcomes] == [Outcome.APPLIED] * 3
    assert all(o.state and o.state.status is ApprovalStatus.APPROVED for o in result.outcomes)
    new = [m for m in w.store.pending() if m.id not in before]
    assert len(new) == 1
    notice = mails_of(new)[0]
    assert notice["To"] == "Office <office@example.com>, boss@example.com"
    assert "anna@acme.example" in str(notice["Reply-To"])
    assert "approved 3 time entries" in str(notice["Subject"])
    history = w.service.approvals.history("w1")
    assert [e.action for e in history] == [Action.SUBMIT, Action.APPROVE]
    assert history[-1].actor == Actor(Party.CLIENT, "anna")
    awaiting = w.service.pages.awaiting_approval(anna)
    assert [e.id for e in awaiting.entries] == ["w5", "w6", "w4"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_without_reason_is_refused_and_changes_nothing(reason: str) -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=EVA)
    anna = visit_as(w.service, "anna")
    with pytest.raises(ValidationError, match="needs a reason"):
        w.service.approvals.client_reject(anna, ["w1"], reason=reason)
    assert len(w.service.approvals.history("w1")) == 1


def test_entries_outside_the_portal_are_not_found_and_not_pending_are_not_allowed() -> None:
    w = service_world()
    w.service.approvals.submit(["w1", "a1"], by=Actor(Party.MANAGER, "max"))
    w.service.approvals.submit(["g1"], by=Actor(Party.EMPLOYEE, "sam"))
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_approve(anna, ["a1", "g1", "nope", "w2", "w7", "w1", "w1"])
    outcomes = {o.entry_id: o.outcome for o in result.outcomes}
    assert [o.entry_id for o in result.outcomes] == ["a1", "g1", "nope", "w2", "w7", "w1"]
    assert outcomes == {
        "a1": Outcome.NOT_FOUND,  # Acme's, but not in this portal
        "g1": Outcome.NOT_FOUND,  # Globex's: looks the same as one that does not exist
        "nope": Outcome.NOT_FOUND,
        "w2": Outcome.NOT_ALLOWED,  # still open
        "w7": Outcome.NOT_ALLOWED,  # approved already
        "w1": Outcome.APPLIED,
    }
    assert result.not_found[1].why == "there is no entry 'g1' in portal 'acme-web'"
    assert w.service.approvals.history("g1")[-1].action is Action.SUBMIT  # untouched


def test_a_shared_link_and_a_portal_without_approval_cannot_decide() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=EVA)
    shared = visit_as(w.service, None)
    with pytest.raises(WorkflowError, match="shared"):
        w.service.approvals.client_approve(shared, ["w1"])
    w.service.admin.update_portal(
        "acme-web", settings=evolve(acme_portal().settings, approval=False)
    )
    anna = visit_as(w.service, "anna")
    with pytest.raises(WorkflowError, match="does not let its client approve"):
        w.service.approvals.client_approve(anna, ["w1"])
    assert len(w.service.approvals.history("w1")) == 1


def test_the_client_may_only_approve_or_reject() -> None:
    w = service_world()
    anna = visit_as(w.service, "anna")
    w.service.approvals.submit(["w1"], by=EVA)
    before = w.service.approvals.history("w1")
    # The workflow is the one place that says who may take a step: a client never reopens.
    result = w.service.approvals.client_decide(anna, Action.REOPEN, ["w1"], reason="x")
    [refused] = result.not_allowed
    assert refused.entry_id == "w1"
    assert "CLIENT may not REOPEN" in (refused.why or "")
    assert w.service.approvals.history("w1") == before
    with pytest.raises(ValidationError, match="no entries given"):
        w.service.approvals.client_approve(anna, [])
    with pytest.raises(ValidationError, match="single string"):
        w.service.approvals.client_approve(anna, "w1")


# --------------------------------------------------------------------------------------------------
# Optimistic concurrency


def test_a_decision_on_a_stale_version_is_changed_meanwhile() -> None:
    w = service_world()
    w.service.approvals.submit(["w1", "w3"], by=EVA)
    anna = visit_as(w.service, "anna")
    seen = {e.id: e.version for e in w.service.pages.awaiting_approval(anna).entries}
    w.service.approvals.withdraw(["w1"], by=EVA)  # somebody moves w1 on after Anna loaded the page
    w.service.approvals.submit(["w1"], by=EVA)
    result = w.service.approvals.client_approve(anna, ["w1", "w3"], versions=seen)
    assert [o.outcome for o in result.outcomes] == [Outcome.CHANGED_MEANWHILE, Outcome.APPLIED]
    assert w.service.approvals.history("w1")[-1].action is Action.SUBMIT  # not overwritten


class RacingStore(MemoryStore):
    """A store where another decider gets in first, once, on ``victims``."""

    def __init__(self, victims: set[str]) -> None:
        super().__init__()
        self.victims = victims
        self.calls: list[list[str]] = []
        self.outboxes: list[int] = []

    def apply_changes(
        self,
        changes: Sequence[ApprovalChange],
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
        **written: Any,
    ) -> None:
        self.calls.append([c.entry_id for c in changes])
        self.outboxes.append(len(outbox))
        victims, self.victims = self.victims, set()
        if victims:
            # Bob's decision lands first: each victim moves on one version.
            super().apply_changes(
                [
                    evolve(c, state=evolve(c.state, reason="bob was first"))
                    for c in changes
                    if c.entry_id in victims
                ]
            )
        super().apply_changes(changes, outbox, events, **written)


def test_a_lost_race_reports_changed_meanwhile_and_stores_the_rest_once() -> None:
    store = RacingStore(set())
    service = service_world(store=store).service
    service.approvals.submit(OPEN_ON_WEB, by=MAX)
    anna = visit_as(service, "anna")
    store.victims = {"w2", "w5"}
    store.calls.clear()
    store.outboxes.clear()
    before = {m.id for m in store.pending()}
    result = service.approvals.client_approve(anna, OPEN_ON_WEB)
    assert {o.entry_id for o in result.changed_meanwhile} == {"w2", "w5"}
    assert {o.entry_id for o in result.applied} == {"w1", "w3", "w4", "w6"}
    assert store.calls == [OPEN_ON_WEB, ["w1", "w3", "w4", "w6"]]
    assert store.outboxes == [1, 1]  # the notice was built again for what was left
    [notice] = mails_of([m for m in store.pending() if m.id not in before])
    assert "approved 4 time entries" in str(notice["Subject"])
    # Bob's decision stands: Anna's did not overwrite it
    assert store.approval_states(frozenset({"w2"}))["w2"].reason == "bob was first"
    assert len(store.history("w2")) == 2


def test_eight_threads_deciding_the_same_entries_each_entry_decided_once() -> None:
    w = service_world(extra_entries=120)
    ids = [e.id for e in w.service.pages.hours(acme_portal(), EntryQuery(limit=1000)).entries]
    ids = [i for i in ids if i != "w7"]
    assert w.service.approvals.submit(ids, by=MAX).all_applied
    visits = [visit_as(w.service, "anna" if i % 2 else "bob") for i in range(8)]
    results = []
    barrier = threading.Barrier(8)

    def decide(n: int) -> None:
        barrier.wait()
        order = ids[n:] + ids[:n]
        if n % 2:
            results.append(w.service.approvals.client_approve(visits[n], order))
        else:
            results.append(
                w.service.approvals.client_reject(visits[n], order, reason=f"thread {n}")
            )

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    applied = [o.entry_id for r in results for o in r.applied]
    assert sorted(applied) == sorted(ids)  # every entry decided exactly once
    for entry_id in ids:
        history = w.service.approvals.history(entry_id)
        assert [e.after.version for e in history] == [1, 2]
        assert history[0].after == history[1].before


# --------------------------------------------------------------------------------------------------
# The staff's actions and the audit trail


def test_nobody_approves_their_own_hours() -> None:
    policy = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL)
    w = service_world(policy=policy)
    w.service.approvals.submit(["w1"], by=EVA)
    result = w.service.approvals.approve(["w1"], by=Actor(Party.MANAGER, "eva"))
    assert result.not_allowed[0].why is not None
    assert "own hours" in result.not_allowed[0].why


def test_staff_actions_follow_the_workflow_and_keep_the_audit_trail() -> None:
    w = service_world()
    assert w.service.approvals.submit(["w1"], by=EVA).all_applied
    assert w.service.approvals.withdraw(["w1"], by=EVA).all_applied
    assert w.service.approvals.submit(["w1"], by=EVA).all_applied
    anna = visit_as(w.service, "anna")
    assert w.service.approvals.client_approve(anna, ["w1"]).all_applied
    with pytest.raises(ValidationError, match="needs a reason"):
        w.service.approvals.reopen(["w1"], by=MAX, reason="")
    assert w.service.approvals.reopen(["w1"], by=MAX, reason="wrong project").all_applied
    actions = [e.action for e in w.service.approvals.history("w1")]
    assert actions == [Action.SUBMIT, Action.WITHDRAW, Action.SUBMIT, Action.APPROVE, Action.REOPEN]
    refused = w.service.approvals.approve(["w2"], by=MAX)
    assert refused.not_allowed[0].entry_id == "w2"


def test_staff_actions_refuse_clients_and_submitting_without_a_policy() -> None:
    w = service_world(policy=ApprovalPolicy())
    with pytest.raises(ValidationError, match="client decides through client_decide"):
        w.service.approvals.act(Action.APPROVE, ["w1"], by=Actor(Party.CLIENT, "anna"))
    with pytest.raises(WorkflowError, match="approval is switched off"):
        w.service.approvals.submit(["w1"], by=EVA)
    result = w.service.approvals.submit_to_client(["nope"], by=MAX)
    assert result.not_found[0].why == "there is no entry 'nope' in the DataSource"


def test_the_audit_trail_only_grows_and_earlier_events_stay_as_recorded() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=EVA)
    before = w.service.approvals.history("w1")
    anna = visit_as(w.service, "anna")
    assert w.service.approvals.client_reject(anna, ["w1"], reason="not agreed").all_applied
    assert w.service.approvals.submit(["w1"], by=EVA).all_applied
    assert w.service.approvals.client_approve(anna, ["w1"]).all_applied
    after = w.service.approvals.history("w1")
    assert [e.action for e in after] == [
        Action.SUBMIT,
        Action.REJECT,
        Action.SUBMIT,
        Action.APPROVE,
    ]
    assert after[:1] == before  # the submission reads as it was recorded
    assert len(before) == 1  # and what was read before did not change behind the reader
    assert [e.before for e in after[1:]] == [e.after for e in after[:-1]]
    assert [e.reason for e in after] == [None, "not agreed", None, None]
