"""What a transition produces: the audit record (:class:`ApprovalEvent`), the effects for the
service layer to carry out, and the :class:`Transition` that carries them with the new state."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..model import ApprovalState
from .table import Action, Actor

__all__ = [
    "ApprovalEvent",
    "ClientApprovalRequested",
    "DecisionUndone",
    "Effect",
    "EntryApproved",
    "EntryRejected",
    "EntryReopened",
    "Transition",
]


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


@frozen
class DecisionUndone:
    """The client ``by`` took their decision back: the entry awaits them again. Nobody is asked
    by e-mail (the client is on the page); the company is told of the undo."""

    by: Actor = field(validator=v.instance_of(Actor))


#: Everything :attr:`Transition.effects` may hold; a service handles the kinds it knows.
Effect: TypeAlias = (
    ClientApprovalRequested | EntryApproved | EntryRejected | EntryReopened | DecisionUndone
)


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
    """The result of :meth:`~clientportal.workflow.machine.ApprovalMachine.apply`: the new
    ``state``, its audit ``event``, and the ``effects`` for the service to carry out."""

    state: ApprovalState
    event: ApprovalEvent
    effects: tuple[Effect, ...] = ()
