"""UNDO by the client and approval by the reminder policy, in the workflow table and machine.

The full (status, action, party) grid is in ``test_workflow_exhaustive.py``; these tests name the
rules of the issue one by one.
"""

from __future__ import annotations

import datetime as dt

import pytest

from clientportal import (
    Action,
    Actor,
    ApprovalState,
    ApprovalStatus,
    Party,
    TransitionNotAllowed,
    Workflow,
    approval_machine,
    to_mermaid,
)
from clientportal.workflow import (
    CLIENT_DECIDED,
    ClientApprovalRequested,
    DecisionUndone,
    EntryApproved,
    client_has_decided,
    is_editable,
)

S = ApprovalStatus
NOW = dt.datetime(2024, 3, 4, 9, 30, tzinfo=dt.UTC)
OWNER = "emp-1"
CLIENT = Actor(Party.CLIENT, "contact-1")
POLICY = Actor(Party.POLICY, "reminder-policy")
MANAGER = Actor(Party.MANAGER, "mgr-1")
ADMIN = Actor(Party.ADMIN, "adm-1")
EMPLOYEE = Actor(Party.EMPLOYEE, OWNER)


def at(status: ApprovalStatus, workflow: Workflow, version: int = 3) -> ApprovalState:
    return ApprovalState(status=status, workflow=workflow, version=version)


@pytest.mark.parametrize(
    ("workflow", "decided"),
    [
        (Workflow.EXTERNAL, S.APPROVED),
        (Workflow.EXTERNAL, S.REJECTED),
        (Workflow.INTERNAL_EXTERNAL, S.APPROVED),
        (Workflow.INTERNAL_EXTERNAL, S.REJECTED),
        (Workflow.EXTERNAL_INTERNAL, S.PENDING_INTERNAL),
        (Workflow.EXTERNAL_INTERNAL, S.REJECTED),
    ],
)
def test_undo_takes_a_client_decision_back_to_pending_external(
    workflow: Workflow, decided: ApprovalStatus
) -> None:
    t = approval_machine(workflow).apply(at(decided, workflow), Action.UNDO, CLIENT, at=NOW)
    assert t.state == ApprovalState(status=S.PENDING_EXTERNAL, workflow=workflow, version=4)
    assert (t.event.action, t.event.actor, t.event.before.status) == (Action.UNDO, CLIENT, decided)
    assert not is_editable(t.state)
    assert not client_has_decided(t.state)


def test_undo_asks_nobody_by_email_and_says_the_decision_was_undone() -> None:
    t = approval_machine(Workflow.EXTERNAL).apply(
        at(S.APPROVED, Workflow.EXTERNAL), Action.UNDO, CLIENT, at=NOW
    )
    assert t.effects == (DecisionUndone(by=CLIENT),)
    assert not any(isinstance(e, ClientApprovalRequested) for e in t.effects)


@pytest.mark.parametrize(
    ("workflow", "status"),
    [
        (Workflow.INTERNAL, S.APPROVED),  # a manager approved last: no client step at all
        (Workflow.INTERNAL, S.REJECTED),
        (Workflow.EXTERNAL_INTERNAL, S.APPROVED),  # the manager approved last
        (Workflow.INTERNAL_EXTERNAL, S.PENDING_INTERNAL),  # the client has not decided yet
        (Workflow.EXTERNAL, S.PENDING_EXTERNAL),
        (Workflow.INTERNAL_EXTERNAL, S.INTERNALLY_APPROVED),
    ],
)
def test_undo_is_refused_where_the_client_did_not_take_the_last_step(
    workflow: Workflow, status: ApprovalStatus
) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        approval_machine(workflow).apply(at(status, workflow), Action.UNDO, CLIENT, at=NOW)
    assert (refused.value.status, refused.value.action) == (status, Action.UNDO)


def test_undo_from_open_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed):
        approval_machine(Workflow.EXTERNAL).apply(ApprovalState(), Action.UNDO, CLIENT, at=NOW)


@pytest.mark.parametrize("actor", [EMPLOYEE, MANAGER, ADMIN, POLICY], ids=lambda a: a.party.name)
def test_only_the_client_may_undo(actor: Actor) -> None:
    with pytest.raises(TransitionNotAllowed, match="only CLIENT may take this step"):
        approval_machine(Workflow.EXTERNAL).apply(
            at(S.APPROVED, Workflow.EXTERNAL), Action.UNDO, actor, at=NOW, owner=OWNER
        )


def test_undone_hours_can_be_decided_again_by_the_client() -> None:
    machine = approval_machine(Workflow.EXTERNAL_INTERNAL)
    approved = machine.apply(
        at(S.PENDING_EXTERNAL, Workflow.EXTERNAL_INTERNAL), Action.APPROVE, CLIENT, at=NOW
    )
    undone = machine.apply(approved.state, Action.UNDO, CLIENT, at=NOW)
    again = machine.apply(undone.state, Action.REJECT, CLIENT, at=NOW, reason="wrong week")
    assert [approved.state.status, undone.state.status, again.state.status] == [
        S.PENDING_INTERNAL,
        S.PENDING_EXTERNAL,
        S.REJECTED,
    ]
    assert again.state.version == 6


@pytest.mark.parametrize(
    ("workflow", "target"),
    [
        (Workflow.EXTERNAL, S.APPROVED),
        (Workflow.INTERNAL_EXTERNAL, S.APPROVED),
        (Workflow.EXTERNAL_INTERNAL, S.PENDING_INTERNAL),
    ],
)
def test_the_policy_approves_where_the_client_may(
    workflow: Workflow, target: ApprovalStatus
) -> None:
    t = approval_machine(workflow).apply(
        at(S.PENDING_EXTERNAL, workflow), Action.APPROVE, POLICY, at=NOW
    )
    assert t.state.status is target
    assert t.event.actor == POLICY
    assert (EntryApproved(by=POLICY) in t.effects) == (target is S.APPROVED)


@pytest.mark.parametrize(
    ("workflow", "status", "action"),
    [
        (Workflow.INTERNAL, S.PENDING_INTERNAL, Action.APPROVE),
        (Workflow.EXTERNAL_INTERNAL, S.PENDING_INTERNAL, Action.APPROVE),
        (Workflow.INTERNAL_EXTERNAL, S.PENDING_INTERNAL, Action.APPROVE),
        (Workflow.EXTERNAL, S.PENDING_EXTERNAL, Action.REJECT),
        (Workflow.EXTERNAL, S.APPROVED, Action.REOPEN),
        (Workflow.EXTERNAL, S.PENDING_EXTERNAL, Action.WITHDRAW),
    ],
)
def test_the_policy_takes_no_other_step(
    workflow: Workflow, status: ApprovalStatus, action: Action
) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        approval_machine(workflow, self_approval=True).apply(
            at(status, workflow), action, POLICY, at=NOW, reason="r", owner=OWNER
        )
    assert refused.value.party is Party.POLICY


def test_the_policy_and_the_client_are_not_staff() -> None:
    assert [p for p in Party if p.is_staff] == [Party.EMPLOYEE, Party.MANAGER, Party.ADMIN]


def test_allowed_offers_undo_to_the_client_only_where_the_table_has_it() -> None:
    machine = approval_machine(Workflow.INTERNAL_EXTERNAL)
    assert machine.allowed(at(S.APPROVED, Workflow.INTERNAL_EXTERNAL), CLIENT) == (Action.UNDO,)
    assert Action.UNDO not in machine.allowed(at(S.APPROVED, Workflow.INTERNAL_EXTERNAL), MANAGER)
    assert machine.allowed(at(S.PENDING_EXTERNAL, Workflow.INTERNAL_EXTERNAL), POLICY) == (
        Action.APPROVE,
    )


def test_an_undone_entry_awaits_its_client_again_it_is_not_decided() -> None:
    assert S.PENDING_EXTERNAL not in CLIENT_DECIDED
    assert {S.APPROVED, S.REJECTED, S.PENDING_INTERNAL} == CLIENT_DECIDED


def test_the_diagrams_show_undo_and_the_policys_approval() -> None:
    external = to_mermaid(Workflow.EXTERNAL)
    assert "APPROVED --> PENDING_EXTERNAL: undo by client" in external
    assert "PENDING_EXTERNAL --> APPROVED: approve by client / policy" in external
    assert "undo" not in to_mermaid(Workflow.INTERNAL)
    assert "PENDING_INTERNAL --> PENDING_EXTERNAL: undo by client" in to_mermaid(
        Workflow.EXTERNAL_INTERNAL
    )


@pytest.mark.parametrize("language", ["de", "es", "fr", "nl", "pl"])
def test_the_console_names_the_undo_step_and_the_policy_in_its_language(language: str) -> None:
    from clientportal.web.console.texts import ConsoleText

    english, text = ConsoleText("en"), ConsoleText(language)
    assert english.step(Action.UNDO) == "Decision undone by the client"
    assert english.party(Party.POLICY) == "Reminder policy"
    assert text.step(Action.UNDO) not in ("", english.step(Action.UNDO))
    assert text.party(Party.POLICY) not in ("", english.party(Party.POLICY))
    # Every step and party has a name (a missing one would fail the activity page).
    assert all(text.step(action) for action in Action)
    assert all(text.party(party) for party in Party)
