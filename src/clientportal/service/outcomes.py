"""What became of each entry of a decision: applied, not found, not allowed, changed meanwhile."""

from __future__ import annotations

import enum

from attrs import frozen

from ..model import ApprovalState

__all__ = ["DecisionResult", "EntryOutcome", "Outcome"]


class Outcome(enum.Enum):
    """What became of one entry of a decision."""

    #: The step was taken and stored.
    APPLIED = "applied"
    #: No such entry, or not one the deciding portal shows (the two look the same on purpose).
    NOT_FOUND = "not_found"
    #: The workflow does not allow this step now (``why`` says what would be allowed).
    NOT_ALLOWED = "not_allowed"
    #: Somebody else changed the entry since it was read; nothing was overwritten. Look again.
    CHANGED_MEANWHILE = "changed_meanwhile"


@frozen
class EntryOutcome:
    """The outcome for one entry; ``state`` is its new approval state when applied."""

    entry_id: str
    outcome: Outcome
    state: ApprovalState | None = None
    why: str | None = None

    @property
    def applied(self) -> bool:
        """True when the step was taken."""
        return self.outcome is Outcome.APPLIED


@frozen
class DecisionResult:
    """Per entry, in the order asked: what became of it."""

    outcomes: tuple[EntryOutcome, ...]

    @property
    def applied(self) -> tuple[EntryOutcome, ...]:
        """The entries the step was taken on."""
        return self._with(Outcome.APPLIED)

    @property
    def not_found(self) -> tuple[EntryOutcome, ...]:
        """The entries that do not exist (or are not in the deciding portal)."""
        return self._with(Outcome.NOT_FOUND)

    @property
    def not_allowed(self) -> tuple[EntryOutcome, ...]:
        """The entries the workflow refused the step for, each with ``why``."""
        return self._with(Outcome.NOT_ALLOWED)

    @property
    def changed_meanwhile(self) -> tuple[EntryOutcome, ...]:
        """The entries somebody else changed first; they were left as that person left them."""
        return self._with(Outcome.CHANGED_MEANWHILE)

    @property
    def all_applied(self) -> bool:
        """True when every entry asked for was decided."""
        return all(o.applied for o in self.outcomes)

    def _with(self, outcome: Outcome) -> tuple[EntryOutcome, ...]:
        return tuple(o for o in self.outcomes if o.outcome is outcome)
