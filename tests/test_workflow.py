"""The approval workflow (DESIGN.md §5): paths, guards, audit record, effects and helpers.

The exhaustive table check is in ``test_workflow_exhaustive.py``, the stateful model test in
``test_workflow_stateful.py`` and the diagram/doc check in ``test_workflow_docs.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from attrs import evolve

import clientportal
from clientportal import (
    Action,
    Actor,
    ApprovalMachine,
    ApprovalState,
    ApprovalStatus,
    ClientApprovalRequested,
    ClientPortalError,
    ConfigError,
    EntryApproved,
    EntryRejected,
    EntryReopened,
    Party,
    Transition,
    TransitionNotAllowed,
    ValidationError,
    Workflow,
    WorkflowError,
    approval_machine,
    is_editable,
)
from clientportal.errors import InvalidReason
from clientportal.workflow import (
    AWAITING_CLIENT,
    CLIENT_DECIDED,
    MAX_REASON,
    NEEDS_REASON,
    TRANSITIONS,
    Step,
    check_reason,
    check_transitions,
    client_has_decided,
)

S = ApprovalStatus
NOW = dt.datetime(2024, 3, 4, 9, 30, tzinfo=dt.UTC)
OWNER = "emp-1"
EMPLOYEE = Actor(Party.EMPLOYEE, OWNER)
MANAGER = Actor(Party.MANAGER, "mgr-1")
ADMIN = Actor(Party.ADMIN, "adm-1")
CLIENT = Actor(Party.CLIENT, "contact-1")
REASON = "Tuesday is double-booked"


def run(
    machine: ApprovalMachine,
    steps: Sequence[tuple[Action, Actor]],
    start: ApprovalState | None = None,
) -> list[Transition]:
    """Apply the steps in order (one minute apart, with a reason), returning every transition."""
    state = ApprovalState() if start is None else start
    done = []
    for minute, (action, actor) in enumerate(steps):
        t = machine.apply(
            state,
            action,
            actor,
            at=NOW + dt.timedelta(minutes=minute),
            reason=REASON,
            owner=OWNER,
        )
        done.append(t)
        state = t.state
    return done


def statuses(transitions: Sequence[Transition]) -> list[ApprovalStatus]:
    return [t.state.status for t in transitions]


#: The path to APPROVED per (workflow, auto_forward), as DESIGN.md §5 draws it.
HAPPY_PATHS = {
    (Workflow.INTERNAL, True): [
        (Action.SUBMIT, EMPLOYEE, S.PENDING_INTERNAL),
        (Action.APPROVE, MANAGER, S.APPROVED),
    ],
    (Workflow.EXTERNAL, True): [
        (Action.SUBMIT, EMPLOYEE, S.PENDING_EXTERNAL),
        (Action.APPROVE, CLIENT, S.APPROVED),
    ],
    (Workflow.INTERNAL_EXTERNAL, True): [
        (Action.SUBMIT, EMPLOYEE, S.PENDING_INTERNAL),
        (Action.APPROVE, MANAGER, S.PENDING_EXTERNAL),
        (Action.APPROVE, CLIENT, S.APPROVED),
    ],
    (Workflow.INTERNAL_EXTERNAL, False): [
        (Action.SUBMIT, EMPLOYEE, S.PENDING_INTERNAL),
        (Action.APPROVE, MANAGER, S.INTERNALLY_APPROVED),
        (Action.SUBMIT_TO_CLIENT, MANAGER, S.PENDING_EXTERNAL),
        (Action.APPROVE, CLIENT, S.APPROVED),
    ],
    (Workflow.EXTERNAL_INTERNAL, True): [
        (Action.SUBMIT, EMPLOYEE, S.PENDING_EXTERNAL),
        (Action.APPROVE, CLIENT, S.PENDING_INTERNAL),
        (Action.APPROVE, MANAGER, S.APPROVED),
    ],
}
# auto_forward only matters where an internal approval is followed by the client's.
for _w in (Workflow.INTERNAL, Workflow.EXTERNAL, Workflow.EXTERNAL_INTERNAL):
    HAPPY_PATHS[_w, False] = HAPPY_PATHS[_w, True]

#: Every pending stage each workflow passes through, and how to get there from OPEN.
PENDING_STAGES = [
    (workflow, auto, path[:i])
    for (workflow, auto), path in HAPPY_PATHS.items()
    for i in range(1, len(path))
    if path[i - 1][2] in (S.PENDING_INTERNAL, S.PENDING_EXTERNAL)
]


def reach(
    machine: ApprovalMachine, path: Sequence[tuple[Action, Actor, ApprovalStatus]]
) -> Transition:
    return run(machine, [(a, who) for a, who, _ in path])[-1]


def stage_party(status: ApprovalStatus) -> Actor:
    return MANAGER if status is S.PENDING_INTERNAL else CLIENT


# --------------------------------------------------------------------------------------------------
# The public API


def test_public_names_import_from_the_package() -> None:
    for name in (
        "approval_machine",
        "Workflow",
        "Action",
        "Actor",
        "Party",
        "ApprovalStatus",
        "ApprovalState",
        "Transition",
        "TransitionNotAllowed",
    ):
        assert hasattr(clientportal, name), name


def test_transition_not_allowed_is_a_workflow_and_client_portal_error() -> None:
    assert issubclass(TransitionNotAllowed, WorkflowError)
    assert issubclass(TransitionNotAllowed, ClientPortalError)


def test_transition_not_allowed_message_names_status_action_party_and_workflow() -> None:
    error = TransitionNotAllowed(
        S.APPROVED, Action.APPROVE, Party.CLIENT, workflow=Workflow.EXTERNAL, why="it is done"
    )
    assert (error.status, error.action, error.party) == (S.APPROVED, Action.APPROVE, Party.CLIENT)
    assert str(error) == (
        "CLIENT may not APPROVE an entry in status APPROVED (workflow EXTERNAL): it is done"
    )


# --------------------------------------------------------------------------------------------------
# Happy paths


@pytest.mark.parametrize(("workflow", "auto_forward"), sorted(HAPPY_PATHS, key=str))
def test_happy_path_reaches_approved_through_the_workflows_stages(
    workflow: Workflow, auto_forward: bool
) -> None:
    machine = approval_machine(workflow, auto_forward=auto_forward)
    path = HAPPY_PATHS[workflow, auto_forward]
    done = run(machine, [(action, who) for action, who, _ in path])
    assert statuses(done) == [status for _, _, status in path]
    assert [t.state.version for t in done] == list(range(1, len(path) + 1))
    assert all(t.state.workflow is workflow for t in done)
    assert done[-1].effects == (EntryApproved(by=path[-1][1]),)


@pytest.mark.parametrize(("workflow", "auto_forward"), sorted(HAPPY_PATHS, key=str))
def test_entering_pending_external_asks_the_client_to_approve(
    workflow: Workflow, auto_forward: bool
) -> None:
    machine = approval_machine(workflow, auto_forward=auto_forward)
    path = HAPPY_PATHS[workflow, auto_forward]
    done = run(machine, [(action, who) for action, who, _ in path])
    for (_, who, status), t in zip(path, done, strict=True):
        asked = ClientApprovalRequested(by=who) in t.effects
        assert asked == (status is S.PENDING_EXTERNAL)


def test_auto_forward_sends_an_internal_approval_straight_to_the_client_in_one_transition() -> None:
    machine = approval_machine(Workflow.INTERNAL_EXTERNAL, auto_forward=True)
    submitted, approved = run(machine, [(Action.SUBMIT, EMPLOYEE), (Action.APPROVE, MANAGER)])
    assert approved.event.before == submitted.state
    assert approved.event.action is Action.APPROVE
    assert approved.state.status is S.PENDING_EXTERNAL
    assert approved.state.version == submitted.state.version + 1


def test_without_auto_forward_an_internal_approval_waits_in_internally_approved() -> None:
    machine = approval_machine(Workflow.INTERNAL_EXTERNAL, auto_forward=False)
    *_, approved = run(machine, [(Action.SUBMIT, EMPLOYEE), (Action.APPROVE, MANAGER)])
    assert approved.state.status is S.INTERNALLY_APPROVED
    assert approved.effects == ()
    assert machine.allowed(approved.state, MANAGER, owner=OWNER) == (Action.SUBMIT_TO_CLIENT,)
    assert machine.allowed(approved.state, CLIENT) == ()


def test_parked_internally_approved_entries_can_be_forwarded_once_auto_forward_is_on() -> None:
    parked = reach(
        approval_machine(Workflow.INTERNAL_EXTERNAL, auto_forward=False),
        HAPPY_PATHS[Workflow.INTERNAL_EXTERNAL, False][:2],
    )
    now_auto = approval_machine(Workflow.INTERNAL_EXTERNAL, auto_forward=True)
    (forwarded,) = run(now_auto, [(Action.SUBMIT_TO_CLIENT, ADMIN)], start=parked.state)
    assert forwarded.state.status is S.PENDING_EXTERNAL
    assert forwarded.effects == (ClientApprovalRequested(by=ADMIN),)


def test_admin_decides_internally_like_a_manager() -> None:
    machine = approval_machine(Workflow.INTERNAL)
    (submitted,) = run(machine, [(Action.SUBMIT, EMPLOYEE)])
    (approved,) = run(machine, [(Action.APPROVE, ADMIN)], start=submitted.state)
    assert approved.state.status is S.APPROVED
    (reopened,) = run(machine, [(Action.REOPEN, ADMIN)], start=approved.state)
    assert reopened.state.status is S.OPEN


def test_a_manager_may_submit_hours_on_behalf_of_an_employee() -> None:
    (submitted,) = run(approval_machine(Workflow.EXTERNAL), [(Action.SUBMIT, MANAGER)])
    assert submitted.state.status is S.PENDING_EXTERNAL
    assert submitted.effects == (ClientApprovalRequested(by=MANAGER),)


# --------------------------------------------------------------------------------------------------
# Rejection paths: reject, resubmit, withdraw, reopen


@pytest.mark.parametrize(("workflow", "auto_forward", "path"), PENDING_STAGES)
def test_reject_from_every_pending_stage_by_that_stages_party_records_who_and_why(
    workflow: Workflow,
    auto_forward: bool,
    path: list[tuple[Action, Actor, ApprovalStatus]],
) -> None:
    machine = approval_machine(workflow, auto_forward=auto_forward)
    pending = reach(machine, path).state
    decider = stage_party(pending.status)
    rejected = machine.apply(
        pending, Action.REJECT, decider, at=NOW, reason=f"  {REASON}\n", owner=OWNER
    )
    assert rejected.state == ApprovalState(
        status=S.REJECTED, workflow=workflow, version=pending.version + 1, reason=REASON
    )
    assert rejected.effects == (EntryRejected(by=decider, reason=REASON),)
    assert rejected.event.reason == REASON
    assert is_editable(rejected.state)


@pytest.mark.parametrize(("workflow", "auto_forward", "path"), PENDING_STAGES)
def test_rejected_hours_are_submitted_again_from_the_start_of_the_workflow(
    workflow: Workflow,
    auto_forward: bool,
    path: list[tuple[Action, Actor, ApprovalStatus]],
) -> None:
    machine = approval_machine(workflow, auto_forward=auto_forward)
    pending = reach(machine, path).state
    (rejected, resubmitted) = run(
        machine, [(Action.REJECT, stage_party(pending.status)), (Action.SUBMIT, EMPLOYEE)], pending
    )
    assert rejected.state.status is S.REJECTED
    first_stage = HAPPY_PATHS[workflow, auto_forward][0][2]
    assert resubmitted.state.status is first_stage
    assert resubmitted.state.version == pending.version + 2
    # Then the whole workflow again, to APPROVED.
    rest = [(a, who) for a, who, _ in HAPPY_PATHS[workflow, auto_forward][1:]]
    assert run(machine, rest, resubmitted.state)[-1].state.status is S.APPROVED


@pytest.mark.parametrize(("workflow", "auto_forward", "path"), PENDING_STAGES)
@pytest.mark.parametrize("who", [EMPLOYEE, MANAGER], ids=["employee", "manager"])
def test_withdraw_from_every_pending_stage_by_employee_or_manager_returns_to_open(
    workflow: Workflow,
    auto_forward: bool,
    path: list[tuple[Action, Actor, ApprovalStatus]],
    who: Actor,
) -> None:
    machine = approval_machine(workflow, auto_forward=auto_forward)
    pending = reach(machine, path).state
    (withdrawn,) = run(machine, [(Action.WITHDRAW, who)], pending)
    assert withdrawn.state.status is S.OPEN
    assert withdrawn.state.workflow is None
    assert withdrawn.state.version == pending.version + 1
    assert withdrawn.effects == ()
    assert is_editable(withdrawn.state)


@pytest.mark.parametrize(("workflow", "auto_forward"), sorted(HAPPY_PATHS, key=str))
def test_reopen_unlocks_approved_hours_with_a_reason(
    workflow: Workflow, auto_forward: bool
) -> None:
    machine = approval_machine(workflow, auto_forward=auto_forward)
    approved = reach(machine, HAPPY_PATHS[workflow, auto_forward]).state
    assert not is_editable(approved)
    reopened = machine.apply(approved, Action.REOPEN, MANAGER, at=NOW, reason=REASON)
    assert reopened.state == ApprovalState(
        status=S.OPEN, workflow=None, version=approved.version + 1, reason=REASON
    )
    assert reopened.effects == (EntryReopened(by=MANAGER, reason=REASON),)
    assert is_editable(reopened.state)


# --------------------------------------------------------------------------------------------------
# Guards


@pytest.mark.parametrize("reason", [None, "", "   \n"])
@pytest.mark.parametrize("action", [Action.REJECT, Action.REOPEN])
def test_reject_and_reopen_need_a_non_blank_reason(action: Action, reason: str | None) -> None:
    machine = approval_machine(Workflow.INTERNAL)
    (submitted, approved) = run(machine, [(Action.SUBMIT, EMPLOYEE), (Action.APPROVE, MANAGER)])
    state = submitted.state if action is Action.REJECT else approved.state
    with pytest.raises(TransitionNotAllowed, match="needs a reason") as caught:
        machine.apply(state, action, MANAGER, at=NOW, reason=reason)
    assert (caught.value.status, caught.value.action) == (state.status, action)


@pytest.mark.parametrize("workflow", [Workflow.INTERNAL, Workflow.EXTERNAL_INTERNAL])
@pytest.mark.parametrize("party", [Party.MANAGER, Party.ADMIN])
def test_self_approval_a_manager_or_admin_may_not_approve_their_own_hours(
    workflow: Workflow, party: Party
) -> None:
    machine = approval_machine(workflow)
    path = HAPPY_PATHS[workflow, True]
    pending = reach(machine, path[:-1]).state
    assert pending.status is S.PENDING_INTERNAL
    themselves = Actor(party, OWNER)
    with pytest.raises(TransitionNotAllowed, match="may not approve their own hours") as caught:
        machine.apply(pending, Action.APPROVE, themselves, at=NOW, owner=OWNER)
    assert caught.value.party is party
    assert Action.APPROVE not in machine.allowed(pending, themselves, owner=OWNER)
    # Rejecting or withdrawing one's own hours is fine.
    assert Action.REJECT in machine.allowed(pending, themselves, owner=OWNER)


def test_self_approval_is_allowed_when_the_machine_says_so() -> None:
    machine = approval_machine(Workflow.INTERNAL, self_approval=True)
    boss = Actor(Party.MANAGER, OWNER)
    (submitted,) = run(machine, [(Action.SUBMIT, boss)])
    approved = machine.apply(submitted.state, Action.APPROVE, boss, at=NOW, owner=OWNER)
    assert approved.state.status is S.APPROVED
    # With self-approval allowed the owner need not be given at all.
    assert machine.apply(submitted.state, Action.APPROVE, boss, at=NOW).state == approved.state


def test_self_approval_an_internal_approval_without_owner_is_refused_not_guessed() -> None:
    machine = approval_machine(Workflow.INTERNAL)
    (submitted,) = run(machine, [(Action.SUBMIT, EMPLOYEE)])
    with pytest.raises(TransitionNotAllowed, match=r"pass owner=") as caught:
        machine.apply(submitted.state, Action.APPROVE, MANAGER, at=NOW)
    assert caught.value.action is Action.APPROVE
    assert Action.APPROVE not in machine.allowed(submitted.state, MANAGER)
    assert Action.APPROVE in machine.allowed(submitted.state, MANAGER, owner=OWNER)


def test_self_approval_does_not_concern_the_client() -> None:
    machine = approval_machine(Workflow.EXTERNAL)
    (submitted,) = run(machine, [(Action.SUBMIT, EMPLOYEE)])
    approved = machine.apply(submitted.state, Action.APPROVE, CLIENT, at=NOW)
    assert approved.state.status is S.APPROVED


@pytest.mark.parametrize(
    ("workflow", "stage_index", "intruder"),
    [
        (Workflow.INTERNAL, 1, CLIENT),
        (Workflow.EXTERNAL, 1, MANAGER),
        (Workflow.EXTERNAL, 1, ADMIN),
        (Workflow.INTERNAL_EXTERNAL, 1, CLIENT),
        (Workflow.INTERNAL_EXTERNAL, 2, MANAGER),
        (Workflow.EXTERNAL_INTERNAL, 1, MANAGER),
        (Workflow.EXTERNAL_INTERNAL, 2, CLIENT),
    ],
)
@pytest.mark.parametrize("action", [Action.APPROVE, Action.REJECT])
def test_only_the_stages_party_approves_or_rejects(
    workflow: Workflow, stage_index: int, intruder: Actor, action: Action
) -> None:
    machine = approval_machine(workflow)
    pending = reach(machine, HAPPY_PATHS[workflow, True][:stage_index]).state
    with pytest.raises(
        TransitionNotAllowed, match=r"only (CLIENT or POLICY|CLIENT|MANAGER or ADMIN) may"
    ) as caught:
        machine.apply(pending, action, intruder, at=NOW, reason=REASON, owner=OWNER)
    assert (caught.value.status, caught.value.party) == (pending.status, intruder.party)


def test_the_workflow_is_captured_at_submit_and_later_steps_follow_it() -> None:
    before = approval_machine(Workflow.INTERNAL)
    (submitted,) = run(before, [(Action.SUBMIT, EMPLOYEE)])
    # The company switches to a client workflow: the submitted entry is not stranded.
    after = approval_machine(Workflow.EXTERNAL_INTERNAL)
    approved = after.apply(submitted.state, Action.APPROVE, MANAGER, at=NOW, owner=OWNER)
    assert approved.state == ApprovalState(status=S.APPROVED, workflow=Workflow.INTERNAL, version=2)
    assert approved.effects == (EntryApproved(by=MANAGER),)
    with pytest.raises(TransitionNotAllowed, match=r"workflow INTERNAL\)"):
        after.apply(submitted.state, Action.APPROVE, CLIENT, at=NOW)


def test_a_new_submit_captures_the_current_workflow() -> None:
    (submitted, rejected) = run(
        approval_machine(Workflow.INTERNAL), [(Action.SUBMIT, EMPLOYEE), (Action.REJECT, MANAGER)]
    )
    assert submitted.state.workflow is rejected.state.workflow is Workflow.INTERNAL
    (resubmitted,) = run(
        approval_machine(Workflow.EXTERNAL), [(Action.SUBMIT, EMPLOYEE)], rejected.state
    )
    assert resubmitted.state.status is S.PENDING_EXTERNAL
    assert resubmitted.state.workflow is Workflow.EXTERNAL


def test_at_must_be_a_timezone_aware_datetime() -> None:
    machine = approval_machine(Workflow.INTERNAL)
    naive = dt.datetime(2024, 3, 4, 9, 30)
    with pytest.raises(ValidationError, match=r"at: must be (a )?timezone-aware") as caught:
        machine.apply(ApprovalState(), Action.SUBMIT, EMPLOYEE, at=naive)
    assert len(caught.value.errors) == 1


class _NoOffset(dt.tzinfo):
    """A tzinfo that knows no offset: such a datetime is naive for every comparison."""

    def utcoffset(self, _: dt.datetime | None) -> dt.timedelta | None:
        return None

    def dst(self, _: dt.datetime | None) -> dt.timedelta | None:
        return None

    def tzname(self, _: dt.datetime | None) -> str:
        return "nowhere"


def test_at_with_a_timezone_that_has_no_offset_is_refused_like_a_naive_one() -> None:
    machine = approval_machine(Workflow.INTERNAL)
    at = dt.datetime(2024, 3, 4, 9, 30, tzinfo=_NoOffset())
    assert at.tzinfo is not None
    with pytest.raises(ValidationError, match="at: must be timezone-aware") as caught:
        machine.apply(ApprovalState(), Action.SUBMIT, EMPLOYEE, at=at, owner=OWNER)
    assert "2024-03-04T09:30:00" in caught.value.errors[0]
    assert str(caught.value).startswith("cannot take an approval step")


def test_the_machines_own_defaults_forward_at_once_and_forbid_self_approval() -> None:
    """``ApprovalMachine(workflow)`` without the factory: the same safe defaults."""
    bare = ApprovalMachine(Workflow.INTERNAL_EXTERNAL)
    assert (bare.auto_forward, bare.self_approval) == (True, False)
    assert bare == approval_machine(Workflow.INTERNAL_EXTERNAL)
    (submitted,) = run(bare, [(Action.SUBMIT, EMPLOYEE)])
    (forwarded,) = run(bare, [(Action.APPROVE, MANAGER)], start=submitted.state)
    assert forwarded.state.status is S.PENDING_EXTERNAL
    boss = Actor(Party.MANAGER, OWNER)
    internal = ApprovalMachine(Workflow.INTERNAL)
    with pytest.raises(TransitionNotAllowed, match="may not approve their own hours"):
        internal.apply(submitted.state, Action.APPROVE, boss, at=NOW, owner=OWNER)
    assert internal.allowed(submitted.state, boss, owner=OWNER) == (Action.REJECT, Action.WITHDRAW)


def test_a_refused_step_explains_what_the_party_could_do_instead() -> None:
    """The three explanations of a step the table lacks: no step out of the status at all, the
    party's own steps from there, or the steps others may take."""
    machine = approval_machine(Workflow.INTERNAL)
    stray = ApprovalState(status=S.INTERNALLY_APPROVED, workflow=Workflow.INTERNAL, version=2)
    with pytest.raises(TransitionNotAllowed) as nowhere:
        machine.apply(stray, Action.SUBMIT_TO_CLIENT, MANAGER, at=NOW, owner=OWNER)
    assert nowhere.value.why == "the INTERNAL workflow has no step out of INTERNALLY_APPROVED"

    pending = ApprovalState(status=S.PENDING_INTERNAL, workflow=Workflow.INTERNAL, version=1)
    with pytest.raises(TransitionNotAllowed) as own:
        machine.apply(pending, Action.REOPEN, MANAGER, at=NOW, reason=REASON, owner=OWNER)
    assert own.value.why == "from PENDING_INTERNAL a MANAGER may APPROVE or REJECT or WITHDRAW"
    with pytest.raises(TransitionNotAllowed) as admin:
        machine.apply(pending, Action.WITHDRAW, ADMIN, at=NOW, owner=OWNER)
    assert admin.value.why == "only EMPLOYEE or MANAGER may take this step"

    with pytest.raises(TransitionNotAllowed) as others:
        machine.apply(ApprovalState(), Action.APPROVE, CLIENT, at=NOW)
    assert others.value.why == (
        "a CLIENT can take no step from OPEN; possible are SUBMIT (EMPLOYEE/MANAGER)"
    )
    external = approval_machine(Workflow.EXTERNAL)
    waiting = ApprovalState(status=S.PENDING_EXTERNAL, workflow=Workflow.EXTERNAL, version=1)
    with pytest.raises(TransitionNotAllowed) as several:
        external.apply(waiting, Action.SUBMIT, ADMIN, at=NOW)
    assert several.value.why == (
        "a ADMIN can take no step from PENDING_EXTERNAL; possible are APPROVE (CLIENT/POLICY), "
        "REJECT (CLIENT), WITHDRAW (EMPLOYEE/MANAGER)"
    )


def test_actor_needs_a_party_and_a_non_empty_id() -> None:
    with pytest.raises(TypeError, match="party"):
        Actor("MANAGER", "m1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="id must be a non-empty id"):
        Actor(Party.MANAGER, " ")


def test_version_increases_by_one_on_every_transition_from_any_version() -> None:
    machine = approval_machine(Workflow.INTERNAL)
    state = ApprovalState(version=41)
    done = run(
        machine,
        [(Action.SUBMIT, EMPLOYEE), (Action.WITHDRAW, EMPLOYEE), (Action.SUBMIT, EMPLOYEE)],
        state,
    )
    assert [t.state.version for t in done] == [42, 43, 44]


def test_a_refused_step_leaves_the_state_untouched() -> None:
    machine = approval_machine(Workflow.INTERNAL)
    state = ApprovalState(status=S.PENDING_INTERNAL, workflow=Workflow.INTERNAL, version=3)
    copy = evolve(state)
    with pytest.raises(TransitionNotAllowed):
        machine.apply(state, Action.APPROVE, CLIENT, at=NOW)
    assert state == copy


# --------------------------------------------------------------------------------------------------
# The audit record


def test_event_records_before_after_action_actor_time_and_reason() -> None:
    machine = approval_machine(Workflow.EXTERNAL)
    (submitted,) = run(machine, [(Action.SUBMIT, EMPLOYEE)])
    at = dt.datetime(2024, 3, 5, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    rejected = machine.apply(submitted.state, Action.REJECT, CLIENT, at=at, reason=REASON)
    event = rejected.event
    assert event.before == submitted.state
    assert event.after == rejected.state
    assert (event.action, event.actor, event.at, event.reason) == (
        Action.REJECT,
        CLIENT,
        at,
        REASON,
    )


def test_audit_records_and_effects_validate_what_they_hold() -> None:
    (submitted,) = run(approval_machine(Workflow.INTERNAL), [(Action.SUBMIT, EMPLOYEE)])
    with pytest.raises(ValueError, match="at must be timezone-aware"):
        evolve(submitted.event, at=dt.datetime(2024, 3, 4, 9, 30))
    with pytest.raises(TypeError, match="'actor' must be <class"):
        evolve(submitted.event, actor="emp-1")
    with pytest.raises(ValueError, match="reason must not be empty"):
        EntryRejected(by=MANAGER, reason=" ")


def test_an_optional_reason_on_other_steps_is_kept_and_a_blank_one_dropped() -> None:
    machine = approval_machine(Workflow.INTERNAL)
    kept = machine.apply(
        ApprovalState(), Action.SUBMIT, EMPLOYEE, at=NOW, reason=" week 10 ", owner=OWNER
    )
    assert (kept.state.reason, kept.event.reason) == ("week 10", "week 10")
    dropped = machine.apply(
        ApprovalState(), Action.SUBMIT, EMPLOYEE, at=NOW, reason="  ", owner=OWNER
    )
    assert (dropped.state.reason, dropped.event.reason) == (None, None)


def test_a_reason_is_kept_up_to_max_reason_characters_and_refused_beyond() -> None:
    assert MAX_REASON == 2000
    longest = "x" * MAX_REASON
    assert check_reason(Action.REJECT, f"  {longest}\n") == longest
    kept = approval_machine(Workflow.INTERNAL).apply(
        ApprovalState(), Action.SUBMIT, EMPLOYEE, at=NOW, reason=longest, owner=OWNER
    )
    assert kept.state.reason == longest
    for action in (Action.SUBMIT, Action.REJECT):
        with pytest.raises(InvalidReason) as caught:
            check_reason(action, longest + "y")
        assert caught.value.missing is False
        assert caught.value.errors == ("reason: at most 2000 characters, got 2001: shorten it",)
    with pytest.raises(InvalidReason):
        approval_machine(Workflow.INTERNAL).apply(
            ApprovalState(), Action.SUBMIT, EMPLOYEE, at=NOW, reason=longest + "y", owner=OWNER
        )


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("reason", [None, "", " \t\n"])
def test_check_reason_refuses_a_blank_reason_exactly_where_one_is_needed(
    action: Action, reason: str | None
) -> None:
    if action in NEEDS_REASON:
        with pytest.raises(InvalidReason) as caught:
            check_reason(action, reason)
        assert caught.value.missing is True
        assert f"reason: {action.name} needs a reason" in caught.value.errors[0]
    else:
        assert check_reason(action, reason) is None
    assert check_reason(action, "  why  ") == "why"
    assert {Action.REJECT, Action.REOPEN} == NEEDS_REASON


CLIENT_DECIDED_IN = {
    Workflow.INTERNAL: set(),
    Workflow.EXTERNAL: {S.APPROVED, S.REJECTED},
    Workflow.INTERNAL_EXTERNAL: {S.APPROVED, S.REJECTED},
    Workflow.EXTERNAL_INTERNAL: {S.PENDING_INTERNAL, S.APPROVED, S.REJECTED},
}


@pytest.mark.parametrize("workflow", list(Workflow))
@pytest.mark.parametrize("status", list(ApprovalStatus))
def test_client_has_decided_by_the_workflow_the_entry_was_submitted_under(
    workflow: Workflow, status: ApprovalStatus
) -> None:
    state = ApprovalState(status=status, workflow=workflow, version=2)
    assert client_has_decided(state) is (status in CLIENT_DECIDED_IN[workflow])
    assert client_has_decided(ApprovalState()) is False
    assert {S.PENDING_INTERNAL, S.APPROVED, S.REJECTED} == CLIENT_DECIDED
    assert AWAITING_CLIENT is S.PENDING_EXTERNAL


# --------------------------------------------------------------------------------------------------
# Helpers: is_editable, allowed


@pytest.mark.parametrize("status", list(ApprovalStatus))
def test_only_open_and_rejected_entries_are_editable(status: ApprovalStatus) -> None:
    workflow = None if status is S.OPEN else Workflow.INTERNAL_EXTERNAL
    state = ApprovalState(status=status, workflow=workflow)
    assert is_editable(state) == (status in (S.OPEN, S.REJECTED))


def test_allowed_lists_what_each_party_may_do_now() -> None:
    machine = approval_machine(Workflow.INTERNAL_EXTERNAL)
    pending = ApprovalState(status=S.PENDING_EXTERNAL, workflow=Workflow.INTERNAL_EXTERNAL)
    assert machine.allowed(pending, CLIENT) == (Action.APPROVE, Action.REJECT)
    assert machine.allowed(pending, EMPLOYEE, owner=OWNER) == (Action.WITHDRAW,)
    assert machine.allowed(pending, EMPLOYEE, owner="emp-2") == ()
    assert machine.allowed(pending, EMPLOYEE) == ()  # whose hours? not guessed
    assert machine.allowed(pending, MANAGER, owner=OWNER) == (Action.WITHDRAW,)
    assert machine.allowed(pending, ADMIN) == ()
    assert machine.allowed(ApprovalState(), CLIENT) == ()
    assert machine.allowed(ApprovalState(), EMPLOYEE, owner=OWNER) == (Action.SUBMIT,)
    assert machine.allowed(ApprovalState(), MANAGER, owner=OWNER) == (Action.SUBMIT,)


# --------------------------------------------------------------------------------------------------
# The table is data, checked by small graph functions


def test_the_shipped_table_passes_the_graph_checks() -> None:
    check_transitions(TRANSITIONS)
    assert set(TRANSITIONS) == set(Workflow)


def broken(workflow: Workflow, *steps: Step) -> dict[Workflow, tuple[Step, ...]]:
    table = dict(TRANSITIONS)
    table[workflow] = steps
    return table


MGR = frozenset({Party.MANAGER})


def test_graph_check_finds_a_status_unreachable_from_open() -> None:
    table = broken(
        Workflow.INTERNAL,
        Step(S.OPEN, Action.SUBMIT, MGR, S.PENDING_INTERNAL),
        Step(S.PENDING_INTERNAL, Action.APPROVE, MGR, S.APPROVED),
        Step(S.PENDING_EXTERNAL, Action.APPROVE, MGR, S.APPROVED),
    )
    with pytest.raises(ConfigError, match="PENDING_EXTERNAL is not reachable from OPEN"):
        check_transitions(table)


def test_graph_check_finds_a_status_from_which_approved_cannot_be_reached() -> None:
    table = broken(
        Workflow.EXTERNAL,
        Step(S.OPEN, Action.SUBMIT, MGR, S.PENDING_EXTERNAL),
        Step(S.PENDING_EXTERNAL, Action.APPROVE, MGR, S.APPROVED),
        Step(S.PENDING_EXTERNAL, Action.REJECT, MGR, S.REJECTED),
    )
    with pytest.raises(ConfigError) as caught:
        check_transitions(table)
    assert caught.value.problems == (
        "EXTERNAL: APPROVED cannot be reached from REJECTED: an entry there would be stuck",
    )


def test_graph_check_finds_an_unknown_status_an_ambiguous_step_and_a_step_nobody_may_take() -> None:
    table = broken(
        Workflow.INTERNAL,
        Step(S.OPEN, Action.SUBMIT, MGR, S.PENDING_INTERNAL),
        Step(S.OPEN, Action.SUBMIT, MGR, S.APPROVED),
        Step(S.PENDING_INTERNAL, Action.APPROVE, frozenset(), S.APPROVED),
        Step("ON_HOLD", Action.APPROVE, MGR, S.APPROVED),  # type: ignore[arg-type]
    )
    with pytest.raises(ConfigError) as caught:
        check_transitions(table)
    problems = "\n".join(caught.value.problems)
    assert "'ON_HOLD', which is not an ApprovalStatus" in problems
    assert "SUBMIT from OPEN is listed 2 times" in problems
    assert "APPROVE from PENDING_INTERNAL names no party" in problems
    assert "'ON_HOLD' is not reachable from OPEN" in problems


def test_graph_check_finds_an_auto_forward_that_cannot_happen() -> None:
    table = broken(
        Workflow.INTERNAL_EXTERNAL,
        Step(S.OPEN, Action.SUBMIT, MGR, S.PENDING_INTERNAL),
        Step(S.PENDING_INTERNAL, Action.APPROVE, frozenset({Party.ADMIN}), S.INTERNALLY_APPROVED),
        Step(S.INTERNALLY_APPROVED, Action.SUBMIT_TO_CLIENT, MGR, S.PENDING_EXTERNAL),
        Step(S.PENDING_EXTERNAL, Action.APPROVE, frozenset({Party.CLIENT}), S.APPROVED),
    )
    with pytest.raises(ConfigError, match="automatic SUBMIT_TO_CLIENT is missing there or not"):
        check_transitions(table)


def test_graph_check_finds_a_missing_workflow() -> None:
    table: dict[Workflow, tuple[Step, ...]] = {
        w: s for w, s in TRANSITIONS.items() if w is not Workflow.EXTERNAL_INTERNAL
    }
    with pytest.raises(ConfigError, match="EXTERNAL_INTERNAL: the workflow has no steps"):
        check_transitions(table)
