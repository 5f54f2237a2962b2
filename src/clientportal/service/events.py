"""The events the service writes for the host, and how it reads them back.

Each room that changes something builds its :class:`~clientportal.ports.NewEvent` values here
and passes them to the store method that makes the change, so they are written in the same
transaction (:mod:`clientportal.ports.events`). Types:

- a decision: one event per kind of item and step, ``entries.approved``, ``expenses.rejected``,
  ``trips.submitted``... (:func:`~clientportal.ports.decision_type`); items that now await the
  client (an internal approval forwarded at once, a submission in the EXTERNAL workflow) also
  give ``entries.submitted_to_client`` (or ``expenses.``, ``trips.``);
- ``portal.created``, ``portal.updated``;
- ``link.issued``, ``link.revoked``, ``link.opened`` (when a link admits its visitor).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..access import Link
from ..model import ItemKind, Portal
from ..ports import (
    Event,
    EventLog,
    NewEvent,
    check_event_limit,
    decision_type,
    submitted_to_client_type,
)
from ..ports.events import LINK_OPENED
from ..workflow import Action, Actor, ClientApprovalRequested, Transition

__all__ = [
    "Decided",
    "EventReader",
    "decision_events",
    "link_event",
    "link_opened",
    "portal_event",
]

#: One item's stored step: its kind, its id and the transition it made.
Decided = tuple[ItemKind, str, Transition]


def portal_event(type: str, portal: Portal, *, at: dt.datetime) -> NewEvent:
    """``portal.created`` or ``portal.updated`` for ``portal`` (as it is after the change)."""
    return NewEvent(
        type=type,
        occurred_at=at,
        portal_id=portal.id,
        client_id=portal.client_id,
        data={
            "name": portal.name,
            "active": portal.active,
            "language": portal.language,
            "project_ids": sorted(portal.project_ids),
            "contact_ids": sorted(portal.contact_ids),
        },
    )


def link_event(type: str, link: Link, *, client_id: str | None, at: dt.datetime) -> NewEvent:
    """``link.issued``, ``link.revoked`` or ``link.opened`` for ``link`` (of a portal of
    ``client_id``)."""
    data: dict[str, Any] = {"link_id": link.id, "contact_id": link.contact_id}
    if type == "link.issued":
        data["expires_at"] = None if link.expires_at is None else link.expires_at.isoformat()
    return NewEvent(
        type=type, occurred_at=at, portal_id=link.portal_id, client_id=client_id, data=data
    )


def link_opened(link: Link, portal: Portal, *, at: dt.datetime) -> NewEvent:
    """The ``link.opened`` event: ``link`` admitted its visitor to ``portal``."""
    return link_event(LINK_OPENED, link, client_id=portal.client_id, at=at)


def _item(item_id: str, transition: Transition) -> dict[str, Any]:
    state = transition.state
    return {
        "id": item_id,
        "status": state.status.value,
        "version": state.version,
        "workflow": None if state.workflow is None else state.workflow.value,
    }


def decision_events(
    decided: Sequence[Decided],
    *,
    action: Action,
    actor: Actor,
    reason: str | None,
    portal: Portal | None,
    at: dt.datetime,
) -> list[NewEvent]:
    """The events of one decision's stored steps: one per kind of item for the step itself,
    and one per kind for the items that now await the client (unless the step was the
    submission to the client). ``portal`` is the client's portal when a client decided."""
    common: dict[str, Any] = {
        "action": action.value,
        "actor": {"party": actor.party.value, "id": actor.id},
        "reason": reason,
    }
    events: list[NewEvent] = []

    def add(type: str, items: list[dict[str, Any]]) -> None:
        if items:
            events.append(
                NewEvent(
                    type=type,
                    occurred_at=at,
                    portal_id=None if portal is None else portal.id,
                    client_id=None if portal is None else portal.client_id,
                    data={**common, "items": items},
                )
            )

    for kind in ItemKind:
        mine = [(item_id, t) for k, item_id, t in decided if k is kind]
        add(decision_type(kind, action), [_item(i, t) for i, t in mine])
        if action is not Action.SUBMIT_TO_CLIENT:
            asked = [(i, t) for i, t in mine if _asks_client(t)]
            add(submitted_to_client_type(kind), [_item(i, t) for i, t in asked])
    return events


def _asks_client(transition: Transition) -> bool:
    return any(isinstance(e, ClientApprovalRequested) for e in transition.effects)


class EventReader:
    """Reads the store's event log in order (:meth:`PortalService.events
    <clientportal.service.PortalService.events>`)."""

    def __init__(self, log: EventLog) -> None:
        self._log = log

    def __repr__(self) -> str:
        return f"EventReader(log={self._log!r})"

    def events(self, after: str | None = None, limit: int = 100) -> tuple[Event, ...]:
        """Up to ``limit`` (1 to 1,000) events after the event ``after`` (from the start when
        ``None``), in the log's order. Pass the id of the last event read to read on: an event
        that commits later is never placed before it. Raises
        :class:`~clientportal.ValidationError` for a bad ``limit`` or an unknown ``after``."""
        check_event_limit(limit)
        return tuple(self._log.events(after=after, limit=limit))
