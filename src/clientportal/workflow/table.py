"""The approval workflow as data: who takes a step (:class:`Party`, :class:`Actor`), which steps
exist (:class:`Action`), and the legal steps of each workflow (:data:`TRANSITIONS`).

The table is checked by small pure graph functions when this module loads
(:func:`check_transitions`): a broken table fails the import with a
:class:`~clientportal.ConfigError` listing every problem.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..errors import ConfigError
from ..model import ApprovalStatus, Workflow

__all__ = [
    "AUTO_FORWARD",
    "TRANSITIONS",
    "Action",
    "Actor",
    "Party",
    "Step",
    "check_transitions",
]


class Party(enum.Enum):
    """Who takes a step: the employee, an internal manager, the client, or an admin."""

    EMPLOYEE = "EMPLOYEE"
    MANAGER = "MANAGER"
    CLIENT = "CLIENT"
    ADMIN = "ADMIN"
    #: The company's reminder policy, approving for the client once its time is up.
    POLICY = "POLICY"

    @property
    def is_staff(self) -> bool:
        """True for the host's own people (employee, manager, admin). A client acts only through
        their portal, on what it shows them."""
        return self is not Party.CLIENT and self is not Party.POLICY


class Action(enum.Enum):
    """A step an actor asks for. Which ones are legal depends on the status and the workflow."""

    SUBMIT = "SUBMIT"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    WITHDRAW = "WITHDRAW"
    SUBMIT_TO_CLIENT = "SUBMIT_TO_CLIENT"
    REOPEN = "REOPEN"
    #: The client takes back their own decision, within the undo window.
    UNDO = "UNDO"


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
#: Who acts on their own entries only (the entry's ``owner`` must be their id); a manager may act
#: on an employee's behalf.
_OWN_ENTRIES_ONLY = frozenset({Party.EMPLOYEE})
_CLIENT = frozenset({Party.CLIENT})
#: Who may approve where the client decides: the client, and the reminder policy for them.
_CLIENT_APPROVERS = frozenset({Party.CLIENT, Party.POLICY})

_A = Action

#: The legal steps of each workflow. SUBMIT (from OPEN or REJECTED) captures the workflow into the
#: state; every later step follows the captured workflow.
#:
#: The reminder policy (:attr:`Party.POLICY`) may approve exactly where the client may. UNDO takes
#: a client's decision back to PENDING_EXTERNAL: from APPROVED (where the client took the last
#: step: EXTERNAL, INTERNAL_EXTERNAL), from PENDING_INTERNAL in EXTERNAL_INTERNAL (approved by the
#: client, awaiting the manager) and from REJECTED. The table cannot know who took the last step
#: (a manager may have rejected, or approved last): the service checks the audit trail
#: (:mod:`clientportal.service.undo`) before it asks for an UNDO.
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
            Step(_PE, _A.APPROVE, _CLIENT_APPROVERS, _OK),
            Step(_PE, _A.REJECT, _CLIENT, _RJ),
            Step(_PE, _A.WITHDRAW, _KEEPERS, _O),
            Step(_OK, _A.REOPEN, _DECIDERS, _O),
            Step(_OK, _A.UNDO, _CLIENT, _PE),
            Step(_RJ, _A.UNDO, _CLIENT, _PE),
        ),
        Workflow.INTERNAL_EXTERNAL: (
            Step(_O, _A.SUBMIT, _KEEPERS, _PI),
            Step(_RJ, _A.SUBMIT, _KEEPERS, _PI),
            Step(_PI, _A.APPROVE, _DECIDERS, _IA),
            Step(_PI, _A.REJECT, _DECIDERS, _RJ),
            Step(_PI, _A.WITHDRAW, _KEEPERS, _O),
            Step(_IA, _A.SUBMIT_TO_CLIENT, _DECIDERS, _PE),
            Step(_PE, _A.APPROVE, _CLIENT_APPROVERS, _OK),
            Step(_PE, _A.REJECT, _CLIENT, _RJ),
            Step(_PE, _A.WITHDRAW, _KEEPERS, _O),
            Step(_OK, _A.REOPEN, _DECIDERS, _O),
            Step(_OK, _A.UNDO, _CLIENT, _PE),
            Step(_RJ, _A.UNDO, _CLIENT, _PE),
        ),
        Workflow.EXTERNAL_INTERNAL: (
            Step(_O, _A.SUBMIT, _KEEPERS, _PE),
            Step(_RJ, _A.SUBMIT, _KEEPERS, _PE),
            Step(_PE, _A.APPROVE, _CLIENT_APPROVERS, _PI),
            Step(_PE, _A.REJECT, _CLIENT, _RJ),
            Step(_PE, _A.WITHDRAW, _KEEPERS, _O),
            Step(_PI, _A.APPROVE, _DECIDERS, _OK),
            Step(_PI, _A.REJECT, _DECIDERS, _RJ),
            Step(_PI, _A.WITHDRAW, _KEEPERS, _O),
            Step(_OK, _A.REOPEN, _DECIDERS, _O),
            Step(_PI, _A.UNDO, _CLIENT, _PE),
            Step(_RJ, _A.UNDO, _CLIENT, _PE),
        ),
    }
)

#: With ``auto_forward=True`` a step that lands in one of these statuses takes the named follow-on
#: step at once, by the same actor, as one transition: an internal approval goes straight to the
#: client instead of waiting in INTERNALLY_APPROVED.
AUTO_FORWARD: Mapping[ApprovalStatus, Action] = MappingProxyType({_IA: Action.SUBMIT_TO_CLIENT})

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


def _names(parties: Iterable[Party], joiner: str) -> str:
    """The parties' names in :class:`Party` order, joined by ``joiner``."""
    return joiner.join(p.name for p in Party if p in set(parties))
