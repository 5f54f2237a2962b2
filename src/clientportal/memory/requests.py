"""``MemoryRequestStore``: approval requests, once-only e-mails, sign-offs and quote decisions
(the :class:`~clientportal.ports.RequestStore` port) in dicts, part of
:class:`~clientportal.memory.MemoryStore`.

Every method runs under the store's one lock, so each check-and-write (using a request,
recording a key, deciding a quote) is atomic however many threads share the store.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence

from attrs import evolve

from ..model import ApprovalState, ApprovalStatus, ItemKind, ItemRef
from ..ports import (
    ApprovalChange,
    ApprovalRequest,
    NewEvent,
    OutboxMessage,
    QuoteDecision,
    SignOff,
)
from ..ports.requests import check_new_records, check_once_key
from ..workflow import Action

__all__ = ["MemoryRequestStore", "covered_items"]

#: The steps that withdraw the sign-offs covering their item.
WITHDRAWING = frozenset({Action.UNDO, Action.REOPEN})


def covered_items(items: Sequence[ItemRef]) -> tuple[ItemRef, ...]:
    """``items`` as every store gives them back: each once, by kind, then id (code point
    order): a sign-off covers a set of items."""
    return tuple(sorted(set(items), key=lambda i: (i.kind.value, i.id)))


class MemoryRequestStore:
    """The :class:`~clientportal.ports.RequestStore` part of the memory store. The store that
    composes it creates ``_lock`` and the approval dicts, and provides ``_check_new_outbox``,
    ``_queue`` and ``_append_events``; :meth:`_add_records` is what its ``apply_changes`` calls
    (after :meth:`_check_new_records`) to store requests and sign-offs, after
    :meth:`_withdraw_signoffs`."""

    _lock: threading.Lock
    _approvals: dict[tuple[ItemKind, str], ApprovalState]
    _updated: dict[tuple[ItemKind, str], dt.datetime]
    _check_new_outbox: Callable[[Sequence[OutboxMessage]], None]
    _queue: Callable[[Sequence[OutboxMessage]], None]
    _append_events: Callable[[Sequence[NewEvent]], None]

    def __init__(self) -> None:
        self._requests: dict[str, ApprovalRequest] = {}
        self._once: dict[str, dt.datetime] = {}
        self._signoffs: dict[str, SignOff] = {}
        self._covering: dict[ItemRef, set[str]] = {}  # item -> ids of the sign-offs covering it
        self._quotes: dict[tuple[str, str], QuoteDecision] = {}

    # -- written with the decisions and e-mails (apply_changes) --------------------------------

    def _check_new_records(
        self, requests: Sequence[ApprovalRequest], signoffs: Sequence[SignOff]
    ) -> None:
        """Refuse ``requests`` and ``signoffs`` that cannot be stored; the caller holds the
        lock."""
        held: dict[str, Mapping[str, object]] = {
            "request": self._requests,
            "signoff": self._signoffs,
        }
        check_new_records(requests, signoffs, lambda name, ids: [i for i in ids if i in held[name]])

    def _add_records(
        self, requests: Sequence[ApprovalRequest], signoffs: Sequence[SignOff]
    ) -> None:
        """Store checked ``requests`` and ``signoffs``; the caller holds the lock."""
        self._requests.update((r.id, r) for r in requests)
        for signoff in signoffs:
            self._signoffs[signoff.id] = evolve(signoff, items=covered_items(signoff.items))
            for item in signoff.items:
                self._covering.setdefault(item, set()).add(signoff.id)

    def _withdraw_signoffs(self, changes: Sequence[ApprovalChange]) -> None:
        """Withdraw the standing sign-offs covering the item of each UNDO or REOPEN of
        ``changes``, at its event's time; the caller holds the lock and stores the changes."""
        for change in changes:
            if change.event.action not in WITHDRAWING:
                continue
            for signoff_id in self._covering.get(ItemRef(change.kind, change.entry_id), ()):
                signoff = self._signoffs[signoff_id]
                if signoff.withdrawn_at is None:
                    self._signoffs[signoff_id] = evolve(signoff, withdrawn_at=change.event.at)

    # -- approval requests ---------------------------------------------------------------------

    def get_request(self, request_id: str) -> ApprovalRequest | None:
        """The request with this id, or ``None``."""
        with self._lock:
            return self._requests.get(request_id)

    def use_request(self, request_id: str, at: dt.datetime) -> bool:
        """Set the request's ``used_at`` if it is unused; True when this call used it."""
        with self._lock:
            request = self._requests.get(request_id)
            if request is None or request.used_at is not None:
                return False
            self._requests[request_id] = evolve(request, used_at=at)
            return True

    def open_requests(
        self, *, since: dt.datetime, after: str | None = None, limit: int = 500
    ) -> Sequence[ApprovalRequest]:
        """Up to ``limit`` unused requests created at or after ``since``, by id, after
        ``after``."""
        with self._lock:
            found = sorted(
                (
                    r
                    for r in self._requests.values()
                    if r.used_at is None
                    and r.created_at >= since
                    and (after is None or r.id > after)
                ),
                key=lambda r: r.id,
            )
            return tuple(found[: max(limit, 0)])

    # -- once-only e-mails ---------------------------------------------------------------------

    def once_done_at(self, key: str) -> dt.datetime | None:
        """When :meth:`send_once` recorded ``key``, or ``None``."""
        with self._lock:
            return self._once.get(key)

    def send_once(
        self,
        key: str,
        *,
        at: dt.datetime,
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> bool:
        """Record ``key`` and queue ``outbox`` and write ``events``, unless ``key`` was recorded
        before: then nothing is written and the answer is False."""
        check_once_key(key)
        with self._lock:
            if key in self._once:
                return False
            self._check_new_outbox(outbox)
            self._once[key] = at
            self._queue(outbox)
            self._append_events(events)
            return True

    # -- staff reminders -----------------------------------------------------------------------

    def items_in_status(
        self, status: ApprovalStatus, *, limit: int = 1000
    ) -> Sequence[tuple[ItemKind, str, dt.datetime | None]]:
        """Up to ``limit`` items whose stored state is in ``status`` with the time it was
        stored, oldest first (unknown times first, then by kind and id)."""
        with self._lock:
            found = [
                (kind, item_id, self._updated.get((kind, item_id)))
                for (kind, item_id), state in self._approvals.items()
                if state.status is status
            ]
        found.sort(key=lambda f: (f[2] is not None, f[2] or dt.datetime.min, f[0].value, f[1]))
        return tuple(found[: max(limit, 0)])

    # -- sign-offs -----------------------------------------------------------------------------

    def get_signoff(self, signoff_id: str) -> SignOff | None:
        """The sign-off with this id, or ``None``."""
        with self._lock:
            return self._signoffs.get(signoff_id)

    def signoffs_for(self, items: Sequence[ItemRef]) -> Sequence[SignOff]:
        """The standing sign-offs covering any of ``items``, oldest first (then by id)."""
        with self._lock:
            ids = {i for item in items for i in self._covering.get(item, ())}
            found = [self._signoffs[i] for i in ids]
        standing = [s for s in found if s.withdrawn_at is None]
        standing.sort(key=lambda s: (s.created_at, s.id))
        return tuple(standing)

    def signoffs(
        self, portal_id: str, *, contact_id: str | None = None, limit: int = 50
    ) -> Sequence[SignOff]:
        """Up to ``limit`` sign-offs of the portal (of one contact), newest first."""
        with self._lock:
            mine = [
                s
                for s in self._signoffs.values()
                if s.portal_id == portal_id and (contact_id is None or s.contact_id == contact_id)
            ]
        mine.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return tuple(mine[: max(limit, 0)])

    # -- quotes --------------------------------------------------------------------------------

    def decide_quote(
        self,
        decision: QuoteDecision,
        *,
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> bool:
        """Store ``decision`` with ``outbox`` and ``events``, unless the quote was decided
        before: then nothing is written and the answer is False."""
        key = (decision.client_id, decision.quote_id)
        with self._lock:
            if key in self._quotes:
                return False
            self._check_new_outbox(outbox)
            self._quotes[key] = decision
            self._queue(outbox)
            self._append_events(events)
            return True

    def quote_decisions(
        self, client_id: str, quote_ids: frozenset[str]
    ) -> Mapping[str, QuoteDecision]:
        """The stored decisions on those of ``quote_ids`` of the client that have one."""
        with self._lock:
            return {
                q: self._quotes[client_id, q] for q in quote_ids if (client_id, q) in self._quotes
            }
