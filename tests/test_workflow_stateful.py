"""Random actions by random actors, checked against a tiny reference model of DESIGN.md §5.

The model thinks in *stages* (a workflow is a list of "internal"/"external" decisions) rather than
in the machine's transition table, so the two are independent statements of the same rules. The
company may switch its policy between steps; entries keep the workflow they were submitted under.
"""

from __future__ import annotations

import datetime as dt

from attrs import frozen
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from clientportal import (
    Action,
    Actor,
    ApprovalMachine,
    ApprovalState,
    ApprovalStatus,
    ClientApprovalRequested,
    EntryApproved,
    EntryRejected,
    EntryReopened,
    Party,
    Transition,
    TransitionNotAllowed,
    Workflow,
    approval_machine,
    is_editable,
)
from clientportal.workflow import DecisionUndone

S = ApprovalStatus
OWNER = "emp-1"
ACTORS = [
    Actor(Party.EMPLOYEE, OWNER),
    Actor(Party.EMPLOYEE, "emp-2"),
    Actor(Party.MANAGER, "mgr-1"),
    Actor(Party.MANAGER, OWNER),  # a manager who logs hours too: self-approval
    Actor(Party.ADMIN, "adm-1"),
    Actor(Party.CLIENT, "contact-1"),
    Actor(Party.POLICY, "reminder-policy"),
]
REASONS = [None, "", "  ", "hours look high"]

STAGES = {
    Workflow.INTERNAL: ("internal",),
    Workflow.EXTERNAL: ("external",),
    Workflow.INTERNAL_EXTERNAL: ("internal", "external"),
    Workflow.EXTERNAL_INTERNAL: ("external", "internal"),
}
PENDING = {"internal": S.PENDING_INTERNAL, "external": S.PENDING_EXTERNAL}
DECIDES = {"internal": {Party.MANAGER, Party.ADMIN}, "external": {Party.CLIENT}}
#: Who may approve: the stage's deciders, and at the client's stage the reminder policy too.
APPROVES = {"internal": DECIDES["internal"], "external": {Party.CLIENT, Party.POLICY}}
KEEPS = {Party.EMPLOYEE, Party.MANAGER}
FORWARD = {Action.SUBMIT, Action.APPROVE, Action.SUBMIT_TO_CLIENT}


@frozen
class Model:
    """Where the entry is: its status, captured workflow, and which stage it waits for."""

    status: ApprovalStatus = S.OPEN
    workflow: Workflow | None = None
    stage: int = 0


def model_step(
    m: Model,
    action: Action,
    actor: Actor,
    *,
    has_reason: bool,
    policy: ApprovalMachine,
    owner: str | None,
) -> Model | None:
    """The reference model: the entry after the step, or None when the step must be refused."""
    party = actor.party
    # An employee keeps only their own hours; a manager keeps anyone's.
    keeps = party in KEEPS and (party is not Party.EMPLOYEE or owner == actor.id)
    if action is Action.SUBMIT:
        if m.status in (S.OPEN, S.REJECTED) and keeps:
            return Model(PENDING[STAGES[policy.workflow][0]], policy.workflow, 0)
        return None
    if m.status in (S.PENDING_INTERNAL, S.PENDING_EXTERNAL):
        assert m.workflow is not None
        stages = STAGES[m.workflow]
        kind = stages[m.stage]
        if action is Action.WITHDRAW and keeps:
            return Model()
        if action is Action.UNDO:
            return _undone(m, stages, party, after_stage=m.stage - 1)
        if action is Action.REJECT and party in DECIDES[kind]:
            return Model(S.REJECTED, m.workflow) if has_reason else None
        if action is not Action.APPROVE or party not in APPROVES[kind]:
            return None
        if kind == "internal" and not policy.self_approval and owner in (None, actor.id):
            return None
        following = m.stage + 1
        if following == len(stages):
            return Model(S.APPROVED, m.workflow)
        if kind == "internal" and not policy.auto_forward:
            return Model(S.INTERNALLY_APPROVED, m.workflow, following)
        return Model(PENDING[stages[following]], m.workflow, following)
    if m.status is S.INTERNALLY_APPROVED:
        assert m.workflow is not None
        if action is Action.SUBMIT_TO_CLIENT and party in DECIDES["internal"]:
            return Model(PENDING[STAGES[m.workflow][m.stage]], m.workflow, m.stage)
        return None
    if m.status is S.APPROVED and action is Action.REOPEN and party in DECIDES["internal"]:
        return Model() if has_reason else None
    if m.status is S.APPROVED and action is Action.UNDO:
        assert m.workflow is not None
        return _undone(m, STAGES[m.workflow], party, after_stage=len(STAGES[m.workflow]) - 1)
    if m.status is S.REJECTED and action is Action.UNDO and m.workflow is not None:
        # Whoever rejected: the table cannot tell, the service checks the audit trail.
        stages = STAGES[m.workflow]
        return _undone(
            m, stages, party, after_stage=stages.index("external") if "external" in stages else None
        )
    return None


def _undone(
    m: Model, stages: tuple[str, ...], party: Party, *, after_stage: int | None
) -> Model | None:
    """UNDO by the client: back to the client's stage when the last stage passed (or the one
    that rejected) was the client's; refused otherwise."""
    if party is not Party.CLIENT or after_stage is None or after_stage < 0:
        return None
    if stages[after_stage] != "external":
        return None
    return Model(S.PENDING_EXTERNAL, m.workflow, after_stage)


class ApprovalWorkflowMachine(RuleBasedStateMachine):
    """One time entry, driven by random steps of random actors under a changing policy."""

    def __init__(self) -> None:
        super().__init__()
        self.machine = approval_machine(Workflow.INTERNAL)
        self.state = ApprovalState()
        self.model = Model()
        self.at = dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC)
        #: Each transition with the machine that made it and the owner it was given.
        self.trail: list[tuple[Transition, ApprovalMachine, str | None]] = []

    @initialize(
        workflow=st.sampled_from(Workflow), auto_forward=st.booleans(), self_approval=st.booleans()
    )
    def start(self, workflow: Workflow, auto_forward: bool, self_approval: bool) -> None:
        self.machine = approval_machine(
            workflow, auto_forward=auto_forward, self_approval=self_approval
        )

    @rule(workflow=st.sampled_from(Workflow), auto_forward=st.booleans())
    def company_changes_its_policy(self, workflow: Workflow, auto_forward: bool) -> None:
        self.machine = approval_machine(
            workflow, auto_forward=auto_forward, self_approval=self.machine.self_approval
        )

    @rule(
        action=st.sampled_from(Action),
        actor=st.sampled_from(ACTORS),
        reason=st.sampled_from(REASONS),
        owner=st.sampled_from([OWNER, OWNER, None]),
        minutes=st.integers(min_value=0, max_value=3000),
    )
    def anyone_tries_any_step(
        self, action: Action, actor: Actor, reason: str | None, owner: str | None, minutes: int
    ) -> None:
        self.take_step(action, actor, reason, owner, minutes)

    @rule(
        data=st.data(),
        forward_only=st.booleans(),
        minutes=st.integers(min_value=0, max_value=3000),
    )
    def someone_takes_a_step_they_are_offered(
        self, data: st.DataObject, forward_only: bool, minutes: int
    ) -> None:
        # Random steps seldom get through a two-stage workflow: offered steps (and, half of the
        # time, only those that move the entry towards APPROVED) drive it forward.
        offered = [
            (actor, action)
            for actor in ACTORS
            for action in self.machine.allowed(self.state, actor, owner=OWNER)
        ]
        assert offered, f"no step is offered to anyone in {self.state}: the entry is stuck"
        forward = [(actor, action) for actor, action in offered if action in FORWARD]
        actor, action = data.draw(st.sampled_from(forward if forward_only and forward else offered))
        self.take_step(action, actor, "hours look high", OWNER, minutes)

    def take_step(
        self, action: Action, actor: Actor, reason: str | None, owner: str | None, minutes: int
    ) -> None:
        """Apply the step to the machine and the model, and check that they agree."""
        self.at += dt.timedelta(minutes=minutes)
        has_reason = bool(reason and reason.strip())
        expected = model_step(
            self.model, action, actor, has_reason=has_reason, policy=self.machine, owner=owner
        )
        would_with_reason = model_step(
            self.model, action, actor, has_reason=True, policy=self.machine, owner=owner
        )
        offered = action in self.machine.allowed(self.state, actor, owner=owner)
        assert offered == (would_with_reason is not None)

        before = self.state
        outcome: Transition | TransitionNotAllowed
        try:
            outcome = self.machine.apply(
                before, action, actor, at=self.at, reason=reason, owner=owner
            )
        except TransitionNotAllowed as error:
            outcome = error
        if isinstance(outcome, TransitionNotAllowed):
            assert expected is None, f"refused, but the model allows it: {outcome}"
            assert (outcome.status, outcome.action, outcome.party) == (
                before.status,
                action,
                actor.party,
            )
            return
        t = outcome
        assert expected is not None, f"applied {action.name} by {actor}, the model refuses it"
        assert t.state.version == before.version + 1
        assert t.event.before == before
        assert t.event.after == t.state
        assert (t.event.action, t.event.actor, t.event.at) == (action, actor, self.at)
        assert (ClientApprovalRequested(actor) in t.effects) == (
            t.state.status is S.PENDING_EXTERNAL and action is not Action.UNDO
        )
        if action is Action.UNDO:
            assert t.effects == (DecisionUndone(actor),)
        assert (EntryApproved(actor) in t.effects) == (t.state.status is S.APPROVED)
        if action is Action.REJECT:
            assert t.effects == (EntryRejected(actor, reason.strip() if reason else ""),)
        if action is Action.REOPEN:
            assert t.effects == (EntryReopened(actor, reason.strip() if reason else ""),)
        self.state = t.state
        self.model = expected
        self.trail.append((t, self.machine, owner))

    @invariant()
    def the_entry_is_where_the_model_says(self) -> None:
        assert self.state.status is self.model.status
        assert self.state.workflow is self.model.workflow

    @invariant()
    def version_strictly_increases_once_per_transition(self) -> None:
        assert self.state.version == len(self.trail)
        versions = [t.state.version for t, _, _ in self.trail]
        assert versions == sorted(set(versions))

    @invariant()
    def locked_states_are_never_editable(self) -> None:
        locked = self.state.status not in (S.OPEN, S.REJECTED)
        assert is_editable(self.state) is not locked

    @invariant()
    def approved_only_after_the_workflows_stages_in_order(self) -> None:
        if self.state.status is not S.APPROVED:
            return
        assert self.state.workflow is not None
        events = [t.event for t, _, _ in self.trail]
        # Since the last SUBMIT (all stages) or the client's last UNDO (from the client's stage).
        restart = max(i for i, e in enumerate(events) if e.action in (Action.SUBMIT, Action.UNDO))
        since = events[restart + 1 :]
        decisions = [e for e in since if e.action is Action.APPROVE]
        stages = STAGES[self.state.workflow]
        if events[restart].action is Action.UNDO:
            stages = stages[stages.index("external") :]
        assert [e.before.status for e in decisions] == [PENDING[k] for k in stages]
        assert all(e.actor.party in APPROVES[k] for e, k in zip(decisions, stages, strict=True))
        assert all(e.action in (Action.APPROVE, Action.SUBMIT_TO_CLIENT) for e in since)

    @invariant()
    def audit_trail_chains_to_the_current_state(self) -> None:
        state = ApprovalState()
        for t, _, _ in self.trail:
            assert t.event.before == state
            state = t.event.after
        assert state == self.state

    def teardown(self) -> None:
        # Replaying the audit trail through the machines that made it gives the same states.
        state = ApprovalState()
        for t, machine, owner in self.trail:
            e = t.event
            replayed = machine.apply(
                state, e.action, e.actor, at=e.at, reason=e.reason, owner=owner
            )
            assert replayed == t
            state = replayed.state
        assert state == self.state


ApprovalWorkflowMachine.TestCase.settings = settings(settings.default, stateful_step_count=20)
TestApprovalWorkflowAgainstReferenceModel = ApprovalWorkflowMachine.TestCase
