"""The request store's contract fails each planted bug: a MemoryStore with one fault (a request
used twice by racing threads, a key sent twice, a quote decided again, requests dropped, a losing
batch's records kept, sign-offs oldest first, states of every status) fails the contract test
meant for it, and the same test passes on the correct store, so each failure is the bug's."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from attrs import evolve

from clientportal.errors import ChangedMeanwhile
from clientportal.memory import MemoryStore
from clientportal.model import ApprovalStatus, ItemKind
from clientportal.ports import NewEvent, OutboxMessage, QuoteDecision, SignOff
from clientportal.testing.contract import RequestStoreContract


class UsesRacily(MemoryStore):
    """Reads whether the request is used, then sets it in another step."""

    def use_request(self, request_id: str, at: dt.datetime) -> bool:
        request = self.get_request(request_id)
        if request is None or request.used_at is not None:
            return False
        time.sleep(0.02)  # another thread reads the same answer meanwhile
        with self._lock:
            self._requests[request_id] = evolve(request, used_at=at)
        return True


class SendsEveryTime(MemoryStore):
    """Ignores the key: every worker sends."""

    def send_once(
        self,
        key: str,
        *,
        at: dt.datetime,
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> bool:
        with self._lock:
            self._once.pop(key, None)
        return super().send_once(key, at=at, outbox=outbox, events=events)


class DecidesAgain(MemoryStore):
    """A second decision replaces the first."""

    def decide_quote(
        self,
        decision: QuoteDecision,
        *,
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> bool:
        with self._lock:
            self._quotes.pop((decision.client_id, decision.quote_id), None)
        return super().decide_quote(decision, outbox=outbox, events=events)


class DropsRequests(MemoryStore):
    """Stores the changes but not the requests the e-mails ask."""

    def apply_changes(self, *args: Any, **written: Any) -> None:
        written.pop("requests", None)
        super().apply_changes(*args, **written)


class KeepsTheLosersRecords(MemoryStore):
    """Stores the requests and sign-offs of a batch that lost its race."""

    def apply_changes(self, *args: Any, **written: Any) -> None:
        try:
            super().apply_changes(*args, **written)
        except ChangedMeanwhile:
            with self._lock:
                self._add_records(written.get("requests", ()), written.get("signoffs", ()))
            raise


class OldestSignoffsFirst(MemoryStore):
    def signoffs(
        self, portal_id: str, *, contact_id: str | None = None, limit: int = 50
    ) -> Sequence[SignOff]:
        found = super().signoffs(portal_id, contact_id=contact_id, limit=1000)
        return tuple(reversed(found))[:limit]


class EveryStatus(MemoryStore):
    def items_in_status(
        self, status: ApprovalStatus, *, limit: int = 1000
    ) -> Sequence[tuple[ItemKind, str, dt.datetime | None]]:
        with self._lock:
            found = [(kind, i, self._updated.get((kind, i))) for kind, i in self._approvals]
        return sorted(found, key=lambda f: f[2] or dt.datetime.min.replace(tzinfo=dt.UTC))[:limit]


class _Run(RequestStoreContract):
    threads: ClassVar[int] = 8

    def __init__(self, store: type[MemoryStore]) -> None:
        self.store = store

    def make_store(self) -> MemoryStore:
        return self.store()


PLANTED = [
    (UsesRacily, "test_contract_racing_users_of_a_request_let_exactly_one_use_it"),
    (SendsEveryTime, "test_contract_send_once_writes_under_a_key_once"),
    (SendsEveryTime, "test_contract_racing_workers_send_once_exactly_once"),
    (DecidesAgain, "test_contract_a_quote_is_decided_once"),
    (DecidesAgain, "test_contract_racing_deciders_of_a_quote_let_exactly_one_decide"),
    (DropsRequests, "test_contract_requests_are_stored_with_the_decision_and_read_back_whole"),
    (
        KeepsTheLosersRecords,
        "test_contract_of_racing_decisions_only_the_winners_signoff_and_request_stay",
    ),
    (KeepsTheLosersRecords, "test_contract_a_stale_change_stores_no_request_and_no_signoff"),
    (OldestSignoffsFirst, "test_contract_signoffs_read_back_newest_first_per_portal_and_contact"),
    (EveryStatus, "test_contract_items_in_status_are_the_stored_states_oldest_first"),
]


@pytest.mark.parametrize(("store", "test"), PLANTED, ids=[f"{s.__name__}" for s, _ in PLANTED])
def test_the_contract_fails_the_planted_bug(store: type[MemoryStore], test: str) -> None:
    getattr(_Run(MemoryStore), test)()  # passes on the correct store
    with pytest.raises(AssertionError):
        getattr(_Run(store), test)()
