"""``MemoryStore``: the whole :class:`~clientportal.ports.Store` in memory, built on
:class:`~clientportal.memory.MemoryPortalStore`: approval state with its audit trail, the outbox
and the access log, and (:class:`~clientportal.memory.requests.MemoryRequestStore`) approval
requests, once-only e-mails, sign-offs and quote decisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from attrs import evolve

from ..access import AccessEvent
from ..errors import ChangedMeanwhile, NotFound
from ..model import ApprovalState, ItemKind, Portal
from ..ports import (
    ApprovalChange,
    ApprovalRequest,
    NewEvent,
    OutboxMessage,
    SignOff,
    check_changes,
    check_claim,
    check_new_outbox,
)
from ..ratelimit import TokenBucketLimiter, named_limiter
from ..workflow import ApprovalEvent
from .log import REFUSALS_LOGGED, REFUSALS_REFILL, MemoryAccessLog
from .portals import MemoryPortalStore
from .requests import MemoryRequestStore

__all__ = ["MemoryStore"]


class MemoryStore(MemoryRequestStore, MemoryPortalStore):
    """The whole :class:`~clientportal.ports.Store` in memory: portals, links and codes (as
    :class:`MemoryPortalStore`), approval state with its audit trail, the outbox and the access log.

    :meth:`apply_changes` is all-or-nothing under the store's lock, so concurrent deciders see the
    same compare-and-set behaviour as the SQL store.
    """

    def __init__(self, portals: Iterable[Portal] = ()) -> None:
        MemoryPortalStore.__init__(self, portals)
        MemoryRequestStore.__init__(self)
        self._approvals: dict[tuple[ItemKind, str], ApprovalState] = {}
        self._updated: dict[tuple[ItemKind, str], dt.datetime] = {}  # when each state was stored
        self._history: dict[tuple[ItemKind, str], list[ApprovalEvent]] = {}
        self._outbox: dict[str, OutboxMessage] = {}
        self._leases: dict[str, dt.datetime] = {}  # outbox id -> claimed until
        self._limiters: dict[str, TokenBucketLimiter] = {}
        self._log = MemoryAccessLog(
            refusals=self.rate_limiter(
                "log", capacity=REFUSALS_LOGGED, refill_every=REFUSALS_REFILL
            )
        )

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"MemoryStore(<{len(self._portals)} portals, {len(self._links)} links, "
                f"{len(self._approvals)} approval states, {len(self._outbox)} outbox messages>)"
            )

    # -- access log ----------------------------------------------------------------------------

    def record(self, event: AccessEvent) -> None:
        """Append ``event`` to the access log."""
        self._log.record(event)

    def access_events(self, portal_id: str | None = None) -> tuple[AccessEvent, ...]:
        """The access log, oldest first; only ``portal_id``'s events when it is given."""
        return tuple(e for e in self._log.events if portal_id is None or e.portal_id == portal_id)

    def prune_access_log(self, before: dt.datetime) -> int:
        """Drop the access events older than ``before``: how many were dropped. (The log also
        drops events older than 90 days as it records, and records a refusal only while its
        client's budget allows: 10, then one more every 6 minutes, per action.)"""
        return self._log.prune(before)

    # -- rate limits ---------------------------------------------------------------------------

    def rate_limiter(
        self, name: str, *, capacity: int, refill_every: dt.timedelta
    ) -> TokenBucketLimiter:
        """The :class:`~clientportal.TokenBucketLimiter` named ``name`` (the same object for the
        same name; its keys never meet another name's): ``capacity`` units per key, one more
        every ``refill_every``. Raises ``ValueError`` when ``name`` was already given with
        another capacity or refill."""
        with self._lock:
            return named_limiter(
                self._limiters,
                name,
                capacity=capacity,
                refill_every=refill_every,
                make=lambda: TokenBucketLimiter(capacity=capacity, refill_every=refill_every),
            )

    # -- approvals -----------------------------------------------------------------------------

    def approval_states(
        self, entry_ids: frozenset[str], kind: ItemKind = ItemKind.ENTRY
    ) -> dict[str, ApprovalState]:
        """The stored state of each of ``entry_ids`` (items of ``kind``) that has one."""
        with self._lock:
            return {i: self._approvals[kind, i] for i in entry_ids if (kind, i) in self._approvals}

    def apply_changes(
        self,
        changes: Sequence[ApprovalChange],
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
        *,
        requests: Sequence[ApprovalRequest] = (),
        signoffs: Sequence[SignOff] = (),
    ) -> None:
        """Store every change (compare-and-set on its version), append its event to the audit
        trail, queue ``outbox``, write ``events`` to the event log and store the approval
        ``requests`` and ``signoffs``, all or nothing. An UNDO or REOPEN withdraws the stored
        sign-offs covering its item (before the batch's own sign-offs are stored).

        Changes apply in order, so one batch may move an entry twice. An entry with no stored
        state has nothing to compare with (its state is still its source's own): its first change
        is stored whatever ``expected_version`` says. Raises :class:`ChangedMeanwhile` naming
        every entry that moved on, and :class:`~clientportal.ValidationError` for an outbox,
        request or sign-off id that is taken; either way nothing is written.
        """
        check_changes(changes)
        with self._lock:
            working: dict[tuple[ItemKind, str], ApprovalState] = {}
            stale: list[tuple[ItemKind, str]] = []
            for change in changes:
                key = (change.kind, change.entry_id)
                current = working.get(key) or self._approvals.get(key)
                if current is not None and current.version != change.expected_version:
                    stale.append(key)
                    continue
                working[key] = change.state
            if stale:
                unique = list(dict.fromkeys(stale))
                raise ChangedMeanwhile([i for _, i in unique], [k.value for k, _ in unique])
            self._check_new_outbox(outbox)
            self._check_new_records(requests, signoffs)
            self._approvals.update(working)
            for change in changes:
                key = (change.kind, change.entry_id)
                self._history.setdefault(key, []).append(change.event)
                self._updated[key] = change.event.at
            self._queue(outbox)
            self._withdraw_signoffs(changes)
            self._add_records(requests, signoffs)
            self._append_events(events)

    def history(self, entry_id: str, kind: ItemKind = ItemKind.ENTRY) -> Sequence[ApprovalEvent]:
        """The item's audit trail, oldest first."""
        with self._lock:
            return tuple(self._history.get((kind, entry_id), ()))

    # -- outbox --------------------------------------------------------------------------------

    def enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue ``messages``; ``ValueError`` (and nothing queued) when an id is taken."""
        with self._lock:
            self._check_new_outbox(messages)
            self._queue(messages)

    def _queue(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue checked ``messages``; the caller holds the lock."""
        for message in messages:
            self._outbox[message.id] = message

    def _check_new_outbox(self, messages: Sequence[OutboxMessage]) -> None:
        check_new_outbox(
            [m.id for m in messages], lambda ids: [i for i in ids if i in self._outbox]
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
            self._outbox[message_id] = evolve(
                message, sent_at=at, next_attempt_at=None, message=_kept(message)
            )
            self._leases.pop(message_id, None)

    def mark_failed(
        self, message_id: str, *, at: dt.datetime, error: str, retry_at: dt.datetime | None
    ) -> None:
        """Count a failed attempt and keep ``error``; retry at ``retry_at`` (``None``: give up)."""
        with self._lock:
            message = self._queued(message_id)
            self._outbox[message_id] = evolve(
                message,
                attempts=message.attempts + 1,
                last_error=error,
                next_attempt_at=retry_at,
                message=message.message if retry_at is not None else _kept(message),
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


def _kept(message: OutboxMessage) -> bytes:
    """What is kept of a message that is done with: nothing of one that carries a secret."""
    return b"" if message.secret else message.message


def _is_due(message: OutboxMessage, now: dt.datetime) -> bool:
    """Unsent, and either due for another attempt or never tried (no attempt time set)."""
    if message.sent_at is not None:
        return False
    if message.next_attempt_at is None:
        return message.attempts == 0
    return message.next_attempt_at <= now
