"""What an action link shows and what its POST did: the items of an approval request as the
portal shows them now (:class:`ActionView`, each :class:`ActionItem` marked with its
:class:`ItemState`), their totals, and the :class:`ActionResult` of a decision.

The desk that builds them is :class:`clientportal.service.actions.ActionDesk`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TypeAlias

from attrs import field, frozen

from ..model import Contact, ItemKind, ItemRef, Portal
from ..public import PortalEntry, PortalExpense, PortalTrip
from .outcomes import DecisionResult

__all__ = [
    "ActionItem",
    "ActionResult",
    "ActionStatus",
    "ActionTotals",
    "ActionView",
    "ItemState",
    "ShownItem",
    "totals_of",
]


class ItemState(enum.Enum):
    """What became of an item since the e-mail listed it."""

    #: Still awaiting the client at the version the e-mail listed: the link decides it.
    UNCHANGED = "unchanged"
    #: Still awaiting the client, but changed since the e-mail (sent back again, edited through
    #: the workflow): never decided from the link, the client looks at it in the portal.
    CHANGED = "changed"
    #: Decided since (in the portal, by another link, by the staff): nothing left to do.
    DECIDED = "decided"
    #: The portal no longer shows it (deleted, moved, the portal's settings changed).
    GONE = "gone"


#: An item as the portal shows it.
ShownItem: TypeAlias = PortalEntry | PortalExpense | PortalTrip


@frozen
class ActionItem:
    """One item the e-mail listed: its ``kind`` and ``id``, the ``version`` the e-mail listed,
    its ``state`` now and, unless it is gone, the item as the portal shows it ``now``."""

    kind: ItemKind
    id: str
    version: int
    state: ItemState
    shown: ShownItem | None = None

    @property
    def ref(self) -> ItemRef:
        """The item as a decision names it."""
        return ItemRef(self.kind, self.id)


@frozen
class ActionTotals:
    """What the items a link would decide come to: ``seconds`` of the time entries,
    ``distance`` (km) of the trips, and the ``amounts`` the portal shows, summed per currency
    (currency, amount), by currency."""

    entries: int = 0
    expenses: int = 0
    trips: int = 0
    seconds: int = 0
    distance: Decimal = Decimal(0)
    amounts: tuple[tuple[str, Decimal], ...] = ()


def totals_of(items: Iterable[ShownItem], currency: str) -> ActionTotals:
    """The totals of ``items`` (time entries' amounts are in the portal's ``currency``)."""
    counts = {PortalEntry: 0, PortalExpense: 0, PortalTrip: 0}
    seconds = 0
    distance = Decimal(0)
    amounts: dict[str, Decimal] = {}
    for item in items:
        counts[type(item)] += 1
        money: tuple[Decimal | None, str | None]
        if isinstance(item, PortalEntry):
            seconds += item.seconds
            money = (item.amount, currency)
        elif isinstance(item, PortalTrip):
            distance += item.distance
            money = (item.amount, item.currency)
        else:
            money = (item.amount, item.currency)
        amount, code = money
        if amount is not None and code is not None:
            amounts[code] = amounts.get(code, Decimal(0)) + amount
    return ActionTotals(
        entries=counts[PortalEntry],
        expenses=counts[PortalExpense],
        trips=counts[PortalTrip],
        seconds=seconds,
        distance=distance,
        amounts=tuple(sorted(amounts.items())),
    )


@frozen(kw_only=True)
class ActionView:
    """What an action link shows now: the request's ``portal`` and ``contact``, and its items
    as the portal shows them now (:attr:`items`: each with its :class:`ItemState`).

    ``expired`` and ``used`` say the link no longer decides (its items are then not read:
    ``items`` is empty); ``needs_pin`` that the portal asks for the one-time code of the contact's
    link before a decision. ``projects`` and ``employees`` name the items' projects and
    employees as the portal shows them."""

    request_id: str
    portal: Portal
    contact: Contact
    created_at: dt.datetime
    expires_at: dt.datetime
    expired: bool
    used: bool
    needs_pin: bool
    note: str | None = None
    items: tuple[ActionItem, ...] = ()
    projects: Mapping[str, str] = field(factory=dict)
    employees: Mapping[str, str] = field(factory=dict)

    @property
    def open(self) -> bool:
        """True when the link may still decide: neither expired nor used."""
        return not (self.expired or self.used)

    @property
    def decidable(self) -> tuple[ActionItem, ...]:
        """The items the link would decide: those unchanged since the e-mail."""
        return self.with_state(ItemState.UNCHANGED)

    @property
    def totals(self) -> ActionTotals:
        """What the :attr:`decidable` items come to."""
        shown = (i.shown for i in self.decidable if i.shown is not None)
        return totals_of(shown, self.portal.settings.currency)

    def with_state(self, state: ItemState) -> tuple[ActionItem, ...]:
        """The items in ``state``, in the e-mail's order."""
        return tuple(i for i in self.items if i.state is state)


class ActionStatus(enum.Enum):
    """How a POST of an action link ended."""

    #: The unchanged items were decided (see the result's ``decision``).
    DECIDED = "decided"
    #: Nothing was left to decide: every item changed, was decided or is gone.
    NOTHING_LEFT = "nothing_left"
    #: The link expired before the POST: nothing was decided.
    EXPIRED = "expired"
    #: The link was used before: nothing was decided.
    USED = "used"


@frozen(kw_only=True)
class ActionResult:
    """What a POST of an action link did: its ``status``, the ``view`` it decided on (the items
    as they were just before), whether it ``approved`` (else rejected) and the ``decision``
    (``None`` unless :attr:`ActionStatus.DECIDED`)."""

    status: ActionStatus
    view: ActionView
    approved: bool
    decision: DecisionResult | None = None

    @property
    def applied(self) -> tuple[ActionItem, ...]:
        """The items decided now."""
        if self.decision is None:
            return ()
        done = {(o.kind, o.entry_id) for o in self.decision.applied}
        return tuple(i for i in self.view.items if (i.kind, i.id) in done)

    @property
    def left(self) -> tuple[ActionItem, ...]:
        """The items the link did not decide: changed or decided since the e-mail, gone, or
        changed by somebody else at the same moment. The client looks at them in the portal."""
        done = {(i.kind, i.id) for i in self.applied}
        return tuple(i for i in self.view.items if (i.kind, i.id) not in done)
