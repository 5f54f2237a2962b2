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

from ..errors import ValidationError, WorkflowError
from ..model import ApprovalPolicy, Contact, ItemKind, ItemRef, Portal
from ..ports import Clock, DataSource, OutboxMessage, Store, aware_now
from ..workflow import Action, Actor, ApprovalEvent, ApprovalMachine, Party, is_editable
from .actors import check_actor
from .deciding import Decider, Told
from .decision_items import ItemKey, ItemReader, Planned, item_keys, seen_versions
from .links import LinkRegister
from .notify import Notifier
from .outcomes import DecisionResult
from .periods import PeriodChanged, awaiting_in_period, period_digest
from .reading import PortalReader
from .signing import Signing
from .undo import UndoRules
from .visits import Visit

__all__ = ["POLICY_ACTOR", "Approvals", "check_actor"]

#: What a decision takes: items as references, or plain strings for time entries.
_Items: TypeAlias = Iterable[str | ItemRef]
#: The versions a decider saw, by item (a plain string: a time entry). A mapping's keys are
#: invariant, so a ``dict[str, int]`` (entries only, as before) is named apart.
_Versions: TypeAlias = (
    Mapping[str | ItemRef, int] | Mapping[str, int] | Mapping[ItemRef, int] | None
)


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
    visit (or their e-mail's action link), the staff's by actor, the reminder policy's when a
    client's time is up.

    Every method takes its items as :class:`~clientportal.ItemRef` values or plain strings (a
    time entry's id), and ``versions`` keyed the same way. Reads the items from ``data`` (for a
    client, only what their portal shows, through ``reader``), plans each step with ``machine``,
    tells people through ``notifier`` (their e-mails' personal links issued by ``links``, their
    action links' tokens drawn by ``tokens``) and stores everything in ``store``. SUBMIT is
    refused while the company's ``policy`` is off. A client's approval is signed off
    (``signing``); a client may undo their own decision within ``undo``'s window. Each
    decision's reads share what ``scope`` gives (:meth:`PortalService.request_scope
    <clientportal.service.PortalService.request_scope>`: one connection, the projects read once).
    """

    def __init__(
        self,
        *,
        data: DataSource,
        store: Store,
        reader: PortalReader,
        machine: ApprovalMachine,
        policy: ApprovalPolicy,
        notifier: Notifier,
        links: LinkRegister,
        clock: Clock,
        signing: Signing,
        undo: UndoRules,
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
        self._clock = clock
        self._undo = undo
        self._signing = signing
        self._decider = Decider(
            store=store,
            items=self._items,
            reader=reader,
            machine=machine,
            notifier=notifier,
            links=links,
            signing=signing,
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"Approvals(machine={self._machine!r})"

    @property
    def undo_window(self) -> dt.timedelta:
        """How long after their decision a contact may undo it (``timedelta(0)``: never)."""
        return self._undo.window

    # -- the client's decisions ------------------------------------------------------------------

    def client_approve(
        self,
        visit: Visit,
        entry_ids: _Items,
        *,
        versions: _Versions = None,
        address_hash: str | None = None,
    ) -> DecisionResult:
        """The visit's contact approves items of their portal; the company is told, with the
        sign-off certificate of what they approved."""
        return self.client_decide(
            visit, Action.APPROVE, entry_ids, versions=versions, address_hash=address_hash
        )

    def client_reject(
        self,
        visit: Visit,
        entry_ids: _Items,
        *,
        reason: str,
        versions: _Versions = None,
        address_hash: str | None = None,
    ) -> DecisionResult:
        """The visit's contact rejects items for ``reason``; the company is told why."""
        return self.client_decide(
            visit,
            Action.REJECT,
            entry_ids,
            reason=reason,
            versions=versions,
            address_hash=address_hash,
        )

    def client_decide(
        self,
        visit: Visit,
        action: Action,
        entry_ids: _Items,
        *,
        reason: str | None = None,
        versions: _Versions = None,
        address_hash: str | None = None,
    ) -> DecisionResult:
        """Approve or reject (``action``) items as the visit's contact: time entries (plain ids
        or :class:`~clientportal.ItemRef`), expenses and trips, mixed as they come.

        Only items the visit's portal shows can be decided on (others are not found), only when
        its client may approve, and only through a personal link (the audit trail names who
        decided). ``versions`` maps items to the version the contact saw
        (:attr:`PortalEntry.version <clientportal.PortalEntry.version>`, and likewise on
        expenses and trips); items that moved on since are reported as changed meanwhile. A step
        the workflow does not give the client (anything but APPROVE and REJECT) is refused per
        item as not allowed. ``address_hash`` is the keyed hash of the address the contact
        decided from (``service.access.codec.client_hash(address)``), for the sign-off.
        """
        return self.contact_decide(
            visit.portal,
            _contact_id(visit, "approve or reject, so the audit trail names who decided"),
            action,
            entry_ids,
            reason=reason,
            versions=versions,
            address_hash=address_hash,
        )

    def contact_decide(
        self,
        portal: Portal,
        contact_id: str,
        action: Action,
        entry_ids: _Items,
        *,
        reason: str | None = None,
        versions: _Versions = None,
        address_hash: str | None = None,
    ) -> DecisionResult:
        """As :meth:`client_decide`, for the contact ``contact_id`` of ``portal`` without a
        visit: what a one-click action link decides (:mod:`clientportal.service.actions`)."""
        self._check_client_step(portal)
        contact = self._notifier.require_contact(portal, contact_id)
        return self._decide_for(
            portal,
            contact,
            action,
            entry_ids,
            reason=reason,
            versions=versions,
            address_hash=address_hash,
        )

    def client_sign_off(
        self,
        visit: Visit,
        *,
        start: dt.date,
        end: dt.date,
        address_hash: str | None = None,
        seen: str | None = None,
    ) -> DecisionResult:
        """The visit's contact approves, at once, everything awaiting them dated from ``start``
        to ``end`` (a week, a month) that their portal shows, at the versions read now; the
        sign-off certificate names the period. An empty period approves nothing.

        ``seen`` is the digest of what the contact was shown
        (:attr:`AwaitingPeriod.seen <clientportal.service.signoffs.AwaitingPeriod.seen>`,
        :func:`~clientportal.service.periods.period_digest`): when what awaits now differs
        (items added, changed or decided since), nothing is approved and
        :class:`~clientportal.service.periods.PeriodChanged` is raised. Without it (a host's
        own call) the period is approved as it is now."""
        portal = visit.portal
        self._check_client_step(portal)
        contact = self._notifier.require_contact(portal, _contact_id(visit, "sign off a period"))
        with self._scope():
            awaiting = awaiting_in_period(self._data, self._reader, portal, start=start, end=end)
        if not awaiting:
            return DecisionResult(())
        if seen is not None and period_digest(awaiting) != seen:
            raise PeriodChanged(
                f"what awaits {contact.id!r} from {start} to {end} is not what they were "
                "shown (items were added, changed or decided since): show them the "
                "period again"
            )

        return self._decide_for(
            portal,
            contact,
            Action.APPROVE,
            list(awaiting),
            versions=awaiting,
            address_hash=address_hash,
            period=(start, end),
        )

    def client_undo(
        self,
        visit: Visit,
        entry_ids: _Items,
        *,
        address_hash: str | None = None,
    ) -> DecisionResult:
        """The visit's contact takes back their own approval or rejection of items, within the
        undo window and unless the host has invoiced them: the items await them again, the
        company is told and the host gets ``entries.undone`` (and the like) events."""
        portal = visit.portal
        self._check_client_step(portal)
        contact = self._notifier.require_contact(portal, _contact_id(visit, "undo a decision"))
        keys = item_keys(entry_ids)
        now = aware_now(self._clock)
        with self._scope():
            items = self._items.read(keys, portal)
            refused = self._undo.refusals(contact.id, list(items.values()), now)
        told = Told(
            portal=portal,
            contact=contact,
            address_hash=address_hash,
            notice=self._undo.notice(self._notifier, portal, contact),
        )
        return self._run(
            Action.UNDO,
            keys,
            Actor(Party.CLIENT, contact.id),
            reason=None,
            versions=None,
            told=told,
            refused=refused,
        )

    def is_editable(self, item: str | ItemRef) -> bool:
        """Whether the host may let its staff edit the item now: only while it is OPEN or
        REJECTED (an approved item is locked until staff reopen it). An item the DataSource does
        not have is not editable here."""
        key = item_keys([item])[0]
        with self._scope():
            found = self._items.read([key], None).get(key)
        return found is not None and is_editable(found.approval)

    def policy_approve(self, portal: Portal, items: Mapping[ItemRef, int]) -> DecisionResult:
        """The company's reminder policy approves ``items`` (at the versions given) for the
        client of ``portal``, because their time to decide is up: the audit trail's actor is the
        policy (``Actor(Party.POLICY, "reminder-policy")``), and the company is told."""
        self._check_client_step(portal)
        from .policy_notice import auto_approved_notice

        def notice(batch: Sequence[Planned], now: dt.datetime) -> OutboxMessage | None:
            return auto_approved_notice(
                self._notifier,
                portal,
                [p.item for p in batch],
                self._reader.projects(portal),
                now=now,
            )

        return self._run(
            Action.APPROVE,
            item_keys(items),
            POLICY_ACTOR,
            reason=None,
            versions=items,
            told=Told(portal=portal, notice=notice),
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
        note: str | None = None,
    ) -> DecisionResult:
        """Take ``action`` on items (time entries, expenses, trips) as a member of the host's
        staff (``by``: an employee, manager or admin; an item's owner is its employee). Items
        that now await the client are e-mailed to the contacts of every portal that lets its
        client approve them and shows them, one e-mail per contact and portal (with ``note``,
        the staff's word on why they come). An item no such portal shows is moved on all the
        same; its outcome's ``why`` says that nobody was asked (and a warning is logged).

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
        return self._run(
            action, item_keys(entry_ids), by, reason=reason, versions=versions, note=note
        )

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

    def reopen(
        self, entry_ids: _Items, *, by: Actor, reason: str, send_back: bool = False
    ) -> DecisionResult:
        """Reopen approved items for ``reason`` (a manager or admin): they are OPEN and
        editable again. With ``send_back``, the reopened items are submitted again at once, and
        those that go to the client are e-mailed to them with ``reason`` as a note; the result
        is the submission's (items the reopening refused are reported as it refused them)."""
        reopened = self.act(Action.REOPEN, entry_ids, by=by, reason=reason)
        if not send_back:
            return reopened
        refs = [ItemRef(o.kind, o.entry_id) for o in reopened.applied]
        if not refs:
            return reopened
        sent = self.act(Action.SUBMIT, refs, by=by, note=reason)
        resent = {(o.kind, o.entry_id): o for o in sent.outcomes}
        return DecisionResult(tuple(resent.get((o.kind, o.entry_id), o) for o in reopened.outcomes))

    def submit_to_client(self, entry_ids: _Items, *, by: Actor) -> DecisionResult:
        """Send internally approved items on to the client (without automatic forwarding)."""
        return self.act(Action.SUBMIT_TO_CLIENT, entry_ids, by=by)

    def history(self, entry_id: str, kind: ItemKind = ItemKind.ENTRY) -> tuple[ApprovalEvent, ...]:
        """The approval history (the audit trail) of the item ``entry_id`` of ``kind`` (a time
        entry by default), oldest first."""
        return tuple(self._store.history(entry_id, kind))

    # -- one decision ----------------------------------------------------------------------------

    def _check_client_step(self, portal: Portal) -> None:
        if not self._reader.scope(portal).approval:
            raise WorkflowError(
                f"portal {portal.id!r} does not let its client approve: switch on its "
                "settings.approval (and the hours, expenses or trips it shows), with an approval "
                "policy whose workflow has a client step"
            )

    def _decide_for(
        self,
        portal: Portal,
        contact: Contact,
        action: Action,
        entry_ids: _Items,
        *,
        reason: str | None = None,
        versions: _Versions = None,
        address_hash: str | None = None,
        period: tuple[dt.date, dt.date] | None = None,
    ) -> DecisionResult:
        told = Told(portal=portal, contact=contact, address_hash=address_hash, period=period)
        return self._run(
            action,
            item_keys(entry_ids),
            Actor(Party.CLIENT, contact.id),
            reason=reason,
            versions=versions,
            told=told,
        )

    @_in_scope
    def _run(
        self,
        action: Action,
        keys: Sequence[ItemKey],
        actor: Actor,
        *,
        reason: str | None,
        versions: _Versions,
        told: Told | None = None,
        refused: Mapping[ItemKey, str] | None = None,
        note: str | None = None,
    ) -> DecisionResult:
        return self._decider.decide(
            action,
            keys,
            actor,
            reason=reason,
            versions=seen_versions(versions),
            told=told,
            refused=refused,
            note=note,
        )


def _contact_id(visit: Visit, doing: str) -> str:
    """The visit's contact, who is about to do ``doing``; a shared link is refused (the audit
    trail must name who acted)."""
    if visit.contact_id is None:
        raise WorkflowError(
            f"link {visit.link.id!r} is shared: only a contact's own link can {doing}; issue "
            "the contact a link"
        )
    return visit.contact_id


#: Who approves when the reminder policy's time is up (the audit trail's actor).
POLICY_ACTOR = Actor(Party.POLICY, "reminder-policy")
