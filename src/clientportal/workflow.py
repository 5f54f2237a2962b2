"""The approval workflow: a pure state machine over :class:`~clientportal.model.ApprovalState`.

Hours travel from the employee to an internal manager and/or the client in one of four
:class:`~clientportal.model.Workflow` (DESIGN.md §5). The legal steps are data
(:data:`TRANSITIONS`), checked by small graph functions when this module loads.
:func:`approval_machine` applies them with the guards time-tracking users rely on: only the stage's
party decides, a rejection says why, nobody approves their own hours unless allowed, approved hours
are locked. Every step returns a
:class:`Transition`: the new state, an audit record and the effects (e-mails to send) for the
service layer. Nothing here does I/O.

Self-approval: ``apply(..., owner=entry.employee_id)`` says whose hours these are. A manager or
admin may not APPROVE an entry whose ``owner`` is their own id, and without ``owner`` an internal
approval is refused rather than guessed, unless the machine was made with ``self_approval=True``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TypeAlias

from attrs import field, frozen
from attrs import validators as v

from . import _validators as cv
from .errors import ConfigError, TransitionNotAllowed, ValidationError
from .model import ApprovalState, ApprovalStatus, TimeEntry, Workflow

__all__ = [
    "AUTO_FORWARD",
    "TRANSITIONS",
    "Action",
    "Actor",
    "Applied",
    "ApprovalEvent",
    "ApprovalMachine",
    "BulkResult",
    "ClientApprovalRequested",
    "Effect",
    "EntryApproved",
    "EntryRejected",
    "EntryReopened",
    "Party",
    "Refused",
    "Step",
    "Transition",
    "approval_machine",
    "check_transitions",
    "is_editable",
    "to_mermaid",
]


class Party(enum.Enum):
    """Who takes a step: the employee, an internal manager, the client, or an admin."""

    EMPLOYEE = "EMPLOYEE"
    MANAGER = "MANAGER"
    CLIENT = "CLIENT"
    ADMIN = "ADMIN"


class Action(enum.Enum):
    """A step an actor asks for. Which ones are legal depends on the status and the workflow."""

    SUBMIT = "SUBMIT"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    WITHDRAW = "WITHDRAW"
    SUBMIT_TO_CLIENT = "SUBMIT_TO_CLIENT"
    REOPEN = "REOPEN"


@frozen
class Actor:
    """Somebody taking a step: their party and their id (an employee, user or contact id)."""

    party: Party = field(validator=v.instance_of(Party))
    id: str = field(validator=cv.identifier)


# --------------------------------------------------------------------------------------------------
# The transition table (data) and the graph checks that run when the module loads


@frozen
class Step:
    """One row of the transition table: ``action`` by one of ``parties`` leads from ``source``
    to ``target``."""

    source: ApprovalStatus
    action: Action
    parties: frozenset[Party]
    target: ApprovalStatus


_O = ApprovalStatus.OPEN
_PI = ApprovalStatus.PENDING_INTERNAL
_IA = ApprovalStatus.INTERNALLY_APPROVED
_PE = ApprovalStatus.PENDING_EXTERNAL
_OK = ApprovalStatus.APPROVED
_RJ = ApprovalStatus.REJECTED

#: Who keeps the hours: they submit them and take them back.
_KEEPERS = frozenset({Party.EMPLOYEE, Party.MANAGER})
#: Who decides internally: approve or reject in PENDING_INTERNAL, forward, reopen.
_DECIDERS = frozenset({Party.MANAGER, Party.ADMIN})
_CLIENT = frozenset({Party.CLIENT})

_A = Action

#: The legal steps of each workflow. SUBMIT (from OPEN or REJECTED) captures the workflow into the
#: state; every later step follows the captured workflow.
TRANSITIONS: Mapping[Workflow, tuple[Step, ...]] = MappingProxyType(
    {
        Workflow.INTERNAL: (
            Step(_O, _A.SUBMIT, _KEEPERS, _PI),
            Step(_RJ, _A.SUBMIT, _KEEPERS, _PI),
            Step(_PI, _A.APPROVE, _DECIDERS, _OK),
            Step(_PI, _A.REJECT, _DECIDERS, _RJ),
            Step(_PI, _A.WITHDRAW, _KEEPERS, _O),
            Step(_OK, _A.REOPEN, _DECIDERS, _O),
        ),
        Workflow.EXTERNAL: (
            Step(_O, _A.SUBMIT, _KEEPERS, _PE),
            Step(_RJ, _A.SUBMIT, _KEEPERS, _PE),
            Step(_PE, _A.APPROVE, _CLIENT, _OK),
            Step(_PE, _A.REJECT, _CLIENT, _RJ),
            Step(_PE, _A.WITHDRAW, _KEEPERS, _O),
            Step(_OK, _A.REOPEN, _DECIDERS, _O),
        ),
        Workflow.INTERNAL_EXTERNAL: (
            Step(_O, _A.SUBMIT, _KEEPERS, _PI),
            Step(_RJ, _A.SUBMIT, _KEEPERS, _PI),
            Step(_PI, _A.APPROVE, _DECIDERS, _IA),
            Step(_PI, _A.REJECT, _DECIDERS, _RJ),
            Step(_PI, _A.WITHDRAW, _KEEPERS, _O),
            Step(_IA, _A.SUBMIT_TO_CLIENT, _DECIDERS, _PE),
            Step(_PE, _A.APPROVE, _CLIENT, _OK),
            Step(_PE, _A.REJECT, _CLIENT, _RJ),
            Step(_PE, _A.WITHDRAW, _KEEPERS, _O),
            Step(_OK, _A.REOPEN, _DECIDERS, _O),
        ),
        Workflow.EXTERNAL_INTERNAL: (
            Step(_O, _A.SUBMIT, _KEEPERS, _PE),
            Step(_RJ, _A.SUBMIT, _KEEPERS, _PE),
            Step(_PE, _A.APPROVE, _CLIENT, _PI),
            Step(_PE, _A.REJECT, _CLIENT, _RJ),
            Step(_PE, _A.WITHDRAW, _KEEPERS, _O),
            Step(_PI, _A.APPROVE, _DECIDERS, _OK),
            Step(_PI, _A.REJECT, _DECIDERS, _RJ),
            Step(_PI, _A.WITHDRAW, _KEEPERS, _O),
            Step(_OK, _A.REOPEN, _DECIDERS, _O),
        ),
    }
)

#: With ``auto_forward=True`` a step that lands in one of these statuses takes the named follow-on
#: step at once, by the same actor, as one transition: an internal approval goes straight to the
#: client instead of waiting in INTERNALLY_APPROVED.
AUTO_FORWARD: Mapping[ApprovalStatus, Action] = MappingProxyType({_IA: Action.SUBMIT_TO_CLIENT})

#: Actions that need a non-empty reason (it is shown to the employee and kept in the audit trail).
_NEEDS_REASON = frozenset({Action.REJECT, Action.REOPEN})
#: The one status that ends a workflow round.
_FINAL = ApprovalStatus.APPROVED


def _statuses(steps: Sequence[Step]) -> tuple[object, ...]:
    """Every status a table mentions, in first-mention order (OPEN first)."""
    seen: dict[object, None] = {_O: None}
    for step in steps:
        seen.setdefault(step.source, None)
        seen.setdefault(step.target, None)
    return tuple(seen)


def _reachable(steps: Sequence[Step], start: object) -> frozenset[object]:
    """The statuses reachable from ``start`` (itself included) along the steps."""
    found = {start}
    frontier = [start]
    while frontier:
        here = frontier.pop()
        for step in steps:
            if step.source == here and step.target not in found:
                found.add(step.target)
                frontier.append(step.target)
    return frozenset(found)


def _label(value: object) -> str:
    """A status or action by name; anything else (a broken table) by repr."""
    return value.name if isinstance(value, enum.Enum) else repr(value)


def _unknown_statuses(steps: Sequence[Step]) -> list[str]:
    return [
        f"{_label(step.action)} leads from or to {status!r}, which is not an ApprovalStatus"
        for step in steps
        for status in (step.source, step.target)
        if not isinstance(status, ApprovalStatus)
    ]


def _ambiguous_steps(steps: Sequence[Step]) -> list[str]:
    counts = Counter((step.source, step.action) for step in steps)
    return [
        f"{_label(action)} from {_label(source)} is listed {count} times: "
        "one status and action must lead to one step"
        for (source, action), count in counts.items()
        if count > 1
    ]


def _steps_without_parties(steps: Sequence[Step]) -> list[str]:
    return [
        f"{_label(step.action)} from {_label(step.source)} names no party that may take it"
        for step in steps
        if not step.parties
    ]


def _unreachable_statuses(steps: Sequence[Step]) -> list[str]:
    reachable = _reachable(steps, _O)
    return [
        f"{_label(status)} is not reachable from OPEN, yet the table has steps from or to it"
        for status in _statuses(steps)
        if status not in reachable
    ]


def _stuck_statuses(steps: Sequence[Step]) -> list[str]:
    return [
        f"APPROVED cannot be reached from {_label(status)}: an entry there would be stuck"
        for status in _statuses(steps)
        if status != _FINAL and _FINAL not in _reachable(steps, status)
    ]


def _broken_forwards(steps: Sequence[Step]) -> list[str]:
    index = {(step.source, step.action): step for step in steps}
    problems = []
    for step in steps:
        follow = AUTO_FORWARD.get(step.target)
        if follow is None:
            continue
        onward = index.get((step.target, follow))
        if onward is None or not step.parties <= onward.parties:
            problems.append(
                f"{_label(step.action)} from {_label(step.source)} lands in "
                f"{_label(step.target)}, whose automatic {follow.name} is missing there or not "
                "open to the same parties"
            )
    return problems


_GRAPH_CHECKS = (
    _unknown_statuses,
    _ambiguous_steps,
    _steps_without_parties,
    _unreachable_statuses,
    _stuck_statuses,
    _broken_forwards,
)


def check_transitions(table: Mapping[Workflow, Sequence[Step]]) -> None:
    """Check a transition table; raise :class:`~clientportal.ConfigError` listing every problem.

    Each workflow's graph must use only known statuses, have one step per status and action,
    name who may take each step, reach every status it mentions from OPEN, reach APPROVED from
    every other status, and keep every automatic forward (:data:`AUTO_FORWARD`) possible.
    """
    problems = [f"{w.name}: the workflow has no steps" for w in Workflow if w not in table]
    for workflow, steps in table.items():
        for check in _GRAPH_CHECKS:
            problems.extend(f"{_label(workflow)}: {problem}" for problem in check(steps))
    if problems:
        raise ConfigError(problems, subject="approval transition table")


check_transitions(TRANSITIONS)

_INDEX: Mapping[Workflow, Mapping[tuple[ApprovalStatus, Action], Step]] = MappingProxyType(
    {
        workflow: MappingProxyType({(step.source, step.action): step for step in steps})
        for workflow, steps in TRANSITIONS.items()
    }
)


# --------------------------------------------------------------------------------------------------
# What a transition produces: the audit record and the effects


@frozen
class ClientApprovalRequested:
    """The entry now waits for the client: the service asks the client's contacts to approve
    (batched into one e-mail per contact). ``by`` submitted or forwarded it."""

    by: Actor = field(validator=v.instance_of(Actor))


@frozen
class EntryApproved:
    """The entry is fully approved (its hours are locked); ``by`` took the last decision."""

    by: Actor = field(validator=v.instance_of(Actor))


@frozen
class EntryRejected:
    """``by`` rejected the entry for ``reason``: the employee is told, and may edit and resubmit."""

    by: Actor = field(validator=v.instance_of(Actor))
    reason: str = field(validator=cv.non_empty_text)


@frozen
class EntryReopened:
    """``by`` reopened approved hours for ``reason``: they are editable again."""

    by: Actor = field(validator=v.instance_of(Actor))
    reason: str = field(validator=cv.non_empty_text)


#: Everything :attr:`Transition.effects` may hold; a service handles the kinds it knows.
Effect: TypeAlias = ClientApprovalRequested | EntryApproved | EntryRejected | EntryReopened


@frozen
class ApprovalEvent:
    """The audit record of one transition: who did what, when, why, and the state before/after.

    Replaying a trail means ``events[i].after == events[i + 1].before``; the last ``after`` is
    the current state. The entry's id is not here: the caller files the event under its entry.
    """

    action: Action = field(validator=v.instance_of(Action))
    actor: Actor = field(validator=v.instance_of(Actor))
    at: dt.datetime = field(validator=cv.aware_datetime)
    before: ApprovalState = field(validator=v.instance_of(ApprovalState))
    after: ApprovalState = field(validator=v.instance_of(ApprovalState))
    reason: str | None = field(default=None, validator=cv.optional_text)


@frozen
class Transition:
    """The result of :meth:`ApprovalMachine.apply`: the new ``state``, its audit ``event``, and the
    ``effects`` for the service to carry out."""

    state: ApprovalState
    event: ApprovalEvent
    effects: tuple[Effect, ...] = ()


# --------------------------------------------------------------------------------------------------
# Bulk results: "approve the whole week"


@frozen
class Applied:
    """The bulk step was applied to entry ``entry_id``."""

    entry_id: str
    transition: Transition


@frozen(eq=False)
class Refused:
    """The bulk step was not allowed for entry ``entry_id``; ``error`` says why."""

    entry_id: str
    error: TransitionNotAllowed

    @property
    def why(self) -> str:
        """The refusal as a sentence (the error's message)."""
        return str(self.error)


@frozen(eq=False)
class BulkResult:
    """Per entry, in the order given: :class:`Applied` or :class:`Refused`."""

    outcomes: tuple[Applied | Refused, ...]

    @property
    def applied(self) -> tuple[Applied, ...]:
        """The entries the step was applied to."""
        return tuple(o for o in self.outcomes if isinstance(o, Applied))

    @property
    def refused(self) -> tuple[Refused, ...]:
        """The entries the step was not allowed for, each with its reason."""
        return tuple(o for o in self.outcomes if isinstance(o, Refused))


# --------------------------------------------------------------------------------------------------
# The machine


def is_editable(state: ApprovalState) -> bool:
    """True when the entry's hours may be changed: only in OPEN and REJECTED.

    Submitted, internally approved and approved hours are locked until withdrawn, rejected or
    reopened.
    """
    return state.status in (ApprovalStatus.OPEN, ApprovalStatus.REJECTED)


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
        stored stripped. ``owner`` is the entry's employee id, needed for an internal APPROVE
        unless self-approval is allowed. The new state's version is one more than ``state``'s.

        Raises :class:`~clientportal.TransitionNotAllowed` when the step is not legal now, and
        :class:`~clientportal.ValidationError` for a naive ``at`` or arguments of the wrong type.
        """
        _check_arguments(state, action, actor, at, reason, owner)
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
        """The actions ``actor`` may take now on an entry in ``state``, in :class:`Action` order.

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

    def apply_many(
        self,
        entries: Iterable[TimeEntry],
        action: Action,
        actor: Actor,
        *,
        at: dt.datetime,
        reason: str | None = None,
    ) -> BulkResult:
        """Take one ``action`` on many entries ("approve the whole week"), reporting per entry.

        Each entry's ``approval`` is its state and its ``employee_id`` its owner. An entry the step
        is not allowed for is :class:`Refused` with the reason; the others are :class:`Applied`.
        Raises :class:`~clientportal.ValidationError` for a naive ``at`` or an entry given twice.
        """
        batch = tuple(entries)
        repeated = sorted(i for i, n in Counter(e.id for e in batch).items() if n > 1)
        if repeated:
            raise ValidationError(
                (f"entry {i!r} is given more than once: give each entry once" for i in repeated),
                summary="cannot apply one step to many entries",
            )
        outcomes: list[Applied | Refused] = []
        for entry in batch:
            try:
                transition = self.apply(
                    entry.approval, action, actor, at=at, reason=reason, owner=entry.employee_id
                )
            except TransitionNotAllowed as error:
                outcomes.append(Refused(entry.id, error))
            else:
                outcomes.append(Applied(entry.id, transition))
        return BulkResult(tuple(outcomes))

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
            raise refuse(f"only {_names(step.parties, ' or ')} may take this step")
        if action in _NEEDS_REASON and not reason:
            raise refuse(
                f"{action.name} needs a reason: pass reason='...' (the employee is told, and it "
                "is kept in the audit trail)"
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


def _check_arguments(
    state: object, action: object, actor: object, at: object, reason: object, owner: object
) -> None:
    problems = []
    if not isinstance(state, ApprovalState):
        problems.append(f"state: must be an ApprovalState, got {type(state).__name__}")
    if not isinstance(action, Action):
        problems.append(f"action: must be an Action (e.g. Action.APPROVE), got {action!r}")
    if not isinstance(actor, Actor):
        problems.append(f"actor: must be an Actor(party, id), got {type(actor).__name__}")
    if not isinstance(at, dt.datetime):
        problems.append(f"at: must be a timezone-aware datetime, got {at!r}")
    elif at.tzinfo is None or at.utcoffset() is None:
        problems.append(
            "at: must be timezone-aware (e.g. datetime.now(timezone.utc)), "
            f"got the naive {at.isoformat()}"
        )
    if reason is not None and not isinstance(reason, str):
        problems.append(f"reason: must be a string or None, got {type(reason).__name__}")
    if owner is not None and not isinstance(owner, str):
        problems.append(f"owner: must be the entry's employee id or None, got {owner!r}")
    if problems:
        raise ValidationError(problems, summary="cannot take an approval step")


def _clean(reason: str | None) -> str | None:
    """A reason without surrounding whitespace; blank means none."""
    return (reason.strip() or None) if reason is not None else None


def _effects(
    action: Action, actor: Actor, target: ApprovalStatus, reason: str | None
) -> tuple[Effect, ...]:
    effects: list[Effect] = []
    if target is ApprovalStatus.PENDING_EXTERNAL:
        effects.append(ClientApprovalRequested(by=actor))
    if target is ApprovalStatus.APPROVED:
        effects.append(EntryApproved(by=actor))
    if action is Action.REJECT and reason is not None:
        effects.append(EntryRejected(by=actor, reason=reason))
    if action is Action.REOPEN and reason is not None:
        effects.append(EntryReopened(by=actor, reason=reason))
    return tuple(effects)


def _names(parties: Iterable[Party], joiner: str) -> str:
    return joiner.join(p.name for p in Party if p in set(parties))


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


# --------------------------------------------------------------------------------------------------
# The diagram


def to_mermaid(workflow: Workflow) -> str:
    """A mermaid ``stateDiagram-v2`` of ``workflow``, drawn from :data:`TRANSITIONS`.

    Each arrow reads ``action by party / party``; ``(reason)`` marks actions that need one.
    """
    lines = ["stateDiagram-v2", "    direction LR", f"    [*] --> {_O.name}"]
    for step in TRANSITIONS[workflow]:
        label = f"{step.action.name.lower()} by {_names(step.parties, ' / ').lower()}"
        if step.action in _NEEDS_REASON:
            label += " (reason)"
        lines.append(f"    {step.source.name} --> {step.target.name}: {label}")
    mentioned = {step.source for step in TRANSITIONS[workflow]}
    for status, action in AUTO_FORWARD.items():
        if status in mentioned:
            lines.append(
                f"    note right of {status.name} : with auto_forward=True "
                f"{action.name.lower()} follows at once"
            )
    return "\n".join(lines) + "\n"
