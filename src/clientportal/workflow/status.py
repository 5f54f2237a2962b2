"""What an entry's approval state means: may its hours change, has its client decided."""

from __future__ import annotations

from types import MappingProxyType

from ..model import ApprovalState, ApprovalStatus, Workflow
from .table import TRANSITIONS, Action, Party

__all__ = ["AWAITING_CLIENT", "CLIENT_DECIDED", "client_has_decided", "is_editable"]

#: Where an entry waits for its client's decision (the approval queue of a portal).
AWAITING_CLIENT = ApprovalStatus.PENDING_EXTERNAL


def is_editable(state: ApprovalState) -> bool:
    """True when the entry's hours may be changed: only in OPEN and REJECTED.

    Submitted, internally approved and approved hours are locked until withdrawn, rejected or
    reopened.
    """
    return state.status in (ApprovalStatus.OPEN, ApprovalStatus.REJECTED)


def _client_decided(workflow: Workflow) -> frozenset[ApprovalStatus]:
    """Where an entry of ``workflow`` stands once its client has decided: the targets of the
    client's decisions (APPROVE, REJECT; not their UNDO, which takes a decision back), and the
    ends of the round (none when the workflow has no client step)."""
    client_steps = [
        step
        for step in TRANSITIONS[workflow]
        if Party.CLIENT in step.parties and step.action in (Action.APPROVE, Action.REJECT)
    ]
    if not client_steps:
        return frozenset()
    return frozenset(
        {step.target for step in client_steps} | {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}
    )


_CLIENT_DECIDED = MappingProxyType({w: _client_decided(w) for w in Workflow})

#: Every status an entry can stand in once its client has decided, in any workflow (which of them
#: count for one entry depends on the workflow it was submitted under: :func:`client_has_decided`).
CLIENT_DECIDED: frozenset[ApprovalStatus] = frozenset().union(*_CLIENT_DECIDED.values())


def client_has_decided(state: ApprovalState) -> bool:
    """True when the entry has passed its client's step, judged by the workflow the entry was
    submitted under (not the company's current one): APPROVED or REJECTED, and in
    EXTERNAL_INTERNAL also PENDING_INTERNAL (approved by the client, waiting for the manager).

    In INTERNAL_EXTERNAL a REJECTED entry may have been turned down by the manager before the
    client saw it: the state does not say who rejected, the audit trail does."""
    if state.workflow is None:
        return False
    return state.status in _CLIENT_DECIDED[state.workflow]
