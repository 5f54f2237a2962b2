"""What became of each item of a decision (a time entry, an expense, a trip): applied, not found,
not allowed, changed meanwhile."""

from __future__ import annotations

import enum

from attrs import frozen

from ..model import ApprovalState, ItemKind
from ..ports import SignOff

__all__ = ["DecisionResult", "EntryOutcome", "Outcome"]


class Outcome(enum.Enum):
    """What became of one item of a decision."""

    #: The step was taken and stored.
    APPLIED = "applied"
    #: No such item, or not one the deciding portal shows (the two look the same on purpose).
    NOT_FOUND = "not_found"
    #: The workflow does not allow this step now (``why`` says what would be allowed).
    NOT_ALLOWED = "not_allowed"
    #: Somebody else changed the item since it was read; nothing was overwritten. Look again.
    CHANGED_MEANWHILE = "changed_meanwhile"


@frozen
class EntryOutcome:
    """The outcome for one item: the time entry, expense or trip (``kind``) ``entry_id``;
    ``state`` is its new approval state when applied, ``why`` says why not otherwise (and, on
    an applied step that left the item awaiting a client no portal shows it to, that nobody was
    asked)."""

    entry_id: str
    outcome: Outcome
    state: ApprovalState | None = None
    why: str | None = None
    kind: ItemKind = ItemKind.ENTRY

    @property
    def applied(self) -> bool:
        """True when the step was taken."""
        return self.outcome is Outcome.APPLIED


@frozen
class DecisionResult:
    """Per item, in the order asked: what became of it; and, when a client approved, the
    sign-off certificate of what they approved (:mod:`clientportal.service.signing`)."""

    outcomes: tuple[EntryOutcome, ...]
    signoff: SignOff | None = None

    @property
    def applied(self) -> tuple[EntryOutcome, ...]:
        """The items the step was taken on."""
        return self._with(Outcome.APPLIED)

    @property
    def not_found(self) -> tuple[EntryOutcome, ...]:
        """The items that do not exist (or are not in the deciding portal)."""
        return self._with(Outcome.NOT_FOUND)

    @property
    def not_allowed(self) -> tuple[EntryOutcome, ...]:
        """The items the workflow refused the step for, each with ``why``."""
        return self._with(Outcome.NOT_ALLOWED)

    @property
    def changed_meanwhile(self) -> tuple[EntryOutcome, ...]:
        """The items somebody else changed first; they were left as that person left them."""
        return self._with(Outcome.CHANGED_MEANWHILE)

    @property
    def all_applied(self) -> bool:
        """True when every item asked for was decided."""
        return all(o.applied for o in self.outcomes)

    def _with(self, outcome: Outcome) -> tuple[EntryOutcome, ...]:
        return tuple(o for o in self.outcomes if o.outcome is outcome)
