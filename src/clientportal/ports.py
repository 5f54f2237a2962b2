"""The ports: the small Protocols through which clientportal touches the world.

The functional core never does I/O; the application layer (for access,
:class:`~clientportal.gate.AccessGate`) talks to these ports, and a backend implements them
(:mod:`clientportal.memory` in memory; a SQL store later). Every method takes and returns plain
records from :mod:`clientportal.model` and :mod:`clientportal.access`, so each maps onto a table
row and a single statement. Times are always passed in, taken from a :class:`Clock`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Protocol, runtime_checkable

from attrs import field, frozen
from attrs import validators as v

from . import _validators as cv
from .access import AccessEvent, AccessMode, Link, OneTimeCode, PortalAccess
from .model import (
    ApprovalState,
    ApprovalStatus,
    Budget,
    Client,
    Contact,
    Employee,
    Invoice,
    Portal,
    Project,
    Quote,
    TimeEntry,
)
from .visibility import Scope
from .workflow import ApprovalEvent

__all__ = [
    "AccessLog",
    "ApprovalChange",
    "ApprovalStore",
    "ChangedMeanwhile",
    "Clock",
    "DataSource",
    "DocumentFile",
    "EntryCursor",
    "EntryPage",
    "EntryQuery",
    "Mailer",
    "OutboxMessage",
    "OutboxStore",
    "PortalStore",
    "RateLimiter",
    "Store",
    "SystemClock",
    "check_changes",
    "check_claim",
]

#: The most entries one page may ask for.
MAX_PAGE_SIZE = 1000


@runtime_checkable
class Clock(Protocol):
    """Where the current time comes from (inject a fixed clock in tests)."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The default :class:`Clock`: the system's time in UTC."""

    def now(self) -> dt.datetime:
        """The current time in UTC."""
        return dt.datetime.now(dt.UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


@runtime_checkable
class RateLimiter(Protocol):
    """A budget of attempts per key (a hashed client address, a link), refilled over time."""

    def allowed(self, key: str, *, now: dt.datetime) -> bool:
        """True while ``key`` has budget left. Spends nothing."""
        ...

    def hit(self, key: str, *, now: dt.datetime) -> bool:
        """Spend one unit of ``key``'s budget; False (and nothing spent) when none was left."""
        ...


@runtime_checkable
class AccessLog(Protocol):
    """Where every access decision is recorded (an append-only table, a log stream)."""

    def record(self, event: AccessEvent) -> None:
        """Append ``event``. It holds no token, code or address, only their consequences."""
        ...


@runtime_checkable
class PortalStore(Protocol):
    """The portal's own state: portals, their access state, links and one-time codes.

    The host's time-tracking data is not here (that is the ``DataSource``). Records go in and come
    out whole; the few changes that may race (using and revoking a link, counting a code attempt,
    using a code, moving a generation on) are single-purpose methods, so a SQL store can make each
    one atomic statement instead of a read-modify-write.
    """

    # -- portals -------------------------------------------------------------------------------

    def put_portal(self, portal: Portal) -> None:
        """Create or replace a portal. A new portal starts at generation 0 in
        :attr:`AccessMode.LINK`; replacing a portal keeps its access state."""
        ...

    def get_portal(self, portal_id: str) -> Portal | None:
        """The portal with this id, or ``None``."""
        ...

    def list_portals(self) -> Sequence[Portal]:
        """Every portal, ordered by id."""
        ...

    def get_access(self, portal_id: str) -> PortalAccess | None:
        """The portal's generation and access mode, or ``None`` when there is no such portal."""
        ...

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        """Set how the portal admits visitors. Raises ``KeyError`` for an unknown portal."""
        ...

    def bump_generation(self, portal_id: str) -> int:
        """Move the portal's generation on by one, atomically, and return the new generation.

        Every link issued before then stops working. Raises ``KeyError`` for an unknown portal.
        """
        ...

    # -- links ---------------------------------------------------------------------------------

    def add_link(self, link: Link) -> None:
        """Store a new link. Raises ``ValueError`` when a link with its id exists."""
        ...

    def get_link(self, link_id: str) -> Link | None:
        """The link with this id, or ``None``."""
        ...

    def list_links(self, portal_id: str) -> Sequence[Link]:
        """The portal's links, revoked ones included, oldest first (by ``created_at``, then id)."""
        ...

    def mark_link_used(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``last_used_at`` (and nothing else). Unknown ids are ignored."""
        ...

    def revoke_link(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``revoked_at`` unless it is already revoked. Unknown ids are ignored."""
        ...

    # -- one-time codes ------------------------------------------------------------------------

    def put_code(self, code: OneTimeCode) -> None:
        """Store ``code`` as its link's one code, replacing (and so invalidating) any previous."""
        ...

    def get_code(self, link_id: str) -> OneTimeCode | None:
        """The link's current code, or ``None``."""
        ...

    def count_code_attempt(self, code_id: str) -> int:
        """Add one to the code's ``attempts``, atomically, and return the new count.

        Returns 0 when the code no longer exists (it was replaced).
        """
        ...

    def use_code(self, code_id: str, at: dt.datetime) -> bool:
        """Set the code's ``used_at`` if it is unused, atomically; True when this call used it."""
        ...


# --------------------------------------------------------------------------------------------------
# The host's time-tracking data


@frozen
class EntryCursor:
    """Where a page of entries ends: the last entry's date and id (keyset pagination).

    Entries are ordered by date, newest first, then by id; the next page starts strictly after
    ``(date, id)`` in that order.
    """

    date: dt.date = field(validator=cv.plain_date)
    id: str = field(validator=cv.identifier)


def _statuses(value: object) -> frozenset[ApprovalStatus]:
    return cv.to_frozenset(value)  # type: ignore[arg-type]


@frozen(kw_only=True)
class EntryQuery:
    """Which of a portal's visible entries a page shows. Empty filters mean "all"."""

    employee_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    project_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    date_from: dt.date | None = field(default=None, validator=cv.optional_plain_date)
    date_to: dt.date | None = field(default=None, validator=cv.optional_plain_date)
    statuses: frozenset[ApprovalStatus] = field(
        factory=frozenset,
        converter=_statuses,
        validator=v.deep_iterable(v.instance_of(ApprovalStatus), v.instance_of(frozenset)),
    )
    after: EntryCursor | None = field(
        default=None, validator=v.optional(v.instance_of(EntryCursor))
    )
    limit: int = field(default=100, validator=[v.instance_of(int), v.ge(1), v.le(MAX_PAGE_SIZE)])

    def __attrs_post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(
                f"date_from {self.date_from} is after date_to {self.date_to}: swap them"
            )

    def matches(self, entry: TimeEntry) -> bool:
        """True when ``entry`` passes the filters (the cursor and limit aside)."""
        return (
            (not self.employee_ids or entry.employee_id in self.employee_ids)
            and (not self.project_ids or entry.project_id in self.project_ids)
            and (self.date_from is None or entry.date >= self.date_from)
            and (self.date_to is None or entry.date <= self.date_to)
            and (not self.statuses or entry.approval.status in self.statuses)
        )

    def is_after_cursor(self, entry: TimeEntry) -> bool:
        """True when ``entry`` comes after the cursor in (date desc, id asc) order."""
        c = self.after
        return c is None or entry.date < c.date or (entry.date == c.date and entry.id > c.id)


@frozen
class EntryPage:
    """One page of entries in (date desc, id asc) order; ``next`` is ``None`` on the last page."""

    entries: tuple[TimeEntry, ...]
    next: EntryCursor | None


@frozen
class DocumentFile:
    """An invoice or quote as a file the client can download (usually a PDF)."""

    filename: str = field(validator=cv.non_empty_text)
    content_type: str = field(validator=cv.non_empty_text)
    data: bytes = field(repr=lambda b: f"<{len(b)} bytes>")


@runtime_checkable
class DataSource(Protocol):
    """The host's time-tracking data, read-only. This is what a host app implements.

    Every method that returns portal data takes the portal's :class:`~clientportal.Scope`, so an
    implementation can push the visibility rules into its query; it may return more than the
    scope allows (the service filters everything again with the pure rules), never less.
    Entries carry their current :class:`~clientportal.ApprovalState` as the :class:`ApprovalStore`
    holds it (a SQL host joins the library's ``approvals`` table).
    """

    def client(self, client_id: str) -> Client | None:
        """The client, or ``None``."""
        ...

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The client's contacts."""
        ...

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        """The employees with these ids (unknown ids are left out)."""
        ...

    def projects(self, scope: Scope) -> Sequence[Project]:
        """The client's projects among ``scope.project_ids``."""
        ...

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        """One page of the scope's entries that match ``query``, after ``query.after``, in
        (date desc, id asc) order, at most ``query.limit`` of them."""
        ...

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        """The entries with these ids, whatever their project (the service checks the scope)."""
        ...

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        """The budgets of the scope's projects."""
        ...

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        """The client's invoices."""
        ...

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        """The client's quotes."""
        ...

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        """The file of invoice or quote ``document_id`` (``kind`` is "invoice" or "quote")."""
        ...


# --------------------------------------------------------------------------------------------------
# Approval state, audit trail and outbox: the library's own state beside the PortalStore


@frozen
class ApprovalChange:
    """One entry's transition, to be stored only if the entry is still at ``expected_version``."""

    entry_id: str = field(validator=cv.identifier)
    expected_version: int = field(validator=cv.seconds)
    state: ApprovalState = field(validator=v.instance_of(ApprovalState))
    event: ApprovalEvent = field(validator=v.instance_of(ApprovalEvent))


class ChangedMeanwhile(Exception):
    """Raised by :meth:`ApprovalStore.apply_changes` when some entries moved on since they were
    read; nothing was written. ``entry_ids`` names them."""

    def __init__(self, entry_ids: Sequence[str]) -> None:
        self.entry_ids = tuple(entry_ids)
        super().__init__(
            f"{len(self.entry_ids)} entries changed meanwhile: " + ", ".join(self.entry_ids[:10])
        )


@frozen(kw_only=True)
class OutboxMessage:
    """An e-mail waiting to be sent, kept until it is sent or given up (with its last error).

    ``message`` is the whole RFC 5322 message as bytes; its Message-ID stays the same on every
    attempt, so a retry is recognisable as the same mail.
    """

    id: str = field(validator=cv.identifier)
    message_id: str = field(validator=cv.non_empty_text)
    recipients: tuple[str, ...] = field(converter=cv.to_tuple)
    message: bytes = field(repr=lambda b: f"<{len(b)} bytes>")
    created_at: dt.datetime = field(validator=cv.aware_datetime)
    attempts: int = field(default=0, validator=cv.seconds)
    next_attempt_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    last_error: str | None = None

    @classmethod
    def of(cls, id: str, message: EmailMessage, *, created_at: dt.datetime) -> OutboxMessage:
        """Queue ``message`` (it must have a Message-ID and at least one recipient)."""
        message_id = message["Message-ID"]
        # The envelope takes bare addresses; a display name may hold a comma ("Jones, Bob").
        recipients = tuple(
            address
            for _, address in getaddresses(
                [
                    str(value)
                    for header in ("To", "Cc", "Bcc")
                    for value in message.get_all(header, [])
                ]
            )
            if address
        )
        if not message_id or not recipients:
            raise ValueError("an outbox message needs a Message-ID and at least one recipient")
        return cls(
            id=id,
            message_id=str(message_id),
            recipients=recipients,
            message=message.as_bytes(),
            created_at=created_at,
            next_attempt_at=created_at,
        )


@runtime_checkable
class ApprovalStore(Protocol):
    """Approval state per entry, its audit trail, and the e-mails decisions cause."""

    def approval_states(self, entry_ids: frozenset[str]) -> dict[str, ApprovalState]:
        """The stored state of each entry that has one (entries without one are OPEN, v0)."""
        ...

    def apply_changes(
        self, changes: Sequence[ApprovalChange], outbox: Sequence[OutboxMessage] = ()
    ) -> None:
        """In one transaction: store every change (compare-and-set on its version), append its
        event to the audit trail, and queue ``outbox``. If any entry is no longer at its
        ``expected_version``, write nothing and raise :class:`ChangedMeanwhile` naming them.

        Changes apply in order (one batch may move an entry twice), and each stores version
        ``expected_version + 1``. An entry with no stored state is still at its source's own
        state, so its first change is stored whatever ``expected_version`` says; of two racing
        first changes one wins and the other raises :class:`ChangedMeanwhile`."""
        ...

    def history(self, entry_id: str) -> Sequence[ApprovalEvent]:
        """The entry's audit trail, oldest first."""
        ...


def check_changes(changes: Sequence[ApprovalChange]) -> None:
    """Refuse what no :meth:`ApprovalStore.apply_changes` may store: a value that is not an
    :class:`ApprovalChange`, or a change that does not store ``expected_version + 1``.

    Store implementations call it first (the library's own do), so every store rejects the same
    inputs with the same messages."""
    for change in changes:
        if not isinstance(change, ApprovalChange):
            raise TypeError(f"apply_changes takes ApprovalChange values, got {change!r}")
        if change.state.version != change.expected_version + 1:
            raise ValueError(
                f"entry {change.entry_id!r}: a change from version {change.expected_version} "
                f"must store version {change.expected_version + 1}, not {change.state.version} "
                "(build changes with the approval machine)"
            )


def check_claim(now: dt.datetime, limit: int, lease: dt.timedelta) -> None:
    """Refuse arguments no :meth:`OutboxStore.claim_due` may accept: a naive ``now``, a
    ``limit`` below 1, a lease that is not positive."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if lease <= dt.timedelta(0):
        raise ValueError(f"lease must be a positive timedelta, got {lease}")


@runtime_checkable
class OutboxStore(Protocol):
    """E-mails waiting to be delivered, claimed by any number of workers."""

    def enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue messages outside an approval (e.g. a one-time access code)."""
        ...

    def claim_due(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> Sequence[OutboxMessage]:
        """Claim up to ``limit`` unsent messages due at ``now`` for ``lease``: no other worker
        claims them until the lease ends (so a crashed worker's messages come back)."""
        ...

    def mark_sent(self, message_id: str, *, at: dt.datetime) -> None:
        """Record that the message with outbox id ``message_id`` was delivered."""
        ...

    def mark_failed(
        self, message_id: str, *, at: dt.datetime, error: str, retry_at: dt.datetime | None
    ) -> None:
        """Record a failed attempt; ``retry_at=None`` gives up (the message is kept)."""
        ...

    def pending(self) -> Sequence[OutboxMessage]:
        """Every message not sent yet, given-up ones included, oldest first."""
        ...


@runtime_checkable
class Mailer(Protocol):
    """Sends one e-mail now (SMTP in production); raises on failure so the outbox retries."""

    def send(self, message: bytes, *, sender: str | None, recipients: Sequence[str]) -> None:
        """Deliver ``message`` (RFC 5322 bytes) to ``recipients``."""
        ...


class Store(PortalStore, ApprovalStore, OutboxStore, AccessLog, Protocol):
    """Everything the service keeps: what :class:`~clientportal.memory` and ``sql`` implement."""
