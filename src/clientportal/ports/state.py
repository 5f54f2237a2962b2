"""The library's own state: portals, links and codes, approval states with their audit trail,
the outbox, the access log -- and :class:`Store`, all of them together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Protocol, runtime_checkable

from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..access import AccessEvent, AccessMode, Link, OneTimeCode, PortalAccess, SessionRecord
from ..errors import ClientPortalError, NotFound, ValidationError
from ..model import ApprovalState, ItemKind, Portal
from ..workflow import ApprovalEvent
from .effects import RateLimiter
from .events import EventConsumers, EventLog, NewEvent, WebhookStore
from .requests import ApprovalRequest, RequestStore, SignOff

__all__ = [
    "AccessLog",
    "ApprovalChange",
    "ApprovalStore",
    "OutboxMessage",
    "OutboxStore",
    "PortalStore",
    "Store",
    "VisitReader",
    "VisitRecords",
    "check_changes",
    "check_claim",
    "check_new_outbox",
    "link_problem",
    "read_visit",
    "session_problem",
    "visit_reader",
]


@runtime_checkable
class AccessLog(Protocol):
    """Where every access decision is recorded (an append-only table, a log stream)."""

    def record(self, event: AccessEvent) -> None:
        """Append ``event``. It holds no token, code or address, only their consequences."""
        ...


@runtime_checkable
class PortalStore(Protocol):
    """The portal's own state: portals, their access state, links, sessions and one-time codes.

    The host's time-tracking data is not here (that is the ``DataSource``). Records go in and come
    out whole; the few changes that may race (using and revoking a link, counting a code attempt,
    using a code, moving a generation on, touching and ending a session) are single-purpose
    methods, so a SQL store can make each one atomic statement instead of a read-modify-write.
    """

    # -- portals -------------------------------------------------------------------------------

    def put_portal(self, portal: Portal, events: Sequence[NewEvent] = ()) -> None:
        """Create or replace a portal, and write ``events`` in the same transaction. A new
        portal starts at generation 0 in :attr:`AccessMode.LINK`; replacing a portal keeps its
        access state."""
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
        """Set how the portal admits visitors. Raises :class:`~clientportal.NotFound` for an
        unknown portal."""
        ...

    def bump_generation(self, portal_id: str, events: Sequence[NewEvent] = ()) -> int:
        """Move the portal's generation on by one, atomically, and return the new generation
        (and write ``events`` in the same transaction).

        Every link issued before then stops working. Raises :class:`~clientportal.NotFound` for an
        unknown portal.
        """
        ...

    # -- links ---------------------------------------------------------------------------------

    def add_link(self, link: Link, events: Sequence[NewEvent] = ()) -> None:
        """Store a new link (and ``events``, in the same transaction). Raises
        :class:`~clientportal.ValidationError` when a link with its id
        exists, :class:`~clientportal.NotFound` when its portal is not stored."""
        ...

    def get_link(self, link_id: str) -> Link | None:
        """The link with this id, or ``None``."""
        ...

    def list_links(self, portal_id: str) -> Sequence[Link]:
        """The portal's links, revoked ones included, oldest first (by ``created_at``, then id)."""
        ...

    def mark_link_used(
        self, link_id: str, at: dt.datetime, events: Sequence[NewEvent] = ()
    ) -> None:
        """Set the link's ``last_used_at`` (and nothing else; ``events`` in the same
        transaction). Unknown ids are ignored."""
        ...

    def revoke_link(self, link_id: str, at: dt.datetime, events: Sequence[NewEvent] = ()) -> None:
        """Set the link's ``revoked_at`` unless it is already revoked, and then write ``events``
        in the same transaction. Unknown ids are ignored."""
        ...

    # -- sessions ------------------------------------------------------------------------------

    def add_session(self, session: SessionRecord) -> None:
        """Store a new session. Raises :class:`~clientportal.ValidationError` when a session with
        its ``id_hash`` exists, :class:`~clientportal.NotFound` when its link is not stored (see
        :func:`session_problem`)."""
        ...

    def get_session(self, id_hash: str) -> SessionRecord | None:
        """The session whose id hashes to ``id_hash``, or ``None``."""
        ...

    def touch_session(self, id_hash: str, at: dt.datetime) -> None:
        """Set the session's ``last_seen_at`` to ``at``, atomically, if it is earlier and the
        session has not ended (a late writer never moves it back). Unknown hashes are ignored."""
        ...

    def end_session(self, id_hash: str, at: dt.datetime) -> bool:
        """Set the session's ``ended_at`` unless it has ended, atomically; True when this call
        ended it (False for an unknown or already ended session)."""
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


@frozen(kw_only=True)
class VisitRecords:
    """What a store holds for one visitor step, read together (:meth:`VisitReader.read_visit`):
    a link, its portal and the portal's access state, and the visitor's session, each ``None``
    when the store holds none (or, for the session, when none was asked for); and ``budgets``,
    whether each budget asked for has a unit left, in order (``None`` when the store did not
    read them: the caller asks each limiter)."""

    link: Link | None = None
    portal: Portal | None = None
    access: PortalAccess | None = None
    session: SessionRecord | None = None
    budgets: tuple[bool, ...] | None = None


@runtime_checkable
class VisitReader(Protocol):
    """A :class:`PortalStore` that reads what a visitor step needs in one go (optional: the
    access gate reads a store without it record by record, see :func:`read_visit`)."""

    def read_visit(
        self,
        link_id: str,
        session_hash: str | None = None,
        *,
        budgets: Sequence[tuple[RateLimiter, str]] = (),
        now: dt.datetime | None = None,
    ) -> VisitRecords:
        """The link ``link_id``, the portal and access state of the link's ``portal_id``, and
        the session whose id hashes to ``session_hash`` (none asked for when ``None``): what
        :meth:`~PortalStore.get_link`, :meth:`~PortalStore.get_portal`,
        :meth:`~PortalStore.get_access` and :meth:`~PortalStore.get_session` return, read at
        once (a SQL store: in one statement). Unknown ids read as ``None``.

        ``budgets`` are ``(limiter, key)`` pairs: a store that can read them in the same go
        answers :meth:`RateLimiter.allowed` of each at ``now`` in
        :attr:`VisitRecords.budgets`; any store may leave them unread (``None``)."""
        ...


#: The portal a missing link is looked up with: no stored portal has it (it is not a valid id).
_NO_PORTAL = " no portal"


def read_visit(store: PortalStore, link_id: str, session_hash: str | None = None) -> VisitRecords:
    """:meth:`VisitReader.read_visit` of ``store`` done with its per-record methods, for a store
    that does not read them in one go (budgets are left unread). The same methods run whether or
    not the link exists (a missing link's portal is looked up under an id no portal has), so how
    long the read takes does not tell whether the link was ever issued."""
    link = store.get_link(link_id)
    portal_id = _NO_PORTAL if link is None else link.portal_id
    portal = store.get_portal(portal_id)
    access = store.get_access(portal_id)
    session = None if session_hash is None else store.get_session(session_hash)
    if link is None:
        portal = access = None
    return VisitRecords(link=link, portal=portal, access=access, session=session)


class _RecordByRecord:
    """A :class:`VisitReader` over a store without one: :func:`read_visit`."""

    def __init__(self, store: PortalStore) -> None:
        self._store = store

    def read_visit(
        self,
        link_id: str,
        session_hash: str | None = None,
        *,
        budgets: Sequence[tuple[RateLimiter, str]] = (),
        now: dt.datetime | None = None,
    ) -> VisitRecords:
        return read_visit(self._store, link_id, session_hash)


def visit_reader(store: PortalStore) -> VisitReader:
    """``store`` when it reads a visitor's step in one go (a :class:`VisitReader`), else a
    reader that asks it record by record (:func:`read_visit`)."""
    return store if isinstance(store, VisitReader) else _RecordByRecord(store)


@frozen
class ApprovalChange:
    """One item's transition, to be stored only if the item is still at ``expected_version``.

    ``kind`` says what ``entry_id`` names: a time entry (the default), an expense or a trip.
    Items of different kinds may share an id: a store keys its states by ``(kind, id)``.
    """

    entry_id: str = field(validator=cv.identifier)
    expected_version: int = field(validator=cv.seconds)
    state: ApprovalState = field(validator=v.instance_of(ApprovalState))
    event: ApprovalEvent = field(validator=v.instance_of(ApprovalEvent))
    kind: ItemKind = field(default=ItemKind.ENTRY, validator=v.instance_of(ItemKind))


@frozen(kw_only=True)
class OutboxMessage:
    """An e-mail waiting to be sent, kept until it is sent or given up (with its last error).

    ``message`` is the whole RFC 5322 message as bytes; its Message-ID stays the same on every
    attempt, so a retry is recognisable as the same mail. ``secret`` marks a message that carries
    a secret (a one-time code, a personal link): once it is sent or given up, the stores keep only
    its envelope (ids, recipients, attempts, times, last error) and drop ``message`` (``b""``).
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
    secret: bool = field(default=False, validator=cv.boolean)

    @classmethod
    def of(
        cls, id: str, message: EmailMessage, *, created_at: dt.datetime, secret: bool = False
    ) -> OutboxMessage:
        """Queue ``message`` (it must have a Message-ID and at least one recipient, each of them
        exactly one e-mail address); ``secret`` as for the class."""
        message_id = message["Message-ID"]
        headers = [
            str(value) for header in ("To", "Cc", "Bcc") for value in message.get_all(header, [])
        ]
        # The envelope takes bare addresses; a display name may hold a comma ("Jones, Bob").
        parsed = getaddresses(headers)
        problems = [
            f"message: {header!r} holds something that is not one e-mail address per recipient"
            for header in headers
            if any(cv.email_problem(address) for _, address in getaddresses([header]))
        ]
        recipients = tuple(address for _, address in parsed if address)
        if not message_id or not recipients:
            problems.append(
                "message: an outbox message needs a Message-ID and at least one recipient"
            )
        if problems:
            raise ValidationError(problems, summary="cannot queue the e-mail")
        return cls(
            id=id,
            message_id=str(message_id),
            recipients=recipients,
            message=message.as_bytes(),
            created_at=created_at,
            next_attempt_at=created_at,
            secret=secret,
        )


@runtime_checkable
class ApprovalStore(Protocol):
    """Approval state per item (time entries, expenses, trips), its audit trail, and the
    e-mails decisions cause. Every item is keyed by its kind and id."""

    def approval_states(
        self, entry_ids: frozenset[str], kind: ItemKind = ItemKind.ENTRY
    ) -> dict[str, ApprovalState]:
        """The stored state of each item of ``kind`` that has one (items without one are at their
        source's own state)."""
        ...

    def apply_changes(
        self,
        changes: Sequence[ApprovalChange],
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
        *,
        requests: Sequence[ApprovalRequest] = (),
        signoffs: Sequence[SignOff] = (),
    ) -> None:
        """In one transaction: store every change (compare-and-set on its version), append its
        event to the audit trail, queue ``outbox``, write ``events`` to the event log, and store
        the approval ``requests`` the e-mails ask and the ``signoffs`` the decisions make
        (:mod:`clientportal.ports.requests`). If
        any entry is no longer at its
        ``expected_version``, write nothing and raise :class:`ChangedMeanwhile` naming them (with
        their kinds). A batch may mix kinds.

        Changes apply in order (one batch may move an entry twice), and each stores version
        ``expected_version + 1``. An entry with no stored state is still at its source's own
        state, so its first change is stored whatever ``expected_version`` says; of two racing
        first changes one wins and the other raises :class:`ChangedMeanwhile`.

        A change whose event is an UNDO or a REOPEN withdraws, in the same transaction, every
        stored sign-off that covers its item (:attr:`SignOff.withdrawn_at
        <clientportal.ports.SignOff.withdrawn_at>` set to the event's time): what was signed no
        longer stands."""
        ...

    def history(self, entry_id: str, kind: ItemKind = ItemKind.ENTRY) -> Sequence[ApprovalEvent]:
        """The item's audit trail, oldest first."""
        ...


def check_changes(changes: Sequence[ApprovalChange]) -> None:
    """Refuse what no :meth:`ApprovalStore.apply_changes` may store: a value that is not an
    :class:`ApprovalChange`, or a change that does not store ``expected_version + 1``.

    Store implementations call it first (the library's own do), so every store rejects the same
    inputs with the same messages."""
    problems = [
        f"entry {change.entry_id!r}: a change from version {change.expected_version} must store "
        f"version {change.expected_version + 1}, not {change.state.version} (build changes with "
        "the approval machine)"
        for change in changes
        if change.state.version != change.expected_version + 1
    ]
    if problems:
        raise ValidationError(problems, summary="cannot store the approval changes")


def check_new_outbox(ids: Sequence[str], queued: Callable[[Sequence[str]], Iterable[str]]) -> None:
    """Refuse to queue messages whose ids are given twice or already ``queued`` (asked with the
    ids, it answers those of them the store holds), naming them all; every store calls it before
    :meth:`OutboxStore.enqueue` or :meth:`ApprovalStore.apply_changes` writes anything."""
    taken = sorted({i for i in ids if ids.count(i) > 1} | set(queued(ids)))
    if taken:
        raise ValidationError(
            [
                f"outbox message ids already queued: {', '.join(taken)}: give each message a "
                "new id (e.g. clientportal.access.random_id())"
            ],
            summary="cannot queue the e-mails",
        )


def link_problem(link: Link, *, id_taken: bool) -> ClientPortalError:
    """Why a store could not add ``link``: its id is taken (``id_taken``), else its portal is
    not stored. The same words from every store."""
    if id_taken:
        return ValidationError(
            [f"link.id: a link with id {link.id!r} exists: link ids must be unique"],
            summary="cannot add the link",
        )
    return NotFound(
        f"link {link.id!r} is for portal {link.portal_id!r}, which is not stored: "
        "put_portal() it first"
    )


def session_problem(session: SessionRecord, *, id_taken: bool) -> ClientPortalError:
    """Why a store could not add ``session``: its id hash is taken (``id_taken``), else its link
    is not stored. The same words from every store (they never show the hash)."""
    if id_taken:
        return ValidationError(
            [f"session of link {session.link_id!r}: a session with its id exists: draw a new id"],
            summary="cannot add the session",
        )
    return NotFound(
        f"a session is for link {session.link_id!r}, which is not stored: add_link() it first"
    )


def check_claim(now: dt.datetime, limit: int, lease: dt.timedelta) -> None:
    """Refuse arguments no :meth:`OutboxStore.claim_due` may accept: a naive ``now``, a
    ``limit`` below 1, a lease that is not positive."""
    problems = []
    if now.tzinfo is None or now.utcoffset() is None:
        problems.append(f"now: must be timezone-aware, got {now.isoformat()}")
    if limit < 1:
        problems.append(f"limit: must be at least 1, got {limit}")
    if lease <= dt.timedelta(0):
        problems.append(f"lease: must be a positive timedelta, got {lease}")
    if problems:
        raise ValidationError(problems, summary="cannot claim e-mails")


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
        """Record that the message with outbox id ``message_id`` was delivered; a
        :attr:`~OutboxMessage.secret` message loses its bytes in the same write."""
        ...

    def mark_failed(
        self, message_id: str, *, at: dt.datetime, error: str, retry_at: dt.datetime | None
    ) -> None:
        """Record a failed attempt; ``retry_at=None`` gives up (the message is kept, but a
        :attr:`~OutboxMessage.secret` one without its bytes)."""
        ...

    def pending(self) -> Sequence[OutboxMessage]:
        """Every message not sent yet, given-up ones included, oldest first."""
        ...


class Store(
    PortalStore,
    ApprovalStore,
    OutboxStore,
    AccessLog,
    EventLog,
    WebhookStore,
    EventConsumers,
    RequestStore,
    Protocol,
):
    """Everything the service keeps: what :class:`~clientportal.memory` and ``sql`` implement."""
