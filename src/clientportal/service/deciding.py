"""One decision, planned and stored: the engine behind every method of
:class:`~clientportal.service.approvals.Approvals`.

:class:`Decider` reads the items, plans each step with the approval machine, and stores the
steps with everything they cause in one :meth:`~clientportal.ports.ApprovalStore.apply_changes`
call (:class:`Writes`): the audit events, the e-mails (approval requests with their personal and
one-click action links, the company's notice), the host's events, the approval requests behind
the action links, and a client's sign-off certificate. Items somebody else moved on in between
are dropped and the rest is stored with its writes built again (:func:`commit`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from attrs import evolve, frozen

from ..errors import ChangedMeanwhile, ClientPortalError, TransitionNotAllowed
from ..model import Contact, Expense, ItemKind, ItemRef, Portal, TimeEntry, Trip
from ..ports import (
    ApprovalChange,
    ApprovalRequest,
    ApprovalStore,
    Clock,
    NewEvent,
    OutboxMessage,
    RequestStore,
    SignOff,
    aware_now,
    decision_type,
)
from ..workflow import Action, Actor, ApprovalMachine, ClientApprovalRequested, Transition
from ..workflow import check_reason as _check_reason
from .decision_items import ItemKey, ItemReader, Planned, kind_of, nobody_asked_why
from .events import decision_events
from .links import LinkRegister
from .mail_links import MailLinks
from .notify import Audience, Notifier, unasked
from .outcomes import DecisionResult, EntryOutcome, Outcome
from .reading import PortalReader
from .signing import Signing

__all__ = ["Decider", "Told", "Writes", "commit"]

_T = TypeVar("_T", TimeEntry, Expense, Trip)

#: How a refused step names the item ("MANAGER may not APPROVE an expense in status ...").
_A_ITEM = {ItemKind.ENTRY: "an entry", ItemKind.EXPENSE: "an expense", ItemKind.TRIP: "a trip"}


@frozen
class Writes:
    """What one batch of steps writes beside the steps themselves, in their transaction."""

    outbox: tuple[OutboxMessage, ...] = ()
    events: tuple[NewEvent, ...] = ()
    requests: tuple[ApprovalRequest, ...] = ()
    signoffs: tuple[SignOff, ...] = ()


def commit(
    store: ApprovalStore,
    planned: Sequence[Planned],
    writes_for: Callable[[Sequence[Planned]], Writes],
) -> tuple[tuple[Planned, ...], tuple[ItemKey, ...], Writes]:
    """Store ``planned`` with what ``writes_for`` builds for them, in one transaction.

    Each change expects the version its item was read at, and names the item's kind (one call
    may mix kinds). Items the store reports as changed meanwhile, matched by kind *and* id, are
    dropped and the rest is tried again (with its writes rebuilt), until it is stored or nothing
    is left. Returns what was stored, the ``(kind, id)`` of the items that changed meanwhile,
    and the writes stored with them (none when nothing was).
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
        writes = writes_for(remaining)
        try:
            # The newer keywords only when there is something for them: a store written
            # before them still stores every decision that draws no action link or sign-off.
            extra: dict[str, Any] = {}
            if writes.requests:
                extra["requests"] = writes.requests
            if writes.signoffs:
                extra["signoffs"] = writes.signoffs
            store.apply_changes(changes, writes.outbox, events=writes.events, **extra)
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
            return remaining, tuple(changed), writes
    return (), tuple(changed), Writes()


@frozen(kw_only=True)
class Told:
    """Who a decision is about, when a client (or the policy, for them) decided: the portal,
    the contact (``None`` for the policy), the keyed hash of the address they decided from, the
    period they signed off (``None``: the items as chosen), and a notice builder of its own
    (an undo, the policy's approval) instead of the approval or rejection notice."""

    portal: Portal
    contact: Contact | None = None
    address_hash: str | None = None
    period: tuple[dt.date, dt.date] | None = None
    notice: Callable[[Sequence[Planned], dt.datetime], OutboxMessage | None] | None = None


class Decider:
    """Plans and stores decisions (see the module's docstring)."""

    def __init__(
        self,
        *,
        store: ApprovalStore,
        items: ItemReader,
        reader: PortalReader,
        machine: ApprovalMachine,
        notifier: Notifier,
        links: LinkRegister,
        signing: Signing,
        clock: Clock,
    ) -> None:
        self._store = store
        self._items = items
        self._reader = reader
        self._machine = machine
        self._notifier = notifier
        self._links = links
        self._signing = signing
        self._clock = clock

    def __repr__(self) -> str:
        return f"Decider(machine={self._machine!r})"

    def decide(
        self,
        action: Action,
        keys: Sequence[ItemKey],
        actor: Actor,
        *,
        reason: str | None,
        versions: Mapping[ItemKey, int],
        told: Told | None = None,
        refused: Mapping[ItemKey, str] | None = None,
        note: str | None = None,
    ) -> DecisionResult:
        """Take ``action`` as ``actor`` on each of the items ``keys``; with ``told``, only on
        the items its portal shows (a client's decision, and the company is told). ``refused``
        names items a rule of the caller refuses (reported as not allowed with its words);
        ``note`` goes with the approval requests the step causes (why items come back)."""
        reason = _check_reason(action, reason)
        now = aware_now(self._clock)
        portal = None if told is None else told.portal
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
            if versions.get(key, version) != version:
                why = (
                    f"the {kind.value} is at version {version}, the decision was made on "
                    f"version {versions[key]}: look at it again"
                )
                outcomes[key] = EntryOutcome(item_id, Outcome.CHANGED_MEANWHILE, why=why, kind=kind)
                continue
            if refused and key in refused:
                outcomes[key] = EntryOutcome(
                    item_id, Outcome.NOT_ALLOWED, why=refused[key], kind=kind
                )
                continue
            try:
                transition = self._machine.apply(
                    item.approval, action, actor, at=now, reason=reason, owner=item.employee_id
                )
            except TransitionNotAllowed as refusal:
                outcomes[key] = EntryOutcome(
                    item_id, Outcome.NOT_ALLOWED, why=refusal.describe(_A_ITEM[kind]), kind=kind
                )
            else:
                planned.append(Planned(item, transition))
        asking = [p.item for p in planned if _asks_client(p.transition)]
        audiences = self._notifier.audiences(asking)
        nobody = {(kind_of(i), i.id): nobody_asked_why(i) for i in unasked(audiences, asking)}
        links = self._notifier.mail_links(self._links, now=now)
        # A staff step's events are split by the client of each item's project.
        clients = None if portal else self._notifier.clients_of(p.item.project_id for p in planned)
        writes_for = self._writes_for(
            action, actor, reason, told, audiences, links, note, now, clients
        )
        try:
            stored, changed, written = commit(self._store, planned, writes_for)
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
        signoff = written.signoffs[0] if written.signoffs else None
        return DecisionResult(tuple(outcomes[key] for key in keys), signoff=signoff)

    def _writes_for(
        self,
        action: Action,
        actor: Actor,
        reason: str | None,
        told: Told | None,
        audiences: Sequence[Audience],
        links: MailLinks,
        note: str | None,
        now: dt.datetime,
        clients: Mapping[str, str] | None,
    ) -> Callable[[Sequence[Planned]], Writes]:
        """What a batch of the planned steps writes (rebuilt if some of them are dropped):
        approval requests to the ``audiences`` for the items that now await the client (each
        with its contact's personal link and one-click action link from ``links``), the
        company's notice when a client (or the policy) decided, the client's sign-off when they
        approved, and the host's events."""
        notifier = self._notifier
        signing = self._signing
        submitted_by = notifier.name_of_staff(actor.id) if actor.party.is_staff else actor.id
        portal = None if told is None else told.portal

        def writes_for(batch: Sequence[Planned]) -> Writes:
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
                note=note,
            )
            if action is Action.UNDO and told is not None and told.contact is not None:
                # The items await the contact again: ask again (no e-mail) so the reminder
                # policy counts them from now.
                undone = [evolve(p.item, approval=p.transition.state) for p in batch]
                links.ask_again(told.portal.id, told.contact.id, undone)
            signoffs: tuple[SignOff, ...] = ()
            if told is not None and told.contact is not None and signing.signs(action, actor):
                signoffs = (
                    signing.sign(
                        told.portal,
                        told.contact,
                        [p.item for p in batch],
                        at=now,
                        address_hash=told.address_hash,
                        period=told.period,
                    ),
                )
            if told is not None:
                notice = self._notice(action, reason, told, batch, signoffs, now)
                if notice is not None:
                    messages.append(notice)
            decided = [(p.kind, p.item.id, p.item.project_id, p.transition) for p in batch]
            events = decision_events(
                decided,
                action=action,
                actor=actor,
                reason=reason,
                portal=portal,
                at=now,
                clients=clients,
            )
            if signoffs:
                events = _with_signoff(events, action, signoffs[0])
            if action in (Action.UNDO, Action.REOPEN) and isinstance(self._store, RequestStore):
                # The store withdraws the sign-offs covering the items in the step's
                # transaction: each undone or reopened event names those of its items.
                standing = self._store.signoffs_for([ItemRef(p.kind, p.item.id) for p in batch])
                kinds = {decision_type(kind, action): kind for kind in ItemKind}
                events = [
                    evolve(
                        e,
                        data={
                            **e.data,
                            "withdrawn_signoffs": [
                                s.id
                                for s in standing
                                if {ItemRef(kinds[e.type], i["id"]) for i in e.data["items"]}
                                & set(s.items)
                            ],
                        },
                    )
                    if e.type in kinds
                    else e
                    for e in events
                ]
            return Writes(
                outbox=tuple(messages),
                events=tuple(events),
                requests=links.requests(),
                signoffs=signoffs,
            )

        return writes_for

    def _notice(
        self,
        action: Action,
        reason: str | None,
        told: Told,
        batch: Sequence[Planned],
        signoffs: Sequence[SignOff],
        now: dt.datetime,
    ) -> OutboxMessage | None:
        """The company's notice of ``told``'s decision on ``batch``."""
        if told.notice is not None:
            return told.notice(batch, now)
        if told.contact is None or action not in (Action.APPROVE, Action.REJECT):
            return None
        decided = [p.item for p in batch]
        return self._notifier.decision_notice(
            told.portal,
            told.contact,
            _of(decided, TimeEntry),
            self._reader.projects(told.portal),
            expenses=_of(decided, Expense),
            trips=_of(decided, Trip),
            reason=reason if action is Action.REJECT else None,
            now=now,
            attachment=self._signing.attachment(signoffs[0]) if signoffs else None,
        )


def _with_signoff(events: list[NewEvent], action: Action, signoff: SignOff) -> list[NewEvent]:
    """``events`` with the sign-off named on those that record the approval itself."""
    approved = {decision_type(kind, action) for kind in ItemKind}
    return [
        evolve(
            e,
            data={**e.data, "signoff_id": signoff.id, "signoff_sha256": signoff.sha256},
        )
        if e.type in approved
        else e
        for e in events
    ]


def _of(items: Sequence[TimeEntry | Expense | Trip], kind: type[_T]) -> list[_T]:
    """The items of one kind, in order."""
    return [i for i in items if isinstance(i, kind)]


def _asks_client(transition: Transition) -> bool:
    return any(isinstance(e, ClientApprovalRequested) for e in transition.effects)
