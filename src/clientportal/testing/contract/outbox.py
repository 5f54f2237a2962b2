"""The contract every :class:`~clientportal.ports.OutboxStore` must pass: messages read back
byte for byte, claims with leases, retries, and workers claiming at once."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from ...ports import OutboxStore
from .base import StorePortContract
from .samples import T0, _mail

__all__ = ["OutboxStoreContract"]


class OutboxStoreContract(StorePortContract[OutboxStore]):
    """Tests every :class:`~clientportal.ports.OutboxStore` must pass."""

    ports: ClassVar[tuple[type[Any], ...]] = (OutboxStore,)

    def test_contract_outbox_messages_read_back_byte_for_byte(self) -> None:
        store = self.make_store()
        mail = _mail("m1", to="kim@acme.example, lou@acme.example")
        store.enqueue([mail])
        assert list(store.pending()) == [mail]
        (claimed,) = store.claim_due(now=T0, limit=10, lease=dt.timedelta(minutes=1))
        assert claimed == mail
        assert claimed.message == mail.message
        assert claimed.recipients == ("kim@acme.example", "lou@acme.example")

    def test_contract_claims_take_due_messages_oldest_first_up_to_the_limit(self) -> None:
        store = self.make_store()
        store.enqueue([_mail(f"m{n}", T0 + dt.timedelta(minutes=n)) for n in (3, 1, 2, 9)])
        lease = dt.timedelta(minutes=5)
        now = T0 + dt.timedelta(minutes=3)
        assert [m.id for m in store.claim_due(now=now, limit=2, lease=lease)] == ["m1", "m2"]
        assert [m.id for m in store.claim_due(now=now, limit=2, lease=lease)] == ["m3"]
        assert list(store.claim_due(now=now, limit=2, lease=lease)) == []
        # The lease runs out (a crashed worker): the messages come back.
        later = now + lease
        assert [m.id for m in store.claim_due(now=later, limit=10, lease=lease)] == [
            "m1",
            "m2",
            "m3",
        ]
        hour = T0 + dt.timedelta(hours=1)
        assert [m.id for m in store.claim_due(now=hour, limit=9, lease=lease)] == [
            "m1",
            "m2",
            "m3",
            "m9",
        ]
        assert [m.id for m in store.pending()] == ["m1", "m2", "m3", "m9"]

    def test_contract_sent_messages_leave_the_queue(self) -> None:
        store = self.make_store()
        store.enqueue([_mail("m1"), _mail("m2")])
        lease = dt.timedelta(minutes=1)
        store.claim_due(now=T0, limit=10, lease=lease)
        store.mark_sent("m1", at=T0 + dt.timedelta(seconds=2))
        assert [m.id for m in store.pending()] == ["m2"]
        later = T0 + dt.timedelta(hours=1)
        assert [m.id for m in store.claim_due(now=later, limit=10, lease=lease)] == ["m2"]

    def test_contract_failures_are_counted_retried_later_and_given_up(self) -> None:
        store = self.make_store()
        store.enqueue([_mail("m1")])
        lease = dt.timedelta(minutes=1)
        store.claim_due(now=T0, limit=10, lease=lease)
        retry = T0 + dt.timedelta(minutes=10)
        store.mark_failed("m1", at=T0, error="421 try later", retry_at=retry)
        (waiting,) = store.pending()
        assert (waiting.attempts, waiting.last_error, waiting.next_attempt_at) == (
            1,
            "421 try later",
            retry,
        )
        assert (
            list(store.claim_due(now=retry - dt.timedelta(seconds=1), limit=9, lease=lease)) == []
        )
        (again,) = store.claim_due(now=retry, limit=9, lease=lease)
        assert again.attempts == 1
        store.mark_failed("m1", at=retry, error="550 no such user", retry_at=None)
        (given_up,) = store.pending()
        assert (given_up.attempts, given_up.last_error) == (2, "550 no such user")
        forever = T0 + dt.timedelta(days=365)
        assert list(store.claim_due(now=forever, limit=9, lease=lease)) == []

    def test_contract_concurrent_claims_never_hand_out_a_message_twice(self) -> None:
        store = self.make_store()
        store.enqueue([_mail(f"m{n:02d}") for n in range(30)])
        claimed = self._race(
            lambda: [m.id for m in store.claim_due(now=T0, limit=4, lease=dt.timedelta(minutes=5))]
        )
        ids = [i for batch in claimed for i in batch]
        assert len(ids) == len(set(ids))
        assert len(ids) == min(30, 4 * self.threads)
