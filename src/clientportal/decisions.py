"""Approval decisions: the workflow machine over stored state, with optimistic concurrency.

A decision on many entries ("approve the whole week") has an outcome per entry
(:class:`EntryOutcome`): applied, not found, not allowed by the workflow, or changed meanwhile.
:class:`Decider` works out each entry's transition with the
:class:`~clientportal.ApprovalMachine`, turns the effects into e-mails (one approval request per
contact of each portal that shows the entries; a notice to the company about a client's decision),
and :func:`commit` stores transitions, audit events and e-mails in one
:meth:`~clientportal.ports.ApprovalStore.apply_changes` call, each change guarded by the version
that was read. When somebody else moved some of the entries on in between, those are reported as
changed meanwhile (never overwritten) and the rest is stored, its e-mails built again for what is
left.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from attrs import evolve, frozen

from .errors import ClientPortalError, TransitionNotAllowed, ValidationError
from .model import ApprovalPolicy, ApprovalState, Contact, Portal, Project, TimeEntry
from .notify import MailSettings, approval_request_messages, decision_message
from .pages import PortalReader
from .ports import (
    ApprovalChange,
    ApprovalStore,
    ChangedMeanwhile,
    DataSource,
    OutboxMessage,
    PortalStore,
)
from .visibility import visible_entries
from .workflow import Action, Actor, ApprovalMachine, ClientApprovalRequested, Party, Transition

__all__ = [
    "Decider",
    "DecisionResult",
    "EntryOutcome",
    "Outcome",
    "Planned",
    "commit",
]

logger = logging.getLogger("clientportal.service")

#: Actions that need a reason (the machine refuses them without one; asked up front here).
_NEEDS_REASON = frozenset({Action.REJECT, Action.REOPEN})


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


@frozen
class Planned:
    """A transition worked out for ``entry`` (as it was read), not stored yet."""

    entry: TimeEntry
    transition: Transition


def commit(
    store: ApprovalStore,
    planned: Sequence[Planned],
    outbox_for: Callable[[Sequence[Planned]], Sequence[OutboxMessage]],
) -> tuple[tuple[Planned, ...], tuple[str, ...]]:
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


# --------------------------------------------------------------------------------------------------
# The decider


@frozen
class _Audience:
    """A portal that asks its contacts to approve entries of ``projects``."""

    portal: Portal
    contacts: tuple[Contact, ...]
    projects: tuple[Project, ...]


class Decider:
    """Takes approval steps on entries for the service: reads them, plans each step with the
    machine, builds the e-mails and commits everything with :func:`commit`."""

    def __init__(
        self,
        *,
        data: DataSource,
        store: ApprovalStore,
        portals: PortalStore,
        reader: PortalReader,
        machine: ApprovalMachine,
        policy: ApprovalPolicy,
        mail: MailSettings,
    ) -> None:
        self.data = data
        self.store = store
        self.portals = portals
        self.reader = reader
        self.machine = machine
        self.policy = policy
        self.mail = mail

    def decide(
        self,
        action: Action,
        entry_ids: Iterable[str],
        actor: Actor,
        *,
        now: dt.datetime,
        reason: str | None = None,
        versions: Mapping[str, int] | None = None,
        portal: Portal | None = None,
        contact: Contact | None = None,
    ) -> DecisionResult:
        """Take ``action`` as ``actor`` on each of ``entry_ids``.

        With ``portal`` only the entries that portal shows can be decided on (a client's
        decision; ``contact`` is who decides, and the company is told). ``versions`` maps entry
        ids to the version the decider saw: an entry that has moved on since is changed meanwhile.
        """
        ids = _unique_ids(entry_ids)
        if action in _NEEDS_REASON and not (reason and reason.strip()):
            raise ValidationError(
                [
                    f"reason: {action.name} needs a reason (it is kept in the audit trail and told "
                    "to the people concerned): pass reason='...'"
                ],
                summary=f"cannot {action.name.lower()} entries",
            )
        seen = _versions(versions)
        where = f"in portal {portal.id!r}" if portal is not None else "in the DataSource"
        outcomes: dict[str, EntryOutcome] = {}
        planned: list[Planned] = []
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
                    transition = self.machine.apply(
                        entry.approval,
                        action,
                        actor,
                        at=now,
                        reason=reason,
                        owner=entry.employee_id,
                    )
                except TransitionNotAllowed as refused:
                    why = str(refused)
                    outcomes[entry_id] = EntryOutcome(entry_id, Outcome.NOT_ALLOWED, why=why)
                else:
                    planned.append(Planned(entry, transition))

        audiences = self._audiences(planned)
        submitted_by = self._name_of(actor)

        told = contact if action in (Action.APPROVE, Action.REJECT) else None

        def outbox_for(batch: Sequence[Planned]) -> list[OutboxMessage]:
            messages = self._approval_requests(batch, audiences, submitted_by, now)
            if portal is not None and told is not None:
                notice = self._company_notice(portal, told, batch, action, reason, now)
                if notice is not None:
                    messages.append(notice)
            return messages

        stored, changed = commit(self.store, planned, outbox_for)
        for p in stored:
            outcomes[p.entry.id] = EntryOutcome(p.entry.id, Outcome.APPLIED, p.transition.state)
        for entry_id in changed:
            outcomes[entry_id] = EntryOutcome(
                entry_id,
                Outcome.CHANGED_MEANWHILE,
                why="somebody else changed the entry at the same moment: look at it again",
            )
        return DecisionResult(tuple(outcomes[i] for i in ids))

    # -- reading -------------------------------------------------------------------------------

    def _read(self, ids: Sequence[str], portal: Portal | None) -> dict[str, TimeEntry]:
        """The entries among ``ids`` that exist (and that ``portal`` shows, when given)."""
        wanted = frozenset(ids)
        found: dict[str, TimeEntry] = {}
        for entry in self.data.entries_by_id(wanted):
            if isinstance(entry, TimeEntry) and entry.id in wanted:
                found.setdefault(entry.id, entry)
        if portal is None:
            return found
        if not self.reader.scope(portal).entries:
            return {}
        visible = {p.id for p in self.reader.projects(portal)}
        return {i: e for i, e in found.items() if e.project_id in visible}

    def _name_of(self, actor: Actor) -> str:
        if actor.party in (Party.EMPLOYEE, Party.MANAGER, Party.ADMIN):
            for employee in self.data.employees(frozenset({actor.id})):
                if employee.id == actor.id:
                    return employee.name
        return actor.id

    # -- e-mails ---------------------------------------------------------------------------------

    def _audiences(self, planned: Sequence[Planned]) -> tuple[_Audience, ...]:
        """The active portals that let their contacts approve some of the entries that now
        await the client, with those contacts and the portal's visible projects."""
        projects = {p.entry.project_id for p in planned if _asks_client(p.transition)}
        if not projects:
            return ()
        audiences = []
        covered: set[str] = set()
        for portal in self.portals.list_portals():
            if (
                not portal.active
                or not portal.contact_ids
                or portal.project_ids.isdisjoint(projects)
            ):
                continue
            if not self.reader.scope(portal).approval:
                continue
            shown = self.reader.projects(portal)
            if not any(p.id in projects for p in shown):
                continue
            contacts = tuple(
                c
                for c in self.data.contacts(portal.client_id)
                if c.client_id == portal.client_id and c.id in portal.contact_ids
            )
            if contacts:
                covered |= {p.id for p in shown}
                audiences.append(_Audience(portal, _unique_contacts(contacts), shown))
        orphans = sorted(projects - covered)
        if orphans:
            logger.warning(
                "hours of projects %s now await the client's approval, but no active portal "
                "with client approval and contacts shows them: nobody was asked",
                ", ".join(orphans),
            )
        return tuple(audiences)

    def _approval_requests(
        self,
        batch: Sequence[Planned],
        audiences: Sequence[_Audience],
        submitted_by: str,
        now: dt.datetime,
    ) -> list[OutboxMessage]:
        waiting = [
            evolve(p.entry, approval=p.transition.state)
            for p in batch
            if _asks_client(p.transition)
        ]
        messages: list[OutboxMessage] = []
        if not waiting:
            return messages
        for audience in audiences:
            shown = tuple(visible_entries(audience.portal, audience.projects, waiting, self.policy))
            messages += approval_request_messages(
                self.mail,
                portal=audience.portal,
                contacts=audience.contacts,
                entries=shown,
                projects=audience.projects,
                submitted_by=submitted_by,
                now=now,
            )
        return messages

    def _company_notice(
        self,
        portal: Portal,
        contact: Contact,
        batch: Sequence[Planned],
        action: Action,
        reason: str | None,
        now: dt.datetime,
    ) -> OutboxMessage | None:
        if not batch or not self.mail.company_recipients:
            return None
        entries = [p.entry for p in batch]
        employees = self.data.employees(frozenset(e.employee_id for e in entries))
        return decision_message(
            self.mail,
            portal=portal,
            contact=contact,
            entries=entries,
            projects=self.reader.projects(portal),
            employees=employees,
            reason=reason.strip() if action is Action.REJECT and reason else None,
            now=now,
        )


def _asks_client(transition: Transition) -> bool:
    return any(isinstance(e, ClientApprovalRequested) for e in transition.effects)


def _unique_ids(entry_ids: Iterable[str]) -> tuple[str, ...]:
    if isinstance(entry_ids, str):
        raise ValidationError(
            [f"entry_ids: expected a list of entry ids, got the single string {entry_ids!r}"],
            summary="cannot decide",
        )
    ids = tuple(dict.fromkeys(entry_ids))
    bad = [repr(i) for i in ids if not isinstance(i, str) or not i or i != i.strip()]
    if bad:
        raise ValidationError(
            (f"entry_ids: {b} is not an entry id (a non-empty string)" for b in bad),
            summary="cannot decide",
        )
    if not ids:
        raise ValidationError(
            ["entry_ids: no entries given: select at least one time entry"],
            summary="cannot decide",
        )
    return ids


def _versions(versions: Mapping[str, int] | None) -> Mapping[str, int]:
    if versions is None:
        return {}
    if not isinstance(versions, Mapping):
        raise ValidationError(
            [f"versions: must map entry ids to the versions seen, got {type(versions).__name__}"],
            summary="cannot decide",
        )
    bad = [
        f"versions[{k!r}]: must be a whole number >= 0 (the entry's version), got {v!r}"
        for k, v in versions.items()
        if not isinstance(v, int) or isinstance(v, bool) or v < 0
    ]
    if bad:
        raise ValidationError(bad, summary="cannot decide")
    return versions


def _unique_contacts(contacts: Iterable[Contact]) -> tuple[Contact, ...]:
    seen: dict[str, Contact] = {}
    for contact in contacts:
        seen.setdefault(contact.id, contact)
    return tuple(seen[i] for i in sorted(seen))
