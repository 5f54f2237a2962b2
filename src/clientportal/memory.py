"""In-memory backends: the whole :class:`~clientportal.ports.Store`, a
:class:`~clientportal.ports.DataSource` over a :class:`~clientportal.model.Dataset`, an access log,
and a hand-moved clock.

For tests, examples and single-process apps. Every object is thread-safe (one lock each) and
holds only the frozen records it is given, so nothing handed out can change behind its back.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from attrs import evolve

from .errors import NotFound, ValidationError
from .access import AccessEvent, AccessMode, Link, OneTimeCode, PortalAccess
from .model import (
    ApprovalState,
    Budget,
    Client,
    Contact,
    Dataset,
    Employee,
    Invoice,
    Portal,
    Project,
    Quote,
    TimeEntry,
)
from .ports import (
    Totals,
    ApprovalChange,
    ApprovalStore,
    ChangedMeanwhile,
    DocumentFile,
    EntryCursor,
    EntryPage,
    EntryQuery,
    OutboxMessage,
    check_changes,
    check_claim,
)
from .visibility import Scope, entry_amount
from .workflow import ApprovalEvent

__all__ = [
    "ManualClock",
    "MemoryAccessLog",
    "MemoryDataSource",
    "MemoryPortalStore",
    "MemoryStore",
]


class MemoryPortalStore:
    """A :class:`~clientportal.ports.PortalStore` in a few dicts."""

    def __init__(self, portals: Iterable[Portal] = ()) -> None:
        self._lock = threading.Lock()
        self._portals: dict[str, Portal] = {}
        self._access: dict[str, PortalAccess] = {}
        self._links: dict[str, Link] = {}
        self._codes: dict[str, OneTimeCode] = {}  # by link id: one code per link
        self._code_links: dict[str, str] = {}  # code id -> link id
        for portal in portals:
            self.put_portal(portal)

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"MemoryPortalStore(<{len(self._portals)} portals, {len(self._links)} links, "
                f"{len(self._codes)} codes>)"
            )

    # -- portals -------------------------------------------------------------------------------

    def put_portal(self, portal: Portal) -> None:
        """Create or replace a portal; a replaced portal keeps its generation and access mode."""
        with self._lock:
            self._portals[portal.id] = portal
            self._access.setdefault(portal.id, PortalAccess(portal_id=portal.id))

    def get_portal(self, portal_id: str) -> Portal | None:
        """The portal with this id, or ``None``."""
        return self._portals.get(portal_id)

    def list_portals(self) -> Sequence[Portal]:
        """Every portal, ordered by id."""
        with self._lock:
            return sorted(self._portals.values(), key=lambda portal: portal.id)

    def get_access(self, portal_id: str) -> PortalAccess | None:
        """The portal's generation and access mode, or ``None`` for an unknown portal."""
        return self._access.get(portal_id)

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        """Set how the portal admits visitors; :class:`~clientportal.NotFound` for an unknown
        portal."""
        with self._lock:
            self._access[portal_id] = evolve(self._known(portal_id), mode=mode)

    def bump_generation(self, portal_id: str) -> int:
        """Move the portal's generation on by one and return it; :class:`~clientportal.NotFound`
        when unknown."""
        with self._lock:
            access = self._known(portal_id)
            self._access[portal_id] = access = evolve(access, generation=access.generation + 1)
            return access.generation

    def _known(self, portal_id: str) -> PortalAccess:
        try:
            return self._access[portal_id]
        except KeyError:
            raise NotFound(f"no portal with id {portal_id!r}: put_portal() it first") from None

    # -- links ---------------------------------------------------------------------------------

    def add_link(self, link: Link) -> None:
        """Store a new link; ``ValueError`` when its id is taken."""
        with self._lock:
            if link.id in self._links:
                raise ValidationError(
                    [f"link.id: a link with id {link.id!r} exists: link ids must be unique"],
                    summary="cannot add the link",
                )
            self._links[link.id] = link

    def get_link(self, link_id: str) -> Link | None:
        """The link with this id, or ``None``."""
        return self._links.get(link_id)

    def list_links(self, portal_id: str) -> Sequence[Link]:
        """The portal's links, oldest first."""
        with self._lock:
            links = [link for link in self._links.values() if link.portal_id == portal_id]
        return sorted(links, key=lambda link: (link.created_at, link.id))

    def mark_link_used(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``last_used_at``."""
        with self._lock:
            link = self._links.get(link_id)
            if link is not None:
                self._links[link_id] = evolve(link, last_used_at=at)

    def revoke_link(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``revoked_at`` unless it is already revoked."""
        with self._lock:
            link = self._links.get(link_id)
            if link is not None and link.revoked_at is None:
                self._links[link_id] = evolve(link, revoked_at=at)

    # -- one-time codes ------------------------------------------------------------------------

    def put_code(self, code: OneTimeCode) -> None:
        """Make ``code`` its link's one code, dropping any previous one."""
        with self._lock:
            previous = self._codes.get(code.link_id)
            if previous is not None:
                del self._code_links[previous.id]
            self._codes[code.link_id] = code
            self._code_links[code.id] = code.link_id

    def get_code(self, link_id: str) -> OneTimeCode | None:
        """The link's current code, or ``None``."""
        return self._codes.get(link_id)

    def count_code_attempt(self, code_id: str) -> int:
        """Add one to the code's attempts and return the count (0 for a replaced code)."""
        with self._lock:
            link_id = self._code_links.get(code_id)
            if link_id is None:
                return 0
            code = self._codes[link_id]
            self._codes[link_id] = code = evolve(code, attempts=code.attempts + 1)
            return code.attempts

    def use_code(self, code_id: str, at: dt.datetime) -> bool:
        """Mark the code used; True only for the call that did it."""
        with self._lock:
            link_id = self._code_links.get(code_id)
            if link_id is None:
                return False
            code = self._codes[link_id]
            if code.used_at is not None:
                return False
            self._codes[link_id] = evolve(code, used_at=at)
            return True


class MemoryStore(MemoryPortalStore):
    """The whole :class:`~clientportal.ports.Store` in memory: portals, links and codes (as
    :class:`MemoryPortalStore`), approval state with its audit trail, the outbox and the access log.

    :meth:`apply_changes` is all-or-nothing under the store's lock, so concurrent deciders see the
    same compare-and-set behaviour as the SQL store.
    """

    def __init__(self, portals: Iterable[Portal] = ()) -> None:
        super().__init__(portals)
        self._approvals: dict[str, ApprovalState] = {}
        self._history: dict[str, list[ApprovalEvent]] = {}
        self._outbox: dict[str, OutboxMessage] = {}
        self._leases: dict[str, dt.datetime] = {}  # outbox id -> claimed until
        self._access_events: list[AccessEvent] = []

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"MemoryStore(<{len(self._portals)} portals, {len(self._links)} links, "
                f"{len(self._approvals)} approval states, {len(self._outbox)} outbox messages>)"
            )

    # -- access log ----------------------------------------------------------------------------

    def record(self, event: AccessEvent) -> None:
        """Append ``event`` to the access log."""
        with self._lock:
            self._access_events.append(event)

    def access_events(self, portal_id: str | None = None) -> tuple[AccessEvent, ...]:
        """The access log, oldest first; only ``portal_id``'s events when it is given."""
        with self._lock:
            return tuple(
                e for e in self._access_events if portal_id is None or e.portal_id == portal_id
            )

    # -- approvals -----------------------------------------------------------------------------

    def approval_states(self, entry_ids: frozenset[str]) -> dict[str, ApprovalState]:
        """The stored state of each of ``entry_ids`` that has one."""
        with self._lock:
            return {i: self._approvals[i] for i in entry_ids if i in self._approvals}

    def apply_changes(
        self, changes: Sequence[ApprovalChange], outbox: Sequence[OutboxMessage] = ()
    ) -> None:
        """Store every change (compare-and-set on its version), append its event to the audit
        trail and queue ``outbox``, all or nothing.

        Changes apply in order, so one batch may move an entry twice. An entry with no stored
        state has nothing to compare with (its state is still its source's own): its first change
        is stored whatever ``expected_version`` says. Raises :class:`ChangedMeanwhile` naming
        every entry that moved on, and ``ValueError`` for an outbox id that is taken; either way
        nothing is written.
        """
        check_changes(changes)
        with self._lock:
            working: dict[str, ApprovalState] = {}
            stale: list[str] = []
            for change in changes:
                current = working.get(change.entry_id) or self._approvals.get(change.entry_id)
                if current is not None and current.version != change.expected_version:
                    stale.append(change.entry_id)
                    continue
                working[change.entry_id] = change.state
            if stale:
                raise ChangedMeanwhile(list(dict.fromkeys(stale)))
            self._check_new_outbox(outbox)
            self._approvals.update(working)
            for change in changes:
                self._history.setdefault(change.entry_id, []).append(change.event)
            for message in outbox:
                self._outbox[message.id] = message

    def history(self, entry_id: str) -> Sequence[ApprovalEvent]:
        """The entry's audit trail, oldest first."""
        with self._lock:
            return tuple(self._history.get(entry_id, ()))

    # -- outbox --------------------------------------------------------------------------------

    def enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue ``messages``; ``ValueError`` (and nothing queued) when an id is taken."""
        with self._lock:
            self._check_new_outbox(messages)
            for message in messages:
                self._outbox[message.id] = message

    def _check_new_outbox(self, messages: Sequence[OutboxMessage]) -> None:
        ids = [m.id for m in messages]
        taken = sorted({i for i in ids if i in self._outbox or ids.count(i) > 1})
        if taken:
            raise ValidationError(
                [
                    f"outbox message ids already queued: {', '.join(taken)}: give each message "
                    "a new id (e.g. clientportal.access.random_id())"
                ],
                summary="cannot queue the e-mails",
            )

    def claim_due(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> Sequence[OutboxMessage]:
        """Claim up to ``limit`` due, unsent, unleased messages (oldest first) until
        ``now + lease``."""
        check_claim(now, limit, lease)
        with self._lock:
            due = sorted(
                (
                    m
                    for m in self._outbox.values()
                    if _is_due(m, now) and self._leases.get(m.id, now) <= now
                ),
                key=lambda m: (m.created_at, m.id),
            )[:limit]
            for message in due:
                self._leases[message.id] = now + lease
            return tuple(due)

    def mark_sent(self, message_id: str, *, at: dt.datetime) -> None:
        """Record that the message was delivered; :class:`~clientportal.NotFound` for an unknown
        id."""
        with self._lock:
            message = self._queued(message_id)
            self._outbox[message_id] = evolve(message, sent_at=at, next_attempt_at=None)
            self._leases.pop(message_id, None)

    def mark_failed(
        self, message_id: str, *, at: dt.datetime, error: str, retry_at: dt.datetime | None
    ) -> None:
        """Count a failed attempt and keep ``error``; retry at ``retry_at`` (``None``: give up)."""
        with self._lock:
            message = self._queued(message_id)
            self._outbox[message_id] = evolve(
                message, attempts=message.attempts + 1, last_error=error, next_attempt_at=retry_at
            )
            self._leases.pop(message_id, None)

    def _queued(self, message_id: str) -> OutboxMessage:
        try:
            return self._outbox[message_id]
        except KeyError:
            raise NotFound(f"no outbox message with id {message_id!r}") from None

    def pending(self) -> Sequence[OutboxMessage]:
        """Every unsent message, given-up ones included, oldest first."""
        with self._lock:
            return tuple(
                sorted(
                    (m for m in self._outbox.values() if m.sent_at is None),
                    key=lambda m: (m.created_at, m.id),
                )
            )

    def outbox_message(self, message_id: str) -> OutboxMessage | None:
        """The outbox message with this id, sent or not, or ``None``."""
        with self._lock:
            return self._outbox.get(message_id)


def _is_due(message: OutboxMessage, now: dt.datetime) -> bool:
    """Unsent, and either due for another attempt or never tried (no attempt time set)."""
    if message.sent_at is not None:
        return False
    if message.next_attempt_at is None:
        return message.attempts == 0
    return message.next_attempt_at <= now


_Doc = TypeVar("_Doc", Invoice, Quote)


def _order_key(entry: TimeEntry) -> tuple[int, str]:
    return (-entry.date.toordinal(), entry.id)


class MemoryDataSource:
    """A :class:`~clientportal.ports.DataSource` over a :class:`~clientportal.model.Dataset`.

    Entries carry the approval state ``store`` holds for them; an entry without a stored state
    keeps the dataset's own. The :class:`~clientportal.Scope` is pushed down as a SQL backend
    would: only the client's projects among the portal's selection, only what the portal shows.
    ``documents`` maps ``(kind, document_id)`` (kind "invoice" or "quote") to its file.
    """

    def __init__(
        self,
        dataset: Dataset,
        store: ApprovalStore | None = None,
        *,
        documents: Mapping[tuple[str, str], DocumentFile] | None = None,
    ) -> None:
        self.dataset = dataset
        self.store = store
        self._documents = dict(documents or {})
        self._clients = {c.id: c for c in dataset.clients}
        self._employees = {e.id: e for e in dataset.employees}
        self._projects = {p.id: p for p in dataset.projects}
        self._entries = {e.id: e for e in dataset.entries}
        self._ordered = sorted(dataset.entries, key=_order_key)
        self._keys = [_order_key(e) for e in self._ordered]

    def __repr__(self) -> str:
        return (
            f"MemoryDataSource(<{len(self._clients)} clients, {len(self._projects)} projects, "
            f"{len(self._entries)} entries>, store={self.store!r})"
        )

    def client(self, client_id: str) -> Client | None:
        """The client, or ``None``."""
        return self._clients.get(client_id)

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The client's contacts, by id."""
        return sorted(
            (c for c in self.dataset.contacts if c.client_id == client_id), key=lambda c: c.id
        )

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        """The employees with these ids, by id."""
        return [self._employees[i] for i in sorted(employee_ids) if i in self._employees]

    def projects(self, scope: Scope) -> Sequence[Project]:
        """The client's projects among the scope's selection, by id."""
        return [
            p
            for i in sorted(scope.project_ids)
            if (p := self._projects.get(i)) is not None and p.client_id == scope.client_id
        ]

    def _visible_project_ids(self, scope: Scope) -> frozenset[str]:
        return frozenset(p.id for p in self.projects(scope))

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        """One page of the scope's entries matching ``query`` (see the port)."""
        if not scope.entries:
            return EntryPage(entries=(), next=None)
        projects = self._visible_project_ids(scope)
        if query.project_ids:
            projects &= query.project_ids
        start = 0
        if query.after is not None:
            cursor = (-query.after.date.toordinal(), query.after.id)
            start = bisect.bisect_right(self._keys, cursor)
        page: list[TimeEntry] = []
        for entry in self._with_states(
            e
            for e in self._ordered[start:]
            if e.project_id in projects
            and (not query.employee_ids or e.employee_id in query.employee_ids)
            and (query.date_from is None or e.date >= query.date_from)
            and (query.date_to is None or e.date <= query.date_to)
        ):
            if query.statuses and entry.approval.status not in query.statuses:
                continue
            if len(page) == query.limit:
                last = page[-1]
                return EntryPage(entries=tuple(page), next=EntryCursor(last.date, last.id))
            page.append(entry)
        return EntryPage(entries=tuple(page), next=None)

    def _with_states(self, entries: Iterable[TimeEntry], batch: int = 256) -> Iterator[TimeEntry]:
        """``entries`` with the store's approval state, looked up ``batch`` at a time."""
        chunk: list[TimeEntry] = []
        for entry in entries:
            chunk.append(entry)
            if len(chunk) == batch:
                yield from self._overlay(chunk)
                chunk = []
        yield from self._overlay(chunk)

    def _overlay(self, entries: list[TimeEntry]) -> list[TimeEntry]:
        if self.store is None or not entries:
            return entries
        states = self.store.approval_states(frozenset(e.id for e in entries))
        return [evolve(e, approval=states[e.id]) if e.id in states else e for e in entries]

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        """The totals of the scope's entries that match ``query`` from its cursor on, by project
        (see :class:`~clientportal.ports.EntryTotals`), in one pass without building a page."""
        if not scope.entries:
            return {}
        projects = self._visible_project_ids(scope)
        if query.project_ids:
            projects &= query.project_ids
        start = 0
        if query.after is not None:
            cursor = (-query.after.date.toordinal(), query.after.id)
            start = bisect.bisect_right(self._keys, cursor)
        chosen: Iterable[TimeEntry] = (
            e
            for e in self._ordered[start:]
            if e.project_id in projects
            and (not query.employee_ids or e.employee_id in query.employee_ids)
            and (query.date_from is None or e.date >= query.date_from)
            and (query.date_to is None or e.date <= query.date_to)
        )
        if query.statuses:
            chosen = (e for e in self._with_states(chosen) if e.approval.status in query.statuses)
        found: dict[str, Totals] = {}
        for entry in chosen:
            amount = None
            if scope.amounts:
                rate = entry.rate
                amount = Decimal(0) if rate is None else entry_amount(rate, entry.seconds)
            billable = entry.seconds if entry.billable else 0
            one = Totals(1, entry.seconds, billable, amount)
            previous = found.get(entry.project_id)
            found[entry.project_id] = one if previous is None else previous + one
        return found

    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        """Who logged the scope's entries (for the portal's employee filter)."""
        if not scope.entries:
            return frozenset()
        projects = self._visible_project_ids(scope)
        return frozenset(e.employee_id for e in self._ordered if e.project_id in projects)

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        """The entries with these ids, by id, with their current approval state."""
        return self._overlay([self._entries[i] for i in sorted(entry_ids) if i in self._entries])

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        """The budgets of the scope's projects whose type the portal shows, by project and id."""
        projects = self._visible_project_ids(scope)
        return sorted(
            (
                b
                for b in self.dataset.budgets
                if b.project_id in projects and b.type in scope.budget_types
            ),
            key=lambda b: (b.project_id, b.id),
        )

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        """The client's invoices the portal shows, newest first."""
        if not scope.invoices:
            return []
        return self._documents_of(scope, self.dataset.invoices)

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        """The client's quotes the portal shows, newest first."""
        if not scope.quotes:
            return []
        return self._documents_of(scope, self.dataset.quotes)

    def _documents_of(self, scope: Scope, documents: Iterable[_Doc]) -> list[_Doc]:
        projects = self._visible_project_ids(scope)
        chosen = [
            d
            for d in documents
            if d.client_id == scope.client_id
            and d.status in scope.document_statuses
            and (scope.documents_scope == "client" or not d.project_ids.isdisjoint(projects))
        ]
        chosen.sort(key=lambda d: d.id)
        chosen.sort(key=lambda d: d.date, reverse=True)
        return chosen

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        """The file given for ``(kind, document_id)`` when this source was made, or ``None``."""
        return self._documents.get((kind, document_id))


class MemoryAccessLog:
    """An :class:`~clientportal.ports.AccessLog` that keeps its events in a list."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[AccessEvent] = []

    def __repr__(self) -> str:
        return f"MemoryAccessLog(<{len(self._events)} events>)"

    def record(self, event: AccessEvent) -> None:
        """Append ``event``."""
        with self._lock:
            self._events.append(event)

    @property
    def events(self) -> tuple[AccessEvent, ...]:
        """Every event recorded so far, oldest first."""
        with self._lock:
            return tuple(self._events)


class ManualClock:
    """A :class:`~clientportal.ports.Clock` that stands still until it is moved (for tests)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"start must be timezone-aware, got {start.isoformat()}")
        self._lock = threading.Lock()
        self._now = start

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"

    def now(self) -> dt.datetime:
        """The clock's current time."""
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move the clock on by ``delta`` and return the new time."""
        with self._lock:
            self._now = self._now + delta
            return self._now

    def set(self, at: dt.datetime) -> None:
        """Put the clock at ``at`` (timezone-aware)."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"the clock's time must be timezone-aware, got {at.isoformat()}")
        with self._lock:
            self._now = at
