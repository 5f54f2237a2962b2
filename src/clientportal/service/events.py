"""The events the service writes for the host, and how it reads them back.

Each room that changes something builds its :class:`~clientportal.ports.NewEvent` values here
and passes them to the store method that makes the change, so they are written in the same
transaction (:mod:`clientportal.ports.events`). Types:

- a decision: one event per kind of item and step, ``entries.approved``, ``expenses.rejected``,
  ``trips.submitted``... (:func:`~clientportal.ports.decision_type`); items that now await the
  client (an internal approval forwarded at once, a submission in the EXTERNAL workflow) also
  give ``entries.submitted_to_client`` (or ``expenses.``, ``trips.``). A client's decision names
  its portal and client. A step of the staff names no portal (an item may be shown by several,
  or by none) but the client whose items it moved: one event per kind *and client*, the client
  of an item being the client of the portals that show its project (checked against what the
  DataSource lists for that client); items of a project no portal shows go into an event
  without a client. So a portal's activity (:meth:`EventReader.portal_events`) is its own
  events and the staff's steps on its client's items;
- ``portal.created``, ``portal.updated`` (with ``changed``: what changed);
- ``link.issued``, ``link.revoked``, ``link.opened`` (when a link admits its visitor).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..access import Link
from ..model import ItemKind, Portal, Project
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
    "CHANGEABLE",
    "Decided",
    "EventReader",
    "clients_of",
    "decision_events",
    "link_event",
    "link_opened",
    "portal_event",
]

#: One item's stored step: its kind, its id, its project's id and the transition it made.
Decided = tuple[ItemKind, str, str, Transition]


#: What a ``portal.updated`` event's ``changed`` may name, in this order.
CHANGEABLE = ("name", "language", "active", "project_ids", "contact_ids", "settings")


def portal_event(
    type: str, portal: Portal, *, at: dt.datetime, before: Portal | None = None
) -> NewEvent:
    """``portal.created`` or ``portal.updated`` for ``portal`` (as it is after the change);
    with ``before`` (the portal as it was), ``changed`` names what changed
    (:data:`CHANGEABLE`)."""
    data: dict[str, Any] = {
        "name": portal.name,
        "active": portal.active,
        "language": portal.language,
        "project_ids": sorted(portal.project_ids),
        "contact_ids": sorted(portal.contact_ids),
    }
    if before is not None:
        data["changed"] = [f for f in CHANGEABLE if getattr(portal, f) != getattr(before, f)]
    return NewEvent(
        type=type, occurred_at=at, portal_id=portal.id, client_id=portal.client_id, data=data
    )


def clients_of(
    project_ids: Iterable[str],
    portals: Callable[[], Iterable[Portal]],
    projects: Callable[[Portal], Sequence[Project]],
) -> dict[str, str]:
    """The client of each of ``project_ids`` that one of the ``portals`` shows, as ``projects``
    (the portal's visible projects, from the DataSource) says; a project no portal shows is
    left out. Reads the projects of only the portals that select one of them, and nothing when
    there are no ``project_ids``."""
    wanted = frozenset(project_ids)
    found: dict[str, str] = {}
    for portal in portals() if wanted else ():
        if portal.project_ids.isdisjoint(wanted - found.keys()):
            continue
        for project in projects(portal):
            if project.id in wanted:
                found.setdefault(project.id, project.client_id)
    return found


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


def _item(item_id: str, project_id: str, transition: Transition) -> dict[str, Any]:
    state = transition.state
    return {
        "id": item_id,
        "project_id": project_id,
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
    clients: Mapping[str, str] | None = None,
) -> list[NewEvent]:
    """The events of one decision's stored steps: one per kind of item for the step itself,
    and one per kind for the items that now await the client (unless the step was the
    submission to the client). ``portal`` is the client's portal when a client decided. A
    staff step (no ``portal``) names no portal: its items are split by client, ``clients``
    giving each project's client (a project it lacks: an event without a client)."""
    common: dict[str, Any] = {
        "action": action.value,
        "actor": {"party": actor.party.value, "id": actor.id},
        "reason": reason,
    }
    known = {} if clients is None else clients
    events: list[NewEvent] = []

    def add(type: str, steps: list[Decided]) -> None:
        groups: dict[str | None, list[dict[str, Any]]] = {}
        for _, item_id, project_id, t in steps:
            client = portal.client_id if portal is not None else known.get(project_id)
            groups.setdefault(client, []).append(_item(item_id, project_id, t))
        for client_id, items in sorted(groups.items(), key=lambda g: (g[0] is None, g[0] or "")):
            events.append(
                NewEvent(
                    type=type,
                    occurred_at=at,
                    portal_id=None if portal is None else portal.id,
                    client_id=client_id,
                    data={**common, "items": items},
                )
            )

    for kind in ItemKind:
        mine = [d for d in decided if d[0] is kind]
        add(decision_type(kind, action), mine)
        if action is not Action.SUBMIT_TO_CLIENT:
            add(submitted_to_client_type(kind), [d for d in mine if _asks_client(d[3])])
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

    def portal_events(
        self, portal: Portal, *, before: str | None = None, limit: int = 50
    ) -> tuple[Event, ...]:
        """Up to ``limit`` (1 to 1,000) events of ``portal``, newest first, before the event
        ``before`` (from the newest when ``None``): the events that name it (its client's
        decisions, its links, its changes) and the staff's steps on its client's items. A page
        costs what it returns (:meth:`~clientportal.ports.EventLog.portal_events`). Raises
        :class:`~clientportal.ValidationError` for a bad ``limit`` or an unknown ``before``."""
        check_event_limit(limit)
        found = self._log.portal_events(
            portal.id, client_id=portal.client_id, before=before, limit=limit
        )
        return tuple(found)
