"""Every approval decision: the client's from their portal, the staff's, one entry or many.

:class:`Approvals` checks who acts and the reason (once, for every caller: the pages, the JSON API,
the host's own code), works out each entry's step with the
:class:`~clientportal.workflow.ApprovalMachine`, and stores the steps, their audit events and the
e-mails they cause (approval requests to the client's contacts, the company's notice of a client's
decision) in one :meth:`~clientportal.ports.ApprovalStore.apply_changes` call, each change guarded
by the version that was read. Entries somebody else moved on in between are reported as changed
meanwhile (never overwritten) and the rest is stored, its e-mails built again for what is left.
The personal link each approval request carries is issued just before that call and revoked
when its e-mail is not stored in the end (:mod:`clientportal.service.mail_links`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Concatenate, ParamSpec, TypeVar

from attrs import evolve, frozen

from ..errors import (
    ChangedMeanwhile,
    ClientPortalError,
    TransitionNotAllowed,
    ValidationError,
    WorkflowError,
)
from ..model import ApprovalPolicy, Contact, Portal, TimeEntry
from ..ports import (
    ApprovalChange,
    ApprovalStore,
    Clock,
    DataSource,
    OutboxMessage,
    aware_now,
    unique_by_id,
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
from .links import LinkRegister
from .mail_links import MailLinks
from .notify import Notifier
from .outcomes import DecisionResult, EntryOutcome, Outcome
from .reading import PortalReader
from .visits import Visit

__all__ = ["Approvals", "check_actor"]


@frozen
class _Planned:
    """A transition worked out for ``entry`` (as it was read), not stored yet."""

    entry: TimeEntry
    transition: Transition


def _commit(
    store: ApprovalStore,
    planned: Sequence[_Planned],
    outbox_for: Callable[[Sequence[_Planned]], Sequence[OutboxMessage]],
) -> tuple[tuple[_Planned, ...], tuple[str, ...]]:
    """Store ``planned`` with the e-mails ``outbox_for`` builds for them, in one transaction.

    Each change expects the version its entry was read at. Entries the store reports as changed
    meanwhile are dropped and the rest is tried again (with its e-mails rebuilt), until it is
    stored or nothing is left. Returns what was stored and the ids that changed meanwhile.
    """
    remaining = tuple(planned)
    changed: list[str] = []
    while remaining:
        changes = [
            ApprovalChange(
                entry_id=p.entry.id,
                expected_version=p.entry.approval.version,
                state=p.transition.state,
                event=p.transition.event,
            )
            for p in remaining
        ]
        try:
            store.apply_changes(changes, tuple(outbox_for(remaining)))
        except ChangedMeanwhile as conflict:
            stale = set(conflict.entry_ids) & {p.entry.id for p in remaining}
            if not stale:
                raise ClientPortalError(
                    "the approval store raised ChangedMeanwhile for entries "
                    f"{list(conflict.entry_ids)[:10]} that were not in the batch: it must name "
                    "the entries of the batch that moved on"
                ) from conflict
            changed.extend(p.entry.id for p in remaining if p.entry.id in stale)
            remaining = tuple(p for p in remaining if p.entry.id not in stale)
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
    """Takes approval steps on entries: the client's through their visit, the staff's by actor.

    Reads entries from ``data`` (through ``reader`` for a client, so only what their portal shows
    can be decided), plans each step with ``machine``, tells people through ``notifier`` (their
    e-mails' personal links issued by ``links``) and stores everything in ``store``. SUBMIT is
    refused while the company's ``policy`` is off. Each decision's reads share what ``scope``
    gives (:meth:`PortalService.request_scope
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
        self._machine = machine
        self._policy = policy
        self._notifier = notifier
        self._links = links
        self._clock = clock

    def __repr__(self) -> str:
        return f"Approvals(machine={self._machine!r})"

    # -- the client's decisions ------------------------------------------------------------------

    def client_approve(
        self, visit: Visit, entry_ids: Iterable[str], *, versions: Mapping[str, int] | None = None
    ) -> DecisionResult:
        """The visit's contact approves entries of their portal; the company is told."""
        return self.client_decide(visit, Action.APPROVE, entry_ids, versions=versions)

    def client_reject(
        self,
        visit: Visit,
        entry_ids: Iterable[str],
        *,
        reason: str,
        versions: Mapping[str, int] | None = None,
    ) -> DecisionResult:
        """The visit's contact rejects entries for ``reason``; the company is told why."""
        return self.client_decide(visit, Action.REJECT, entry_ids, reason=reason, versions=versions)

    def client_decide(
        self,
        visit: Visit,
        action: Action,
        entry_ids: Iterable[str],
        *,
        reason: str | None = None,
        versions: Mapping[str, int] | None = None,
    ) -> DecisionResult:
        """Approve or reject (``action``) entries as the visit's contact.

        Only entries the visit's portal shows can be decided on, only when its client may
        approve, and only through a personal link (the audit trail names who decided).
        ``versions`` maps entry ids to the :attr:`PortalEntry.version
        <clientportal.PortalEntry.version>` the contact saw; entries that moved on since are
        reported as changed meanwhile. A step the workflow does not give the client (anything but
        APPROVE and REJECT) is refused per entry as not allowed.
        """
        portal = visit.portal
        if not self._reader.scope(portal).approval:
            raise WorkflowError(
                f"portal {portal.id!r} does not let its client approve hours: switch on its "
                "settings.approval (and the hours), with an approval policy whose workflow has a "
                "client step"
            )
        if visit.contact_id is None:
            raise WorkflowError(
                f"link {visit.link.id!r} is shared: only a contact's own link can approve or "
                "reject hours, so the audit trail names who decided; issue the contact a link"
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
        entry_ids: Iterable[str],
        *,
        by: Actor,
        reason: str | None = None,
        versions: Mapping[str, int] | None = None,
    ) -> DecisionResult:
        """Take ``action`` on entries as a member of the host's staff (``by``: an employee,
        manager or admin). Entries that now await the client are e-mailed to the contacts of
        every portal that lets its client approve them, one e-mail per contact and portal.

        SUBMIT is refused while the company's approval policy is off; entries already in a
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
                "(ApprovalPolicy(enabled=True, workflow=...)) before submitting hours"
            )
        return self._decide(action, entry_ids, by, reason=reason, versions=versions)

    def submit(self, entry_ids: Iterable[str], *, by: Actor) -> DecisionResult:
        """Submit hours for approval (from OPEN or REJECTED)."""
        return self.act(Action.SUBMIT, entry_ids, by=by)

    def approve(
        self, entry_ids: Iterable[str], *, by: Actor, versions: Mapping[str, int] | None = None
    ) -> DecisionResult:
        """Approve hours internally (a manager or admin; never their own hours by default)."""
        return self.act(Action.APPROVE, entry_ids, by=by, versions=versions)

    def reject(
        self,
        entry_ids: Iterable[str],
        *,
        by: Actor,
        reason: str,
        versions: Mapping[str, int] | None = None,
    ) -> DecisionResult:
        """Reject hours internally, for ``reason``."""
        return self.act(Action.REJECT, entry_ids, by=by, reason=reason, versions=versions)

    def withdraw(self, entry_ids: Iterable[str], *, by: Actor) -> DecisionResult:
        """Take submitted hours back to OPEN (the employee or a manager)."""
        return self.act(Action.WITHDRAW, entry_ids, by=by)

    def reopen(self, entry_ids: Iterable[str], *, by: Actor, reason: str) -> DecisionResult:
        """Reopen approved hours for ``reason`` (a manager or admin)."""
        return self.act(Action.REOPEN, entry_ids, by=by, reason=reason)

    def submit_to_client(self, entry_ids: Iterable[str], *, by: Actor) -> DecisionResult:
        """Send internally approved hours on to the client (without automatic forwarding)."""
        return self.act(Action.SUBMIT_TO_CLIENT, entry_ids, by=by)

    def history(self, entry_id: str) -> tuple[ApprovalEvent, ...]:
        """The entry's approval history (its audit trail), oldest first."""
        return tuple(self._store.history(entry_id))

    # -- one decision ----------------------------------------------------------------------------

    @_in_scope
    def _decide(
        self,
        action: Action,
        entry_ids: Iterable[str],
        actor: Actor,
        *,
        reason: str | None,
        versions: Mapping[str, int] | None,
        portal: Portal | None = None,
        contact: Contact | None = None,
    ) -> DecisionResult:
        """Take ``action`` as ``actor`` on each of ``entry_ids``; with ``portal``, only on the
        entries it shows (a client's decision, and ``contact``'s company is told)."""
        ids = _unique_ids(entry_ids)
        reason = check_reason(action, reason)
        now = aware_now(self._clock)
        seen = versions or {}
        where = f"in portal {portal.id!r}" if portal is not None else "in the DataSource"
        outcomes: dict[str, EntryOutcome] = {}
        planned: list[_Planned] = []
        entries = self._read(ids, portal)
        for entry_id in ids:
            entry = entries.get(entry_id)
            if entry is None:
                why = f"there is no entry {entry_id!r} {where}"
                outcomes[entry_id] = EntryOutcome(entry_id, Outcome.NOT_FOUND, why=why)
            elif seen.get(entry_id, entry.approval.version) != entry.approval.version:
                why = (
                    f"the entry is at version {entry.approval.version}, the decision was made on "
                    f"version {seen[entry_id]}: look at it again"
                )
                outcomes[entry_id] = EntryOutcome(entry_id, Outcome.CHANGED_MEANWHILE, why=why)
            else:
                try:
                    transition = self._machine.apply(
                        entry.approval,
                        action,
                        actor,
                        at=now,
                        reason=reason,
                        owner=entry.employee_id,
                    )
                except TransitionNotAllowed as refused:
                    outcomes[entry_id] = EntryOutcome(
                        entry_id, Outcome.NOT_ALLOWED, why=str(refused)
                    )
                else:
                    planned.append(_Planned(entry, transition))
        told = contact if action in (Action.APPROVE, Action.REJECT) else None
        notice_reason = reason if action is Action.REJECT else None
        links = self._notifier.mail_links(self._links, now=now)
        outbox_for = self._outbox_for(planned, actor, portal, told, notice_reason, links, now)
        try:
            stored, changed = _commit(self._store, planned, outbox_for)
        except BaseException:
            links.settle(stored=False)
            raise
        links.settle(stored=bool(stored))
        for p in stored:
            outcomes[p.entry.id] = EntryOutcome(p.entry.id, Outcome.APPLIED, p.transition.state)
        for entry_id in changed:
            outcomes[entry_id] = EntryOutcome(
                entry_id,
                Outcome.CHANGED_MEANWHILE,
                why="somebody else changed the entry at the same moment: look at it again",
            )
        return DecisionResult(tuple(outcomes[i] for i in ids))

    def _read(self, ids: Sequence[str], portal: Portal | None) -> dict[str, TimeEntry]:
        """The entries among ``ids`` that exist (and that ``portal`` shows, when given)."""
        wanted = frozenset(ids)
        found = {
            e.id: e
            for e in unique_by_id(
                e for e in self._data.entries_by_id(wanted) if isinstance(e, TimeEntry)
            )
            if e.id in wanted
        }
        if portal is None:
            return found
        if not self._reader.scope(portal).entries:
            return {}
        visible = {p.id for p in self._reader.projects(portal)}
        return {i: e for i, e in found.items() if e.project_id in visible}

    def _outbox_for(
        self,
        planned: Sequence[_Planned],
        actor: Actor,
        portal: Portal | None,
        contact: Contact | None,
        reason: str | None,
        links: MailLinks,
        now: dt.datetime,
    ) -> Callable[[Sequence[_Planned]], list[OutboxMessage]]:
        """What to e-mail for a batch of the planned steps (rebuilt if some of them are dropped):
        approval requests for the entries that now await the client (each with its contact's
        personal link from ``links``), and the company's notice of ``contact``'s decision (a
        rejection's ``reason`` with it) when a client decided."""
        notifier = self._notifier
        audiences = notifier.audiences(
            frozenset(p.entry.project_id for p in planned if _asks_client(p.transition))
        )
        submitted_by = notifier.name_of_staff(actor.id) if actor.party.is_staff else actor.id

        def outbox_for(batch: Sequence[_Planned]) -> list[OutboxMessage]:
            links.start()
            waiting = [
                evolve(p.entry, approval=p.transition.state)
                for p in batch
                if _asks_client(p.transition)
            ]
            messages = notifier.approval_requests(
                audiences, waiting, submitted_by=submitted_by, links=links, now=now
            )
            if portal is not None and contact is not None:
                notice = notifier.decision_notice(
                    portal,
                    contact,
                    [p.entry for p in batch],
                    self._reader.projects(portal),
                    reason=reason,
                    now=now,
                )
                if notice is not None:
                    messages.append(notice)
            return messages

        return outbox_for


def check_actor(data: DataSource, by: Actor, action: Action) -> None:
    """Refuse a staff ``by`` whose id ``data`` does not know as an employee: the audit trail must
    name somebody real, and the machine's owner rules compare ids with the entries' employees.

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


def _asks_client(transition: Transition) -> bool:
    return any(isinstance(e, ClientApprovalRequested) for e in transition.effects)


def _unique_ids(entry_ids: Iterable[str]) -> tuple[str, ...]:
    """The entry ids, each once, in the order given; a lone string or nothing is refused."""
    if isinstance(entry_ids, str):
        raise ValidationError(
            [f"entry_ids: expected a list of entry ids, got the single string {entry_ids!r}"],
            summary="cannot decide",
        )
    ids = tuple(dict.fromkeys(entry_ids))
    if not ids:
        raise ValidationError(
            ["entry_ids: no entries given: select at least one time entry"],
            summary="cannot decide",
        )
    return ids
