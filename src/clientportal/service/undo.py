"""Undo: may a client contact take their own decision back now, and the company's notice of it.

"Oops, I didn't mean to approve that": a contact may undo their approval or rejection within a
short window (the service's ``undo_window``, 15 minutes by default; zero switches undo off),
unless the host has invoiced the items meanwhile (the optional DataSource part
:class:`~clientportal.ports.InvoicedItems`). The workflow table knows from which statuses an UNDO
leads back to the client (``Action.UNDO``), but not who took the last step: :class:`UndoRules`
reads each item's audit trail and refuses, with the reason, every item whose last step is not
this contact's own APPROVE or REJECT, is older than the window, or is invoiced. The decision itself
is taken by :meth:`Approvals.client_undo <clientportal.service.approvals.Approvals.client_undo>`,
which asks these rules first; an undo is never silent: the company gets :meth:`UndoRules.notice`
and the host an ``entries.undone`` (``expenses.undone``, ``trips.undone``) event.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence

from ..errors import ConfigError, ValidationError
from ..mail.templates import MailKind
from ..model import ApprovalState, Contact, Expense, ItemRef, Portal, TimeEntry, Trip
from ..ports import ApprovalStore, DataSource, InvoicedItems, OutboxMessage
from ..workflow import TRANSITIONS, Action, ApprovalEvent, Party
from .decision_items import DecisionItem, ItemKey, Planned, kind_of
from .notify import Notifier

__all__ = ["UndoRefusal", "UndoRules", "undoable_status"]

#: The client's decisions an UNDO takes back.
_DECISIONS = frozenset({Action.APPROVE, Action.REJECT})

#: Where the table lets a client UNDO, per workflow.
_UNDOABLE = {
    workflow: frozenset(
        step.source for step in steps if step.action is Action.UNDO and Party.CLIENT in step.parties
    )
    for workflow, steps in TRANSITIONS.items()
}

#: What :meth:`UndoRules.notice` gives: the notice of a stored batch at a time, or ``None``.
NoticeBuilder = Callable[[Sequence[Planned], dt.datetime], OutboxMessage | None]


class UndoRefusal(enum.Enum):
    """Why an item's decision cannot be undone."""

    #: The item is not in a state a client's decision leaves it in: nothing to undo.
    NOT_DECIDED = "not_decided"
    #: Its last step was not this contact's own approval or rejection.
    NOT_YOURS = "not_yours"
    #: The undo window has closed (or undo is off).
    TOO_LATE = "too_late"
    #: The host has invoiced it.
    INVOICED = "invoiced"


def undoable_status(state: ApprovalState) -> bool:
    """True when the workflow table lets a client UNDO from ``state`` (by the workflow the item
    was submitted under): APPROVED where the client approved last, PENDING_INTERNAL in
    EXTERNAL_INTERNAL, REJECTED. Whose decision it was is a matter of the audit trail."""
    return state.workflow is not None and state.status in _UNDOABLE[state.workflow]


class UndoRules:
    """Whether a contact may undo their decisions now: reads each item's audit trail in
    ``store``, and asks ``data`` which items are invoiced when it offers
    :class:`~clientportal.ports.InvoicedItems`. ``window`` is how long after the decision an
    undo is allowed; zero switches undo off (:class:`~clientportal.ConfigError` when negative).
    """

    def __init__(self, store: ApprovalStore, data: DataSource, window: dt.timedelta) -> None:
        if not isinstance(window, dt.timedelta) or window < dt.timedelta(0):
            raise ConfigError(
                [
                    f"undo_window is {window!r}: give a datetime.timedelta of 0 or more "
                    "(e.g. timedelta(minutes=15); 0 switches undo off)"
                ],
                subject="undo rules",
            )
        self._store = store
        self._invoiced = data if isinstance(data, InvoicedItems) else None
        self._window = window

    def __repr__(self) -> str:
        return f"UndoRules(window={self._window}, invoiced={self._invoiced is not None})"

    @property
    def window(self) -> dt.timedelta:
        """How long after their decision a contact may take it back (zero: never)."""
        return self._window

    def refusals(
        self, contact_id: str, items: Sequence[DecisionItem], now: dt.datetime
    ) -> dict[ItemKey, str]:
        """Why each of ``items`` (as read through the contact's portal) cannot be undone by the
        contact ``contact_id`` at ``now``, by ``(kind, id)``; an item not in the answer may be
        undone. Each reason names the item and what is in the way: not in a decided state, not
        the contact's own last decision, the window closed, invoiced by the company."""
        return {key: why for key, (_, why) in self.check(contact_id, items, now).items()}

    def check(
        self, contact_id: str, items: Sequence[DecisionItem], now: dt.datetime
    ) -> dict[ItemKey, tuple[UndoRefusal, str]]:
        """As :meth:`refusals`, each reason with its :class:`UndoRefusal`."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValidationError(
                [f"now: must be timezone-aware, got the naive {now.isoformat()}"],
                summary="cannot check an undo",
            )
        refused: dict[ItemKey, tuple[UndoRefusal, str]] = {}
        passed: list[ItemKey] = []
        for item in items:
            key = (kind_of(item), item.id)
            trail = self._store.history(item.id, key[0])
            refusal = self._refusal(
                key, item.approval, trail[-1] if trail else None, contact_id, now
            )
            if refusal is None:
                passed.append(key)
            else:
                refused[key] = refusal
        for kind, item_id in self._invoiced_among(passed):
            refused[kind, item_id] = (
                UndoRefusal.INVOICED,
                f"the company has already invoiced the {kind.value} {item_id!r}: its decision "
                "stays as it is (the company may reopen it)",
            )
        return refused

    def notice(self, notifier: Notifier, portal: Portal, contact: Contact) -> NoticeBuilder:
        """The company's notice of ``contact``'s undo in ``portal``, for a stored batch of steps
        (each item as the portal shows it; :func:`clientportal.mail.undo.entries_undone`, in
        the company's language): ``None`` when there is nobody to tell."""
        from ..mail.undo import entries_undone

        def build(batch: Sequence[Planned], now: dt.datetime) -> OutboxMessage | None:
            undone = [p.item for p in batch]
            return notifier.company_notice(
                MailKind.ENTRIES_UNDONE,
                entries_undone,
                portal,
                contact,
                [i for i in undone if isinstance(i, TimeEntry)],
                expenses=[i for i in undone if isinstance(i, Expense)],
                trips=[i for i in undone if isinstance(i, Trip)],
                now=now,
            )

        return build

    def _refusal(
        self,
        key: ItemKey,
        state: ApprovalState,
        last: ApprovalEvent | None,
        contact_id: str,
        now: dt.datetime,
    ) -> tuple[UndoRefusal, str] | None:
        kind, item_id = key
        item = f"the {kind.value} {item_id!r}"
        if not undoable_status(state):
            return (
                UndoRefusal.NOT_DECIDED,
                f"{item} is {state.status.name}, not in a state a client's decision leaves it "
                "in: there is nothing to undo",
            )
        if last is None or last.after != state:
            return (
                UndoRefusal.NOT_YOURS,
                f"{item} has no decision of the contact {contact_id!r} as its last step: only "
                "a contact's own last decision can be undone",
            )
        if last.action not in _DECISIONS or last.actor.party is not Party.CLIENT:
            return (
                UndoRefusal.NOT_YOURS,
                f"{item} was last moved by {last.actor.party.name} {last.actor.id!r} "
                f"({last.action.name}), not by the contact {contact_id!r}: only a contact's own "
                "last decision can be undone",
            )
        if last.actor.id != contact_id:
            return (
                UndoRefusal.NOT_YOURS,
                f"{item} was decided by another contact ({last.actor.id!r}), not by "
                f"{contact_id!r}: only a contact's own decision can be undone",
            )
        if not self._window:
            return (UndoRefusal.TOO_LATE, f"{item}: undo is switched off (undo_window is 0)")
        ends = last.at + self._window
        if now > ends:
            return (
                UndoRefusal.TOO_LATE,
                f"the time to undo the decision on {item} ran out at {ends.isoformat()} "
                f"({self._window} after it was taken)",
            )
        return None

    def _invoiced_among(self, keys: list[ItemKey]) -> list[ItemKey]:
        """The keys among ``keys`` the host says are invoiced (none without InvoicedItems)."""
        if self._invoiced is None or not keys:
            return []
        answer = self._invoiced.invoiced(
            frozenset(ItemRef(kind, item_id) for kind, item_id in keys)
        )
        return [key for key in keys if ItemRef(*key) in answer]
