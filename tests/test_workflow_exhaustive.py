"""Every (status, action, party) of every workflow, against DESIGN.md §5 written out by hand.

``DESIGN`` below is the oracle: it is typed from the design's table, not derived from
``clientportal.workflow.TRANSITIONS``, so a slip in either shows up here. The owner rules
(:func:`owner_allows`) are written out the same way: an EMPLOYEE acts only on their own entries
(a MANAGER on anyone's), and nobody internal approves their own hours unless the machine allows it.
"""

from __future__ import annotations

import datetime as dt
import itertools

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
)
from clientportal.workflow import TRANSITIONS

S = ApprovalStatus
A = Action
P = Party
NOW = dt.datetime(2024, 3, 4, 9, 30, tzinfo=dt.UTC)
OWNER = "emp-1"

KEEPERS = frozenset({P.EMPLOYEE, P.MANAGER})  # submit and withdraw
DECIDERS = frozenset({P.MANAGER, P.ADMIN})  # internal approve/reject, forward, reopen
CLIENT = frozenset({P.CLIENT})
CLIENT_APPROVERS = frozenset({P.CLIENT, P.POLICY})  # the reminder policy approves for the client

Rules = dict[tuple[ApprovalStatus, Action], tuple[frozenset[Party], ApprovalStatus]]

DESIGN: dict[Workflow, Rules] = {
    Workflow.INTERNAL: {
        (S.OPEN, A.SUBMIT): (KEEPERS, S.PENDING_INTERNAL),
        (S.REJECTED, A.SUBMIT): (KEEPERS, S.PENDING_INTERNAL),
        (S.PENDING_INTERNAL, A.APPROVE): (DECIDERS, S.APPROVED),
        (S.PENDING_INTERNAL, A.REJECT): (DECIDERS, S.REJECTED),
        (S.PENDING_INTERNAL, A.WITHDRAW): (KEEPERS, S.OPEN),
        (S.APPROVED, A.REOPEN): (DECIDERS, S.OPEN),
    },
    Workflow.EXTERNAL: {
        (S.OPEN, A.SUBMIT): (KEEPERS, S.PENDING_EXTERNAL),
        (S.REJECTED, A.SUBMIT): (KEEPERS, S.PENDING_EXTERNAL),
        (S.PENDING_EXTERNAL, A.APPROVE): (CLIENT_APPROVERS, S.APPROVED),
        (S.PENDING_EXTERNAL, A.REJECT): (CLIENT, S.REJECTED),
        (S.PENDING_EXTERNAL, A.WITHDRAW): (KEEPERS, S.OPEN),
        (S.APPROVED, A.REOPEN): (DECIDERS, S.OPEN),
        (S.APPROVED, A.UNDO): (CLIENT, S.PENDING_EXTERNAL),
        (S.REJECTED, A.UNDO): (CLIENT, S.PENDING_EXTERNAL),
    },
    Workflow.INTERNAL_EXTERNAL: {
        (S.OPEN, A.SUBMIT): (KEEPERS, S.PENDING_INTERNAL),
        (S.REJECTED, A.SUBMIT): (KEEPERS, S.PENDING_INTERNAL),
        (S.PENDING_INTERNAL, A.APPROVE): (DECIDERS, S.INTERNALLY_APPROVED),
        (S.PENDING_INTERNAL, A.REJECT): (DECIDERS, S.REJECTED),
        (S.PENDING_INTERNAL, A.WITHDRAW): (KEEPERS, S.OPEN),
        (S.INTERNALLY_APPROVED, A.SUBMIT_TO_CLIENT): (DECIDERS, S.PENDING_EXTERNAL),
        (S.PENDING_EXTERNAL, A.APPROVE): (CLIENT_APPROVERS, S.APPROVED),
        (S.PENDING_EXTERNAL, A.REJECT): (CLIENT, S.REJECTED),
        (S.PENDING_EXTERNAL, A.WITHDRAW): (KEEPERS, S.OPEN),
        (S.APPROVED, A.REOPEN): (DECIDERS, S.OPEN),
        (S.APPROVED, A.UNDO): (CLIENT, S.PENDING_EXTERNAL),
        (S.REJECTED, A.UNDO): (CLIENT, S.PENDING_EXTERNAL),
    },
    Workflow.EXTERNAL_INTERNAL: {
        (S.OPEN, A.SUBMIT): (KEEPERS, S.PENDING_EXTERNAL),
        (S.REJECTED, A.SUBMIT): (KEEPERS, S.PENDING_EXTERNAL),
        (S.PENDING_EXTERNAL, A.APPROVE): (CLIENT_APPROVERS, S.PENDING_INTERNAL),
        (S.PENDING_EXTERNAL, A.REJECT): (CLIENT, S.REJECTED),
        (S.PENDING_EXTERNAL, A.WITHDRAW): (KEEPERS, S.OPEN),
        (S.PENDING_INTERNAL, A.APPROVE): (DECIDERS, S.APPROVED),
        (S.PENDING_INTERNAL, A.REJECT): (DECIDERS, S.REJECTED),
        (S.PENDING_INTERNAL, A.WITHDRAW): (KEEPERS, S.OPEN),
        (S.APPROVED, A.REOPEN): (DECIDERS, S.OPEN),
        (S.PENDING_INTERNAL, A.UNDO): (CLIENT, S.PENDING_EXTERNAL),
        (S.REJECTED, A.UNDO): (CLIENT, S.PENDING_EXTERNAL),
    },
}

#: Every state an entry can be in: OPEN outside any workflow, or any status under a captured one
#: (including combinations a workflow never produces, which must be refused, not crash).
STATES = [ApprovalState(status=S.OPEN, version=5)] + [
    ApprovalState(status=status, workflow=workflow, version=5)
    for status, workflow in itertools.product(ApprovalStatus, Workflow)
]

MACHINES = [
    pytest.param(workflow, auto, id=f"{workflow.name}-auto_forward={auto}")
    for workflow, auto in itertools.product(Workflow, (True, False))
]


def rules_for(machine_workflow: Workflow, state: ApprovalState, action: Action) -> Rules:
    """SUBMIT follows the machine's (current) workflow; every other step the captured one."""
    if action is A.SUBMIT or state.workflow is None:
        return DESIGN[machine_workflow]
    return DESIGN[state.workflow]


def expected_target(rule_target: ApprovalStatus, auto_forward: bool) -> ApprovalStatus:
    if auto_forward and rule_target is S.INTERNALLY_APPROVED:
        return S.PENDING_EXTERNAL
    return rule_target


def owner_allows(action: Action, actor: Actor, owner: str | None, *, self_approval: bool) -> bool:
    """The owner rules on top of the table: whose hours these are may refuse a step."""
    if actor.party is P.EMPLOYEE and owner != actor.id:
        return False  # their own hours only; without owner it is not guessed
    if action is A.APPROVE and actor.party in DECIDERS and not self_approval:
        return owner is not None and owner != actor.id
    return True


def someone(party: Party) -> Actor:
    """An actor of ``party`` who may take the party's steps on OWNER's entry: the employee is
    OWNER, everybody else somebody else."""
    return Actor(party, OWNER if party is P.EMPLOYEE else "someone")


def test_transition_table_is_the_designs_table() -> None:
    shipped = {
        workflow: {(s.source, s.action): (s.parties, s.target) for s in steps}
        for workflow, steps in TRANSITIONS.items()
    }
    assert shipped == DESIGN
    assert all(len(steps) == len(DESIGN[w]) for w, steps in TRANSITIONS.items())


@pytest.mark.parametrize(("workflow", "auto_forward"), MACHINES)
def test_every_step_in_the_table_leads_to_its_target(
    workflow: Workflow, auto_forward: bool
) -> None:
    machine = approval_machine(workflow, auto_forward=auto_forward)
    checked = 0
    for state, action, party in itertools.product(STATES, Action, Party):
        rule = rules_for(workflow, state, action).get((state.status, action))
        if rule is None or party not in rule[0]:
            continue
        used = workflow if action is A.SUBMIT or state.workflow is None else state.workflow
        t = machine.apply(state, action, someone(party), at=NOW, reason="r", owner=OWNER)
        target = expected_target(rule[1], auto_forward)
        assert t.state.status is target, (state, action, party)
        assert t.state.workflow is (None if target is S.OPEN else used)
        assert t.state.version == state.version + 1
        checked += 1
    assert checked > 0


@pytest.mark.parametrize(("workflow", "auto_forward"), MACHINES)
def test_every_status_action_party_outside_the_table_raises_naming_all_three(
    workflow: Workflow, auto_forward: bool
) -> None:
    machine = approval_machine(workflow, auto_forward=auto_forward, self_approval=True)
    refused = 0
    for state, action, party in itertools.product(STATES, Action, Party):
        rule = rules_for(workflow, state, action).get((state.status, action))
        if rule is not None and party in rule[0]:
            continue
        with pytest.raises(TransitionNotAllowed) as caught:
            machine.apply(state, action, someone(party), at=NOW, reason="r", owner=OWNER)
        error = caught.value
        assert (error.status, error.action, error.party) == (state.status, action, party)
        message = str(error)
        for name in (state.status.name, action.name, party.name):
            assert name in message, (name, message)
        refused += 1
    assert refused > 0


@pytest.mark.parametrize(("workflow", "auto_forward"), MACHINES)
@pytest.mark.parametrize("self_approval", [False, True])
def test_allowed_is_exactly_what_apply_accepts(
    workflow: Workflow, auto_forward: bool, self_approval: bool
) -> None:
    machine = approval_machine(workflow, auto_forward=auto_forward, self_approval=self_approval)
    actors = [Actor(party, who) for party in Party for who in (OWNER, "other")]
    for state, actor, owner in itertools.product(STATES, actors, (OWNER, "other", None)):
        accepted = []
        for action in Action:
            try:
                machine.apply(state, action, actor, at=NOW, reason="r", owner=owner)
            except TransitionNotAllowed:
                continue
            accepted.append(action)
        assert machine.allowed(state, actor, owner=owner) == tuple(accepted)


@pytest.mark.parametrize(("workflow", "auto_forward"), MACHINES)
@pytest.mark.parametrize("self_approval", [False, True])
def test_the_owner_rules_decide_every_step_of_the_table_as_written_out(
    workflow: Workflow, auto_forward: bool, self_approval: bool
) -> None:
    """Finding 14: every step of the table, by every actor (owner or not) on an entry of every
    owner (or none): accepted exactly when the table and :func:`owner_allows` say so."""
    machine = approval_machine(workflow, auto_forward=auto_forward, self_approval=self_approval)
    actors = [Actor(party, who) for party in Party for who in (OWNER, "other")]
    verdicts = {True: 0, False: 0}
    for state, action, actor, owner in itertools.product(
        STATES, Action, actors, (OWNER, "other", None)
    ):
        rule = rules_for(workflow, state, action).get((state.status, action))
        if rule is None or actor.party not in rule[0]:
            continue
        expected = owner_allows(action, actor, owner, self_approval=self_approval)
        if expected:
            machine.apply(state, action, actor, at=NOW, reason="r", owner=owner)
        else:
            with pytest.raises(TransitionNotAllowed, match=r"owner|own hours") as caught:
                machine.apply(state, action, actor, at=NOW, reason="r", owner=owner)
            error = caught.value
            assert (error.status, error.action, error.party) == (state.status, action, actor.party)
        verdicts[expected] += 1
    assert verdicts[True] > 0
    assert verdicts[False] > 0
