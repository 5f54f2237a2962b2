"""Finding 14: an employee could submit or withdraw another employee's hours; the owner of an entry
was only looked at for self-approval. The machine now lets an EMPLOYEE act on their own entries
only (a manager may still act on an employee's behalf), and the service refuses an actor the
DataSource does not know."""

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
    ValidationError,
    Workflow,
    approval_machine,
)

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
EVA = Actor(Party.EMPLOYEE, "eva")
TOM = Actor(Party.EMPLOYEE, "tom")
MAX = Actor(Party.MANAGER, "max")


def pending(workflow: Workflow) -> ApprovalState:
    """Eva's entry, submitted by Eva under ``workflow``."""
    return (
        approval_machine(workflow)
        .apply(ApprovalState(), Action.SUBMIT, EVA, at=NOW, owner="eva")
        .state
    )


@pytest.mark.parametrize("workflow", list(Workflow))
def test_finding_14_an_employee_cannot_submit_another_employees_hours(workflow: Workflow) -> None:
    """Finding 14: Tom may not submit Eva's hours (OPEN or REJECTED), in any workflow."""
    machine = approval_machine(workflow)
    rejected = ApprovalState(status=ApprovalStatus.REJECTED, workflow=workflow, version=3)
    for state in (ApprovalState(), rejected):
        with pytest.raises(TransitionNotAllowed) as caught:
            machine.apply(state, Action.SUBMIT, TOM, at=NOW, owner="eva")
        assert "'tom' may only SUBMIT their own hours" in str(caught.value)
        assert Action.SUBMIT not in machine.allowed(state, TOM, owner="eva")
        assert Action.SUBMIT in machine.allowed(state, EVA, owner="eva")


@pytest.mark.parametrize("workflow", list(Workflow))
def test_finding_14_an_employee_cannot_withdraw_another_employees_hours(
    workflow: Workflow,
) -> None:
    """Finding 14: Tom may not withdraw Eva's submitted hours; Eva and a manager may."""
    machine = approval_machine(workflow)
    state = pending(workflow)
    with pytest.raises(TransitionNotAllowed, match="'tom' may only WITHDRAW their own hours"):
        machine.apply(state, Action.WITHDRAW, TOM, at=NOW, owner="eva")
    assert machine.apply(state, Action.WITHDRAW, EVA, at=NOW, owner="eva").state.status is (
        ApprovalStatus.OPEN
    )
    assert machine.apply(state, Action.WITHDRAW, MAX, at=NOW, owner="eva").state.status is (
        ApprovalStatus.OPEN
    )


def test_finding_14_an_employees_step_without_owner_is_refused_not_guessed() -> None:
    """Finding 14: without ``owner`` the machine cannot tell whose hours these are: refused."""
    machine = approval_machine(Workflow.EXTERNAL)
    with pytest.raises(TransitionNotAllowed, match="pass owner=<the entry's employee_id>"):
        machine.apply(ApprovalState(), Action.SUBMIT, EVA, at=NOW)
    with pytest.raises(TransitionNotAllowed, match="pass owner="):
        machine.apply(pending(Workflow.EXTERNAL), Action.WITHDRAW, EVA, at=NOW)


def test_finding_14_the_owner_rule_holds_whatever_the_machine_allows_for_self_approval() -> None:
    """Finding 14: ``self_approval=True`` is about approving; no employee acts for another."""
    for workflow, auto in itertools.product(Workflow, (True, False)):
        machine = approval_machine(workflow, auto_forward=auto, self_approval=True)
        assert machine.allowed(ApprovalState(), TOM, owner="eva") == ()
        assert machine.allowed(pending(workflow), TOM, owner="eva") == ()


def test_finding_14_the_service_refuses_an_actor_the_datasource_does_not_know() -> None:
    """Finding 14: ``approvals.submit(..., by=Actor(EMPLOYEE, "nobody"))`` is refused before any
    entry is touched, naming the id and where the valid ones come from."""
    from worlds import service_world

    w = service_world()
    for by in (Actor(Party.EMPLOYEE, "nobody"), Actor(Party.MANAGER, "nobody")):
        with pytest.raises(ValidationError) as caught:
            w.service.approvals.submit(["w1"], by=by)
        message = str(caught.value)
        assert "'nobody' is not an employee in the DataSource" in message
        assert "DataSource.employees" in message
    assert w.service.approvals.history("w1") == ()
