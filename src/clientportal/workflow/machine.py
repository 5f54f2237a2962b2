"""The approval machine: applies :data:`~clientportal.workflow.table.TRANSITIONS` with the guards
time-tracking users rely on, and says what each step produces.

Only the stage's party decides, a rejection says why, nobody approves their own hours unless
allowed, an employee acts only on their own hours, approved hours are locked. Every step returns a
:class:`~clientportal.workflow.events.Transition`: the new state, an audit record and the effects
(e-mails to send) for the service layer. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt

from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..errors import TransitionNotAllowed, ValidationError
from ..model import ApprovalState, ApprovalStatus, Workflow
from .events import (
    ApprovalEvent,
    ClientApprovalRequested,
    DecisionUndone,
    Effect,
    EntryApproved,
    EntryRejected,
    EntryReopened,
    Transition,
)
from .reasons import NEEDS_REASON, _clean
from .table import (
    _DECIDERS,
    _INDEX,
    _OWN_ENTRIES_ONLY,
    AUTO_FORWARD,
    TRANSITIONS,
    Action,
    Actor,
    Party,
    Step,
    _names,
)

__all__ = ["ApprovalMachine", "approval_machine"]


@frozen
class ApprovalMachine:
    """Applies the approval workflow. Build it with :func:`approval_machine`.

    ``workflow`` is the one a SUBMIT captures (the company's current policy); entries already in a
    workflow follow the one in their state. ``auto_forward`` sends internally approved hours of an
    INTERNAL_EXTERNAL workflow straight to the client. ``self_approval`` lets a manager or admin
    approve hours they own.
    """

    workflow: Workflow = field(validator=v.instance_of(Workflow))
    auto_forward: bool = field(default=True, validator=cv.boolean)
    self_approval: bool = field(default=False, validator=cv.boolean)

    def apply(
        self,
        state: ApprovalState,
        action: Action,
        actor: Actor,
        *,
        at: dt.datetime,
        reason: str | None = None,
        owner: str | None = None,
    ) -> Transition:
        """Take ``action`` as ``actor`` at time ``at`` on an entry in ``state``.

        ``reason`` is required (non-blank) for REJECT and REOPEN and kept for any action; it is
        stored stripped (:func:`~clientportal.workflow.reasons.check_reason` states the same
        rule, asked before any step). ``owner`` is the entry's employee id: an EMPLOYEE acts only
        on their own entries (a manager may submit and withdraw on their behalf), and an
        internal APPROVE needs it unless self-approval is allowed. The new state's version is
        one more than ``state``'s.

        Raises :class:`~clientportal.TransitionNotAllowed` when the step is not legal now, and
        :class:`~clientportal.ValidationError` for a naive ``at`` (and its subclass
        :class:`~clientportal.InvalidReason` for a reason over
        :data:`~clientportal.workflow.reasons.MAX_REASON` characters).
        """
        _check_time(at)
        text = _clean(reason)
        workflow, steps = self._plan(state, action, actor, text, owner)
        target = steps[-1].target
        after = ApprovalState(
            status=target,
            workflow=None if target is ApprovalStatus.OPEN else workflow,
            version=state.version + 1,
            reason=text,
        )
        event = ApprovalEvent(
            action=action, actor=actor, at=at, before=state, after=after, reason=text
        )
        return Transition(state=after, event=event, effects=_effects(action, actor, target, text))

    def allowed(
        self, state: ApprovalState, actor: Actor, *, owner: str | None = None
    ) -> tuple[Action, ...]:
        """The actions ``actor`` may take now on an entry in ``state``, in
        :class:`~clientportal.workflow.table.Action` order.

        REJECT and REOPEN are listed when they would succeed given a reason. ``owner`` is the
        entry's employee id, as for :meth:`apply`.
        """
        possible = []
        for action in Action:
            try:
                self._plan(state, action, actor, "(reason)", owner)
            except TransitionNotAllowed:
                continue
            possible.append(action)
        return tuple(possible)

    def _plan(
        self,
        state: ApprovalState,
        action: Action,
        actor: Actor,
        reason: str | None,
        owner: str | None,
    ) -> tuple[Workflow, tuple[Step, ...]]:
        """The workflow and the steps ``action`` takes (two when auto-forwarding), or raise."""
        # SUBMIT captures the current workflow; every later step follows the captured one.
        workflow = self.workflow
        if action is not Action.SUBMIT and state.workflow is not None:
            workflow = state.workflow
        steps = _INDEX[workflow]
        step = steps.get((state.status, action))

        def refuse(why: str) -> TransitionNotAllowed:
            return TransitionNotAllowed(
                state.status, action, actor.party, workflow=workflow, why=why
            )

        if step is None:
            raise refuse(_what_is_possible(workflow, state.status, actor.party))
        if actor.party not in step.parties:
            # The reminder policy is nobody a person can be: the refusal names the people.
            people = step.parties - {Party.POLICY} or step.parties
            raise refuse(f"only {_names(people, ' or ')} may take this step")
        if action in NEEDS_REASON and not reason:
            raise refuse(
                f"{action.name} needs a reason: pass reason='...' (the employee is told, and it "
                "is kept in the audit trail)"
            )
        if actor.party in _OWN_ENTRIES_ONLY:
            if owner is None:
                raise refuse(
                    "say whose hours these are: pass owner=<the entry's employee_id>, as an "
                    f"employee may {action.name} only their own hours"
                )
            if owner != actor.id:
                raise refuse(
                    f"{actor.id!r} may only {action.name} their own hours, not those of "
                    f"{owner!r} (the employee themselves or a manager may)"
                )
        if action is Action.APPROVE and actor.party in _DECIDERS and not self.self_approval:
            if owner is None:
                raise refuse(
                    "say whose hours these are: pass owner=<the entry's employee_id> so that "
                    "self-approval can be ruled out (or allow it with "
                    "approval_machine(..., self_approval=True))"
                )
            if owner == actor.id:
                raise refuse(
                    f"{actor.id!r} may not approve their own hours: another manager or an admin "
                    "must (or allow it with approval_machine(..., self_approval=True))"
                )
        follow = AUTO_FORWARD.get(step.target) if self.auto_forward else None
        onward = steps.get((step.target, follow)) if follow is not None else None
        if onward is not None and actor.party in onward.parties:
            return workflow, (step, onward)
        return workflow, (step,)


def approval_machine(
    workflow: Workflow, *, auto_forward: bool = True, self_approval: bool = False
) -> ApprovalMachine:
    """The approval machine for the company's current ``workflow``.

    Built from an :class:`~clientportal.ApprovalPolicy` as
    ``approval_machine(policy.workflow, auto_forward=policy.auto_forward)``. ``self_approval=True``
    lets a manager or admin approve their own hours (off by default).
    """
    return ApprovalMachine(workflow, auto_forward=auto_forward, self_approval=self_approval)


def _check_time(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(
            [
                "at: must be timezone-aware (e.g. datetime.now(timezone.utc)), "
                f"got the naive {at.isoformat()}"
            ],
            summary="cannot take an approval step",
        )


def _effects(
    action: Action, actor: Actor, target: ApprovalStatus, reason: str | None
) -> tuple[Effect, ...]:
    effects: list[Effect] = []
    if action is Action.UNDO:
        # Back where the client decides, but the client is the one who just asked for it.
        return (DecisionUndone(by=actor),)
    if target is ApprovalStatus.PENDING_EXTERNAL:
        effects.append(ClientApprovalRequested(by=actor))
    if target is ApprovalStatus.APPROVED:
        effects.append(EntryApproved(by=actor))
    if action is Action.REJECT and reason is not None:
        effects.append(EntryRejected(by=actor, reason=reason))
    if action is Action.REOPEN and reason is not None:
        effects.append(EntryReopened(by=actor, reason=reason))
    return tuple(effects)


def _what_is_possible(workflow: Workflow, status: ApprovalStatus, party: Party) -> str:
    """Say what the party can do instead, for the message of a refused step."""
    steps = [step for step in TRANSITIONS[workflow] if step.source is status]
    if not steps:
        return f"the {workflow.name} workflow has no step out of {status.name}"
    own = [step.action.name for step in steps if party in step.parties]
    if own:
        return f"from {status.name} a {party.name} may {' or '.join(own)}"
    others = ", ".join(f"{s.action.name} ({_names(s.parties, '/')})" for s in steps)
    return f"a {party.name} can take no step from {status.name}; possible are {others}"
