"""Every approval decision: the client's from their portal, the staff's, one item or many.

:class:`Approvals` checks who acts and the reason (once, for every caller: the pages, the JSON API,
the host's own code), works out each item's step (a time entry's, an expense's or a trip's: one
decision may mix them) with the :class:`~clientportal.workflow.ApprovalMachine`, and stores the
steps, their audit events (filed under each item's kind), the e-mails they cause (approval
requests to the client's contacts, the company's notice of a client's decision) and the
host's events (:mod:`clientportal.service.events`) in one
:meth:`~clientportal.ports.ApprovalStore.apply_changes` call, each change guarded by the version
that was read. Items somebody else moved on in between are reported as changed meanwhile (never
overwritten) and the rest is stored, its e-mails built again for what is left. The personal link
each approval request carries is issued just before that call and revoked when its e-mail is not
stored in the end (:mod:`clientportal.service.mail_links`). Reading the items and checking what a
portal shows is :mod:`clientportal.service.decision_items`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar

from attrs import evolve

from ..errors import (
    ChangedMeanwhile,
    ClientPortalError,
    TransitionNotAllowed,
    ValidationError,
    WorkflowError,
)
from ..model import ApprovalPolicy, Contact, Expense, ItemKind, ItemRef, Portal, TimeEntry, Trip
from ..ports import (
    ApprovalChange,
    ApprovalStore,
    Clock,
    DataSource,
    NewEvent,
    OutboxMessage,
    aware_now,
)
from ..workflow import (
    Action,
    Actor,
    ApprovalEvent,
    ApprovalMachine,
    ClientApprovalRequested,
    Party,
    Transition,
    check_reason,
)
from .decision_items import (
    ItemKey,
    ItemReader,
    Planned,
    item_keys,
    kind_of,
    nobody_asked_why,
    seen_versions,
)
from .events import decision_events
from .links import LinkRegister
from .mail_links import MailLinks
from .notify import Audience, Notifier, unasked
from .outcomes import DecisionResult, EntryOutcome, Outcome
from .reading import PortalReader
from .visits import Visit

__all__ = ["Approvals", "check_actor"]

#: How a refused step names the item ("MANAGER may not APPROVE an expense in status ...").
_A_ITEM = {ItemKind.ENTRY: "an entry", ItemKind.EXPENSE: "an expense", ItemKind.TRIP: "a trip"}

#: What a decision takes: items as references, or plain strings for time entries.
_Items: TypeAlias = Iterable[str | ItemRef]
#: The versions a decider saw, by item (a plain string: a time entry). A mapping's keys are
#: invariant, so a ``dict[str, int]`` (entries only, as before) is named apart.
_Versions: TypeAlias = (
    Mapping[str | ItemRef, int] | Mapping[str, int] | Mapping[ItemRef, int] | None
)


def _commit(
    store: ApprovalStore,
    planned: Sequence[Planned],
    outbox_for: Callable[[Sequence[Planned]], Sequence[OutboxMessage]],
    events_for: Callable[[Sequence[Planned]], Sequence[NewEvent]],
) -> tuple[tuple[Planned, ...], tuple[ItemKey, ...]]:
    """Store ``planned`` with the e-mails ``outbox_for`` and the events ``events_for`` build
    for them, in one transaction.

    Each change expects the version its item was read at, and names the item's kind (one call
    may mix kinds). Items the store reports as changed meanwhile, matched by kind *and* id, are
    dropped and the rest is tried again (with its e-mails rebuilt), until it is stored or nothing
    is left. Returns what was stored and the ``(kind, id)`` of the items that changed meanwhile.
    """
    remaining = tuple(planned)
    changed: list[ItemKey] = []
    while remaining:
        changes = [
            ApprovalChange(
                entry_id=p.item.id,
                expected_version=p.item.approval.version,
                state=p.transition.state,
                event=p.transition.event,
                kind=p.kind,
            )
            for p in remaining
        ]
        try:
            store.apply_changes(
                changes, tuple(outbox_for(remaining)), events=tuple(events_for(remaining))
            )
        except ChangedMeanwhile as conflict:
            named = set(conflict.items)
            stale = {p.key for p in remaining if (p.kind.value, p.item.id) in named}
            if not stale:
                raise ClientPortalError(
                    "the approval store raised ChangedMeanwhile for items "
                    f"{list(conflict.items)[:10]} that were not in the batch: it must name "
                    "(by kind and id) the items of the batch that moved on"
                ) from conflict
            changed.extend(p.key for p in remaining if p.key in stale)
            remaining = tuple(p for p in remaining if p.key not in stale)
        else:
            return remaining, tuple(changed)
    return (), tuple(changed)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _in_scope(
    method: Callable[Concatenate[Approvals, _P], _R],
) -> Callable[Concatenate[Approvals, _P], _R]:
    """``method`` run within its room's scope (its reads share one connection)."""

    @functools.wraps(method)
    def scoped(self: Approvals, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._scope():
            return method(self, *args, **kwargs)

    return scoped


class Approvals:
    """Takes approval steps on time entries, expenses and trips: the client's through their
    visit, the staff's by actor.

    Every method takes its items as :class:`~clientportal.ItemRef` values or plain strings (a
    time entry's id), and ``versions`` keyed the same way. Reads the items from ``data`` (for a
    client, only what their portal shows, through ``reader``), plans each step with ``machine``,
    tells people through ``notifier`` (their e-mails' personal links issued by ``links``) and
    stores everything in ``store``. SUBMIT is refused while the company's ``policy`` is off.
    Each decision's reads share what ``scope`` gives (:meth:`PortalService.request_scope
    <clientportal.service.PortalService.request_scope>`: one connection, the projects read once).
    """

    def __init__(
        self,
        *,
        data: DataSource,
        store: ApprovalStore,
        reader: PortalReader,
        machine: ApprovalMachine,
        policy: ApprovalPolicy,
        notifier: Notifier,
        links: LinkRegister,
        clock: Clock,
        scope: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext,
    ) -> None:
        self._scope = scope
        self._data = data
        self._store = store
        self._reader = reader
        self._items = ItemReader(data, reader)
        self._machine = machine
        self._policy = policy
        self._notifier = notifier
        self._links = links
        self._clock = clock

    def __repr__(self) -> str:
        return f"Approvals(machine={self._machine!r})"

    # -- the client's decisions ------------------------------------------------------------------

    def client_approve(
        self, visit: Visit, entry_ids: _Items, *, versions: _Versions = None
    ) -> DecisionResult:
        """The visit's contact approves items of their portal; the company is told."""
        return self.client_decide(visit, Action.APPROVE, entry_ids, versions=versions)

    def client_reject(
        self,
        visit: Visit,
        entry_ids: _Items,
        *,
        reason: str,
        versions: _Versions = None,
    ) -> DecisionResult:
        """The visit's contact rejects items for ``reason``; the company is told why."""
        return self.client_decide(visit, Action.REJECT, entry_ids, reason=reason, versions=versions)

    def client_decide(
        self,
        visit: Visit,
        action: Action,
        entry_ids: _Items,
        *,
        reason: str | None = None,
        versions: _Versions = None,
    ) -> DecisionResult:
        """Approve or reject (``action``) items as the visit's contact: time entries (plain ids
        or :class:`~clientportal.ItemRef`), expenses and trips, mixed as they come.

        Only items the visit's portal shows can be decided on (others are not found), only when
        its client may approve, and only through a personal link (the audit trail names who
        decided). ``versions`` maps items to the version the contact saw
        (:attr:`PortalEntry.version <clientportal.PortalEntry.version>`, and likewise on
        expenses and trips); items that moved on since are reported as changed meanwhile. A step
        the workflow does not give the client (anything but APPROVE and REJECT) is refused per
        item as not allowed.
        """
        portal = visit.portal
        if not self._reader.scope(portal).approval:
            raise WorkflowError(
                f"portal {portal.id!r} does not let its client approve: switch on its "
                "settings.approval (and the hours, expenses or trips it shows), with an approval "
                "policy whose workflow has a client step"
            )
        if visit.contact_id is None:
            raise WorkflowError(
                f"link {visit.link.id!r} is shared: only a contact's own link can approve or "
                "reject, so the audit trail names who decided; issue the contact a link"
            )
        contact = self._notifier.require_contact(portal, visit.contact_id)
        return self._decide(
            action,
            entry_ids,
            Actor(Party.CLIENT, contact.id),
            reason=reason,
            versions=versions,
            portal=portal,
            contact=contact,
        )

    # -- the staff's steps -----------------------------------------------------------------------

    def act(
        self,
        action: Action,
        entry_ids: _Items,
        *,
        by: Actor,
        reason: str | None = None,
        versions: _Versions = None,
    ) -> DecisionResult:
        """Take ``action`` on items (time entries, expenses, trips) as a member of the host's
        staff (``by``: an employee, manager or admin; an item's owner is its employee). Items
        that now await the client are e-mailed to the contacts of every portal that lets its
        client approve them and shows them, one e-mail per contact and portal. An item no such
        portal shows is moved on all the same; its outcome's ``why`` says that nobody was asked
        (and a warning is logged).

        SUBMIT is refused while the company's approval policy is off; items already in a
        workflow can still be finished.
        """
        if not by.party.is_staff:
            raise ValidationError(
                [
                    f"by: must be an Actor of the staff (EMPLOYEE, MANAGER or ADMIN), got {by!r}; "
                    "a client decides through client_decide(visit, ...)"
                ],
                summary=f"cannot {action.name.lower()} entries",
            )
        check_actor(self._data, by, action)
        if action is Action.SUBMIT and not self._policy.enabled:
            raise WorkflowError(
                "approval is switched off in the company's approval policy: enable it "
                "(ApprovalPolicy(enabled=True, workflow=...)) before submitting hours, expenses "
                "or trips"
            )
        return self._decide(action, entry_ids, by, reason=reason, versions=versions)

    def submit(self, entry_ids: _Items, *, by: Actor) -> DecisionResult:
        """Submit items for approval (from OPEN or REJECTED)."""
        return self.act(Action.SUBMIT, entry_ids, by=by)

    def approve(
        self, entry_ids: _Items, *, by: Actor, versions: _Versions = None
    ) -> DecisionResult:
        """Approve items internally (a manager or admin; never their own by default)."""
        return self.act(Action.APPROVE, entry_ids, by=by, versions=versions)

    def reject(
        self,
        entry_ids: _Items,
        *,
        by: Actor,
        reason: str,
        versions: _Versions = None,
    ) -> DecisionResult:
        """Reject items internally, for ``reason``."""
        return self.act(Action.REJECT, entry_ids, by=by, reason=reason, versions=versions)

    def withdraw(self, entry_ids: _Items, *, by: Actor) -> DecisionResult:
        """Take submitted items back to OPEN (their employee or a manager)."""
        return self.act(Action.WITHDRAW, entry_ids, by=by)

    def reopen(self, entry_ids: _Items, *, by: Actor, reason: str) -> DecisionResult:
        """Reopen approved items for ``reason`` (a manager or admin)."""
        return self.act(Action.REOPEN, entry_ids, by=by, reason=reason)

    def submit_to_client(self, entry_ids: _Items, *, by: Actor) -> DecisionResult:
        """Send internally approved items on to the client (without automatic forwarding)."""
        return self.act(Action.SUBMIT_TO_CLIENT, entry_ids, by=by)

    def history(self, entry_id: str, kind: ItemKind = ItemKind.ENTRY) -> tuple[ApprovalEvent, ...]:
        """The approval history (the audit trail) of the item ``entry_id`` of ``kind`` (a time
        entry by default), oldest first."""
        return tuple(self._store.history(entry_id, kind))

    # -- one decision ----------------------------------------------------------------------------

    @_in_scope
    def _decide(
        self,
        action: Action,
        entry_ids: _Items,
        actor: Actor,
        *,
        reason: str | None,
        versions: _Versions,
        portal: Portal | None = None,
        contact: Contact | None = None,
    ) -> DecisionResult:
        """Take ``action`` as ``actor`` on each of the items; with ``portal``, only on the items
        it shows (a client's decision, and ``contact``'s company is told)."""
        keys = item_keys(entry_ids)
        reason = check_reason(action, reason)
        now = aware_now(self._clock)
        seen = seen_versions(versions)
        outcomes: dict[ItemKey, EntryOutcome] = {}
        planned: list[Planned] = []
        items = self._items.read(keys, portal)
        for key in keys:
            kind, item_id = key
            item = items.get(key)
            if item is None:
                why = self._items.not_found_why(key, portal)
                outcomes[key] = EntryOutcome(item_id, Outcome.NOT_FOUND, why=why, kind=kind)
                continue
            version = item.approval.version
            if seen.get(key, version) != version:
                why = (
                    f"the {kind.value} is at version {version}, the decision was made on "
                    f"version {seen[key]}: look at it again"
                )
                outcomes[key] = EntryOutcome(item_id, Outcome.CHANGED_MEANWHILE, why=why, kind=kind)
                continue
            try:
                transition = self._machine.apply(
                    item.approval, action, actor, at=now, reason=reason, owner=item.employee_id
                )
            except TransitionNotAllowed as refused:
                outcomes[key] = EntryOutcome(
                    item_id, Outcome.NOT_ALLOWED, why=refused.describe(_A_ITEM[kind]), kind=kind
                )
            else:
                planned.append(Planned(item, transition))
        told = contact if action in (Action.APPROVE, Action.REJECT) else None
        notice_reason = reason if action is Action.REJECT else None
        asking = [p.item for p in planned if _asks_client(p.transition)]
        audiences = self._notifier.audiences(asking)
        nobody = {(kind_of(i), i.id): nobody_asked_why(i) for i in unasked(audiences, asking)}
        links = self._notifier.mail_links(self._links, now=now)
        outbox_for = self._outbox_for(audiences, actor, portal, told, notice_reason, links, now)

        # A staff step's events are split by the client of each item's project.
        clients = None if portal else self._notifier.clients_of(p.item.project_id for p in planned)

        def events_for(batch: Sequence[Planned]) -> list[NewEvent]:
            decided = [(p.kind, p.item.id, p.item.project_id, p.transition) for p in batch]
            return decision_events(
                decided,
                action=action,
                actor=actor,
                reason=reason,
                portal=portal,
                at=now,
                clients=clients,
            )

        try:
            stored, changed = _commit(self._store, planned, outbox_for, events_for)
        except BaseException:
            links.settle(stored=False)
            raise
        links.settle(stored=bool(stored))
        self._notifier.warn_unasked([p.item for p in stored if p.key in nobody])
        for p in stored:
            outcomes[p.key] = EntryOutcome(
                p.item.id, Outcome.APPLIED, p.transition.state, why=nobody.get(p.key), kind=p.kind
            )
        for kind, item_id in changed:
            outcomes[kind, item_id] = EntryOutcome(
                item_id,
                Outcome.CHANGED_MEANWHILE,
                why=f"somebody else changed the {kind.value} at the same moment: look at it again",
                kind=kind,
            )
        return DecisionResult(tuple(outcomes[key] for key in keys))

    def _outbox_for(
        self,
        audiences: Sequence[Audience],
        actor: Actor,
        portal: Portal | None,
        contact: Contact | None,
        reason: str | None,
        links: MailLinks,
        now: dt.datetime,
    ) -> Callable[[Sequence[Planned]], list[OutboxMessage]]:
        """What to e-mail for a batch of the planned steps (rebuilt if some of them are dropped):
        approval requests to the ``audiences`` for the items that now await the client (each
        with its contact's personal link from ``links``), and the company's notice of
        ``contact``'s decision (a rejection's ``reason`` with it) when a client decided."""
        notifier = self._notifier
        submitted_by = notifier.name_of_staff(actor.id) if actor.party.is_staff else actor.id

        def outbox_for(batch: Sequence[Planned]) -> list[OutboxMessage]:
            links.start()
            waiting = [
                evolve(p.item, approval=p.transition.state)
                for p in batch
                if _asks_client(p.transition)
            ]
            messages = notifier.approval_requests(
                audiences,
                _of(waiting, TimeEntry),
                expenses=_of(waiting, Expense),
                trips=_of(waiting, Trip),
                submitted_by=submitted_by,
                links=links,
                now=now,
            )
            if portal is not None and contact is not None:
                decided = [p.item for p in batch]
                notice = notifier.decision_notice(
                    portal,
                    contact,
                    _of(decided, TimeEntry),
                    self._reader.projects(portal),
                    expenses=_of(decided, Expense),
                    trips=_of(decided, Trip),
                    reason=reason,
                    now=now,
                )
                if notice is not None:
                    messages.append(notice)
            return messages

        return outbox_for


def check_actor(data: DataSource, by: Actor, action: Action) -> None:
    """Refuse a staff ``by`` whose id ``data`` does not know as an employee: the audit trail must
    name somebody real, and the machine's owner rules compare ids with the items' employees.

    Raises :class:`~clientportal.ValidationError` naming the id (the one rule for every caller:
    :meth:`Approvals.act` and the CLI's ``--by``)."""
    if not any(e.id == by.id for e in data.employees(frozenset({by.id}))):
        raise ValidationError(
            [
                f"by: {by.id!r} is not an employee in the DataSource: act as a member of the "
                "staff it knows (DataSource.employees(ids) returns those it knows)"
            ],
            summary=f"cannot {action.name.lower()} entries",
        )


_T = TypeVar("_T", TimeEntry, Expense, Trip)


def _of(items: Iterable[TimeEntry | Expense | Trip], kind: type[_T]) -> list[_T]:
    """The items of one kind, in order."""
    return [i for i in items if isinstance(i, kind)]


def _asks_client(transition: Transition) -> bool:
    return any(isinstance(e, ClientApprovalRequested) for e in transition.effects)
