"""The sign-off contract fails each planted bug: a MemoryStore that never withdraws, withdraws
every sign-off, withdraws on any step, withdraws outside the batch's transaction, keeps
returning withdrawn sign-offs, forgets the items, misses a chunk of items, or records a key's
time again fails the contract test meant for it, and the same test passes on the correct store,
so each failure is the bug's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from attrs import evolve

from clientportal.memory import MemoryStore
from clientportal.model import ItemRef
from clientportal.ports import ApprovalChange, NewEvent, OutboxMessage, SignOff
from clientportal.testing.contract import RequestStoreContract
from clientportal.workflow import Action


class NeverWithdraws(MemoryStore):
    def _withdraw_signoffs(self, changes: Sequence[ApprovalChange]) -> None:
        pass


class WithdrawsEverySignoff(MemoryStore):
    """An UNDO or REOPEN withdraws every standing sign-off, whatever it covers."""

    def _withdraw_signoffs(self, changes: Sequence[ApprovalChange]) -> None:
        for change in changes:
            if change.event.action in {Action.UNDO, Action.REOPEN}:
                for signoff_id, signoff in list(self._signoffs.items()):
                    if signoff.withdrawn_at is None:
                        self._signoffs[signoff_id] = evolve(signoff, withdrawn_at=change.event.at)


class WithdrawsOnAnyStep(MemoryStore):
    """Every step withdraws the sign-offs covering its item."""

    def _withdraw_signoffs(self, changes: Sequence[ApprovalChange]) -> None:
        super()._withdraw_signoffs(
            [evolve(c, event=evolve(c.event, action=Action.UNDO)) for c in changes]
        )


class IgnoresTheKind(MemoryStore):
    """Withdraws the sign-offs of every item with the id, whatever its kind."""

    def _withdraw_signoffs(self, changes: Sequence[ApprovalChange]) -> None:
        super()._withdraw_signoffs(
            [evolve(c, kind=kind) for c in changes for kind in {i.kind for i in self._covering}]
        )


class WithdrawsEvenWhenStale(MemoryStore):
    """Withdraws before the compare-and-set: a batch that loses still withdraws."""

    def apply_changes(self, changes: Sequence[ApprovalChange], *args: Any, **kw: Any) -> None:
        with self._lock:
            self._withdraw_signoffs(changes)
        super().apply_changes(changes, *args, **kw)


class ListsWithdrawn(MemoryStore):
    def signoffs_for(self, items: Sequence[ItemRef]) -> Sequence[SignOff]:
        with self._lock:
            ids = {i for item in items for i in self._covering.get(item, ())}
            return sorted((self._signoffs[i] for i in ids), key=lambda s: (s.created_at, s.id))


class ForgetsTheItems(MemoryStore):
    def get_signoff(self, signoff_id: str) -> SignOff | None:
        found = super().get_signoff(signoff_id)
        return None if found is None else evolve(found, items=())


class FirstChunkOnly(MemoryStore):
    def signoffs_for(self, items: Sequence[ItemRef]) -> Sequence[SignOff]:
        return super().signoffs_for(list(items)[:500])


class RecordsEveryTime(MemoryStore):
    """A key sent again moves its time."""

    def send_once(
        self,
        key: str,
        *,
        at: dt.datetime,
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> bool:
        sent = super().send_once(key, at=at, outbox=outbox, events=events)
        with self._lock:
            self._once[key] = at
        return sent


class _Run(RequestStoreContract):
    threads: ClassVar[int] = 8

    def __init__(self, store: type[MemoryStore]) -> None:
        self.store = store

    def make_store(self) -> MemoryStore:
        return self.store()


_UNDO = "test_contract_an_undo_withdraws_the_signoffs_covering_its_item_and_no_other"
_REOPEN = "test_contract_a_reopen_withdraws_the_signoffs_covering_its_item"
_OTHER_STEPS = "test_contract_only_undo_and_reopen_withdraw_and_a_batchs_own_signoff_stands"
_STALE = "test_contract_a_stale_undo_withdraws_nothing"
_FOR = "test_contract_signoffs_for_are_the_standing_ones_covering_any_item_oldest_first"

PLANTED = [
    (NeverWithdraws, _UNDO),
    (NeverWithdraws, _REOPEN),
    (NeverWithdraws, _OTHER_STEPS),
    (WithdrawsEverySignoff, _UNDO),
    (WithdrawsEverySignoff, _REOPEN),
    (WithdrawsOnAnyStep, _OTHER_STEPS),
    (IgnoresTheKind, _UNDO),
    (WithdrawsEvenWhenStale, _STALE),
    (ListsWithdrawn, _UNDO),
    (ListsWithdrawn, _REOPEN),
    (ForgetsTheItems, "test_contract_signoffs_keep_the_items_they_cover"),
    (FirstChunkOnly, _FOR),
    (RecordsEveryTime, "test_contract_once_done_at_is_when_the_key_was_first_recorded"),
]


@pytest.mark.parametrize(
    ("store", "test"), PLANTED, ids=[f"{s.__name__}-{t[14:40]}" for s, t in PLANTED]
)
def test_the_contract_fails_the_planted_bug(store: type[MemoryStore], test: str) -> None:
    getattr(_Run(MemoryStore), test)()  # passes on the correct store
    with pytest.raises(AssertionError):
        getattr(_Run(store), test)()
