"""Seed approval states in a host's tests: ``seed_approvals(store, {"e1": APPROVED, ...})``.

A test that needs entries (or expenses, trips) already submitted, approved or rejected gets
them through the store's own door: each item is walked along the approval workflow's legal
steps (submit, approve, ...) from where it stands, so its audit trail replays and its version
counts the steps, exactly as if people had taken them. Nothing is written behind the store's
back, and nothing is mailed.

.. code-block:: python

    from clientportal import ApprovalStatus, ItemKind, ItemRef
    from clientportal.testing.seeding import seed_approvals

    seed_approvals(store, {
        "e1": ApprovalStatus.APPROVED,
        "e2": ApprovalStatus.PENDING_EXTERNAL,
        ItemRef(ItemKind.EXPENSE, "x1"): ApprovalStatus.REJECTED,
    })
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Mapping

from ..model import ApprovalState, ApprovalStatus, ItemKind, ItemRef, Workflow
from ..ports import ApprovalChange, ApprovalStore
from ..workflow import Action, Actor, ApprovalMachine, Party, approval_machine

__all__ = ["SEEDING_ACTORS", "seed_approvals"]

#: Who takes the seeded steps (their ids are in the audit trail): an employee who owns the
#: items, a manager and the client's contact.
SEEDING_ACTORS = (
    Actor(Party.EMPLOYEE, "seed-employee"),
    Actor(Party.MANAGER, "seed-manager"),
    Actor(Party.CLIENT, "seed-client"),
)
_OWNER = SEEDING_ACTORS[0].id
_REASON = "seeded for a test"
_Step = tuple[Action, Actor]


def seed_approvals(
    store: ApprovalStore,
    states: Mapping[str | ItemRef, ApprovalStatus],
    *,
    workflow: Workflow = Workflow.INTERNAL_EXTERNAL,
    at: dt.datetime | None = None,
) -> dict[ItemRef, ApprovalState]:
    """Move each item of ``states`` (an entry id, or an :class:`~clientportal.ItemRef` for an
    expense or a trip) to its status along ``workflow``'s legal steps, in one
    ``store.apply_changes`` call, and return the state each item is in now.

    An item starts where the store has it (OPEN when it has no state yet). The default workflow,
    ``INTERNAL_EXTERNAL`` without automatic forwarding, reaches every status; another that cannot
    reach one (``PENDING_EXTERNAL`` under ``INTERNAL``) raises :class:`ValueError` naming the
    item. Steps are dated ``at`` (default: now, UTC) and taken by :data:`SEEDING_ACTORS`;
    rejections and reopenings give the reason "seeded for a test".
    """
    when = dt.datetime.now(dt.UTC) if at is None else at
    machine = approval_machine(workflow, auto_forward=False)
    items = {_ref(key): status for key, status in states.items()}
    current: dict[ItemRef, ApprovalState] = {}
    for kind in {ref.kind for ref in items}:
        ids = frozenset(ref.id for ref in items if ref.kind is kind)
        stored = store.approval_states(ids, kind)
        current.update({ItemRef(kind, i): stored.get(i, ApprovalState()) for i in ids})
    changes: list[ApprovalChange] = []
    for ref, status in items.items():
        state = current[ref]
        for action, actor in _path(machine, state, status, ref, workflow):
            reason = _REASON if action in (Action.REJECT, Action.REOPEN) else None
            step = machine.apply(state, action, actor, at=when, reason=reason, owner=_OWNER)
            changes.append(ApprovalChange(ref.id, state.version, step.state, step.event, ref.kind))
            state = step.state
        current[ref] = state
    if changes:
        store.apply_changes(changes)
    return current


def _ref(key: str | ItemRef) -> ItemRef:
    return key if isinstance(key, ItemRef) else ItemRef(ItemKind.ENTRY, key)


def _path(
    machine: ApprovalMachine,
    start: ApprovalState,
    goal: ApprovalStatus,
    ref: ItemRef,
    workflow: Workflow,
) -> list[_Step]:
    """The fewest legal steps from ``start`` to a state in ``goal`` (breadth first)."""
    seen = {start.status}
    queue: collections.deque[tuple[ApprovalState, list[_Step]]] = collections.deque([(start, [])])
    while queue:
        state, steps = queue.popleft()
        if state.status is goal:
            return steps
        for actor in SEEDING_ACTORS:
            for action in machine.allowed(state, actor, owner=_OWNER):
                reason = _REASON if action in (Action.REJECT, Action.REOPEN) else None
                after = machine.apply(
                    state, action, actor, at=dt.datetime.now(dt.UTC), reason=reason, owner=_OWNER
                ).state
                if after.status not in seen:
                    seen.add(after.status)
                    queue.append((after, [*steps, (action, actor)]))
    raise ValueError(
        f"{ref.kind.value} {ref.id!r} cannot reach {goal.name} from {start.status.name} under "
        f"the {workflow.name} workflow: seed it with workflow=Workflow.INTERNAL_EXTERNAL (which "
        "reaches every status) or one that has this step"
    )
